#!/usr/bin/python3
"""A TLS front for scripts/test-server's ejabberd: serves one certificate on one loopback port and
relays each connection, re-encrypted, to the server's direct TLS port.

ejabberd 23.01 picks a listener's certificate by the requested domain from one certificate pool
(no per-listener certificate), so the expired-certificate port (a certificate that expired in
2020, same CA and names as the real one) cannot be one of its own listeners. This process is that
port: a client sees the expired certificate, and a client told to ignore it still reaches the
real server (through a second TLS session, so channel binding (-PLUS) does not work through it).

usage: tls-front.py LISTEN_PORT CERT_PEM KEY_PEM BACKEND_PORT
Binds 127.0.0.1:LISTEN_PORT, writes "ready" to stdout once listening, runs until SIGTERM.
"""

import asyncio
import signal
import ssl
import sys

HOST = "127.0.0.1"
CONNECT_TIMEOUT_S = 10


async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError, OSError):
        pass
    finally:
        writer.close()


async def main() -> int:
    listen_port, cert, key, backend_port = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    served.load_cert_chain(cert, key)
    # The backend is this run's own ejabberd on loopback: its certificate is not the point here.
    backend = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    backend.check_hostname = False
    backend.verify_mode = ssl.CERT_NONE

    async def relay(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.wait_for(
                asyncio.open_connection(HOST, int(backend_port), ssl=backend),
                CONNECT_TIMEOUT_S)
        except (OSError, asyncio.TimeoutError, ssl.SSLError):
            client_writer.close()
            return
        await asyncio.gather(pump(client_reader, server_writer),
                             pump(server_reader, client_writer))

    server = await asyncio.start_server(relay, HOST, int(listen_port), ssl=served,
                                        ssl_handshake_timeout=CONNECT_TIMEOUT_S)
    stop = asyncio.get_running_loop().create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set_result, None)
    print("ready", flush=True)
    async with server:
        await stop
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
