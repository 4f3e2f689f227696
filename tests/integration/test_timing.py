"""`xmpp --timing`: the phase breakdown on stderr at exit (man xmpp, GLOBAL OPTIONS), next to an
unchanged stdout, in human and --json mode, over STARTTLS and direct TLS."""

import re

PHASES = ["start-up", "resolve", "tcp", "tls", "stream", "sasl", "bind", "command", "close"]
# Phases that read the stream: each counts at least one wait for the server.
READING = {"tls", "stream", "sasl", "bind", "command"}
LINE = re.compile(r"^timing: (\S+) +(\d+\.\d\d) ms  \(at +(\d+\.\d\d) ms\)(?:  (\d+) reads?)?$")
TOTAL = re.compile(r"^timing: total +(\d+\.\d\d) ms$")


def timing_lines(run):
    """The phase lines [(name, ms, at, reads)] and the total, from stderr; fails on a malformed
    timing line."""
    phases, totals = [], []
    for line in run.stderr.splitlines():
        if not line.startswith("timing: "):
            continue
        total = TOTAL.match(line)
        if total:
            totals.append(float(total.group(1)))
            continue
        m = LINE.match(line)
        assert m, f"malformed timing line {line!r}\n{run}"
        reads = int(m.group(4)) if m.group(4) is not None else None
        phases.append((m.group(1), float(m.group(2)), float(m.group(3)), reads))
    assert len(totals) == 1, str(run)
    return phases, totals[0]


def check_breakdown(run, direct_tls=False):
    """Every phase once, in order, consecutive, adding up to the total; reads where the stream
    exists (with direct TLS the handshake comes before it: no reads for tls)."""
    phases, total = timing_lines(run)
    assert [p[0] for p in phases] == PHASES, str(run)
    previous_at = 0.0
    for name, ms, at, reads in phases:
        assert ms >= 0, f"{name}\n{run}"
        assert at >= previous_at, f"{name}\n{run}"
        # Each phase starts where the previous one ended (both rounded to 0.01 ms).
        assert abs(at - previous_at - ms) <= 0.02, f"{name}\n{run}"
        previous_at = at
        if name == "tls" and direct_tls:
            assert reads is None, f"{name}\n{run}"
        elif name in READING:
            assert reads is not None and reads >= 1, f"{name}\n{run}"
        if name in ("start-up", "resolve", "tcp"):
            assert reads is None, f"{name}\n{run}"
    assert abs(total - previous_at) <= 0.01, str(run)
    assert abs(total - sum(p[1] for p in phases)) <= 0.01 * len(phases) + 0.01, str(run)


def test_timing_send_prints_every_phase_once_and_keeps_stdout(run_xmpp, server):
    plain = run_xmpp("send", server.jid("bob"), "-m", "hi")
    assert plain.code == 0, str(plain)
    assert "timing:" not in plain.stderr, str(plain)

    run = run_xmpp("--timing", "send", server.jid("bob"), "-m", "hi")
    assert run.code == 0, str(run)
    assert run.stdout == plain.stdout == "", str(run)
    check_breakdown(run)


def test_timing_with_json_keeps_stdout_json_and_prints_text_on_stderr(run_xmpp, server):
    run = run_xmpp("send", server.jid("bob"), "-m", "hi", "--json", "--timing")
    assert run.code == 0, str(run)
    assert [m["to"] for m in run.json["sent"]] == [server.jid("bob")], str(run)
    assert run.json["sent"][0]["acked"] is True, str(run)
    assert "timing" not in run.stdout, str(run)
    check_breakdown(run)


def test_timing_over_direct_tls(run_xmpp, server):
    run = run_xmpp("--timing", "--tls", "direct", "send", server.jid("bob"), "-m", "hi",
                   port=server.direct_port)
    assert run.code == 0, str(run)
    check_breakdown(run, direct_tls=True)


def test_timing_without_a_connection_prints_the_command_alone(run_xmpp, server):
    run = run_xmpp("--timing", "send", "--dry-run", server.jid("bob"), "-m", "x")
    assert run.code == 0, str(run)
    phases, total = timing_lines(run)
    assert [p[0] for p in phases] == ["command"], str(run)
    assert phases[0][3] is None and total == phases[0][2], str(run)


def test_timing_through_srv_records(run_xmpp, server):
    # No --host: the SRV lookup (against the session's DNS stub) is the resolve phase; the stub
    # offers _xmpps-client and _xmpp-client, so either may be used.
    run = run_xmpp("--timing", "-v", "send", server.jid("bob"), "-m", "hi", host=None, port=None)
    assert run.code == 0, str(run)
    check_breakdown(run, direct_tls="(direct TLS)" in run.stderr)
