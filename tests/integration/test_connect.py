"""Reaching and trusting the server: TLS modes and versions, certificates and pins, SASL
mechanisms, DNS (SRV through the stub), connection failures. Exit codes: CLI.md."""

import base64
import os
import re
import socket

from conftest import assert_ok, free_port
from dnsstub import DIRECT_TARGET, STARTTLS_TARGET

TLS12 = re.compile(r"TLS\s*v?1[._]2", re.I)
TLS13 = re.compile(r"TLS\s*v?1[._]3", re.I)


def auth_mechanism(trace: str):
    """The mechanism named by the first <auth/> sent in a --trace file."""
    match = re.search(r"<auth\b[^>]*\bmechanism=(['\"])([^'\"]+)\1", trace)
    return match.group(2) if match else None


# --- TLS modes and versions ----------------------------------------------------------------

def test_starttls_port_negotiates_tls13(run_xmpp, server):
    run = run_xmpp("-v", "--tls", "starttls", "ping", server.domain, port=server.port)
    assert_ok(run)
    assert TLS13.search(run.stderr), str(run)
    # The default login works on TLS 1.3 whatever the server offers: without an XEP-0440 list
    # (neither server sends one) it is plain SCRAM, since a -PLUS offer there may bind only
    # tls-unique, which TLS 1.3 lacks (ejabberd 23.01 offers SCRAM-SHA-1-PLUS and does so).
    match = re.search(r"authenticated with (\S+),", run.stderr)
    assert match and match.group(1).startswith("SCRAM-"), str(run)
    assert not match.group(1).endswith("-PLUS"), str(run)


def test_direct_tls_port_negotiates_tls12(run_xmpp, server):
    run = run_xmpp("-v", "--tls", "direct", "ping", server.domain, port=server.direct_port)
    assert_ok(run)
    assert TLS12.search(run.stderr), str(run)


def test_tls_auto_with_explicit_port(run_xmpp, server):
    run = run_xmpp("ping", server.domain, port=server.port)
    assert_ok(run)


# --- SASL ----------------------------------------------------------------------------------

def test_sasl_scram_sha1_on_starttls(run_xmpp, server, tmp_path):
    trace = tmp_path / "trace"
    run = run_xmpp("--sasl", "SCRAM-SHA-1", "--tls", "starttls", "--trace", trace, "ping",
                   server.domain, port=server.port)
    assert_ok(run)
    assert auth_mechanism(trace.read_text(errors="replace")) == "SCRAM-SHA-1", str(run)


def test_sasl_scram_sha1_plus_on_direct_tls12(run_xmpp, server, tmp_path):
    trace = tmp_path / "trace"
    run = run_xmpp("--sasl", "SCRAM-SHA-1-PLUS", "--tls", "direct", "--trace", trace, "ping",
                   server.domain, port=server.direct_port)
    assert_ok(run)
    assert auth_mechanism(trace.read_text(errors="replace")) == "SCRAM-SHA-1-PLUS", str(run)


def test_default_mechanism_prefers_plus(run_xmpp, server, tmp_path):
    # The strongest offered: on the TLS 1.2 port Prosody 0.12 offers SCRAM-SHA-1-PLUS.
    trace = tmp_path / "trace"
    run = run_xmpp("--tls", "direct", "--trace", trace, "ping", server.domain,
                   port=server.direct_port)
    assert_ok(run)
    assert auth_mechanism(trace.read_text(errors="replace")) == "SCRAM-SHA-1-PLUS", str(run)


def test_sasl_plus_not_offered_is_refused(run_xmpp, server):
    # TLS 1.3 on the STARTTLS port has no tls-unique: Prosody offers no -PLUS there, ejabberd
    # offers it but cannot check tls-exporter. Asking for -PLUS must never fall back to a login
    # without channel binding: exit 77 on both.
    run = run_xmpp("--sasl", "SCRAM-SHA-1-PLUS", "--tls", "starttls", "ping", server.domain,
                   port=server.port)
    assert run.code == 77, str(run)
    assert re.search(r"SASL|authenticat|channel.binding|mechanism", run.stderr, re.I), str(run)


def test_anonymous_login(run_xmpp, server):
    run = run_xmpp("--anonymous", "ping", server.anon_domain, user=None,
                   env={"XMPP_JID": server.anon_domain})
    assert_ok(run)


def test_wrong_password(run_xmpp, server, tmp_path):
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-password\n")
    os.chmod(wrong, 0o600)
    run = run_xmpp("ping", server.domain, password_file=wrong)
    assert run.code == 77, str(run)
    assert re.search(r"authenticat|not-authorized", run.stderr, re.I), str(run)


# --- certificates and pins -------------------------------------------------------------------

def test_certificate_from_another_ca(run_xmpp, server):
    run = run_xmpp("ping", server.domain, ca_file=server.other_ca)
    assert run.code == 77, str(run)


def test_expired_certificate(run_xmpp, server):
    run = run_xmpp("--tls", "direct", "ping", server.domain, port=server.expired_port)
    assert run.code == 77, str(run)


def test_insecure_skips_verification_with_warning(run_xmpp, server):
    run = run_xmpp("--insecure", "ping", server.domain, ca_file=server.other_ca)
    assert_ok(run)
    assert re.search(r"insecure|warning", run.stderr, re.I), str(run)


def test_pin_mismatch(run_xmpp, server):
    wrong_pin = base64.b64encode(bytes(range(32))).decode()
    run = run_xmpp("--pin", wrong_pin, "ping", server.domain)
    assert run.code == 77, str(run)


def test_pin_match(run_xmpp, server, spki_pin):
    run = run_xmpp("--pin", spki_pin, "ping", server.domain)
    assert_ok(run)


def test_pin_repeatable_one_matches(run_xmpp, server, spki_pin):
    wrong_pin = base64.b64encode(bytes(range(32))).decode()
    run = run_xmpp("--pin", wrong_pin, "--pin", spki_pin, "--tls", "direct", "ping", server.domain,
                   port=server.direct_port)
    assert_ok(run)


# --- DNS and connecting ----------------------------------------------------------------------

def test_srv_resolution(run_xmpp, server, dns):
    before = len(dns.queries)
    run = run_xmpp("ping", server.domain, host=None, port=None)
    assert_ok(run)
    asked = dns.queries[before:]
    assert any(name.endswith(f"._tcp.{server.domain}") and rtype == "SRV" for name, rtype in asked), \
        f"{run}\nDNS queries: {asked}"


def test_srv_direct_tls_only(run_xmpp, server, dns_stub):
    stub = dns_stub([
        (f"_xmpps-client._tcp.{server.domain}", "SRV", (0, 5, server.direct_port, DIRECT_TARGET)),
        (DIRECT_TARGET, "A", "127.0.0.1"),
    ])
    run = run_xmpp("ping", server.domain, host=None, port=None, dns_server=stub.address)
    assert_ok(run)
    assert (f"_xmpps-client._tcp.{server.domain}", "SRV") in stub.queries, str(run)


def test_srv_starttls_only(run_xmpp, server, dns_stub):
    stub = dns_stub([
        (f"_xmpp-client._tcp.{server.domain}", "SRV", (0, 5, server.port, STARTTLS_TARGET)),
        (STARTTLS_TARGET, "A", "127.0.0.1"),
    ])
    run = run_xmpp("ping", server.domain, host=None, port=None, dns_server=stub.address)
    assert_ok(run)
    assert (f"_xmpp-client._tcp.{server.domain}", "SRV") in stub.queries, str(run)


def test_srv_falls_back_to_the_next_record(run_xmpp, server, dns_stub):
    # RFC 6120 §3.2.1: the first record (priority 0) leads to a closed port; the next one works.
    stub = dns_stub([
        (f"_xmpps-client._tcp.{server.domain}", "SRV", (0, 5, free_port(), DIRECT_TARGET)),
        (f"_xmpp-client._tcp.{server.domain}", "SRV", (10, 5, server.port, STARTTLS_TARGET)),
        (DIRECT_TARGET, "A", "127.0.0.1"),
        (STARTTLS_TARGET, "A", "127.0.0.1"),
    ])
    run = run_xmpp("ping", server.domain, host=None, port=None, dns_server=stub.address)
    assert_ok(run)


def test_srv_moves_on_from_a_target_that_accepts_and_then_hangs(run_xmpp, server, dns_stub):
    # A stopped cluster node (issue 12): its kernel still completes the TCP handshake, but no
    # stream header ever comes. After the negotiation step's timeout the login goes on to the
    # next SRV target in the same attempt (no --retries needed), within the command's deadline.
    hung = socket.socket()
    hung.bind(("127.0.0.1", 0))
    hung.listen(8)  # never accepted, never answered
    try:
        stub = dns_stub([
            (f"_xmpp-client._tcp.{server.domain}", "SRV", (0, 5, hung.getsockname()[1],
                                                           "node1." + STARTTLS_TARGET)),
            (f"_xmpp-client._tcp.{server.domain}", "SRV", (10, 5, server.port, STARTTLS_TARGET)),
            ("node1." + STARTTLS_TARGET, "A", "127.0.0.1"),
            (STARTTLS_TARGET, "A", "127.0.0.1"),
        ])
        run = run_xmpp("-v", "ping", server.domain, host=None, port=None,
                       dns_server=stub.address)
    finally:
        hung.close()
    assert_ok(run)
    assert f"connected to 127.0.0.1:{server.port}" in run.stderr, str(run)


def test_domain_that_does_not_resolve(run_xmpp, server):
    domain = f"nowhere.{server.domain}"
    run = run_xmpp("ping", domain, host=None, port=None, env={"XMPP_JID": f"alice@{domain}"})
    assert run.code == 68, str(run)


def test_srv_says_no_service(run_xmpp, server):
    domain = f"noservice.{server.domain}"
    run = run_xmpp("ping", domain, host=None, port=None, env={"XMPP_JID": f"alice@{domain}"})
    assert run.code == 68, str(run)


def test_closed_port(run_xmpp, server):
    run = run_xmpp("ping", server.domain, port=free_port())
    assert run.code == 69, str(run)
