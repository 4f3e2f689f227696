"""Hostile stanzas after login: SECURITY.md table (a) rows 17, 20, 31-36 and 51. The fake server
plays an honest minimal server (fake_server.serve) around the one lie each row is about, and the
test checks what the client printed and what it answered."""

from __future__ import annotations

import json

from conftest import assert_sane
from fake_server import DOMAIN, FULL_JID, answer_pings, close_stream, logged_in, serve

PING = ("ping", DOMAIN)
LISTEN = ("listen", "--count", "1")
BOB = f"bob@{DOMAIN}/phone"


def _message(body: str, sender: str = BOB, extra: str = "", attrs: str = "") -> str:
    return (f"<message type='chat' from='{sender}' to='{FULL_JID}' id='m-{abs(hash(body))}'{attrs}>"
            f"<body>{body}</body>{extra}</message>")


# -- iq origin and id rules (rows 31-34) --------------------------------------------------------

def test_row31_cve_2013_6483_iq_result_from_another_jid_is_not_the_answer(hostile):
    def scenario(conn):
        logged_in(conn)
        iq = conn.expect_iq("urn:xmpp:ping")
        conn.send(f"<iq type='result' id='{iq.id}' from='mallory@evil.example'/>")
        conn.idle(30)

    out = hostile(scenario, *PING, timeout=2)
    assert_sane(out, 2 + 5)
    assert out.code == 75, out


def test_row32_cve_2024_46957_request_reusing_our_pending_id_is_a_request(hostile):
    def scenario(conn):
        logged_in(conn)
        iq = conn.expect_iq("urn:xmpp:ping")
        conn.send(f"<iq type='get' id='{iq.id}' from='{DOMAIN}'><query xmlns='urn:x:unknown'/></iq>")
        # Answered as a request: an error reply with the same id (and not taken as our result).
        conn.expect(rf"<iq\b[^>]*type=['\"]error['\"][^>]*>.*?service-unavailable".encode())
        conn.send(f"<iq type='result' id='{iq.id}' from='{DOMAIN}'/>")
        close_stream(conn)

    out = hostile(scenario, *PING)
    assert_sane(out, 10)
    assert out.code == 0, out
    assert out.server.error is None, out


def test_row33_odd_results_are_ignored(hostile):
    def scenario(conn):
        logged_in(conn)
        iq = conn.expect_iq("urn:xmpp:ping")
        conn.send("<iq type='result' id='unknown-id' from='example.test'/>")
        conn.send(f"<iq type='error' id='other' from='{DOMAIN}'/>")  # error without <error/>
        conn.send(f"<iq type='result' id='{iq.id}' from='{DOMAIN}'><a xmlns='urn:a'/><b xmlns='urn:b'/></iq>")
        conn.send(f"<iq type='result' id='{iq.id}' from='{DOMAIN}'/>")  # a duplicate
        close_stream(conn)

    out = hostile(scenario, *PING)
    assert_sane(out, 10)
    assert out.code == 0, out


def test_row34_unknown_and_bad_requests_get_errors_and_results_get_nothing(hostile):
    def scenario(conn):
        logged_in(conn)
        iq = conn.expect_iq("urn:xmpp:ping")
        conn.send(f"<iq type='get' id='q1' from='{DOMAIN}'><query xmlns='urn:x:unknown'/></iq>")
        conn.expect(rb"<iq\b[^>]*id=['\"]q1['\"][^>]*>.*?service-unavailable")
        conn.send(f"<iq type='get' id='q2' from='{DOMAIN}'/>")
        conn.expect(rb"<iq\b[^>]*id=['\"]q2['\"][^>]*>.*?bad-request")
        conn.send(f"<iq type='result' id='q3' from='{DOMAIN}'/>")
        conn.send(f"<iq type='error' id='q4' from='{DOMAIN}'><error type='cancel'>"
                  f"<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>")
        conn.send(f"<iq type='result' id='{iq.id}' from='{DOMAIN}'/>")
        close_stream(conn)

    out = hostile(scenario, *PING)
    assert_sane(out, 10)
    assert out.code == 0, out
    assert "id='q3'" not in out.server.received and "id=\"q3\"" not in out.server.received
    assert "id='q4'" not in out.server.received and "id=\"q4\"" not in out.server.received


# -- roster pushes (row 35) -------------------------------------------------------------------------

def test_row35_cve_2014_0364_cve_2015_8688_roster_push_from_a_stranger_changes_nothing(hostile):
    push = ("<iq type='set' id='push-1' from='mallory@evil.example'><query xmlns='jabber:iq:roster'>"
            "<item jid='evil@evil.example' name='Evil' subscription='both'/></query></iq>")

    def on_iq(conn, iq):
        if "jabber:iq:roster" in iq.raw and iq.type == "get":
            conn.send(push)
        return False  # then the honest answer

    def scenario(conn):
        logged_in(conn)
        serve(conn, on_iq=on_iq, roster=f"<item jid='bob@{DOMAIN}' subscription='both'/>")

    out = hostile(scenario, "roster", "list")
    assert_sane(out, 10)
    assert out.code == 0, out
    items = [item["jid"] for item in json.loads(out.stdout)["items"]]
    assert items == [f"bob@{DOMAIN}"], out
    assert "evil@evil.example" not in out.stdout


# -- what a listener prints (rows 17, 20, 36, 51) ----------------------------------------------------

def _listen(*stanzas: str):
    def scenario(conn):
        logged_in(conn)
        serve(conn, on_presence=lambda c: [c.send(s) for s in stanzas])
    return scenario


def _printed(out) -> list[dict]:
    return [json.loads(line) for line in out.stdout.splitlines()
            if line.startswith("{") and json.loads(line).get("kind") == "message"]


def test_row36_cve_2017_5589_forged_carbon_is_not_printed(hostile):
    forged = (f"<message from='mallory@evil.example' to='{FULL_JID}' type='chat'>"
              f"<received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>"
              f"<message xmlns='jabber:client' from='boss@corp.example/x' to='{FULL_JID}' "
              f"type='chat'><body>forged</body></message></forwarded></received></message>")
    out = hostile(_listen(forged, _message("real")), *LISTEN)
    assert_sane(out, 10)
    assert out.code == 0, out
    printed = _printed(out)
    assert [m["body"] for m in printed] == ["real"], out
    assert "forged" not in out.stdout and "boss@corp" not in out.stdout


def test_row17_namespaced_from_attribute_is_not_the_sender(hostile):
    spoof = (f"<message xmlns:e='urn:e' e:from='boss@corp.example' to='{FULL_JID}' type='chat' "
             f"id='s1'><body>who am I</body></message>")
    out = hostile(_listen(spoof), *LISTEN)
    assert_sane(out, 10)
    assert out.code == 0, out
    assert "boss@corp" not in out.stdout, out


def test_row20_nested_message_is_payload_only(hostile):
    nested = (f"<message from='{BOB}' to='{FULL_JID}' type='chat' id='n1'><body>outer</body>"
              f"<message xmlns='jabber:client' from='boss@corp.example' type='chat'>"
              f"<body>pay</body></message></message>")
    out = hostile(_listen(nested), *LISTEN)
    assert_sane(out, 10)
    assert out.code == 0, out
    printed = _printed(out)
    assert [m["body"] for m in printed] == ["outer"], out
    assert "boss@corp" not in out.stdout


def test_row51_terminal_control_in_a_body_is_escaped(hostile):
    # C0 controls such as ESC cannot travel in XML (row 9); C1 CSI and bidi controls can.
    body = "hi \u009b2J \u202eevil\u202c end"
    for as_json in (False, True):
        out = hostile(_listen(_message(body)), *LISTEN, json=as_json)
        assert_sane(out, 10)
        assert out.code == 0, out
        for char in ("\u009b", "\u202e", "\u202c"):
            assert char not in out.stdout, out
        if as_json:
            assert [m["body"] for m in _printed(out)] == [body], out  # the same text, escaped
        else:
            assert "\\u009b2J \\u202eevil\\u202c end" in out.stdout, out


# -- acknowledgements (row 42, table (b) "send") -----------------------------------------------------

def test_row42_ack_for_more_than_we_sent_is_a_violation(hostile):
    def scenario(conn):
        logged_in(conn, sm=True)
        conn.expect(rb"<enable\b[^>]*/>")
        conn.send("<enabled xmlns='urn:xmpp:sm:3'/>")
        conn.expect(rb"<message\b")
        conn.send("<a xmlns='urn:xmpp:sm:3' h='4294967295'/>")
        conn.wait_closed()

    out = hostile(scenario, "send", "-m", "hello", f"bob@{DOMAIN}")
    assert_sane(out, 10)
    # XEP-0198 §5: we end the stream with undefined-condition + <handled-count-too-high/>; the
    # message was not confirmed, which xmpp-send(1) reports as unconfirmed with exit 75.
    assert "handled-count-too-high" in out.server.received, out
    assert out.code == 75, out
    failed = json.loads(out.stdout)["failed"]
    assert [(m["status"], m["error"]["code"]) for m in failed] == [("unconfirmed", "stream_error")]


def test_send_is_not_confirmed_by_a_server_that_never_processes(hostile):
    def scenario(conn):
        logged_in(conn)
        conn.idle(30)  # takes every byte, answers nothing: no iq round trip confirms the message

    out = hostile(scenario, "send", "-m", "hello", f"bob@{DOMAIN}", timeout=3)
    assert_sane(out, 3 + 5)
    assert out.code == 75, out
    assert "<body>hello</body>" in out.server.received
    report = json.loads(out.stdout) if out.stdout.strip() else {}
    assert report.get("sent", []) == [], out


def test_send_is_confirmed_by_the_round_trip_after_it(hostile):
    def scenario(conn):
        logged_in(conn)
        serve(conn)

    out = hostile(scenario, "send", "-m", "hello", f"bob@{DOMAIN}")
    assert_sane(out, 10)
    assert out.code == 0, out
    assert [m["to"] for m in json.loads(out.stdout)["sent"]] == [f"bob@{DOMAIN}"], out


def _acked_message_id(conn) -> str:
    """XEP-0198 on; the client's message; its <r/> answered with <a h='1'/>. Returns the id."""
    logged_in(conn, sm=True)
    conn.expect(rb"<enable\b[^>]*/>")
    conn.send("<enabled xmlns='urn:xmpp:sm:3'/>")
    message = conn.expect(rb"<message\b[^>]*\bid=(['\"])([^'\"]+)\1")
    conn.expect(rb"<r\b[^>]*/>")
    conn.send("<a xmlns='urn:xmpp:sm:3' h='1'/>")
    return message.group(2).decode()


def test_send_bounce_after_the_ack_and_our_close_fails_the_message(hostile):
    # ejabberd 23.01 acks first and routes afterwards: the bounce for a missing account comes
    # after the <a/>, even after our </stream:stream>. Until the server's own close it counts.
    def scenario(conn):
        sent_id = _acked_message_id(conn)
        conn.expect(rb"</stream:stream>")
        conn.send(f"<message from='nobody@{DOMAIN}' to='{FULL_JID}' type='error' id='{sent_id}'>"
                  f"<error type='cancel'><service-unavailable "
                  f"xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>")
        conn.send("</stream:stream>")
        conn.close()

    out = hostile(scenario, "send", "-m", "hello", f"nobody@{DOMAIN}")
    assert_sane(out, 10)
    assert out.code == 1, out
    assert out.error["condition"] == "service-unavailable", out
    report = json.loads(out.stdout)
    assert report["sent"] == [], out
    assert [(m["to"], m["status"]) for m in report["failed"]] == [(f"nobody@{DOMAIN}", "bounced")]


def test_send_to_a_server_that_never_closes_ends_within_the_close_wait(hostile):
    # Waiting for late bounces must not hang: without the server's </stream:stream> the close
    # gives up after its bounded wait (2 s), and the acknowledged message counts as sent.
    def scenario(conn):
        _acked_message_id(conn)
        conn.idle(30)

    out = hostile(scenario, "send", "-m", "hello", f"bob@{DOMAIN}", timeout=20)
    assert_sane(out, 8)
    assert out.code == 0, out
    assert [m["to"] for m in json.loads(out.stdout)["sent"]] == [f"bob@{DOMAIN}"], out
