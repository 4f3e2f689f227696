"""`xmpp listen` (CLI.md "listen", man xmpp-listen): a listener logged in as bob, messages injected
by other clients (xmpp_client.py, python3-slixmpp). Every wait has a deadline: a listener is
waited for by its {"kind":"ready"} line, a message by its line on stdout."""

from __future__ import annotations

import json
import os
import queue
import re
import select
import signal
import socket
import subprocess
import threading
import time
import uuid

import pytest

from xmpp_client import XmppClient

MESSAGE_KEYS = {"kind", "from", "to", "type", "id", "body", "subject", "thread", "delay", "history",
                "carbon", "origin_id", "room", "nick", "oob", "error"}
PRESENCE_KEYS = {"kind", "from", "to", "type", "show", "status", "priority", "delay", "room",
                 "nick", "error"}
WAIT_S = 30


def objects(lines):
    return [json.loads(line) for line in lines if line.strip()]


def start_listener(spawn_xmpp, *args, senders=(), user="bob", **kwargs):
    """A listener that has logged in, sent its presence and joined its rooms. With `senders`
    (clients or JIDs), it listens only to them (--from): messages an earlier test left for bob
    (offline storage, sessions hibernating after a kill) then never count."""
    only = [a for s in senders for a in ("--from", getattr(s, "jid", s))]
    listener = spawn_xmpp("listen", "--json", "-v", *only, *args, user=user, **kwargs)
    ready = json.loads(listener.wait_for_line(lambda l: '"kind":"ready"' in l, timeout=WAIT_S))
    assert ready["jid"].startswith(f"{user}@"), ready
    return listener, ready


def next_object(listener, kind="message"):
    return json.loads(listener.wait_for_line(lambda l: f'"kind":"{kind}"' in l, timeout=WAIT_S))


@pytest.fixture
def command(server, dns, xmpp_bin, tmp_path):
    """command(*args, user='bob') -> (argv, env): the binary as run_xmpp runs it, for tests that
    need their own pipes (human output with readiness on stderr, a reader that goes away)."""
    def make(*args, user="bob"):
        home = tmp_path / "home-own"
        (home / ".config").mkdir(parents=True, exist_ok=True)
        argv = [xmpp_bin, "--password-file", server.password_file(user), "--ca-file", server.ca,
                "--host", server.host, "--port", str(server.port), *map(str, args)]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
               "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
               "TMPDIR": str(tmp_path), "XMPP_JID": server.jid(user),
               "XMPP_DNS_SERVER": dns.address}
        for passthrough in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if passthrough in os.environ:
                env[passthrough] = os.environ[passthrough]
        return argv, env
    return make


@pytest.fixture
def alice(server):
    with XmppClient(server, "alice") as client:
        yield client


@pytest.fixture
def carol(server):
    with XmppClient(server, "carol") as client:
        yield client


# ---------------------------------------------------------------------------------------------
# Messages arrive as sent.

BODIES = [
    "markup <&>'\" stays text: <body>x</body> &amp;",
    "emoji 😀👍🏽 and a ZWJ family 👨‍👩‍👧",
    "right-to-left: שלום עולם / مرحبا بالعالم",
    "line one\nline two\n\tindented",
    # 64 KiB of mixed text: one stanza well under the 1 MiB limit, many TLS records.
    ("0123456789abcdef ÄÖÜ € 😀 שלום\n" * 2100)[: 64 * 1024],
]


def test_bodies_arrive_byte_exact(spawn_xmpp, server, alice):
    listener, _ = start_listener(spawn_xmpp, "--count", str(len(BODIES)), senders=[alice])
    for i, body in enumerate(BODIES):
        alice.send_message(server.jid("bob"), body, id=f"exact-{i}")
    assert listener.wait() == 0, str(listener)
    got = objects(l for l in listener.lines if '"kind":"message"' in l)
    assert [m["body"] for m in got] == BODIES, str(listener)
    for i, m in enumerate(got):
        assert set(m) == MESSAGE_KEYS, m
        assert m["kind"] == "message" and m["type"] == "chat" and m["id"] == f"exact-{i}"
        assert m["from"] == alice.jid and m["history"] is False and m["carbon"] is None
        assert m["delay"] is None and m["error"] is None


def test_count_ends_after_n_and_no_more(spawn_xmpp, server, alice):
    listener, _ = start_listener(spawn_xmpp, "--count", "2", senders=[alice])
    for i in range(4):
        alice.send_message(server.jid("bob"), f"m{i}")
    assert listener.wait() == 0, str(listener)
    assert [m["body"] for m in objects(listener.lines) if m["kind"] == "message"] == ["m0", "m1"]


def test_from_filter_bare_and_full(spawn_xmpp, server, alice, carol):
    listener, _ = start_listener(spawn_xmpp, "--from", server.jid("carol"), "--count", "1")
    alice.send_message(server.jid("bob"), "from alice: not shown")
    carol.send_message(server.jid("bob"), "from carol")
    assert listener.wait() == 0, str(listener)
    shown = [m for m in objects(listener.lines) if m["kind"] == "message"]
    assert [(m["from"], m["body"]) for m in shown] == [(carol.jid, "from carol")]

    listener, _ = start_listener(spawn_xmpp, "--from", f"{server.jid('alice')}/elsewhere",
                                 "--from", carol.jid, "--count", "1")
    alice.send_message(server.jid("bob"), "other resource: not shown")
    carol.send_message(server.jid("bob"), "exact full JID")
    assert listener.wait() == 0, str(listener)
    assert [m["body"] for m in objects(listener.lines) if m["kind"] == "message"] == [
        "exact full JID"]


def test_type_filter_and_headline(spawn_xmpp, server, alice):
    listener, _ = start_listener(spawn_xmpp, "--type", "headline,normal", "--count", "2",
                                 senders=[alice])
    alice.send_message(server.jid("bob"), "chat: not shown", mtype="chat")
    alice.send_message(server.jid("bob"), "news", mtype="headline")
    alice.send_message(server.jid("bob"), "letter", mtype="normal", subject="Re: plans")
    assert listener.wait() == 0, str(listener)
    shown = [m for m in objects(listener.lines) if m["kind"] == "message"]
    assert [(m["type"], m["body"], m["subject"]) for m in shown] == [
        ("headline", "news", None), ("normal", "letter", "Re: plans")]


def test_oob_thread_and_error_messages(spawn_xmpp, server, alice, carol):
    listener, ready = start_listener(spawn_xmpp, "--count", "2", senders=[alice, carol])
    alice.send_message(server.jid("bob"), "see link", oob="https://example.test/f.png",
                       extra="<thread>t-1</thread>")
    # An error message addressed to us (a bounce) is shown as such. To the full JID: RFC 6121
    # §8.5.2.1.1, the server drops an error message to a bare JID.
    carol.send_raw(f"<message to='{ready['jid']}' type='error' id='e1'>"
                   "<error type='cancel'><item-not-found "
                   "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text "
                   "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>gone</text></error></message>")
    assert listener.wait() == 0, str(listener)
    shown = [m for m in objects(listener.lines) if m["kind"] == "message"]
    # Two senders, two connections: either may arrive first.
    [link] = [m for m in shown if m["type"] == "chat"]
    [error] = [m for m in shown if m["type"] == "error"]
    assert link["oob"] == "https://example.test/f.png" and link["thread"] == "t-1"
    assert error["type"] == "error" and error["from"] == carol.jid and error["id"] == "e1"
    assert error["error"] == {"type": "cancel", "condition": "item-not-found", "text": "gone"}


def test_human_lines_escape_remote_text(command, server, alice):
    """Human output: "[HH:MM:SS] FROM (TAGS): BODY", continuation lines indented, terminal
    controls escaped (SECURITY.md row 51). Readiness comes from the -v note on stderr."""
    argv, env = command("listen", "-v", "--count", "2", "--from", alice.jid)
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_stderr(proc, b"listening as ")
        # XML 1.0 cannot carry C0 controls such as ESC; C1 controls (CSI, U+009B), bidi
        # overrides and an escaped carriage return (&#13;) all arrive.
        alice.send_raw(f"<message to='{server.jid('bob')}' type='chat'><body>evil &#x9b;2J "
                       "&#x202e;gnp.exe&#13;over\nsecond line</body></message>")
        alice.send_message(server.jid("bob"), "news", mtype="headline")
        out, err = proc.communicate(timeout=WAIT_S)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    lines = out.decode().splitlines()
    assert re.fullmatch(r"\[\d\d:\d\d:\d\d\] " + re.escape(alice.jid) +
                        r": evil \\u009b2J \\u202egnp\.exe", lines[0]), lines
    # Prosody writes the CR as it is, and XML end-of-line handling makes it a line feed.
    assert lines[1:3] == ["    over", "    second line"], lines
    assert re.fullmatch(r"\[\d\d:\d\d:\d\d\] " + re.escape(alice.jid) + r" \(headline\): news",
                        lines[3]), lines
    assert not set(out.decode()) & {"\x9b", "\u202e", "\r"}, out


def wait_stderr(proc, needle: bytes, timeout: float = WAIT_S) -> None:
    """Reads proc's stderr (a pipe) until `needle` appears; fails after `timeout`."""
    deadline = time.monotonic() + timeout
    seen = b""
    while needle not in seen:
        left = deadline - time.monotonic()
        if left <= 0 or proc.poll() is not None:
            pytest.fail(f"no {needle!r} on stderr within {timeout}s: {seen!r}")
        ready, _, _ = select.select([proc.stderr], [], [], left)
        if ready:
            chunk = os.read(proc.stderr.fileno(), 4096)
            if not chunk:
                pytest.fail(f"stderr closed before {needle!r}: {seen!r}")
            seen += chunk


# ---------------------------------------------------------------------------------------------
# Receipts (XEP-0184) and duplicates (XEP-0359 origin-id).

def has_receipt(message_id):
    def match(m):
        received = m.find("{urn:xmpp:receipts}received")
        return received is not None and received.get("id") == message_id
    return match


def barrier(client):
    """A message to ourselves and back: everything the server routed to us before is in."""
    token = uuid.uuid4().hex
    client.send_message(client.jid, token, mtype="chat")
    client.wait_for(lambda m: m.findtext("{jabber:client}body") == token)


def test_receipt_sent_when_requested(spawn_xmpp, server, alice):
    listener, ready = start_listener(spawn_xmpp, "--count", "2", senders=[alice])
    alice.send_message(server.jid("bob"), "please confirm", id="r-1", receipt=True)
    receipt = alice.wait_for(has_receipt("r-1"))
    assert receipt.get("from") == ready["jid"]
    assert [e.tag for e in receipt] == ["{urn:xmpp:receipts}received"]  # XEP-0184 §5: alone
    # No request, no receipt; groupchat and errors never get one (unit tests).
    alice.send_message(server.jid("bob"), "no request", id="r-2")
    assert listener.wait() == 0, str(listener)
    barrier(alice)
    assert not alice_received_receipt(alice, "r-2")


def alice_received_receipt(client, message_id) -> bool:
    """Whether a receipt for `message_id` is among what the client received so far."""
    while True:
        try:
            m = client._inbox.get_nowait()
        except queue.Empty:
            return False
        if has_receipt(message_id)(m):
            return True


def test_no_receipts_flag(spawn_xmpp, server, alice):
    listener, _ = start_listener(spawn_xmpp, "--no-receipts", "--count", "1", senders=[alice])
    alice.send_message(server.jid("bob"), "please confirm", id="nr-1", receipt=True)
    assert listener.wait() == 0, str(listener)
    barrier(alice)
    assert not alice_received_receipt(alice, "nr-1")


def test_duplicate_origin_id_shown_once_but_receipted_again(spawn_xmpp, server, alice):
    listener, _ = start_listener(spawn_xmpp, "--count", "2", senders=[alice])
    alice.send_message(server.jid("bob"), "first", id="d-1", origin_id="same", receipt=True)
    alice.wait_for(has_receipt("d-1"))
    # A retransmission (same origin-id, new stanza id) is not shown, but its receipt is sent:
    # the sender is retransmitting because it did not see the first one.
    alice.send_message(server.jid("bob"), "first", id="d-2", origin_id="same", receipt=True)
    alice.wait_for(has_receipt("d-2"))
    alice.send_message(server.jid("bob"), "second", origin_id="other")
    assert listener.wait() == 0, str(listener)
    shown = [m for m in objects(listener.lines) if m["kind"] == "message"]
    assert [(m["body"], m["origin_id"]) for m in shown] == [("first", "same"), ("second", "other")]


# ---------------------------------------------------------------------------------------------
# Carbons (XEP-0280): only from our own account (SECURITY.md row 36).

def forged_carbon(server, claimed_sender, body):
    return (f"<message to='{server.jid('bob')}' type='chat'>"
            "<received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>"
            f"<message xmlns='jabber:client' from='{claimed_sender}' "
            f"to='{server.jid('bob')}/other' type='chat'><body>{body}</body></message>"
            "</forwarded></received></message>")


@pytest.mark.parametrize("carbons", [True, False])
def test_carbon_from_a_foreign_jid_is_ignored(spawn_xmpp, server, carol, carbons):
    args = ["--count", "1"] + (["--carbons"] if carbons else [])
    listener, _ = start_listener(spawn_xmpp, *args, senders=[carol])
    # carol wraps a message "from alice" in a carbon: the server passes it through, from carol.
    carol.send_raw(forged_carbon(server, f"{server.jid('alice')}/home", "forged"))
    carol.send_message(server.jid("bob"), "after the forgery")
    assert listener.wait() == 0, str(listener)
    shown = [m for m in objects(listener.lines) if m["kind"] == "message"]
    assert [(m["from"], m["body"], m["carbon"]) for m in shown] == [
        (carol.jid, "after the forgery", None)], str(listener)
    assert "forged" not in "\n".join(listener.lines)


def test_carbons_of_our_other_client(spawn_xmpp, server, alice):
    # --trace: the listener's XML is part of a failure report (on ejabberd the received copy was
    # missing in full runs until the phone counted as logged in only after its presence was
    # reflected: EJABBERD.md item 9).
    listener, ready = start_listener(spawn_xmpp, "--trace", "-", "--carbons", "--count", "2",
                                     senders=[alice])
    with XmppClient(server, "bob", resource="phone") as phone:
        # To the other client's full JID: listen gets the server's copy (received).
        alice.send_message(phone.jid, "to the phone", id="c-1")
        phone.wait_for(lambda m: m.findtext("{jabber:client}body") == "to the phone")
        # Sent by the other client: listen gets a sent copy.
        phone.send_message(alice.jid, "from the phone", id="c-2")
        assert listener.wait() == 0, str(listener)
    received, sent = [m for m in objects(listener.lines) if m["kind"] == "message"]
    assert (received["carbon"], received["from"], received["body"]) == (
        "received", alice.jid, "to the phone")
    assert (sent["carbon"], sent["from"], sent["to"], sent["body"]) == (
        "sent", phone.jid, alice.jid, "from the phone")


# ---------------------------------------------------------------------------------------------
# Presence.

def test_presence(spawn_xmpp, server, alice):
    listener, _ = start_listener(spawn_xmpp, "--presence", "--count", "1", senders=[alice])
    alice.send_raw(f"<presence to='{server.jid('bob')}'><show>away</show>"
                   "<status>lunch &amp; more</status><priority>5</priority></presence>")
    assert listener.wait() == 0, str(listener)
    presence = next(o for o in objects(listener.lines) if o["kind"] == "presence")
    assert set(presence) == PRESENCE_KEYS
    assert (presence["from"], presence["type"], presence["show"], presence["status"],
            presence["priority"]) == (alice.jid, "available", "away", "lunch & more", 5)


# ---------------------------------------------------------------------------------------------
# Rooms (XEP-0045): history flagged, only rooms we joined (SECURITY.md row 53).

def test_muc_history_and_live(spawn_xmpp, server, alice, carol):
    room = f"listen-{uuid.uuid4().hex[:8]}@conference.{server.domain}"
    # alice creates the room (instant room, XEP-0045 §10.1.2) and says something before bob joins.
    alice.send_raw(f"<presence to='{room}/alice'><x xmlns='http://jabber.org/protocol/muc'/>"
                   "</presence>")
    create_instant_room(alice, room)
    alice.send_message(room, "before bob came", mtype="groupchat", origin_id="h-1")
    alice.wait_for(lambda m: m.findtext("{jabber:client}body") == "before bob came")

    listener, ready = start_listener(spawn_xmpp, "--muc", room, "--count", "3",
                                     senders=[room, alice, carol])
    assert ready["rooms"] == [room]
    # A groupchat message from somewhere that is not a room we joined is ignored.
    carol.send_message(server.jid("bob"), "fake room message", mtype="groupchat")
    alice.send_message(room, "live now", mtype="groupchat")
    alice.send_message(server.jid("bob"), "direct")
    assert listener.wait() == 0, str(listener)
    shown = [m for m in objects(listener.lines) if m["kind"] == "message"]
    seen = [(m["body"], m["history"], m["room"], m["nick"]) for m in shown]
    # The history comes first; the room's live message and alice's direct one take different
    # routes (the room relays one), so either may arrive first (ejabberd: often the direct one).
    assert seen[0] == ("before bob came", True, room, "alice"), str(listener)
    assert sorted(seen[1:], key=repr) == sorted([
        ("live now", False, room, "alice"),
        ("direct", False, None, None),
    ], key=repr), str(listener)
    assert shown[0]["delay"] is not None and shown[0]["type"] == "groupchat"


def create_instant_room(client, room):
    """Accepts the default configuration of a room the client just created (XEP-0045 §10.1.2)."""
    client.send_raw(f"<iq type='set' to='{room}' id='create-{uuid.uuid4().hex}'>"
                    "<query xmlns='http://jabber.org/protocol/muc#owner'>"
                    "<x xmlns='jabber:x:data' type='submit'/></query></iq>")


def test_muc_room_that_does_not_exist(run_xmpp, server):
    room = f"nobody-{uuid.uuid4().hex[:8]}@conference.{server.domain}"
    run = run_xmpp("listen", "--json", "--muc", room, "--timeout", "20", user="bob")
    assert run.code == 1, str(run)
    assert run.error["error"]["condition"] == "item-not-found", str(run)


# ---------------------------------------------------------------------------------------------
# How listening ends.

def test_sigint_ends_with_exit_0_and_closes_the_stream(spawn_xmpp, server, alice, tmp_path):
    trace = tmp_path / "listen.trace"
    listener, _ = start_listener(spawn_xmpp, "--trace", str(trace), senders=[alice])
    alice.send_message(server.jid("bob"), "one")
    next_object(listener)
    listener.signal(signal.SIGINT)
    assert listener.wait() == 0, str(listener)
    assert "interrupted" not in listener.stderr
    lines = trace.read_text().splitlines()
    assert any(" OUT </stream:stream>" in l for l in lines), lines[-5:]
    assert any(" IN </stream:stream>" in l for l in lines), lines[-5:]


def test_sigterm_still_exits_143(spawn_xmpp):
    listener, _ = start_listener(spawn_xmpp)
    listener.signal(signal.SIGTERM)
    assert listener.wait() == 143, str(listener)


def test_timeout_is_a_normal_end(run_xmpp):
    started = time.monotonic()
    run = run_xmpp("listen", "--json", "--timeout", "3", user="bob")
    assert run.code == 0, str(run)
    assert 2.5 < time.monotonic() - started < 20
    assert [o["kind"] for o in objects(run.stdout.splitlines())] == ["ready"], str(run)


def test_count_not_reached_by_the_timeout_is_exit_75(run_xmpp):
    run = run_xmpp("listen", "--json", "--count", "1", "--timeout", "3", user="bob")
    assert run.code == 75, str(run)
    assert run.error["error"]["code"] == "timeout", str(run)
    assert "0 of 1" in run.stderr


def test_closed_stdout_ends_quietly(command, server, alice):
    """`xmpp listen | head -1`: once the reader is gone, listen ends with exit 0."""
    argv, env = command("listen", "--json", "--from", alice.jid)
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert b'"kind":"ready"' in proc.stdout.readline()
        proc.stdout.close()
        alice.send_message(server.jid("bob"), "nobody reads this")
        code = proc.wait(timeout=WAIT_S)
        err = proc.stderr.read().decode()
    finally:
        proc.kill()
    assert code == 0, err
    assert err == "", err


def test_usage_errors(run_xmpp):
    for args in (["--type", "bogus"], ["--count", "0"], ["--from", "a@b@c"],
                 ["--muc", "room@conference.example.test/nick"], ["--nick", "x"]):
        run = run_xmpp("listen", *args, user="bob")
        assert run.code == 64, str(run)


# ---------------------------------------------------------------------------------------------
# Reconnection (--retries): the connection dropped under the listener.

class Proxy:
    """A TCP relay on 127.0.0.1 to the server's STARTTLS port whose connections the test can cut."""

    def __init__(self, target_port: int):
        self.target = ("127.0.0.1", target_port)
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.accepted = threading.Semaphore(0)
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.connections += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()
            self.accepted.release()

    @staticmethod
    def _pump(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        with self.lock:
            for s in self.connections:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self.connections.clear()

    def close(self):
        self.listener.close()
        self.cut()


def test_reconnects_with_retries_and_keeps_listening(spawn_xmpp, server, alice):
    proxy = Proxy(server.port)
    try:
        listener, _ = start_listener(spawn_xmpp, "--retries", "3", "--count", "2",
                                     senders=[alice], port=proxy.port)
        alice.send_message(server.jid("bob"), "before the cut")
        assert next_object(listener)["body"] == "before the cut"
        proxy.cut()
        # Resumed (XEP-0198) or logged in again: either way a new connection and a ready line.
        assert proxy.accepted.acquire(timeout=WAIT_S)  # the first connection
        assert proxy.accepted.acquire(timeout=WAIT_S), str(listener)
        listener.wait_for_line(lambda l: '"kind":"ready"' in l, timeout=WAIT_S)
        alice.send_message(server.jid("bob"), "after the cut")
        assert listener.wait() == 0, str(listener)
    finally:
        proxy.close()
    bodies = [m["body"] for m in objects(listener.lines) if m["kind"] == "message"]
    assert bodies == ["before the cut", "after the cut"], str(listener)
    assert sum('"kind":"ready"' in line for line in listener.lines) == 2, str(listener)
    assert "reconnecting" in listener.stderr


def test_lost_connection_without_retries_is_exit_75(spawn_xmpp, server):
    proxy = Proxy(server.port)
    try:
        listener, _ = start_listener(spawn_xmpp, port=proxy.port)
        proxy.cut()
        assert listener.wait() == 75, str(listener)
    finally:
        proxy.close()
