"""Hostile and broken servers during stream negotiation: SECURITY.md table (a) rows 4, 13, 15,
22-25, 28, 29 and the connection faults of table (b). Each test plays one scenario on the fake
server and asserts the exit code (CLI.md "Exit codes"), the error the user sees, that the process
ended within its deadline without a sanitizer report, and what the client did (not) send."""

from __future__ import annotations

import base64
import os

import pytest

from conftest import assert_sane
from fake_server import (HEADER, NS_SASL, NS_TLS, PROCEED, STARTTLS_FEATURES, Scram, answer_pings,
                         close_stream, logged_in, mechanisms, open_stream, plain_login,
                         starttls_prelude, stream_error)

PING = ("ping", "example.test")


# -- TLS is never optional -----------------------------------------------------------------------

def test_row24_stripped_starttls_offering_plain_is_refused(hostile):
    def scenario(conn):
        open_stream(conn, mechanisms("PLAIN"))  # no <starttls/>: a downgrade
        conn.wait_closed()

    out = hostile(scenario, *PING)
    assert_sane(out, 10)
    assert out.code == 77, out
    assert "TLS" in out.error["message"], out
    assert "<auth" not in out.server.received, "credentials sent without TLS"


def test_row25_tls_failure_aborts(hostile):
    def scenario(conn):
        open_stream(conn, STARTTLS_FEATURES)
        conn.expect(rb"<starttls\b[^>]*/>")
        conn.send(f"<failure xmlns='{NS_TLS}'/></stream:stream>")
        conn.wait_closed()

    out = hostile(scenario, *PING)
    assert_sane(out, 10)
    assert out.code == 77, out
    assert "<auth" not in out.server.received


def test_row23_bytes_injected_after_proceed_are_never_parsed(hostile):
    def scenario(conn):
        open_stream(conn, STARTTLS_FEATURES)
        conn.expect(rb"<starttls\b[^>]*/>")
        conn.send(PROCEED + f"<success xmlns='{NS_SASL}'/>")  # one segment: injection
        conn.wait_closed()

    out = hostile(scenario, *PING)
    assert_sane(out, 10)
    assert out.code == 76, out
    assert "<auth" not in out.server.received


# -- malformed and oversized XML -----------------------------------------------------------------

def _after_login(payload: str | bytes):
    def scenario(conn):
        logged_in(conn)
        conn.expect_iq("urn:xmpp:ping")
        conn.send(payload)
        conn.wait_closed()
    return scenario


@pytest.mark.parametrize("payload, condition", [
    ("<message><!-- hi --><body>x</body></message>", "restricted-xml"),
    ("<message><?foo bar?></message>", "restricted-xml"),
    ("<?xml version='1.0'?><iq type='result' id='x'/>", "not-well-formed"),
    ("<message><body>&lol;</body></message>", "not-well-formed"),
    ("<message><body>&#x1;</body></message>", "not-well-formed"),
    (b"<message><body>\xc0\xaf</body></message>", "not-well-formed"),
    ("<message><body></message>", "not-well-formed"),
    ("<message to='a' to='b'/>", "not-well-formed"),
    ("<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>", "unsupported-stanza-type"),
], ids=["row4-comment", "row5-pi", "row6-xml-decl-reset", "row7-entity", "row7-charref",
        "row8-overlong-utf8", "row11-mismatched-end", "row12-duplicate-attr",
        "row22-second-header"])
def test_malformed_xml_is_a_stream_error(hostile, payload, condition):
    out = hostile(_after_login(payload), *PING)
    assert_sane(out, 10)
    assert out.code == 76, out
    assert out.error["condition"] == condition, out
    # RFC 6120 §4.9: we tell the server why before closing.
    assert f"<{condition} " in out.server.received or f"<{condition}/>" in out.server.received, out


def test_row13_ten_mebibyte_stanza_is_cut_at_the_limit(hostile):
    baseline = hostile(lambda conn: (logged_in(conn), answer_pings(conn), close_stream(conn)),
                       *PING)
    assert baseline.code == 0, baseline
    huge = "<message><body>" + "A" * (10 * 1024 * 1024) + "</body></message>"
    out = hostile(_after_login(huge), *PING)
    assert_sane(out, 15)
    assert out.code == 76, out
    assert out.error["condition"] == "policy-violation", out
    # The stanza is refused before it is buffered: memory stays near a normal run's. Measured on
    # the normal build only: ASan's redzones and its quarantine of freed blocks (scripts/test sets
    # ASAN_OPTIONS for that layer) make peak RSS say nothing about what we buffer.
    if "ASAN_OPTIONS" not in os.environ:
        assert out.max_rss_kib < baseline.max_rss_kib + 4096, (baseline.max_rss_kib, str(out))


def test_row15_deep_nesting_hits_the_depth_limit(hostile):
    deep = "<message>" + "<a>" * 100_000 + "</a>" * 100_000 + "</message>"
    out = hostile(_after_login(deep), *PING)
    assert_sane(out, 10)
    assert out.code == 76, out
    assert out.error["condition"] == "policy-violation", out


def test_row16_many_attributes_hit_the_limit(hostile):
    attrs = " ".join(f"a{i}='x'" for i in range(100_000))
    out = hostile(_after_login(f"<message {attrs}/>"), *PING)
    assert_sane(out, 10)
    assert out.code == 76, out
    assert out.error["condition"] == "policy-violation", out


# -- SCRAM lies (rows 28, 29) ----------------------------------------------------------------------

def _scram(lie: str):
    def scenario(conn):
        starttls_prelude(conn)
        scram = Scram()
        bare, nonce = scram.start(conn)
        salt = base64.b64encode(scram.salt).decode()
        if lie == "foreign-nonce":
            conn.send(f"<challenge xmlns='{NS_SASL}'>"
                      f"{base64.b64encode(f'r=NOTYOURS123,s={salt},i=4096'.encode()).decode()}"
                      f"</challenge>")
            conn.wait_closed()
            return
        if lie == "one-iteration":
            conn.send(f"<challenge xmlns='{NS_SASL}'>"
                      f"{base64.b64encode(f'r={nonce}srv,s={salt},i=1'.encode()).decode()}"
                      f"</challenge>")
            conn.wait_closed()
            return
        server_first = f"r={nonce}srv,s={salt},i={scram.iterations}"
        client_final = scram.challenge(conn, server_first)
        if lie == "wrong-signature":
            final = "v=" + base64.b64encode(b"\0" * 32).decode()
        else:  # success without v=
            final = None
        body = base64.b64encode(final.encode()).decode() if final else ""
        conn.send(f"<success xmlns='{NS_SASL}'>{body}</success>")
        conn.wait_closed()
    return scenario


@pytest.mark.parametrize("lie", ["foreign-nonce", "one-iteration", "wrong-signature",
                                 "success-without-verifier"])
def test_scram_server_lies_abort_the_login(hostile, lie):
    out = hostile(_scram(lie), *PING)
    assert_sane(out, 10)
    assert out.code in (76, 77), out
    assert "<bind" not in out.server.received, "bound a resource after a failed verification"


def test_scram_honest_server_logs_in(hostile):
    """The SCRAM responder of the fake server is right: the honest exchange succeeds."""
    def scenario(conn):
        starttls_prelude(conn)
        scram = Scram()
        bare, nonce = scram.start(conn)
        salt = base64.b64encode(scram.salt).decode()
        server_first = f"r={nonce}srv,s={salt},i={scram.iterations}"
        client_final = scram.challenge(conn, server_first)
        v = scram.server_signature(bare, server_first, client_final)
        conn.send(f"<success xmlns='{NS_SASL}'>{base64.b64encode(f'v={v}'.encode()).decode()}"
                  f"</success>")
        from fake_server import bind
        bind(conn)
        answer_pings(conn)
        close_stream(conn)

    out = hostile(scenario, *PING)
    assert_sane(out, 10)
    assert out.code == 0, out


# -- stream errors (table (b)) --------------------------------------------------------------------

@pytest.mark.parametrize("condition, code", [
    ("system-shutdown", 75), ("reset", 75), ("connection-timeout", 75),
    ("policy-violation", 76), ("not-well-formed", 76), ("see-other-host", 69),
])
def test_stream_errors_map_to_exit_codes(hostile, condition, code):
    def scenario(conn):
        logged_in(conn)
        conn.expect_iq("urn:xmpp:ping")
        # C1 CSI and a bidi override are legal XML (C0 controls are not: that is row 9).
        text = "going down \u009b2J \u202eevil" if condition == "system-shutdown" else None
        extra = "evil.example:443" if condition == "see-other-host" else None
        error = stream_error(condition, text)
        if extra:
            error = error.replace("/>", f">{extra}</see-other-host>", 1).replace(
                "<see-other-host ", "<see-other-host ", 1)
        conn.send(error)
        conn.wait_closed()

    out = hostile(scenario, *PING)
    assert_sane(out, 10)
    assert out.code == code, out
    assert out.error["condition"] == condition, out
    assert "\u009b" not in out.stderr and "\u202e" not in out.stderr, \
        "control characters from the server reached the terminal"
    if condition == "system-shutdown":
        assert "going down" in out.error["message"], out


def test_sasl_not_authorized_is_77_without_retry(hostile):
    def scenario(conn):
        starttls_prelude(conn)
        open_stream(conn, mechanisms("PLAIN"))
        conn.expect(rb"</auth>")
        conn.send(f"<failure xmlns='{NS_SASL}'><not-authorized/></failure>")
        conn.wait_closed()

    out = hostile(scenario, *PING, extra=("--retries", "3"))
    assert_sane(out, 10)
    assert out.code == 77, out
    assert out.server.connections == 1
    assert out.server.received.count("<auth") == 1, "retried a refused password"


def test_sasl_temporary_auth_failure_is_75(hostile):
    def scenario(conn):
        starttls_prelude(conn)
        open_stream(conn, mechanisms("PLAIN"))
        conn.expect(rb"</auth>")
        conn.send(f"<failure xmlns='{NS_SASL}'><temporary-auth-failure/></failure>")
        conn.wait_closed()

    out = hostile(scenario, *PING)
    assert_sane(out, 10)
    assert out.code == 75, out


# -- connection faults (table (b)) ----------------------------------------------------------------

def _closes(where: str):
    def scenario(conn):
        if where == "accept":
            conn.close()
            return
        if where == "header":
            conn.expect(rb"<stream:stream\b[^>]*>")
            conn.send(HEADER)
            conn.close()
            return
        if where == "mid-features":
            conn.expect(rb"<stream:stream\b[^>]*>")
            conn.send(HEADER + STARTTLS_FEATURES[:20])
            conn.close()
            return
        if where == "after-proceed":
            open_stream(conn, STARTTLS_FEATURES)
            conn.expect(rb"<starttls\b[^>]*/>")
            conn.send(PROCEED)
            conn.close()
            return
        if where == "after-success":
            starttls_prelude(conn)
            open_stream(conn, mechanisms("PLAIN"))
            conn.expect(rb"</auth>")
            conn.send(f"<success xmlns='{NS_SASL}'/>")
            conn.close()
            return
        if where == "mid-stanza":
            logged_in(conn)
            conn.expect_iq("urn:xmpp:ping")
            conn.send("<iq type='result' id='")
            conn.close()
            return
        if where == "reset":
            logged_in(conn)
            conn.expect_iq("urn:xmpp:ping")
            conn.reset()
    return scenario


@pytest.mark.parametrize("where", ["accept", "header", "mid-features", "after-proceed",
                                   "after-success", "mid-stanza", "reset"])
def test_server_closing_is_a_connection_error(hostile, where):
    out = hostile(_closes(where), *PING)
    assert_sane(out, 10)
    assert out.code in (69, 75), out
    assert out.error is not None, out


def test_trickling_server_hits_the_deadline(hostile):
    def scenario(conn):
        conn.expect(rb"<stream:stream\b[^>]*>")
        conn.trickle(HEADER + STARTTLS_FEATURES, 0.25)

    out = hostile(scenario, *PING, timeout=3)
    assert_sane(out, 3 + 3)
    assert out.code == 75, out


def test_server_that_never_answers_auth_hits_the_deadline(hostile):
    def scenario(conn):
        starttls_prelude(conn)
        open_stream(conn, mechanisms("PLAIN"))
        conn.expect(rb"</auth>")
        conn.idle(30)

    out = hostile(scenario, *PING, timeout=3)
    assert_sane(out, 3 + 3)
    assert out.code == 75, out


def test_half_open_server_after_login_hits_the_deadline(hostile):
    def scenario(conn):
        logged_in(conn)
        conn.idle(30)  # reads, never answers: a peer gone while writes still succeed

    out = hostile(scenario, *PING, timeout=3)
    assert_sane(out, 3 + 3)
    assert out.code == 75, out
