"""What a person sees in a real terminal (issue 13), through tmux (tmux_terminal.py): colour only
on a terminal and never with NO_COLOR, --help that fits 80 columns, the password prompt without
echo, the interactive `cmd run` prompts, and the jingle-file progress bar."""

from __future__ import annotations

import re
import uuid

import pytest

from test_cmd import ADD_USER, login_works
from test_jingle_file import MIB, random_file, start_receiver
from tmux_terminal import TmuxTerminal

SGR = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def terminal(tmp_path):
    """terminal(argv, env) -> TmuxTerminal, closed after the test."""
    opened = []

    def open_terminal(argv, env, **kwargs):
        t = TmuxTerminal(argv, env, tmp_path, **kwargs)
        opened.append(t)
        return t

    yield open_terminal
    for t in opened:
        t.close()


def no_account(run_xmpp):
    """`xmpp ping DOMAIN` with no account at all: exit 78 and one error line, before any network."""
    return run_xmpp.command(["ping", "example.test"], user=None)


def test_error_prefix_is_coloured_on_a_terminal(run_xmpp, terminal):
    argv, env = no_account(run_xmpp)
    t = terminal(argv, env)
    assert t.wait() == 78
    line = next(l for l in t.screen(escapes=True).splitlines() if "no account" in l)
    before, after = line.split("xmpp:", 1)
    # Red (SGR 31) before the prefix; after it only resets: the message itself is plain.
    assert "31" in [code for seq in SGR.findall(before) for code in seq[2:-1].split(";")], repr(line)
    assert all(code in ("0", "39", "49", "")
               for seq in SGR.findall(after) for code in seq[2:-1].split(";")), repr(line)


@pytest.mark.parametrize("setting", ["NO_COLOR=1", "TERM=dumb", "pipe"])
def test_no_colour_with_no_color_a_dumb_terminal_or_a_pipe(run_xmpp, terminal, setting):
    argv, env = no_account(run_xmpp)
    kwargs = {}
    if setting == "NO_COLOR=1":
        env["NO_COLOR"] = "1"
    elif setting == "TERM=dumb":
        kwargs["term"] = "dumb"
    else:
        argv = ["/bin/sh", "-c", '"$@" 2>&1 | cat', "sh", *argv]
    t = terminal(argv, env, **kwargs)
    t.wait()
    screen = t.screen(escapes=True)
    assert "no account" in screen, screen
    assert not SGR.search(screen), repr(screen)


def test_no_colour_when_stderr_is_a_file(run_xmpp):
    code, _, err, _ = run_xmpp("ping", "example.test", user=None, env={"TERM": "xterm-256color"})
    assert code == 78 and err.startswith("xmpp: ") and "\x1b" not in err, repr(err)


@pytest.mark.parametrize("words", [[], ["send"], ["jingle-file", "send"], ["muc", "affiliation"]])
def test_help_fits_80_columns(run_xmpp, terminal, words):
    """Nothing wraps on an 80-column terminal: the screen is the same with wrapped lines joined.
    (tests/unit/cli_help_formatter_test.cpp measures every help page of the tree.)"""
    argv, env = run_xmpp.command([*words, "--help"], user=None)
    t = terminal(argv, env)
    assert t.wait() == 0
    screen = t.screen()
    assert "Usage:" in screen, screen
    assert t.screen(join=True) == screen, "a line of --help wrapped at 80 columns"


def test_password_prompt_does_not_echo(server, run_xmpp, terminal):
    argv, env = run_xmpp.command(["ping", server.domain], password_file=None)
    env.pop("XMPP_PASSWORD", None)
    t = terminal(argv, env)
    # capture-pane drops trailing blanks: the prompt is the last thing on its line.
    t.expect(r"^Password for alice@example\.test:$")
    password = server.password("alice")
    t.type(password)
    assert t.wait() == 0, t.screen()
    screen = t.screen()
    assert password not in screen, screen
    assert "1 sent, 1 received" in screen, screen  # logged in with the typed password


# The label of add-user's accountjid field (XEP-0133 §4.1) as each server words it.
ACCOUNTJID_LABEL = {"prosody": "The Jabber ID for the account to be added",
                    "ejabberd": "Jabber ID"}


def test_interactive_cmd_run_prompts(server, run_xmpp, terminal, server_kind):
    user = f"tty-{uuid.uuid4().hex[:8]}"
    password = f"pw-{uuid.uuid4().hex[:12]}"
    argv, env = run_xmpp.command(["cmd", "run", server.domain, ADD_USER, "--interactive"],
                                 user="admin")
    t = terminal(argv, env)
    # Each prompt itself ("VAR: " alone at the end of the screen), not the description above it:
    # a secret prompt flushes what was typed ahead of it.
    t.expect(r"^accountjid:$")
    t.type(server.jid(user))
    t.expect(r"^password:$")
    t.type(password)
    t.expect(r"^password-verify:$")
    t.type(password)
    assert t.wait() == 0, t.screen()
    screen = t.screen()
    assert f"label: {ACCOUNTJID_LABEL[server_kind]}" in screen, screen  # labels are shown
    assert password not in screen, "a text-private answer was echoed"
    assert login_works(run_xmpp, server, user, password)


def test_jingle_file_progress_bar(spawn_xmpp, run_xmpp, terminal, tmp_path):
    receiver, jid, inbox = start_receiver(spawn_xmpp, tmp_path, "--count", "1", "--no-proxy")
    original = random_file(tmp_path / "out" / "shown.bin", 3 * MIB)
    argv, env = run_xmpp.command(["--resource", "tty", "jingle-file", "send", jid, str(original),
                                  "--no-proxy", "--allow-local-candidates"])
    t = terminal(argv, env)
    assert t.wait() == 0, t.screen()
    assert receiver.wait(60) == 0, str(receiver)
    screen = t.screen()
    # The progress line was redrawn in place: one line with the final state, then the result.
    progress = [l for l in screen.splitlines() if "shown.bin" in l and "100%" in l]
    assert len(progress) == 1, screen
    joined = t.screen(join=True)
    assert re.search(r"sent shown\.bin \(3\.0 MiB\) to .*, verified", joined), screen
    # The progress line fits the terminal (the result line after it is data and may wrap).
    assert [l for l in joined.splitlines() if "100%" in l] == progress, "the progress line wrapped"
    assert (inbox / "shown.bin").read_bytes() == original.read_bytes()
