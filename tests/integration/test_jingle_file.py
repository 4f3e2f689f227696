"""`xmpp jingle-file` (CLI.md "jingle-file", man xmpp-jingle-file, issue 9): two `xmpp` processes
against the real Prosody, as users run them. A receiver is started first and waited for by its
{"kind":"ready"} line; a sender then offers files to the full JID it printed (or to the bare JID).
Every file is random bytes, compared byte for byte after the transfer.

Everything is on 127.0.0.1, so both sides pass --allow-local-candidates (SECURITY.md row 45: without
it a peer's loopback candidate is never dialled). The test server's SOCKS5 proxy is
proxy.example.test (proxy65 on 127.0.0.1)."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

WAIT_S = 60
MIB = 1024 * 1024


def random_file(path: Path, size: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(os.urandom(size))
    return path


def objects(lines, kind=None):
    out = []
    for line in lines:
        if line.strip().startswith("{"):
            doc = json.loads(line)
            if kind is None or doc.get("kind") == kind:
                out.append(doc)
    return out


def start_receiver(spawn_xmpp, tmp_path, *args, user="alice", resource="recv", inbox=None):
    """A receiver that has logged in, announced itself and printed its ready line."""
    inbox = inbox or tmp_path / f"inbox-{resource}"
    inbox.mkdir(exist_ok=True)
    proc = spawn_xmpp("--resource", resource, "jingle-file", "receive", "--json", "-v", "--dir",
                      inbox, "--allow-local-candidates", *args, user=user)
    ready = json.loads(proc.wait_for_line(lambda l: '"kind":"ready"' in l, timeout=WAIT_S))
    assert ready["jid"].endswith(f"/{resource}"), ready
    return proc, ready["jid"], inbox


def send(run_xmpp, target, *args, user="alice", env=None):
    return run_xmpp("--resource", "sender", "jingle-file", "send", "--json",
                    "--allow-local-candidates", target, *map(str, args), user=user, env=env,
                    timeout=WAIT_S * 2)


def results(run_or_proc):
    lines = run_or_proc.lines if hasattr(run_or_proc, "lines") else run_or_proc.stdout.splitlines()
    return objects(lines, "result")


def leftovers(inbox: Path):
    """Temporary files of ours left in the inbox (.NAME.xmpp-XXXX)."""
    return [p.name for p in inbox.iterdir() if ".xmpp-" in p.name]


@pytest.mark.parametrize("mode", ["direct", "proxy", "ibb"])
def test_five_mib_arrive_byte_exact(spawn_xmpp, run_xmpp, tmp_path, mode):
    """5 MiB over a direct SOCKS5 connection, through the server's proxy (no direct candidates on
    either side), and in-band: the receiver verifies the hash, the sender learns it did."""
    side = {"direct": ["--no-proxy"], "proxy": ["--no-direct"], "ibb": []}[mode]
    receiver, jid, inbox = start_receiver(spawn_xmpp, tmp_path, "--count", "1", *side)
    original = random_file(tmp_path / "out" / "five.bin", 5 * MIB)
    transport = ["--transport", "ibb"] if mode == "ibb" else ["--transport", "s5b"]
    run = send(run_xmpp, jid, original, *transport, *side)
    assert run.code == 0, str(run)
    assert receiver.wait(WAIT_S) == 0, str(receiver)
    assert (inbox / "five.bin").read_bytes() == original.read_bytes()
    sent = results(run)
    assert len(sent) == 1 and sent[0]["status"] == "sent", str(run)
    assert sent[0]["transport"] == ("ibb" if mode == "ibb" else "s5b"), sent
    assert sent[0]["bytes"] == 5 * MIB and sent[0]["hash"].startswith("sha-256:"), sent
    got = results(receiver)
    assert len(got) == 1 and got[0]["status"] == "received", str(receiver)
    assert got[0]["hash"] == sent[0]["hash"], (got, sent)
    assert got[0]["path"] == str(inbox / "five.bin"), got
    assert (inbox / "five.bin").stat().st_mode & 0o777 == 0o600
    assert leftovers(inbox) == []


def test_no_candidate_falls_back_to_ibb(spawn_xmpp, run_xmpp, tmp_path):
    """--transport auto with no SOCKS5 candidate on either side: transport-replace to IBB."""
    none = ["--no-direct", "--no-proxy"]
    receiver, jid, inbox = start_receiver(spawn_xmpp, tmp_path, "--count", "1", *none)
    original = random_file(tmp_path / "out" / "fallback.bin", 300 * 1024)
    run = send(run_xmpp, jid, original, *none)
    assert run.code == 0, str(run)
    assert results(run)[0]["transport"] == "ibb", str(run)
    assert receiver.wait(WAIT_S) == 0, str(receiver)
    assert (inbox / "fallback.bin").read_bytes() == original.read_bytes()


def test_bare_jid_picks_the_receiving_resource(spawn_xmpp, run_xmpp, server, tmp_path):
    """A bare JID: the sender finds the resource whose disco#info lists file transfer (the
    receiver announced itself with caps presence)."""
    receiver, jid, inbox = start_receiver(spawn_xmpp, tmp_path, "--count", "1", "--no-proxy")
    original = random_file(tmp_path / "out" / "bare.txt", 10_000)
    run = send(run_xmpp, server.jid("alice"), original, "--no-proxy")
    assert run.code == 0, str(run)
    assert results(run)[0]["peer"] == jid, str(run)
    assert receiver.wait(WAIT_S) == 0, str(receiver)
    assert (inbox / "bare.txt").read_bytes() == original.read_bytes()


def test_bare_jid_without_a_receiver_says_so(run_xmpp, new_account, server, tmp_path):
    nobody = new_account("nobody")
    original = random_file(tmp_path / "out" / "x.bin", 100)
    run = send(run_xmpp, server.jid(nobody), original, "--no-proxy", user=nobody)
    assert run.code == 1, str(run)
    assert "full JID" in run.stderr or "full JID" in run.stdout, str(run)


def test_several_files_in_one_run(spawn_xmpp, run_xmpp, tmp_path):
    receiver, jid, inbox = start_receiver(spawn_xmpp, tmp_path, "--count", "3", "--no-proxy")
    files = [random_file(tmp_path / "out" / f"part-{i}.bin", 100_000 + i) for i in range(3)]
    run = send(run_xmpp, jid, *files, "--no-proxy")
    assert run.code == 0, str(run)
    assert [r["status"] for r in results(run)] == ["sent"] * 3, str(run)
    assert receiver.wait(WAIT_S) == 0, str(receiver)
    for f in files:
        assert (inbox / f.name).read_bytes() == f.read_bytes()


def test_unlisted_sender_is_declined(spawn_xmpp, run_xmpp, new_account, server, tmp_path):
    """A fresh account (empty roster) takes files only from itself: bob's offer is declined, nothing
    is written, and the receiver keeps waiting (a declined stranger does not count)."""
    me = new_account("inbox")
    receiver, jid, inbox = start_receiver(spawn_xmpp, tmp_path, "--count", "1", "--no-proxy",
                                          user=me)
    original = random_file(tmp_path / "out" / "spam.bin", 1000)
    run = send(run_xmpp, jid, original, "--no-proxy", user="bob")
    assert run.code == 1, str(run)
    assert "declined" in results(run)[0]["error"]["message"], str(run)
    offer = json.loads(receiver.wait_for_line(lambda l: '"kind":"offer"' in l, timeout=WAIT_S))
    assert offer["accepted"] is False and offer["from"].startswith(server.jid("bob")), offer
    assert list(inbox.iterdir()) == []
    receiver.signal(signal.SIGINT)
    assert receiver.wait(WAIT_S) == 0, str(receiver)


def test_from_lets_a_listed_sender_in(spawn_xmpp, run_xmpp, new_account, server, tmp_path):
    me = new_account("inbox")
    receiver, jid, inbox = start_receiver(spawn_xmpp, tmp_path, "--count", "1", "--no-proxy",
                                          "--from", server.jid("bob"), user=me)
    original = random_file(tmp_path / "out" / "from-bob.bin", 1000)
    run = send(run_xmpp, jid, original, "--no-proxy", user="bob")
    assert run.code == 0, str(run)
    assert receiver.wait(WAIT_S) == 0, str(receiver)
    assert (inbox / "from-bob.bin").read_bytes() == original.read_bytes()


def test_roster_contact_is_allowed(spawn_xmpp, run_xmpp, new_account, server, tmp_path):
    me = new_account("inbox")
    assert run_xmpp("roster", "add", server.jid("carol"), user=me).code == 0
    receiver, jid, inbox = start_receiver(spawn_xmpp, tmp_path, "--count", "1", "--no-proxy",
                                          user=me)
    original = random_file(tmp_path / "out" / "from-carol.bin", 1000)
    run = send(run_xmpp, jid, original, "--no-proxy", user="carol")
    assert run.code == 0, str(run)
    assert receiver.wait(WAIT_S) == 0, str(receiver)
    assert (inbox / "from-carol.bin").read_bytes() == original.read_bytes()


def test_traversal_name_lands_as_a_basename(spawn_xmpp, run_xmpp, tmp_path):
    """SECURITY.md row 47: an offered "../../etc/passwd" is saved as "passwd" inside --dir."""
    receiver, jid, inbox = start_receiver(spawn_xmpp, tmp_path, "--count", "1", "--no-proxy")
    original = random_file(tmp_path / "out" / "innocent.bin", 2000)
    run = send(run_xmpp, jid, original, "--no-proxy",
               env={"XMPP_TEST_OFFER_NAME": "../../etc/passwd"})
    assert run.code == 0, str(run)
    assert receiver.wait(WAIT_S) == 0, str(receiver)
    assert sorted(p.name for p in inbox.iterdir()) == ["passwd"]
    assert (inbox / "passwd").read_bytes() == original.read_bytes()
    assert not (tmp_path / "etc").exists()


def test_wrong_hash_leaves_no_file_and_exits_65(spawn_xmpp, run_xmpp, tmp_path):
    receiver, jid, inbox = start_receiver(spawn_xmpp, tmp_path, "--count", "1", "--no-proxy")
    original = random_file(tmp_path / "out" / "tampered.bin", 200_000)
    run = send(run_xmpp, jid, original, "--no-proxy", env={"XMPP_TEST_OFFER_BAD_HASH": "1"})
    assert run.code == 65, str(run)
    assert "hash mismatch" in results(run)[0]["error"]["message"], str(run)
    assert receiver.wait(WAIT_S) == 65, str(receiver)
    assert results(receiver)[0]["status"] == "failed", str(receiver)
    assert list(inbox.iterdir()) == []


def test_max_size_declines_a_larger_file(spawn_xmpp, run_xmpp, tmp_path):
    receiver, jid, inbox = start_receiver(spawn_xmpp, tmp_path, "--count", "1", "--no-proxy",
                                          "--max-size", "1k")
    original = random_file(tmp_path / "out" / "big.bin", 4096)
    run = send(run_xmpp, jid, original, "--no-proxy")
    assert run.code == 1, str(run)
    assert receiver.wait(WAIT_S) == 65, str(receiver)
    offer = objects(receiver.lines, "offer")[0]
    assert offer["accepted"] is False and "--max-size" in offer["reason"], offer
    assert list(inbox.iterdir()) == []


def test_a_declined_file_does_not_stop_the_others(spawn_xmpp, run_xmpp, tmp_path):
    """Files go one after another: the second is declined (--max-size), the first and third
    arrive; each result names its own file, the declined one with no bytes; exit 1."""
    receiver, jid, inbox = start_receiver(spawn_xmpp, tmp_path, "--count", "3", "--no-proxy",
                                          "--max-size", "2k")
    small = random_file(tmp_path / "out" / "small-1.bin", 1500)
    big = random_file(tmp_path / "out" / "big.bin", 4096)
    last = random_file(tmp_path / "out" / "small-2.bin", 1800)
    run = send(run_xmpp, jid, small, big, last, "--no-proxy")
    assert run.code == 1, str(run)
    got = results(run)
    assert [(r["file"], r["status"]) for r in got] == [
        ("small-1.bin", "sent"), ("big.bin", "failed"), ("small-2.bin", "sent")], str(run)
    assert got[1]["bytes"] == 0 and got[1]["transport"] is None, got[1]
    assert receiver.wait(WAIT_S) == 65, str(receiver)
    assert sorted(p.name for p in inbox.iterdir()) == ["small-1.bin", "small-2.bin"]


def test_existing_file_is_kept_unless_overwrite(spawn_xmpp, run_xmpp, tmp_path):
    receiver, jid, inbox = start_receiver(spawn_xmpp, tmp_path, "--count", "1", "--no-proxy")
    (inbox / "same.txt").write_bytes(b"mine")
    original = random_file(tmp_path / "out" / "same.txt", 3000)
    run = send(run_xmpp, jid, original, "--no-proxy")
    assert run.code == 1, str(run)
    assert receiver.wait(WAIT_S) == 73, str(receiver)
    assert (inbox / "same.txt").read_bytes() == b"mine"

    receiver, jid, inbox = start_receiver(spawn_xmpp, tmp_path, "--count", "1", "--no-proxy",
                                          "--overwrite", resource="recv2", inbox=inbox)
    run = send(run_xmpp, jid, original, "--no-proxy")
    assert run.code == 0, str(run)
    assert receiver.wait(WAIT_S) == 0, str(receiver)
    assert (inbox / "same.txt").read_bytes() == original.read_bytes()


def test_interrupted_transfer_resumes_with_a_range(spawn_xmpp, run_xmpp, tmp_path):
    """The sender dies after 1 MiB of 4 MiB; with --keep-partial the receiver keeps NAME.part, and
    the next offer of the same file carries on from there (<range offset/>): the second sender
    sends only the rest, and the whole file verifies."""
    original = random_file(tmp_path / "out" / "resume.bin", 4 * MIB)
    receiver, jid, inbox = start_receiver(spawn_xmpp, tmp_path, "--count", "1", "--no-proxy",
                                          "--keep-partial")
    run = send(run_xmpp, jid, original, "--no-proxy", "--transport", "s5b",
               env={"XMPP_TEST_SEND_STOP_AFTER": str(MIB)})
    assert run.code == 75, str(run)
    assert receiver.wait(WAIT_S) != 0, str(receiver)
    part = inbox / "resume.bin.part"
    assert part.exists(), sorted(p.name for p in inbox.iterdir())
    kept = part.stat().st_size
    assert MIB <= kept < 4 * MIB, kept
    assert part.read_bytes() == original.read_bytes()[:kept]

    receiver, jid, _ = start_receiver(spawn_xmpp, tmp_path, "--count", "1", "--no-proxy",
                                      "--keep-partial", resource="recv2", inbox=inbox)
    run = send(run_xmpp, jid, original, "--no-proxy", "--transport", "s5b")
    assert run.code == 0, str(run)
    assert results(run)[0]["bytes"] == 4 * MIB - kept, str(run)
    assert receiver.wait(WAIT_S) == 0, str(receiver)
    assert (inbox / "resume.bin").read_bytes() == original.read_bytes()
    assert not part.exists()


def test_missing_file_fails_before_anything_is_sent(run_xmpp, tmp_path):
    good = random_file(tmp_path / "out" / "good.bin", 10)
    run = send(run_xmpp, "alice@example.test/nobody", good, tmp_path / "missing.bin")
    assert run.code == 66, str(run)
    run = send(run_xmpp, "alice@example.test/nobody", tmp_path)
    assert run.code == 64, str(run)


def test_receiver_is_discoverable_with_verified_caps(spawn_xmpp, run_xmpp, tmp_path):
    """While receiving: disco#info lists Jingle, file transfer, both transports and hashes, and
    the caps in our presence hash to exactly that (`xmpp disco info` checks the ver)."""
    receiver, jid, _ = start_receiver(spawn_xmpp, tmp_path, "--no-proxy")
    run = run_xmpp("disco", "info", jid, "--json")
    assert run.code == 0, str(run)
    features = {f["var"] for f in run.json["features"]}
    assert {"urn:xmpp:jingle:1", "urn:xmpp:jingle:apps:file-transfer:5",
            "urn:xmpp:jingle:transports:s5b:1", "urn:xmpp:jingle:transports:ibb:1",
            "urn:xmpp:hashes:2", "urn:xmpp:hash-function-text-names:sha-256",
            "http://jabber.org/protocol/caps"} <= features, features
    assert run.json["caps"]["verdict"] == "match" and run.json["caps"]["source"] == "presence", \
        run.json["caps"]
    receiver.signal(signal.SIGINT)
    assert receiver.wait(WAIT_S) == 0, str(receiver)


def test_offer_carries_name_size_type_date_hash_and_description(spawn_xmpp, run_xmpp, tmp_path):
    receiver, jid, inbox = start_receiver(spawn_xmpp, tmp_path, "--count", "1", "--no-proxy")
    original = random_file(tmp_path / "out" / "notes.pdf", 1234)
    os.utime(original, (1_700_000_000, 1_700_000_000))
    run = send(run_xmpp, jid, original, "--no-proxy", "--description", "the minutes")
    assert run.code == 0, str(run)
    assert receiver.wait(WAIT_S) == 0, str(receiver)
    offer = objects(receiver.lines, "offer")[0]
    assert offer["file"] == "notes.pdf" and offer["size"] == 1234, offer
    assert offer["media_type"] == "application/pdf", offer
    assert offer["date"] == "2023-11-14T22:13:20Z", offer
    assert offer["description"] == "the minutes", offer
    assert offer["hash"] == results(run)[0]["hash"], (offer, results(run))


def test_progress_line_on_a_terminal(spawn_xmpp, server, xmpp_bin, tmp_path):
    """stderr a terminal: the progress line is redrawn with carriage returns and ends with the
    final state; stdout (a pipe) gets the one human result line."""
    import pty
    receiver, jid, _ = start_receiver(spawn_xmpp, tmp_path, "--count", "1", "--no-proxy")
    original = random_file(tmp_path / "out" / "shown.bin", 3 * MIB)
    master, slave = pty.openpty()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
           "HOME": str(tmp_path), "XMPP_JID": server.jid("alice")}
    for passthrough in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if passthrough in os.environ:
            env[passthrough] = os.environ[passthrough]
    import subprocess
    proc = subprocess.Popen(
        [xmpp_bin, "--password-file", server.password_file("alice"), "--ca-file", server.ca,
         "--host", server.host, "--port", str(server.port), "--resource", "tty", "jingle-file",
         "send", jid, str(original), "--no-proxy", "--allow-local-candidates"],
        env=env, stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL)
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    out = proc.stdout.read().decode()
    assert proc.wait(WAIT_S) == 0, (out, seen)
    assert receiver.wait(WAIT_S) == 0, str(receiver)
    text = seen.decode(errors="replace")
    assert "\r" in text and "shown.bin" in text and "100%" in text, repr(text)
    assert out.startswith("sent shown.bin (3.0 MiB) to ") and out.rstrip().endswith(", verified"), out
