"""`xmpp jingle-file receive` against hostile Jingle senders (issue 11; SECURITY.md rows 43-45,
47-50):
a scripted peer (jingle_peer.py) sends offers and IBB data no honest `xmpp jingle-file send` would,
and each test checks the receiver's exit status, that it ended in time, what is (and is not) in its
--dir and around it, and what went on the wire.

The receiver logs in as a fresh account and takes files from the scripted peer by --from."""

from __future__ import annotations

import base64
import hashlib
import json
import signal
import socket
import threading
import time
import xml.etree.ElementTree as ET

import pytest

from jingle_peer import (IBB, IBB_TRANSPORT, JINGLE, JinglePeer, OMIT, S5B_TRANSPORT,
                         file_description, s5b_transport)
from test_jingle_file import objects, results

WAIT_S = 30
STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"


def start_receiver(spawn_xmpp, tmp_path, user, *args, inbox_name="inbox"):
    """A receiver logged in as `user`, with --dir inside its own parent (so that a test sees
    anything written next to it), once it printed its ready line."""
    parent = tmp_path / f"parent-{inbox_name}"
    inbox = parent / "inbox"
    inbox.mkdir(parents=True)
    proc = spawn_xmpp("--resource", "recv", "jingle-file", "receive", "--json", "-v", "--dir",
                      inbox, *args, user=user)
    ready = json.loads(proc.wait_for_line(lambda l: '"kind":"ready"' in l, timeout=WAIT_S))
    return proc, ready["jid"], inbox


def timed_wait(proc, limit=WAIT_S):
    """The exit status, failing unless the process ended within `limit` seconds."""
    start = time.monotonic()
    code = proc.wait(limit)
    assert time.monotonic() - start <= limit
    return code


@pytest.fixture
def peer_and_receiver(spawn_xmpp, new_account, server, tmp_path):
    """make(*args, allow=None) -> (peer, receiver process, receiver JID, inbox): a scripted peer
    (a fresh account) logged in, and a receiver (another fresh account) taking --count 1 from it
    (or, with allow, --from that JID instead)."""
    opened = []

    def make(*args, allow=None):
        sender = new_account("hostile")
        peer = JinglePeer(server, sender).__enter__()
        opened.append(peer)
        me = new_account("inbox")
        proc, jid, inbox = start_receiver(spawn_xmpp, tmp_path, me, "--count", "1",
                                          "--from", allow or server.jid(sender), *args)
        return peer, proc, jid, inbox

    yield make
    for peer in opened:
        peer.close()


def test_honest_ibb_transfer_is_received(peer_and_receiver):
    """The scripted peer itself works: an honest offer over IBB is received and verified."""
    peer, proc, jid, inbox = peer_and_receiver()
    data = b"hello, world\n" * 1000
    sid = peer.offer(jid, name="hello.txt", data=data)
    peer.wait_jingle(sid, "session-accept")
    replies = peer.send_ibb(jid, sid, data)
    assert all(r.get("type") == "result" for r in replies), replies
    peer.terminate(jid, sid)
    assert timed_wait(proc) == 0, str(proc)
    assert (inbox / "hello.txt").read_bytes() == data
    assert results(proc)[0]["status"] == "received", str(proc)


# ---------------------------------------------------------------------------------------------
# Row 47: offered names. Each lands as one safe basename inside --dir (or is declined); nothing
# appears next to --dir; the file is private.

# name offered -> the name written, or None: declined (the offer event says why).
# Not here: NUL and ESC cannot be sent at all (XML 1.0 forbids them, even as &#27;).
HOSTILE_NAMES = {
    "dotdot-etc-passwd": ("../../etc/passwd", "passwd"),
    "absolute": ("/etc/passwd", "passwd"),
    "backslashes": ("..\\..\\x", "x"),
    "percent-encoded": ("%2e%2e%2fx", "%2e%2e%2fx"),  # never decoded: one harmless name
    "subdir": ("a/b", "b"),
    "dotdot": ("..", None),
    "dot": (".", None),
    "empty": ("", None),
    "long": ("a" * 4096, "a" * 255),
    "dos-device": ("CON", "_CON"),
    "trailing-dot-space": ("name. ", "name"),
    "division-slash": ("x\u2215y", "y"),
    "newline": ("x\ny", "x_y"),
    "hidden-startup-file": (".bashrc", "_bashrc"),
    "hidden-in-a-subdir": ("x/.profile", "_profile"),
}


@pytest.mark.parametrize("name,expected", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_row47_offered_name_lands_as_one_safe_basename(peer_and_receiver, name, expected):
    peer, proc, jid, inbox = peer_and_receiver()
    data = b"not a path\n" * 100
    sid = peer.offer(jid, name=name, data=data)
    answer = peer.wait_jingle(sid, ("session-accept", "session-terminate"))
    offer = json.loads(proc.wait_for_line(lambda l: '"kind":"offer"' in l, timeout=WAIT_S))
    assert offer["file"] == name, offer
    if expected is None:
        assert answer.get("action") == "session-terminate", answer
        assert offer["accepted"] is False and "name" in offer["reason"], offer
        # like an offer over --max-size: a failed file that counts toward --count
        assert timed_wait(proc) == 65, str(proc)
        assert list(inbox.iterdir()) == []
    else:
        assert answer.get("action") == "session-accept", answer
        assert offer["accepted"] is True, offer
        replies = peer.send_ibb(jid, sid, data)
        assert all(r.get("type") == "result" for r in replies), replies
        peer.terminate(jid, sid)
        assert timed_wait(proc) == 0, str(proc)
        assert [p.name for p in inbox.iterdir()] == [expected]
        saved = inbox / expected
        assert saved.is_file() and not saved.is_symlink()
        assert saved.read_bytes() == data
        assert saved.stat().st_mode & 0o777 == 0o600, oct(saved.stat().st_mode)
        assert results(proc)[0]["path"] == str(saved), str(proc)
    # nothing beside --dir, nothing in the test's directories above it
    assert [p.name for p in inbox.parent.iterdir()] == ["inbox"]
    assert not (inbox.parent.parent / "etc").exists()
    assert not (inbox.parent.parent / "x").exists()


# ---------------------------------------------------------------------------------------------
# Row 48: sizes.

def test_row48_more_data_than_declared_leaves_no_file_and_exits_65(peer_and_receiver):
    """<size>1024</size>, then 10 KiB: the receiver refuses the block past 1 KiB, deletes its
    temporary file and exits 65."""
    peer, proc, jid, inbox = peer_and_receiver()
    data = bytes(range(256)) * 40  # 10 KiB
    sid = peer.offer(jid, name="small.bin", data=data, size=1024)
    assert peer.wait_jingle(sid, ("session-accept", "session-terminate")).get("action") == \
        "session-accept"
    replies = peer.send_ibb(jid, sid, data, block_size=1024)
    # the open and the first block are taken; a block past 1024 bytes is refused (the receiver
    # may acknowledge one block before its writer sees the overflow), long before the 10th
    types = [r.get("type") for r in replies]
    assert types[-1] == "error" and "error" not in types[:-1] and len(types) <= 4, types
    assert peer.wait_jingle(sid, "session-terminate") is not None
    assert timed_wait(proc) == 65, str(proc)
    assert list(inbox.iterdir()) == []
    assert [p.name for p in inbox.parent.iterdir()] == ["inbox"]
    got = results(proc)
    assert len(got) == 1 and got[0]["status"] == "failed", str(proc)
    assert got[0]["bytes"] <= 1024 and got[0]["error"]["code"] == "too_much_data", got


def test_row48_missing_size_is_declined(peer_and_receiver):
    """No <size/>: declined (nothing unbounded is written), a failed offer: exit 65."""
    peer, proc, jid, inbox = peer_and_receiver()
    sid = peer.offer(jid, name="unsized.bin", data=b"x" * 100, size=OMIT)
    reason = peer.wait_jingle(sid, ("session-accept", "session-terminate"))
    assert reason.get("action") == "session-terminate", reason
    assert reason.find(f"{{{JINGLE}}}reason/{{{JINGLE}}}decline") is not None
    assert timed_wait(proc) == 65, str(proc)
    offer = objects(proc.lines, "offer")[0]
    assert offer["accepted"] is False and offer["size"] is None, offer
    assert list(inbox.iterdir()) == []


@pytest.mark.parametrize("size", ["18446744073709551615", "-1", "1e3", "", "12abc"],
                         ids=["uint64-max", "negative", "float", "empty", "trailing-junk"])
def test_row48_unusable_size_is_refused(peer_and_receiver, size):
    """A <size/> that is no size the receiver can honour: the session is terminated at once with
    failed-application and a text naming the size, no IBB is opened, nothing is written, the
    offer does not count and the receiver carries on."""
    peer, proc, jid, inbox = peer_and_receiver()
    sid = peer.offer(jid, name="sized.bin", data=b"x" * 100, size=size)
    answer = peer.wait_jingle(sid, ("session-accept", "session-terminate"))
    assert answer.get("action") == "session-terminate", answer
    reason = answer.find(f"{{{JINGLE}}}reason")
    assert reason is not None and reason.find(f"{{{JINGLE}}}failed-application") is not None, \
        ET.tostring(answer, encoding="unicode")
    assert "size" in (reason.findtext(f"{{{JINGLE}}}text") or ""), \
        ET.tostring(answer, encoding="unicode")
    # an IBB open for the refused session is refused too
    assert peer.wait_reply(peer.ibb_open(jid, sid)).get("type") == "error"
    assert list(inbox.iterdir()) == []
    assert proc.proc.poll() is None, str(proc)
    proc.signal(signal.SIGINT)
    assert timed_wait(proc) == 0, str(proc)
    assert list(inbox.iterdir()) == []
    assert [p.name for p in inbox.parent.iterdir()] == ["inbox"]


# ---------------------------------------------------------------------------------------------
# Row 49: IBB abuse. Each breaks the bytestream after the open and (but for the oversized chunk)
# one good block of 1000 bytes: the receiver answers the bad <data/> with an error, closes the
# bytestream itself (<close/>), terminates the session, deletes what it had and exits 76.

IBB_ABUSE = {
    # name: (the bad block's seq, or the text of block 1; the error condition expected)
    "skipped-seq": (2, "unexpected-request"),
    "repeated-seq": (0, "unexpected-request"),
    "base64-leading-pad": ("=AAA", "bad-request"),
    "base64-star": ("AA*A", "bad-request"),
    "oversized-chunk": (None, "not-acceptable"),
}


@pytest.mark.parametrize("how", IBB_ABUSE.keys())
def test_row49_ibb_abuse_closes_the_bytestream(peer_and_receiver, how):
    arg, condition = IBB_ABUSE[how]
    peer, proc, jid, inbox = peer_and_receiver()
    data = bytes(range(256)) * 16  # 4 KiB
    block = 1024
    sid = peer.offer(jid, name="ibb.bin", data=data, block_size=block)
    assert peer.wait_jingle(sid, ("session-accept", "session-terminate")).get("action") == \
        "session-accept"
    assert peer.wait_reply(peer.ibb_open(jid, sid, block)).get("type") == "result"
    good = base64.b64encode(data[:1000]).decode()
    if how == "oversized-chunk":
        bad = peer.ibb_data(jid, sid, 0, base64.b64encode(data[:2 * block]).decode())
    else:
        assert peer.wait_reply(peer.ibb_data(jid, sid, 0, good)).get("type") == "result"
        bad = (peer.ibb_data(jid, sid, arg, good) if isinstance(arg, int)
               else peer.ibb_data(jid, sid, 1, arg))
    reply = peer.wait_reply(bad)
    assert reply.get("type") == "error", reply
    assert reply.find(f"{{jabber:client}}error/{{{STANZAS}}}{condition}") is not None, \
        ET.tostring(reply, encoding="unicode")
    # the receiver closes the bytestream and ends the session
    peer.wait_iq(lambda iq: (c := iq.find(f"{{{IBB}}}close")) is not None
                 and c.get("sid") == sid, WAIT_S, "IBB close")
    peer.wait_jingle(sid, "session-terminate")
    assert timed_wait(proc) == 76, str(proc)
    got = results(proc)
    assert len(got) == 1 and got[0]["status"] == "failed", str(proc)
    assert got[0]["error"]["code"] == "ibb_closed", got
    assert list(inbox.iterdir()) == []
    assert [p.name for p in inbox.parent.iterdir()] == ["inbox"]


def test_row49_huge_block_size_is_negotiated_down(peer_and_receiver):
    """block-size='1000000' offered: the session-accept carries at most 65535 (XEP-0047 §2:
    the block size is an unsigned 16-bit number), and a transfer at that size works."""
    peer, proc, jid, inbox = peer_and_receiver()
    data = bytes(range(256)) * 1024  # 256 KiB
    sid = peer.offer(jid, name="big-blocks.bin", data=data, block_size=1000000)
    accept = peer.wait_jingle(sid, ("session-accept", "session-terminate"))
    assert accept.get("action") == "session-accept", ET.tostring(accept, encoding="unicode")
    transport = accept.find(f"{{{JINGLE}}}content/{{{IBB_TRANSPORT}}}transport")
    assert transport is not None, ET.tostring(accept, encoding="unicode")
    block = int(transport.get("block-size"))
    assert 0 < block <= 65535, block
    replies = peer.send_ibb(jid, sid, data, block_size=block)
    assert all(r.get("type") == "result" for r in replies), replies
    peer.terminate(jid, sid)
    assert timed_wait(proc) == 0, str(proc)
    assert (inbox / "big-blocks.bin").read_bytes() == data


def test_row49_open_with_the_offered_huge_block_size_is_refused(peer_and_receiver):
    """An <open/> that ignores the negotiated size and keeps block-size='1000000' is refused
    (XEP-0261 §4: resource-constraint); an open at the negotiated size then works."""
    peer, proc, jid, inbox = peer_and_receiver()
    data = b"y" * 5000
    sid = peer.offer(jid, name="retried.bin", data=data, block_size=1000000)
    accept = peer.wait_jingle(sid, ("session-accept", "session-terminate"))
    assert accept.get("action") == "session-accept"
    block = int(accept.find(f"{{{JINGLE}}}content/{{{IBB_TRANSPORT}}}transport").get("block-size"))
    reply = peer.wait_reply(peer.ibb_open(jid, sid, 1000000))
    assert reply.get("type") == "error", ET.tostring(reply, encoding="unicode")
    assert reply.find(f"{{jabber:client}}error/{{{STANZAS}}}resource-constraint") is not None, \
        ET.tostring(reply, encoding="unicode")
    assert [p.name for p in inbox.iterdir() if ".xmpp-" not in p.name] == []  # only the temp file
    replies = peer.send_ibb(jid, sid, data, block_size=block)
    assert all(r.get("type") == "result" for r in replies), replies
    peer.terminate(jid, sid)
    assert timed_wait(proc) == 0, str(proc)
    assert [p.name for p in inbox.iterdir()] == ["retried.bin"]


# ---------------------------------------------------------------------------------------------
# Row 50: who the offer is from, and many at once.

def test_row50_initiator_attribute_is_not_trusted(peer_and_receiver, new_account, server):
    """A stranger's session-initiate whose initiator names the allowed JID: judged by the
    stanza's from (XEP-0166 §7.2), so declined; nothing written; the receiver carries on."""
    allowed = server.jid(new_account("allowed"))
    stranger, proc, jid, inbox = peer_and_receiver(allow=allowed)
    sid = stranger.offer(jid, name="spoofed.bin", data=b"s" * 500, initiator=f"{allowed}/desk")
    answer = stranger.wait_jingle(sid, ("session-accept", "session-terminate"))
    assert answer.get("action") == "session-terminate", ET.tostring(answer, encoding="unicode")
    assert answer.find(f"{{{JINGLE}}}reason/{{{JINGLE}}}decline") is not None
    offer = json.loads(proc.wait_for_line(lambda l: '"kind":"offer"' in l, timeout=WAIT_S))
    assert offer["accepted"] is False and offer["from"] == stranger.jid, offer
    # IBB for the declined session goes nowhere either
    assert stranger.wait_reply(stranger.ibb_open(jid, sid)).get("type") == "error"
    assert proc.proc.poll() is None, str(proc)
    proc.signal(signal.SIGINT)
    assert timed_wait(proc) == 0, str(proc)
    assert list(inbox.iterdir()) == []


def test_row50_twenty_parallel_offers_are_capped(peer_and_receiver):
    """20 session-initiates at once from an allowed peer: a bounded number are taken (the first
    is accepted, a few queued), every other one is refused with resource-constraint; the first
    transfer completes, the receiver declines the queued ones and exits 0 in time with exactly
    that one file."""
    peer, proc, jid, inbox = peer_and_receiver()
    data = b"z" * 3000
    sids = [peer.offer(jid, name=f"many-{i}.bin", data=data) for i in range(20)]
    replies = {sid: peer.wait_reply(peer.offer_iq[sid], WAIT_S) for sid in sids}
    taken = [s for s in sids if replies[s].get("type") == "result"]
    refused = [s for s in sids if replies[s].get("type") == "error"]
    assert len(taken) + len(refused) == 20
    assert 1 <= len(taken) <= 16, len(taken)
    for sid in refused:
        assert replies[sid].find(
            f"{{jabber:client}}error/{{{STANZAS}}}resource-constraint") is not None, \
            ET.tostring(replies[sid], encoding="unicode")
    first = peer.wait_jingle(taken[0], ("session-accept", "session-terminate"))
    assert first.get("action") == "session-accept"
    assert proc.proc.poll() is None, str(proc)
    assert all(r.get("type") == "result" for r in peer.send_ibb(jid, taken[0], data))
    peer.terminate(jid, taken[0])
    assert timed_wait(proc) == 0, str(proc)
    assert [p.name for p in inbox.iterdir()] == ["many-0.bin"]
    assert (inbox / "many-0.bin").read_bytes() == data
    assert len(results(proc)) == 1, str(proc)
    # The offers still queued when --count was reached are declined, not left hanging.
    offers = objects(proc.lines, "offer")
    assert [o["accepted"] for o in offers] == [True] + [False] * (len(taken) - 1), str(proc)
    for sid in taken[1:]:
        assert peer.wait_jingle(sid, ("session-terminate",)).get("action") == "session-terminate"


# ---------------------------------------------------------------------------------------------
# Row 45: SOCKS5 candidates that point at this host.

class Listeners:
    """TCP listeners on 127.0.0.1 that count the connections they get and close each at once."""

    def __init__(self, count: int = 1):
        self.socks = []
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sock.listen(64)
            sock.settimeout(0.2)
            self.socks.append(sock)
        self.connections = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @property
    def ports(self):
        return [s.getsockname()[1] for s in self.socks]

    def _run(self):
        import selectors
        sel = selectors.DefaultSelector()
        for s in self.socks:
            sel.register(s, selectors.EVENT_READ)
        while not self._stop.is_set():
            for key, _ in sel.select(0.1):
                try:
                    conn, _ = key.fileobj.accept()
                except OSError:
                    continue
                with self._lock:
                    self.connections += 1
                conn.close()

    def close(self) -> int:
        """Stops listening; returns the number of connections, counting those still queued (call
        it once the receiver has exited: every connect it made is then accepted or queued)."""
        self._stop.set()
        self._thread.join(5)
        for s in self.socks:
            s.setblocking(False)
            while True:
                try:
                    conn, _ = s.accept()
                except OSError:
                    break
                self.connections += 1
                conn.close()
            s.close()
        return self.connections


def s5b_offer(peer, jid, candidates):
    """A file offer over XEP-0260 with the given direct candidates; returns the sid."""
    sid = f"s5b-{time.monotonic_ns()}"
    content = (file_description("local.bin", 100, "A" * 43 + "=")
               + s5b_transport(sid, peer.jid, candidates))
    peer.initiate(jid, content, sid=sid)
    return sid


def expect_candidate_error_then_end(peer, proc, jid, sid):
    """The receiver accepts, reports candidate-error (no candidate of ours worked) and, once we
    end the session without a transport, fails the file (exit 1) with nothing written."""
    accept = peer.wait_jingle(sid, ("session-accept", "session-terminate"))
    assert accept.get("action") == "session-accept", ET.tostring(accept, encoding="unicode")
    peer.wait_iq(lambda iq: (j := iq.find(f"{{{JINGLE}}}jingle")) is not None
                 and j.get("sid") == sid and j.get("action") == "transport-info"
                 and j.find(f"{{{JINGLE}}}content/{{{S5B_TRANSPORT}}}transport/"
                            f"{{{S5B_TRANSPORT}}}candidate-error") is not None,
                 WAIT_S, "candidate-error")
    peer.terminate(jid, sid)
    assert timed_wait(proc) == 1, str(proc)
    got = results(proc)
    assert len(got) == 1 and got[0]["status"] == "failed" and got[0]["transport"] is None, got


def test_row45_local_candidates_are_not_dialled_by_default(peer_and_receiver):
    """Without --allow-local-candidates, loopback candidates (by address and by the name
    localhost) are never dialled: the listeners behind them see no connection."""
    peer, proc, jid, inbox = peer_and_receiver()
    listeners = Listeners(2)
    try:
        a, b = listeners.ports
        sid = s5b_offer(peer, jid, [("127.0.0.1", a), ("localhost", b), ("::1", a),
                                    ("127.1", a), ("0.0.0.0", b), ("::ffff:127.0.0.1", a)])
        expect_candidate_error_then_end(peer, proc, jid, sid)
    finally:
        assert listeners.close() == 0
    assert list(inbox.iterdir()) == []


def test_row45_a_thousand_candidates_dial_at_most_16(peer_and_receiver):
    """1000 candidates (with --allow-local-candidates, over 40 listeners that close every
    connection at once): no crash, at most 16 dialled, candidate-error, a prompt end."""
    peer, proc, jid, inbox = peer_and_receiver("--allow-local-candidates")
    listeners = Listeners(40)
    try:
        sid = s5b_offer(peer, jid, [("127.0.0.1", listeners.ports[i % 40]) for i in range(1000)])
        expect_candidate_error_then_end(peer, proc, jid, sid)
    finally:
        dialled = listeners.close()
    assert 1 <= dialled <= 16, dialled
    assert list(inbox.iterdir()) == []


# ---------------------------------------------------------------------------------------------
# Rows 43/44: a candidate that is a lying SOCKS5 server (with --allow-local-candidates).

class FakeSocks5:
    """A SOCKS5 server on 127.0.0.1 for one candidate: it takes the client's greeting and
    CONNECT, then answers as `reply(dst_addr)` says (bytes, then EOF); it records what it got."""

    def __init__(self, method_reply: bytes, reply):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(WAIT_S)
        self.method_reply = method_reply
        self.reply = reply
        self.dst_addrs: list[bytes] = []
        self.connections = 0
        self.errors: list[str] = []
        self._release = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return self.sock.getsockname()[1]

    @staticmethod
    def _read(conn, n: int) -> bytes:
        out = b""
        while len(out) < n:
            chunk = conn.recv(n - len(out))
            if not chunk:
                raise EOFError(f"EOF after {len(out)} of {n} bytes")
            out += chunk
        return out

    def _run(self):
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        self.connections += 1
        with conn:
            conn.settimeout(WAIT_S)
            try:
                version, nmethods = self._read(conn, 2)
                self._read(conn, nmethods)
                conn.sendall(self.method_reply)
                if self.method_reply != b"\x05\x00" or self.reply is None:
                    return
                head = self._read(conn, 5)  # VER CMD RSV ATYP=3 LEN
                dst = self._read(conn, head[4])
                self._read(conn, 2)  # DST.PORT
                self.dst_addrs.append(dst)
                conn.sendall(self.reply(dst))
                if getattr(self.reply, "stall", False):  # keep the connection open, silent
                    self._release.wait(WAIT_S)
            except (OSError, EOFError) as exc:
                self.errors.append(repr(exc))

    def close(self):
        self._release.set()
        self.sock.close()
        self._thread.join(5)


def _reply(rep=0, atyp=3, addr=None, port=0):
    def make(dst):
        a = dst if addr is None else addr
        body = bytes([len(a)]) + a if atyp == 3 else a
        return bytes([5, rep, 0, atyp]) + body + port.to_bytes(2, "big")
    return make


def stalling(reply):
    """A reply after which the fake server keeps the connection open and says nothing."""
    reply.stall = True
    return reply


SOCKS5_LIES = {
    # name: (method-select reply, CONNECT reply)
    "method-no-acceptable": (b"\x05\xff", None),
    "method-wrong-version": (b"\x04\x00", None),
    "rep-general-failure": (b"\x05\x00", _reply(rep=1)),
    "rep-refused": (b"\x05\x00", _reply(rep=5)),
    "atyp-ipv4": (b"\x05\x00", _reply(atyp=1, addr=b"\x7f\x00\x00\x01")),
    "bnd-addr-other-hash": (b"\x05\x00", _reply(addr=b"0" * 40)),
    "bnd-port-not-zero": (b"\x05\x00", _reply(port=80)),
}
SOCKS5_SHORT = {  # row 44: replies that end before their declared length
    "domain-255-then-eof": (b"\x05\x00", lambda dst: b"\x05\x00\x00\x03\xff" + b"a" * 10),
    "eof-mid-reply": (b"\x05\x00", lambda dst: b"\x05\x00"),
    "eof-after-method": (b"\x05", None),
    "stall-mid-address": (b"\x05\x00", stalling(lambda dst: b"\x05\x00\x00\x03\x28" + dst[:10])),
    "stall-before-reply": (b"\x05\x00", stalling(lambda dst: b"")),
}


@pytest.mark.parametrize("lie", SOCKS5_LIES.keys())
def test_row43_lying_socks5_candidate_is_abandoned(peer_and_receiver, lie):
    """The one candidate answers the SOCKS5 handshake wrongly: the receiver gives it up and says
    candidate-error on the wire, writes nothing, and fails the file once we end the session."""
    lying_candidate(peer_and_receiver, *SOCKS5_LIES[lie])


@pytest.mark.parametrize("lie", SOCKS5_SHORT.keys())
def test_row44_short_socks5_reply_is_abandoned(peer_and_receiver, lie):
    """A reply cut short (a domain of 255 bytes with 10 sent, EOF mid-reply) or stalled: no
    hang (the receiver's SOCKS5 deadline is 5 s today), no over-read, candidate-error."""
    start = time.monotonic()
    lying_candidate(peer_and_receiver, *SOCKS5_SHORT[lie])
    assert time.monotonic() - start < 20


def lying_candidate(peer_and_receiver, method_reply, reply):
    peer, proc, jid, inbox = peer_and_receiver("--allow-local-candidates", "--no-proxy",
                                               "--no-direct")
    fake = FakeSocks5(method_reply, reply)
    try:
        sid = s5b_offer(peer, jid, [("127.0.0.1", fake.port)])
        expect_candidate_error_then_end(peer, proc, jid, sid)
    finally:
        fake.close()
    assert fake.connections == 1, fake.errors
    if reply is not None:
        # the CONNECT named the XEP-0260 hash: 40 lower-case hex digits
        assert len(fake.dst_addrs) == 1 and len(fake.dst_addrs[0]) == 40, fake.dst_addrs
    assert list(inbox.iterdir()) == []


def test_row43_honest_socks5_candidate_is_used(peer_and_receiver):
    """The control for the lies above: the same fake server answering correctly (BND.ADDR the
    hash the client sent, BND.PORT 0) is reported as candidate-used."""
    peer, proc, jid, inbox = peer_and_receiver("--allow-local-candidates", "--no-proxy",
                                               "--no-direct")
    fake = FakeSocks5(b"\x05\x00", _reply())
    try:
        sid = s5b_offer(peer, jid, [("127.0.0.1", fake.port)])
        used = peer.wait_iq(lambda iq: (j := iq.find(f"{{{JINGLE}}}jingle")) is not None
                            and j.get("sid") == sid and j.get("action") == "transport-info",
                            WAIT_S, "transport-info")
        transport = used.find(
            f"{{{JINGLE}}}jingle/{{{JINGLE}}}content/{{{S5B_TRANSPORT}}}transport")
        assert transport.find(f"{{{S5B_TRANSPORT}}}candidate-used") is not None, \
            ET.tostring(used, encoding="unicode")
        assert transport.find(f"{{{S5B_TRANSPORT}}}candidate-used").get("cid") == "c0"
        # XEP-0260 §2.2: DST.ADDR is SHA-1(sid, initiator's full JID, responder's full JID)
        expected = hashlib.sha1((sid + peer.jid + jid).encode()).hexdigest().encode()
        assert fake.dst_addrs == [expected], fake.dst_addrs
        peer.terminate(jid, sid)
        assert timed_wait(proc) == 1, str(proc)
    finally:
        fake.close()
    assert list(inbox.iterdir()) == []


def test_row49_ibb_for_another_sid_or_from_another_jid_is_refused(peer_and_receiver,
                                                                   new_account, server):
    """While a transfer runs: <open/>/<data/> for an unknown sid, and a stranger's <data/> and
    <close/> for the running sid, are refused (item-not-found) and change nothing: the honest
    transfer then completes byte-exact."""
    peer, proc, jid, inbox = peer_and_receiver()
    data = bytes(range(256)) * 8
    sid = peer.offer(jid, name="mine.bin", data=data)
    assert peer.wait_jingle(sid, ("session-accept", "session-terminate")).get("action") == \
        "session-accept"
    assert peer.wait_reply(peer.ibb_open(jid, sid)).get("type") == "result"
    junk = base64.b64encode(b"junk" * 10).decode()
    for reply in (peer.wait_reply(peer.ibb_open(jid, "no-such-sid")),
                  peer.wait_reply(peer.ibb_data(jid, "no-such-sid", 0, junk))):
        assert reply.get("type") == "error", ET.tostring(reply, encoding="unicode")
    with JinglePeer(server, new_account("stranger")) as stranger:
        for reply in (stranger.wait_reply(stranger.ibb_data(jid, sid, 0, junk)),
                      stranger.wait_reply(stranger.ibb_close(jid, sid))):
            assert reply.get("type") == "error", ET.tostring(reply, encoding="unicode")
            assert reply.find(f"{{jabber:client}}error/{{{STANZAS}}}item-not-found") is not None, \
                ET.tostring(reply, encoding="unicode")
    chunk = base64.b64encode(data).decode()
    assert peer.wait_reply(peer.ibb_data(jid, sid, 0, chunk)).get("type") == "result"
    assert peer.wait_reply(peer.ibb_close(jid, sid)).get("type") == "result"
    peer.terminate(jid, sid)
    assert timed_wait(proc) == 0, str(proc)
    assert (inbox / "mine.bin").read_bytes() == data
