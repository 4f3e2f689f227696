"""Machine-readable errors and the XML trace (CLI.md "Exit codes", "--trace"; SECURITY.md
rule 8: SASL payloads and passwords are redacted)."""

import base64
import binascii
import os
import re

from conftest import free_port
from shapes import AUTH_FAILED_CODE, AUTH_FAILED_CONDITION, ERROR_KEYS, missing

SASL_ELEMENTS = ("auth", "response", "challenge", "success")
# Attributes of a SCRAM message (RFC 5802 §5.1) or the NUL separators of PLAIN (RFC 4616).
SASL_PAYLOAD = re.compile(rb"(^|,)[nrsipvc]=|\x00")


def test_json_error_line(run_xmpp, server, tmp_path):
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-password\n")
    os.chmod(wrong, 0o600)
    run = run_xmpp("--json", "ping", server.domain, password_file=wrong)
    assert run.code == 77, str(run)
    doc = run.error
    assert doc is not None, str(run)
    assert set(doc) == {"error"}, str(run)
    error = doc["error"]
    assert not missing(error, ERROR_KEYS), str(run)
    assert error["exit"] == 77, str(run)
    assert error["code"] == AUTH_FAILED_CODE, str(run)
    assert error["condition"] == AUTH_FAILED_CONDITION, str(run)
    assert isinstance(error["message"], str) and error["message"], str(run)


def test_json_error_line_for_a_connection_failure(run_xmpp, server):
    run = run_xmpp("--json", "ping", server.domain, port=free_port())
    assert run.code == 69, str(run)
    assert run.error is not None and run.error["error"]["exit"] == 69, str(run)


def leaked_sasl_payloads(trace: str):
    """Texts of SASL elements in TRACE that still look like a real (unredacted) payload."""
    leaks = []
    for name in SASL_ELEMENTS:
        for match in re.finditer(rf"<{name}\b[^>]*>([^<]*)</{name}>", trace):
            text = match.group(1).strip()
            if not text or text == "=":
                continue
            try:
                decoded = base64.b64decode(text, validate=True)
            except (binascii.Error, ValueError):
                continue  # not base64: a redaction marker
            if SASL_PAYLOAD.search(decoded):
                leaks.append(match.group(0))
    return leaks


def check_trace(trace: str, password: str):
    assert password not in trace
    assert base64.b64encode(password.encode()).decode() not in trace
    # Both directions: what only we send, and what only the server sends.
    assert re.search(r"<auth\b", trace), "no <auth/> sent in the trace"
    assert "urn:xmpp:ping" in trace, "no ping iq in the trace"
    assert re.search(r"<(stream:)?features\b", trace), "no <stream:features/> received in the trace"
    assert re.search(r"<mechanisms\b", trace), "no <mechanisms/> received in the trace"
    assert not leaked_sasl_payloads(trace), leaked_sasl_payloads(trace)


def test_trace_scram(run_xmpp, server, tmp_path):
    trace = tmp_path / "trace.log"
    run = run_xmpp("--trace", trace, "ping", server.domain)
    assert run.code == 0, str(run)
    assert trace.is_file(), str(run)
    check_trace(trace.read_text(errors="replace"), server.password("alice"))


def test_trace_plain(run_xmpp, server, tmp_path):
    # PLAIN carries the password itself (base64 of "\0alice\0password"): it must not show.
    trace = tmp_path / "trace.log"
    run = run_xmpp("--sasl", "PLAIN", "--trace", trace, "ping", server.domain)
    assert run.code == 0, str(run)
    check_trace(trace.read_text(errors="replace"), server.password("alice"))


def test_trace_to_stderr(run_xmpp, server):
    run = run_xmpp("--trace", "-", "ping", server.domain)
    assert run.code == 0, str(run)
    check_trace(run.stderr, server.password("alice"))
    assert "urn:xmpp:ping" not in run.stdout, str(run)
