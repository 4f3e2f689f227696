"""`xmpp roster` (CLI.md "roster", man xmpp-roster) against the real Prosody: items added, changed
and removed, presence subscriptions between two accounts (request, approve, deny, unsubscribe,
pre-approval), current presence with --presence, RFC 6121 §2.6 roster versioning with the cache,
export and import.

Every test works on fresh accounts (the new_account fixture), so no test sees what another did to
a roster or left pending. Contacts that never log in need not exist: a roster item is any bare JID.
Prosody returns roster items in no fixed order, so items are compared by JID and groups as sets.
Nothing sleeps: a listener is waited for by its ready line and its exit, a stanza injected with
slixmpp by a message that comes back after it, everything else by the exit of a run.
"""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import time
import uuid

import pytest

from conftest import free_port
from shapes import assert_error, ok
from xmpp_client import XmppClient

# The JSON shapes of man/xmpp-roster.1, keys in their order.
LIST_KEYS = ["items", "version"]
ITEM_KEYS = ["jid", "name", "subscription", "ask", "approved", "groups"]
PRESENCE_KEYS = ["resource", "show", "status", "priority"]
ADD_KEYS = ["jid", "action", "item", "subscription_requested"]
SET_KEYS = ["jid", "action", "item"]
REMOVE_KEYS = ["jid", "action"]
SUBSCRIPTION_KEYS = ["jid", "action", "before", "after"]
PENDING_KEYS = ["pending"]
PENDING_ENTRY_KEYS = ["jid", "status", "nick"]
EXPORT_KEYS = ["format", "version", "account", "items"]
EXPORT_ITEM_KEYS = ["jid", "name", "groups", "subscription"]
IMPORT_KEYS = ["added", "updated", "removed", "subscribed", "unchanged", "dry_run"]

WAIT_S = 30


# ---- helpers ----


def contact(server, prefix="contact") -> str:
    """A bare JID on the test domain that nobody uses: fine as a roster item."""
    return server.jid(f"{prefix}-{uuid.uuid4().hex[:8]}")


def roster(run_xmpp, user, *args, **kwargs):
    """`xmpp roster ARGS --json` as USER."""
    return run_xmpp("roster", *args, "--json", user=user, **kwargs)




def check_item(item, jid, *, name=None, subscription="none", ask=False, groups=()):
    """An item as `roster list --json` shows it, with exactly these values (groups as a set)."""
    assert isinstance(item, dict), item
    assert list(item)[: len(ITEM_KEYS)] == ITEM_KEYS, item
    assert item["jid"] == jid, item
    assert item["name"] == name, item
    assert item["subscription"] == subscription, item
    assert item["ask"] is ask, item
    assert isinstance(item["approved"], bool), item
    assert isinstance(item["groups"], list), item
    assert sorted(item["groups"]) == sorted(groups), item


def listed(run_xmpp, user, *args) -> dict:
    """USER's roster as `roster list --json ARGS` shows it: JID -> item."""
    doc = ok(roster(run_xmpp, user, "list", *args))
    assert list(doc) == LIST_KEYS, doc
    jids = [item["jid"] for item in doc["items"]]
    assert len(jids) == len(set(jids)), f"an item listed twice: {doc}"
    if "--presence" not in args:
        for item in doc["items"]:
            assert list(item) == ITEM_KEYS, item
    return {item["jid"]: item for item in doc["items"]}


def human_items(stdout) -> dict:
    """JID -> the other fields of its `roster list` line (split at runs of 2+ spaces)."""
    out = {}
    for line in stdout.splitlines():
        if not line.strip() or line.startswith(" "):
            continue
        fields = re.split(r" {2,}", line.rstrip())
        assert fields[0] not in out, f"{fields[0]} listed twice:\n{stdout}"
        out[fields[0]] = fields[1:]
    return out


def human_groups(fields) -> set:
    return {g.strip() for g in fields[2].split(",")} if len(fields) > 2 else set()


def human_presence(stdout, jid) -> list[str]:
    """The indented lines after JID's line in `roster list --presence` (stripped)."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split("  ")[0] == jid)
    out = []
    for line in lines[start + 1:]:
        if not line.startswith(" "):
            break
        out.append(line.strip())
    return out


def subscription_op(run_xmpp, user, action, jid) -> dict:
    doc = ok(roster(run_xmpp, user, action, jid))
    # approve also says whether it was a pre-approval (man xmpp-roster).
    assert list(doc) == SUBSCRIPTION_KEYS + (["preapproval"] if action == "approve" else []), doc
    assert doc["jid"] == jid and doc["action"] == action, doc
    return doc


def pending(run_xmpp, user) -> list:
    doc = ok(roster(run_xmpp, user, "pending"))
    assert list(doc) == PENDING_KEYS, doc
    for entry in doc["pending"]:
        assert list(entry) == PENDING_ENTRY_KEYS, doc
    return doc["pending"]


def make_mutual(run_xmpp, server, a, b) -> None:
    """a and b subscribed to each other (subscription both on both sides)."""
    subscription_op(run_xmpp, a, "subscribe", server.jid(b))
    subscription_op(run_xmpp, b, "approve", server.jid(a))
    subscription_op(run_xmpp, b, "subscribe", server.jid(a))
    subscription_op(run_xmpp, a, "approve", server.jid(b))
    assert listed(run_xmpp, a)[server.jid(b)]["subscription"] == "both"
    assert listed(run_xmpp, b)[server.jid(a)]["subscription"] == "both"


def roster_gets(trace_text) -> list:
    """The 'ver' of each roster get sent in a --trace file (None when it had none)."""
    out = []
    for line in trace_text.splitlines():
        if " OUT " not in line:
            continue
        if not re.search(r"<iq\b[^>]*\btype=(['\"])get\1", line):
            continue
        query = re.search(r"<query\b[^>]*\bxmlns=(['\"])jabber:iq:roster\1[^>]*>", line)
        if query:
            ver = re.search(r"\bver=(['\"])(.*?)\1", query.group(0))
            out.append(ver.group(2) if ver else None)
    return out


def export_doc(path) -> dict:
    doc = json.loads(path.read_text())
    assert list(doc) == EXPORT_KEYS, doc
    assert doc["format"] == "xmpp-roster" and doc["version"] == 1, doc
    for item in doc["items"]:
        assert list(item) == EXPORT_ITEM_KEYS, doc
    return doc


def write_json(path, doc):
    path.write_text(json.dumps(doc))
    return path


def file_items(doc) -> dict:
    """JID -> (name, groups as a frozenset) of a roster file or a listing."""
    return {i["jid"]: (i.get("name"), frozenset(i.get("groups") or [])) for i in doc["items"]}


def import_result(run) -> dict:
    doc = ok(run)
    assert list(doc) == IMPORT_KEYS, doc
    return doc


# ---- add, set, remove, list ----


def test_add_set_remove_round_trip_json(run_xmpp, server, new_account):
    me = new_account("alice")
    bob, carol = contact(server, "bob"), contact(server, "carol")
    assert listed(run_xmpp, me) == {}

    add = ok(roster(run_xmpp, me, "add", bob, "--name", "Bob Builder", "--group", "Friends",
                    "--group", "Work"))
    assert list(add) == ADD_KEYS, add
    assert add["jid"] == bob and add["action"] == "add", add
    assert add["subscription_requested"] is False, add
    check_item(add["item"], bob, name="Bob Builder", groups={"Friends", "Work"})
    add = ok(roster(run_xmpp, me, "add", carol))
    check_item(add["item"], carol)

    items = listed(run_xmpp, me)
    assert set(items) == {bob, carol}, items
    check_item(items[bob], bob, name="Bob Builder", groups={"Friends", "Work"})
    check_item(items[carol], carol)

    # set changes what it is given and keeps the rest.
    changed = ok(roster(run_xmpp, me, "set", bob, "--name", "Robert"))
    assert list(changed) == SET_KEYS, changed
    assert changed["jid"] == bob and changed["action"] == "set", changed
    check_item(changed["item"], bob, name="Robert", groups={"Friends", "Work"})
    changed = ok(roster(run_xmpp, me, "set", bob, "--group", "Family"))
    check_item(changed["item"], bob, name="Robert", groups={"Family"})
    check_item(listed(run_xmpp, me)[bob], bob, name="Robert", groups={"Family"})
    changed = ok(roster(run_xmpp, me, "set", bob, "--no-groups"))
    check_item(changed["item"], bob, name="Robert", groups=())
    changed = ok(roster(run_xmpp, me, "set", bob, "--name", "", "--group", "A", "--group", "B"))
    check_item(changed["item"], bob, name=None, groups={"A", "B"})
    items = listed(run_xmpp, me)
    check_item(items[bob], bob, name=None, groups={"A", "B"})
    check_item(items[carol], carol)

    removed = ok(roster(run_xmpp, me, "remove", bob))
    assert list(removed) == REMOVE_KEYS, removed
    assert removed == {"jid": bob, "action": "remove"}, removed
    assert set(listed(run_xmpp, me)) == {carol}
    ok(roster(run_xmpp, me, "remove", carol))
    assert listed(run_xmpp, me) == {}


def test_list_human(run_xmpp, server, new_account):
    me = new_account("alice")
    bob, carol = contact(server, "bob"), contact(server, "carol")
    assert run_xmpp("roster", "add", bob, "--name", "Bob Builder", "--group", "Friends",
                    "--group", "Work", user=me).code == 0
    assert run_xmpp("roster", "add", carol, user=me).code == 0

    run = run_xmpp("roster", "list", user=me)
    assert run.code == 0, str(run)
    items = human_items(run.stdout)
    assert set(items) == {bob, carol}, str(run)
    assert items[bob][:2] == ["Bob Builder", "none"], str(run)
    assert human_groups(items[bob]) == {"Friends", "Work"}, str(run)
    assert items[carol][:2] == ["-", "none"], str(run)  # no name: "-"
    assert human_groups(items[carol]) == set(), str(run)

    # `xmpp roster` alone is `xmpp roster list`.
    alone = run_xmpp("roster", user=me)
    assert alone.code == 0 and alone.stdout == run.stdout, str(alone)


def test_json_before_the_command(run_xmpp, server, new_account):
    me = new_account("alice")
    bob = contact(server, "bob")
    assert run_xmpp("roster", "add", bob, user=me).code == 0
    run = run_xmpp("--json", "roster", "list", user=me)
    assert run.code == 0, str(run)
    assert [i["jid"] for i in run.json["items"]] == [bob], str(run)


def test_add_with_subscribe_sends_the_request(run_xmpp, server, new_account):
    me, them = new_account("alice"), new_account("bob")
    add = ok(roster(run_xmpp, me, "add", server.jid(them), "--name", "Bob", "--subscribe"))
    assert add["subscription_requested"] is True, add
    assert add["item"]["name"] == "Bob", add
    check_item(listed(run_xmpp, me)[server.jid(them)], server.jid(them), name="Bob", ask=True)
    assert [p["jid"] for p in pending(run_xmpp, them)] == [server.jid(me)]


# ---- errors ----


def test_add_of_an_existing_item_is_a_conflict(run_xmpp, server, new_account):
    me = new_account("alice")
    bob = contact(server, "bob")
    ok(roster(run_xmpp, me, "add", bob, "--name", "Bob"))
    run = roster(run_xmpp, me, "add", bob, "--name", "Other")
    error = assert_error(run, 1, "already_exists", "conflict")
    assert "roster set" in error["message"], str(run)
    check_item(listed(run_xmpp, me)[bob], bob, name="Bob")  # unchanged


def test_set_of_a_missing_item_is_item_not_found(run_xmpp, server, new_account):
    me = new_account("alice")
    bob = contact(server, "bob")
    run = roster(run_xmpp, me, "set", bob, "--name", "Bob")
    assert_error(run, 1, "not_in_roster", "item-not-found")
    assert listed(run_xmpp, me) == {}  # set did not add it


def test_remove_of_a_missing_item_is_item_not_found(run_xmpp, server, new_account):
    me = new_account("alice")
    run = roster(run_xmpp, me, "remove", contact(server, "bob"))
    assert_error(run, 1, condition="item-not-found")


@pytest.mark.parametrize("args", [
    ["add", "bad@@example.test"],
    ["add", "@example.test", "--name", "x"],
    ["set", "bob@", "--name", "x"],
    ["remove", "bad@@example.test"],
    ["subscribe", "bad@@example.test"],
    ["unsubscribe", "bad@@example.test"],
    ["approve", "bad@@example.test"],
    ["deny", "bad@@example.test"],
    ["add", "bob@example.test/phone"],
], ids=["add", "add-empty-local", "set-empty-domain", "remove", "subscribe", "unsubscribe",
        "approve", "deny", "full-jid"])
def test_bad_jid_is_a_usage_error_before_connecting(run_xmpp, args):
    # Nothing listens on the port: a run that tried to connect would end with 69, not 64.
    run = run_xmpp("roster", *args, "--json", port=free_port())
    assert_error(run, 64)
    assert run.stdout == "", str(run)


@pytest.mark.parametrize("args", [
    ["frobnicate"],
    ["add"],
    ["remove", "bob@example.test", "--name", "x"],
    ["import"],
    ["set", "bob@example.test", "--group", "G", "--no-groups"],
    ["add", "bob@example.test", "--group", ""],
], ids=["unknown-subcommand", "add-without-jid", "option-of-another-subcommand",
        "import-without-file", "group-and-no-groups", "empty-group"])
def test_bad_command_line_is_64(run_xmpp, args):
    run = run_xmpp("roster", *args, port=free_port())
    assert run.code == 64, str(run)


# ---- subscriptions ----


def test_request_approve_both_ways(run_xmpp, server, new_account):
    alice, bob = new_account("alice"), new_account("bob")
    a, b = server.jid(alice), server.jid(bob)

    sub = subscription_op(run_xmpp, alice, "subscribe", b)
    assert sub["before"] is None, sub
    check_item(sub["after"], b, ask=True)
    check_item(listed(run_xmpp, alice)[b], b, ask=True)
    human = human_items(run_xmpp("roster", "list", user=alice).stdout)
    assert human[b][:2] == ["-", "none (asked)"], human

    # bob sees the request (he was offline: the server kept it), as JSON and as a line.
    assert pending(run_xmpp, bob) == [{"jid": a, "status": None, "nick": None}]
    run = run_xmpp("roster", "pending", user=bob)
    assert run.code == 0 and run.stdout.splitlines() == [a], str(run)
    # pending does not answer: the request is still there.
    assert [p["jid"] for p in pending(run_xmpp, bob)] == [a]

    approve = subscription_op(run_xmpp, bob, "approve", a)
    assert approve["preapproval"] is False, approve
    check_item(approve["after"], a, subscription="from")
    check_item(listed(run_xmpp, alice)[b], b, subscription="to")
    check_item(listed(run_xmpp, bob)[a], a, subscription="from")
    assert pending(run_xmpp, bob) == []
    run = run_xmpp("roster", "pending", user=bob)
    assert run.code == 0 and run.stdout == "", str(run)

    # And back: bob asks, alice approves.
    sub = subscription_op(run_xmpp, bob, "subscribe", a)
    check_item(sub["before"], a, subscription="from")
    check_item(sub["after"], a, subscription="from", ask=True)
    human = human_items(run_xmpp("roster", "list", user=bob).stdout)
    assert human[a][:2] == ["-", "from (asked)"], human
    assert [p["jid"] for p in pending(run_xmpp, alice)] == [b]
    approve = subscription_op(run_xmpp, alice, "approve", b)
    check_item(approve["before"], b, subscription="to")
    check_item(approve["after"], b, subscription="both")
    check_item(listed(run_xmpp, alice)[b], b, subscription="both")
    check_item(listed(run_xmpp, bob)[a], a, subscription="both")
    human = human_items(run_xmpp("roster", "list", user=alice).stdout)
    assert human[b][:2] == ["-", "both"], human


def test_pending_shows_status_and_nick(run_xmpp, server, new_account, server_kind):
    asker, me = new_account("carol"), new_account("dave")
    mark = uuid.uuid4().hex[:8]
    with XmppClient(server, asker) as client:
        client.send_raw(
            f"<presence to='{server.jid(me)}' type='subscribe'><status>it is carol {mark}"
            "</status><nick xmlns='http://jabber.org/protocol/nick'>Carol C</nick></presence>")
        # The server handles a client's stanzas in order: once a message to ourselves is back,
        # the request has been stored.
        client.send_message(client.jid, mark)
        client.wait_for(lambda m: m.findtext("{jabber:client}body") == mark, timeout=WAIT_S)
    # ejabberd 23.01 keeps a request for an offline account as a roster item's status message
    # and hands over a new presence built from it: the XEP-0172 nick is not kept.
    nick = "Carol C" if server_kind == "prosody" else None
    assert pending(run_xmpp, me) == [
        {"jid": server.jid(asker), "status": f"it is carol {mark}", "nick": nick}]
    run = run_xmpp("roster", "pending", user=me)
    assert run.code == 0, str(run)
    lines = run.stdout.splitlines()
    assert len(lines) == 1, str(run)
    # The nick in brackets: a request with only one of them still says which it is.
    assert re.split(r" {2,}", lines[0].rstrip()) == [
        server.jid(asker), *([f"[{nick}]"] if nick else []), f"it is carol {mark}"], str(run)


def test_deny(run_xmpp, server, new_account):
    carol, dave = new_account("carol"), new_account("dave")
    c, d = server.jid(carol), server.jid(dave)
    subscription_op(run_xmpp, carol, "subscribe", d)
    assert [p["jid"] for p in pending(run_xmpp, dave)] == [c]

    deny = subscription_op(run_xmpp, dave, "deny", c)
    assert deny["before"] is None and deny["after"] is None, deny
    assert pending(run_xmpp, dave) == []
    check_item(listed(run_xmpp, carol)[d], d, subscription="none", ask=False)
    assert c not in listed(run_xmpp, dave)


def test_unsubscribe_and_deny_change_both_sides(run_xmpp, server, new_account):
    alice, bob = new_account("alice"), new_account("bob")
    a, b = server.jid(alice), server.jid(bob)
    make_mutual(run_xmpp, server, alice, bob)

    # alice stops her subscription to bob's presence: bob's to her stays.
    unsub = subscription_op(run_xmpp, alice, "unsubscribe", b)
    check_item(unsub["before"], b, subscription="both")
    check_item(unsub["after"], b, subscription="from")
    check_item(listed(run_xmpp, bob)[a], a, subscription="to")

    # alice then revokes bob's subscription to hers (RFC 6121 §3.2 "unsubscribed").
    deny = subscription_op(run_xmpp, alice, "deny", b)
    check_item(deny["after"], b, subscription="none")
    check_item(listed(run_xmpp, alice)[b], b, subscription="none")
    check_item(listed(run_xmpp, bob)[a], a, subscription="none")


def test_pre_approval(run_xmpp, server, new_account, server_kind):
    bob, carol = new_account("bob"), new_account("carol")
    b, c = server.jid(bob), server.jid(carol)
    if server_kind == "ejabberd":
        # ejabberd 23.01 does not offer pre-approval (no urn:xmpp:features:pre-approval stream
        # feature): approving before any request is refused, and nothing is added to the roster.
        run = run_xmpp("roster", "approve", c, "--json", user=bob)
        assert run.code == 1, str(run)
        assert run.error["error"]["code"] == "nothing_to_approve", str(run)
        assert run.json["preapproval"] is False and run.json["after"] is None, str(run)
        assert c not in listed(run_xmpp, bob), str(run)
        return
    # Prosody offers pre-approval (urn:xmpp:features:pre-approval): approving before any request
    # is accepted, not "nothing_to_approve". Prosody 0.12 keeps it (an item with approved="true")
    # but never shows 'approved' in the roster, so the JSON says so with "preapproval".
    approve = subscription_op(run_xmpp, bob, "approve", c)
    assert approve["before"] is None, approve
    assert approve["preapproval"] is True, approve
    assert approve["after"] is not None and approve["after"]["jid"] == c, approve
    # carol asks; the server answers for bob, who does nothing. bob has a client online: Prosody
    # 0.12.3 judges "is bob's contact subscribed now?" from carol's online roster when bob is
    # offline, which still says none, and then never sends carol the approval it stored.
    with XmppClient(server, bob):
        subscription_op(run_xmpp, carol, "subscribe", b)
    check_item(listed(run_xmpp, carol)[b], b, subscription="to", ask=False)
    check_item(listed(run_xmpp, bob)[c], c, subscription="from")


# ---- --presence ----


def test_list_with_presence(run_xmpp, spawn_xmpp, server, new_account, server_kind):
    alice, bob = new_account("alice"), new_account("bob")
    a, b = server.jid(alice), server.jid(bob)
    make_mutual(run_xmpp, server, alice, bob)

    listener = spawn_xmpp("--resource", "roster-listen", "listen", "--presence", "--json", "-v",
                          user=bob)
    ready = json.loads(listener.wait_for_line(lambda l: '"kind":"ready"' in l, timeout=WAIT_S))
    assert ready["jid"] == f"{b}/roster-listen", ready

    items = listed(run_xmpp, alice, "--presence")
    item = items[b]
    assert list(item) == ITEM_KEYS + ["presence"], item
    assert item["presence"] == [
        {"resource": "roster-listen", "show": "available", "status": None, "priority": 0}], item
    for presence in item["presence"]:
        assert list(presence) == PRESENCE_KEYS, item
    run = run_xmpp("roster", "list", "--presence", user=alice)
    assert run.code == 0, str(run)
    lines = human_presence(run.stdout, b)
    assert len(lines) == 1, str(run)
    assert re.split(r" {2,}", lines[0])[:2] == ["roster-listen", "available"], str(run)

    # bob saw alice come online with priority -1 (0 on a server with XEP-0013 flexible offline
    # retrieval, ejabberd's), and go offline again (man xmpp-roster SECURITY).
    def from_alice(kind):
        def match(line):
            if '"kind":"presence"' not in line:
                return False
            presence = json.loads(line)
            return presence["from"].startswith(a + "/") and presence["type"] == kind
        return match
    online = json.loads(listener.wait_for_line(from_alice("available"), timeout=WAIT_S))
    assert online["priority"] == (0 if server_kind == "ejabberd" else -1), online
    listener.wait_for_line(from_alice("unavailable"), timeout=WAIT_S)

    listener.signal(signal.SIGINT)
    assert listener.wait() == 0, str(listener)
    # bob's session is gone once the listener has closed its stream; a run logs in after that.
    deadline = time.monotonic() + WAIT_S
    while True:
        item = listed(run_xmpp, alice, "--presence")[b]
        if item["presence"] == [] or time.monotonic() > deadline:
            break
    assert item["presence"] == [], item
    run = run_xmpp("roster", "list", "--presence", user=alice)
    assert run.code == 0, str(run)
    assert human_presence(run.stdout, b) == ["offline"], str(run)


# ---- versioning and the cache ----


def test_versioning_uses_the_cache(run_xmpp, server, new_account, tmp_path):
    me = new_account("alice")
    bob, carol = contact(server, "bob"), contact(server, "carol")
    ok(roster(run_xmpp, me, "add", bob, "--name", "Bob", "--group", "G"))

    trace1, trace2, trace3 = (tmp_path / f"trace{i}" for i in (1, 2, 3))
    first = ok(roster(run_xmpp, me, "list", "--trace", trace1))
    assert isinstance(first["version"], str) and first["version"], first  # Prosody versions
    cache = tmp_path / "home" / ".cache" / "xmpp" / "roster" / f"{server.jid(me)}.json"
    assert cache.is_file(), f"no roster cache at {cache}"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600, oct(cache.stat().st_mode)
    assert stat.S_IMODE(cache.parent.stat().st_mode) == 0o700, oct(cache.parent.stat().st_mode)
    json.loads(cache.read_text())

    second = ok(roster(run_xmpp, me, "list", "--trace", trace2))
    assert roster_gets(trace2.read_text(errors="replace")) == [first["version"]], \
        trace2.read_text(errors="replace")
    assert second == first

    # Another client (its own cache) adds an item: the stale version brings the change.
    other = run_xmpp("roster", "add", carol, user=me,
                     env={"XDG_CACHE_HOME": str(tmp_path / "other-cache")})
    assert other.code == 0, str(other)
    third = ok(roster(run_xmpp, me, "list", "--trace", trace3))
    assert roster_gets(trace3.read_text(errors="replace")) == [first["version"]], \
        trace3.read_text(errors="replace")
    assert set(i["jid"] for i in third["items"]) == {bob, carol}, third
    assert third["version"] != first["version"], third
    # And the cache has caught up: the next run sends the new version.
    trace4 = tmp_path / "trace4"
    fourth = ok(roster(run_xmpp, me, "list", "--trace", trace4))
    assert roster_gets(trace4.read_text(errors="replace")) == [third["version"]]
    assert fourth == third


def test_cache_location_follows_xdg_cache_home(run_xmpp, server, new_account, tmp_path):
    me = new_account("alice")
    ok(roster(run_xmpp, me, "add", contact(server)))
    name = f"{server.jid(me)}.json"
    xdg = tmp_path / "xdg-cache"
    ok(roster(run_xmpp, me, "list", env={"XDG_CACHE_HOME": str(xdg)}))
    assert (xdg / "xmpp" / "roster" / name).is_file()
    # Without XDG_CACHE_HOME: ~/.cache (a HOME of its own, so no earlier run made the file).
    home = tmp_path / "home2"
    home.mkdir()
    ok(roster(run_xmpp, me, "list", env={"XDG_CACHE_HOME": None, "HOME": str(home)}))
    assert (home / ".cache" / "xmpp" / "roster" / name).is_file()


def test_a_broken_cache_is_not_an_error(run_xmpp, server, new_account, tmp_path):
    me = new_account("alice")
    bob = contact(server, "bob")
    ok(roster(run_xmpp, me, "add", bob, "--name", "Bob"))
    first = ok(roster(run_xmpp, me, "list"))
    cache = tmp_path / "home" / ".cache" / "xmpp" / "roster" / f"{server.jid(me)}.json"
    assert cache.is_file(), f"no roster cache at {cache}"
    cache.write_text('{"format": "xmpp-roster", "items": [{"jid": ')
    second = ok(roster(run_xmpp, me, "list"))
    assert second == first


# ---- export and import ----


def filled_account(run_xmpp, server, new_account):
    """An account with three items: names, groups, one with neither."""
    me = new_account("alice")
    items = {
        contact(server, "bob"): ("Bob Builder", {"Friends", "Work"}),
        contact(server, "carol"): ("Carol", {"Friends"}),
        contact(server, "dave"): (None, set()),
    }
    for jid, (name, groups) in items.items():
        args = ["add", jid] + (["--name", name] if name else [])
        for group in sorted(groups):
            args += ["--group", group]
        ok(roster(run_xmpp, me, *args))
    return me, items


def test_export_to_a_file_and_stdout(run_xmpp, server, new_account, tmp_path):
    me, items = filled_account(run_xmpp, server, new_account)
    out = tmp_path / "exports"
    out.mkdir()
    path = out / "roster.json"
    run = run_xmpp("roster", "export", path, user=me)
    assert run.code == 0, str(run)
    assert f"exported 3 items to {path}" in run.stderr, str(run)
    doc = export_doc(path)
    assert doc["account"] == server.jid(me), doc
    assert {i["jid"]: (i["name"], set(i["groups"])) for i in doc["items"]} == items, doc
    assert {i["subscription"] for i in doc["items"]} == {"none"}, doc
    assert sorted(os.listdir(out)) == ["roster.json"]  # no temporary file left behind

    # An existing file is replaced; -q says nothing; --json writes the same document.
    path.write_text("old content")
    run = run_xmpp("roster", "export", path, "-q", "--json", user=me)
    assert run.code == 0, str(run)
    assert "exported" not in run.stderr, str(run)
    assert run.json == {"file": str(path), "items": 3}, str(run)
    assert file_items(export_doc(path)) == file_items(doc)
    assert sorted(os.listdir(out)) == ["roster.json"]

    for args in (["export"], ["export", "-"]):
        run = run_xmpp("roster", *args, user=me)
        assert run.code == 0, str(run)
        assert file_items(json.loads(run.stdout)) == file_items(doc), str(run)


def test_export_where_it_cannot_create_is_73(run_xmpp, server, new_account, tmp_path):
    me = new_account("alice")
    run = run_xmpp("roster", "export", tmp_path / "no" / "such" / "dir" / "roster.json", "--json",
                   user=me)
    assert_error(run, 73)


def test_import_into_a_fresh_account(run_xmpp, server, new_account, tmp_path):
    me, items = filled_account(run_xmpp, server, new_account)
    path = tmp_path / "roster.json"
    assert run_xmpp("roster", "export", path, user=me).code == 0
    other = new_account("copy")

    result = import_result(roster(run_xmpp, other, "import", path))
    assert sorted(result["added"]) == sorted(items), result
    assert result["updated"] == [] and result["removed"] == [] and result["subscribed"] == []
    assert result["unchanged"] == 0 and result["dry_run"] is False, result
    copied = listed(run_xmpp, other)
    assert {j: (i["name"], set(i["groups"])) for j, i in copied.items()} == items, copied

    # Again: nothing to do. Groups in another order are the same groups.
    doc = json.loads(path.read_text())
    for item in doc["items"]:
        item["groups"] = list(reversed(item["groups"]))
    write_json(path, doc)
    again = import_result(roster(run_xmpp, other, "import", path))
    assert again == {"added": [], "updated": [], "removed": [], "subscribed": [],
                     "unchanged": 3, "dry_run": False}, again


def test_import_dry_run_and_prune(run_xmpp, server, new_account, tmp_path):
    me, items = filled_account(run_xmpp, server, new_account)
    path = tmp_path / "roster.json"
    assert run_xmpp("roster", "export", path, user=me).code == 0
    target = new_account("target")
    assert import_result(roster(run_xmpp, target, "import", path))["added"]
    extra = contact(server, "extra")
    ok(roster(run_xmpp, target, "add", extra, "--name", "Extra"))

    # The file: one item renamed, one new.
    doc = json.loads(path.read_text())
    renamed = doc["items"][0]["jid"]
    doc["items"][0]["name"] = "Renamed"
    new = contact(server, "new")
    doc["items"].append({"jid": new, "name": "New", "groups": ["N"], "subscription": "none"})
    write_json(path, doc)

    before = listed(run_xmpp, target)
    dry = import_result(roster(run_xmpp, target, "import", path, "--dry-run", "--prune"))
    assert dry == {"added": [new], "updated": [renamed], "removed": [extra], "subscribed": [],
                   "unchanged": 2, "dry_run": True}, dry
    assert listed(run_xmpp, target) == before  # nothing changed

    # Without --prune the extra item stays.
    kept = import_result(roster(run_xmpp, target, "import", path))
    assert kept["added"] == [new] and kept["updated"] == [renamed] and kept["removed"] == []
    assert extra in listed(run_xmpp, target)

    pruned = import_result(roster(run_xmpp, target, "import", path, "--prune"))
    assert pruned == {"added": [], "updated": [], "removed": [extra], "subscribed": [],
                      "unchanged": 4, "dry_run": False}, pruned
    now = listed(run_xmpp, target)
    assert {j: (i["name"], frozenset(i["groups"])) for j, i in now.items()} == file_items(doc)


def test_import_from_stdin_takes_a_listing(run_xmpp, server, new_account):
    me, items = filled_account(run_xmpp, server, new_account)
    listing = run_xmpp("roster", "list", "--json", user=me)
    assert listing.code == 0, str(listing)
    other = new_account("copy")
    result = import_result(roster(run_xmpp, other, "import", "-", input=listing.stdout))
    assert sorted(result["added"]) == sorted(items), result
    copied = listed(run_xmpp, other)
    assert {j: (i["name"], set(i["groups"])) for j, i in copied.items()} == items, copied


def test_import_subscribe(run_xmpp, server, new_account, tmp_path):
    both, to = new_account("both"), new_account("to")
    wanted = {server.jid(both), server.jid(to)}
    none_jid, from_jid = contact(server, "none"), contact(server, "from")
    path = write_json(tmp_path / "roster.json", {
        "format": "xmpp-roster", "version": 1, "account": server.jid("alice"),
        "items": [
            {"jid": server.jid(both), "name": "Both", "groups": [], "subscription": "both"},
            {"jid": server.jid(to), "name": None, "groups": ["G"], "subscription": "to"},
            {"jid": none_jid, "name": None, "groups": [], "subscription": "none"},
            {"jid": from_jid, "name": None, "groups": [], "subscription": "from"},
        ]})
    me = new_account("alice")
    result = import_result(roster(run_xmpp, me, "import", path, "--subscribe"))
    assert len(result["added"]) == 4, result
    assert sorted(result["subscribed"]) == sorted(wanted), result
    items = listed(run_xmpp, me)
    assert {j for j, i in items.items() if i["ask"]} == wanted, items
    for user in (both, to):
        assert [p["jid"] for p in pending(run_xmpp, user)] == [server.jid(me)]
    # The requests are pending: a second import asks nobody again.
    again = import_result(roster(run_xmpp, me, "import", path, "--subscribe"))
    assert again["subscribed"] == [] and again["unchanged"] == 4, again


def test_import_of_a_missing_file_is_66(run_xmpp, new_account, tmp_path):
    me = new_account("alice")
    run = run_xmpp("roster", "import", tmp_path / "missing.json", "--json", user=me)
    assert_error(run, 66)


@pytest.mark.parametrize("content, named", [
    ("this is not JSON", None),
    ('{"format": "xmpp-roster", "version": 1}', "items"),
    ('{"items": {"jid": "bob@example.test"}}', "items"),
    ('{"items": [{"jid": "ok@example.test"}, {"name": "no jid"}]}', "jid"),
    ('{"items": [{"jid": "ok@example.test"}, {"jid": "bad@@example.test"}]}', "jid"),
    ('{"items": [{"jid": "ok@example.test"}, {"jid": 42}]}', "jid"),
    ('{"format": "xmpp-roster", "version": 2, "items": []}', "version"),
], ids=["not-json", "no-items", "items-not-a-list", "item-without-jid", "invalid-jid",
        "jid-not-a-string", "newer-version"])
def test_import_of_a_bad_file_is_65_and_changes_nothing(run_xmpp, new_account, tmp_path,
                                                        content, named):
    me = new_account("alice")
    path = tmp_path / "bad.json"
    path.write_text(content)
    run = run_xmpp("roster", "import", path, "--json", user=me)
    error = assert_error(run, 65)
    if named:
        assert named in error["message"], str(run)
    assert listed(run_xmpp, me) == {}, "a bad file changed the roster"
