"""Multi-user chat rooms (XEP-0045) on the test Prosody, prepared with python3-slixmpp so that the
integration tests of `xmpp send --muc` and `xmpp listen --muc` find the rooms they need.

Every function logs in as a test user (its password from the server directory, the run's CA,
STARTTLS on 127.0.0.1), does its work and logs out; `Occupant` keeps a user in a room on a thread
of its own until closed. Rooms live on the server's MUC service `conference.<domain>`.

    from muc_rooms import create_room, room_features, post_messages, Occupant

    room = room_jid(server, "secret")
    create_room(server, "admin", room, password="s3cret", members_only=True, members=["alice"])
    assert "muc_passwordprotected" in room_features(server, "bob", room)
    with Occupant(server, "bob", room, "bobby") as bob:   # in the room until the block ends
        ...                                               # bob.wait_message(lambda m: ...)

Errors raise RoomError (a refused join, an iq error, a timeout), so a test fails loudly.
Prosody lets one account join a room several times under the same nick (one occupant, several
sessions; XEP-0045 §7.2.8): a nick conflict needs two different accounts.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Optional

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

TIMEOUT_S = 20

NS_MUC = "http://jabber.org/protocol/muc"
NS_MUC_USER = "http://jabber.org/protocol/muc#user"
NS_MUC_OWNER = "http://jabber.org/protocol/muc#owner"
NS_MUC_ADMIN = "http://jabber.org/protocol/muc#admin"
NS_DATA = "jabber:x:data"
NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"
NS_DELAY = "urn:xmpp:delay"
NS_CLIENT = "jabber:client"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"


class RoomError(Exception):
    """A room refused us, an iq failed, or nothing came in time. `condition` is the stanza error
    condition when there is one ("not-authorized", "conflict", ...), else "timeout" or ""."""

    def __init__(self, message: str, condition: str = ""):
        super().__init__(message)
        self.condition = condition


def muc_service(server) -> str:
    """The test server's MUC service (scripts/test-server: Component "conference.<domain>")."""
    return f"conference.{server.domain}"


def room_jid(server, name: str) -> str:
    """name@conference.<domain>"""
    return f"{name}@{muc_service(server)}"


@dataclass
class RoomMessage:
    """A groupchat message as an occupant saw it."""
    sender: str                    # from: room@service/nick, or the bare room JID
    body: Optional[str]
    subject: Optional[str]
    delay_from: Optional[str]      # 'from' of a XEP-0203 <delay/> (the room for history)
    delay_stamp: Optional[str]


# ---------------------------------------------------------------------------------------------
# One logged-in slixmpp client, driven from a coroutine.

class _Client(slixmpp.ClientXMPP):
    def __init__(self, server, user: str, resource: str):
        super().__init__(f"{server.jid(user)}/{resource}", server.password(user))
        self.ca_certs = Path(server.ca)
        self._started = asyncio.get_running_loop().create_future()
        self.add_event_handler("session_start", self._on_start)
        self.add_event_handler("failed_auth", self._on_failure)
        self.add_event_handler("connection_failed", self._on_failure)
        self.add_event_handler("disconnected", self._on_failure)

    def _on_start(self, _event) -> None:
        if not self._started.done():
            self._started.set_result(None)

    def _on_failure(self, event) -> None:
        if not self._started.done():
            self._started.set_exception(
                RoomError(f"{self.boundjid.bare}: could not log in ({event})"))

    async def start(self, server) -> None:
        # An address skips SRV: nothing but the test server's loopback port is contacted.
        self.connect((server.host, server.port))
        await asyncio.wait_for(self._started, TIMEOUT_S)

    async def stop(self) -> None:
        try:
            await asyncio.wait_for(self.disconnect(), TIMEOUT_S)
        except asyncio.TimeoutError:
            self.abort()

    # ---- stanzas ----

    def watch(self, xpath: str, handler) -> Callable[[], None]:
        """Calls handler(stanza) for each inbound stanza matching xpath; returns the remover."""
        name = f"muc_rooms-{id(handler)}"
        self.register_handler(Callback(name, MatchXPath(xpath), handler))
        return lambda: self.remove_handler(name)

    async def request(self, iq, what: str):
        try:
            return await iq.send(timeout=TIMEOUT_S)
        except IqError as exc:
            condition = exc.iq["error"]["condition"]
            text = exc.iq["error"]["text"]
            detail = f" ({text})" if text else ""
            raise RoomError(f"{what}: {condition}{detail}", condition) from None
        except IqTimeout:
            raise RoomError(f"{what}: no answer within {TIMEOUT_S} s", "timeout") from None

    async def join(self, room: str, nick: str, password: Optional[str] = None,
                   history: Optional[int] = 0) -> set[str]:
        """Joins and waits for our self-presence (110); returns its status codes."""
        occupant = f"{room}/{nick}"
        done = asyncio.get_running_loop().create_future()

        def on_presence(pres) -> None:
            if done.done() or pres["from"].bare != room:
                return
            if pres["type"] == "error" and pres["from"].full in (occupant, room):
                condition = pres["error"]["condition"]
                done.set_exception(RoomError(f"joining {room} as {nick}: {condition}", condition))
                return
            x = pres.xml.find(f"{{{NS_MUC_USER}}}x")
            if x is None:
                return
            codes = {s.get("code") for s in x.findall(f"{{{NS_MUC_USER}}}status")}
            if "110" in codes:
                done.set_result(codes)

        remove = self.watch(f"{{{NS_CLIENT}}}presence", on_presence)
        try:
            pres = self.make_presence(pto=occupant)
            x = ET.SubElement(pres.xml, f"{{{NS_MUC}}}x")
            if password is not None:
                ET.SubElement(x, f"{{{NS_MUC}}}password").text = password
            if history is not None:
                ET.SubElement(x, f"{{{NS_MUC}}}history", {"maxstanzas": str(history)})
            pres.send()
            try:
                return await asyncio.wait_for(done, TIMEOUT_S)
            except asyncio.TimeoutError:
                raise RoomError(f"joining {room} as {nick}: no self-presence within {TIMEOUT_S} s",
                                "timeout") from None
        finally:
            remove()

    async def leave(self, room: str, nick: str) -> None:
        """Sends unavailable presence and waits for the room's unavailable self-presence."""
        occupant = f"{room}/{nick}"
        done = asyncio.get_running_loop().create_future()

        def on_presence(pres) -> None:
            if not done.done() and pres["from"].full == occupant and \
                    pres["type"] in ("unavailable", "error"):
                done.set_result(None)

        remove = self.watch(f"{{{NS_CLIENT}}}presence", on_presence)
        try:
            self.make_presence(pto=occupant, ptype="unavailable").send()
            try:
                await asyncio.wait_for(done, TIMEOUT_S)
            except asyncio.TimeoutError:
                raise RoomError(f"leaving {room}: no answer within {TIMEOUT_S} s",
                                "timeout") from None
        finally:
            remove()

    async def configure(self, room: str, fields: dict[str, Iterable[str] | str]) -> None:
        """Submits a muc#roomconfig form with just these fields (XEP-0045 §10.2)."""
        query = ET.Element(f"{{{NS_MUC_OWNER}}}query")
        form = ET.SubElement(query, f"{{{NS_DATA}}}x", {"type": "submit"})
        values = {"FORM_TYPE": "http://jabber.org/protocol/muc#roomconfig", **fields}
        for var, value in values.items():
            field = ET.SubElement(form, f"{{{NS_DATA}}}field", {"var": var})
            for v in ([value] if isinstance(value, str) else value):
                ET.SubElement(field, f"{{{NS_DATA}}}value").text = v
        iq = self.make_iq_set(ito=room)
        iq.append(query)
        await self.request(iq, f"configuring {room}")

    async def set_affiliation(self, room: str, jid: str, affiliation: str) -> None:
        query = ET.Element(f"{{{NS_MUC_ADMIN}}}query")
        ET.SubElement(query, f"{{{NS_MUC_ADMIN}}}item", {"jid": jid, "affiliation": affiliation})
        iq = self.make_iq_set(ito=room)
        iq.append(query)
        await self.request(iq, f"making {jid} {affiliation} of {room}")

    async def disco_info(self, jid: str) -> tuple[set[str], dict[str, list[str]]]:
        """(features, {var: values} of the muc#roominfo form) of a disco#info query (XEP-0030)."""
        iq = self.make_iq_get(queryxmlns=NS_DISCO_INFO, ito=jid)
        result = await self.request(iq, f"disco#info of {jid}")
        query = result.xml.find(f"{{{NS_DISCO_INFO}}}query")
        features = {f.get("var") for f in query.findall(f"{{{NS_DISCO_INFO}}}feature")}
        info: dict[str, list[str]] = {}
        for form in query.findall(f"{{{NS_DATA}}}x"):
            for field in form.findall(f"{{{NS_DATA}}}field"):
                values = field.findall(f"{{{NS_DATA}}}value")
                info[field.get("var")] = [v.text or "" for v in values]
        return features, info

    async def groupchat(self, room: str, nick: str, body: Optional[str] = None,
                        subject: Optional[str] = None) -> None:
        """Sends a groupchat message and waits for the room to reflect it (§7.4), so it is in the
        room's history when this returns."""
        occupant = f"{room}/{nick}"
        done = asyncio.get_running_loop().create_future()
        msg = self.make_message(mto=room, mtype="groupchat")
        if body is not None:
            msg["body"] = body
        if subject is not None:
            ET.SubElement(msg.xml, f"{{{NS_CLIENT}}}subject").text = subject
        msg_id = msg["id"] = self.new_id()

        def on_message(reflected) -> None:
            if done.done() or reflected["from"].full != occupant:
                return
            if reflected["type"] == "error":
                done.set_exception(RoomError(
                    f"message to {room}: {reflected['error']['condition']}",
                    reflected["error"]["condition"]))
            elif reflected["id"] == msg_id or (body is not None and reflected["body"] == body):
                done.set_result(None)
            elif subject is not None and body is None:
                # Prosody sends a subject change as a new message (no id, XEP-0045 §8.1).
                seen = reflected.xml.find(f"{{{NS_CLIENT}}}subject")
                if seen is not None and (seen.text or "") == subject:
                    done.set_result(None)

        remove = self.watch(f"{{{NS_CLIENT}}}message", on_message)
        try:
            msg.send()
            try:
                await asyncio.wait_for(done, TIMEOUT_S)
            except asyncio.TimeoutError:
                raise RoomError(f"message to {room}: not reflected within {TIMEOUT_S} s",
                                "timeout") from None
        finally:
            remove()


def _run(coro_fn):
    """Runs coro_fn() on a fresh event loop (each helper is one short session)."""
    return asyncio.run(asyncio.wait_for(coro_fn(), 6 * TIMEOUT_S))


async def _with_client(server, user: str, work, resource: str = "muc-rooms"):
    client = _Client(server, user, resource)
    try:
        await client.start(server)
        return await work(client)
    finally:
        await client.stop()


def _bool(value: bool) -> str:
    return "1" if value else "0"


# ---------------------------------------------------------------------------------------------
# The helpers.

def create_room(server, owner_user: str, room: str, *, password: Optional[str] = None,
                members_only: bool = False, persistent: bool = True,
                members: Iterable[str] = (), outcasts: Iterable[str] = (),
                subject: Optional[str] = None, nick: str = "owner") -> set[str]:
    """Creates `room` (room@conference.<domain>) as `owner_user` and configures it (XEP-0045
    §10.1.3, muc#roomconfig): persistent, password protected with `password`, members-only.
    `members` / `outcasts` (user names or JIDs) get that affiliation (§9.5, §9.1: outcast = banned);
    `subject` is set by the owner (Prosody then sends it from the owner's occupant JID, §8.1).
    The owner leaves at the end, so a non-persistent room is gone again: keep `persistent`.
    An existing room owned by `owner_user` is reconfigured. Returns the status codes of the
    owner's self-presence ("201" when the room was created)."""

    def full(user_or_jid: str) -> str:
        return user_or_jid if "@" in user_or_jid else server.jid(user_or_jid)

    async def work(client: _Client) -> set[str]:
        codes = await client.join(room, nick, password=password)
        fields: dict[str, str] = {
            "muc#roomconfig_persistentroom": _bool(persistent),
            "muc#roomconfig_membersonly": _bool(members_only),
            "muc#roomconfig_passwordprotectedroom": _bool(password is not None),
            "muc#roomconfig_roomsecret": password or "",
        }
        await client.configure(room, fields)
        for member in members:
            await client.set_affiliation(room, full(member), "member")
        for outcast in outcasts:
            await client.set_affiliation(room, full(outcast), "outcast")
        if subject is not None:
            await client.groupchat(room, nick, subject=subject)
        await client.leave(room, nick)
        return codes

    return _run(lambda: _with_client(server, owner_user, work))


def destroy_room(server, owner_user: str, room: str, reason: str = "") -> None:
    """Destroys `room` (§10.9) as its owner."""

    async def work(client: _Client) -> None:
        query = ET.Element(f"{{{NS_MUC_OWNER}}}query")
        destroy = ET.SubElement(query, f"{{{NS_MUC_OWNER}}}destroy")
        if reason:
            ET.SubElement(destroy, f"{{{NS_MUC_OWNER}}}reason").text = reason
        iq = client.make_iq_set(ito=room)
        iq.append(query)
        await client.request(iq, f"destroying {room}")

    _run(lambda: _with_client(server, owner_user, work))


def room_info(server, user: str, room: str) -> tuple[set[str], dict[str, list[str]]]:
    """disco#info of `room` as `user` (§6.4): (features, muc#roominfo fields). A room that does
    not exist raises RoomError with condition item-not-found."""
    return _run(lambda: _with_client(server, user, lambda c: c.disco_info(room)))


def room_features(server, user: str, room: str) -> set[str]:
    """The disco#info features of `room` ("muc_passwordprotected", "muc_membersonly", ...)."""
    return room_info(server, user, room)[0]


def post_messages(server, user: str, room: str, bodies: Iterable[str], *, nick: str = "poster",
                  password: Optional[str] = None) -> None:
    """Joins `room` as `user`, sends each body as a groupchat message, waits for each to be
    reflected (so it is in the room's discussion history, §7.2.13) and leaves."""

    async def work(client: _Client) -> None:
        await client.join(room, nick, password=password)
        for body in bodies:
            await client.groupchat(room, nick, body=body)
        await client.leave(room, nick)

    _run(lambda: _with_client(server, user, work))


def try_join(server, user: str, room: str, nick: str,
             password: Optional[str] = None) -> Optional[str]:
    """Joins and leaves again; returns None when the room let us in, else the error condition
    ("not-authorized", "registration-required", "forbidden", ...)."""

    async def work(client: _Client) -> Optional[str]:
        try:
            await client.join(room, nick, password=password)
        except RoomError as exc:
            if exc.condition == "timeout":
                raise
            return exc.condition
        await client.leave(room, nick)
        return None

    return _run(lambda: _with_client(server, user, work))


class Occupant:
    """`user` sitting in `room` as `nick` on a thread of its own (own event loop) until close():
    a nick for `xmpp send --muc` to collide with, and a reader that records the groupchat
    messages the room sends (wait_message) so a test can see that `xmpp send --muc` arrived.
    `history`: the <history maxstanzas/> asked for (None = the room's default, §7.2.14).
    Use as a context manager; it is in the room when __enter__ returns."""

    def __init__(self, server, user: str, room: str, nick: str, *,
                 password: Optional[str] = None, history: Optional[int] = 0,
                 resource: str = "occupant"):
        self.server, self.user, self.room, self.nick = server, user, room, nick
        self.password, self.history, self.resource = password, history, resource
        self.messages: list[RoomMessage] = []
        self._queue: queue.Queue[RoomMessage] = queue.Queue()
        self._ready = threading.Event()
        self._error: Optional[BaseException] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._stop: Optional[asyncio.Future] = None
        self._thread = threading.Thread(target=self._main, name=f"occupant-{nick}", daemon=True)

    def __enter__(self) -> "Occupant":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(2 * TIMEOUT_S):
            raise RoomError(f"{self.user} did not enter {self.room} within {2 * TIMEOUT_S} s",
                            "timeout")
        if self._error is not None:
            self._thread.join(TIMEOUT_S)
            raise self._error

    def close(self) -> None:
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(
                lambda: self._stop.done() or self._stop.set_result(None))
        self._thread.join(3 * TIMEOUT_S)
        if self._thread.is_alive():
            raise RoomError(f"occupant {self.nick} of {self.room} did not stop", "timeout")
        if self._error is not None:
            raise self._error

    def wait_message(self, predicate: Callable[[RoomMessage], bool],
                     timeout: float = TIMEOUT_S) -> RoomMessage:
        """The first message (received so far or later) matching predicate; RoomError after
        `timeout` seconds."""
        import time
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            while seen < len(self.messages):
                message = self.messages[seen]
                seen += 1
                if predicate(message):
                    return message
            left = deadline - time.monotonic()
            if left <= 0:
                raise RoomError(f"{self.nick} in {self.room}: no matching message within "
                                f"{timeout} s (got {self.messages})", "timeout")
            try:
                self.messages.append(self._queue.get(timeout=left))
            except queue.Empty:
                pass

    def _main(self) -> None:
        try:
            asyncio.run(self._session())
        except BaseException as exc:  # reported by start()/close() on the test's thread
            self._error = exc
        finally:
            self._ready.set()

    async def _session(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = self._loop.create_future()
        client = _Client(self.server, self.user, self.resource)

        def on_message(msg) -> None:
            if msg["from"].bare != self.room or msg["type"] != "groupchat":
                return
            delay = msg.xml.find(f"{{{NS_DELAY}}}delay")
            subject = msg.xml.find(f"{{{NS_CLIENT}}}subject")
            body = msg.xml.find(f"{{{NS_CLIENT}}}body")
            self._queue.put(RoomMessage(
                sender=msg["from"].full,
                body=body.text or "" if body is not None else None,
                subject=subject.text or "" if subject is not None else None,
                delay_from=delay.get("from") if delay is not None else None,
                delay_stamp=delay.get("stamp") if delay is not None else None))

        try:
            await client.start(self.server)
            client.watch(f"{{{NS_CLIENT}}}message", on_message)
            await client.join(self.room, self.nick, password=self.password, history=self.history)
            self._ready.set()
            await self._stop
            await client.leave(self.room, self.nick)
        finally:
            await client.stop()
