"""`xmpp pubsub` (CLI.md "pubsub", man xmpp-pubsub, issue 7) against the real Prosody: its pubsub
component (pubsub.example.test, where only the server admin, account `admin`, may create nodes)
and every account's own PEP service (XEP-0163).

Covered: create with configuration read back through `configure` and `info`; XML (stdin and
--payload-file), --text and --json-payload items read back byte-exact through `items` (JSON and
the --quiet single-item raw form); bad XML and bad JSON refused with 65 before anything is sent;
publish-options preconditions (XEP-0060 §7.1.5); --create-if-missing twice; a `listen` process
receiving 100 items published by 100 `xmpp pubsub publish` processes (one after the other: our
own publisher, not a slixmpp one, about 30 s in a Debug build), in order, none lost, and
unsubscribing on exit (also on Ctrl-C, exit 130); retract (--notify), purge and delete events;
publisher and outcast affiliations; PEP with the --geoloc and --atom presets; a bare domain
resolved to its pubsub component; usage errors (64) that never connect.

Every test makes its own node (a uuid in the name), so no test sees another's. Nothing sleeps:
a listener is waited for by its "listening to node" line on stderr, events by their NDJSON
lines, everything else by the exit of a run.
"""

from __future__ import annotations

import json
import os
import signal
import uuid
from xml.etree.ElementTree import canonicalize

import pytest

from conftest import free_port
from pubsub_support import Listener, command
from shapes import assert_error, ok

WAIT_S = 30

# The JSON shapes of the contract (man xmpp-pubsub): exactly these keys, null where absent.
NODES_KEYS = {"service", "parent", "nodes"}
NODES_ENTRY_KEYS = {"node", "name", "jid"}
INFO_KEYS = {"service", "node", "type", "identities", "features", "meta_data"}
IDENTITY_KEYS = {"category", "type", "name"}
CREATE_KEYS = {"service", "node", "config"}
CONFIGURE_FORM_KEYS = {"service", "node", "form"}
CONFIGURE_CHANGES_KEYS = {"service", "node", "changes"}
CHANGE_KEYS = {"var", "label", "before", "after"}
NODE_ONLY_KEYS = {"service", "node"}
PUBLISH_KEYS = {"service", "node", "id", "created"}
ITEMS_KEYS = {"service", "node", "complete", "items"}
ITEM_KEYS = {"id", "publisher", "payload", "text", "json", "atom", "geoloc"}
ATOM_KEYS = {"title", "link", "summary", "id", "updated"}
GEOLOC_KEYS = {"lat", "lon", "accuracy", "text"}
RETRACT_KEYS = {"service", "node", "retracted"}
SUBSCRIBE_KEYS = {"service", "node", "jid", "subscription", "subid"}
UNSUBSCRIBE_KEYS = {"service", "node", "jid"}
SUBSCRIPTIONS_KEYS = {"service", "node", "owner", "subscriptions"}
SUBSCRIPTION_KEYS = {"node", "jid", "subscription", "subid"}
AFFILIATIONS_KEYS = {"service", "node", "owner", "affiliations"}
AFFILIATION_KEYS = {"node", "jid", "affiliation"}
AFFILIATIONS_SET_KEYS = {"service", "node", "set"}
EVENT_KEYS = {"event", "service", "node", "id", "publisher", "payload", "text", "json",
              "redirect", "delayed"}
FORM_FIELD_KEYS = {"var", "values"}  # at least (form_json, as in man xmpp-muc)

NS_TEXT = "https://prosody.im/protocol/data"  # the --text element (man xmpp-pubsub)
GEOLOC_NODE = "http://jabber.org/protocol/geoloc"

# An XML payload written exactly as our writer serializes it (single-quoted attributes, xmlns
# only where the namespace changes, <empty/> for no children, &amp; &lt; &gt; in text, ' and " in
# attribute values as character references), so `items` must give back the same bytes, except
# the order of attributes: Prosody keeps an element's attributes in a Lua table, which does not
# keep their order, so XML payloads are compared in canonical form (C14N 2.0 sorts attributes)
# as well as text, JSON and element order byte for byte.
XML_PAYLOAD = ("<build xmlns='urn:example:ci'><status code='0' note='a &apos;q&apos; &amp; "
               "&quot;dq&quot;'>passed &amp; green &lt;3 &gt; red</status>"
               "<log xmlns='urn:example:log'>line one\nline two\n\tindented ünïcödé 😀</log>"
               "<artifact/></build>")
TEXT_PAYLOAD = "  CI #42: <passed> & green \"quoted\" 'single'\nsecond line\tü 😀  "
JSON_PAYLOAD = '{ "build": 42,  "ok": true, "msg": "a<b & \\"c\\"", "list": [1, 2.5, null] }'


# ---- helpers ----


def component(server) -> str:
    """The test server's pubsub component (scripts/test-server: Component "pubsub.<domain>")."""
    return f"pubsub.{server.domain}"


def fresh(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def ps(run_xmpp, user, *args, **kwargs):
    """`xmpp --json pubsub ARGS` as USER."""
    return run_xmpp("--json", "pubsub", *args, user=user, **kwargs)


def new_node(run_xmpp, server, prefix, *settings) -> str:
    """A fresh node on the component, created by admin (the only account Prosody lets create)
    with --set SETTINGS."""
    node = fresh(prefix)
    args = [a for s in settings for a in ("--set", s)]
    doc = ok(ps(run_xmpp, "admin", "create", component(server), node, *args))
    assert doc["node"] == node and doc["service"] == component(server), doc
    return node


def publish(run_xmpp, user, service, node, *args, input=None, expect_service=None) -> dict:
    doc = ok(ps(run_xmpp, user, "publish", service, node, *args, input=input))
    assert set(doc) == PUBLISH_KEYS, doc
    assert doc["service"] == (expect_service or service) and doc["node"] == node, doc
    assert isinstance(doc["id"], str) and doc["id"], doc
    return doc


def items(run_xmpp, user, service, node, *args, expect_service=None) -> list[dict]:
    doc = ok(ps(run_xmpp, user, "items", service, node, *args))
    assert set(doc) == ITEMS_KEYS, doc
    assert doc["service"] == (expect_service or service) and doc["node"] == node, doc
    assert doc["complete"] is True, doc
    assert all(set(i) == ITEM_KEYS for i in doc["items"]), doc
    return doc["items"]


def by_id(item_list) -> dict:
    return {i["id"]: i for i in item_list}


def quiet_item(run_xmpp, user, service, node, item_id) -> str:
    """`xmpp --quiet pubsub items S N --id X`: only the payload bytes and a final newline."""
    run = run_xmpp("--quiet", "pubsub", "items", service, node, "--id", item_id, user=user)
    assert run.code == 0, str(run)
    return run.stdout


def form_values(form) -> dict:
    """var -> values of a form as form_json prints it."""
    assert isinstance(form, dict) and isinstance(form.get("fields"), list), form
    assert all(FORM_FIELD_KEYS <= set(f) for f in form["fields"]), form
    return {f["var"]: f["values"] for f in form["fields"] if f["var"]}


@pytest.fixture
def listen(server, dns, xmpp_bin, tmp_path):
    """listen(user, service, node, *args) -> Listener that has announced itself ("listening to
    node N at S (subscribed)" on stderr); killed after the test if still running."""
    started = []

    def start(user, service, node, *args, expect="(subscribed)"):
        argv, env = command(server, dns, xmpp_bin, tmp_path / f"home-{user}", user,
                            "--json", "pubsub", "listen", service, node, *args)
        listener = Listener(argv, env, tmp_path)
        started.append(listener)
        line = listener.wait_listening(WAIT_S)
        assert node in line, f"{line!r}\n{listener}"
        if expect:
            assert expect in line, f"{line!r}\n{listener}"
        return listener

    yield start
    for listener in started:
        listener.kill()


def owner_subscriptions(run_xmpp, server, node) -> list[dict]:
    doc = ok(ps(run_xmpp, "admin", "subscriptions", component(server), node, "--owner"))
    assert set(doc) == SUBSCRIPTIONS_KEYS, doc
    assert doc["owner"] is True and doc["node"] == node, doc
    assert all(set(s) == SUBSCRIPTION_KEYS for s in doc["subscriptions"]), doc
    return doc["subscriptions"]


def check_event(event, kind, server, node, **expected) -> None:
    assert set(event) == EVENT_KEYS, event
    assert event["event"] == kind, event
    assert event["service"] == component(server) and event["node"] == node, event
    for key, value in expected.items():
        assert event[key] == value, (key, event)


# ---- create, configure, info, nodes ----


def test_create_with_configuration_read_back(run_xmpp, server):
    node = fresh("create")
    title = f"CI results ü {node}"
    doc = ok(ps(run_xmpp, "admin", "create", component(server), node,
                "--set", f"pubsub#title={title}", "--set", "pubsub#max_items=7"))
    assert set(doc) == CREATE_KEYS, doc
    assert doc["service"] == component(server) and doc["node"] == node, doc
    assert doc["config"] == {"pubsub#title": title, "pubsub#max_items": "7"}, doc

    shown = ok(ps(run_xmpp, "admin", "configure", component(server), node))
    assert set(shown) == CONFIGURE_FORM_KEYS, shown
    assert shown["service"] == component(server) and shown["node"] == node, shown
    values = form_values(shown["form"])
    assert values["pubsub#title"] == [title], values
    assert values["pubsub#max_items"] == ["7"], values
    assert values["FORM_TYPE"] == ["http://jabber.org/protocol/pubsub#node_config"], values

    info = ok(ps(run_xmpp, "bob", "info", component(server), node))
    assert set(info) == INFO_KEYS, info
    assert info["service"] == component(server) and info["node"] == node, info
    assert info["type"] == "leaf", info
    assert all(set(i) == IDENTITY_KEYS for i in info["identities"]), info
    assert {"category": "pubsub", "type": "leaf"} in [
        {k: i[k] for k in ("category", "type")} for i in info["identities"]], info
    assert isinstance(info["features"], list), info  # Prosody 0.12 lists none for a node
    meta = form_values(info["meta_data"])
    assert meta["FORM_TYPE"] == ["http://jabber.org/protocol/pubsub#meta-data"], meta
    assert meta["pubsub#title"] == [title], meta

    # The node is listed by the service, with its title as the disco name.
    listing = ok(ps(run_xmpp, "bob", "nodes", component(server)))
    assert set(listing) == NODES_KEYS, listing
    assert listing["service"] == component(server) and listing["parent"] is None, listing
    assert all(set(n) == NODES_ENTRY_KEYS for n in listing["nodes"]), listing
    mine = [n for n in listing["nodes"] if n["node"] == node]
    assert len(mine) == 1 and mine[0]["jid"] == component(server), listing


def test_create_refuses_an_unregistered_field(run_xmpp, server):
    # Any field XEP-0060 §16.4.4 registers passes (pubsub#title: ejabberd's default form lacks
    # it); a var nobody registered is refused before anything is created.
    node = fresh("typo")
    run = ps(run_xmpp, "admin", "create", component(server), node, "--set", "pubsub#titel=x")
    error = assert_error(run, 65)
    assert "pubsub#titel" in error["message"], str(run)
    listing = ok(ps(run_xmpp, "bob", "nodes", component(server)))
    assert node not in [n["node"] for n in listing["nodes"]], listing


def test_configure_set_says_what_changed(run_xmpp, server):
    node = new_node(run_xmpp, server, "reconf", "pubsub#title=Before")
    doc = ok(ps(run_xmpp, "admin", "configure", component(server), node,
                "--set", "pubsub#title=After"))
    assert set(doc) == CONFIGURE_CHANGES_KEYS, doc
    assert all(set(c) == CHANGE_KEYS for c in doc["changes"]), doc
    changes = {c["var"]: c for c in doc["changes"]}
    assert set(changes) == {"pubsub#title"}, doc
    assert changes["pubsub#title"]["before"] in (["Before"], "Before"), doc
    assert changes["pubsub#title"]["after"] in (["After"], "After"), doc
    shown = ok(ps(run_xmpp, "admin", "configure", component(server), node))
    assert form_values(shown["form"])["pubsub#title"] == ["After"], shown

    # A field the node configuration form does not have: 65, naming the valid fields.
    run = ps(run_xmpp, "admin", "configure", component(server), node, "--set", "pubsub#nonsense=1")
    error = assert_error(run, 65)
    assert "pubsub#nonsense" in error["message"], str(run)
    assert "pubsub#max_items" in error["message"], str(run)


def test_only_the_admin_creates_on_the_component(run_xmpp, server):
    run = ps(run_xmpp, "alice", "create", component(server), fresh("refused"))
    error = assert_error(run, 1)
    assert error["condition"] in ("forbidden", "not-allowed", "not-authorized"), str(run)


# ---- publish and read back ----


def test_xml_payload_from_stdin_and_file_read_back_byte_exact(run_xmpp, server, tmp_path):
    service = component(server)
    node = new_node(run_xmpp, server, "xml")
    # stdin, with whitespace around the element (allowed), an id of our choosing
    first = publish(run_xmpp, "admin", service, node, "--id", "from-stdin",
                    input=f"\n  {XML_PAYLOAD}\n\n")
    assert first["id"] == "from-stdin" and first["created"] is False, first
    # --payload-file, the service picks the id
    path = tmp_path / "payload.xml"
    path.write_text(XML_PAYLOAD + "\n", encoding="utf-8")
    second = publish(run_xmpp, "admin", service, node, "--payload-file", str(path))
    # --payload-file - is stdin
    third = publish(run_xmpp, "admin", service, node, "--id", "dash", "--payload-file", "-",
                    input=XML_PAYLOAD)

    got = by_id(items(run_xmpp, "bob", service, node))
    assert set(got) == {"from-stdin", second["id"], "dash"}, got
    for item_id in got:
        item = got[item_id]
        assert canonicalize(item["payload"]) == canonicalize(XML_PAYLOAD), item
        assert len(item["payload"]) == len(XML_PAYLOAD), item
        assert item["text"] is None and item["json"] is None, item
        assert item["atom"] is None and item["geoloc"] is None, item
        raw = quiet_item(run_xmpp, "bob", service, node, item_id)
        assert raw.endswith("\n") and canonicalize(raw[:-1]) == canonicalize(XML_PAYLOAD), raw
    assert third["id"] == "dash"

    # --id asks for that one item only
    one = items(run_xmpp, "bob", service, node, "--id", second["id"])
    assert [i["id"] for i in one] == [second["id"]], one


def test_text_payload_read_back_byte_exact(run_xmpp, server):
    service = component(server)
    node = new_node(run_xmpp, server, "text")
    doc = publish(run_xmpp, "admin", service, node, "--text", TEXT_PAYLOAD)
    [item] = items(run_xmpp, "bob", service, node)
    assert item["id"] == doc["id"], item
    assert item["text"] == TEXT_PAYLOAD, item
    assert item["json"] is None, item
    assert item["payload"].startswith(f"<data xmlns='{NS_TEXT}'>"), item
    assert quiet_item(run_xmpp, "bob", service, node, doc["id"]) == TEXT_PAYLOAD + "\n"

    # Human output: a header line naming the item, then the text (control characters such as
    # the tab may be shown escaped on a terminal: --quiet above is the byte-exact form).
    human = run_xmpp("pubsub", "items", service, node, user="bob")
    assert human.code == 0, str(human)
    assert doc["id"] in human.stdout.splitlines()[0], str(human)
    assert "  CI #42: <passed> & green \"quoted\" 'single'\nsecond line" in human.stdout, str(human)


def test_many_escaped_characters_read_back(run_xmpp, server):
    """Prosody writes &, <, >, ' and " in text as entity references: an item with many of them
    (far more than 16 in one stanza) must read back like any other."""
    service = component(server)
    node = new_node(run_xmpp, server, "escapes")
    text = "a & b < c > d \" e ' f " * 20
    doc = publish(run_xmpp, "admin", service, node, "--text", text)
    [item] = items(run_xmpp, "bob", service, node)
    assert item["id"] == doc["id"] and item["text"] == text, item


def test_json_payload_read_back_byte_exact(run_xmpp, server, tmp_path):
    service = component(server)
    node = new_node(run_xmpp, server, "json")
    # stdin, with one trailing newline (stripped), and a file
    a = publish(run_xmpp, "admin", service, node, "--json-payload", "--id", "a",
                input=JSON_PAYLOAD + "\n")
    path = tmp_path / "payload.json"
    path.write_text(JSON_PAYLOAD, encoding="utf-8")
    b = publish(run_xmpp, "admin", service, node, "--json-payload", "--id", "b",
                "--payload-file", str(path))
    got = by_id(items(run_xmpp, "bob", service, node))
    assert set(got) == {a["id"], b["id"]} == {"a", "b"}, got
    for item in got.values():
        assert item["json"] == JSON_PAYLOAD, item
        assert json.loads(item["json"]) == json.loads(JSON_PAYLOAD), item
        assert item["text"] is None, item
        assert item["payload"].startswith("<json xmlns='urn:xmpp:json:0'>"), item
    assert quiet_item(run_xmpp, "bob", service, node, "a") == JSON_PAYLOAD + "\n"


@pytest.mark.parametrize("payload, why", [
    ("<build><status></build>", "mismatched tag"),
    ("<a/><b/>", "two elements"),
    ("just some text", "text only"),
    ("<a xmlns:p='urn:x'><q:b/></a>", "undeclared prefix"),
])
def test_bad_xml_is_65_and_nothing_is_published(run_xmpp, server, payload, why):
    service = component(server)
    node = new_node(run_xmpp, server, "badxml")
    publish(run_xmpp, "admin", service, node, "--id", "keep", "--text", "kept")
    before = items(run_xmpp, "bob", service, node)
    run = ps(run_xmpp, "admin", "publish", service, node, input=payload)
    assert_error(run, 65)
    assert items(run_xmpp, "bob", service, node) == before, why
    # Checked before connecting: with nothing listening at the port it is still 65.
    offline = ps(run_xmpp, "admin", "publish", service, node, input=payload, port=free_port())
    assert_error(offline, 65)


def test_bad_json_is_65_and_nothing_is_published(run_xmpp, server, tmp_path):
    service = component(server)
    node = new_node(run_xmpp, server, "badjson")
    publish(run_xmpp, "admin", service, node, "--id", "keep", "--text", "kept")
    before = items(run_xmpp, "bob", service, node)
    for bad in ('{"build": 42,', "not json", "{} {}"):
        run = ps(run_xmpp, "admin", "publish", service, node, "--json-payload", input=bad)
        assert_error(run, 65)
    path = tmp_path / "bad.json"
    path.write_text("[1, 2", encoding="utf-8")
    run = ps(run_xmpp, "admin", "publish", service, node, "--json-payload", "--payload-file",
             str(path), port=free_port())
    assert_error(run, 65)
    assert items(run_xmpp, "bob", service, node) == before


def test_missing_payload_file_is_66(run_xmpp, server, tmp_path):
    run = ps(run_xmpp, "admin", "publish", component(server), fresh("nofile"), "--payload-file",
             str(tmp_path / "no-such-file.xml"), port=free_port())
    assert_error(run, 66)


# ---- publish-options, --create-if-missing ----


def test_publish_options_precondition(run_xmpp, server):
    service = component(server)
    node = new_node(run_xmpp, server, "precond")  # Prosody's default access model: open
    run = ps(run_xmpp, "admin", "publish", service, node, "--text", "no",
             "--option", "pubsub#access_model=whitelist")
    error = assert_error(run, 1, "precondition_not_met")
    assert error["condition"] in ("conflict", "precondition-not-met"), str(run)
    assert "pubsub#access_model" in error["message"], str(run)
    assert items(run_xmpp, "bob", service, node) == []

    doc = publish(run_xmpp, "admin", service, node, "--text", "yes",
                  "--option", "pubsub#access_model=open")
    [item] = items(run_xmpp, "bob", service, node)
    assert item["id"] == doc["id"] and item["text"] == "yes", item


def test_create_if_missing_twice_is_idempotent(run_xmpp, server):
    service = component(server)
    node = fresh("cim")
    title = f"made on demand {node}"
    first = publish(run_xmpp, "admin", service, node, "--create-if-missing", "--id", "one",
                    "--set", f"pubsub#title={title}", "--text", "first")
    assert first["created"] is True and first["id"] == "one", first
    second = publish(run_xmpp, "admin", service, node, "--create-if-missing", "--id", "two",
                     "--set", f"pubsub#title={title}", "--text", "second")
    assert second["created"] is False and second["id"] == "two", second

    listing = ok(ps(run_xmpp, "admin", "nodes", service))
    assert [n["node"] for n in listing["nodes"]].count(node) == 1, listing
    got = by_id(items(run_xmpp, "admin", service, node))
    assert {k: v["text"] for k, v in got.items()} == {"one": "first", "two": "second"}, got
    shown = ok(ps(run_xmpp, "admin", "configure", service, node))
    assert form_values(shown["form"])["pubsub#title"] == [title], shown


# ---- listen ----


# The sanitizer layer of scripts/test publishes 25: each ASan process takes about a second to
# start, and the normal layer already runs the 100 that issue 7 asks for.
ITEMS = int(os.environ.get("XMPP_TEST_PUBSUB_ITEMS", "100"))


def test_listener_receives_100_items_in_order(run_xmpp, server, listen):
    """100 `xmpp pubsub publish` processes (XMPP_TEST_PUBSUB_ITEMS), one after the other (pubsub
    has no --lines), while one `listen --count 100` process (bob) prints them."""
    service = component(server)
    node = new_node(run_xmpp, server, "hundred")
    listener = listen("bob", service, node, "--count", str(ITEMS))
    subscribed = owner_subscriptions(run_xmpp, server, node)
    assert [s["jid"].split("/")[0] for s in subscribed] == [server.jid("bob")], subscribed
    assert subscribed[0]["subscription"] == "subscribed", subscribed

    sent = [f"item-{n:03d}" for n in range(ITEMS)]
    for n, item_id in enumerate(sent):
        publish(run_xmpp, "admin", service, node, "--id", item_id, "--text", f"build {n} ok")
    events = listener.events(ITEMS, timeout=60)
    assert listener.wait(WAIT_S) == 0, str(listener)
    assert listener.rest_of_stdout() == [], str(listener)  # --count: nothing after
    for n, event in enumerate(events):
        check_event(event, "published", server, node, id=sent[n], text=f"build {n} ok",
                    json=None, redirect=None, delayed=None)
        assert event["payload"].startswith(f"<data xmlns='{NS_TEXT}'>"), event
    assert [e["id"] for e in events] == sent

    # It subscribed, so it unsubscribed on exit.
    assert owner_subscriptions(run_xmpp, server, node) == []


def test_retract_and_purge_events(run_xmpp, server, listen):
    service = component(server)
    node = new_node(run_xmpp, server, "retract")
    listener = listen("bob", service, node, "--count", "4")
    publish(run_xmpp, "admin", service, node, "--id", "a", "--text", "alpha")
    publish(run_xmpp, "admin", service, node, "--id", "b", "--json-payload", input='{"b":1}')
    retracted = ok(ps(run_xmpp, "admin", "retract", service, node, "a", "--notify"))
    assert set(retracted) == RETRACT_KEYS and retracted["retracted"] == ["a"], retracted
    assert [i["id"] for i in items(run_xmpp, "bob", service, node)] == ["b"]
    purged = ok(ps(run_xmpp, "admin", "purge", service, node))
    assert set(purged) == NODE_ONLY_KEYS and purged["node"] == node, purged
    assert items(run_xmpp, "bob", service, node) == []

    a, b, gone, purge = listener.events(4)
    check_event(a, "published", server, node, id="a", text="alpha")
    check_event(b, "published", server, node, id="b", json='{"b":1}', text=None)
    check_event(gone, "retracted", server, node, id="a", payload=None, text=None)
    check_event(purge, "purged", server, node, id=None)
    assert listener.wait(WAIT_S) == 0, str(listener)
    assert owner_subscriptions(run_xmpp, server, node) == []


def test_delete_event_ends_the_listener_and_info_says_item_not_found(run_xmpp, server, listen,
                                                                    server_kind):
    service = component(server)
    # Subscribers hear of the deletion only if the node says so (XEP-0060 pubsub#notify_delete):
    # Prosody's default is on, ejabberd's off, so the node asks for it.
    node = new_node(run_xmpp, server, "delete", "pubsub#notify_delete=1")
    listener = listen("bob", service, node)  # no --count: the deletion ends it
    deleted = ok(ps(run_xmpp, "admin", "delete", service, node))
    assert set(deleted) == NODE_ONLY_KEYS, deleted
    assert deleted["service"] == service and deleted["node"] == node, deleted
    event = listener.next_event()
    check_event(event, "deleted", server, node, id=None, payload=None)
    assert listener.wait(WAIT_S) == 0, str(listener)

    gone = [("info", service, node), ("items", service, node)]
    if server_kind != "ejabberd":
        # ejabberd auto-creates a node on publish for whoever may create nodes (XEP-0060
        # §7.1.4 publish-autocreate), so there a publish would bring the node back.
        gone.append(("publish", service, node, "--text", "x"))
    for args in gone:
        run = ps(run_xmpp, "admin", *args)
        assert_error(run, 1, condition="item-not-found")
    again = ps(run_xmpp, "admin", "delete", service, node)
    assert_error(again, 1, condition="item-not-found")


def test_interrupted_listener_exits_130_and_unsubscribes(run_xmpp, server, listen):
    service = component(server)
    node = new_node(run_xmpp, server, "sigint")
    listener = listen("bob", service, node)
    publish(run_xmpp, "admin", service, node, "--id", "before", "--text", "seen")
    check_event(listener.next_event(), "published", server, node, id="before")
    listener.proc.send_signal(signal.SIGINT)
    assert listener.wait(WAIT_S) == 130, str(listener)
    assert owner_subscriptions(run_xmpp, server, node) == []


def test_human_listen_lines(run_xmpp, server, dns, xmpp_bin, tmp_path):
    service = component(server)
    node = new_node(run_xmpp, server, "human")
    argv, env = command(server, dns, xmpp_bin, tmp_path / "home-human", "bob",
                        "pubsub", "listen", service, node, "--count", "2")
    with Listener(argv, env, tmp_path) as listener:
        line = listener.wait_listening()
        assert service in line and "(subscribed)" in line, line
        publish(run_xmpp, "admin", service, node, "--id", "h1", "--text", "hello there")
        ok(ps(run_xmpp, "admin", "retract", service, node, "h1", "--notify"))
        assert listener.wait(WAIT_S) == 0, str(listener)
        out = listener.rest_of_stdout()
    assert out[0] == "published h1: hello there", out
    assert "retracted h1" in out[1:], out


# ---- subscriptions, affiliations ----


def test_subscribe_unsubscribe_and_listings(run_xmpp, server, listen):
    service = component(server)
    node = new_node(run_xmpp, server, "sub")
    doc = ok(ps(run_xmpp, "bob", "subscribe", service, node))
    assert set(doc) == SUBSCRIBE_KEYS, doc
    assert doc["jid"] == server.jid("bob") and doc["subscription"] == "subscribed", doc
    mine = ok(ps(run_xmpp, "bob", "subscriptions", service, node))
    assert set(mine) == SUBSCRIPTIONS_KEYS and mine["owner"] is False, mine
    assert [(s["jid"], s["subscription"]) for s in mine["subscriptions"]] == [
        (server.jid("bob"), "subscribed")], mine
    assert [s["jid"] for s in owner_subscriptions(run_xmpp, server, node)] == [server.jid("bob")]

    # A listener for a JID that is subscribed already... bob's listener subscribes its full JID,
    # so it subscribes (and unsubscribes only that on exit).
    listener = listen("bob", service, node, "--count", "1", expect=None)
    publish(run_xmpp, "admin", service, node, "--id", "x", "--text", "x")
    check_event(listener.next_event(), "published", server, node, id="x")
    assert listener.wait(WAIT_S) == 0, str(listener)
    assert [s["jid"] for s in owner_subscriptions(run_xmpp, server, node)] == [server.jid("bob")]

    gone = ok(ps(run_xmpp, "bob", "unsubscribe", service, node))
    assert set(gone) == UNSUBSCRIBE_KEYS and gone["jid"] == server.jid("bob"), gone
    assert owner_subscriptions(run_xmpp, server, node) == []


def test_publisher_can_publish_and_outcast_cannot(run_xmpp, server):
    service = component(server)
    node = new_node(run_xmpp, server, "affil")
    bob, carol = server.jid("bob"), server.jid("carol")
    # Before: bob (no affiliation) may not publish (publish model: publishers).
    assert_error(ps(run_xmpp, "bob", "publish", service, node, "--text", "early"), 1,
                 condition="forbidden")

    doc = ok(ps(run_xmpp, "admin", "affiliations", service, node,
                "--set", f"{bob}=publisher", "--set", f"{carol}=outcast"))
    assert set(doc) == AFFILIATIONS_SET_KEYS, doc
    assert doc["service"] == service and doc["node"] == node, doc
    assert doc["set"] == [{"jid": bob, "affiliation": "publisher"},
                          {"jid": carol, "affiliation": "outcast"}], doc

    published = publish(run_xmpp, "bob", service, node, "--text", "from bob")
    run = ps(run_xmpp, "carol", "publish", service, node, "--text", "from carol")
    assert_error(run, 1, condition="forbidden")
    [item] = items(run_xmpp, "admin", service, node)
    assert item["id"] == published["id"] and item["text"] == "from bob", item
    # An outcast may not read either (XEP-0060 §4.1: outcast has no access).
    assert ps(run_xmpp, "carol", "items", service, node).code == 1

    listing = ok(ps(run_xmpp, "admin", "affiliations", service, node, "--owner"))
    assert set(listing) == AFFILIATIONS_KEYS, listing
    assert listing["owner"] is True and listing["node"] == node, listing
    assert all(set(a) == AFFILIATION_KEYS for a in listing["affiliations"]), listing
    affs = {a["jid"]: a["affiliation"] for a in listing["affiliations"]}
    assert affs[bob] == "publisher" and affs[carol] == "outcast", listing
    assert affs.get(server.jid("admin")) == "owner", listing


# ---- PEP ----


def test_pep_geoloc_and_atom(run_xmpp, server):
    alice = server.jid("alice")
    geo = publish(run_xmpp, "alice", "pep", GEOLOC_NODE, "--geoloc", "48.8566,2.3522",
                  "--accuracy", "20", "--text", "Paris, near the river", expect_service=alice)
    got = by_id(items(run_xmpp, "alice", "pep", GEOLOC_NODE, expect_service=alice))
    geoloc = got[geo["id"]]["geoloc"]
    assert set(geoloc) == GEOLOC_KEYS, geoloc
    assert geoloc == {"lat": "48.8566", "lon": "2.3522", "accuracy": "20",
                      "text": "Paris, near the river"}, geoloc
    assert got[geo["id"]]["payload"].startswith(f"<geoloc xmlns='{GEOLOC_NODE}'"), got

    node = f"urn:example:feed:{uuid.uuid4().hex[:8]}"
    entry = publish(run_xmpp, "alice", "pep", node, "--atom", "--title", "Release 1.2 <ok> & out",
                    "--link", "https://example.test/r/1.2?a=1&b=2", "--summary", "Notes ü",
                    expect_service=alice)
    # Our own bare JID is the same service as `pep`.
    [item] = items(run_xmpp, "alice", alice, node)
    assert item["id"] == entry["id"], item
    atom = item["atom"]
    assert set(atom) == ATOM_KEYS, atom
    assert atom["title"] == "Release 1.2 <ok> & out", atom
    assert atom["link"] == "https://example.test/r/1.2?a=1&b=2", atom
    assert atom["summary"] == "Notes ü", atom
    assert atom["id"].startswith("urn:uuid:"), atom
    assert atom["updated"][:4].isdigit() and "T" in atom["updated"], atom
    assert item["geoloc"] is None and item["text"] is None, item


def test_pep_items_of_another_account_are_refused_without_presence(run_xmpp, server, new_account):
    """Prosody's PEP default access model is presence: a stranger gets an error, exit 1."""
    stranger = new_account("stranger")
    node = f"urn:example:private:{uuid.uuid4().hex[:8]}"
    publish(run_xmpp, "alice", "pep", node, "--text", "mine", expect_service=server.jid("alice"))
    run = ps(run_xmpp, stranger, "items", server.jid("alice"), node)
    assert_error(run, 1)


# ---- SERVICE resolution ----


def test_bare_domain_resolves_to_the_pubsub_component(run_xmpp, server):
    node = new_node(run_xmpp, server, "domain")
    info = ok(ps(run_xmpp, "bob", "info", server.domain, node))
    assert info["service"] == component(server) and info["node"] == node, info
    listing = ok(ps(run_xmpp, "bob", "nodes", server.domain))
    assert listing["service"] == component(server), listing
    assert node in [n["node"] for n in listing["nodes"]], listing
    doc = publish(run_xmpp, "admin", server.domain, node, "--text", "via domain",
                  expect_service=component(server))
    [item] = items(run_xmpp, "bob", server.domain, node, expect_service=component(server))
    assert item["id"] == doc["id"], item


def test_nodes_without_service_is_our_pep(run_xmpp, server):
    node = f"urn:example:listed:{uuid.uuid4().hex[:8]}"
    publish(run_xmpp, "carol", "pep", node, "--text", "x", expect_service=server.jid("carol"))
    listing = ok(ps(run_xmpp, "carol", "nodes"))
    assert listing["service"] == server.jid("carol"), listing
    assert node in [n["node"] for n in listing["nodes"]], listing


# ---- usage errors: 64, nothing sent ----


@pytest.mark.parametrize("args", [
    ["publish", "pubsub.example.test", "n", "--text", "a", "--payload-file", "x.xml"],
    ["publish", "pubsub.example.test", "n", "--text", "a", "--atom", "--title", "t"],
    ["publish", "pubsub.example.test", "n", "--atom", "--title", "t", "--geoloc", "1,2"],
    ["publish", "pubsub.example.test", "n", "--text", "a", "--set", "pubsub#title=x"],
    ["affiliations", "pubsub.example.test", "--set", "bob@example.test=publisher"],
    ["publish", "pubsub.example.test", "n", "--geoloc", "91,0"],
    ["publish", "pubsub.example.test", "n", "--geoloc", "north"],
    ["publish", "pubsub.example.test", "n", "--option", "no-equals-sign", "--text", "a"],
    ["retract", "pubsub.example.test", "n"],
    ["listen", "pubsub.example.test"],
])
def test_usage_errors_are_64_and_never_connect(run_xmpp, args):
    # Nothing listens at the port: a command that tried to connect would end with 69, not 64.
    run = ps(run_xmpp, "admin", *args, port=free_port())
    assert run.code == 64, str(run)
    assert run.stdout == "", str(run)
