#!/usr/bin/python3
"""Set-up for bench/run's `tree` scenario: log in and create --count pubsub nodes named
PREFIX0000, PREFIX0001, ... on --service (XEP-0060 §8.1), at most --window requests in flight;
close, exit. An existing node (<conflict/>) counts as created, so a kept server can be reused.

Prints {"outcome":"result","seconds":S,"created":N,"existed":M} (slixmpp_oneshot.py has the exit
codes).
"""

import asyncio

from slixmpp.exceptions import IqError

import slixmpp_oneshot


def main():
    p = slixmpp_oneshot.parser(__doc__.splitlines()[0])
    p.add_argument("--service", required=True, help="the pubsub service's JID")
    p.add_argument("--prefix", required=True, help="node names start with this")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--window", type=int, default=32, help="requests in flight (default 32)")
    args = p.parse_args()

    async def create_all(client):
        counts = {"created": 0, "existed": 0}
        window = asyncio.Semaphore(max(1, args.window))

        async def create(name):
            async with window:
                try:
                    await client.plugin["xep_0060"].create_node(args.service, name,
                                                                timeout=args.timeout)
                    counts["created"] += 1
                except IqError as e:
                    if e.condition != "conflict":
                        raise
                    counts["existed"] += 1

        await asyncio.gather(*(create(f"{args.prefix}{i:04d}") for i in range(args.count)))
        return counts

    slixmpp_oneshot.main(args, ["xep_0030", "xep_0060"], create_all)


if __name__ == "__main__":
    main()
