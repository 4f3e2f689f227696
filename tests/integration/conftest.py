"""Fixtures for the integration tests: the built `xmpp` binary against a throwaway Prosody or
ejabberd.

The server: if XMPP_TEST_DIR names a running scripts/test-server directory, its environment is
used; otherwise one is started for the session in a temporary directory and stopped afterwards,
of the kind XMPP_TEST_SERVER names (prosody, the default, or ejabberd). A test that must know which
server it talks to takes the `server_kind` fixture.
The binary: env XMPP_BIN (default build/cli/xmpp). Every test's runs get their own HOME,
XDG_CONFIG_HOME and XDG_CACHE_HOME (no user config leaks in, and no cached roster leaks from one
test to the next) and XMPP_DNS_SERVER pointing at the session DNS stub (nothing is ever looked up
on the real network). `new_account` creates a fresh account for a test that must not see what
other tests did to the shared ones (rosters, pending subscription requests).

A skipped or xfailed test is a failure here (STYLE.md: a skipped integration test fails CI).
"""

from __future__ import annotations

import json
import os
import select
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from dnsstub import DnsStub, default_records

REPO = Path(__file__).resolve().parents[2]
TEST_SERVER = REPO / "scripts" / "test-server"
# What one scripts/test-server start may take, users created and up to 3 tries with new ports
# (its own deadline per try: 30 s Prosody, 120 s ejabberd, which a loaded CI machine needed).
SERVER_START_S = 400
RUN_TIMEOUT_S = 60
SERVER_KINDS = ("prosody", "ejabberd")


def server_kind_to_start() -> str:
    """The kind of server this run uses: XMPP_TEST_SERVER (set by `scripts/test-server env` or by
    the caller), prosody when unset."""
    kind = os.environ.get("XMPP_TEST_SERVER") or "prosody"
    if kind not in SERVER_KINDS:
        raise pytest.UsageError(f"XMPP_TEST_SERVER={kind!r}: expected one of {SERVER_KINDS}")
    return kind


# ---------------------------------------------------------------------------------------------
# Skips are failures.

def pytest_collection_modifyitems(config, items):
    for item in items:
        for name in ("skip", "skipif", "xfail"):
            if item.get_closest_marker(name) is not None:
                raise pytest.UsageError(
                    f"{item.nodeid}: @{name} is not allowed in the integration suite")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped or hasattr(report, "wasxfail"):
        reason = report.longrepr if report.skipped else getattr(report, "wasxfail", "")
        report.outcome = "failed"
        report.longrepr = f"skipped/xfailed integration test counts as a failure: {reason}"
        if hasattr(report, "wasxfail"):
            del report.wasxfail


# ---------------------------------------------------------------------------------------------
# The server.

@dataclass
class Server:
    env: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return self.env[key]

    @property
    def dir(self) -> Path:
        return Path(self.env["XMPP_TEST_DIR"])

    @property
    def kind(self) -> str:
        """"prosody" or "ejabberd" (an environment from before XMPP_TEST_SERVER is Prosody's)."""
        return self.env.get("XMPP_TEST_SERVER", "prosody")

    @property
    def domain(self) -> str:
        return self.env["XMPP_TEST_DOMAIN"]

    @property
    def anon_domain(self) -> str:
        return self.env["XMPP_TEST_ANON_DOMAIN"]

    @property
    def host(self) -> str:
        return self.env["XMPP_TEST_HOST"]

    @property
    def port(self) -> int:
        """The STARTTLS port (TLS 1.3 allowed: SCRAM-SHA-1 offered, no -PLUS)."""
        return int(self.env["XMPP_TEST_PORT"])

    @property
    def direct_port(self) -> int:
        """The direct TLS port, TLS 1.2 only (SCRAM-SHA-1-PLUS with tls-unique offered)."""
        return int(self.env["XMPP_TEST_DIRECT_PORT"])

    @property
    def expired_port(self) -> int:
        """A direct TLS port whose certificate (same CA, same names) expired in 2020."""
        return int(self.env["XMPP_TEST_EXPIRED_PORT"])

    @property
    def ca(self) -> str:
        return self.env["XMPP_TEST_CA"]

    @property
    def other_ca(self) -> str:
        return self.env["XMPP_TEST_OTHER_CA"]

    @property
    def server_cert(self) -> str:
        return self.env["XMPP_TEST_SERVER_CERT"]

    def password_file(self, user: str) -> str:
        return str(Path(self.env["XMPP_TEST_PASSWORD_DIR"]) / user)

    def password(self, user: str) -> str:
        return Path(self.password_file(user)).read_text().splitlines()[0]

    def jid(self, user: str) -> str:
        return f"{user}@{self.domain}"


def _parse_env(text: str) -> dict[str, str]:
    env = {}
    for line in text.splitlines():
        words = shlex.split(line)
        if len(words) == 2 and words[0] == "export" and "=" in words[1]:
            key, value = words[1].split("=", 1)
            env[key] = value
    return env


def _server_env(directory: str) -> dict[str, str]:
    out = subprocess.run([str(TEST_SERVER), "env", directory], check=True, capture_output=True,
                         text=True, timeout=30)
    return _parse_env(out.stdout)


@pytest.fixture(scope="session")
def server(request):
    existing = os.environ.get("XMPP_TEST_DIR")
    if existing:
        yield Server(_server_env(existing))
        return
    directory = tempfile.mkdtemp(prefix="xmpp-it-")
    subprocess.run([str(TEST_SERVER), "start", "--server", server_kind_to_start(), directory],
                   check=True, timeout=SERVER_START_S)
    try:
        yield Server(_server_env(directory))
    finally:
        subprocess.run([str(TEST_SERVER), "stop", directory], check=True, timeout=120)
        if request.session.testsfailed:
            print(f"\ntest server directory kept (logs in server/): {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def server_kind(server) -> str:
    """"prosody" or "ejabberd": for the few tests whose expectation differs between servers in
    what a user may rely on (say why where it is used)."""
    return server.kind


@pytest.fixture
def new_account(server):
    """new_account(prefix='user') -> USER: creates USER@example.test, USER being PREFIX-<8 random
    hex digits>, with a password file like the shared users' (run_xmpp(..., user=USER) and
    XmppClient(server, USER) log in as it)."""

    def make(prefix: str = "user") -> str:
        user = f"{prefix}-{uuid.uuid4().hex[:8]}"
        created = subprocess.run([str(TEST_SERVER), "adduser", str(server.dir), user],
                                 capture_output=True, text=True, timeout=60)
        assert created.returncode == 0, f"could not create {user}: {created.stderr}"
        return user

    return make


@pytest.fixture(scope="session")
def dns(server):
    """The session DNS stub: SRV for example.test and anon.example.test, NXDOMAIN elsewhere."""
    stub = DnsStub(default_records(server.domain, server.port, server.direct_port)).start()
    yield stub
    stub.stop()


@pytest.fixture
def dns_stub(server):
    """A factory for a per-test DNS stub with its own records; stopped after the test."""
    stubs = []

    def make(records):
        stub = DnsStub(records).start()
        stubs.append(stub)
        return stub

    yield make
    for stub in stubs:
        stub.stop()


@pytest.fixture(scope="session")
def spki_pin(server) -> str:
    """base64(SHA-256(SubjectPublicKeyInfo)) of the server certificate, computed with openssl."""
    pubkey = subprocess.run(["openssl", "x509", "-in", server.server_cert, "-pubkey", "-noout"],
                            check=True, capture_output=True, timeout=30).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=pubkey,
                         check=True, capture_output=True, timeout=30).stdout
    digest = subprocess.run(["openssl", "dgst", "-sha256", "-binary"], input=der, check=True,
                            capture_output=True, timeout=30).stdout
    return subprocess.run(["openssl", "base64", "-A"], input=digest, check=True,
                          capture_output=True, timeout=30).stdout.decode().strip()


def sigkill_and_wait(pid: int, timeout: float, what: str) -> None:
    """SIGKILL to `pid` (a server: nothing flushed, XEP-0198 state lost), then waits on a pidfd
    for the process to be gone; fails the test after `timeout` seconds."""
    fd = os.pidfd_open(pid)
    try:
        os.kill(pid, signal.SIGKILL)
        readable, _, _ = select.select([fd], [], [], timeout)
        assert readable, f"{what} (pid {pid}) survived SIGKILL for {timeout}s"
    finally:
        os.close(fd)


def free_port() -> int:
    """A loopback TCP port nobody listens on (bound and released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def assert_ok(run) -> None:
    """Exit 0 and a result on stdout (so a binary that does nothing does not pass)."""
    assert run.code == 0, str(run)
    assert run.stdout.strip(), f"nothing on stdout\n{run}"


# ---------------------------------------------------------------------------------------------
# Running the binary.

@pytest.fixture(scope="session")
def xmpp_bin() -> str:
    path = xmpp_bin_path()
    assert path.is_file() and os.access(path, os.X_OK), f"xmpp binary not found at {path}"
    return str(path)


def xmpp_bin_path() -> Path:
    path = Path(os.environ.get("XMPP_BIN", REPO / "build" / "cli" / "xmpp"))
    return path if path.is_absolute() else REPO / path


def xmpp_bin_is_asan_build() -> bool:
    """True when the binary under test links AddressSanitizer (scripts/build --asan): its memory
    figures (quarantine, shadow memory) say nothing about ours. Read from the ELF's NEEDED
    entries, not from ASAN_OPTIONS, so a hand-run pytest judges the same binary the same way."""
    try:
        dynamic = subprocess.run(["readelf", "-d", str(xmpp_bin_path())], capture_output=True,
                                 text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "libasan" in dynamic


@dataclass
class Run:
    """One run of the binary. Unpacks as (code, stdout, stderr, json)."""
    argv: list[str]
    code: int
    stdout: str
    stderr: str
    json: object = None
    env: dict = field(default_factory=dict)  # the XMPP_* variables it ran with

    def __iter__(self):
        return iter((self.code, self.stdout, self.stderr, self.json))

    @property
    def error(self) -> dict | None:
        """The {"error": {...}} object from the --json error line on stderr, if any."""
        for line in reversed(self.stderr.splitlines()):
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            if isinstance(doc, dict) and "error" in doc:
                return doc
        return None

    def __str__(self) -> str:
        def tail(text: str) -> str:
            lines = text.splitlines()
            return "\n".join(lines[-40:]) if lines else "(empty)"
        shown = {k: ("(redacted)" if k == "XMPP_PASSWORD" else v) for k, v in self.env.items()}
        assignments = "".join(f"{k}={shlex.quote(v)} " for k, v in sorted(shown.items()))
        return (f"$ {assignments}{shlex.join(self.argv)}\nexit {self.code}\n"
                f"--- stdout:\n{tail(self.stdout)}\n--- stderr:\n{tail(self.stderr)}")


def _parse_json(text: str):
    text = text.strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:  # NDJSON: one object per line
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    except ValueError:
        return None


DEFAULT = object()  # "fill in from the test server"; None means "leave out"


class Process:
    """A background run of the binary (a listener): its stdout read line by line on a thread, so a
    test waits for the line it needs with a deadline instead of sleeping."""

    def __init__(self, argv, env, cwd, stdin):
        import queue
        import threading
        self.argv = argv
        self.env = {k: v for k, v in env.items() if k.startswith("XMPP_")}
        self.lines: list[str] = []
        self._queue = queue.Queue()
        self._stderr_path = Path(cwd) / f"stderr-{id(self)}.txt"
        self._stderr = open(self._stderr_path, "w+b")
        self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=stdin, stdout=subprocess.PIPE,
                                     stderr=self._stderr)

        def pump():
            for raw in self.proc.stdout:
                self._queue.put(raw.decode("utf-8", errors="surrogateescape").rstrip("\n"))
            self._queue.put(None)

        self._thread = threading.Thread(target=pump, daemon=True)
        self._thread.start()
        self._eof = False

    def next_line(self, timeout: float) -> str | None:
        """The next stdout line, or None at EOF; fails the test after `timeout` seconds."""
        import queue
        if self._eof:
            return None
        try:
            line = self._queue.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"no output line within {timeout}s\n{self}")
        if line is None:
            self._eof = True
            return None
        self.lines.append(line)
        return line

    def wait_for_line(self, predicate, timeout: float = 30) -> str:
        """Reads lines until predicate(line) is true; fails on EOF or after `timeout` seconds."""
        import time
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                pytest.fail(f"no matching line within {timeout}s\n{self}")
            line = self.next_line(left)
            if line is None:
                pytest.fail(f"the process ended before a matching line\n{self}")
            if predicate(line):
                return line

    def signal(self, signum) -> None:
        self.proc.send_signal(signum)

    def wait(self, timeout: float = 30) -> int:
        """Waits for the exit (the remaining stdout is still collected into `lines`)."""
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the process did not end within {timeout}s\n{self}")
        self._thread.join(timeout=timeout)
        while not self._eof and self.next_line(timeout) is not None:
            pass
        return code

    @property
    def stderr(self) -> str:
        self._stderr.flush()
        return self._stderr_path.read_bytes().decode(errors="replace")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __str__(self) -> str:
        tail = "\n".join(self.lines[-40:]) or "(empty)"
        err = "\n".join(self.stderr.splitlines()[-40:]) or "(empty)"
        return (f"$ {shlex.join(self.argv)}\nexit {self.proc.poll()}\n--- stdout:\n{tail}\n"
                f"--- stderr:\n{err}")


@pytest.fixture
def run_xmpp(server, dns, xmpp_bin, tmp_path):
    """run_xmpp(*args, user='alice', env=None, input=None, timeout=60, ...) -> Run

    Adds, unless given as None: XMPP_JID=<user>@example.test, --password-file for the user,
    --ca-file (the run's CA), --host/--port (the STARTTLS port). `user=None` leaves out both the
    JID and the password. `env` entries override the environment (a None value removes one).
    """
    home = tmp_path / "home"
    (home / ".config").mkdir(parents=True, exist_ok=True)

    def command(args, user="alice", env=None, jid=DEFAULT, password_file=DEFAULT,
                ca_file=DEFAULT, host=DEFAULT, port=DEFAULT, dns_server=DEFAULT):
        if jid is DEFAULT:
            jid = server.jid(user) if user else None
        if password_file is DEFAULT:
            password_file = server.password_file(user) if user else None
        if ca_file is DEFAULT:
            ca_file = server.ca
        if host is DEFAULT:
            host = server.host
        if port is DEFAULT:
            port = server.port
        if dns_server is DEFAULT:
            dns_server = dns.address

        argv = [xmpp_bin]
        if password_file is not None:
            argv += ["--password-file", str(password_file)]
        if ca_file is not None:
            argv += ["--ca-file", str(ca_file)]
        if host is not None:
            argv += ["--host", str(host)]
        if port is not None:
            argv += ["--port", str(port)]
        argv += [str(a) for a in args]

        run_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "TMPDIR": str(tmp_path),
        }
        for passthrough in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if passthrough in os.environ:
                run_env[passthrough] = os.environ[passthrough]
        if jid is not None:
            run_env["XMPP_JID"] = jid
        if dns_server is not None:
            run_env["XMPP_DNS_SERVER"] = dns_server
        for key, value in (env or {}).items():
            if value is None:
                run_env.pop(key, None)
            else:
                run_env[key] = str(value)
        return argv, run_env

    def run(*args, user="alice", env=None, input=None, timeout=RUN_TIMEOUT_S,
            **connection) -> Run:
        argv, run_env = command(args, user=user, env=env, **connection)
        try:
            # bytes on stdin (invalid UTF-8 tests) are passed as they are
            binary = isinstance(input, bytes)
            proc = subprocess.run(argv, env=run_env, input=input, capture_output=True,
                                  text=not binary, timeout=timeout, cwd=tmp_path)
        except subprocess.TimeoutExpired as exc:
            def text(b):
                return b.decode(errors="replace") if isinstance(b, bytes) else (b or "")
            pytest.fail(f"$ {shlex.join(argv)}\ndid not finish in {timeout}s\n--- stdout:\n"
                        f"{text(exc.stdout)}\n--- stderr:\n{text(exc.stderr)}")
        stdout, stderr = proc.stdout, proc.stderr
        if binary:
            stdout = stdout.decode("utf-8", errors="replace")
            stderr = stderr.decode("utf-8", errors="replace")
        result = Run(argv, proc.returncode, stdout, stderr,
                     env={k: v for k, v in run_env.items() if k.startswith("XMPP_")})
        if "--json" in argv:
            result.json = _parse_json(stdout)
        return result

    def spawn(*args, user="alice", env=None, stdin=subprocess.DEVNULL, **connection) -> Process:
        argv, run_env = command(args, user=user, env=env, **connection)
        process = Process(argv, run_env, tmp_path, stdin)
        processes.append(process)
        return process

    processes: list[Process] = []
    run.spawn = spawn
    run.command = command  # (argv, env) without running: for harnesses such as tmux_terminal.py
    yield run
    for process in processes:
        process.kill()


@pytest.fixture
def spawn_xmpp(run_xmpp):
    """spawn_xmpp(*args, user='alice', env=None, stdin=DEVNULL, ...) -> Process: the binary in the
    background with the same environment as run_xmpp; killed after the test if still running."""
    return run_xmpp.spawn
