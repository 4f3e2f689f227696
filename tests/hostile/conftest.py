"""Fixtures of the hostile-server suite: a test CA and server certificate made per run with the
openssl command (certs.py), the binary under test ($XMPP_BIN, default build/cli/xmpp), and
`hostile`, which runs the binary against a FakeServer playing one scenario and returns what
happened: exit code, output, elapsed time, peak RSS, and the server's record.

Peak RSS comes from GNU time (Debian package `time`), not from our own wait4: Linux keeps a
process's high-water mark across exec, so a child forked from this (large) Python process would
report Python's resident size, not the client's."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from certs import Cert, CertFactory
from fake_server import DOMAIN, PASSWORD, USER, FakeServer

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def cert_factory(tmp_path_factory) -> CertFactory:
    """The run's test CA (certs.py); tests issue their own certificates from it."""
    return CertFactory(tmp_path_factory.mktemp("hostile-certs"))


@pytest.fixture(scope="session")
def certs(cert_factory) -> dict[str, str]:
    """The CA and the honest server certificate for DOMAIN (SAN dNSName, serverAuth) it signed."""
    server = cert_factory.issue("server", san=f"DNS:{DOMAIN}", subject=f"/CN={DOMAIN}")
    return {"ca": cert_factory.ca, "cert": server.chain, "key": server.key}


@pytest.fixture(scope="session")
def xmpp_bin() -> str:
    path = Path(os.environ.get("XMPP_BIN", REPO / "build" / "cli" / "xmpp"))
    if not path.is_absolute():
        path = REPO / path
    assert path.is_file() and os.access(path, os.X_OK), f"xmpp binary not found at {path}"
    return str(path)


@dataclass(repr=False)
class Outcome:
    argv: list[str]
    code: int
    stdout: str
    stderr: str
    elapsed: float      # seconds, start to exit
    max_rss_kib: int    # the client's peak resident set (GNU time)
    server: FakeServer

    @property
    def error(self) -> dict | None:
        """The --json error object on stderr, if any."""
        for line in reversed(self.stderr.splitlines()):
            if line.startswith("{"):
                try:
                    doc = json.loads(line)
                except ValueError:
                    continue
                if isinstance(doc, dict) and "error" in doc:
                    return doc["error"]
        return None

    def __repr__(self) -> str:
        return (f"$ {' '.join(self.argv)}\nexit {self.code} after {self.elapsed:.2f} s, "
                f"peak RSS {self.max_rss_kib} KiB\n--- stdout:\n{self.stdout[-3000:]}\n"
                f"--- stderr:\n{self.stderr[-3000:]}\n--- client sent:\n"
                f"{self.server.received[-2000:]}\n--- scenario error: {self.server.error!r}")


@pytest.fixture
def hostile(certs, xmpp_bin, tmp_path):
    """hostile(scenario, *command, timeout=5, stdin=None, ...) -> Outcome. The client logs in as
    alice@example.test over STARTTLS to the fake server, trusting the run's CA, with --json unless
    json=False."""

    def run(scenario, *command: str, timeout: float = 5, stdin: str | None = None,
            tls: str = "starttls", extra: tuple[str, ...] = (), json: bool = True,
            server_cert: Cert | None = None, jid: str = f"{USER}@{DOMAIN}",
            dns: Callable[[int], str] | None = None) -> Outcome:
        """`server_cert`: what the fake server presents (default: the honest certificate).
        `dns`: called with the fake server's port, returns the "127.0.0.1:PORT" of a DNS server
        (tests/integration/dnsstub.py) whose records lead there; the client then resolves the JID
        domain through it (XMPP_DNS_SERVER) instead of being given --host and --port."""
        cert, key = (server_cert.chain, server_cert.key) if server_cert else (certs["cert"],
                                                                              certs["key"])
        with FakeServer(scenario, cert, key) as server:
            dns_server = dns(server.port) if dns else None
            where = [] if dns_server else ["--host", "127.0.0.1", "--port", str(server.port)]
            argv = [xmpp_bin, *(["--json"] if json else []), *where,
                    "--tls", tls, "--ca-file", certs["ca"], "-j", jid,
                    "--timeout", str(timeout), *extra, *command]
            env = {k: v for k, v in os.environ.items() if not k.startswith("XMPP_")}
            env.update(XMPP_PASSWORD=PASSWORD, HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path),
                       XDG_CACHE_HOME=str(tmp_path / "cache"))
            if dns_server:
                env["XMPP_DNS_SERVER"] = dns_server
            out, err, rss = tmp_path / "stdout", tmp_path / "stderr", tmp_path / "rss"
            timed = ["/usr/bin/time", "--quiet", "-f", "%M", "-o", str(rss), *argv]
            started = time.monotonic()
            with open(out, "wb") as o, open(err, "wb") as e:
                proc = subprocess.Popen(timed, stdout=o, stderr=e, env=env, cwd=tmp_path,
                                        start_new_session=True,
                                        stdin=subprocess.PIPE if stdin is not None
                                        else subprocess.DEVNULL)
                if stdin is not None:
                    proc.stdin.write(stdin.encode())
                    proc.stdin.close()
                # The client's own deadline plus a margin: a hang fails the test, never the run.
                try:
                    proc.wait(timeout=timeout + 20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
            elapsed = time.monotonic() - started
        lines = rss.read_text().split() if rss.exists() else []
        max_rss = int(lines[-1]) if lines and lines[-1].isdigit() else -1
        code = proc.returncode
        if code > 128 and max_rss == -1:  # GNU time reports a killed child as 128 + signal
            code = -(code - 128)
        return Outcome(argv, code, out.read_text(errors="replace"),
                       err.read_text(errors="replace"), elapsed, max_rss, server)

    return run


def assert_sane(outcome: Outcome, deadline: float) -> None:
    """Every scenario: ended within its deadline, no sanitizer report, no crash."""
    assert outcome.elapsed < deadline, f"took {outcome.elapsed:.1f} s\n{outcome}"
    assert outcome.code >= 0, f"killed by signal {-outcome.code}\n{outcome}"
    assert "Sanitizer" not in outcome.stderr and "runtime error:" not in outcome.stderr, \
        str(outcome)


__all__ = ["assert_sane"]
