"""--persist (issue 10, man xmpp PERSISTENT CONNECTIONS): a background master keeps the logged-in
stream and later invocations for the same connection run their command through it.

Every test has an XDG_RUNTIME_DIR of its own (short, under /tmp: a UNIX socket path has at most
107 bytes), and any master a test started is ended after it. A master is not our child (its
starter exits), so its end is awaited with a pidfd and a deadline."""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import statistics
import subprocess
import stat
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from xmpp_client import XmppClient

NO_MASTER_EXIT = 69  # EX_UNAVAILABLE: stop/check found no master
UNSAFE_EXIT = 78  # EX_CONFIG: a socket directory or file others could use


def mark() -> str:
    return "p" + uuid.uuid4().hex[:10]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat").read_text() if Path(f"/proc/{pid}/stat").exists() else ""
    return " Z " not in status  # a zombie has ended


def wait_gone(pid: int, timeout: float) -> None:
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    try:
        readable, _, _ = select.select([fd], [], [], timeout)
        assert readable, f"master pid {pid} still runs after {timeout}s"
    finally:
        os.close(fd)


def started_pid(stderr: str) -> int:
    found = re.search(r"started a persistent connection for \S+ \(master pid (\d+)\)", stderr)
    assert found, f"no master was started:\n{stderr}"
    return int(found.group(1))


def start_master(run_xmpp, server, env, masters) -> int:
    """A master for the test's account, started by a ping (recorded in `masters`): its pid."""
    warm_up = run_xmpp("--persist", "30s", "-v", "ping", "--count", "1", server.domain, env=env)
    assert warm_up.code == 0, str(warm_up)
    pid = started_pid(warm_up.stderr)
    masters.append(pid)
    return pid


def ran_pid(stderr: str) -> int:
    found = re.search(r"ran through the persistent connection \(master pid (\d+)\)", stderr)
    assert found, f"the command did not run through a master:\n{stderr}"
    return int(found.group(1))


def sockets(rundir: Path) -> list[Path]:
    return sorted((rundir / "xmpp").glob("*.sock")) if (rundir / "xmpp").exists() else []


@pytest.fixture
def rundir():
    directory = Path(tempfile.mkdtemp(prefix="xp-", dir="/tmp"))
    os.chmod(directory, 0o700)
    yield directory
    # Masters the test left running (a failed assertion before its stop).
    for sock in sockets(directory):
        sock.unlink(missing_ok=True)
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def masters():
    """A list the test appends master pids to: those still running are ended afterwards."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        if alive(pid):
            os.kill(pid, signal.SIGTERM)
            wait_gone(pid, 15)


def body_is(text):
    return lambda m: (m.find("{jabber:client}body") is not None
                      and m.find("{jabber:client}body").text == text)


def test_send_goes_through_a_warm_master_then_stop_ends_it(run_xmpp, server, rundir, masters):
    env = {"XDG_RUNTIME_DIR": str(rundir)}
    m = mark()
    with XmppClient(server, "bob") as bob:
        first = run_xmpp("--persist", "30s", "-v", "send", bob.jid, "-m", f"{m} one", env=env)
        assert first.code == 0, str(first)
        pid = started_pid(first.stderr)
        masters.append(pid)
        assert "connected to" in first.stderr  # the master's login, reported by -v
        assert alive(pid)
        [sock] = sockets(rundir)
        mode = sock.lstat().st_mode
        assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o600
        assert stat.S_IMODE((rundir / "xmpp").stat().st_mode) == 0o700

        second = run_xmpp("--persist", "30s", "-v", "send", bob.jid, "-m", f"{m} two", env=env)
        assert second.code == 0, str(second)
        # No new login: the same master ran it, and nothing connected.
        assert ran_pid(second.stderr) == pid
        assert "started a persistent" not in second.stderr
        assert "connected to" not in second.stderr
        bob.wait_for(body_is(f"{m} one"))
        bob.wait_for(body_is(f"{m} two"))

    check = run_xmpp("--persist", "check", env=env)
    assert check.code == 0, str(check)
    assert f"master running (pid {pid})" in check.stderr

    stop = run_xmpp("--persist", "stop", env=env)
    assert stop.code == 0, str(stop)
    wait_gone(pid, 15)
    assert sockets(rundir) == []
    again = run_xmpp("--persist", "check", env=env)
    assert again.code == NO_MASTER_EXIT, str(again)
    assert "no persistent connection" in again.stderr


def test_output_and_exit_codes_are_the_commands_own(run_xmpp, server, rundir, masters):
    env = {"XDG_RUNTIME_DIR": str(rundir)}
    fresh = run_xmpp("--json", "disco", "info", server.domain)
    assert fresh.code == 0, str(fresh)
    start_master(run_xmpp, server, env, masters)
    shared = run_xmpp("--persist", "30s", "--json", "disco", "info", server.domain, env=env)
    assert shared.code == 0, str(shared)
    assert shared.json == fresh.json  # stdout is the client's own, byte for byte the same report
    # A usage error found by the master's parse is still exit 64 on the client's stderr.
    bad = run_xmpp("--persist", "30s", "send", env=env)
    assert bad.code == 64, str(bad)
    # A refused message: the remote side's "no" is exit 1, as without --persist.
    refused = run_xmpp("--persist", "30s", "send", f"nobody@{mark()}.invalid", "-m", "x", env=env)
    direct = run_xmpp("send", f"nobody@{mark()}.invalid", "-m", "x")
    assert refused.code == direct.code != 0, f"{refused}\n{direct}"
    run_xmpp("--persist", "stop", env=env)


def test_send_lines_reads_the_clients_stdin_through_the_master(run_xmpp, server, rundir,
                                                                masters):
    env = {"XDG_RUNTIME_DIR": str(rundir)}
    m = mark()
    with XmppClient(server, "bob") as bob:
        pid = start_master(run_xmpp, server, env, masters)
        run = run_xmpp("--persist", "30s", "-v", "send", "--lines", bob.jid, env=env,
                       input=f"{m} 1\n{m} 2\n{m} 3\n")
        assert run.code == 0, str(run)
        assert ran_pid(run.stderr) == pid
        for n in (1, 2, 3):
            bob.wait_for(body_is(f"{m} {n}"))
    run_xmpp("--persist", "stop", env=env)
    wait_gone(pid, 15)


def test_a_client_that_goes_away_frees_the_master(run_xmpp, spawn_xmpp, server, rundir, masters):
    """Ctrl-C on `send --lines` reading a terminal: the client dies, and the master must stop
    reading the client's stdin (not keep a terminal's lines) and serve the next command."""
    env = {"XDG_RUNTIME_DIR": str(rundir)}
    m = mark()
    with XmppClient(server, "bob") as bob:
        pid = start_master(run_xmpp, server, env, masters)
        lines = spawn_xmpp("--persist", "30s", "send", "--lines", bob.jid, env=env,
                           stdin=subprocess.PIPE)
        lines.proc.stdin.write(f"{m} first\n".encode())
        lines.proc.stdin.flush()
        bob.wait_for(body_is(f"{m} first"))  # the master is reading our pipe
        lines.signal(signal.SIGINT)
        lines.wait(15)
        after = run_xmpp("--persist", "30s", "-v", "send", bob.jid, "-m", f"{m} after", env=env,
                         timeout=30)
        assert after.code == 0, str(after)
        assert ran_pid(after.stderr) == pid
        bob.wait_for(body_is(f"{m} after"))
        lines.proc.stdin.close()
    run_xmpp("--persist", "stop", env=env)
    wait_gone(pid, 15)


def test_idle_timeout_ends_the_master(run_xmpp, server, rundir, masters):
    env = {"XDG_RUNTIME_DIR": str(rundir)}
    began = time.monotonic()
    first = run_xmpp("--persist", "2s", "-v", "send", server.jid("bob"), "-m", mark(), env=env)
    assert first.code == 0, str(first)
    pid = started_pid(first.stderr)
    masters.append(pid)
    wait_gone(pid, 30)
    assert time.monotonic() - began >= 2
    assert sockets(rundir) == []


def test_a_directory_others_can_use_is_refused(run_xmpp, rundir):
    (rundir / "xmpp").mkdir(mode=0o700)
    os.chmod(rundir / "xmpp", 0o755)
    run = run_xmpp("--persist", "30s", "send", "bob@example.test", "-m", "x",
                   env={"XDG_RUNTIME_DIR": str(rundir)})
    assert run.code == UNSAFE_EXIT, str(run)
    assert "chmod 700" in run.stderr
    assert sockets(rundir) == []


def test_a_socket_others_can_use_is_refused(run_xmpp, server, rundir, masters):
    env = {"XDG_RUNTIME_DIR": str(rundir)}
    first = run_xmpp("--persist", "30s", "-v", "send", server.jid("bob"), "-m", mark(), env=env)
    assert first.code == 0, str(first)
    pid = started_pid(first.stderr)
    masters.append(pid)
    [sock] = sockets(rundir)
    os.chmod(sock, 0o666)
    run = run_xmpp("--persist", "30s", "send", server.jid("bob"), "-m", mark(), env=env)
    assert run.code == UNSAFE_EXIT, str(run)
    assert "0666" in run.stderr


def test_commands_that_cannot_share_log_in_on_their_own(run_xmpp, rundir):
    run = run_xmpp("--persist", "30s", "-v", "roster", "list",
                   env={"XDG_RUNTIME_DIR": str(rundir)})
    assert run.code == 0, str(run)
    assert "logs in on its own" in run.stderr
    assert sockets(rundir) == []


def test_twenty_warm_sends_share_one_master(run_xmpp, server, rundir, masters):
    """Issue 10's figure: 20 sends through a warm master, median wall time (printed, next to a
    fresh login's; not asserted: on a loaded machine a Debug binary's start-up dominates both).
    Every one of them runs through the same master."""
    env = {"XDG_RUNTIME_DIR": str(rundir)}
    to = server.jid("bob")
    first = run_xmpp("--persist", "60s", "-v", "send", to, "-m", mark(), env=env)
    assert first.code == 0, str(first)
    pid = started_pid(first.stderr)
    masters.append(pid)

    def timed(*args, **kw) -> tuple[float, str]:
        began = time.monotonic()
        run = run_xmpp(*args, **kw)
        elapsed = time.monotonic() - began
        assert run.code == 0, str(run)
        return elapsed, run.stderr

    warm = [timed("--persist", "60s", "-v", "send", to, "-m", mark(), env=env) for _ in range(20)]
    assert [ran_pid(stderr) for _, stderr in warm] == [pid] * 20
    fresh = [timed("send", to, "-m", mark())[0] for _ in range(3)]
    print(f"\npersist: warm send median {statistics.median(t for t, _ in warm) * 1000:.1f} ms "
          f"(min {min(t for t, _ in warm) * 1000:.1f}); fresh login median "
          f"{statistics.median(fresh) * 1000:.1f} ms")
    run_xmpp("--persist", "stop", env=env)


def test_a_master_whose_stream_the_server_ended_is_replaced(run_xmpp, server, rundir, masters,
                                                            new_account):
    """The server ends the master's stream (another login takes its full JID: <conflict/>, what
    an admin's kick or a server restart also does to it): the master ends, and the next
    --persist send logs in anew through a new master, exit 0."""
    user = new_account("persist")
    resource = f"persist-{uuid.uuid4().hex[:8]}"
    env = {"XDG_RUNTIME_DIR": str(rundir)}
    args = ("--persist", "60s", "-v", "--resource", resource, "send", server.jid("bob"), "-m")
    first = run_xmpp(*args, mark(), env=env, user=user)
    assert first.code == 0, str(first)
    pid = started_pid(first.stderr)
    masters.append(pid)
    with XmppClient(server, user, resource=resource):
        wait_gone(pid, 30)  # it saw its stream end
    assert sockets(rundir) == []
    again = run_xmpp(*args, mark(), env=env, user=user)
    assert again.code == 0, str(again)
    new_pid = started_pid(again.stderr)
    masters.append(new_pid)
    assert new_pid != pid
    assert ran_pid(again.stderr) == new_pid
    stop = run_xmpp("--persist", "stop", "--resource", resource, env=env, user=user)
    assert stop.code == 0, str(stop)
    wait_gone(new_pid, 15)
