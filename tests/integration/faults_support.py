"""Machinery for test_faults.py (issue 11, "Faults on the real server").

OwnServer: a scripts/test-server instance of the test's own (of the run's kind: Prosody or
ejabberd), in a temporary directory, so a test may SIGSTOP, SIGKILL and restart it without
disturbing the shared one. Signals go only to the server process that this instance's pid file
names, after checking that its command line names this instance (the same check as test-server's
`ours` and `ejd_ours`).

TracedRun: `xmpp` in the background, its --trace written to a FIFO that a thread reads line by
line (no polling of a file): the test waits on what the client wrote and received, with a
deadline. Trace lines are "<UTC time> IN|OUT <xml>" (cli/trace.hpp).

SmTracker follows XEP-0198 in that trace: which stanzas each stream-management session wrote,
which of them the server's <a h=/> acknowledged, which were written but unacknowledged when the
session was lost, and how often each message id was written.

Archive: a slixmpp client that switches an account's XEP-0313 archive on (prefs default=always)
and reads it back, page by page.
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import re
import shlex
import signal
import subprocess
import tempfile
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pytest
import slixmpp

from conftest import (SERVER_START_S, TEST_SERVER, Server, _server_env, server_kind_to_start,
                      sigkill_and_wait)
from xmpp_client import stop_client


class OwnServer:
    """A throwaway server for one test (or one module), of the run's kind."""

    def __init__(self, directory: Path):
        self.dir = Path(directory)
        self.kind = server_kind_to_start()
        self.server: Server | None = None

    def _script(self, *args, timeout=SERVER_START_S) -> None:
        done = subprocess.run([str(TEST_SERVER), *args], capture_output=True, text=True,
                              timeout=timeout)
        assert done.returncode == 0, f"test-server {shlex.join(args)}: {done.stderr}"

    def start(self, extra_config: dict[str, str] | None = None) -> Server:
        """extra_config: Prosody global settings (name -> Lua value). ejabberd needs none of the
        ones the tests set (its Mnesia archive has no item limit), so they apply to Prosody only."""
        self._script("start", "--server", self.kind, str(self.dir))
        if extra_config and self.kind == "prosody":
            # Global settings must come before the first VirtualHost (later ones are that host's).
            config = self.dir / "server" / "prosody.cfg.lua"
            text = config.read_text()
            at = text.index('\nVirtualHost "')
            added = "".join(f"\n{key} = {value}" for key, value in extra_config.items())
            config.write_text(text[:at] + "\n-- test_faults.py" + added + "\n" + text[at:])
            self._script("stop", str(self.dir))
            self._script("revive", str(self.dir))
        self.server = Server(_server_env(str(self.dir)))
        return self.server

    def stop(self) -> None:
        pid = self._pid_if_ours()
        if pid is not None:
            os.kill(pid, signal.SIGCONT)  # a stopped server cannot handle the TERM
        self._script("stop", str(self.dir))

    def adduser(self, prefix: str) -> str:
        user = f"{prefix}-{uuid.uuid4().hex[:8]}"
        self._script("adduser", str(self.dir), user, timeout=60)
        return user

    def _pid_if_ours(self) -> int | None:
        if self.kind == "ejabberd":
            pid_file, mark = "ejabberd.pid", f'-mnesia dir "{self.dir}/server/db"'
        else:
            pid_file, mark = "prosody.pid", f"--config {self.dir}/server/prosody.cfg.lua"
        try:
            pid = int((self.dir / pid_file).read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError):
            return None
        if mark not in cmdline:
            return None
        return pid

    def pid(self) -> int:
        pid = self._pid_if_ours()
        assert pid is not None, f"no {self.kind} of ours runs for {self.dir}"
        return pid

    def signal(self, signum) -> None:
        os.kill(self.pid(), signum)

    def kill(self, timeout: float = 30) -> None:
        """SIGKILL (nothing flushed, XEP-0198 state lost) and wait for the process to be gone."""
        sigkill_and_wait(self.pid(), timeout, self.kind)

    def revive(self) -> None:
        """Starts it again after kill(): same ports, certificates, accounts and data."""
        self._script("revive", str(self.dir))


def client_env(home: Path, jid: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "TMPDIR": str(home),
        "XMPP_JID": jid,
    }
    for passthrough in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if passthrough in os.environ:
            env[passthrough] = os.environ[passthrough]
    return env


_TRACE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})Z (IN|OUT) (.*)$")
_ID = re.compile(r"^<(?:message|iq|presence)\b[^>]*?\sid='([^']*)'")
_H = re.compile(r"\sh='(\d+)'")


class SmTracker:
    """What the trace says about XEP-0198 acknowledgement (see the module comment). Updated by
    TracedRun's reader thread; every read goes through `cond`."""

    def __init__(self, id_prefix: str):
        self.cond = threading.Condition()
        self.prefix = id_prefix + "-"
        self.events: list[tuple[float, str, str]] = []  # (unix time, IN/OUT, xml) of interest
        self.sessions = 0           # stream management sessions enabled (<enabled/> received)
        self.enabled_at: list[float] = []
        self.first_ack_at: list[float | None] = []  # per session: the first <a/> with h > 0
        self.written: list[str] = []  # ids written on the current session, in order
        self.acked_h = 0
        self.in_session = False
        self.confirmed: set[str] = set()
        self.confirmed_max = 0        # highest line number acknowledged (ids are PREFIX-LINE)
        self.transmissions = collections.Counter()  # message id -> times written
        self.unacked_at_failure: set[str] = set()   # written, unacknowledged, session lost
        self.lost_sessions = 0
        self.resumed = 0
        self.lines = 0

    def line_of(self, stanza_id: str) -> int | None:
        if not stanza_id.startswith(self.prefix):
            return None
        tail = stanza_id[len(self.prefix):]
        return int(tail) if tail.isdigit() else None

    def _end_session(self) -> None:
        if self.in_session:
            unacked = self.written[self.acked_h:]
            if unacked:
                self.unacked_at_failure.update(unacked)
            self.lost_sessions += 1
        self.in_session = False

    def feed(self, raw: str) -> None:
        match = _TRACE.match(raw)
        if not match:
            return
        when = datetime.fromisoformat(match.group(1) + "+00:00").timestamp()
        direction, data = match.group(2), match.group(3)
        with self.cond:
            self.lines += 1
            if direction == "OUT":
                if data.startswith("<?xml") or data.startswith("<stream:stream"):
                    pass  # a new connection or a stream restart: sessions start at <enabled/>
                elif data.startswith("<enable "):
                    self._end_session()
                elif data.startswith("<resume "):
                    self._end_session()
                elif data.startswith("</stream:stream"):
                    self.in_session = False  # our own clean close: nothing lost
                elif self.in_session:
                    stanza = _ID.match(data)
                    if stanza:
                        self.written.append(stanza.group(1))
                        if data.startswith("<message"):
                            self.transmissions[stanza.group(1)] += 1
            else:
                if data.startswith("<enabled "):
                    self.sessions += 1
                    self.enabled_at.append(when)
                    self.first_ack_at.append(None)
                    self.written = []
                    self.acked_h = 0
                    self.in_session = True
                    self.events.append((when, direction, data))
                elif data.startswith("<resumed "):
                    # Not expected after SIGKILL; counted so that a test can say so.
                    self.resumed += 1
                    h = _H.search(data)
                    self.acked_h = int(h.group(1)) if h else 0
                    self.written = self.written[: self.acked_h]
                    self.in_session = True
                elif data.startswith("<a ") and "urn:xmpp:sm:3" in data and self.in_session:
                    h = _H.search(data)
                    if h:
                        new_h = int(h.group(1))
                        for stanza_id in self.written[self.acked_h:new_h]:
                            self.confirmed.add(stanza_id)
                            line = self.line_of(stanza_id)
                            if line is not None and line > self.confirmed_max:
                                self.confirmed_max = line
                        if new_h > 0 and self.first_ack_at and self.first_ack_at[-1] is None:
                            self.first_ack_at[-1] = when
                        self.acked_h = max(self.acked_h, new_h)
            self.cond.notify_all()

    def finish(self) -> None:
        """The trace ended (the process closed it): a session still open was lost."""
        with self.cond:
            self._end_session()
            self.cond.notify_all()

    def wait(self, predicate, timeout: float, what: str) -> None:
        with self.cond:
            if not self.cond.wait_for(lambda: predicate(self), timeout):
                pytest.fail(f"{what}: not within {timeout}s (trace: {self.lines} lines, "
                            f"confirmed up to line {self.confirmed_max}, "
                            f"{self.sessions} sessions)")


class TracedRun:
    """`xmpp ... --trace FIFO ...` in the background: the trace feeds an SmTracker, stdout and
    stderr are collected by threads; stdin is a pipe the test writes to."""

    def __init__(self, xmpp_bin: str, server: Server, user: str, args: list[str], workdir: Path,
                 id_prefix: str = "", on_trace=None):
        self.workdir = Path(tempfile.mkdtemp(prefix="run-", dir=workdir))
        home = self.workdir / "home"
        (home / ".config").mkdir(parents=True)
        fifo = self.workdir / "trace.fifo"
        os.mkfifo(fifo, 0o600)
        self.tracker = SmTracker(id_prefix)
        self._on_trace = on_trace  # called with each trace line before the tracker sees it
        self.argv = [xmpp_bin, "--password-file", server.password_file(user), "--ca-file",
                     server.ca, "--host", server.host, "--port", str(server.port), "--trace",
                     str(fifo), *args]
        self.started = time.monotonic()
        self.started_wall = time.time()
        self.proc = subprocess.Popen(self.argv, env=client_env(home, server.jid(user)),
                                     cwd=self.workdir, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.ended: float | None = None
        self._stdout: list[bytes] = []
        self._stderr: list[bytes] = []
        self._fifo = fifo
        self._threads = [
            threading.Thread(target=self._collect, args=(self.proc.stdout, self._stdout),
                             daemon=True),
            threading.Thread(target=self._collect, args=(self.proc.stderr, self._stderr),
                             daemon=True),
            threading.Thread(target=self._read_trace, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    @staticmethod
    def _collect(stream, into: list[bytes]) -> None:
        for chunk in iter(lambda: stream.read1(65536), b""):
            into.append(chunk)

    def _read_trace(self) -> None:
        # Opening blocks until the client opens its end; both ends then stream line by line.
        with open(self._fifo, "r", encoding="utf-8", errors="replace") as trace:
            for line in trace:
                if self._on_trace:
                    self._on_trace(line.rstrip("\n"))
                self.tracker.feed(line.rstrip("\n"))
        self.tracker.finish()

    def write(self, text: str) -> None:
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def close_stdin(self) -> None:
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass

    def wait(self, timeout: float) -> int:
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"xmpp did not end within {timeout}s\n{self}")
        self.ended = time.monotonic()
        for thread in self._threads:
            thread.join(timeout=30)
        return code

    @property
    def elapsed(self) -> float:
        assert self.ended is not None
        return self.ended - self.started

    @property
    def stdout(self) -> str:
        return b"".join(self._stdout).decode(errors="replace")

    @property
    def stderr(self) -> str:
        return b"".join(self._stderr).decode(errors="replace")

    @property
    def report(self) -> dict | None:
        text = self.stdout.strip()
        try:
            return json.loads(text) if text else None
        except ValueError:
            return None

    @property
    def error(self) -> dict | None:
        for line in reversed(self.stderr.splitlines()):
            if line.startswith('{"error"'):
                return json.loads(line)["error"]
        return None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __str__(self) -> str:
        out = self.stdout
        return (f"$ {shlex.join(self.argv)}\nexit {self.proc.poll()}\n--- stdout "
                f"({len(out)} bytes):\n{out[:3000]}\n--- stderr:\n"
                + "\n".join(self.stderr.splitlines()[-40:]))


class Archive:
    """An account's XEP-0313 archive over slixmpp: on(), then read() after the run."""

    def __init__(self, server: Server, user: str):
        self.server = server
        self.user = user

    def _run(self, work, timeout: float):
        loop = asyncio.new_event_loop()
        client = slixmpp.ClientXMPP(f"{self.server.jid(self.user)}/archive",
                                    self.server.password(self.user))
        client.loop = loop
        client.ca_certs = Path(self.server.ca)
        for plugin in ("xep_0030", "xep_0059", "xep_0313"):
            client.register_plugin(plugin)
        started = loop.create_future()
        client.add_event_handler("session_start",
                                 lambda _: started.done() or started.set_result(True))
        client.add_event_handler("failed_auth",
                                 lambda _: started.done() or started.set_exception(
                                     RuntimeError("authentication failed")))
        thread = threading.Thread(target=loop.run_forever, daemon=True)
        thread.start()
        try:
            async def session():
                client.connect((self.server.host, self.server.port))
                await asyncio.wait_for(started, 30)
                return await work(client)

            return asyncio.run_coroutine_threadsafe(session(), loop).result(timeout)
        finally:
            stop_client(client, loop, thread)

    def on(self) -> None:
        """prefs default='always' (XEP-0313 §6.1): the server archives every message to us."""
        async def work(client):
            iq = client.make_iq_set()
            iq.append(ET.fromstring("<prefs xmlns='urn:xmpp:mam:2' default='always'/>"))
            await iq.send(timeout=30)

        self._run(work, 60)

    def read(self, page: int = 500, timeout: float = 300) -> list[tuple[str, str, str]]:
        """Every archived message, oldest first: (stanza id, origin-id, body)."""
        async def work(client):
            found = []
            async for result in client["xep_0313"].iterate(rsm={"max": page}):
                stanza = result["mam_result"]["forwarded"]["stanza"]
                origin = stanza.xml.find("{urn:xmpp:sid:0}origin-id")
                found.append((stanza["id"], origin.get("id") if origin is not None else "",
                              stanza["body"]))
            return found

        return self._run(work, timeout)
