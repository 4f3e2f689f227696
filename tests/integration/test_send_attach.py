"""`xmpp send JID --attach FILE` (CLI.md "send", XEP-0363 HTTP File Upload then XEP-0066 OOB) and
the test server's HTTPS upload side.

The contract: the file is uploaded through the server's upload component over HTTPS (slot URLs
https://upload.example.test:PORT/..., resolved by the tests' DNS stub to 127.0.0.1 and verified
with the run's CA), then one message goes to each recipient with the GET URL as its body and in a
<x xmlns='jabber:x:oob'><url/></x>; --json adds "url" to the send report:
    {"sent":[{"to":"bob@example.test","id":"...","acked":true}],"failed":[],"url":"https://..."}
A missing file is exit 66 and nothing is sent; a file over the service's limit (16 MiB in the test
server) is exit 1 with condition not-acceptable.
"""

import os
import ssl

import pytest

from shapes import ERROR_KEYS, missing
from upload_support import (Inbox, body_of, download, https_port, https_request, oob_url_of,
                            request_slot, send_marker)

MIB = 1024 * 1024


# ---------------------------------------------------------------------------------------------
# The server side, independent of the client.

def test_https_upload_port_serves_with_the_run_ca(server):
    """The upload component answers on its HTTPS port with a certificate the run's CA verifies for
    upload.DOMAIN; an unrelated CA does not verify it."""
    root = f"https://upload.{server.domain}:{https_port(server)}/"
    status, _, _ = https_request(server, "GET", root)
    assert 100 <= status < 600
    with pytest.raises(ssl.SSLCertVerificationError):
        https_request(server, "GET", root, cafile=server.other_ca)


def test_slot_urls_are_https_and_a_put_round_trips(server):
    data = os.urandom(4096)
    put, get, headers = request_slot(server, "alice", "probe.bin", len(data))
    prefix = f"https://upload.{server.domain}:{https_port(server)}/"
    assert put.startswith(prefix), put
    assert get.startswith(prefix), get
    assert set(headers) <= {"Authorization", "Cookie", "Expires"}, headers
    status, _, _ = https_request(server, "PUT", put, body=data,
                                 headers={**headers, "Content-Type": "application/octet-stream"})
    assert status == 201
    assert download(server, get) == data


def test_upload_service_advertises_its_limit(server):
    from test_harness import MiniClient

    client = MiniClient(server, "alice")
    try:
        info = client.iq("get", f"upload.{server.domain}",
                         "<query xmlns='http://jabber.org/protocol/disco#info'/>")
    finally:
        client.close()
    assert b"urn:xmpp:http:upload:0" in info, info
    assert f"<value>{16 * MIB}</value>".encode() in info, info


# ---------------------------------------------------------------------------------------------
# xmpp send --attach

def test_send_attach_uploads_and_sends_the_url(run_xmpp, server, tmp_path):
    data = os.urandom(MIB)
    path = tmp_path / "random.bin"
    path.write_bytes(data)
    bob = server.jid("bob")
    inbox = Inbox(server, "bob")
    try:
        run = run_xmpp("send", bob, "--attach", str(path), "--json", input="")
        assert run.code == 0, str(run)
        doc = run.json
        assert isinstance(doc, dict), str(run)
        assert doc.get("failed") == [], str(run)
        sent = doc.get("sent")
        assert isinstance(sent, list) and len(sent) == 1, str(run)
        assert sent[0]["to"] == bob, str(run)
        assert sent[0]["acked"] is True, str(run)
        assert isinstance(sent[0]["id"], str) and sent[0]["id"], str(run)
        url = doc.get("url")
        assert isinstance(url, str), str(run)
        assert url.startswith(f"https://upload.{server.domain}:{https_port(server)}/"), str(run)
        assert url.endswith("/random.bin"), str(run)

        assert download(server, url) == data

        message = inbox.wait_for(lambda m: body_of(m) == url)
        assert oob_url_of(message) == url
        assert message.get("id") == sent[0]["id"]
    finally:
        inbox.close()


def test_send_attach_human_output(run_xmpp, server, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello\n")
    run = run_xmpp("send", server.jid("bob"), "--attach", str(path), input="")
    assert run.code == 0, str(run)
    assert f"https://upload.{server.domain}:" in run.stdout, str(run)


def test_send_attach_missing_file_is_66_and_sends_nothing(run_xmpp, server, tmp_path):
    bob = server.jid("bob")
    inbox = Inbox(server, "bob")
    try:
        run = run_xmpp("send", bob, "--attach", str(tmp_path / "missing.bin"), "--json",
                       input="")
        assert run.code == 66, str(run)
        assert run.error is not None, str(run)
        assert not missing(run.error["error"], ERROR_KEYS), str(run)
        assert run.error["error"]["exit"] == 66, str(run)
        if isinstance(run.json, dict):
            assert not run.json.get("sent"), str(run)
        # Everything alice sent before the marker has arrived once the marker has: nothing did.
        marker = send_marker(server, "alice", bob)
        inbox.wait_for(lambda m: body_of(m) == marker)
        # Offline messages (with <delay/>) are what earlier tests left for bob while nobody
        # listened: not this run's.
        live = [m for m in inbox.messages
                if not any(child.tag.endswith("}delay") for child in m)]
        stray = [body_of(m) for m in live if body_of(m) not in (marker, None)]
        assert stray == [], stray
    finally:
        inbox.close()


def test_send_attach_over_the_limit_is_not_acceptable(run_xmpp, server, tmp_path):
    path = tmp_path / "sparse.bin"
    with open(path, "wb") as f:
        f.truncate(17 * MIB)  # sparse: no 17 MiB written to disk
    run = run_xmpp("send", server.jid("bob"), "--attach", str(path), "--json", input="")
    assert run.code == 1, str(run)
    assert run.error is not None, str(run)
    error = run.error["error"]
    assert not missing(error, ERROR_KEYS), str(run)
    assert error["condition"] == "not-acceptable", str(run)
    assert str(17 * MIB) in error["message"] and str(16 * MIB) in error["message"], str(run)
    assert error["exit"] == 1, str(run)
