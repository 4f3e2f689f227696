"""Hostile TLS certificates and handshakes: SECURITY.md table (a) rows 26 and 27 (with principle 4:
the certificate is checked against the JID domain, never the SRV target, never the subject CN)
and table (b)'s TLS handshake failures. Every certificate is made for this run by certs.py under
the run's test CA, the only trust anchor the client is given (--ca-file).

Each refusal scenario: the fake server answers <starttls/> with <proceed/> and presents the
certificate; the client must abort the handshake (the server never completes it), exit 77 within
its deadline with an error naming the reason, and send nothing after <starttls/>: no <auth/>, no
stream header. The controls show that each scenario fails for the reason it is about: the same
set-up with the one defect removed logs in."""

from __future__ import annotations

import re
import socket
import ssl
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from certs import NOT_CA, SERVER_AUTH, Cert, CertFactory
from conftest import assert_sane
from fake_server import (DOMAIN, PROCEED, STARTTLS_FEATURES, USER, answer_pings, close_stream,
                         open_stream, plain_login)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from dnsstub import DnsStub  # noqa: E402  (tests/integration is not a package)

PING = ("ping", DOMAIN)
SUB = f"xmpp.{DOMAIN}"  # a JID domain under DOMAIN, for the wildcard rows
SRV_ID = "otherName:1.3.6.1.5.5.7.8.7;IA5STRING:"  # id-on-dnsSRV, RFC 4985


def _file_name(*parts: str) -> str:
    """A certificate's file name from what makes it unique."""
    return re.sub(r"[^A-Za-z0-9.]+", "-", "-".join(parts)).strip("-")


@dataclass
class Handshake:
    """What the server saw of the TLS handshake."""
    result: str = "not started"  # "completed", or the server's error (the client's alert)
    after_failure: bytes = b""  # what the client sent on the TCP connection after a failed one
    closed: bool = False  # the client closed the TCP connection after a failed one


def _read_until_closed(sock: socket.socket, timeout: float) -> tuple[bytes, bool]:
    """What arrives on `sock` until the peer closes it (True) or `timeout` passes (False)."""
    data = b""
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return data, False
        except OSError:
            return data, True
        if not chunk:
            return data, True
        data += chunk
    return data, False


def _login(conn) -> None:
    plain_login(conn)
    answer_pings(conn)
    close_stream(conn)


def _until_closed(conn) -> None:
    conn.wait_closed()


def _tls(record: Handshake, after=_until_closed, context: ssl.SSLContext | None = None,
         direct: bool = False):
    """STARTTLS (or, with `direct`, TLS from the first byte, XEP-0368) with the server's
    certificate, recording how the handshake ended; `after(conn)` plays the rest when it completed
    (by default: read whatever the client sends until it goes). `context` replaces the server's TLS
    settings (protocol versions, ciphers)."""

    def scenario(conn):
        if not direct:
            open_stream(conn, STARTTLS_FEATURES)
            conn.expect(rb"<starttls\b[^>]*/>")
            conn.send(PROCEED)
        if context is not None:
            conn._tls = context  # fake_server.Conn keeps the server's context here
        # A second descriptor of the TCP connection: Python closes the TLS socket when the
        # handshake fails, and what the client sends after that (a plaintext fallback, another
        # try) must still be seen.
        raw = conn._sock.dup()
        try:
            try:
                conn.starttls()
            except (ssl.SSLError, OSError) as error:
                record.result = f"failed: {error}"
                record.after_failure, record.closed = _read_until_closed(raw, 5)
                return
            record.result = "completed"
        finally:
            raw.close()
        after(conn)

    return scenario


def assert_refused(out, record: Handshake, code: str, *words: str, deadline: float = 5) -> None:
    """Exit 77 within `deadline` with error `code` whose message holds each of `words`; the server
    never completed the handshake, and the client sent nothing after it failed and closed the
    connection."""
    assert_sane(out, deadline)
    assert out.code == 77, out
    assert out.error is not None, out
    assert out.error["code"] == code, out
    for word in words:
        assert word in out.error["message"], (word, str(out))
    assert record.result != "completed", f"the client finished the handshake\n{out}"
    assert record.result.startswith("failed"), (record.result, str(out))
    assert "<auth" not in out.server.received, "credentials sent over an unverified connection"
    assert record.after_failure == b"", (record.after_failure, str(out))
    assert record.closed, f"the client left the connection open\n{out}"


def assert_logged_in(out, record: Handshake) -> None:
    assert_sane(out, 10)
    assert out.code == 0, out
    assert record.result == "completed", (record.result, str(out))
    assert "<auth" in out.server.received, out
    assert out.server.error is None, out


def _refuse(hostile, cert: Cert, jid: str = f"{USER}@{DOMAIN}", tls: str = "starttls"):
    record = Handshake()
    out = hostile(_tls(record, direct=tls == "direct"), *PING, server_cert=cert, jid=jid, tls=tls)
    return out, record


# -- the positive control ------------------------------------------------------------------------

def test_correct_certificate_logs_in(hostile, cert_factory):
    good = cert_factory.issue("good", san=f"DNS:{DOMAIN}")
    record = Handshake()
    out = hostile(_tls(record, _login), *PING, server_cert=good)
    assert_logged_in(out, record)


# -- validity dates --------------------------------------------------------------------------------

def test_expired_certificate_is_refused(hostile, cert_factory):
    cert = cert_factory.issue("expired", san=f"DNS:{DOMAIN}", days=(-30, -1))
    out, record = _refuse(hostile, cert)
    assert_refused(out, record, "cert_untrusted", "expired")


def test_not_yet_valid_certificate_is_refused(hostile, cert_factory):
    cert = cert_factory.issue("future", san=f"DNS:{DOMAIN}", days=(1, 30))
    out, record = _refuse(hostile, cert)
    assert_refused(out, record, "cert_untrusted", "not yet valid", "clock")


# -- names: RFC 9525, RFC 6120 §13.7.2 -------------------------------------------------------------

@pytest.mark.parametrize("subject, san, jid_domain", [
    ("/CN=other.test", "DNS:other.test", DOMAIN),
    # Row 27: the subject CN names the domain, the SAN does not: the CN is never consulted.
    (f"/CN={DOMAIN}", "DNS:other.test", DOMAIN),
    # RFC 9525 §6.3: no CN-ID, even when there is no SAN at all.
    (f"/CN={DOMAIN}", None, DOMAIN),
    # Partial wildcards match nothing; x*.example.test would otherwise cover xmpp.example.test.
    ("/O=partial wildcard", f"DNS:x*.{DOMAIN}", SUB),
    ("/O=partial wildcard", f"DNS:*p.{DOMAIN}", SUB),
    # A wildcard never matches the bare domain under it.
    ("/O=wildcard", f"DNS:*.{DOMAIN}", DOMAIN),
    # Not a wildcard for the domain's parent either.
    ("/O=wildcard", f"DNS:*.{SUB}", DOMAIN),
    # An XmppAddr naming an account is not the server's identity (RFC 6120 §13.7.1.4).
    ("/O=xmppaddr", f"otherName:1.3.6.1.5.5.7.8.5;UTF8:{USER}@{DOMAIN}", DOMAIN),
], ids=["wrong-name", "cn-with-other-san", "cn-only", "partial-wildcard-prefix",
        "partial-wildcard-suffix", "wildcard-for-bare-domain", "wildcard-one-level-down",
        "xmppaddr-of-an-account"])
def test_row27_cve_2014_0363_certificate_for_another_name_is_refused(hostile, cert_factory, subject, san, jid_domain):
    cert = cert_factory.issue(_file_name("name", subject, str(san), jid_domain), san=san,
                              subject=subject)
    out, record = _refuse(hostile, cert, jid=f"{USER}@{jid_domain}")
    assert_refused(out, record, "cert_name_mismatch", f"not valid for {jid_domain}")
    if subject.startswith(f"/CN={DOMAIN}"):
        assert f"CN:{DOMAIN} (not used)" in out.error["message"], out


def test_wildcard_control_one_label_matches(hostile, cert_factory):
    """The control of the wildcard rows: "*.example.test" does vouch for xmpp.example.test."""
    cert = cert_factory.issue("wildcard-good", san=f"DNS:*.{DOMAIN}")
    record = Handshake()

    def after(conn):
        conn.expect(rf"<stream:stream\b[^>]*to=['\"]{SUB}['\"]".encode())
        conn.close()

    out = hostile(_tls(record, after), *PING, server_cert=cert, jid=f"{USER}@{SUB}")
    assert record.result == "completed", (record.result, str(out))
    assert out.server.error is None, out  # the client opened the stream over the verified TLS


# -- SRV-IDs (RFC 7673, RFC 4985): libshared/tls/identity.cpp accepts them ------------------------

def test_srv_id_for_the_domain_is_accepted(hostile, cert_factory):
    cert = cert_factory.issue("srv-good", san=f"{SRV_ID}_xmpp-client.{DOMAIN}")
    record = Handshake()
    out = hostile(_tls(record, _login), *PING, server_cert=cert)
    assert_logged_in(out, record)


def test_xmpps_srv_id_is_accepted_on_direct_tls(hostile, cert_factory):
    cert = cert_factory.issue("srv-xmpps-good", san=f"{SRV_ID}_xmpps-client.{DOMAIN}")
    record = Handshake()
    out = hostile(_tls(record, _login, direct=True), *PING, server_cert=cert, tls="direct")
    assert_logged_in(out, record)


@pytest.mark.parametrize("srv_id, tls", [
    ("_xmpp-client.other.test", "starttls"),
    # XEP-0368: "_xmpps-client" names the direct-TLS service only.
    (f"_xmpps-client.{DOMAIN}", "starttls"),
    (f"_xmpp-server.{DOMAIN}", "starttls"),
    ("_xmpp-client.*.test", "starttls"),
    ("_xmpp-client.other.test", "direct"),
], ids=["other-domain", "xmpps-on-starttls", "server-service", "wildcard", "other-domain-direct"])
def test_wrong_srv_id_is_refused(hostile, cert_factory, srv_id, tls):
    cert = cert_factory.issue(_file_name("srv", srv_id.replace("*", "star"), tls),
                              san=f"{SRV_ID}{srv_id}")
    out, record = _refuse(hostile, cert, tls=tls)
    assert_refused(out, record, "cert_name_mismatch", f"not valid for {DOMAIN}", f"SRV:{srv_id}")


# -- row 26: the SRV target's certificate is not the domain's ------------------------------------

HOSTER = "xmpp.hoster.test"


@pytest.fixture
def hoster_dns():
    """A DNS stub per call (stopped after the test) whose SRV record sends example.test's clients
    to HOSTER, which resolves to 127.0.0.1, at the fake server's port; yields (dns, stubs)."""
    stubs: list[DnsStub] = []

    def dns(port: int) -> str:
        stub = DnsStub([(f"_xmpp-client._tcp.{DOMAIN}", "SRV", (0, 5, port, HOSTER)),
                        (HOSTER, "A", "127.0.0.1")])
        stub.start()
        stubs.append(stub)
        return stub.address

    yield dns, stubs
    for stub in stubs:
        stub.stop()


def test_row26_cve_2022_26491_cve_2022_24968_certificate_of_the_srv_target_is_refused(hostile, cert_factory, hoster_dns):
    """_xmpp-client._tcp.example.test points at xmpp.hoster.test, whose certificate names only
    itself: the client must check the JID domain (RFC 6120 §13.7.2.1), not where DNS sent it."""
    dns, stubs = hoster_dns
    cert = cert_factory.issue("hoster", san=f"DNS:{HOSTER}", subject=f"/CN={HOSTER}")
    record = Handshake()
    out = hostile(_tls(record), *PING, server_cert=cert, dns=dns)
    assert_refused(out, record, "cert_name_mismatch", f"not valid for {DOMAIN}", f"DNS:{HOSTER}")
    # It did come through the SRV record (no --host): the row's situation, not a stand-in.
    assert (f"_xmpp-client._tcp.{DOMAIN}", "SRV") in stubs[0].queries
    assert out.server.connections == 1


def test_row26_control_srv_target_with_the_domain_certificate(hostile, hoster_dns):
    """The same DNS, the certificate naming the JID domain: logs in (the set-up is sound)."""
    dns, _ = hoster_dns
    record = Handshake()
    out = hostile(_tls(record, _login), *PING, dns=dns)
    assert_logged_in(out, record)


# -- chain and key usage ---------------------------------------------------------------------------

def test_self_signed_certificate_is_refused(hostile, cert_factory):
    cert = cert_factory.self_signed("self-signed", san=f"DNS:{DOMAIN}")
    out, record = _refuse(hostile, cert)
    assert_refused(out, record, "cert_untrusted", "self-signed")


def test_certificate_from_another_ca_is_refused(hostile, cert_factory, tmp_path):
    """A well-formed certificate for the domain from a CA the client was not told to trust."""
    other = CertFactory(tmp_path / "other-ca")
    cert = other.issue("other-ca-leaf", san=f"DNS:{DOMAIN}", subject=f"/CN={DOMAIN}")
    out, record = _refuse(hostile, cert)
    assert_refused(out, record, "cert_untrusted", "unable to get local issuer certificate")


@pytest.mark.parametrize("extensions, reason", [
    (("extendedKeyUsage=clientAuth", NOT_CA), "unsuitable certificate purpose"),
    (("keyUsage=critical,nonRepudiation,keyCertSign", SERVER_AUTH, NOT_CA),
     "unsuitable certificate purpose"),
    # OpenSSL's TLS-server purpose check passes either of these alone, but every suite the client
    # offers has the server sign with the key: digitalSignature is required (RFC 8446 §4.4.2.2).
    (("keyUsage=critical,keyEncipherment", SERVER_AUTH, NOT_CA), "key usage does not allow"),
    (("keyUsage=critical,keyAgreement", SERVER_AUTH, NOT_CA), "key usage does not allow"),
], ids=["eku-client-auth-only", "key-usage-without-signature-or-encipherment",
        "key-usage-encipherment-only", "key-usage-agreement-only"])
def test_wrong_key_usage_is_refused(hostile, cert_factory, extensions, reason):
    cert = cert_factory.issue(_file_name("usage", *extensions), san=f"DNS:{DOMAIN}",
                              extensions=extensions)
    out, record = _refuse(hostile, cert)
    assert_refused(out, record, "cert_untrusted", reason)


def test_key_usage_control_digital_signature_logs_in(hostile, cert_factory):
    """The control of the key usage rows: digitalSignature alone is what a TLS server key needs."""
    usage = ("keyUsage=critical,digitalSignature", SERVER_AUTH, NOT_CA)
    cert = cert_factory.issue("usage-good", san=f"DNS:{DOMAIN}", extensions=usage)
    record = Handshake()
    out = hostile(_tls(record, _login), *PING, server_cert=cert)
    assert_logged_in(out, record)


def test_leaf_signed_by_a_non_ca_intermediate_is_refused(hostile, cert_factory):
    not_ca = cert_factory.issue("not-ca", san=None, subject="/CN=Not a CA",
                                extensions=(NOT_CA, "keyUsage=critical,keyCertSign"))
    leaf = cert_factory.issue("under-not-ca", san=f"DNS:{DOMAIN}", issuer=not_ca)
    out, record = _refuse(hostile, leaf)
    assert_refused(out, record, "cert_untrusted", "invalid CA certificate", "chain depth 1")


def test_leaf_signed_by_a_ca_intermediate_logs_in(hostile, cert_factory):
    """The control of the previous row: the same chain with CA:TRUE on the intermediate."""
    ca = cert_factory.issue("intermediate", san=None, subject="/CN=Hostile intermediate CA",
                            extensions=("basicConstraints=critical,CA:TRUE,pathlen:0",
                                        "keyUsage=critical,keyCertSign"))
    leaf = cert_factory.issue("under-intermediate", san=f"DNS:{DOMAIN}", issuer=ca)
    record = Handshake()
    out = hostile(_tls(record, _login), *PING, server_cert=leaf)
    assert_logged_in(out, record)


# -- protocol (table (b)) --------------------------------------------------------------------------

def _server_context(cert: dict[str, str], minimum: ssl.TLSVersion, maximum: ssl.TLSVersion,
                    ciphers: str | None = None) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    # OpenSSL 3 allows TLS 1.0/1.1 at security level 0 only: this server really offers them.
    context.set_ciphers(ciphers or "ALL:@SECLEVEL=0")
    context.minimum_version = minimum
    context.maximum_version = maximum
    context.load_cert_chain(cert["cert"], cert["key"])
    return context


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1],
                         ids=["tls1.0", "tls1.1"])
def test_server_without_tls12_is_refused(hostile, certs, version):
    record = Handshake()
    out = hostile(_tls(record, context=_server_context(certs, version, version)), *PING)
    assert_refused(out, record, "tls_failed", "protocol")


def test_server_without_an_aead_cipher_is_refused(hostile, certs):
    """TLS 1.2 with CBC suites only (RFC 9325 §4.2): no shared cipher, no weaker retry."""
    context = _server_context(certs, ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2,
                              "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA")
    record = Handshake()
    out = hostile(_tls(record, context=context), *PING)
    assert_refused(out, record, "tls_failed", "handshake")


def test_tls12_control_logs_in(hostile, certs):
    """The control of the protocol rows: a TLS 1.2-only server with an AEAD suite is fine."""
    context = _server_context(certs, ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2,
                              "ECDHE-ECDSA-AES128-GCM-SHA256")
    record = Handshake()
    out = hostile(_tls(record, _login, context=context), *PING)
    assert_logged_in(out, record)


def test_handshake_timeout_is_temporary(hostile):
    """The server sends <proceed/> and never answers the ClientHello: CLI.md "Exit codes" says a
    timeout is 75 (EX_TEMPFAIL); the client ends at its deadline without sending anything else."""
    def scenario(conn):
        open_stream(conn, STARTTLS_FEATURES)
        conn.expect(rb"<starttls\b[^>]*/>")
        conn.send(PROCEED)
        conn.expect(rb"\x16\x03[\x01-\x03]", timeout=5)  # a TLS handshake record: the ClientHello
        conn.idle(30)

    out = hostile(scenario, *PING, timeout=3)
    assert_sane(out, 3 + 3)
    assert out.code == 75, out
    assert out.error["code"] == "timeout", out
    assert out.server.error is None, out
    assert "<auth" not in out.server.received
