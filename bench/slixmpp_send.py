#!/usr/bin/python3
"""The slixmpp peer for bench/run: send each stdin line as one message, wait for the server's
acknowledgement of every one, close the stream and exit.

Acknowledgement is XEP-0198 (stream management, slixmpp's xep_0198 plugin): the run ends when the
server's <a h=.../> covers every message sent. A server without stream management gets one
XEP-0199 ping to the server after the last message instead: the server handles a session's
stanzas in order, so its pong means every message before it was processed.

The password is read from --password-file (never argv). TLS is verified against --ca-file with
the JID's domain as the expected name. stdout carries one JSON line; diagnostics go to stderr.
Prints {"sent":N,"acked":M,"seconds":S,"outcome":...}. Exit codes (as `xmpp`'s): 0 all
acknowledged, 1 not all, 75 timeout, 77 login failed, 69 connection failed.
"""

import argparse
import asyncio
import json
import logging
import sys

import slixmpp
from slixmpp.plugins.xep_0198 import stanza as sm_stanza

from slixmpp_oneshot import drive, read_password


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jid", required=True, help="log in as this JID")
    parser.add_argument("--password-file", required=True, help="first line is the password")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5222)
    parser.add_argument("--ca-file", required=True, help="trust this CA (TLS is verified)")
    parser.add_argument("--to", required=True, help="recipient JID")
    parser.add_argument("--window", type=int, default=5,
                        help="XEP-0198 <r/> every N stanzas (slixmpp's default: 5)")
    parser.add_argument("--timeout", type=float, default=120.0, help="overall deadline, seconds")
    parser.add_argument("-v", "--verbose", action="store_true", help="slixmpp debug log on stderr")
    return parser.parse_args()


class Sender(slixmpp.ClientXMPP):
    """Sends the lines once the session starts; finishes when all are acknowledged."""

    def __init__(self, jid, password, to, lines, window):
        super().__init__(jid, password)
        self.to = to
        self.lines = lines
        self.pending = set()
        self.acked = 0
        self.outcome = None
        self.done = asyncio.get_event_loop().create_future()
        self.sm_offered = False
        self.sm_settled = asyncio.get_event_loop().create_future()
        self.register_plugin("xep_0198", {"window": max(1, window), "allow_resume": False})
        self.register_plugin("xep_0199")
        self.add_event_handler("session_start", self.on_session_start)
        self.add_event_handler("stanza_acked", self.on_acked)
        self.add_event_handler("sm_enabled", lambda _: self.settle_sm(True))
        self.add_event_handler("sm_failed", lambda _: self.settle_sm(False))
        self.add_event_handler("failed_auth", lambda _: self.finish("auth_failed"))
        self.add_event_handler("connection_failed", lambda _: self.finish("connect_failed"))

    def finish(self, outcome):
        if not self.done.done():
            self.outcome = outcome
            self.done.set_result(outcome)

    async def _handle_stream_features(self, features):
        # Remember whether the post-login features offer XEP-0198 (slixmpp raises no event
        # for the features themselves).
        if "bind" in features["features"]:
            self.sm_offered = "sm" in features["features"]
        return await super()._handle_stream_features(features)

    def settle_sm(self, enabled):
        if not self.sm_settled.done():
            self.sm_settled.set_result(enabled)

    def on_acked(self, stanza):
        if isinstance(stanza, slixmpp.Message) and stanza["id"] in self.pending:
            self.pending.discard(stanza["id"])
            self.acked += 1
            if not self.pending:
                self.finish("acked")

    async def on_session_start(self, _event):
        # slixmpp starts the session at bind, before <enable/>: wait for <enabled/> or
        # <failed/> so every message is counted by stream management.
        sm = self.sm_offered and await self.sm_settled
        for line in self.lines:
            message = self.make_message(mto=self.to, mbody=line, mtype="chat")
            message["id"] = self.new_id()
            self.pending.add(message["id"])
            message.send()
        if not self.lines:
            self.finish("acked")
        elif sm:
            # The window may end short of the last message: ask for the final <a/>. Through
            # the send queue, behind the messages (the plugin's request_ack() bypasses it).
            self.send(sm_stanza.RequestAck(self))
        else:
            await self.plugin["xep_0199"].ping(self.boundjid.domain, timeout=60)
            self.acked = len(self.lines)
            self.finish("acked")


async def run(args):
    lines = [line.rstrip("\n") for line in sys.stdin]
    client = Sender(args.jid, read_password(args.password_file), args.to, lines, args.window)
    elapsed = await drive(client, args)
    print(json.dumps({"sent": len(client.lines), "acked": client.acked,
                      "seconds": round(elapsed, 4), "outcome": client.outcome}), flush=True)
    if client.outcome == "acked":
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
