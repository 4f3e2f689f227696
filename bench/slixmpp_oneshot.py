"""The common part of the one-request slixmpp peers of bench/run (slixmpp_publish.py,
slixmpp_disco.py): log in, send one request, wait for its answer, close the stream, exit; what
one `xmpp pubsub publish` or `xmpp disco info` process does.

The password is read from --password-file (never argv). TLS is verified against --ca-file with
the JID's domain as the expected name. stdout carries one JSON line
{"outcome":...,"seconds":S,...what the request reported}; diagnostics go to stderr. Exit codes
(as `xmpp`'s and slixmpp_send.py's): 0 answered with a result, 1 answered with an error,
75 timeout, 77 login failed, 69 connection failed.
"""

import argparse
import asyncio
import json
import logging
import sys
import time

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout


def parser(description):
    """The options every one-request peer takes; the script adds its own."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--jid", required=True, help="log in as this JID")
    p.add_argument("--password-file", required=True, help="first line is the password")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5222)
    p.add_argument("--ca-file", required=True, help="trust this CA (TLS is verified)")
    p.add_argument("--timeout", type=float, default=30.0, help="overall deadline, seconds")
    p.add_argument("-v", "--verbose", action="store_true", help="slixmpp debug log on stderr")
    return p


class OneShot(slixmpp.ClientXMPP):
    """Runs `request(client)` (a coroutine returning a dict for the JSON line) once the session
    started, then finishes."""

    def __init__(self, jid, password, plugins, request):
        super().__init__(jid, password)
        for plugin in plugins:
            self.register_plugin(plugin)
        self.request = request
        self.report = {}
        self.outcome = None
        self.done = asyncio.get_event_loop().create_future()
        self.add_event_handler("session_start", self.on_session_start)
        self.add_event_handler("failed_auth", lambda _: self.finish("auth_failed"))
        self.add_event_handler("connection_failed", lambda _: self.finish("connect_failed"))

    def finish(self, outcome):
        if not self.done.done():
            self.outcome = outcome
            self.done.set_result(outcome)

    async def on_session_start(self, _event):
        try:
            self.report = await self.request(self)
            self.finish("result")
        except IqError as e:
            self.report = {"condition": e.condition, "text": e.text}
            self.finish("error")
        except IqTimeout:
            self.finish("timeout")


def read_password(path):
    with open(path, encoding="utf-8") as f:
        return f.readline().rstrip("\r\n")


async def drive(client, args):
    """Connects `client` (STARTTLS, TLS verified against --ca-file), waits until its `done`
    future is set or --timeout passed (outcome "timeout"), closes the stream; returns the
    seconds from connect to closed. Shared by every slixmpp peer of bench/run."""
    client.ca_certs = args.ca_file
    started = time.perf_counter()
    client.connect((args.host, args.port), force_starttls=True)
    try:
        await asyncio.wait_for(client.done, args.timeout)
    except asyncio.TimeoutError:
        client.outcome = "timeout"
    closed = client.disconnected
    try:
        await asyncio.wait_for(client.disconnect(wait=2.0), 5)
        await asyncio.wait_for(closed, 5)
    except asyncio.TimeoutError:
        pass
    elapsed = time.perf_counter() - started
    # slixmpp leaves its filter task running after the stream closed: end it quietly.
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)
    return elapsed


async def run(args, plugins, request):
    client = OneShot(args.jid, read_password(args.password_file), plugins, request)
    elapsed = await drive(client, args)
    print(json.dumps({"outcome": client.outcome, "seconds": round(elapsed, 4),
                      **client.report}), flush=True)
    return {"result": 0, "error": 1, "auth_failed": 77, "connect_failed": 69,
            "timeout": 75}.get(client.outcome, 1)


def main(args, plugins, request):
    """Runs one request as args.jid and exits with its code."""
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.ERROR,
                        format="%(levelname)s %(message)s", stream=sys.stderr)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    sys.exit(loop.run_until_complete(run(args, plugins, request)))
