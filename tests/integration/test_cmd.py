"""`xmpp cmd` (CLI.md "cmd", man xmpp-cmd) against the real Prosody: its admin commands
(mod_admin_adhoc, XEP-0133) run as the server admin `admin`, and a command-provider bot
(command_bot.py, python3-slixmpp) for the field types and stage shapes Prosody has not.

Every account a test changes is fresh (new_account). Nothing sleeps: a listener is waited for by
its ready line and the line it must print, a pseudo-terminal by the prompt it must show, every
run by its exit.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import time
import uuid

import pytest

from command_bot import COLOURS, FIELDS_FORM_TYPE, CommandBot
from shapes import assert_error, ok
from xmpp_client import XmppClient

ADMIN = "http://jabber.org/protocol/admin#"
ADD_USER = ADMIN + "add-user"
CHANGE_PASSWORD = ADMIN + "change-user-password"
USER_STATS = ADMIN + "user-stats"
ONLINE_USERS = ADMIN + "get-online-users-list"
END_SESSION = ADMIN + "end-user-session"
ANNOUNCE = ADMIN + "announce"
LOAD_MODULE = "http://prosody.im/protocol/modules#load"

# The JSON shapes of man/xmpp-cmd.1 (and /tmp/ctx-cmd-cli.md), keys in their order.
LIST_KEYS = ["jid", "commands", "ignored"]
SHOW_KEYS = ["jid", "node", "sessionid", "status", "actions", "notes", "form", "answers"]
RUN_KEYS = ["jid", "node", "sessionid", "status", "stages"]
STAGE_KEYS = ["status", "actions", "notes", "form"]

WAIT_S = 30


# ---- helpers ----




def cmd(run_xmpp, *args, user="admin", **kwargs):
    """`xmpp cmd ARGS --json` as USER (the server admin unless told)."""
    return run_xmpp("cmd", *args, "--json", user=user, **kwargs)


def check_run(doc, jid, node, status="completed") -> list[dict]:
    """A `cmd run --json` document: its keys, the final status; returns the stages."""
    assert list(doc) == RUN_KEYS, doc
    assert doc["jid"] == jid and doc["node"] == node, doc
    assert doc["status"] == status, doc
    assert doc["stages"], doc
    for stage in doc["stages"]:
        assert list(stage) == STAGE_KEYS, stage
    assert doc["stages"][-1]["status"] == status, doc
    return doc["stages"]


def notes_text(stages, kind="info") -> str:
    return "\n".join(n["text"] for s in stages for n in s["notes"] if n["type"] == kind)


def field(form, var) -> dict:
    for f in form["fields"]:
        if f["var"] == var:
            return f
    pytest.fail(f"no field {var} in {json.dumps(form)}")


def secret_file(tmp_path, text: str) -> str:
    path = tmp_path / f"secret-{uuid.uuid4().hex[:6]}"
    path.write_text(text + "\n")
    path.chmod(0o600)
    return str(path)


def login_works(run_xmpp, server, user: str, password: str) -> bool:
    """`xmpp ping DOMAIN` as USER with PASSWORD from XMPP_PASSWORD: exit 0, or 77 (auth failed)."""
    run = run_xmpp("ping", server.domain, user=None,
                   env={"XMPP_JID": server.jid(user), "XMPP_PASSWORD": password})
    assert run.code in (0, 77), str(run)
    return run.code == 0


def add_user(run_xmpp, server, tmp_path, user: str, password: str):
    pw = secret_file(tmp_path, password)
    return cmd(run_xmpp, "run", server.domain, ADD_USER,
               "--field", f"accountjid={server.jid(user)}",
               "--field", f"password=@{pw}", "--field", f"password-verify=@{pw}")


def start_listener(spawn_xmpp, user, *args):
    listener = spawn_xmpp("listen", "--json", "-v", *args, user=user)
    ready = json.loads(listener.wait_for_line(lambda l: '"kind":"ready"' in l, timeout=WAIT_S))
    assert ready["jid"].startswith(f"{user}@"), ready
    return listener, ready


@pytest.fixture
def bot(server, new_account):
    with CommandBot(server, new_account("bot")) as b:
        yield b


@pytest.fixture
def announce_loaded(run_xmpp, server):
    """mod_announce on the host, loaded through Prosody's own "Load module" admin command when
    the command list does not have the announce command yet."""
    listed = ok(cmd(run_xmpp, "list", server.domain))
    if ANNOUNCE not in [c["node"] for c in listed["commands"]]:
        stages = check_run(ok(cmd(run_xmpp, "run", server.domain, LOAD_MODULE,
                                  "--field", "module=announce")),
                           server.domain, LOAD_MODULE)
        assert "announce" in notes_text(stages), stages
        listed = ok(cmd(run_xmpp, "list", server.domain))
    assert ANNOUNCE in [c["node"] for c in listed["commands"]], listed


# ---- list ----


def test_list_the_servers_admin_commands(run_xmpp, server, server_kind):
    doc = ok(cmd(run_xmpp, "list", server.domain))
    assert list(doc) == LIST_KEYS, doc
    assert doc["jid"] == server.domain
    assert doc["ignored"] == 0
    nodes = {c["node"]: c["name"] for c in doc["commands"]}
    # XEP-0133's commands, under the names both servers give them; "Load module" is Prosody's.
    expected = [(ADD_USER, "Add User"), (CHANGE_PASSWORD, "Change User Password"),
                (USER_STATS, "Get User Statistics"), (END_SESSION, "End User Session"),
                (ONLINE_USERS, "Get List of Online Users"),
                (ADMIN + "delete-user", "Delete User")]
    if server_kind == "prosody":
        expected.append((LOAD_MODULE, "Load module"))
    for node, name in expected:
        assert nodes.get(node) == name, doc
    for c in doc["commands"]:
        assert list(c) == ["node", "name"], c

    human = run_xmpp("cmd", "list", server.domain, user="admin")
    assert human.code == 0, str(human)
    line = next(l for l in human.stdout.splitlines() if ADD_USER in l)
    assert "Add User" in line, human.stdout


def test_list_as_a_normal_user_has_no_admin_commands(run_xmpp, server):
    doc = ok(cmd(run_xmpp, "list", server.domain, user="alice"))
    nodes = [c["node"] for c in doc["commands"]]
    assert ADD_USER not in nodes and END_SESSION not in nodes, doc


# ---- The server's admin commands (XEP-0133), end to end ----


def test_add_user_then_log_in_as_it(run_xmpp, server, tmp_path, server_kind):
    user = f"added-{uuid.uuid4().hex[:8]}"
    password = f"pw-{uuid.uuid4().hex}"
    run = add_user(run_xmpp, server, tmp_path, user, password)
    stages = check_run(ok(run), server.domain, ADD_USER)
    if server_kind == "prosody":  # ejabberd completes without a note; the login below counts
        assert "Account successfully created" in notes_text(stages), run.json
    # The first stage was the server's form: jid-single and two text-private fields.
    form = stages[0]["form"]
    assert field(form, "accountjid")["type"] == "jid-single"
    assert field(form, "accountjid")["required"] is True
    assert field(form, "password")["type"] == "text-private"
    assert password not in run.stdout and password not in run.stderr, str(run)
    assert login_works(run_xmpp, server, user, password)
    assert not login_works(run_xmpp, server, user, password + "x")


def test_a_secret_on_the_command_line_is_refused(run_xmpp, server):
    user = f"argv-{uuid.uuid4().hex[:8]}"
    run = cmd(run_xmpp, "run", server.domain, ADD_USER,
              "--field", f"accountjid={server.jid(user)}",
              "--field", "password=on-argv", "--field", "password-verify=on-argv")
    error = assert_error(run, 64)
    assert "password" in error["message"], str(run)
    assert not login_works(run_xmpp, server, user, "on-argv")


def test_change_a_users_password(run_xmpp, server, new_account, server_kind):
    user = new_account("chpw")
    old = server.password(user)
    new = f"new-{uuid.uuid4().hex}"
    # text-private from the environment: XMPP_FIELD_<VAR>.
    run = cmd(run_xmpp, "run", server.domain, CHANGE_PASSWORD,
              "--field", f"accountjid={server.jid(user)}", env={"XMPP_FIELD_PASSWORD": new})
    stages = check_run(ok(run), server.domain, CHANGE_PASSWORD)
    if server_kind == "prosody":  # ejabberd completes without a note; the logins below count
        assert "Password successfully changed" in notes_text(stages), run.json
    assert login_works(run_xmpp, server, user, new)
    assert not login_works(run_xmpp, server, user, old)


def test_user_statistics_and_online_users(run_xmpp, server, new_account, server_kind):
    user = new_account("stats")
    with XmppClient(server, user) as client:
        resource = client.jid.split("/", 1)[1]
        run = cmd(run_xmpp, "run", server.domain, USER_STATS,
                  "--field", f"accountjid={server.jid(user)}")
        stages = check_run(ok(run), server.domain, USER_STATS)
        # The completed stage's data is a result (ejabberd writes type='form': read as one).
        result = stages[-1]["form"]
        assert result is not None and result["type"] == "result", run.json
        assert field(result, "rostersize")["values"] == ["0"], result
        assert resource in "\n".join(field(result, "onlineresources")["values"]), result

        # Prosody asks how many (XEP-0133 §4.22 max_items, its own details); ejabberd 23.01
        # answers at once with the list, and has neither field.
        fields = [] if server_kind == "ejabberd" else [
            "--field", "max_items=all", "--field", "details=false"]
        run = cmd(run_xmpp, "run", server.domain, ONLINE_USERS, *fields)
        stages = check_run(ok(run), server.domain, ONLINE_USERS)
        assert stages[-1]["form"]["type"] == "result", run.json
        online = "\n".join(field(stages[-1]["form"], "onlineuserjids")["values"])
        assert server.jid(user) in online.splitlines(), online


def test_end_a_users_session(run_xmpp, spawn_xmpp, server, new_account, server_kind):
    user = new_account("ended")
    listener, _ = start_listener(spawn_xmpp, user)
    # XEP-0133 §4.14 has accountjids (jid-multi); ejabberd 23.01 asks for one accountjid.
    var = "accountjid" if server_kind == "ejabberd" else "accountjids"
    run = cmd(run_xmpp, "run", server.domain, END_SESSION, "--field", f"{var}={server.jid(user)}")
    stages = check_run(ok(run), server.domain, END_SESSION)
    if server_kind == "prosody":  # ejabberd completes without a note; the listener's end counts
        assert "successfully disconnected" in notes_text(stages), run.json
        assert server.jid(user) in notes_text(stages), run.json
    # The server closed the listener's stream: it ends on its own.
    code = listener.wait(timeout=WAIT_S)
    assert code != 0, str(listener)


def test_an_announcement_reaches_a_listener(run_xmpp, spawn_xmpp, server, new_account,
                                            announce_loaded, server_kind):
    user = new_account("hears")
    listener, _ = start_listener(spawn_xmpp, user, "--from", server.domain)
    subject = f"Maintenance {uuid.uuid4().hex[:6]}"
    # XEP-0133 §4.23 names the text "announcement"; ejabberd 23.01's form calls it "body".
    var = "body" if server_kind == "ejabberd" else "announcement"
    run = cmd(run_xmpp, "run", server.domain, ANNOUNCE, "--field", f"subject={subject}",
              "--field", f"{var}=first line", "--field", f"{var}=second line")
    stages = check_run(ok(run), server.domain, ANNOUNCE)
    if server_kind == "prosody":  # ejabberd completes without a note; the listener counts
        assert re.search(r"Announcement sent to \d+ online users", notes_text(stages)), run.json
    message = json.loads(listener.wait_for_line(
        lambda l: '"kind":"message"' in l and subject in l, timeout=WAIT_S))
    assert message["type"] == "headline", message
    assert message["from"] == server.domain, message
    assert message["body"] == "first line\nsecond line", message


# ---- refusals ----


def test_a_normal_user_is_forbidden(run_xmpp, server):
    user = f"nope-{uuid.uuid4().hex[:8]}"
    run = run_xmpp("cmd", "run", server.domain, ADD_USER, "--field",
                   f"accountjid={server.jid(user)}", "--json", user="alice")
    error = assert_error(run, 1, condition="forbidden")
    assert ADD_USER in error["message"], str(run)


def test_a_missing_required_field_is_exit_65_naming_it(run_xmpp, server):
    run = cmd(run_xmpp, "run", server.domain, USER_STATS)
    error = assert_error(run, 65)
    assert "accountjid" in error["message"] and "jid-single" in error["message"], str(run)
    human = run_xmpp("cmd", "run", server.domain, USER_STATS, user="admin")
    assert human.code == 65, str(human)
    assert "accountjid" in human.stderr, str(human)


def test_a_missing_required_list_field_names_its_options_and_cancels(run_xmpp, bot):
    run = cmd(run_xmpp, "run", bot.jid, "fields", "--field", "notify=true")
    error = assert_error(run, 65)
    assert "level" in error["message"], str(run)
    assert "list-single" in error["message"], str(run)
    assert "low" in error["message"] and "high" in error["message"], str(run)
    # The session was canceled before the exit, not left open (the bot saw the cancel).
    assert len(bot.canceled) == 1, bot.steps
    assert "fields" not in bot.submissions


# ---- answers ----


FIELD_ARGS = ["--field", "notify=true", "--field", "level=high",
              "--field", "colours=green", "--field", "colours=blue",
              "--field", "owner=alice@example.test",
              "--field", "watchers=bob@example.test", "--field", "watchers=carol@example.test",
              "--field", "motd=hello", "--field", "motd=world"]
FIELD_ANSWERS = {"notify": True, "level": "high", "colours": ["green", "blue"],
                 "owner": "alice@example.test",
                 "watchers": ["bob@example.test", "carol@example.test"],
                 "motd": ["hello", "world"]}


def test_every_field_type_through_the_bot(run_xmpp, bot, tmp_path):
    secret = secret_file(tmp_path, "hush")
    run = cmd(run_xmpp, "run", bot.jid, "fields", *FIELD_ARGS, "--field", f"secret=@{secret}")
    stages = check_run(ok(run), bot.jid, "fields")
    got = bot.submissions["fields"]
    assert got["FORM_TYPE"] == [FIELDS_FORM_TYPE]  # hidden: kept as given
    assert got["notify"] in (["true"], ["1"]), got
    assert got["level"] == ["high"]
    assert got["colours"] == ["green", "blue"]
    assert got["owner"] == ["alice@example.test"]
    assert got["watchers"] == ["bob@example.test", "carol@example.test"]
    assert got["motd"] == ["hello", "world"]
    assert got["name"] == ["bot"]  # the form's default, carried
    assert got["secret"] == ["hush"]
    assert "hush" not in run.stdout
    # The stages as received: the form with its types, then the echoed result and a note.
    form = stages[0]["form"]
    assert {f["var"]: f["type"] for f in form["fields"] if f["var"]} == {
        "FORM_TYPE": "hidden", "about": "fixed", "notify": "boolean", "level": "list-single",
        "colours": "list-multi", "owner": "jid-single", "watchers": "jid-multi",
        "name": "text-single", "motd": "text-multi", "secret": "text-private"}
    assert [o["value"] for o in field(form, "colours")["options"]] == [v for _, v in COLOURS]
    assert stages[-1]["form"]["type"] == "result"
    assert "Stored" in notes_text(stages), stages[-1]


def test_a_value_of_the_wrong_type_is_refused_before_submitting(run_xmpp, bot):
    for bad in (["--field", "notify=maybe"], ["--field", "level=medium"],
                ["--field", "owner=not a jid@@"]):
        args = ["--field", "notify=true", "--field", "level=low"] + bad
        run = cmd(run_xmpp, "run", bot.jid, "fields", *args)
        assert_error(run, 65)
    assert "fields" not in bot.submissions


def test_answers_file_is_equivalent_to_fields(run_xmpp, bot, tmp_path):
    run = cmd(run_xmpp, "run", bot.jid, "fields", *FIELD_ARGS)
    check_run(ok(run), bot.jid, "fields")
    by_fields = bot.submissions.pop("fields")

    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(FIELD_ANSWERS))
    run = cmd(run_xmpp, "run", bot.jid, "fields", "--answers", str(answers))
    check_run(ok(run), bot.jid, "fields")
    assert bot.submissions["fields"] == by_fields

    # --field overrides the file.
    run = cmd(run_xmpp, "run", bot.jid, "fields", "--answers", str(answers),
              "--field", "level=low")
    check_run(ok(run), bot.jid, "fields")
    assert bot.submissions["fields"]["level"] == ["low"]


def test_a_three_stage_command_with_per_stage_answers(run_xmpp, bot, tmp_path):
    answers = tmp_path / "stages.json"
    answers.write_text(json.dumps({"stages": [{"first": "alpha"}, {"second": False},
                                              {"third": "plum"}]}))
    run = cmd(run_xmpp, "run", bot.jid, "wizard", "--answers", str(answers))
    stages = check_run(ok(run), bot.jid, "wizard")
    assert len(stages) == 4, run.json  # three forms, then the completion
    assert [s["status"] for s in stages] == ["executing"] * 3 + ["completed"]
    # Stage 2 offers prev; the last stage lists only <complete/> without 'execute' (slixmpp).
    assert "prev" in stages[1]["actions"]["allowed"], stages[1]
    assert stages[2]["actions"]["allowed"] == ["complete", "cancel"], stages[2]
    got = bot.submissions["wizard"]
    assert got["first"] == ["alpha"] and got["third"] == ["plum"], got
    assert got["second"] in (["false"], ["0"]), got
    assert [a for n, a in bot.steps if n == "wizard"] == ["execute", "next", "next", "complete"]
    assert "Wizard done: first=alpha" in notes_text(stages)


def test_action_cancel_and_an_action_not_offered(run_xmpp, bot):
    run = cmd(run_xmpp, "run", bot.jid, "wizard", "--action", "cancel")
    check_run(ok(run), bot.jid, "wizard", status="canceled")
    assert len(bot.canceled) == 1

    run = cmd(run_xmpp, "run", bot.jid, "wizard", "--field", "first=x", "--action", "complete")
    error = assert_error(run, 64)
    assert "next" in error["message"], str(run)
    assert len(bot.canceled) == 2, "the session the refused action left open was canceled"


def test_an_error_note_is_exit_1(run_xmpp, bot):
    run = cmd(run_xmpp, "run", bot.jid, "fail")
    error = assert_error(run, 1)
    assert "The bot failed on purpose" in error["message"], str(run)


def test_a_result_table_is_rendered(run_xmpp, bot):
    doc = ok(cmd(run_xmpp, "run", bot.jid, "table"))
    table = check_run(doc, bot.jid, "table")[-1]["form"]["table"]
    assert [c["var"] for c in table["columns"]] == ["fruit", "count"], table
    assert table["rows"] == [{"fruit": ["apple"], "count": ["3"]},
                             {"fruit": ["pear"], "count": ["12"]}], table
    human = run_xmpp("cmd", "run", bot.jid, "table")
    assert human.code == 0, str(human)
    lines = human.stdout.splitlines()
    header = next(l for l in lines if "Fruit" in l and "Count" in l)
    pear = next(l for l in lines if "pear" in l)
    assert pear.index("12") >= header.index("Count"), human.stdout  # in the Count column


def test_the_bots_list_ignores_a_spoofed_item(run_xmpp, bot):
    doc = ok(cmd(run_xmpp, "list", bot.jid, user="alice"))
    assert [c["node"] for c in doc["commands"]] == ["fields", "wizard", "fail", "table"], doc
    assert doc["ignored"] == 1, doc
    assert "steal" not in json.dumps(doc)


# ---- show, then run with the dumped template ----


def test_show_then_run_with_the_template(run_xmpp, server, tmp_path, server_kind):
    # A command with a form stage on each server: Prosody's online-users list asks max_items;
    # ejabberd 23.01's answers at once, its user-stats asks for the account.
    if server_kind == "ejabberd":
        node, var, var_type, answers = USER_STATS, "accountjid", "jid-single", {"accountjid"}
    else:
        node, var, var_type, answers = ONLINE_USERS, "max_items", "list-single", {
            "max_items", "details"}
    doc = ok(cmd(run_xmpp, "show", server.domain, node))
    assert list(doc) == SHOW_KEYS, doc
    assert doc["status"] == "executing" and doc["sessionid"], doc
    assert "complete" in doc["actions"]["allowed"], doc
    assert field(doc["form"], var)["type"] == var_type
    assert set(doc["answers"]) == answers, doc

    if server_kind == "ejabberd":  # the template names the account; `run` needs nothing more
        doc["answers"]["accountjid"] = server.jid("alice")
    template = tmp_path / "template.json"
    template.write_text(json.dumps(doc))  # the document itself is a valid --answers file
    run = cmd(run_xmpp, "run", server.domain, node, "--answers", str(template))
    stages = check_run(ok(run), server.domain, node)
    assert stages[-1]["form"]["type"] == "result", run.json


def test_show_cancels_and_its_filled_template_runs(run_xmpp, bot, tmp_path):
    doc = ok(cmd(run_xmpp, "show", bot.jid, "fields"))
    assert len(bot.canceled) == 1, "show left the session open"
    answers = doc["answers"]
    assert "secret" in answers and answers["secret"] is None, answers  # private: never dumped
    assert "about" not in answers and "FORM_TYPE" not in answers, answers
    assert answers["colours"] == ["red"] and answers["name"] == "bot", answers
    answers.update(FIELD_ANSWERS)
    template = tmp_path / "filled.json"
    template.write_text(json.dumps(doc))
    run = cmd(run_xmpp, "run", bot.jid, "fields", "--answers", str(template))
    check_run(ok(run), bot.jid, "fields")
    assert bot.submissions["fields"]["watchers"] == ["bob@example.test", "carol@example.test"]

    human = run_xmpp("cmd", "show", bot.jid, "fields")
    assert human.code == 0, str(human)
    for text in ("Every field type", "level", "list-single", "low", "Colours"):
        assert text in human.stdout, human.stdout


# ---- --interactive through a pseudo-terminal ----


class Terminal:
    """The binary on a pseudo-terminal of its own (pty.fork: it is the controlling terminal, so
    /dev/tty is this pty); a test waits for a prompt with a deadline and types an answer."""

    def __init__(self, argv, env):
        self.output = b""
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)

    def expect(self, pattern: str, timeout: float = WAIT_S) -> None:
        regex = re.compile(pattern.encode())
        start = len(self.output)
        deadline = time.monotonic() + timeout
        while not regex.search(self.output, start):
            left = deadline - time.monotonic()
            if left <= 0:
                pytest.fail(f"no {pattern!r} within {timeout}s; output:\n{self.text()}")
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:  # EIO: the child closed the terminal
                    chunk = b""
                if not chunk:
                    pytest.fail(f"the program ended before {pattern!r}; output:\n{self.text()}")
                self.output += chunk
        # Answers must not be read as part of what came before: later waits start after this.
        self.output += b"\0"

    def type(self, line: str) -> None:
        os.write(self.fd, line.encode() + b"\r")

    def wait(self, timeout: float = WAIT_S) -> int:
        deadline = time.monotonic() + timeout
        while True:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self._drain()
                return os.waitstatus_to_exitcode(status)
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
                pytest.fail(f"the program did not end within {timeout}s; output:\n{self.text()}")
            ready, _, _ = select.select([self.fd], [], [], min(left, 0.5))
            if ready:
                self._drain_once()

    def _drain_once(self) -> None:
        try:
            self.output += os.read(self.fd, 4096)
        except OSError:
            pass

    def _drain(self) -> None:
        while select.select([self.fd], [], [], 0)[0]:
            before = len(self.output)
            self._drain_once()
            if len(self.output) == before:
                break

    def text(self) -> str:
        return self.output.replace(b"\0", b"").decode(errors="replace")

    def close(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(self.fd)


def test_interactive_prompts_through_a_pseudo_terminal(run_xmpp, server, dns, xmpp_bin, tmp_path,
                                                       server_kind):
    user = f"typed-{uuid.uuid4().hex[:8]}"
    password = f"pw-{uuid.uuid4().hex[:12]}"
    home = tmp_path / "home-pty"
    (home / ".config").mkdir(parents=True, exist_ok=True)
    argv = [xmpp_bin, "--password-file", server.password_file("admin"), "--ca-file", server.ca,
            "--host", server.host, "--port", str(server.port),
            "cmd", "run", server.domain, ADD_USER, "--interactive"]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "TERM": "dumb",
           "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "TMPDIR": str(tmp_path),
           "XMPP_JID": server.jid("admin"), "XMPP_DNS_SERVER": dns.address}
    term = Terminal(argv, env)
    try:
        # Wait for each prompt itself ("VAR: " at the start of a line), not the field's description
        # above it: a secret prompt turns echo off and flushes what was typed ahead (as getpass
        # does), so an answer typed before its prompt is lost.
        term.expect(r"(?m)^accountjid: ")
        term.type(server.jid(user))
        term.expect(r"(?m)^password: ")
        term.type(password)
        term.expect(r"(?m)^password-verify: ")
        term.type(password)
        code = term.wait()
    finally:
        term.close()
    assert code == 0, term.text()
    assert password not in term.text(), "a text-private answer was echoed"
    # Prosody's closing note, or (ejabberd has none) the completed status.
    done = "Account successfully created" if server_kind == "prosody" else "status: completed"
    assert done in term.text(), term.text()
    assert login_works(run_xmpp, server, user, password)
