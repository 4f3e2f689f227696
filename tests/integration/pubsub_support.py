"""Helpers for tests/integration/test_pubsub.py (`xmpp pubsub`, issue 7).

`Listener` runs `xmpp --json pubsub listen ...` in the background with BOTH its stdout and its
stderr read line by line on threads: the listener announces itself on stderr ("listening to node
N at S (subscribed)", man xmpp-pubsub), so a test waits for that line with a deadline before it
publishes anything, and then for each NDJSON event on stdout. Nothing sleeps.

    argv, env = command("bob", "--json", "pubsub", "listen", service, node, "--count", "3")
    with Listener(argv, env, cwd) as listener:
        listener.wait_listening()
        ... publish ...
        event = listener.next_event()
        assert listener.wait() == 0
"""

from __future__ import annotations

import json
import os
import queue
import shlex
import subprocess
import threading
import time

import pytest

WAIT_S = 30


def command(server, dns, xmpp_bin, home, user, *args):
    """(argv, env) for the binary as run_xmpp (conftest.py) runs it, logged in as USER."""
    (home / ".config").mkdir(parents=True, exist_ok=True)
    argv = [xmpp_bin, "--password-file", server.password_file(user), "--ca-file", server.ca,
            "--host", server.host, "--port", str(server.port), *map(str, args)]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
           "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "XDG_CACHE_HOME": str(home / ".cache"), "TMPDIR": str(home),
           "XMPP_JID": server.jid(user), "XMPP_DNS_SERVER": dns.address}
    for passthrough in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if passthrough in os.environ:
            env[passthrough] = os.environ[passthrough]
    return argv, env


class Listener:
    """A background `pubsub listen`: stdout and stderr each pumped into a queue of lines."""

    def __init__(self, argv, env, cwd):
        self.argv = argv
        self.out_lines: list[str] = []
        self.err_lines: list[str] = []
        self._out: queue.Queue = queue.Queue()
        self._err: queue.Queue = queue.Queue()
        self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._threads = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, self._out), daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, self._err), daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        self._eof = {"out": False, "err": False}

    @staticmethod
    def _pump(stream, into):
        for raw in stream:
            into.put(raw.decode("utf-8", errors="surrogateescape").rstrip("\n"))
        into.put(None)

    def __enter__(self) -> "Listener":
        return self

    def __exit__(self, *exc) -> None:
        self.kill()

    def _next(self, which: str, deadline: float) -> str | None:
        q, store = (self._out, self.out_lines) if which == "out" else (self._err, self.err_lines)
        if self._eof[which]:
            return None
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        try:
            line = q.get(timeout=left)
        except queue.Empty:
            return None
        if line is None:
            self._eof[which] = True
            return None
        store.append(line)
        return line

    def wait_stderr(self, predicate, timeout: float = WAIT_S) -> str:
        """The first stderr line for which predicate(line) holds; fails on EOF or deadline."""
        deadline = time.monotonic() + timeout
        while True:
            line = self._next("err", deadline)
            if line is None:
                pytest.fail(f"no matching stderr line within {timeout}s (or the listener "
                            f"ended)\n{self}")
            if predicate(line):
                return line

    def wait_listening(self, timeout: float = WAIT_S) -> str:
        """Waits for the "listening to node N at S (...)" line (man xmpp-pubsub, listen)."""
        return self.wait_stderr(lambda l: "listening to node" in l, timeout)

    def next_event(self, timeout: float = WAIT_S) -> dict:
        """The next NDJSON object on stdout; fails on EOF, deadline or a line that is no JSON."""
        deadline = time.monotonic() + timeout
        line = self._next("out", deadline)
        if line is None:
            pytest.fail(f"no event within {timeout}s (or the listener ended)\n{self}")
        try:
            doc = json.loads(line)
        except ValueError:
            pytest.fail(f"listener line is no JSON: {line!r}\n{self}")
        assert isinstance(doc, dict), line
        return doc

    def events(self, n: int, timeout: float = WAIT_S) -> list[dict]:
        """The next n events, all within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        return [self.next_event(max(0.0, deadline - time.monotonic())) for _ in range(n)]

    def wait(self, timeout: float = WAIT_S) -> int:
        """Waits for the exit and collects what is left on both streams."""
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the listener did not end within {timeout}s\n{self}")
        for thread in self._threads:
            thread.join(timeout)
        deadline = time.monotonic() + timeout
        while self._next("err", deadline) is not None:
            pass
        return code

    def rest_of_stdout(self, timeout: float = WAIT_S) -> list[str]:
        """Every stdout line not read yet (call after wait())."""
        rest = []
        deadline = time.monotonic() + timeout
        while (line := self._next("out", deadline)) is not None:
            rest.append(line)
        return rest

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __str__(self) -> str:
        out = "\n".join(self.out_lines[-40:]) or "(empty)"
        err = "\n".join(self.err_lines[-40:]) or "(empty)"
        return (f"$ {shlex.join(self.argv)}\nexit {self.proc.poll()}\n--- stdout:\n{out}\n"
                f"--- stderr:\n{err}")
