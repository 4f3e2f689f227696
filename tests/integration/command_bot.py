"""A command-provider bot for the `xmpp cmd` integration tests (python3-slixmpp, its XEP-0050
plugin): it logs in as a test account and offers ad-hoc commands whose field types and stage
shapes Prosody's admin commands do not have.

    with CommandBot(server, new_account("bot")) as bot:
        run_xmpp("cmd", "run", bot.jid, "fields", "--field", "notify=true", ...)
        bot.submissions["fields"]   # what the last run of "fields" submitted, by var

Commands (node: shape):
    fields   one stage with every input type XEP-0004 §3.3 defines (boolean, list-single,
             list-multi, jid-single, jid-multi, text-single, text-multi, text-private) plus hidden
             and fixed fields; completing it answers with a result form echoing the values.
    wizard   three stages (first: text-single, second: boolean with prev allowed, third:
             list-single) and an info note naming every answer.
    fail     a single stage that completes with an error note (XEP-0050 §3.6).
    table    a single stage answering with a XEP-0004 §3.4 <reported/>/<item/> table.
The command list also carries an item for node "steal" whose jid is another account
(`spoofed_jid`): XEP-0050 §5 and SECURITY.md row 39 say to ignore it.

slixmpp's plugin writes <actions/> without an 'execute' attribute and, on the last stage, with
<complete/> only: the requester must pick complete itself (§3.4 calls that shape invalid, which
is the point: real bots send it). Its note type for warnings is 'warning', not 'warn'.

slixmpp runs its asyncio loop on a thread of its own, as in xmpp_client.py.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from pathlib import Path

import pytest
import slixmpp

from xmpp_client import stop_client

LOGIN_TIMEOUT_S = 30
NS_DATA = "jabber:x:data"

FIELDS_FORM_TYPE = "urn:xmpp-cli:test:fields"
COLOURS = [("Red", "red"), ("Green", "green"), ("Blue", "blue")]
LEVELS = [("Low", "low"), ("High", "high")]
FRUITS = [("Apple", "apple"), ("Pear", "pear"), ("Plum", "plum")]


def submitted_values(payload) -> dict[str, list[str]]:
    """{var: [values]} of the submitted data form(s) in a slixmpp command payload."""
    items = payload if isinstance(payload, list) else [payload]
    out: dict[str, list[str]] = {}
    for item in items:
        xml = getattr(item, "xml", None)
        if xml is None or xml.tag != f"{{{NS_DATA}}}x":
            continue
        for field in xml.findall(f"{{{NS_DATA}}}field"):
            out[field.get("var", "")] = [v.text or "" for v in field.findall(f"{{{NS_DATA}}}value")]
    return out


class CommandBot:
    def __init__(self, server, user: str, resource: str | None = None):
        self.resource = resource or f"bot-{uuid.uuid4().hex[:8]}"
        self.jid = f"{server.jid(user)}/{self.resource}"
        self._server = server
        self._user = user
        self._ready = threading.Event()
        self._failed: list[str] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._client = None
        #: the JID of the spoofed item in the command list.
        self.spoofed_jid = server.jid("mallory")
        self.lock = threading.Lock()
        #: node -> {var: [values]} of the last completed submission (every stage merged).
        self.submissions: dict[str, dict[str, list[str]]] = {}
        #: node -> the requesters' full JIDs, one per session started.
        self.requesters: dict[str, list[str]] = {}
        #: (node, action) of every step the bot handled, in order.
        self.steps: list[tuple[str, str]] = []
        #: session ids that were canceled.
        self.canceled: list[str] = []

    # -- lifecycle --------------------------------------------------------------------------

    def __enter__(self) -> "CommandBot":
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
        client.register_plugin("xep_0004")
        client.register_plugin("xep_0050")
        client.add_event_handler("session_start", self._on_start)
        client.add_event_handler("failed_auth", lambda _: self._fail("authentication failed"))
        client.add_event_handler("connection_failed", lambda e: self._fail(f"connection: {e}"))
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
        adhoc = self._client["xep_0050"]
        me = self._client.boundjid
        adhoc.add_command(me, "fields", "Every field type", self._fields_start)
        adhoc.add_command(me, "wizard", "Three stages", self._wizard_start)
        adhoc.add_command(me, "fail", "Fails with an error note", self._fail_start)
        adhoc.add_command(me, "table", "A result table", self._table_start)
        # A command item naming another entity (XEP-0050 §5): requesters must ignore it.
        await self._client["xep_0030"].add_item(jid=self.spoofed_jid, name="Spoofed command",
                                                node="http://jabber.org/protocol/commands",
                                                subnode="steal", ijid=me)
        self._client.send_presence(ppriority=-1)
        self._ready.set()

    def close(self) -> None:
        stop_client(self._client, self._loop, self._thread)

    # -- helpers ----------------------------------------------------------------------------

    def _form(self, title: str, instructions: str, ftype: str = "form"):
        form = self._client["xep_0004"].make_form(ftype=ftype, title=title)
        form["instructions"] = instructions
        return form

    def _record_start(self, node: str, iq, session) -> None:
        with self.lock:
            self.requesters.setdefault(node, []).append(str(iq["from"]))
            self.steps.append((node, "execute"))
        session["cancel"] = self._on_cancel
        session["collected"] = {}

    def _step(self, node: str, action: str) -> None:
        with self.lock:
            self.steps.append((node, action))

    def _on_cancel(self, _iq, session) -> None:
        with self.lock:
            self.canceled.append(session["id"])

    # -- fields ------------------------------------------------------------------------------

    def _fields_start(self, iq, session):
        self._record_start("fields", iq, session)
        form = self._form("Every field type", "Fill in every field.")
        form.add_field(var="FORM_TYPE", ftype="hidden", value=FIELDS_FORM_TYPE)
        form.add_field(var="about", ftype="fixed", value="Settings of the test bot")
        form.add_field(var="notify", ftype="boolean", label="Notify me", required=True)
        form.add_field(var="level", ftype="list-single", label="Level", required=True,
                       options=[{"label": l, "value": v} for l, v in LEVELS])
        form.add_field(var="colours", ftype="list-multi", label="Colours", value=["red"],
                       options=[{"label": l, "value": v} for l, v in COLOURS])
        form.add_field(var="owner", ftype="jid-single", label="Owner")
        form.add_field(var="watchers", ftype="jid-multi", label="Watchers")
        form.add_field(var="name", ftype="text-single", label="Name", value="bot")
        form.add_field(var="motd", ftype="text-multi", label="Message of the day")
        form.add_field(var="secret", ftype="text-private", label="Secret")
        session["payload"] = form
        session["next"] = self._fields_complete
        session["has_next"] = False
        return session

    def _fields_complete(self, payload, session):
        self._step("fields", "complete")
        values = submitted_values(payload)
        with self.lock:
            self.submissions["fields"] = values
        result = self._form("Stored", "The bot stored these values.", ftype="result")
        for var, vals in values.items():
            if var == "secret":
                continue
            result.add_field(var=var, value=vals if len(vals) != 1 else vals[0])
        session["payload"] = result
        session["notes"] = [("info", "Stored %d fields" % len(values))]
        session["next"] = None
        return session

    # -- wizard ------------------------------------------------------------------------------

    def _wizard_start(self, iq, session):
        self._record_start("wizard", iq, session)
        return self._wizard_stage1(session)

    def _wizard_stage1(self, session, remembered: str | None = None):
        form = self._form("Stage 1", "Name the first thing.")
        form.add_field(var="first", ftype="text-single", label="First", required=True,
                       value=remembered)
        session["payload"] = form
        session["next"] = self._wizard_stage2
        session["prev"] = None
        session["has_next"] = True
        session["allow_prev"] = False
        return session

    def _wizard_stage2(self, payload, session):
        self._step("wizard", "next")
        session["collected"].update(submitted_values(payload))
        form = self._form("Stage 2", "Second stage: you may go back.")
        form.add_field(var="second", ftype="boolean", label="Second", required=True)
        session["payload"] = form
        session["next"] = self._wizard_stage3
        session["prev"] = self._wizard_back
        session["has_next"] = True
        session["allow_prev"] = True
        return session

    def _wizard_back(self, _payload, session):
        self._step("wizard", "prev")
        first = session["collected"].get("first", [None])[0]
        return self._wizard_stage1(session, remembered=first)

    def _wizard_stage3(self, payload, session):
        self._step("wizard", "next")
        session["collected"].update(submitted_values(payload))
        form = self._form("Stage 3", "Last stage.")
        form.add_field(var="third", ftype="list-single", label="Fruit", required=True,
                       options=[{"label": l, "value": v} for l, v in FRUITS])
        session["payload"] = form
        session["next"] = self._wizard_finish
        session["prev"] = None
        session["has_next"] = False
        session["allow_prev"] = False
        return session

    def _wizard_finish(self, payload, session):
        self._step("wizard", "complete")
        session["collected"].update(submitted_values(payload))
        collected = session["collected"]
        with self.lock:
            self.submissions["wizard"] = dict(collected)
        summary = ", ".join(f"{k}={','.join(collected.get(k, []))}"
                            for k in ("first", "second", "third"))
        session["payload"] = None
        session["notes"] = [("info", "Wizard done: " + summary)]
        session["next"] = None
        return session

    # -- fail and table ---------------------------------------------------------------------

    def _fail_start(self, iq, session):
        self._record_start("fail", iq, session)
        session["payload"] = None
        session["notes"] = [("error", "The bot failed on purpose")]
        session["next"] = None
        return session

    def _table_start(self, iq, session):
        self._record_start("table", iq, session)
        form = self._form("Fruit stock", "What the bot has.", ftype="result")
        form.add_reported("fruit", ftype="text-single", label="Fruit")
        form.add_reported("count", ftype="text-single", label="Count")
        form.add_item({"fruit": "apple", "count": "3"})
        form.add_item({"fruit": "pear", "count": "12"})
        session["payload"] = form
        session["next"] = None
        return session
