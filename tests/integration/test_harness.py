"""Checks of the test harness itself, independent of the binary: the throwaway server offers
what the other tests rely on, and the DNS stub answers as documented."""

import base64
import os
import re
import socket
import ssl
import stat
import time

import pytest

from dnsstub import DIRECT_TARGET, STARTTLS_TARGET, query

DEADLINE_S = 15


def read_until(sock, marker: bytes) -> bytes:
    data = b""
    deadline = time.monotonic() + DEADLINE_S
    while marker not in data:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            pytest.fail(f"no {marker!r} within {DEADLINE_S}s; got {data!r}")
        sock.settimeout(remaining)
        chunk = sock.recv(65536)
        if not chunk:
            pytest.fail(f"connection closed before {marker!r}; got {data!r}")
        data += chunk
    return data


def open_stream(sock, domain) -> bytes:
    sock.sendall(f"<?xml version='1.0'?><stream:stream to='{domain}' version='1.0' "
                 "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>".encode())
    return read_until(sock, b"</stream:features>")


def mechanisms(features: bytes) -> set:
    return set(re.findall(rb"<mechanism>([^<]+)</mechanism>", features))


def tls_context(server) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=server.ca)
    return context


def test_direct_tls_port_is_tls12_and_offers_scram_plus(server):
    with socket.create_connection((server.host, server.direct_port), timeout=DEADLINE_S) as raw:
        with tls_context(server).wrap_socket(raw, server_hostname=server.domain) as tls:
            assert tls.version() == "TLSv1.2"
            offered = mechanisms(open_stream(tls, server.domain))
    assert b"SCRAM-SHA-1-PLUS" in offered
    assert b"SCRAM-SHA-1" in offered


def test_starttls_port_is_tls13_and_offers_scram_without_plus(server, server_kind):
    with socket.create_connection((server.host, server.port), timeout=DEADLINE_S) as raw:
        features = open_stream(raw, server.domain)
        assert b"urn:ietf:params:xml:ns:xmpp-tls" in features
        assert b"<required" in features  # c2s_require_encryption
        assert not mechanisms(features)  # nothing offered before TLS
        raw.sendall(b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        read_until(raw, b"<proceed")
        with tls_context(server).wrap_socket(raw, server_hostname=server.domain) as tls:
            assert tls.version() == "TLSv1.3"
            offered = mechanisms(open_stream(tls, server.domain))
    assert b"SCRAM-SHA-1" in offered
    # Prosody 0.12 binds only tls-unique and so offers no -PLUS on TLS 1.3; ejabberd 23.01 offers
    # SCRAM-SHA-1-PLUS there all the same (test_connect checks that logins work on both).
    if server_kind == "prosody":
        assert b"SCRAM-SHA-1-PLUS" not in offered


def test_expired_port_serves_an_expired_certificate(server):
    context = tls_context(server)
    with socket.create_connection((server.host, server.expired_port), timeout=DEADLINE_S) as raw:
        with pytest.raises(ssl.SSLCertVerificationError, match="expired"):
            context.wrap_socket(raw, server_hostname=server.domain)


def test_other_ca_does_not_verify_the_server(server):
    context = ssl.create_default_context(cafile=server.other_ca)
    with socket.create_connection((server.host, server.direct_port), timeout=DEADLINE_S) as raw:
        with pytest.raises(ssl.SSLCertVerificationError):
            context.wrap_socket(raw, server_hostname=server.domain)


def test_anonymous_host_offers_anonymous(server):
    with socket.create_connection((server.host, server.direct_port), timeout=DEADLINE_S) as raw:
        with tls_context(server).wrap_socket(raw, server_hostname=server.anon_domain) as tls:
            assert mechanisms(open_stream(tls, server.anon_domain)) == {b"ANONYMOUS"}


def test_password_files_are_private(server):
    for user in ("alice", "bob", "carol", "admin"):
        mode = stat.S_IMODE(os.stat(server.password_file(user)).st_mode)
        assert mode == 0o600, f"{user}: {oct(mode)}"
        assert len(server.password(user)) >= 16


def test_dns_stub_answers(server, dns):
    rcode, answers = query(dns.address, f"_xmpp-client._tcp.{server.domain}", "SRV")
    assert (rcode, answers) == (0, [("SRV", (0, 5, server.port, STARTTLS_TARGET))])
    rcode, answers = query(dns.address, f"_xmpps-client._tcp.{server.domain}", "SRV")
    assert (rcode, answers) == (0, [("SRV", (0, 5, server.direct_port, DIRECT_TARGET))])
    assert query(dns.address, DIRECT_TARGET, "A") == (0, [("A", "127.0.0.1")])
    assert query(dns.address, DIRECT_TARGET, "AAAA") == (0, [])  # NODATA, not NXDOMAIN
    assert query(dns.address, f"nowhere.{server.domain}", "A") == (3, [])
    assert query(dns.address, f"_xmpp-client._tcp.nowhere.{server.domain}", "SRV") == (3, [])
    assert query(dns.address, f"_xmpp-client._tcp.noservice.{server.domain}", "SRV") == \
        (0, [("SRV", (0, 0, 0, "."))])


class MiniClient:
    """Just enough XMPP to check the server's configuration: direct TLS, SASL PLAIN, bind, iq."""

    def __init__(self, server, user):
        self.count = 0
        raw = socket.create_connection((server.host, server.direct_port), timeout=DEADLINE_S)
        self.sock = tls_context(server).wrap_socket(raw, server_hostname=server.domain)
        open_stream(self.sock, server.domain)
        token = base64.b64encode(f"\0{user}\0{server.password(user)}".encode()).decode()
        self.sock.sendall(f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"
                          f"{token}</auth>".encode())
        assert b"<success" in read_until(self.sock, b"/>")
        open_stream(self.sock, server.domain)
        self.iq("set", None, "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>")

    def iq(self, kind, to, payload) -> bytes:
        self.count += 1
        ident = f"h{self.count}"
        to_attr = f" to='{to}'" if to else ""
        self.sock.sendall(f"<iq type='{kind}' id='{ident}'{to_attr}>{payload}</iq>".encode())
        data = b""
        while not re.search(rf"<iq[^>]*id=['\"]{ident}['\"].*?(/>|</iq>)".encode(), data, re.S):
            data += read_until(self.sock, b">")
        return data

    def close(self):
        self.sock.sendall(b"</stream:stream>")
        self.sock.close()


def test_components_are_configured(server):
    client = MiniClient(server, "alice")
    try:
        items = client.iq("get", server.domain,
                          "<query xmlns='http://jabber.org/protocol/disco#items'/>")
        for component in ("conference", "pubsub", "proxy", "upload"):
            assert f"jid='{component}.{server.domain}'".encode() in items, items
        streamhost = client.iq("get", f"proxy.{server.domain}",
                               "<query xmlns='http://jabber.org/protocol/bytestreams'/>")
        assert re.search(rb"host=['\"]127\.0\.0\.1['\"]", streamhost), streamhost
        assert re.search(rf"port=['\"]{server['XMPP_TEST_PROXY_PORT']}['\"]".encode(),
                         streamhost), streamhost
        slot = client.iq("get", f"upload.{server.domain}",
                         "<request xmlns='urn:xmpp:http:upload:0' filename='a.txt' size='5' "
                         "content-type='text/plain'/>")
        assert f"https://upload.{server.domain}:{server['XMPP_TEST_HTTPS_PORT']}/".encode() in slot, slot
    finally:
        client.close()
