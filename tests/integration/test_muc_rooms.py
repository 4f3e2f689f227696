"""The room helper (muc_rooms.py) against the test Prosody: the rooms it prepares exist with the
configuration asked for, as disco#info (XEP-0045 §6.4) and a real join (§7.2) show."""

from __future__ import annotations

import uuid

import pytest

from muc_rooms import (Occupant, RoomError, create_room, destroy_room, post_messages, room_info,
                       room_features, room_jid, try_join)


def fresh_room(server, prefix: str) -> str:
    return room_jid(server, f"{prefix}-{uuid.uuid4().hex[:8]}")


def test_open_persistent_room_exists_after_the_owner_left(server):
    room = fresh_room(server, "open")
    codes = create_room(server, "admin", room)
    assert "201" in codes and "110" in codes  # our presence created it (§10.1.1)
    features = room_features(server, "bob", room)
    assert "http://jabber.org/protocol/muc" in features
    assert {"muc_persistent", "muc_unsecured", "muc_open"} <= features
    assert not features & {"muc_passwordprotected", "muc_membersonly", "muc_temporary"}
    assert try_join(server, "bob", room, "bob") is None


def test_password_protected_room(server):
    room = fresh_room(server, "secret")
    create_room(server, "admin", room, password="cauldronburn")
    features = room_features(server, "bob", room)
    assert {"muc_passwordprotected", "muc_persistent"} <= features
    assert "muc_unsecured" not in features
    # §7.2.5: no password or a wrong one is not-authorized; the right one lets us in.
    assert try_join(server, "bob", room, "bob") == "not-authorized"
    assert try_join(server, "bob", room, "bob", password="wrong") == "not-authorized"
    assert try_join(server, "bob", room, "bob", password="cauldronburn") is None


def test_members_only_room_with_a_member(server):
    room = fresh_room(server, "members")
    create_room(server, "admin", room, members_only=True, members=["alice"])
    features = room_features(server, "bob", room)
    assert {"muc_membersonly", "muc_persistent"} <= features
    assert try_join(server, "bob", room, "bob") == "registration-required"  # §7.2.6
    assert try_join(server, "alice", room, "alice") is None


def test_open_room_with_an_outcast(server):
    room = fresh_room(server, "banned")
    create_room(server, "admin", room, outcasts=[server.jid("carol")])
    assert try_join(server, "carol", room, "carol") == "forbidden"  # §7.2.7
    assert try_join(server, "bob", room, "bob") is None


def test_reconfiguring_an_existing_room(server):
    room = fresh_room(server, "again")
    assert "201" in create_room(server, "admin", room)
    codes = create_room(server, "admin", room, password="x", members_only=True)
    assert "201" not in codes
    assert {"muc_passwordprotected", "muc_membersonly"} <= room_features(server, "bob", room)


def test_destroyed_room_is_gone(server):
    room = fresh_room(server, "gone")
    create_room(server, "admin", room)
    destroy_room(server, "admin", room)
    with pytest.raises(RoomError) as exc:
        room_info(server, "bob", room)
    # Prosody 0.12 keeps a tombstone of a destroyed room: <gone/> (RFC 6120 §8.3.3.5).
    assert exc.value.condition in ("item-not-found", "gone")


def test_history_and_subject_reach_a_new_occupant(server):
    room = fresh_room(server, "history")
    create_room(server, "admin", room, subject="Fire Burn")
    post_messages(server, "bob", room, ["first", "second"])
    assert room_info(server, "alice", room)[1]["FORM_TYPE"] == [
        "http://jabber.org/protocol/muc#roominfo"]
    with Occupant(server, "alice", room, "alice", history=10) as alice:
        # §7.2.13: history first, stamped by the room; then the subject (§7.2.15); then live.
        first = alice.wait_message(lambda m: m.body == "first")
        assert first.sender == f"{room}/poster"
        assert first.delay_from == room and first.delay_stamp
        subject = alice.wait_message(lambda m: m.subject is not None)
        assert subject.subject == "Fire Burn" and subject.body is None
        post_messages(server, "carol", room, ["live"], nick="carol")
        live = alice.wait_message(lambda m: m.body == "live")
        assert live.sender == f"{room}/carol"
        assert live.delay_from is None
        bodies = [m.body for m in alice.messages if m.body]
        assert bodies.index("first") < bodies.index("second") < bodies.index("live")
    # maxstanzas='0' (the default here): no history at all.
    with Occupant(server, "alice", room, "alice2") as quiet:
        post_messages(server, "carol", room, ["later"], nick="carol")
        quiet.wait_message(lambda m: m.body == "later")
        assert not [m for m in quiet.messages if m.delay_from == room and m.body]


def test_occupant_holds_its_nick_against_another_account(server):
    room = fresh_room(server, "nick")
    create_room(server, "admin", room)
    with Occupant(server, "bob", room, "witch"):
        assert try_join(server, "carol", room, "witch") == "conflict"  # §7.2.8
        assert try_join(server, "carol", room, "witch_2") is None


def test_occupant_refused_raises(server):
    room = fresh_room(server, "closed")
    create_room(server, "admin", room, password="p")
    with pytest.raises(RoomError) as exc:
        with Occupant(server, "bob", room, "bob"):
            pass
    assert exc.value.condition == "not-authorized"
