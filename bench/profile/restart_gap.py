#!/usr/bin/python3
"""How long the server takes to answer the stream restart after STARTTLS, with and without
TCP_QUICKACK re-armed by the client (PROFILE.md, "the 40 ms stall").

    bench/profile/restart_gap.py [--runs N] DIR      (DIR: a running scripts/test-server)

With TLS 1.3 Prosody writes two NewSessionTicket records right after the handshake. Prosody
leaves Nagle on (net.server_epoll: nagle = true), so its answer to the restarted stream header
waits until the client has acknowledged the tickets, and the client's kernel delays that ACK
(delayed ACK, ~40 ms) because the client has nothing more to send. A client that sets
TCP_QUICKACK after sending the header and after each read acknowledges at once.
"""

import argparse
import shlex
import socket
import ssl
import statistics
import time
from pathlib import Path

HEADER = (b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
          b"xmlns:stream='http://etherx.jabber.org/streams' to='example.test' version='1.0'>")
STARTTLS = b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
TCP_QUICKACK = getattr(socket, "TCP_QUICKACK", 12)


def read_until(sock, token, quickack):
    data = b""
    while token not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise SystemExit("restart_gap: the server closed the connection")
        data += chunk
        if quickack:
            sock.setsockopt(socket.IPPROTO_TCP, TCP_QUICKACK, 1)
    return data


def restart_gap(port, ca, quickack):
    """Seconds from sending the post-TLS stream header to having the server's features."""
    raw = socket.create_connection(("127.0.0.1", port))
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    raw.sendall(HEADER)
    read_until(raw, b"</stream:features>", False)
    raw.sendall(STARTTLS)
    read_until(raw, b"<proceed", False)
    tls = ssl.create_default_context(cafile=ca).wrap_socket(raw, server_hostname="example.test")
    start = time.perf_counter()
    tls.sendall(HEADER)
    if quickack:
        tls.setsockopt(socket.IPPROTO_TCP, TCP_QUICKACK, 1)
    read_until(tls, b"</stream:features>", quickack)
    gap = time.perf_counter() - start
    version = tls.version()
    tls.close()
    return gap, version


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", help="a scripts/test-server directory")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    env = {}
    for line in (Path(args.dir) / "env").read_text().splitlines():
        words = shlex.split(line)
        if len(words) == 2 and "=" in words[1]:
            key, value = words[1].split("=", 1)
            env[key] = value
    port, ca = int(env["XMPP_TEST_PORT"]), env["XMPP_TEST_CA"]
    for quickack in (False, True):
        gaps = []
        version = ""
        for _ in range(args.runs):
            gap, version = restart_gap(port, ca, quickack)
            gaps.append(gap * 1000)
        label = "with TCP_QUICKACK" if quickack else "plain"
        print(f"{label:<18} {version}: restart -> features median {statistics.median(gaps):.1f} ms,"
              f" min {min(gaps):.1f}, max {max(gaps):.1f}")


if __name__ == "__main__":
    main()
