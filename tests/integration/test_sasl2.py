"""Logging in with XEP-0388 SASL2 and XEP-0386 Bind 2 (issue 10: fewer round trips per login).

A Prosody of its own, started with `scripts/test-server start --sasl2` (prosody-modules'
mod_sasl2 and mod_sasl2_bind2 next to the RFC 6120 SASL), whatever server the rest of the suite
runs against: the login authenticates with <authenticate/>, binds a server-assigned resource
inside it, skips the stream restart, and so reads the stream fewer times than the RFC 6120 login
(`--timing` counts the reads); send and listen work as anywhere. (mod_sasl2_sm, XEP-0198 inside
Bind 2, does not work on Prosody 0.12.3: scripts/test-server; the session tests cover it.)"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import uuid

import pytest

from conftest import TEST_SERVER, Server, _server_env

WAIT_S = 60


@pytest.fixture(scope="module")
def sasl2_server():
    directory = tempfile.mkdtemp(prefix="xmpp-sasl2-")
    subprocess.run([str(TEST_SERVER), "start", "--sasl2", directory], check=True, timeout=120)
    failed = True
    try:
        yield Server(_server_env(directory))
        failed = False
    finally:
        subprocess.run([str(TEST_SERVER), "stop", directory], check=True, timeout=120)
        if failed:
            print(f"\nSASL2 test server directory kept (logs in server/): {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)


def on(srv: Server, user: str = "alice") -> dict:
    """run_xmpp/spawn_xmpp connection arguments for `user` on the SASL2 server."""
    return {"host": srv.host, "port": srv.port, "ca_file": srv.ca,
            "password_file": srv.password_file(user)}


def phase_reads(run) -> dict[str, int | None]:
    """{phase: reads} from --timing's lines on stderr."""
    reads = {}
    for line in run.stderr.splitlines():
        words = line.split()
        if len(words) >= 3 and words[0] == "timing:" and words[1] != "total":
            reads[words[1]] = int(words[-2]) if words[-1] in ("read", "reads") else None
    return reads


def test_sasl2_bind2_login_skips_restart_and_bind_round_trips(run_xmpp, sasl2_server, tmp_path):
    trace = tmp_path / "trace.xml"
    run = run_xmpp("--timing", "--trace", str(trace), "send", sasl2_server.jid("bob"), "-m",
                   "hi", **on(sasl2_server))
    assert run.code == 0, str(run)
    text = trace.read_text()
    assert "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='SCRAM-SHA-1'>" in text, text
    # The server lists no XEP-0198 among Bind 2's inline features: no <enable/> inside.
    assert "<bind xmlns='urn:xmpp:bind:0'/></authenticate>" in text, text
    assert "<authorization-identifier>alice@example.test/" in text, text
    # Two stream headers of ours (before and after STARTTLS), none after authentication; no
    # RFC 6120 bind iq; XEP-0198 enabled after the features.
    assert text.count("OUT <?xml version='1.0'?><stream:stream") == 2, text
    sent = [line for line in text.splitlines() if " OUT " in line]
    assert not [line for line in sent if "urn:ietf:params:xml:ns:xmpp-bind" in line], text
    assert text.count("OUT <enable xmlns='urn:xmpp:sm:3'") == 1, text
    reads = phase_reads(run)
    # RFC 6120 with SCRAM: sasl 3 reads (challenge, success, the restarted stream's features) and
    # bind 2 (bind, enable). SASL2 + Bind 2: the challenge and the success with its features
    # (Prosody may write the features apart: 3), then only <enable/> in bind.
    assert reads["bind"] == 1, str(run)
    assert 2 <= reads["sasl"] <= 3, str(run)


def test_sasl2_with_a_resource_binds_the_rfc_6120_way(run_xmpp, sasl2_server, tmp_path):
    # Bind 2 cannot name a resource: --resource keeps the bind iq, still without a restart.
    trace = tmp_path / "trace.xml"
    run = run_xmpp("--timing", "--trace", str(trace), "--resource", "fixed-res", "send",
                   sasl2_server.jid("bob"), "-m", "hi", **on(sasl2_server))
    assert run.code == 0, str(run)
    text = trace.read_text()
    assert "<authenticate xmlns='urn:xmpp:sasl:2'" in text, text
    assert "urn:xmpp:bind:0" not in text.split("<authenticate", 1)[1].split("\n", 1)[0], text
    assert "<jid>alice@example.test/fixed-res</jid>" in text, text
    assert text.count("OUT <?xml version='1.0'?><stream:stream") == 2, text
    assert phase_reads(run)["bind"] == 2, str(run)  # the bind iq, <enable/>


def test_sasl2_wrong_password_is_an_auth_failure(run_xmpp, sasl2_server, tmp_path):
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-password\n")
    wrong.chmod(0o600)
    run = run_xmpp("ping", "example.test", **{**on(sasl2_server), "password_file": wrong})
    assert run.code == 77, str(run)
    assert "authentication failed for alice@example.test: not-authorized" in run.stderr, str(run)


def test_sasl2_send_and_listen(spawn_xmpp, run_xmpp, sasl2_server):
    listener = spawn_xmpp("listen", "--json", "--from", sasl2_server.jid("alice"), user="bob",
                          **on(sasl2_server, "bob"))
    ready = json.loads(listener.wait_for_line(lambda l: '"kind":"ready"' in l, timeout=WAIT_S))
    assert ready["jid"].startswith("bob@example.test/"), ready
    mark = uuid.uuid4().hex[:12]
    # Above the 64 KiB pre-authentication limit of our parser (xml::Limits::pre_auth) and the
    # 10,000 bytes of Prosody's: without a stream restart both must be raised at <success/>.
    body = f"{mark} over SASL2 " + "x" * (80 * 1024)
    run = run_xmpp("send", sasl2_server.jid("bob"), "--json", input=body, **on(sasl2_server))
    assert run.code == 0, str(run)
    assert run.json["sent"][0]["acked"] is True, str(run)
    while True:
        line = listener.wait_for_line(lambda l: '"kind":"message"' in l, timeout=WAIT_S)
        message = json.loads(line)
        if message["body"].startswith(mark):
            break
    assert message["body"] == body, len(message["body"])
    assert message["from"].startswith("alice@example.test/"), message
    listener.signal(2)
    assert listener.wait() == 0, str(listener)
