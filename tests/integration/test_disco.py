"""`xmpp disco info|items|tree` against the real Prosody: the server and its components
(conference., pubsub., proxy., upload.), the XEP-0115 caps verdict of the server's stream feature
and of a client's presence, nodes, entities that do not exist, usage errors.

The features asserted are those the test server's config enables (scripts/test-server:
modules_enabled, the components and their options)."""

import base64
import hashlib
import time

import pytest

from xmpp_client import XmppClient

# The JSON shapes of man/xmpp-disco.1.
INFO_KEYS = ["jid", "node", "identities", "features", "forms", "caps"]
IDENTITY_KEYS = ["category", "type", "name", "lang"]
FEATURE_KEYS = ["var", "spec", "title"]
CAPS_KEYS = ["hash", "node", "ver", "verdict", "source"]
ITEMS_KEYS = ["jid", "node", "items", "pages", "truncated"]
ITEM_KEYS = ["jid", "node", "name"]
TREE_KEYS = ["jid", "node", "depth", "concurrency", "tree", "summary"]
ENTITY_KEYS = ["jid", "node", "name", "status", "identities", "features", "forms", "error",
               "items_error", "children"]
SUMMARY_KEYS = ["entities", "walked", "duplicates", "loops", "queries", "errors",
                "max_in_flight", "left_out", "max_entities", "elapsed_ms"]
ERROR_KEYS = {"code", "condition", "message", "exit"}

# modules_enabled of the test server -> a feature each, with the spec `xmpp disco` names for it.
# (mod_mam announces urn:xmpp:mam:2 on accounts, not on the server: test_info_of_an_account.)
SERVER_FEATURES = {
    "http://jabber.org/protocol/disco#info": "XEP-0030",
    "http://jabber.org/protocol/disco#items": "XEP-0030",
    "urn:xmpp:ping": "XEP-0199",
    "jabber:iq:version": "XEP-0092",
    "urn:xmpp:time": "XEP-0202",
    "urn:xmpp:carbons:2": "XEP-0280",
    "jabber:iq:last": "XEP-0012",
}

COMPONENTS = {
    # prefix: (identity category, type, a feature it must offer)
    "conference": ("conference", "text", "http://jabber.org/protocol/muc"),
    "pubsub": ("pubsub", "service", "http://jabber.org/protocol/pubsub"),
    "proxy": ("proxy", "bytestreams", "http://jabber.org/protocol/bytestreams"),
    "upload": ("store", "file", "urn:xmpp:http:upload:0"),
}
UPLOAD_LIMIT = 16 * 1024 * 1024  # http_file_share_size_limit in scripts/test-server


def ok_json(run):
    assert run.code == 0, str(run)
    assert isinstance(run.json, dict), str(run)
    return run.json


def has_identity(doc, category, type_):
    return any(i["category"] == category and i["type"] == type_ for i in doc["identities"])


def feature_vars(doc):
    return [f["var"] for f in doc["features"]]


def assert_error(run, code, conditions):
    assert run.code == code, str(run)
    assert run.error is not None, str(run)
    assert set(run.error["error"]) == ERROR_KEYS, str(run)
    assert run.error["error"]["exit"] == code, str(run)
    if conditions is not None:
        assert run.error["error"]["condition"] in conditions, str(run)
    return run.error["error"]


# ---- info ----


def test_info_server_json(run_xmpp, server):
    doc = ok_json(run_xmpp("disco", "info", server.domain, "--json"))
    assert list(doc) == INFO_KEYS, doc
    assert doc["jid"] == server.domain and doc["node"] is None, doc
    assert has_identity(doc, "server", "im"), doc
    for identity in doc["identities"]:
        assert list(identity) == IDENTITY_KEYS, identity
    for feature in doc["features"]:
        assert list(feature) == FEATURE_KEYS, feature
    by_var = {f["var"]: f for f in doc["features"]}
    for var, spec in SERVER_FEATURES.items():
        assert var in by_var, f"{var} missing: {sorted(by_var)}"
        assert by_var[var]["spec"] == spec, by_var[var]
        assert by_var[var]["title"], by_var[var]
    # mod_server_contact_info: the XEP-0157 form, rendered as fields.
    forms = {f["form_type"]: f["fields"] for f in doc["forms"]}
    assert forms["http://jabber.org/network/serverinfo"]["admin-addresses"] == [
        f"xmpp:admin@{server.domain}"], doc["forms"]


def test_info_server_caps_from_the_stream_features_match(run_xmpp, server):
    doc = ok_json(run_xmpp("disco", "info", server.domain, "--json"))
    caps = doc["caps"]
    assert caps is not None and list(caps) == CAPS_KEYS, doc
    # The node names the server software (Prosody: http://prosody.im, ejabberd:
    # http://www.process-one.net/en/ejabberd/); what matters is that the hash matches.
    assert caps["hash"] == "sha-1" and caps["node"].startswith("http"), caps
    assert caps["source"] == "stream-features", caps
    assert caps["verdict"] == "match", caps
    # The same hash computed here from the JSON (XEP-0115 §5.1), so "match" means something.
    assert caps["ver"] == caps_ver(doc), doc


def test_info_server_human(run_xmpp, server):
    run = run_xmpp("disco", "info", server.domain)
    assert run.code == 0, str(run)
    lines = run.stdout.splitlines()
    assert lines[0] == f"jid: {server.domain}", str(run)
    assert "identities:" in lines and "features:" in lines, str(run)
    ping = [line for line in lines if line.strip().startswith("urn:xmpp:ping")]
    assert ping and ping[0].startswith("  urn:xmpp:ping  (XEP-0199 "), str(run)
    caps = [line for line in lines if line.startswith("caps: ")]
    assert caps and caps[0].startswith("caps: sha-1 ") and caps[0].endswith(" matches"), str(run)


def test_info_with_a_node(run_xmpp, server):
    # mod_adhoc answers for the XEP-0050 commands node.
    node = "http://jabber.org/protocol/commands"
    doc = ok_json(run_xmpp("disco", "info", server.domain, "--node", node, "--json"))
    assert doc["node"] == node, doc
    assert has_identity(doc, "automation", "command-list"), doc
    assert doc["caps"] is None, doc  # the stream feature describes the server, not a node


@pytest.mark.parametrize("prefix", sorted(COMPONENTS))
def test_info_components(run_xmpp, server, prefix):
    category, type_, feature = COMPONENTS[prefix]
    component = f"{prefix}.{server.domain}"
    doc = ok_json(run_xmpp("disco", "info", component, "--json"))
    assert doc["jid"] == component, doc
    assert has_identity(doc, category, type_), doc
    assert feature in feature_vars(doc), doc
    assert doc["caps"] is None, doc
    if prefix == "upload":
        # XEP-0363 §3: the size limit as an XEP-0128 form.
        forms = {f["form_type"]: f["fields"] for f in doc["forms"]}
        assert forms["urn:xmpp:http:upload:0"]["max-file-size"] == [str(UPLOAD_LIMIT)], doc


def test_info_upload_human_shows_the_form(run_xmpp, server):
    run = run_xmpp("disco", "info", f"upload.{server.domain}")
    assert run.code == 0, str(run)
    assert "  store/file" in run.stdout, str(run)
    assert "\nforms:\n" in run.stdout, str(run)
    assert f"\n  urn:xmpp:http:upload:0\n    max-file-size: {UPLOAD_LIMIT}\n" in run.stdout, str(run)


# ---- items ----


def test_items_server_lists_the_components(run_xmpp, server):
    doc = ok_json(run_xmpp("disco", "items", server.domain, "--json"))
    assert list(doc) == ITEMS_KEYS, doc
    assert doc["pages"] == 1 and doc["truncated"] is False, doc  # Prosody does not page
    for item in doc["items"]:
        assert list(item) == ITEM_KEYS, item
    jids = {item["jid"] for item in doc["items"]}
    assert {f"{p}.{server.domain}" for p in COMPONENTS} <= jids, doc


def test_items_human(run_xmpp, server):
    run = run_xmpp("disco", "items", server.domain)
    assert run.code == 0, str(run)
    lines = run.stdout.splitlines()
    for prefix in COMPONENTS:
        assert any(line.split(" ")[0] == f"{prefix}.{server.domain}" for line in lines), str(run)


def test_items_with_a_node(run_xmpp, server):
    # The admin's ad-hoc commands (mod_admin_adhoc): items with nodes.
    node = "http://jabber.org/protocol/commands"
    doc = ok_json(run_xmpp("disco", "items", server.domain, "--node", node, "--json",
                           user="admin"))
    assert doc["node"] == node, doc
    assert doc["items"], doc
    assert all(item["jid"] == server.domain and item["node"] for item in doc["items"]), doc


# ---- tree ----


def walk(entity):
    yield entity
    for child in entity["children"] or []:
        yield from walk(child)


def test_tree_server_depth_2(run_xmpp, server):
    doc = ok_json(run_xmpp("disco", "tree", server.domain, "--depth", "2", "--concurrency", "3",
                           "--json"))
    assert list(doc) == TREE_KEYS, doc
    assert doc["depth"] == 2 and doc["concurrency"] == 3, doc
    root = doc["tree"]
    for entity in walk(root):
        assert list(entity) == ENTITY_KEYS, entity
        assert entity["status"] in ("walked", "duplicate", "loop"), entity
    assert root["jid"] == server.domain and root["error"] is None, root
    assert root["items_error"] is None, root
    assert has_identity(root, "server", "im"), root
    children = {c["jid"]: c for c in root["children"]}
    for prefix, (category, type_, _) in COMPONENTS.items():
        component = children[f"{prefix}.{server.domain}"]
        assert component["status"] == "walked", component
        assert component["error"] is None and component["items_error"] is None, component
        assert has_identity(component, category, type_), component
        assert isinstance(component["children"], list), component  # level 1 < depth 2
        for grandchild in component["children"]:
            assert grandchild["children"] is None, grandchild  # level 2: info only
    summary = doc["summary"]
    assert list(summary) == SUMMARY_KEYS, summary
    assert summary["entities"] == sum(1 for _ in walk(root)), summary
    assert 1 <= summary["max_in_flight"] <= 3, summary
    assert summary["left_out"] == 0 and summary["max_entities"] == 10000, summary
    assert summary["elapsed_ms"] > 0, summary


def test_tree_human(run_xmpp, server):
    run = run_xmpp("disco", "tree", server.domain, "--depth", "1")
    assert run.code == 0, str(run)
    lines = run.stdout.splitlines()
    assert lines[0].startswith(f"{server.domain}  ") and "server/im" in lines[0], str(run)
    assert f"  conference.{server.domain}" in run.stdout, str(run)
    for line in lines[1:-1]:
        assert line.startswith("  ") and not line.startswith("   "), str(run)
    assert " entities (" in lines[-1] and lines[-1].endswith(" ms"), str(run)


def test_tree_depth_0_is_the_root_info_only(run_xmpp, server):
    doc = ok_json(run_xmpp("disco", "tree", server.domain, "--depth", "0", "--json"))
    assert doc["tree"]["children"] is None, doc
    assert doc["summary"]["queries"] == 1, doc


def test_tree_from_a_node(run_xmpp, server):
    # The admin's ad-hoc commands node lists the commands, each a node of the server whose info
    # mod_adhoc answers (automation/command-node).
    node = "http://jabber.org/protocol/commands"
    doc = ok_json(run_xmpp("disco", "tree", server.domain, "--node", node, "--depth", "1",
                           "--json", user="admin"))
    assert doc["node"] == node and doc["tree"]["node"] == node, doc
    assert has_identity(doc["tree"], "automation", "command-list"), doc
    children = doc["tree"]["children"]
    assert children, doc
    for child in children:
        assert child["jid"] == server.domain and child["node"], child
        assert child["status"] == "walked" and child["error"] is None, child
        assert has_identity(child, "automation", "command-node"), child


# ---- errors ----


@pytest.mark.parametrize("action", ["info", "items", "tree"])
def test_an_entity_that_does_not_exist(run_xmpp, server, action):
    # A domain the server does not host: with s2s disabled Prosody answers not-allowed
    # ("Communication with remote domains is not enabled") and ejabberd (s2s_access: none)
    # forbidden ("Access denied by service policy"); with s2s it would be remote-server-not-found.
    run = run_xmpp("disco", action, f"nosuch.{server.domain}", "--json")
    error = assert_error(run, 1, {"not-allowed", "forbidden", "remote-server-not-found"})
    assert f"nosuch.{server.domain}" in error["message"], str(run)
    if action == "tree":
        # The root failed: the tree is still printed, with the error on the root.
        assert run.json["tree"]["error"]["condition"] == error["condition"], str(run)
    else:
        assert run.stdout == "", str(run)


@pytest.mark.parametrize("action", ["info", "items"])
def test_a_node_that_does_not_exist(run_xmpp, server, action):
    run = run_xmpp("disco", action, server.domain, "--node", "no-such-node", "--json")
    error = assert_error(run, 1, {"item-not-found"})
    assert "no-such-node" in error["message"], str(run)


def test_human_error_on_stderr(run_xmpp, server):
    run = run_xmpp("disco", "info", server.domain, "--node", "no-such-node")
    assert run.code == 1, str(run)
    assert run.stdout == "", str(run)
    assert run.stderr.startswith(f"xmpp: disco#info to {server.domain}"), str(run)
    assert "item-not-found" in run.stderr, str(run)


@pytest.mark.parametrize("args", [
    ["disco", "info", "DOMAIN", "--depth", "1"],
    ["disco", "items", "DOMAIN", "--concurrency", "2"],
    ["disco", "tree", "DOMAIN", "--depth", "65"],
    ["disco", "tree", "DOMAIN", "--concurrency", "0"],
    ["disco", "walk", "DOMAIN"],
    ["disco", "info", "not a jid@"],
])
def test_usage_errors(run_xmpp, server, args):
    args = [a.replace("DOMAIN", server.domain) for a in args]
    run = run_xmpp(*args, "--json")
    assert_error(run, 64, None)
    assert run.stdout == "", str(run)


# ---- a client's caps, from its presence ----


def caps_ver(info) -> str:
    """XEP-0115 §5.1 from `xmpp disco info --json`: identities, features, then forms, sorted."""
    s = ""
    identities = sorted((i["category"], i["type"], i["lang"] or "", i["name"] or "")
                        for i in info["identities"])
    for identity in identities:
        s += "/".join(identity) + "<"
    for var in sorted(feature_vars(info)):
        s += var + "<"
    for form in sorted(info["forms"], key=lambda f: f["form_type"]):
        s += form["form_type"] + "<"
        for var in sorted(form["fields"]):
            s += var + "<"
            for value in sorted(form["fields"][var]):
                s += value + "<"
    return base64.b64encode(hashlib.sha1(s.encode()).digest()).decode()


def caps_presence(ver: str) -> str:
    return ("<presence><priority>-1</priority>"
            "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' "
            f"node='https://example.test/disco-test' ver='{ver}'/></presence>")


def info_until(run_xmpp, target, predicate, timeout=20.0):
    """Runs `disco info TARGET --json` as carol until predicate(doc) holds: the presence the
    other client sent reaches carol's next session once the server has processed it."""
    deadline = time.monotonic() + timeout
    while True:
        run = run_xmpp("disco", "info", target, "--json", user="carol")
        doc = ok_json(run)
        if predicate(doc):
            return run
        if time.monotonic() > deadline:
            pytest.fail(f"no matching result within {timeout}s\n{run}")


def roster_remove(jid: str) -> str:
    return (f"<iq type='set' id='rm-{abs(hash(jid))}'><query xmlns='jabber:iq:roster'>"
            f"<item jid='{jid}' subscription='remove'/></query></iq>")


def test_info_of_a_client_checks_the_caps_of_its_presence(run_xmpp, server):
    with XmppClient(server, "admin") as admin, XmppClient(server, "carol") as carol:
        try:
            # carol subscribes to admin's presence; slixmpp (admin) authorizes it by itself.
            carol.send_raw(f"<presence to='{server.jid('admin')}' type='subscribe'/>")
            plain = ok_json(run_xmpp("disco", "info", admin.jid, "--json", user="carol"))
            assert plain["jid"] == admin.jid, plain
            assert "http://jabber.org/protocol/disco#info" in feature_vars(plain), plain
            good = caps_ver(plain)

            admin.send_raw(caps_presence(good))
            run = info_until(run_xmpp, admin.jid, lambda d: d["caps"] is not None)
            caps = run.json["caps"]
            assert caps["source"] == "presence" and caps["ver"] == good, str(run)
            assert caps["node"] == "https://example.test/disco-test", str(run)
            assert caps["verdict"] == "match", str(run)

            wrong = base64.b64encode(hashlib.sha1(b"not the info<").digest()).decode()
            admin.send_raw(caps_presence(wrong))
            run = info_until(run_xmpp, admin.jid,
                             lambda d: d["caps"] is not None and d["caps"]["ver"] == wrong)
            assert run.json["caps"]["verdict"] == "mismatch", str(run)

            human = run_xmpp("disco", "info", admin.jid, user="carol")
            assert human.code == 0, str(human)
            assert "from its presence) does NOT match" in human.stdout, str(human)
        finally:
            carol.send_raw(roster_remove(server.jid("admin")))
            admin.send_raw(roster_remove(server.jid("carol")))


def test_info_of_an_account(run_xmpp, server):
    # The server answers for a bare JID (Prosody: account/registered, PEP and MAM features) to
    # the account itself and to contacts subscribed to it.
    doc = ok_json(run_xmpp("disco", "info", server.jid("alice"), "--json"))
    assert doc["jid"] == server.jid("alice"), doc
    assert has_identity(doc, "account", "registered"), doc
    by_var = {f["var"]: f for f in doc["features"]}
    assert by_var["urn:xmpp:mam:2"]["spec"] == "XEP-0313", doc  # mod_mam
    assert doc["caps"] is None, doc


@pytest.mark.parametrize("user", ["bob", "nobody"])
def test_info_of_an_account_we_are_not_subscribed_to(run_xmpp, server, user):
    # The server keeps an account's disco#info from non-contacts, and says the same whether the
    # account exists or not (RFC 6121 §8.5.1, no presence leak): Prosody service-unavailable,
    # ejabberd subscription-required.
    run = run_xmpp("disco", "info", server.jid(user), "--json")
    assert_error(run, 1, {"service-unavailable", "subscription-required"})
    assert run.stdout == "", str(run)
