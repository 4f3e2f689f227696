"""`xmpp muc` (CLI.md "muc", man xmpp-muc, issue 6) against the real Prosody and its conference
component: reserved and instant rooms, joining, sending and listening, occupants, the subject,
invitations, members-only rooms and affiliations, kicks and bans, destruction, history through
MAM (XEP-0313), nick conflicts, usage errors and bad configuration fields.

Every test makes its own room (a uuid in the name), so no test sees another's. Prosody lets one
account join a room several times under the same nick (XEP-0045 §7.2.8), so a nick conflict needs
two accounts. Nothing sleeps: a listening `muc join --listen` is waited for by its "joined" line
and its exit, everything else by the exit of a run.
"""

from __future__ import annotations

import json
import uuid

import pytest

from muc_rooms import Occupant, create_room, muc_service, post_messages, room_jid
from shapes import assert_error, ok

WAIT_S = 30

# The JSON shapes of man/xmpp-muc.1, keys in their order.
LIST_KEYS = ["service", "rooms", "count", "truncated", "skipped"]
LIST_ROOM_KEYS = ["jid", "name", "occupants", "description", "flags", "error"]
FLAG_KEYS = ["members_only", "moderated", "password_protected", "persistent", "public",
             "non_anonymous"]
INFO_KEYS = ["room", "is_room", "name", "description", "subject", "occupants", "language", "logs",
             "contacts", "subject_changeable", "flags", "features", "form"]
OCCUPANTS_KEYS = ["room", "nick", "occupants", "subject"]
OCCUPANT_KEYS = ["nick", "role", "affiliation", "jid", "show", "status", "self"]
SUBJECT_REPORT_KEYS = ["room", "subject", "changed"]
SUBJECT_KEYS = ["text", "set_by", "from_room"]
HISTORY_KEYS = ["room", "messages", "complete", "count"]
HISTORY_MESSAGE_KEYS = ["id", "stamp", "from", "nick", "body", "subject"]
JOINED_KEYS = ["kind", "room", "nick", "occupant", "created", "status_codes"]
CREATE_KEYS = ["room", "created", "instant", "persistent", "changes"]
CHANGE_KEYS = ["var", "label", "before", "after", "secret"]
CONFIG_CHANGE_KEYS = ["room", "changes"]
FORM_KEYS = ["type", "title", "instructions", "fields", "table"]
FIELD_KEYS = ["var", "type", "label", "desc", "required", "private", "values", "options",
              "validate", "media"]
OCCUPANT_EVENT_KEYS = ["kind", "event", "room"] + OCCUPANT_KEYS + [
    "new_nick", "reason", "alternate", "status_codes"]


# ---- helpers ----


def fresh_room(server, prefix: str) -> str:
    return room_jid(server, f"{prefix}-{uuid.uuid4().hex[:8]}")


def muc(run_xmpp, user, *args, **kwargs):
    """`xmpp --json muc ARGS` as USER."""
    return run_xmpp("--json", "muc", *args, user=user, **kwargs)




def form_values(form) -> dict:
    """var -> values of a form as form_json prints it (man xmpp-muc OUTPUT)."""
    assert form["type"] in ("form", "result"), form
    return {f["var"]: f["values"] for f in form["fields"] if f["var"] is not None}


def start_listening(spawn_xmpp, user, room, *args):
    """`xmpp --json muc join ROOM --listen ARGS` as USER, once its "joined" line came."""
    process = spawn_xmpp("--json", "muc", "join", room, "--listen", *args, user=user)
    joined = json.loads(process.wait_for_line(lambda l: '"kind":"joined"' in l, timeout=WAIT_S))
    return process, joined


def next_event(process, kind, predicate=lambda e: True, timeout=WAIT_S) -> dict:
    while True:
        line = process.wait_for_line(lambda l: f'"kind":"{kind}"' in l, timeout=timeout)
        event = json.loads(line)
        if predicate(event):
            return event


def create(run_xmpp, user, room, *args) -> dict:
    doc = ok(muc(run_xmpp, user, "create", room, *args))
    assert doc["room"] == room, doc
    assert doc["created"] is True, doc
    return doc


# ---- create, config, info ----


def test_create_reserved_room_with_settings_and_read_them_back(run_xmpp, server):
    room = fresh_room(server, "reserved")
    doc = create(run_xmpp, "alice", room, "--name", "Coven", "--description", "Where we brew",
                 "--persistent", "--moderated", "--public",
                 "--set", "muc#roomconfig_whois=anyone")
    assert list(doc) == CREATE_KEYS, doc
    assert doc["instant"] is False, doc
    assert doc["persistent"] is True, doc
    changes = {c["var"]: c for c in doc["changes"]}
    assert all(list(c) == CHANGE_KEYS for c in doc["changes"]), doc
    assert changes["muc#roomconfig_roomname"]["after"] == ["Coven"], doc
    assert changes["muc#roomconfig_whois"]["after"] == ["anyone"], doc

    shown = ok(muc(run_xmpp, "alice", "config", room))
    assert list(shown) == ["room", "form"] and shown["room"] == room, shown
    form = shown["form"]
    assert list(form) == FORM_KEYS, form
    assert all(list(f) == FIELD_KEYS for f in form["fields"]), form
    by_var = {f["var"]: f for f in form["fields"] if f["var"]}
    # The room password is a secret: never printed (SECURITY.md), whatever the form holds.
    secret = by_var["muc#roomconfig_roomsecret"]
    assert secret["type"] == "text-private" and secret["private"] is True, secret
    assert secret["values"] == [], secret
    whois = by_var["muc#roomconfig_whois"]
    assert {o["value"] for o in whois["options"]} >= {"moderators", "anyone"}, whois
    values = form_values(form)
    assert values["muc#roomconfig_roomname"] == ["Coven"], values
    assert values["muc#roomconfig_roomdesc"] == ["Where we brew"], values
    assert values["muc#roomconfig_persistentroom"] in (["1"], ["true"]), values
    assert values["muc#roomconfig_moderatedroom"] in (["1"], ["true"]), values
    assert values["muc#roomconfig_publicroom"] in (["1"], ["true"]), values
    assert values["muc#roomconfig_whois"] == ["anyone"], values

    info = ok(muc(run_xmpp, "bob", "info", room))
    assert list(info) == INFO_KEYS, info
    assert info["room"] == room and info["is_room"] is True, info
    assert info["name"] == "Coven", info
    assert info["description"] == "Where we brew", info
    assert list(info["flags"]) == FLAG_KEYS, info
    assert info["flags"]["persistent"] is True, info
    assert info["flags"]["moderated"] is True, info
    assert info["flags"]["public"] is True, info
    assert info["flags"]["members_only"] is False, info
    assert info["flags"]["password_protected"] is False, info
    assert info["flags"]["non_anonymous"] is True, info  # whois=anyone
    assert {"muc_persistent", "muc_moderated", "muc_public"} <= set(info["features"]), info
    assert info["occupants"] == 0, info
    assert info["form"]["muc#roominfo_description"] == ["Where we brew"], info
    assert info["form"]["muc#roominfo_occupants"] == ["0"], info

    # The room is listed by the service, with its name.
    listing = ok(muc(run_xmpp, "bob", "list", muc_service(server)))
    assert list(listing) == LIST_KEYS, listing
    assert listing["service"] == muc_service(server), listing
    rooms = {r["jid"]: r for r in listing["rooms"]}
    assert list(rooms[room]) == LIST_ROOM_KEYS, listing
    assert rooms[room]["name"] == "Coven", listing
    assert rooms[room]["occupants"] == 0, listing
    assert rooms[room]["error"] is None, listing
    # Without SERVICE: the server's own chat service.
    assert room in [r["jid"] for r in ok(muc(run_xmpp, "bob", "list"))["rooms"]]


def test_config_changes_a_field_and_says_what_changed(run_xmpp, server):
    room = fresh_room(server, "config")
    create(run_xmpp, "alice", room, "--persistent", "--name", "Before")
    doc = ok(muc(run_xmpp, "alice", "config", room, "--name", "After", "--members-only"))
    assert list(doc) == CONFIG_CHANGE_KEYS and doc["room"] == room, doc
    assert all(list(c) == CHANGE_KEYS for c in doc["changes"]), doc
    changed = {c["var"]: c for c in doc["changes"]}
    assert changed["muc#roomconfig_roomname"]["before"] == ["Before"], doc
    assert changed["muc#roomconfig_roomname"]["after"] == ["After"], doc
    assert changed["muc#roomconfig_roomname"]["secret"] is False, doc
    assert "muc#roomconfig_membersonly" in changed, doc
    assert set(changed) == {"muc#roomconfig_roomname", "muc#roomconfig_membersonly"}, doc
    # Nothing to change: an empty list.
    again = ok(muc(run_xmpp, "alice", "config", room, "--name", "After"))
    assert again["changes"] == [], again
    assert ok(muc(run_xmpp, "bob", "info", room))["flags"]["members_only"] is True


def test_instant_room(run_xmpp, server):
    room = fresh_room(server, "instant")
    doc = create(run_xmpp, "alice", room)
    assert doc["instant"] is True and doc["changes"] == [], doc
    assert doc["persistent"] is False, doc
    # Temporary: gone once its creator left, so it can be created again (§10.1.2).
    again = create(run_xmpp, "alice", room)
    assert again["instant"] is True, again
    human = run_xmpp("muc", "create", room, user="alice")
    assert human.code == 0, str(human)
    assert "temporary" in human.stdout + human.stderr, str(human)


def test_create_existing_room_is_conflict_unless_exist_ok(run_xmpp, server):
    room = fresh_room(server, "exists")
    create(run_xmpp, "alice", room, "--persistent")
    assert_error(muc(run_xmpp, "alice", "create", room, "--persistent"), 1, "room_exists",
                 "conflict")
    doc = ok(muc(run_xmpp, "alice", "create", room, "--persistent", "--exist-ok"))
    assert doc["created"] is False and doc["changes"] == [], doc


def test_unknown_set_var_is_65_listing_the_valid_ones(run_xmpp, server):
    room = fresh_room(server, "badvar")
    run = muc(run_xmpp, "alice", "create", room, "--set", "muc#roomconfig_nosuchfield=1")
    error = assert_error(run, 65)
    assert "muc#roomconfig_nosuchfield" in error["message"], str(run)
    assert "muc#roomconfig_roomname" in error["message"], str(run)  # the valid ones are listed
    # The half-made room was not left behind (it was cancelled or destroyed).
    info = muc(run_xmpp, "bob", "info", room)
    assert info.code == 1, str(info)
    assert info.error["error"]["condition"] in ("item-not-found", "gone"), str(info)

    create(run_xmpp, "alice", room, "--persistent")
    run = muc(run_xmpp, "alice", "config", room, "--set", "nonsense=1")
    error = assert_error(run, 65)
    assert "nonsense" in error["message"] and "muc#roomconfig_persistentroom" in error["message"]


# ---- join, send, listen, occupants, subject ----


def test_join_send_and_a_second_account_listening_receives_it(run_xmpp, spawn_xmpp, server):
    room = fresh_room(server, "chat")
    create_room(server, "alice", room)
    listener, joined = start_listening(spawn_xmpp, "bob", room, "--count", "1")
    assert list(joined) == JOINED_KEYS, joined
    assert joined["room"] == room and joined["nick"] == "bob", joined
    assert joined["occupant"] == f"{room}/bob" and joined["created"] is False, joined
    assert 110 in joined["status_codes"], joined

    body = f"hello {uuid.uuid4().hex[:6]}"
    sent = ok(muc(run_xmpp, "alice", "send", room, "-m", body))
    assert [s["to"] for s in sent["sent"]] == [room], sent
    assert all(s["acked"] for s in sent["sent"]), sent
    assert sent["failed"] == [], sent

    # alice's arrival and departure come as occupant events, her message as a message.
    arrived = next_event(listener, "occupant", lambda e: e["nick"] == "alice")
    assert arrived["event"] == "joined" and arrived["room"] == room, arrived
    message = next_event(listener, "message", lambda e: e["body"] == body)
    assert message["room"] == room and message["nick"] == "alice", message
    assert message["from"] == f"{room}/alice" and message["type"] == "groupchat", message
    assert message["history"] is False, message
    assert listener.wait(WAIT_S) == 0, str(listener)


def test_join_without_listen_prints_history_flagged_and_the_subject(run_xmpp, server):
    room = fresh_room(server, "burst")
    create_room(server, "alice", room, subject="Double trouble")
    post_messages(server, "carol", room, ["one", "two"], nick="carol")
    run = muc(run_xmpp, "bob", "join", room, "--history", "5")
    assert run.code == 0, str(run)
    events = run.json
    assert isinstance(events, list) and events[0]["kind"] == "joined", str(run)
    history = [e for e in events if e["kind"] == "message" and e["body"] in ("one", "two")]
    assert [e["body"] for e in history] == ["one", "two"], events
    assert all(e["history"] is True for e in history), events
    subjects = [e for e in events if e["kind"] == "subject"]
    assert subjects and subjects[-1]["text"] == "Double trouble", events
    # The subject ends the join burst (§7.2.15): it is the last thing printed.
    assert events[-1]["kind"] == "subject", events


def test_occupants(run_xmpp, server):
    room = fresh_room(server, "people")
    create_room(server, "alice", room)
    with Occupant(server, "bob", room, "bobby"):
        doc = ok(muc(run_xmpp, "alice", "occupants", room, "--nick", "boss"))
    assert list(doc) == OCCUPANTS_KEYS and doc["room"] == room and doc["nick"] == "boss", doc
    assert all(list(o) == OCCUPANT_KEYS for o in doc["occupants"]), doc
    by_nick = {o["nick"]: o for o in doc["occupants"]}
    assert by_nick["bobby"]["role"] == "participant", doc
    assert by_nick["bobby"]["affiliation"] == "none", doc
    assert by_nick["bobby"]["self"] is False, doc
    assert by_nick["boss"]["self"] is True, doc
    assert by_nick["boss"]["affiliation"] == "owner", doc
    assert by_nick["boss"]["role"] == "moderator", doc
    # We are the owner (a moderator), so the room shows us bob's real JID (§7.2.3).
    assert by_nick["bobby"]["jid"].split("/")[0] == server.jid("bob"), doc


def test_subject_set_read_and_clear(run_xmpp, server):
    room = fresh_room(server, "topic")
    create_room(server, "alice", room)
    doc = ok(muc(run_xmpp, "alice", "subject", room, "Fire burn and cauldron bubble"))
    assert list(doc) == SUBJECT_REPORT_KEYS and doc["changed"] is True, doc
    assert list(doc["subject"]) == SUBJECT_KEYS, doc
    assert doc["subject"]["text"] == "Fire burn and cauldron bubble", doc
    assert doc["subject"]["set_by"] == "alice", doc
    read = ok(muc(run_xmpp, "bob", "subject", room))
    assert read["changed"] is False, read
    assert read["subject"]["text"] == "Fire burn and cauldron bubble", read
    assert read["subject"]["set_by"] == "alice", read
    cleared = ok(muc(run_xmpp, "alice", "subject", room, ""))
    assert cleared["changed"] is True and cleared["subject"]["text"] == "", cleared
    after = ok(muc(run_xmpp, "bob", "subject", room))["subject"]
    assert after is None or after["text"] == "", after


# ---- invitations, affiliations, roles ----


def test_invite_reaches_the_invitees_listen(run_xmpp, spawn_xmpp, server):
    room = fresh_room(server, "party")
    create_room(server, "alice", room)
    listener = spawn_xmpp("--json", "listen", "--from", room, "--count", "1", user="carol")
    listener.wait_for_line(lambda l: '"kind":"ready"' in l, timeout=WAIT_S)
    doc = ok(muc(run_xmpp, "alice", "invite", room, server.jid("carol"), "--reason", "cake"))
    assert doc == {"room": room, "kind": "mediated", "invited": [server.jid("carol")],
                   "reason": "cake"}, doc
    message = json.loads(listener.wait_for_line(lambda l: '"kind":"message"' in l, WAIT_S))
    assert message["from"] == room, message
    # Prosody names the inviter by its occupant JID (the command entered the room to invite).
    assert "alice" in (message["body"] or ""), message
    assert "cake" in (message["body"] or ""), message
    assert listener.wait(WAIT_S) == 0, str(listener)


def test_members_only_refuses_then_admits_a_member(run_xmpp, server):
    room = fresh_room(server, "club")
    create_room(server, "alice", room, members_only=True)
    assert_error(muc(run_xmpp, "bob", "join", room), 1, condition="registration-required")
    doc = ok(muc(run_xmpp, "alice", "affiliation", room, server.jid("bob"), "member"))
    assert list(doc) == ["room", "jid", "affiliation", "reason"], doc
    assert doc["jid"] == server.jid("bob") and doc["affiliation"] == "member", doc
    members = ok(muc(run_xmpp, "alice", "affiliation", room, "--list", "member"))
    assert list(members) == ["room", "lists"], members
    assert [l["affiliation"] for l in members["lists"]] == ["member"], members
    assert members["lists"][0]["error"] is None, members
    assert [i["jid"] for i in members["lists"][0]["items"]] == [server.jid("bob")], members
    assert list(members["lists"][0]["items"][0]) == ["jid", "nick", "reason"], members
    # Without --list: the four lists, in order; alice is the owner.
    every = ok(muc(run_xmpp, "alice", "affiliation", room))
    assert [l["affiliation"] for l in every["lists"]] == ["owner", "admin", "member", "outcast"]
    assert server.jid("alice") in [i["jid"] for i in every["lists"][0]["items"]], every
    joined = muc(run_xmpp, "bob", "join", room)
    assert joined.code == 0, str(joined)
    assert joined.json[0]["kind"] == "joined", str(joined)


def test_kick_and_ban(run_xmpp, spawn_xmpp, server):
    room = fresh_room(server, "rowdy")
    create_room(server, "alice", room)
    listener, _ = start_listening(spawn_xmpp, "bob", room, "--nick", "troll")
    doc = ok(muc(run_xmpp, "alice", "role", room, "troll", "none", "--reason", "behave"))
    assert doc == {"room": room, "nick": "troll", "role": "none", "reason": "behave"}, doc
    # The kicked listener is told (status 307, with the reason), and ends with exit 1: it is no
    # longer in the room.
    kicked = next_event(listener, "occupant", lambda e: e["event"] == "kicked")
    assert list(kicked) == OCCUPANT_EVENT_KEYS, kicked
    assert kicked["nick"] == "troll" and kicked["self"] is True, kicked
    assert kicked["reason"] == "behave" and 307 in kicked["status_codes"], kicked
    assert listener.wait(WAIT_S) == 1, str(listener)
    assert '"removed_from_room"' in listener.stderr, str(listener)

    doc = ok(muc(run_xmpp, "alice", "affiliation", room, server.jid("bob"), "outcast",
                 "--reason", "again"))
    assert doc["affiliation"] == "outcast", doc
    outcasts = ok(muc(run_xmpp, "alice", "affiliation", room, "--list", "outcast"))
    items = outcasts["lists"][0]["items"]
    assert [i["jid"] for i in items] == [server.jid("bob")], outcasts
    assert_error(muc(run_xmpp, "bob", "join", room), 1, condition="forbidden")


def test_destroy(run_xmpp, server):
    room = fresh_room(server, "doomed")
    create_room(server, "alice", room)
    doc = ok(muc(run_xmpp, "alice", "destroy", room, "--reason", "done"))
    assert doc == {"room": room, "destroyed": True, "reason": "done", "alternate": None}, doc
    info = muc(run_xmpp, "bob", "info", room)
    assert info.code == 1, str(info)
    assert info.error["error"]["condition"] in ("item-not-found", "gone"), str(info)


# ---- history (MAM) ----


def test_history_via_mam_after_20_messages(run_xmpp, server):
    room = fresh_room(server, "archive")
    create_room(server, "alice", room)
    bodies = [f"line {i:02d}" for i in range(20)]
    sent = ok(muc(run_xmpp, "bob", "send", room, "--lines", input="\n".join(bodies) + "\n"))
    assert len(sent["sent"]) == 20 and not sent["failed"], sent

    doc = ok(muc(run_xmpp, "carol", "history", room, "--max", "50"))
    assert list(doc) == HISTORY_KEYS and doc["room"] == room, doc
    assert all(list(m) == HISTORY_MESSAGE_KEYS for m in doc["messages"]), doc
    got = [m["body"] for m in doc["messages"] if m["body"] is not None]
    assert got == bodies, doc
    assert all(m["nick"] == "bob" and m["from"] == f"{room}/bob" and m["stamp"] and m["id"]
               for m in doc["messages"] if m["body"] in bodies), doc
    assert doc["complete"] is True, doc
    last = ok(muc(run_xmpp, "carol", "history", room, "--max", "5"))
    assert [m["body"] for m in last["messages"]] == bodies[-5:], last
    recent = ok(muc(run_xmpp, "carol", "history", room, "--since", "1h"))
    assert [m["body"] for m in recent["messages"] if m["body"] in bodies] == bodies, recent


# ---- nick conflict ----


def test_nick_conflict_and_fallback(run_xmpp, server):
    room = fresh_room(server, "nick")
    create_room(server, "alice", room)
    with Occupant(server, "bob", room, "witch"):
        run = muc(run_xmpp, "carol", "join", room, "--nick", "witch")
        error = assert_error(run, 1, condition="conflict")
        assert "--nick-fallback" in error["message"], str(run)
        run = muc(run_xmpp, "carol", "join", room, "--nick", "witch", "--nick-fallback")
        assert run.code == 0, str(run)
        joined = run.json[0]
        assert joined["kind"] == "joined" and joined["nick"] == "witch_2", str(run)
        assert joined["occupant"] == f"{room}/witch_2", str(run)


# ---- usage errors ----


@pytest.mark.parametrize("args", [
    [],
    ["join"],
    ["join", "not a jid"],
    ["join", "{room}/nick"],
    ["join", "{service}"],
    ["frobnicate", "{room}"],
    ["affiliation", "{room}", "{bob}"],
    ["affiliation", "{room}", "{bob}", "overlord"],
    ["role", "{room}", "nick", "emperor"],
    ["create", "{room}", "--public", "--hidden"],
    ["history", "{room}", "--since", "last tuesday"],
])
def test_usage_errors_are_64(run_xmpp, server, args):
    room = room_jid(server, "never-used")
    values = {"room": room, "service": muc_service(server), "bob": server.jid("bob")}
    argv = [a.format(**values) for a in args]
    run = muc(run_xmpp, "alice", *argv)
    assert run.code == 64, str(run)
    assert run.stdout == "", str(run)
