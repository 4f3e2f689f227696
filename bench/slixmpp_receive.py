#!/usr/bin/python3
"""The delivery check for bench/run: log in with slixmpp, count the messages that arrive.

Prints {"ready":true} once online (available presence, priority 0, so messages to the bare JID
reach this resource: RFC 6121 §8.5.2.1.1), then {"received":N,...} on stdout when it ends: after
--count messages whose body starts with --prefix, at --timeout, on SIGTERM/SIGINT, or with
--stop-on-eof when stdin reaches EOF. With --report-every N it also prints {"progress":N,"t":...}
after every N matching messages; "t" and the final "last_arrival" are CLOCK_MONOTONIC seconds.

--archiving never sets this account's XEP-0313 default archiving preference first, so the
server's file-backed message archive does not become the bottleneck of a throughput run (it is
a per-account preference the server keeps; bench/run sets it for every account it uses).
--setup-only exits right after that (and prints {"ready":true}).

Exit codes: 0 done (the count reached, or no count given), 75 timeout short of the count,
77 login failed, 69 connection failed.
"""

import argparse
import asyncio
import json
import logging
import signal
import sys
import time
import xml.etree.ElementTree as ET

import slixmpp

NS_MAM = "urn:xmpp:mam:2"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jid", required=True, help="log in as this JID")
    parser.add_argument("--password-file", required=True, help="first line is the password")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5222)
    parser.add_argument("--ca-file", required=True, help="trust this CA (TLS is verified)")
    parser.add_argument("--count", type=int, default=0, help="stop after N matching messages")
    parser.add_argument("--prefix", default="", help="count only bodies with this prefix")
    parser.add_argument("--report-every", type=int, default=0,
                        help='print {"progress":N} after every N matching messages')
    parser.add_argument("--archiving", choices=["always", "never", "roster"],
                        help="set the XEP-0313 default archiving preference first")
    parser.add_argument("--stop-on-eof", action="store_true", help="end when stdin is closed")
    parser.add_argument("--setup-only", action="store_true", help="exit after the setup")
    parser.add_argument("--timeout", type=float, default=600.0, help="overall deadline, seconds")
    parser.add_argument("-v", "--verbose", action="store_true", help="slixmpp debug log on stderr")
    return parser.parse_args()


def read_password(path):
    with open(path, encoding="utf-8") as f:
        return f.readline().rstrip("\r\n")


def emit(obj):
    print(json.dumps(obj), flush=True)


class Receiver(slixmpp.ClientXMPP):
    """Counts chat/normal messages whose body starts with the prefix."""

    def __init__(self, jid, password, args):
        super().__init__(jid, password)
        self.args = args
        self.received = 0
        self.last_arrival = None
        self.outcome = None
        self.done = asyncio.get_event_loop().create_future()
        self.add_event_handler("session_start", self.on_session_start)
        self.add_event_handler("message", self.on_message)
        self.add_event_handler("failed_auth", lambda _: self.finish("auth_failed"))
        self.add_event_handler("connection_failed", lambda _: self.finish("connect_failed"))

    def finish(self, outcome):
        if not self.done.done():
            self.outcome = outcome
            self.done.set_result(outcome)

    async def on_session_start(self, _event):
        if self.args.archiving:
            iq = self.make_iq_set()
            iq.append(ET.Element(f"{{{NS_MAM}}}prefs", {"default": self.args.archiving}))
            try:
                await iq.send(timeout=30)
            except (slixmpp.exceptions.IqError, slixmpp.exceptions.IqTimeout) as e:
                logging.error("setting the archiving preference failed: %s", e)
                self.finish("setup_failed")
                return
        if self.args.setup_only:
            emit({"ready": True})
            self.finish("setup")
            return
        self.send_presence()
        emit({"ready": True})

    def on_message(self, msg):
        if msg["type"] not in ("chat", "normal") or not msg["body"].startswith(self.args.prefix):
            return
        self.received += 1
        self.last_arrival = time.monotonic()
        every = self.args.report_every
        if every and self.received % every == 0:
            emit({"progress": self.received, "t": time.monotonic()})
        if self.args.count and self.received >= self.args.count:
            self.finish("received")


async def run(args):
    client = Receiver(args.jid, read_password(args.password_file), args)
    client.ca_certs = args.ca_file
    loop = asyncio.get_event_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, client.finish, "stopped")
    if args.stop_on_eof:
        loop.add_reader(sys.stdin.fileno(),
                        lambda: sys.stdin.buffer.read1(4096) or client.finish("stopped"))
    started = time.perf_counter()
    client.connect((args.host, args.port), force_starttls=True)
    try:
        await asyncio.wait_for(asyncio.shield(client.done), args.timeout)
    except asyncio.TimeoutError:
        client.outcome = "timeout"
    elapsed = time.perf_counter() - started
    closed = client.disconnected
    try:
        await asyncio.wait_for(client.disconnect(wait=2.0), 5)
        await asyncio.wait_for(closed, 5)
    except asyncio.TimeoutError:
        pass
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)
    emit({"received": client.received, "last_arrival": client.last_arrival,
          "seconds": round(elapsed, 4), "outcome": client.outcome})
    if client.outcome in ("received", "setup", "stopped") or (
            client.outcome == "timeout" and not args.count):
        return 0
    return {"auth_failed": 77, "connect_failed": 69, "timeout": 75}.get(client.outcome, 1)


def main():
    args = parse_args()
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.ERROR,
                        format="%(levelname)s %(message)s", stream=sys.stderr)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    sys.exit(loop.run_until_complete(run(args)))


if __name__ == "__main__":
    main()
