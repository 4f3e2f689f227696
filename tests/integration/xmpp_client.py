"""A second XMPP client for the integration tests (python3-slixmpp), driven synchronously: it
logs in as a test user with the run's CA, sends messages or raw stanzas, and collects what it
receives so a test can wait for a stanza with a deadline.

    with XmppClient(server, "alice") as alice:
        alice.send_message(server.jid("bob"), "hello", origin_id="o-1")
        alice.send_raw("<message to='bob@example.test'>...</message>")
        receipt = alice.wait_for(lambda m: m.find("{urn:xmpp:receipts}received") is not None)

slixmpp runs its asyncio loop on a thread of its own; every call hands work to that loop.
"""

from __future__ import annotations

import asyncio
import copy
import queue
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import slixmpp
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

LOGIN_TIMEOUT_S = 30


def stop_client(client, loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
    """Disconnects a slixmpp client running on its own loop thread, cancels what is left on that
    loop and stops it (each step bounded: a client that is already gone needs none of it)."""
    if client is not None and loop.is_running():
        async def shutdown():
            await client.disconnect(wait=2)
            current = asyncio.current_task()
            tasks = [t for t in asyncio.all_tasks() if t is not current]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        future = asyncio.run_coroutine_threadsafe(shutdown(), loop)
        try:
            future.result(10)
        except Exception:  # a client that is already gone has nothing to shut down
            pass
        loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


class XmppClient:
    def __init__(self, server, user: str, resource: str | None = None):
        # A resource of its own per client: a listener filtering on this full JID never sees
        # what an earlier test left behind (offline storage, hibernating sessions).
        resource = resource or f"injector-{uuid.uuid4().hex[:10]}"
        self.jid = f"{server.jid(user)}/{resource}"
        self._server = server
        self._user = user
        self._inbox: queue.Queue = queue.Queue()
        self._ready = threading.Event()
        self._failed: list[str] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._client = None

    # -- lifecycle --------------------------------------------------------------------------

    def __enter__(self) -> "XmppClient":
        self._thread.start()
        if not self._ready.wait(LOGIN_TIMEOUT_S) or self._failed:
            self.close()
            pytest.fail(f"{self.jid} could not log in: {self._failed or 'timeout'}")
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        client = slixmpp.ClientXMPP(self.jid, self._server.password(self._user))
        client.loop = self._loop
        client.ca_certs = Path(self._server.ca)
        client.register_plugin("xep_0030")
        client.add_event_handler("session_start", self._on_start)
        client.add_event_handler("failed_auth", lambda _: self._fail("authentication failed"))
        client.add_event_handler("connection_failed", lambda e: self._fail(f"connection: {e}"))
        # Every inbound message, raw (slixmpp's "message" event skips those without a body, such
        # as receipts): tests look at exactly what arrived.
        client.register_handler(Callback("every message", MatchXPath("{jabber:client}message"),
                                         lambda m: self._inbox.put(copy.deepcopy(m.xml))))
        client.register_handler(Callback("own presence", MatchXPath("{jabber:client}presence"),
                                         self._on_presence))
        self._client = client
        try:
            client.connect((self._server.host, self._server.port))
        except Exception as exc:  # reported to the test by __enter__
            self._fail(f"connect: {exc!r}")
            return
        self._loop.run_forever()

    def _fail(self, why: str) -> None:
        self._failed.append(why)
        self._ready.set()

    async def _on_start(self, _event) -> None:
        self._client.send_presence(ppriority=-1)  # never a target for messages to the bare JID

    def _on_presence(self, presence) -> None:
        # Logged in once the server reflects our initial presence (RFC 6121 §4.2.2): before that,
        # ejabberd does not count this resource as available, and a message routed to it meanwhile
        # is handled like one to the bare JID (its carbon copies skip the top-priority resources).
        if presence.xml.get("from") == self._client.boundjid.full and not presence.xml.get("type"):
            self._ready.set()

    def close(self) -> None:
        stop_client(self._client, self._loop, self._thread)

    # -- sending ----------------------------------------------------------------------------

    def send_raw(self, data: str) -> None:
        """Writes `data` (stanza XML in the jabber:client default namespace) as it is."""
        self._loop.call_soon_threadsafe(self._client.send_raw, data)

    def send_message(self, to: str, body: str | None = None, *, mtype: str = "chat",
                     id: str | None = None, origin_id: str | None = None, receipt: bool = False,
                     subject: str | None = None, oob: str | None = None,
                     extra: str = "") -> None:
        """One <message/> built with ElementTree (so the XML escaping is the library's)."""
        msg = ET.Element("message", {"to": to, "type": mtype})
        if id is not None:
            msg.set("id", id)
        if subject is not None:
            ET.SubElement(msg, "subject").text = subject
        if body is not None:
            ET.SubElement(msg, "body").text = body
        if origin_id is not None:
            ET.SubElement(msg, "{urn:xmpp:sid:0}origin-id", {"id": origin_id})
        if receipt:
            ET.SubElement(msg, "{urn:xmpp:receipts}request")
        if oob is not None:
            x = ET.SubElement(msg, "{jabber:x:oob}x")
            ET.SubElement(x, "{jabber:x:oob}url").text = oob
        text = ET.tostring(msg, encoding="unicode")
        if extra:
            text = text.replace("</message>", extra + "</message>") if text.endswith(
                "</message>") else text[:-2] + ">" + extra + "</message>"
        self.send_raw(text)

    # -- receiving --------------------------------------------------------------------------

    def wait_for(self, predicate, timeout: float = 20) -> ET.Element:
        """The next received <message/> (an ElementTree element, namespaces in {ns} form) for
        which predicate(element) is true; fails the test after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                pytest.fail(f"{self.jid}: no matching message within {timeout}s")
            try:
                message = self._inbox.get(timeout=left)
            except queue.Empty:
                continue
            if predicate(message):
                return message
