"""A tiny authoritative DNS server for the integration tests (RFC 1035 wire format, RFC 2782 SRV).

It answers from a fixed table on 127.0.0.1 (UDP, and TCP on the same port number): records for
names in the table, NOERROR with no answer (NODATA) for other types of a known name, NXDOMAIN for
every other name. Standard library only. The product under test is pointed at it with
XMPP_DNS_SERVER=127.0.0.1:PORT.

As a library:
    stub = DnsStub(default_records(domain="example.test", starttls_port=5222, direct_port=5223))
    stub.start(); ...; stub.queries  # [("_xmpp-client._tcp.example.test", "SRV"), ...]
    stub.stop()
As a program (prints 127.0.0.1:PORT on the first line, serves until SIGINT/SIGTERM):
    python3 dnsstub.py --starttls-port 5222 --direct-port 5223 [--domain example.test] [--port 0]
"""

from __future__ import annotations

import argparse
import ipaddress
import signal
import socket
import socketserver
import struct
import sys
import threading

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28,
         "SRV": 33, "OPT": 41, "ANY": 255}
TYPE_NAMES = {v: k for k, v in TYPES.items()}
CLASS_IN = 1
RCODE_NOERROR, RCODE_FORMERR, RCODE_NXDOMAIN, RCODE_NOTIMP = 0, 1, 3, 4
TTL = 60

# Names the SRV records point at. They are outside example.test on purpose: the certificate only
# names example.test, so a client that checks it against the SRV target instead of the JID domain
# (RFC 6120 §13.7.2.1) fails.
STARTTLS_TARGET = "starttls.target.test"
DIRECT_TARGET = "direct.target.test"


def default_records(domain: str, starttls_port: int, direct_port: int,
                    address: str = "127.0.0.1") -> list[tuple[str, str, object]]:
    """The table the test server needs: SRV for DOMAIN and anon.DOMAIN, A records (also for
    upload.DOMAIN, whose HTTPS slot URLs name it), and noservice.DOMAIN whose SRV records say "no
    service here" (target ".", RFC 2782)."""
    records: list[tuple[str, str, object]] = []
    for name in (domain, f"anon.{domain}"):
        records += [
            (f"_xmpp-client._tcp.{name}", "SRV", (0, 5, starttls_port, STARTTLS_TARGET)),
            (f"_xmpps-client._tcp.{name}", "SRV", (0, 5, direct_port, DIRECT_TARGET)),
            (name, "A", address),
        ]
    records += [
        (STARTTLS_TARGET, "A", address),
        (DIRECT_TARGET, "A", address),
        (f"upload.{domain}", "A", address),
        (f"_xmpp-client._tcp.noservice.{domain}", "SRV", (0, 0, 0, ".")),
        (f"_xmpps-client._tcp.noservice.{domain}", "SRV", (0, 0, 0, ".")),
    ]
    return records


def _encode_name(name: str) -> bytes:
    name = name.rstrip(".")
    out = b""
    if name:
        for label in name.split("."):
            raw = label.encode("ascii")
            if not 0 < len(raw) < 64:
                raise ValueError(f"bad label in {name!r}")
            out += bytes([len(raw)]) + raw
    return out + b"\0"


def _decode_name(msg: bytes, offset: int) -> tuple[str, int]:
    labels: list[str] = []
    end = None
    for _ in range(128):  # bounds compression-pointer loops
        length = msg[offset]
        if length & 0xC0 == 0xC0:
            if end is None:
                end = offset + 2
            offset = ((length & 0x3F) << 8) | msg[offset + 1]
            continue
        if length & 0xC0:
            raise ValueError("bad label type")
        offset += 1
        if length == 0:
            return ".".join(labels), (end if end is not None else offset)
        labels.append(msg[offset:offset + length].decode("ascii", "replace"))
        offset += length
    raise ValueError("name too long")


def _rdata(rtype: str, value: object) -> bytes:
    if rtype == "A":
        return ipaddress.IPv4Address(value).packed
    if rtype == "AAAA":
        return ipaddress.IPv6Address(value).packed
    if rtype == "SRV":
        priority, weight, port, target = value
        return struct.pack("!HHH", priority, weight, port) + _encode_name(target)
    if rtype == "CNAME":
        return _encode_name(value)
    raise ValueError(f"unsupported record type {rtype}")


class DnsStub:
    """Serves RECORDS, a list of (name, type, value): A/AAAA value is an address string, SRV value
    is (priority, weight, port, target), CNAME value is a name. Thread-safe query log."""

    def __init__(self, records, host: str = "127.0.0.1", port: int = 0):
        self._table: dict[tuple[str, int], list[bytes]] = {}
        self._names: set[str] = set()
        for name, rtype, value in records:
            key = (name.rstrip(".").lower(), TYPES[rtype])
            self._table.setdefault(key, []).append(_rdata(rtype, value))
            self._names.add(key[0])
        self._host, self._want_port = host, port
        self._lock = threading.Lock()
        self._queries: list[tuple[str, str]] = []
        self._servers: list[socketserver.BaseServer] = []
        self._threads: list[threading.Thread] = []
        self.port = 0

    @property
    def address(self) -> str:
        return f"{self._host}:{self.port}"

    @property
    def queries(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self._queries)

    def answer(self, query: bytes) -> bytes | None:
        """The response to one DNS message, or None if it is too broken to answer."""
        if len(query) < 12:
            return None
        ident, flags, qdcount = struct.unpack("!HHH", query[:6])
        if flags & 0x8000:
            return None  # a response, not a query
        opcode = (flags >> 11) & 0xF
        rd = flags & 0x0100

        def reply(rcode: int, question: bytes = b"", answers: list[bytes] | None = None) -> bytes:
            answers = answers or []
            out_flags = 0x8000 | (opcode << 11) | 0x0400 | rd | 0x0080 | rcode
            header = struct.pack("!HHHHHH", ident, out_flags, 1 if question else 0,
                                 len(answers), 0, 0)
            return header + question + b"".join(answers)

        if opcode != 0:
            return reply(RCODE_NOTIMP)
        if qdcount != 1:
            return reply(RCODE_FORMERR)
        try:
            qname, offset = _decode_name(query, 12)
            qtype, qclass = struct.unpack("!HH", query[offset:offset + 4])
        except (ValueError, IndexError, struct.error):
            return reply(RCODE_FORMERR)
        question = query[12:offset + 4]
        name = qname.rstrip(".").lower()
        with self._lock:
            self._queries.append((name, TYPE_NAMES.get(qtype, str(qtype))))
        if qclass != CLASS_IN or name not in self._names:
            return reply(RCODE_NXDOMAIN, question)
        wanted = [t for (n, t) in self._table if n == name] if qtype == TYPES["ANY"] else [qtype]
        answers = []
        owner = _encode_name(name)
        for rtype in wanted:
            for rdata in self._table.get((name, rtype), []):
                answers.append(owner + struct.pack("!HHIH", rtype, CLASS_IN, TTL, len(rdata)) + rdata)
        return reply(RCODE_NOERROR, question, answers)

    def start(self) -> "DnsStub":
        stub = self

        class Udp(socketserver.BaseRequestHandler):
            def handle(self):
                data, sock = self.request
                response = stub.answer(data)
                if response is not None:
                    sock.sendto(response, self.client_address)

        class Tcp(socketserver.BaseRequestHandler):
            def handle(self):
                self.request.settimeout(5)
                try:
                    while True:
                        head = self._read(2)
                        if head is None:
                            return
                        body = self._read(struct.unpack("!H", head)[0])
                        if body is None:
                            return
                        response = stub.answer(body)
                        if response is None:
                            return
                        self.request.sendall(struct.pack("!H", len(response)) + response)
                except OSError:
                    return

            def _read(self, n):
                buf = b""
                while len(buf) < n:
                    chunk = self.request.recv(n - len(buf))
                    if not chunk:
                        return None
                    buf += chunk
                return buf

        class UdpServer(socketserver.ThreadingUDPServer):
            daemon_threads = True

        class TcpServer(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        # Same port number for UDP and TCP; retry if TCP finds it taken.
        for _ in range(20):
            udp = UdpServer((self._host, self._want_port), Udp)
            port = udp.server_address[1]
            try:
                tcp = TcpServer((self._host, port), Tcp)
            except OSError:
                udp.server_close()
                if self._want_port:
                    raise
                continue
            break
        else:
            raise OSError("could not bind UDP and TCP on one port")
        self.port = port
        self._servers = [udp, tcp]
        for server in self._servers:
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                      daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers, self._threads = [], []

    def __enter__(self) -> "DnsStub":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def query(server: str, name: str, rtype: str, timeout: float = 5.0) -> tuple[int, list[tuple[str, object]]]:
    """A minimal UDP client (for tests of the stub): returns (rcode, [(type, value), ...])."""
    host, port = server.rsplit(":", 1)
    ident = 0x4242
    msg = struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0) + _encode_name(name) + \
        struct.pack("!HH", TYPES[rtype], CLASS_IN)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.sendto(msg, (host, int(port)))
        data, _ = sock.recvfrom(4096)
    got_ident, flags, qdcount, ancount = struct.unpack("!HHHH", data[:8])
    if got_ident != ident or not flags & 0x8000:
        raise ValueError("not a response to our query")
    offset = 12
    for _ in range(qdcount):
        _, offset = _decode_name(data, offset)
        offset += 4
    answers = []
    for _ in range(ancount):
        _, offset = _decode_name(data, offset)
        atype, _, _, rdlength = struct.unpack("!HHIH", data[offset:offset + 10])
        offset += 10
        rdata = data[offset:offset + rdlength]
        if atype == TYPES["A"]:
            value: object = str(ipaddress.IPv4Address(rdata))
        elif atype == TYPES["SRV"]:
            priority, weight, port_ = struct.unpack("!HHH", rdata[:6])
            value = (priority, weight, port_, _decode_name(data, offset + 6)[0] or ".")
        else:
            value = rdata
        answers.append((TYPE_NAMES.get(atype, str(atype)), value))
        offset += rdlength
    return flags & 0xF, answers


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="DNS stub for the xmpp integration tests")
    parser.add_argument("--domain", default="example.test")
    parser.add_argument("--starttls-port", type=int, required=True)
    parser.add_argument("--direct-port", type=int, required=True)
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any free)")
    args = parser.parse_args(argv)
    stub = DnsStub(default_records(args.domain, args.starttls_port, args.direct_port),
                   port=args.port).start()
    print(stub.address, flush=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    stub.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
