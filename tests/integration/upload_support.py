"""Helpers for the XEP-0363 HTTP File Upload tests: the run's HTTPS upload port, fetching a slot
URL with the run's CA, and a raw XMPP inbox that watches what a user receives.

Nothing here resolves names: connections go to 127.0.0.1 with the URL's host name as SNI and as
the name the certificate must carry (the certificate names *.example.test).
"""

from __future__ import annotations

import re
import socket
import ssl
import time
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest

from test_harness import MiniClient

DEADLINE_S = 30
OOB_NS = "jabber:x:oob"


def https_port(server) -> int:
    return int(server["XMPP_TEST_HTTPS_PORT"])


def tls_context(cafile: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=cafile)


def https_request(server, method: str, url: str, body: bytes = b"", headers=None,
                  cafile: str | None = None) -> tuple[int, dict, bytes]:
    """One HTTP/1.1 request over TLS to 127.0.0.1:<the URL's port>, verified against `cafile`
    (default: the run's CA) for the URL's host. Returns (status, headers, body)."""
    import http.client

    parts = urlsplit(url)
    assert parts.scheme == "https", url
    port = parts.port or 443
    raw = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE_S)
    sock = tls_context(cafile or server.ca).wrap_socket(raw, server_hostname=parts.hostname)
    conn = http.client.HTTPConnection(parts.hostname, port, timeout=DEADLINE_S)
    conn.sock = sock
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, target or "/", body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def download(server, url: str) -> bytes:
    status, _, body = https_request(server, "GET", url)
    assert status == 200, f"GET {url}: HTTP {status}"
    return body


def request_slot(server, user: str, filename: str, size: int,
                 content_type: str = "application/octet-stream") -> tuple[str, str, dict]:
    """A slot from upload.DOMAIN over a raw XMPP session: (put_url, get_url, put_headers)."""
    client = MiniClient(server, user)
    try:
        reply = client.iq("get", f"upload.{server.domain}",
                          f"<request xmlns='urn:xmpp:http:upload:0' filename='{filename}' "
                          f"size='{size}' content-type='{content_type}'/>").decode()
    finally:
        client.close()
    iq = re.search(r"<iq\b.*?</iq>", reply, re.S)
    assert iq, reply
    root = ET.fromstring(iq.group(0))
    ns = "{urn:xmpp:http:upload:0}"
    put = root.find(f"{ns}slot/{ns}put")
    get = root.find(f"{ns}slot/{ns}get")
    assert put is not None and get is not None, reply
    headers = {h.get("name"): h.text or "" for h in put.findall(f"{ns}header")}
    return put.get("url"), get.get("url"), headers


class Inbox:
    """A user's raw XMPP session, available (so messages to the bare JID reach it), collecting the
    <message/> stanzas that arrive."""

    def __init__(self, server, user: str):
        self.server = server
        self.client = MiniClient(server, user)
        self.client.sock.sendall(b"<presence/>")
        self.buffer = b""
        self.messages: list[ET.Element] = []

    def _pump(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            pytest.fail(f"no matching message within {DEADLINE_S}s; got {self.messages!r}")
        self.client.sock.settimeout(remaining)
        try:
            chunk = self.client.sock.recv(65536)
        except (socket.timeout, TimeoutError):
            return
        if not chunk:
            pytest.fail("the inbox connection was closed")
        self.buffer += chunk
        while True:
            match = re.search(rb"<message\b[^>]*?(?:/>|>.*?</message>)", self.buffer, re.S)
            if not match:
                break
            self.buffer = self.buffer[match.end():]
            self.messages.append(ET.fromstring(match.group(0)))

    def wait_for(self, predicate, timeout: float = DEADLINE_S) -> ET.Element:
        """The first message (already received or arriving) for which predicate is true."""
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for message in self.messages[seen:]:
                if predicate(message):
                    return message
            seen = len(self.messages)
            self._pump(deadline)

    def close(self) -> None:
        self.client.close()


def send_marker(server, sender: str, to: str) -> str:
    """Sends a message with a unique body from `sender` over a raw session and returns the body:
    once the inbox has it, anything sent to `to` before it has arrived too."""
    marker = f"marker-{time.monotonic_ns()}"
    client = MiniClient(server, sender)
    try:
        client.sock.sendall(f"<message to='{to}' type='chat'><body>{marker}</body></message>"
                            .encode())
        # An iq round trip: the server has routed the message once the reply is back.
        client.iq("get", server.domain, "<ping xmlns='urn:xmpp:ping'/>")
    finally:
        client.close()
    return marker


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def body_of(message: ET.Element) -> str | None:
    """The text of the message's <body/> (the stream's namespace may or may not be spelled)."""
    for child in message:
        if _local(child.tag) == "body" and not child.tag.startswith("{jabber:x"):
            return child.text or ""
    return None


def oob_url_of(message: ET.Element) -> str | None:
    """The <url/> of the message's XEP-0066 <x xmlns='jabber:x:oob'/>, if any."""
    x = message.find(f"{{{OOB_NS}}}x")
    if x is None:
        return None
    url = x.find(f"{{{OOB_NS}}}url")
    return None if url is None else (url.text or "")
