"""A scripted Jingle file SENDER for the hostile-peer tests (python3-slixmpp), driven synchronously
like xmpp_client.py: it sends whatever session-initiate a test builds (raw XML, so that it can lie:
bad names, sizes, block sizes, candidates, initiator), answers every inbound iq set with an empty
result, collects every inbound iq (sets, results and errors) so a test waits for the one it needs
with a deadline, and sends raw IBB <open/>, <data/> and <close/>.

    with JinglePeer(server, "bob") as bob:
        sid = bob.offer(receiver_jid, name="../../etc/passwd", data=b"hello")
        bob.wait_jingle(sid, "session-accept")
        bob.send_ibb(receiver_jid, sid, b"hello")
"""

from __future__ import annotations

import asyncio
import base64
import copy
import hashlib
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest
import slixmpp
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from xmpp_client import LOGIN_TIMEOUT_S, stop_client

JINGLE = "urn:xmpp:jingle:1"
FT = "urn:xmpp:jingle:apps:file-transfer:5"
IBB_TRANSPORT = "urn:xmpp:jingle:transports:ibb:1"
S5B_TRANSPORT = "urn:xmpp:jingle:transports:s5b:1"
IBB = "http://jabber.org/protocol/ibb"
HASHES = "urn:xmpp:hashes:2"
CLIENT = "jabber:client"


def sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def file_description(name: str | None, size: int | str | None, hash_b64: str | None) -> str:
    """A XEP-0234 <description/> whose fields are given as they are (None leaves one out)."""
    parts = []
    if name is not None:
        parts.append(f"<name>{escape(name)}</name>")
    if size is not None:
        parts.append(f"<size>{escape(str(size))}</size>")
    if hash_b64 is not None:
        parts.append(f"<hash xmlns='{HASHES}' algo='sha-256'>{hash_b64}</hash>")
    return f"<description xmlns='{FT}'><file>{''.join(parts)}</file></description>"


def ibb_transport(sid: str, block_size: int | str = 4096) -> str:
    return f"<transport xmlns='{IBB_TRANSPORT}' sid={quoteattr(sid)} block-size='{block_size}'/>"


def s5b_transport(sid: str, jid: str, candidates: list[tuple[str, int]]) -> str:
    """A XEP-0260 transport (mode tcp) with one direct candidate of `jid` per (host, port)."""
    cands = "".join(
        f"<candidate cid='c{i}' host={quoteattr(host)} jid={quoteattr(jid)} port='{port}'"
        f" priority='{8257536 - i}' type='direct'/>" for i, (host, port) in enumerate(candidates))
    return f"<transport xmlns='{S5B_TRANSPORT}' sid={quoteattr(sid)} mode='tcp'>{cands}</transport>"


class JinglePeer:
    def __init__(self, server, user: str, resource: str | None = None):
        resource = resource or f"peer-{uuid.uuid4().hex[:10]}"
        self.jid = f"{server.jid(user)}/{resource}"
        self._server = server
        self._user = user
        self._iqs: list[ET.Element] = []
        self._cond = threading.Condition()
        self._ready = threading.Event()
        self._failed: list[str] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._client = None
        self.auto_result = True  # answer inbound iq sets with an empty result
        self.offer_iq: dict[str, str] = {}  # sid -> the id of its session-initiate iq

    # -- lifecycle --------------------------------------------------------------------------

    def __enter__(self) -> "JinglePeer":
        self._thread.start()
        if not self._ready.wait(LOGIN_TIMEOUT_S) or self._failed:
            self.close()
            pytest.fail(f"{self.jid} could not log in: {self._failed or 'timeout'}")
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        stop_client(self._client, self._loop, self._thread)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        client = slixmpp.ClientXMPP(self.jid, self._server.password(self._user))
        client.loop = self._loop
        client.ca_certs = Path(self._server.ca)
        client.add_event_handler("session_start", self._on_start)
        client.add_event_handler("failed_auth", lambda _: self._fail("authentication failed"))
        client.add_event_handler("connection_failed", lambda e: self._fail(f"connection: {e}"))
        # Every inbound iq, raw: a handler that matches them all also keeps slixmpp from
        # answering sets with feature-not-implemented on its own.
        client.register_handler(Callback("every iq", MatchXPath("{jabber:client}iq"), self._on_iq))
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
        self._client.send_presence(ppriority=-1)
        self._ready.set()

    def _on_iq(self, iq) -> None:
        element = copy.deepcopy(iq.xml)
        if self.auto_result and element.get("type") == "set":
            result = ET.Element("iq", {"type": "result", "id": element.get("id", ""),
                                       "to": element.get("from", "")})
            self._client.send_raw(ET.tostring(result, encoding="unicode"))
        with self._cond:
            self._iqs.append(element)
            self._cond.notify_all()

    # -- sending ----------------------------------------------------------------------------

    def send_raw(self, data: str) -> None:
        self._loop.call_soon_threadsafe(self._client.send_raw, data)

    def send_iq_set(self, to: str, payload: str) -> str:
        """Sends <iq type='set'> with `payload` (raw XML) to `to`; returns its id."""
        iq_id = f"iq-{uuid.uuid4().hex[:12]}"
        self.send_raw(f"<iq type='set' to={quoteattr(to)} id='{iq_id}'>{payload}</iq>")
        return iq_id

    def initiate(self, to: str, content: str, sid: str | None = None,
                 initiator: str | None = None) -> tuple[str, str]:
        """A session-initiate carrying `content` (raw <content/> children); returns (sid, iq id).
        `initiator` defaults to our own full JID."""
        sid = sid or f"s-{uuid.uuid4().hex[:12]}"
        jingle = (f"<jingle xmlns='{JINGLE}' action='session-initiate' sid={quoteattr(sid)}"
                  f" initiator={quoteattr(initiator or self.jid)}><content creator='initiator'"
                  f" name='file' senders='initiator'>{content}</content></jingle>")
        return sid, self.send_iq_set(to, jingle)

    def offer(self, to: str, *, name: str | None = "file.bin", data: bytes = b"",
              size=None, hash_b64=True,
              block_size: int | str = 4096, initiator: str | None = None,
              transport: str | None = None) -> str:
        """An IBB file offer; size defaults to len(data), the hash to data's SHA-256 (pass
        hash_b64=None to leave it out, size='' and so on to lie). Returns the sid (the Jingle and
        the IBB sid are the same); offer_iq[sid] is the id of the session-initiate iq."""
        sid = f"s-{uuid.uuid4().hex[:12]}"
        if size is None:
            size = len(data)
        elif size is OMIT:
            size = None
        digest = sha256_b64(data) if hash_b64 is True else hash_b64
        content = file_description(name, size, digest) + (transport or ibb_transport(sid,
                                                                                     block_size))
        self.offer_iq[sid] = self.initiate(to, content, sid=sid, initiator=initiator)[1]
        return sid

    def ibb_open(self, to: str, sid: str, block_size: int = 4096) -> str:
        return self.send_iq_set(
            to, f"<open xmlns='{IBB}' sid={quoteattr(sid)} block-size='{block_size}' stanza='iq'/>")

    def ibb_data(self, to: str, sid: str, seq: int, text: str) -> str:
        """One <data/> with `text` as its (base64 or not) content."""
        return self.send_iq_set(to, f"<data xmlns='{IBB}' sid={quoteattr(sid)} seq='{seq}'>"
                                    f"{escape(text)}</data>")

    def ibb_close(self, to: str, sid: str) -> str:
        return self.send_iq_set(to, f"<close xmlns='{IBB}' sid={quoteattr(sid)}/>")

    def terminate(self, to: str, sid: str, reason: str = "success") -> str:
        return self.send_iq_set(to, f"<jingle xmlns='{JINGLE}' action='session-terminate'"
                                    f" sid={quoteattr(sid)}><reason><{reason}/></reason></jingle>")

    # -- receiving --------------------------------------------------------------------------

    @property
    def iqs(self) -> list[ET.Element]:
        with self._cond:
            return list(self._iqs)

    def wait_iq(self, predicate, timeout: float = 20, what: str = "iq") -> ET.Element:
        """The first collected inbound iq (old or new) for which predicate(iq) is true; fails the
        test after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for iq in self._iqs:
                    if predicate(iq):
                        return iq
                left = deadline - time.monotonic()
                if left <= 0:
                    pytest.fail(f"{self.jid}: no {what} within {timeout}s; got:\n"
                                + "\n".join(ET.tostring(i, encoding="unicode")
                                            for i in self._iqs))
                self._cond.wait(left)

    def wait_reply(self, iq_id: str, timeout: float = 20) -> ET.Element:
        """The result or error answering our iq `iq_id`."""
        return self.wait_iq(lambda iq: iq.get("id") == iq_id
                            and iq.get("type") in ("result", "error"), timeout, f"reply to {iq_id}")

    def wait_jingle(self, sid: str, actions, timeout: float = 20) -> ET.Element:
        """The inbound <jingle/> (the element, not the iq) with this sid and one of `actions`."""
        if isinstance(actions, str):
            actions = (actions,)
        found = self.wait_iq(lambda iq: (j := jingle_of(iq)) is not None and j.get("sid") == sid
                             and j.get("action") in actions, timeout, f"jingle {actions} {sid}")
        return jingle_of(found)

    def jingles(self, sid: str | None = None) -> list[ET.Element]:
        return [j for iq in self.iqs if (j := jingle_of(iq)) is not None
                and (sid is None or j.get("sid") == sid)]

    # -- a whole transfer -------------------------------------------------------------------

    def send_ibb(self, to: str, sid: str, data: bytes, block_size: int = 4096,
                 timeout: float = 20) -> list[ET.Element]:
        """open, data in block_size chunks (each waited for), close; returns the replies, and
        stops at the first error reply."""
        replies = [self.wait_reply(self.ibb_open(to, sid, block_size), timeout)]
        if replies[-1].get("type") == "error":
            return replies
        for seq, start in enumerate(range(0, len(data), block_size)):
            chunk = base64.b64encode(data[start:start + block_size]).decode()
            replies.append(self.wait_reply(self.ibb_data(to, sid, seq, chunk), timeout))
            if replies[-1].get("type") == "error":
                return replies
        replies.append(self.wait_reply(self.ibb_close(to, sid), timeout))
        return replies


OMIT = object()  # offer(size=OMIT): no <size/> at all


def jingle_of(iq: ET.Element) -> ET.Element | None:
    return iq.find(f"{{{JINGLE}}}jingle")
