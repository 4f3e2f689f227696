"""`xmpp send` to a `xmpp listen` process, as a user runs them: what arrives is byte-exact, rooms,
receipts, 10,000 lines in order and none twice, and a server crash in the middle of --lines.

Every test marks its messages with a fresh token and only counts messages that carry it: an
account's offline store holds what earlier tests sent while nobody listened."""

import json
import os
import signal
import subprocess
import threading
import time
import uuid

import pytest

from muc_rooms import create_room, room_jid
from conftest import TEST_SERVER

WAIT_S = 60


def token() -> str:
    return uuid.uuid4().hex[:12]


def listen(spawn_xmpp, user, *args):
    """A listener that is logged in (its {"kind":"ready"} line came)."""
    listener = spawn_xmpp("listen", "--json", "-v", *args, user=user)
    ready = json.loads(listener.wait_for_line(lambda l: '"kind":"ready"' in l, timeout=WAIT_S))
    return listener, ready


def next_message(listener, predicate, timeout=WAIT_S):
    while True:
        line = listener.wait_for_line(lambda l: '"kind":"message"' in l, timeout=timeout)
        message = json.loads(line)
        if predicate(message):
            return message


def stop(listener):
    listener.signal(signal.SIGINT)
    assert listener.wait() == 0, str(listener)


@pytest.mark.parametrize("body", [
    "quotes and markup: <&>'\" </body> ]]>",
    "emoji 😀🎉 and combining e\u0301",
    "right-to-left: שלום עולם, مرحبا بالعالم",
    "multi\nline\n\n  indented\ttab",
    ("64 KiB: 0123456789abcdef ÄÖÜ € 😀 \n" * 2200)[: 64 * 1024],
], ids=["markup", "emoji", "rtl", "multiline", "64KiB"])
def test_body_arrives_byte_exact(spawn_xmpp, run_xmpp, server, body):
    listener, _ = listen(spawn_xmpp, "bob", "--from", server.jid("alice"))
    mark = token()
    text = f"{mark} {body}"
    run = run_xmpp("send", server.jid("bob"), "--id", mark, "--json", input=text.encode())
    assert run.code == 0, str(run)
    got = next_message(listener, lambda m: m["id"] == mark)
    # send drops one final line ending of its standard input (man xmpp-send)
    assert got["body"] == (text[:-1] if text.endswith("\n") else text)
    assert got["type"] == "chat" and got["origin_id"] == mark, got
    stop(listener)


def test_several_recipients_and_headline(spawn_xmpp, run_xmpp, server):
    bob, _ = listen(spawn_xmpp, "bob", "--from", server.jid("alice"))
    carol, _ = listen(spawn_xmpp, "carol", "--from", server.jid("alice"))
    mark = token()
    run = run_xmpp("send", server.jid("bob"), server.jid("carol"), "-m", mark, "--type",
                   "headline", "--subject", "subj", "--json")
    assert run.code == 0, str(run)
    assert len(run.json["sent"]) == 2, str(run)
    for listener in (bob, carol):
        got = next_message(listener, lambda m: m["body"] == mark)
        assert got["type"] == "headline" and got["subject"] == "subj", got
        stop(listener)


def test_receipt_from_a_listener(spawn_xmpp, run_xmpp, server):
    listener, _ = listen(spawn_xmpp, "bob", "--from", server.jid("alice"))
    mark = token()
    run = run_xmpp("send", server.jid("bob"), "-m", mark, "--receipt", "--json")
    assert run.code == 0, str(run)
    (sent,) = run.json["sent"]
    assert sent["receipt"] is True and sent["acked"] is True, str(run)
    next_message(listener, lambda m: m["body"] == mark)
    stop(listener)


def test_missing_receipt_is_exit_1(run_xmpp, server):
    # Nobody is logged in as admin: the server stores the message, nobody acknowledges it.
    run = run_xmpp("send", f"admin@{server.domain}", "-m", token(), "--receipt", "--json",
                   "--timeout", "3")
    assert run.code == 1, str(run)
    (failed,) = run.json["failed"]
    assert failed["acked"] is True and failed["receipt"] is False, str(run)
    assert failed["error"]["code"] == "no_receipt", str(run)


def test_muc_message_reaches_a_listener_in_the_room(spawn_xmpp, run_xmpp, server):
    room = room_jid(server, "ops-" + token())
    create_room(server, "admin", room)
    listener, ready = listen(spawn_xmpp, "bob", "--muc", room)
    mark = token()
    run = run_xmpp("send", "--muc", "--nick", "alerts", room, "-m", mark, "--json")
    assert run.code == 0, str(run)
    assert run.json["sent"][0]["to"] == room, str(run)
    got = next_message(listener, lambda m: m["body"] == mark)
    assert got["type"] == "groupchat" and got["nick"] == "alerts", got
    assert got["history"] is False, got
    stop(listener)


def test_muc_password_protected_room(spawn_xmpp, run_xmpp, server):
    room = room_jid(server, "secret-" + token())
    create_room(server, "admin", room, password="s3cret pass")
    wrong = run_xmpp("send", "--muc", room, "-m", "x", "--room-password", "wrong", "--json")
    assert wrong.code == 1, str(wrong)
    assert wrong.json["failed"][0]["error"]["condition"] == "not-authorized", str(wrong)
    listener, _ = listen(spawn_xmpp, "bob", "--muc", room, "--room-password", "s3cret pass")
    mark = token()
    run = run_xmpp("send", "--muc", room, "-m", mark, "--room-password", "s3cret pass", "--json")
    assert run.code == 0, str(run)
    next_message(listener, lambda m: m["body"] == mark)
    stop(listener)


def test_muc_room_that_refuses_us(run_xmpp, server):
    room = room_jid(server, "members-" + token())
    create_room(server, "admin", room, members_only=True)
    run = run_xmpp("send", "--muc", room, "-m", "x", "--json")
    assert run.code == 1, str(run)
    (failed,) = run.json["failed"]
    assert failed["to"] == room, str(run)
    assert failed["error"]["condition"] == "registration-required", str(run)
    assert "members-only" in run.stderr, str(run)


def test_muc_room_that_does_not_exist_is_not_created(run_xmpp, server):
    room = room_jid(server, "typo-" + token())
    run = run_xmpp("send", "--muc", room, "-m", "x", "--json")
    assert run.code == 1, str(run)
    assert run.json["failed"][0]["error"]["condition"] == "item-not-found", str(run)


def received_bodies(listener, prefix, count, timeout):
    """Bodies starting with `prefix`, until `count` arrived (or the deadline passed)."""
    bodies = []
    deadline = time.monotonic() + timeout
    while len(bodies) < count:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        line = listener.next_line(left)
        if line is None:
            break
        if '"kind":"message"' not in line:
            continue
        body = json.loads(line)["body"] or ""
        if body.startswith(prefix):
            bodies.append(body)
    return bodies


def test_lines_10000_arrive_in_order_and_none_twice(spawn_xmpp, run_xmpp, server, new_account):
    # A fresh recipient: bob may still have sessions of earlier tests' killed listeners awaiting
    # XEP-0198 resumption, which get copies of every message to the bare JID and which ejabberd
    # ends (bouncing their queues back to the sender) once 5,000 stanzas are unacknowledged.
    recipient = new_account("bulk")
    listener, _ = listen(spawn_xmpp, recipient, "--from", server.jid("alice"))
    mark = token()
    lines = [f"{mark} {i}" for i in range(1, 10001)]
    run = run_xmpp("send", server.jid(recipient), "--lines", "--json",
                   input="\n".join(lines) + "\n", timeout=300)
    assert run.code == 0, str(run)
    assert len(run.json["sent"]) == 10000 and run.json["failed"] == [], str(run)[:2000]
    bodies = received_bodies(listener, mark, 10000, 240)
    assert bodies == lines, f"{len(bodies)} received; first difference at " + str(
        next((i for i, (a, b) in enumerate(zip(bodies, lines)) if a != b), len(bodies)))
    stop(listener)


def test_lines_survive_a_server_crash(spawn_xmpp, run_xmpp, server):
    """The server is killed (SIGKILL: no stream management state survives) and started again in
    the middle of a --lines run: every line is delivered exactly once, or reported as
    unconfirmed; none is silently lost."""
    listener, _ = listen(spawn_xmpp, "bob", "--from", server.jid("alice"), "--retries", "20")
    mark = token()
    sender = spawn_xmpp("send", server.jid("bob"), "--lines", "--json", "-v", "--retries", "20",
                        stdin=subprocess.PIPE)
    total = 400

    def feed(first, last):
        for i in range(first, last + 1):
            sender.proc.stdin.write(f"{mark} {i}\n".encode())
        sender.proc.stdin.flush()

    feed(1, 200)
    got = received_bodies(listener, mark, 200, WAIT_S)
    assert len(got) == 200, f"only {len(got)} of the first 200 arrived"
    subprocess.run([str(TEST_SERVER), "crash", str(server.dir)], check=True, timeout=60)
    feed(201, 300)  # written while the server is down
    subprocess.run([str(TEST_SERVER), "revive", str(server.dir)], check=True, timeout=120)
    feed(301, total)
    sender.proc.stdin.close()
    assert sender.wait(timeout=240) in (0, 75), str(sender)
    assert "connection lost" in sender.stderr, str(sender)  # it did live through the crash
    report = json.loads(sender.lines[-1])
    confirmed = {m["line"] for m in report["sent"]}
    unconfirmed = {m["line"] for m in report["failed"]}
    assert confirmed | unconfirmed == set(range(1, total + 1)), str(sender)
    # Whatever was confirmed arrives, exactly once; the listener dedupes by origin-id.
    expected = {f"{mark} {i}" for i in confirmed}
    deadline = time.monotonic() + WAIT_S
    seen = list(got)
    while not expected <= set(seen) and time.monotonic() < deadline:
        seen += received_bodies(listener, mark, 1, deadline - time.monotonic())
    missing = expected - set(seen)
    assert not missing, f"{len(missing)} confirmed lines never arrived: {sorted(missing)[:10]}"
    duplicates = {b for b in seen if seen.count(b) > 1}
    assert not duplicates, f"delivered twice: {sorted(duplicates)[:10]}"
    stop(listener)
