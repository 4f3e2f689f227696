"""The binary in a real terminal: a tmux server of its own (its own socket, no user config), one
80x24 window, what the screen shows read back with capture-pane. For what only a terminal shows:
colours, redrawn progress lines, prompts without echo, wrapped lines (issue 13).

The window stays after the program ends (remain-on-exit), so its last screen can be read; a
shell wrapper prints the exit status as "[exit N]" after it. Waits poll the screen with a deadline; nothing sleeps for a fixed time."""

from __future__ import annotations

import re
import shlex
import subprocess
import time
import uuid

import pytest

WAIT_S = 60
POLL_S = 0.05


class TmuxTerminal:
    def __init__(self, argv: list[str], env: dict[str, str], tmp_path, width: int = 80,
                 height: int = 24, term: str = "xterm-256color"):
        self.socket = f"xmpp-test-{uuid.uuid4().hex[:8]}"
        conf = tmp_path / f"{self.socket}.conf"
        conf.write_text("set -g remain-on-exit on\n"
                        "set -g history-limit 10000\n"
                        "set -g default-shell /bin/sh\n"
                        f"set -g default-terminal {term}\n")
        # The server takes its environment from this first client: exactly `env`.
        server_env = dict(env)
        server_env.pop("TMUX", None)
        # The exit status is printed after the program ends (this tmux's pane_dead_status stays
        # empty): "[exit N]" on a line of its own.
        shell = ["/bin/sh", "-c", '"$@"; echo "[exit $?]"', "sh", *argv]
        self._tmux("-f", str(conf), "new-session", "-d", "-s", "t", "-x", str(width), "-y",
                   str(height), shlex.join(shell), env=server_env)

    def _tmux(self, *args: str, env=None) -> str:
        proc = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True,
                              env=env, timeout=30)
        if proc.returncode != 0:
            pytest.fail(f"tmux {' '.join(args)}: {proc.stderr.strip()}")
        return proc.stdout

    def screen(self, escapes: bool = False, join: bool = False) -> str:
        """The whole pane, scroll-back included; `escapes` keeps colour sequences, `join`
        joins lines the terminal wrapped."""
        flags = ["-p", "-S", "-", "-E", "-"] + (["-e"] if escapes else []) + (["-J"] if join else [])
        text = self._tmux("capture-pane", "-t", "t", *flags)
        # Not the program's: tmux's "Pane is dead (status N, DATE)" and the blank rows below.
        lines = [l for l in text.splitlines() if not l.startswith("Pane is dead")]
        while lines and not lines[-1].strip():
            lines.pop()
        return "\n".join(lines) + "\n"

    def expect(self, pattern: str, timeout: float = WAIT_S) -> None:
        regex = re.compile(pattern, re.MULTILINE)
        deadline = time.monotonic() + timeout
        while not regex.search(self.screen()):
            if time.monotonic() > deadline:
                pytest.fail(f"no {pattern!r} on the screen within {timeout}s:\n{self.screen()}")
            time.sleep(POLL_S)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", "t", "-l", text)
        self._tmux("send-keys", "-t", "t", "Enter")

    def wait(self, timeout: float = WAIT_S) -> int:
        """The program's exit status, once it has ended."""
        regex = re.compile(r"^\[exit (\d+)\]$", re.MULTILINE)
        deadline = time.monotonic() + timeout
        while not (found := regex.search(self.screen(join=True))):
            if time.monotonic() > deadline:
                pytest.fail(f"the program did not end within {timeout}s:\n{self.screen()}")
            time.sleep(POLL_S)
        return int(found.group(1))

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=30)
