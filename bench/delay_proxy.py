#!/usr/bin/python3
"""A TCP proxy on 127.0.0.1 that delays every chunk by a fixed time in each direction.

    bench/delay_proxy.py --to-port PORT --delay-ms D [--port 0] [--to-host 127.0.0.1]

Listens on 127.0.0.1:--port (0: a free port), prints that port on stdout as one line once it
listens, and forwards each connection to --to-host:--to-port. Every chunk read from either side
is written to the other D ms after it arrived (so a round trip through it takes 2 D more),
chunks in the order they came, end of stream (a half close) likewise. A chunk's forward is
scheduled for its arrival + D: the pipe is not slowed down by the delay, only shifted by it, so
several requests in flight each take one round trip, as on a real network. It never looks into
the bytes (TLS goes through untouched). Stops on SIGTERM or SIGINT; then writes one JSON line to
stderr: connections, chunks and bytes forwarded, and the largest lateness of a forward past its
due time (the event loop's timer resolution and load). Python standard library only.
"""

import argparse
import asyncio
import json
import signal
import sys

CHUNK = 65536


class Stats:
    def __init__(self):
        self.connections = 0
        self.chunks = 0
        self.bytes = 0
        self.max_late_ms = 0.0


async def pump(reader, writer, delay, stats):
    """Reads chunks from reader and writes each to writer at its arrival + delay, in order."""
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def forward():
        while True:
            due, chunk = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            stats.max_late_ms = max(stats.max_late_ms, (loop.time() - due) * 1000)
            if chunk is None:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(chunk)
            stats.chunks += 1
            stats.bytes += len(chunk)
            await writer.drain()

    sender = asyncio.create_task(forward())
    try:
        while True:
            chunk = await reader.read(CHUNK)
            # The due time is taken when the chunk arrives; a constant delay keeps the order.
            queue.put_nowait((loop.time() + delay, chunk or None))
            if not chunk:
                break
        await sender
    except (ConnectionError, OSError):
        # A reset on one side: close the other, so its pump ends too instead of waiting for
        # a peer that will never hear about it.
        sender.cancel()
        writer.close()
    except asyncio.CancelledError:
        sender.cancel()
        raise


async def serve(args, stats):
    delay = args.delay_ms / 1000

    async def on_client(c_reader, c_writer):
        stats.connections += 1
        try:
            s_reader, s_writer = await asyncio.open_connection(args.to_host, args.to_port)
        except OSError:
            c_writer.close()
            return
        try:
            await asyncio.gather(pump(c_reader, s_writer, delay, stats),
                                 pump(s_reader, c_writer, delay, stats))
        finally:
            for w in (c_writer, s_writer):
                w.close()

    server = await asyncio.start_server(on_client, "127.0.0.1", args.port)
    print(server.sockets[0].getsockname()[1], flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--to-port", type=int, required=True, help="the server's port")
    p.add_argument("--to-host", default="127.0.0.1", help="the server's address (127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port to listen on (0: a free one)")
    p.add_argument("--delay-ms", type=float, required=True,
                   help="delay of every chunk, each direction (round trip: twice this)")
    args = p.parse_args()
    if args.to_host != "127.0.0.1":
        sys.exit("delay_proxy: only 127.0.0.1 is forwarded to")
    stats = Stats()
    asyncio.run(serve(args, stats))
    print(json.dumps({"connections": stats.connections, "chunks": stats.chunks,
                      "bytes": stats.bytes, "max_late_ms": round(stats.max_late_ms, 2)}),
          file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
