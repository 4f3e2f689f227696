"""A scripted fake XMPP server on 127.0.0.1 for the hostile-server suite (issue 11, SECURITY.md
tables (a) and (b)): what no real server will do on purpose.

A scenario is a Python function that plays the server's side of one connection through a `Conn`:
it waits for what the client must send (`expect`, a regular expression over the bytes not yet
consumed, with a deadline) and sends whatever the row of SECURITY.md calls for, plain or after
STARTTLS with the run's test certificate. The building blocks below (`open_stream`,
`starttls_prelude`, `plain_login`, `logged_in`, SCRAM) give the honest parts of a conversation so
each scenario only writes its hostile part.

    def scenario(conn):
        logged_in(conn)
        iq = conn.expect_iq()
        conn.send(f"<iq type='result' id='{iq.id}' from='mallory@evil.example'/>")
        conn.idle(10)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass

DOMAIN = "example.test"
USER = "alice"
PASSWORD = "hostile-test-password"
FULL_JID = f"{USER}@{DOMAIN}/hostile"

NS_TLS = "urn:ietf:params:xml:ns:xmpp-tls"
NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
NS_BIND = "urn:ietf:params:xml:ns:xmpp-bind"
NS_STREAMS = "urn:ietf:params:xml:ns:xmpp-streams"

HEADER = (f"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
          f"xmlns:stream='http://etherx.jabber.org/streams' from='{DOMAIN}' id='s-1' "
          f"version='1.0' xml:lang='en'>")
STARTTLS_FEATURES = (f"<stream:features><starttls xmlns='{NS_TLS}'><required/></starttls>"
                     f"</stream:features>")
PROCEED = f"<proceed xmlns='{NS_TLS}'/>"
NS_SM = "urn:xmpp:sm:3"
BIND_FEATURES = f"<stream:features><bind xmlns='{NS_BIND}'/></stream:features>"
BIND_SM_FEATURES = (f"<stream:features><bind xmlns='{NS_BIND}'/><sm xmlns='{NS_SM}'/>"
                    f"</stream:features>")


def mechanisms(*names: str) -> str:
    inner = "".join(f"<mechanism>{n}</mechanism>" for n in names)
    return f"<stream:features><mechanisms xmlns='{NS_SASL}'>{inner}</mechanisms></stream:features>"


def stream_error(condition: str, text: str | None = None) -> str:
    body = f"<{condition} xmlns='{NS_STREAMS}'/>"
    if text is not None:
        body += f"<text xmlns='{NS_STREAMS}'>{text}</text>"
    return f"<stream:error>{body}</stream:error></stream:stream>"


class ScenarioError(AssertionError):
    """The client did not send what the scenario waited for."""


@dataclass
class Iq:
    id: str
    type: str
    to: str | None
    raw: str


class Conn:
    """The server's end of one client connection."""

    def __init__(self, sock: socket.socket, tls: ssl.SSLContext):
        self._sock = sock
        self._tls = tls
        self._buffer = b""
        self.received = bytearray()  # every byte the client sent (after TLS: decrypted)
        self.sent = bytearray()

    # -- reading -------------------------------------------------------------------------------
    def _read_some(self, deadline: float) -> bool:
        """Reads what is there; False when the client closed the connection."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout
        self._sock.settimeout(remaining)
        try:
            data = self._sock.recv(65536)
        except (ConnectionResetError, ssl.SSLError, OSError) as error:
            if isinstance(error, socket.timeout):
                raise
            return False
        if not data:
            return False
        self._buffer += data
        self.received += data
        return True

    def expect(self, pattern: str | bytes, timeout: float = 10.0) -> re.Match:
        """Waits until `pattern` matches the unconsumed bytes; consumes them through the match."""
        regex = re.compile(pattern.encode() if isinstance(pattern, str) else pattern, re.S)
        deadline = time.monotonic() + timeout
        while True:
            match = regex.search(self._buffer)
            if match:
                self._buffer = self._buffer[match.end():]
                return match
            try:
                if not self._read_some(deadline):
                    raise ScenarioError(f"client closed before sending {regex.pattern!r}; "
                                        f"unconsumed: {self._buffer[-300:]!r}")
            except socket.timeout:
                raise ScenarioError(f"client did not send {regex.pattern!r} within {timeout} s; "
                                    f"unconsumed: {self._buffer[-300:]!r}") from None

    def expect_iq(self, payload_ns: str | None = None, timeout: float = 10.0) -> Iq:
        """The next iq get/set (with a child in `payload_ns` when given)."""
        pattern = rb"<iq\b[^>]*?(?:/>|>.*?</iq>)"
        deadline = time.monotonic() + timeout
        while True:
            match = self.expect(pattern, max(0.01, deadline - time.monotonic()))
            raw = match.group(0).decode("utf-8", "replace")
            kind = _attr(raw, "type") or ""
            if kind not in ("get", "set"):
                continue
            if payload_ns is None or f"'{payload_ns}'" in raw or f'"{payload_ns}"' in raw:
                return Iq(_attr(raw, "id") or "", kind, _attr(raw, "to"), raw)

    def wait_closed(self, timeout: float = 10.0) -> bool:
        """Reads (and keeps) whatever comes until the client closes; False on timeout."""
        deadline = time.monotonic() + timeout
        try:
            while self._read_some(deadline):
                pass
            return True
        except socket.timeout:
            return False

    def idle(self, seconds: float) -> None:
        """Answers nothing for `seconds` (or until the client goes): a server that hangs."""
        self.wait_closed(seconds)

    # -- writing -------------------------------------------------------------------------------
    def send(self, data: str | bytes) -> None:
        payload = data.encode() if isinstance(data, str) else data
        self.sent += payload
        try:
            self._sock.sendall(payload)
        except OSError:
            pass  # the client went away: what it did about it is the test's question

    def trickle(self, data: str | bytes, interval: float) -> None:
        """Sends one byte every `interval` seconds (a slow server), until done or the client goes."""
        payload = data.encode() if isinstance(data, str) else data
        for i in range(len(payload)):
            try:
                self._sock.sendall(payload[i:i + 1])
            except OSError:
                return
            time.sleep(interval)

    def starttls(self) -> None:
        """The server side of the TLS handshake, on the same TCP connection."""
        self._sock.settimeout(10)
        self._sock = self._tls.wrap_socket(self._sock, server_side=True)
        self._buffer = b""

    def close(self) -> None:
        """Closes the connection (FIN; TLS without close_notify)."""
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()

    def reset(self) -> None:
        """Aborts the connection with a TCP RST."""
        raw = self._sock
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        raw.close()


def _attr(tag: str, name: str) -> str | None:
    match = re.search(rf"\b{name}=(['\"])(.*?)\1", tag.split(">", 1)[0])
    return match.group(2) if match else None


# -- the honest parts of a conversation ---------------------------------------------------------

def open_stream(conn: Conn, features: str) -> None:
    conn.expect(rb"<stream:stream\b[^>]*>")
    conn.send(HEADER + features)


def starttls_prelude(conn: Conn) -> None:
    open_stream(conn, STARTTLS_FEATURES)
    conn.expect(rb"<starttls\b[^>]*/>")
    conn.send(PROCEED)
    conn.starttls()


def bind(conn: Conn, sm: bool = False) -> None:
    """Resource binding; with `sm` the features also offer XEP-0198 stream management."""
    open_stream(conn, BIND_SM_FEATURES if sm else BIND_FEATURES)
    iq = conn.expect_iq(NS_BIND)
    conn.send(f"<iq type='result' id='{iq.id}'><bind xmlns='{NS_BIND}'><jid>{FULL_JID}</jid>"
              f"</bind></iq>")


def plain_login(conn: Conn, sm: bool = False) -> None:
    open_stream(conn, mechanisms("PLAIN"))
    conn.expect(rb"<auth\b[^>]*mechanism=['\"]PLAIN['\"][^>]*>[^<]*</auth>")
    conn.send(f"<success xmlns='{NS_SASL}'/>")
    bind(conn, sm)


def logged_in(conn: Conn, sm: bool = False) -> None:
    """STARTTLS, PLAIN, bind: the client is ready for its command."""
    starttls_prelude(conn)
    plain_login(conn, sm)


def answer_pings(conn: Conn) -> None:
    """Answers the client's XEP-0199 ping (what `xmpp ping DOMAIN` sends)."""
    iq = conn.expect_iq("urn:xmpp:ping")
    conn.send(f"<iq type='result' id='{iq.id}' from='{DOMAIN}'/>")


def close_stream(conn: Conn) -> None:
    conn.expect(rb"</stream:stream>")
    conn.send("</stream:stream>")
    conn.close()


class Scram:
    """The server side of SCRAM-SHA-256 (RFC 5802, RFC 7677) for PASSWORD, with hooks to lie."""

    def __init__(self, iterations: int = 4096, salt: bytes = b"hostile-salt"):
        self.iterations = iterations
        self.salt = salt

    def start(self, conn: Conn) -> tuple[str, str]:
        """Offers only SCRAM-SHA-256 and reads the client-first; returns (bare, client nonce)."""
        open_stream(conn, mechanisms("SCRAM-SHA-256"))
        auth = conn.expect(rb"<auth\b[^>]*>([^<]*)</auth>")
        client_first = base64.b64decode(auth.group(1)).decode()
        bare = client_first.split(",", 2)[2]
        nonce = dict(p.split("=", 1) for p in bare.split(","))["r"]
        return bare, nonce

    def challenge(self, conn: Conn, server_first: str) -> str:
        conn.send(f"<challenge xmlns='{NS_SASL}'>{base64.b64encode(server_first.encode()).decode()}"
                  f"</challenge>")
        response = conn.expect(rb"<response\b[^>]*>([^<]*)</response>")
        return base64.b64decode(response.group(1)).decode()

    def server_signature(self, client_first_bare: str, server_first: str, client_final: str) -> str:
        salted = hashlib.pbkdf2_hmac("sha256", PASSWORD.encode(), self.salt, self.iterations)
        server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
        without_proof = client_final.rsplit(",p=", 1)[0]
        message = f"{client_first_bare},{server_first},{without_proof}".encode()
        return base64.b64encode(hmac.new(server_key, message, hashlib.sha256).digest()).decode()


# -- the server -----------------------------------------------------------------------------------

class FakeServer:
    """Listens on 127.0.0.1 (a free port), plays `scenario` on the first connection, records it.

    Use as a context manager; `error` holds what went wrong inside the scenario (a ScenarioError
    when the client did not send what was expected), re-raised by `check()`.
    """

    def __init__(self, scenario, cert: str, key: str):
        self._scenario = scenario
        self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._tls.load_cert_chain(cert, key)
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(4)
        self.port = self._listener.getsockname()[1]
        self.conn: Conn | None = None
        self.connections = 0
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> "FakeServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._listener.close()
        self._thread.join(timeout=15)

    def _serve(self) -> None:
        try:
            self._listener.settimeout(30)
            sock, _ = self._listener.accept()
        except OSError:
            return
        self.connections += 1
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.conn = Conn(sock, self._tls)
        try:
            self._scenario(self.conn)
        except BaseException as error:  # reported to the test by check()
            self.error = error
        finally:
            try:
                self.conn.close()
            except OSError:
                pass

    def check(self) -> None:
        if self.error is not None:
            raise self.error

    @property
    def received(self) -> str:
        return bytes(self.conn.received).decode("utf-8", "replace") if self.conn else ""


def serve(conn: Conn, on_presence=None, roster: str = "", on_iq=None) -> None:
    """Plays a minimal server after login until the client ends the stream: iq gets and sets get
    an empty result (the roster get gets `roster`, the <item/>s to return), and `on_iq(conn, iq)`
    may answer first (return True when it did). `on_presence(conn)` runs once, after the client's
    first presence (a listener has announced itself, so what is sent next reaches it)."""
    announced = False
    pattern = (rb"</stream:stream>|<iq\b[^>]*?(?:/>|>.*?</iq>)|"
               rb"<presence\b[^>]*?(?:/>|>.*?</presence>)|<message\b[^>]*?(?:/>|>.*?</message>)")
    while True:
        try:
            match = conn.expect(pattern, timeout=30)
        except ScenarioError:
            return  # the client went away without closing the stream: the test judges that
        raw = match.group(0).decode("utf-8", "replace")
        if raw == "</stream:stream>":
            conn.send("</stream:stream>")
            return
        if raw.startswith("<presence") and not announced:
            announced = True
            if on_presence:
                on_presence(conn)
            continue
        if not raw.startswith("<iq"):
            continue
        iq = Iq(_attr(raw, "id") or "", _attr(raw, "type") or "", _attr(raw, "to"), raw)
        if iq.type not in ("get", "set"):
            continue
        if on_iq and on_iq(conn, iq):
            continue
        reply_from = f" from='{iq.to}'" if iq.to else ""
        if "jabber:iq:roster" in raw and iq.type == "get":
            conn.send(f"<iq type='result' id='{iq.id}'><query xmlns='jabber:iq:roster'>{roster}"
                      f"</query></iq>")
        else:
            conn.send(f"<iq type='result' id='{iq.id}'{reply_from}/>")
