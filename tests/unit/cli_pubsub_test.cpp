// `xmpp pubsub`: the SERVICE argument and the payload checks and assembly (exit 64/65 before any
// login), the reports' JSON keys and human text for every subcommand (remote text escaped,
// SECURITY.md row 51), the listen events, and the command end to end over a scripted service.
#include <doctest/doctest.h>

#include <sstream>

#include "app.hpp"
#include "cli_support.hpp"
#include "pubsub_publish.hpp"
#include "pubsub_report.hpp"
#include "stanza/iq.hpp"
#include "test_jid.hpp"
#include "xep/disco/disco.hpp"
#include "xep/pubsub/payloads.hpp"
#include "xep_fake_session.hpp"
#include "xep_muc_fake.hpp"
#include "xml/writer.hpp"

using namespace xmpp;
using namespace xmpp::cli;
using Json = nlohmann::ordered_json;

namespace {

using test::k_rlo;

using test::jid;

using test::human;

time::Timestamp stamp(std::string_view text) {
  auto t = time::parse_datetime(text);
  REQUIRE(t.has_value());
  return *t;
}

pubsub::Item text_item(std::string id, std::string text) {
  pubsub::Item item;
  item.id = std::move(id);
  item.payload = pubsub::make_text(std::move(text)).value();
  return item;
}

}  // namespace

// ---- arguments and payloads ---------------------------------------------------------------------

TEST_CASE("SERVICE: pep, an account, a domain to look up, any other JID as given") {
  CHECK(parse_service_arg("pep")->kind == ServiceArg::Kind::pep);
  CHECK(parse_service_arg("")->kind == ServiceArg::Kind::pep);
  auto account = parse_service_arg("alice@example.test");
  CHECK(account->kind == ServiceArg::Kind::jid);
  CHECK(account->jid.str() == "alice@example.test");
  auto domain = parse_service_arg("example.test");
  CHECK(domain->kind == ServiceArg::Kind::domain);
  CHECK(parse_service_arg("pubsub.example.test/r")->kind == ServiceArg::Kind::jid);
  auto bad = parse_service_arg("a@@b");
  REQUIRE(!bad);
  CHECK(bad.error().kind == ErrorKind::usage);
}

TEST_CASE("publish options: one payload source, the options that belong to it") {
  PubsubArgs a;
  CHECK(check_publish(a, false) == PayloadSource::standard_input);
  auto tty = check_publish(a, true);
  REQUIRE(!tty);
  CHECK(tty.error().code == "no_payload");
  CHECK(tty.error().kind == ErrorKind::usage);

  a.text = "hi";
  CHECK(check_publish(a, true) == PayloadSource::text);
  a.payload_file = "f.xml";
  CHECK(check_publish(a, false).error().message.find("--payload-file and --text") !=
        std::string::npos);

  PubsubArgs g;
  g.geoloc = "1,2";
  g.text = "here";  // the location's description, not a second source
  CHECK(check_publish(g, true) == PayloadSource::geoloc);
  g.atom = true;
  g.title = "t";
  CHECK(!check_publish(g, true));

  const auto usage = [](PubsubArgs x) {
    auto r = check_publish(x, false);
    return !r && r.error().kind == ErrorKind::usage;
  };
  PubsubArgs atom;
  atom.atom = true;
  CHECK(usage(atom));  // no --title
  PubsubArgs title;
  title.title = "t";
  CHECK(usage(title));  // --title without --atom
  PubsubArgs accuracy;
  accuracy.accuracy = "3";
  CHECK(usage(accuracy));
  PubsubArgs sets;
  sets.sets = {"pubsub#max_items=3"};
  CHECK(usage(sets));
  sets.create_if_missing = true;
  CHECK(!usage(sets));
  PubsubArgs json;
  json.json_payload = true;
  json.text = "x";
  CHECK(usage(json));
  json.text.reset();
  json.payload_file = "x.json";
  CHECK(check_publish(json, false) == PayloadSource::file);
}

TEST_CASE("XML payload: exactly one element, whitespace and a declaration around it allowed") {
  auto one =
      parse_xml_payload("\n  <entry xmlns='urn:x'><a b='1'>t &amp; u</a></entry>\n", "stdin");
  REQUIRE(one.has_value());
  CHECK(xml::to_string(*one) == "<entry xmlns='urn:x'><a b='1'>t &amp; u</a></entry>");
  auto declared = parse_xml_payload("<?xml version='1.0'?>\n<x xmlns='urn:y'/>\n", "f.xml");
  REQUIRE(declared.has_value());
  CHECK(declared->is("x", "urn:y"));
  // The payload keeps its own namespaces; none is invented for it.
  CHECK(parse_xml_payload("<plain/>", "stdin")->ns().empty());

  const auto problem = [](std::string_view input) {
    auto r = parse_xml_payload(input, "stdin");
    REQUIRE(!r);
    CHECK(r.error().kind == ErrorKind::data);
    CHECK(r.error().code == "bad_payload");
    return r.error().message;
  };
  CHECK(problem("<a/><b/>").find("more than one element") != std::string::npos);
  CHECK(problem("just text").find("not text") != std::string::npos);
  CHECK(problem("<a/> tail").find("text outside") != std::string::npos);
  CHECK(problem("<a>").find("not well-formed") != std::string::npos);
  CHECK(problem("").find("empty") != std::string::npos);
  CHECK(problem("  \n").find("empty") != std::string::npos);
  CHECK(problem("<a>\x01</a>").find("not XML text") != std::string::npos);
  CHECK(problem("<!-- c --><a/>").find("not well-formed") != std::string::npos);
}

TEST_CASE("JSON payload: checked, then the text exactly, one trailing newline dropped") {
  auto doc = parse_json_payload("{\"a\": [1, 2],\n \"b\":\"x\"}\n", "stdin");
  REQUIRE(doc.has_value());
  CHECK(doc->is("json", pubsub::k_ns_json));
  CHECK(pubsub::json_of(*doc) == "{\"a\": [1, 2],\n \"b\":\"x\"}");
  CHECK(pubsub::json_of(*parse_json_payload("[1]\n\n", "stdin")) == "[1]\n");
  auto bad = parse_json_payload("{bad", "in.json");
  REQUIRE(!bad);
  CHECK(bad.error().kind == ErrorKind::data);
  CHECK(bad.error().message.find("in.json") != std::string::npos);
}

TEST_CASE("payload presets: text, Atom entry, geoloc") {
  const auto now = stamp("2026-11-26T10:00:00Z");
  PubsubArgs t;
  t.text = "line1\nline2";
  auto text = build_payload(t, PayloadSource::text, std::nullopt, now);
  REQUIRE(text.has_value());
  CHECK(pubsub::text_of(*text) == "line1\nline2");

  PubsubArgs a;
  a.atom = true;
  a.title = "Build 5";
  a.link = "https://ci.example/5";
  auto atom = build_payload(a, PayloadSource::atom, std::nullopt, now);
  REQUIRE(atom.has_value());
  auto entry = pubsub::parse_atom_entry(*atom);
  REQUIRE(entry.has_value());
  CHECK(entry->title == "Build 5");
  CHECK(entry->link == "https://ci.example/5");
  CHECK(entry->updated == now);
  CHECK(entry->id.starts_with("urn:uuid:"));

  PubsubArgs g;
  g.geoloc = "45.44,12.33";
  g.accuracy = "20";
  g.text = "Venice";
  auto geo = build_payload(g, PayloadSource::geoloc, std::nullopt, now);
  REQUIRE(geo.has_value());
  CHECK(xml::to_string(*geo) ==
        "<geoloc xmlns='http://jabber.org/protocol/geoloc' xml:lang='en'><accuracy>20</accuracy>"
        "<lat>45.44</lat><lon>12.33</lon><text>Venice</text></geoloc>");
  g.geoloc = "95,1";
  auto far = build_payload(g, PayloadSource::geoloc, std::nullopt, now);
  REQUIRE(!far);
  CHECK(far.error().kind == ErrorKind::usage);

  PubsubArgs f;
  f.payload_file = "p.xml";
  auto from_file = build_payload(f, PayloadSource::file, std::string("<a xmlns='u'/>"), now);
  REQUIRE(from_file.has_value());
  auto bad = build_payload(f, PayloadSource::file, std::string("<a>"), now);
  REQUIRE(!bad);
  CHECK(bad.error().message.find("p.xml") == 0);
}

// ---- reports ------------------------------------------------------------------------------------

TEST_CASE("item JSON: payload, text, json, atom and geoloc, absent values null") {
  auto text = text_item("i1", "hello");
  text.publisher = "alice@example.test";
  CHECK(item_json(text).dump() ==
        R"({"id":"i1","publisher":"alice@example.test",)"
        R"("payload":"<data xmlns='https://prosody.im/protocol/data'>hello</data>",)"
        R"("text":"hello","json":null,"atom":null,"geoloc":null})");
  pubsub::Item json;
  json.payload = pubsub::make_json("{\"a\":1}").value();
  CHECK(item_json(json)["id"].is_null());
  CHECK(item_json(json)["json"] == "{\"a\":1}");
  pubsub::Item geo;
  geo.id = "g";
  geo.payload = pubsub::make_geoloc({"1.5", "2", std::nullopt, std::nullopt}).value();
  CHECK(item_json(geo)["geoloc"].dump() ==
        R"({"lat":"1.5","lon":"2","accuracy":null,"text":null})");
  pubsub::Item atom;
  atom.id = "a";
  atom.payload = pubsub::make_atom_entry({"T", std::nullopt, std::string("S"), "urn:uuid:1",
                                          stamp("2026-11-26T10:00:00Z")})
                     .value();
  CHECK(item_json(atom)["atom"].dump() ==
        R"({"title":"T","link":null,"summary":"S","id":"urn:uuid:1",)"
        R"("updated":"2026-11-26T10:00:00Z"})");
  pubsub::Item empty;
  empty.id = "e";
  CHECK(item_json(empty)["payload"].is_null());
  CHECK(item_json(empty)["text"].is_null());
}

TEST_CASE("items report: header, payload, empty line; --quiet prints only the bytes") {
  PubsubItemsReport report;
  report.service = "pubsub.example.test";
  report.node = "ci";
  auto a = text_item("a", "two\nlines");
  a.publisher = "admin@example.test";
  auto evil = text_item(std::string("b") + std::string(k_rlo), "x\ty");
  pubsub::Item xml;
  xml.id = "c";
  xml.payload = parse_xml_payload("<e xmlns='urn:e'>v</e>", "stdin").value();
  report.items = {a, evil, xml};
  CHECK(human(report) == "item a by admin@example.test\ntwo\nlines\n\n"
                         "item b\\u202e\nx\\ty\n\n"
                         "item c\n<e xmlns='urn:e'>v</e>\n\n");
  report.quiet = true;
  CHECK(human(report) == "two\nlines\nx\ty\n<e xmlns='urn:e'>v</e>\n");
  const auto doc = report.to_json();
  CHECK(doc["service"] == "pubsub.example.test");
  CHECK(doc["complete"] == true);
  CHECK(doc["items"].size() == 3);
  CHECK(doc["items"][2]["payload"] == "<e xmlns='urn:e'>v</e>");
}

TEST_CASE("nodes, info, create, configure, delete, purge reports") {
  PubsubNodesReport nodes;
  nodes.service = "pubsub.example.test";
  nodes.nodes = {{jid("pubsub.example.test"), std::string("ci"), std::string("CI builds")},
                 {jid("pubsub.example.test"), std::string("longer"), std::nullopt}};
  CHECK(nodes.to_json().dump() ==
        R"({"service":"pubsub.example.test","parent":null,"nodes":[{"node":"ci",)"
        R"("name":"CI builds","jid":"pubsub.example.test"},{"node":"longer","name":null,)"
        R"("jid":"pubsub.example.test"}]})");
  CHECK(human(nodes) == "ci      CI builds\nlonger\n");

  PubsubInfoReport info;
  info.service = "pubsub.example.test";
  info.node = "ci";
  info.info.node_type = "leaf";
  info.info.info.identities = {{"pubsub", "leaf", std::nullopt, std::nullopt}};
  info.info.info.features = {"http://jabber.org/protocol/pubsub"};
  CHECK(info.to_json().dump() ==
        R"({"service":"pubsub.example.test","node":"ci","type":"leaf","identities":)"
        R"([{"category":"pubsub","type":"leaf","name":null}],"features":)"
        R"(["http://jabber.org/protocol/pubsub"],"meta_data":null})");
  CHECK(human(info).find("node ci at pubsub.example.test: leaf node\n") == 0);

  PubsubCreateReport create;
  create.service = "pubsub.example.test";
  create.node = "ci";
  create.config = {{"pubsub#max_items", {"5"}}, {"pubsub#roster_groups_allowed", {"a", "b"}}};
  CHECK(create.to_json().dump() ==
        R"({"service":"pubsub.example.test","node":"ci","config":{"pubsub#max_items":"5",)"
        R"("pubsub#roster_groups_allowed":["a","b"]}})");
  CHECK(human(create) == "created node ci at pubsub.example.test\n  pubsub#max_items: 5\n"
                         "  pubsub#roster_groups_allowed: a, b\n");

  PubsubConfigChangeReport change;
  change.service = "s";
  change.node = "n";
  change.changes = {{"pubsub#max_items", std::string("Max"), {"10"}, {"20"}, false},
                    {"secret", std::nullopt, {}, {}, true}};
  CHECK(change.to_json().dump() ==
        R"({"service":"s","node":"n","changes":[{"var":"pubsub#max_items","label":"Max",)"
        R"("before":["10"],"after":["20"]},{"var":"secret","label":null,"before":[],)"
        R"("after":[]}]})");
  CHECK(human(change) ==
        "configured node n at s\n  pubsub#max_items: 10 -> 20\n  secret: (secret changed)\n");
  change.changes.clear();
  CHECK(human(change) == "node n at s: nothing changed\n");

  PubsubConfigFormReport form;
  form.service = "s";
  form.node = "n";
  CHECK(form.to_json()["form"]["fields"].is_array());

  PubsubNodeDoneReport done;
  done.verb = "purged";
  done.service = "s";
  done.node = "n";
  CHECK(done.to_json().dump() == R"({"service":"s","node":"n"})");
  CHECK(human(done) == "purged node n at s\n");
}

TEST_CASE("publish, retract, subscribe, unsubscribe reports") {
  PubsubPublishReport publish;
  publish.service = "alice@example.test";
  publish.node = "urn:x";
  publish.id = "i1";
  publish.created = true;
  CHECK(publish.to_json().dump() ==
        R"({"service":"alice@example.test","node":"urn:x","id":"i1","created":true})");
  CHECK(human(publish) ==
        "published item i1 to node urn:x at alice@example.test (created the node)\n");
  publish.id.clear();
  CHECK(publish.to_json()["id"].is_null());

  PubsubRetractReport retract;
  retract.service = "s";
  retract.node = "n";
  retract.retracted = {"a", "b"};
  CHECK(retract.to_json().dump() == R"({"service":"s","node":"n","retracted":["a","b"]})");
  CHECK(human(retract) == "retracted item a from node n at s\nretracted item b from node n at s\n");

  PubsubSubscribeReport sub;
  sub.service = "s";
  sub.node = "n";
  sub.subscription.jid = jid("bob@example.test");
  sub.subscription.state = pubsub::SubState::pending;
  CHECK(sub.to_json().dump() == R"({"service":"s","node":"n","jid":"bob@example.test",)"
                                R"("subscription":"pending","subid":null})");
  CHECK(human(sub).find("(pending)") != std::string::npos);

  PubsubUnsubscribeReport unsub;
  unsub.service = "s";
  unsub.node = "n";
  unsub.jid = "bob@example.test";
  CHECK(unsub.to_json().dump() == R"({"service":"s","node":"n","jid":"bob@example.test"})");
}

TEST_CASE("subscriptions and affiliations reports: listings and --set") {
  PubsubSubscriptionsReport subs;
  subs.service = "s";
  subs.node = "n";
  subs.owner = true;
  pubsub::Subscription owner_entry;  // an owner listing names no node per entry
  owner_entry.jid = jid("bob@example.test");
  owner_entry.subid = "x";
  subs.subscriptions = {owner_entry};
  CHECK(subs.to_json().dump() ==
        R"({"service":"s","node":"n","owner":true,"subscriptions":[{"node":"n",)"
        R"("jid":"bob@example.test","subscription":"subscribed","subid":"x"}]})");
  CHECK(human(subs) == "n  bob@example.test  subscribed  subid x\n");

  PubsubAffiliationsReport affs;
  affs.service = "s";
  pubsub::AffiliationEntry mine;
  mine.node = "ci";
  mine.affiliation = pubsub::Affiliation::publish_only;
  affs.affiliations = {mine};
  CHECK(affs.to_json().dump() ==
        R"({"service":"s","node":null,"owner":false,"affiliations":[{"node":"ci","jid":null,)"
        R"("affiliation":"publish-only"}]})");
  CHECK(human(affs) == "ci  publish-only\n");

  PubsubAffiliationsSetReport set;
  set.service = "s";
  set.node = "n";
  set.set = {{jid("carol@example.test"), pubsub::Affiliation::outcast}};
  CHECK(set.to_json().dump() == R"({"service":"s","node":"n","set":[{"jid":"carol@example.test",)"
                                R"("affiliation":"outcast"}]})");
  CHECK(human(set) == "carol@example.test is now outcast of node n at s\n");
}

TEST_CASE("listen events: NDJSON keys and human lines") {
  pubsub::Event published;
  published.node = "ci";
  published.item = text_item("i1", "build ok");
  published.item.publisher = "admin@example.test";
  CHECK(event_json("pubsub.example.test", published).dump() ==
        R"({"event":"published","service":"pubsub.example.test","node":"ci","id":"i1",)"
        R"("publisher":"admin@example.test",)"
        R"("payload":"<data xmlns='https://prosody.im/protocol/data'>build ok</data>",)"
        R"("text":"build ok","json":null,"redirect":null,"delayed":null})");
  CHECK(event_line(published) == "published i1: build ok");

  pubsub::Event retracted;
  retracted.kind = pubsub::EventKind::retracted;
  retracted.node = "ci";
  retracted.item.id = "i1";
  retracted.delayed = stamp("2026-11-26T10:00:00Z");
  const auto doc = event_json("s", retracted);
  CHECK(doc["id"] == "i1");
  CHECK(doc["payload"].is_null());
  CHECK(doc["delayed"] == "2026-11-26T10:00:00Z");
  CHECK(event_line(retracted) == "retracted i1");

  pubsub::Event deleted;
  deleted.kind = pubsub::EventKind::deleted;
  deleted.node = "ci";
  deleted.redirect = "xmpp:pubsub.example.test?;node=next";
  CHECK(event_json("s", deleted)["redirect"] == "xmpp:pubsub.example.test?;node=next");
  CHECK(event_json("s", deleted)["id"].is_null());
  CHECK(event_line(deleted) == "deleted -> xmpp:pubsub.example.test?;node=next");
  pubsub::Event purged;
  purged.kind = pubsub::EventKind::purged;
  CHECK(event_line(purged) == "purged");
  pubsub::Event configured;
  configured.kind = pubsub::EventKind::configured;
  CHECK(event_line(configured) == "configured");
}

// ---- the command, over a scripted service -------------------------------------------------------

namespace {

constexpr std::string_view k_service = "pubsub.example.test";

/// pubsub.example.test as Prosody answers: node "ci" exists (one item), "nonode" does not; a
/// publish with publish-options is refused as precondition-not-met; the default configuration
/// has pubsub#max_items only.
struct PubsubHarness {
  std::ostringstream out, err;
  int opened = 0;
  test::RoomSession* session = nullptr;
  std::vector<xml::Element> requests;
  std::unique_ptr<Io> io;
  /// Notifications delivered after the listener's subscribe is answered.
  std::vector<std::string> events;

  std::optional<xml::Element> answer(const xml::Element& iq) {
    requests.push_back(iq);
    if (stanza::is_get_of(iq, "query", "http://jabber.org/protocol/disco#info")) {
      disco::DiscoInfo info;
      if (iq.attr("to") == k_service)
        info.identities = {{"pubsub", "service", std::nullopt, std::nullopt}};
      else
        info.identities = {{"server", "im", std::nullopt, std::nullopt}};
      return disco::make_info_result(iq, info);
    }
    if (stanza::is_get_of(iq, "query", "http://jabber.org/protocol/disco#items")) {
      disco::DiscoItems items;
      items.items = {{jid(k_service), std::nullopt, std::nullopt}};
      return disco::make_items_result(iq, items);
    }
    const auto* ps = iq.child("pubsub", pubsub::k_ns);
    const auto* owner = iq.child("pubsub", pubsub::k_ns_owner);
    const auto error = [&](std::string_view condition, std::string_view extra = {}) {
      std::string text = "<iq type='error' id='" + iq.attr("id").value_or("") +
                         "' from='pubsub.example.test'><error type='cancel'><" +
                         std::string(condition) + " xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>" +
                         std::string(extra) + "</error></iq>";
      return test::parse_stanza(text);
    };
    const auto node_of = [](const xml::Element* e) {
      return e ? e->attr("node").value_or("") : std::string();
    };
    if (owner && owner->child("default", pubsub::k_ns_owner)) {
      return test::parse_stanza(
          "<iq type='result' id='" + iq.attr("id").value_or("") +
          "'><pubsub xmlns='http://jabber.org/protocol/pubsub#owner'><default><x "
          "xmlns='jabber:x:data' type='form'><field var='FORM_TYPE' type='hidden'><value>"
          "http://jabber.org/protocol/pubsub#node_config</value></field><field "
          "var='pubsub#max_items' type='text-single'/></x></default></pubsub></iq>");
    }
    if (ps) {
      if (const auto* publish = ps->child("publish", pubsub::k_ns)) {
        if (node_of(publish) == "nonode") return error("item-not-found");
        if (ps->child("publish-options", pubsub::k_ns))
          return error("conflict",
                       "<precondition-not-met xmlns='http://jabber.org/protocol/pubsub#errors'/>");
        return test::parse_stanza("<iq type='result' id='" + iq.attr("id").value_or("") +
                                  "'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish "
                                  "node='ci'><item id='new1'/></publish></pubsub></iq>");
      }
      if (const auto* items = ps->child("items", pubsub::k_ns)) {
        if (node_of(items) != "ci") return error("item-not-found");
        return test::parse_stanza(
            "<iq type='result' id='" + iq.attr("id").value_or("") +
            "'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='ci'><item id='i1' "
            "publisher='admin@example.test'><data xmlns='https://prosody.im/protocol/data'>"
            "exact &amp; text</data></item></items></pubsub></iq>");
      }
      if (ps->child("subscriptions", pubsub::k_ns))
        return test::parse_stanza("<iq type='result' id='" + iq.attr("id").value_or("") +
                                  "'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
                                  "<subscriptions/></pubsub></iq>");
      if (const auto* subscribe = ps->child("subscribe", pubsub::k_ns)) {
        // The notifications follow the subscribe result (one forged by a stranger first).
        for (const auto& text : events)
          session->deliver(test::parse_stanza(text));
        return test::parse_stanza(
            "<iq type='result' id='" + iq.attr("id").value_or("") +
            "'><pubsub xmlns='http://jabber.org/protocol/pubsub'><subscription node='ci' jid='" +
            subscribe->attr("jid").value_or("") + "' subscription='subscribed'/></pubsub></iq>");
      }
      if (ps->child("create", pubsub::k_ns) || ps->child("unsubscribe", pubsub::k_ns))
        return stanza::make_result(iq);
    }
    return stanza::make_result(iq);
  }

  int run(std::vector<std::string> args) {
    io = std::make_unique<Io>(Io{
        out, err,
        [](std::string_view) -> Result<std::optional<Secret>> { return std::optional<Secret>{}; },
        [this](stream::SessionOptions o) -> awaitable<Result<std::unique_ptr<stream::Session>>> {
          auto executor = co_await asio::this_coro::executor;
          ++opened;
          auto s = std::make_unique<test::RoomSession>(executor, o.jid.with_resource("fake"));
          s->responder = [this](const xml::Element& iq) { return answer(iq); };
          session = s.get();
          co_return std::unique_ptr<stream::Session>(std::move(s));
        },
        false});
    Environment env;
    env.password = "pw";
    args.insert(args.begin(), {"-j", "bob@example.test"});
    return cli::run_main(args, env, *io);
  }
};

std::string event_message(std::string_view from, std::string_view id) {
  return "<message from='" + std::string(from) +
         "' to='bob@example.test/fake'><event xmlns='http://jabber.org/protocol/pubsub#event'>"
         "<items node='ci'><item id='" +
         std::string(id) + "'><data xmlns='https://prosody.im/protocol/data'>" + std::string(id) +
         "</data></item></items></event></message>";
}

}  // namespace

TEST_CASE("pubsub: bad arguments and payloads end before any login (64, 65, 66)") {
  test::TempDir dir;
  const auto bad_xml = dir.write("bad.xml", "<a><b></a>");
  const auto two = dir.write("two.xml", "<a/><b/>");
  const auto bad_json = dir.write("bad.json", "{\"a\":");
  const std::vector<std::pair<std::vector<std::string>, int>> cases = {
      {{"pubsub"}, 64},
      {{"pubsub", "nosuch"}, 64},
      {{"pubsub", "items", "a@@b", "ci"}, 64},
      {{"pubsub", "items", "pep"}, 64},
      {{"pubsub", "items", "pep", ""}, 64},
      {{"pubsub", "items", "pep", "ci", "--max", "0"}, 64},
      {{"pubsub", "publish", "pep", "ci", "--text", "x", "--payload-file", bad_xml}, 64},
      {{"pubsub", "publish", "pep", "ci", "--text", "x", "--set", "a=b"}, 64},
      {{"pubsub", "publish", "pep", "ci", "--text", "x", "--json-payload"}, 64},
      {{"pubsub", "publish", "pep", "ci", "--geoloc", "91,0"}, 64},
      {{"pubsub", "publish", "pep", "ci", "--text", "x", "--option", "novalue"}, 64},
      {{"pubsub", "subscriptions", "pep", "--owner"}, 64},
      {{"pubsub", "affiliations", "pep", "--set", "bob@example.test=owner"}, 64},
      {{"pubsub", "affiliations", "pep", "ci", "--set", "bob@example.test=king"}, 64},
      {{"pubsub", "subscribe", "pep", "ci", "--jid", "a@@b"}, 64},
      {{"pubsub", "listen", "pep", "ci", "--count", "0"}, 64},
      {{"pubsub", "retract", "pep", "ci"}, 64},
      {{"pubsub", "publish", "pep", "ci", "--payload-file", bad_xml}, 65},
      {{"pubsub", "publish", "pep", "ci", "--payload-file", two}, 65},
      {{"pubsub", "publish", "pep", "ci", "--payload-file", bad_json, "--json-payload"}, 65},
      {{"pubsub", "publish", "pep", "ci", "--text", "a\x01"}, 65},
      {{"pubsub", "publish", "pep", "ci", "--payload-file", dir.file("missing")}, 66},
      {{"pubsub", "create", "pep", "ci", "--set", "pubsub#title=@" + dir.file("missing")}, 66},
  };
  for (const auto& c : cases) {
    // Not a structured binding: clang 14 cannot capture one in CAPTURE's lambda.
    const auto& args = c.first;
    PubsubHarness h;
    CAPTURE(args);
    CHECK(h.run(args) == c.second);
    CHECK(h.opened == 0);
    CHECK(h.out.str().empty());
  }
}

TEST_CASE("pubsub publish: the payload file as sent; a domain resolved to its pubsub service") {
  test::TempDir dir;
  const auto file = dir.write("p.xml", "\n<entry xmlns='urn:x'>v</entry>\n");
  PubsubHarness h;
  CHECK(h.run({"--json", "pubsub", "publish", "example.test", "ci", "--payload-file", file}) == 0);
  CHECK(nlohmann::json::parse(h.out.str()) ==
        nlohmann::json::parse(R"({"service":"pubsub.example.test","node":"ci","id":"new1",)"
                              R"("created":false})"));
  const auto& sent = h.requests.back();
  CHECK(sent.attr("to") == "pubsub.example.test");
  const auto* item = sent.child("pubsub", pubsub::k_ns)
                         ->child("publish", pubsub::k_ns)
                         ->child("item", pubsub::k_ns);
  REQUIRE(item != nullptr);
  CHECK(xml::to_string(*item->elements().at(0)) == "<entry xmlns='urn:x'>v</entry>");

  PubsubHarness pep;
  CHECK(pep.run({"pubsub", "publish", "bob@example.test", "urn:n", "--text", "t", "--id", "x"}) ==
        0);
  CHECK(!pep.requests.back().attr("to"));  // our own PEP service: no 'to' (XEP-0163 §3)
  CHECK(pep.out.str() == "published item new1 to node ci at bob@example.test\n");
}

TEST_CASE("pubsub publish: precondition-not-met names the options; --set checked (65)") {
  PubsubHarness h;
  CHECK(h.run({"--json", "pubsub", "publish", "pubsub.example.test", "ci", "--text", "x",
               "--option", "pubsub#access_model=whitelist"}) == 1);
  CHECK(h.err.str().find(R"("code":"precondition_not_met")") != std::string::npos);
  CHECK(h.err.str().find("pubsub#access_model=whitelist") != std::string::npos);

  PubsubHarness bad_set;
  CHECK(bad_set.run(
            {"pubsub", "create", "pubsub.example.test", "new", "--set", "pubsub#nosuch=1"}) == 65);
  CHECK(bad_set.err.str().find("pubsub#max_items") != std::string::npos);
  PubsubHarness good;
  CHECK(good.run({"--json", "pubsub", "create", "pubsub.example.test", "new", "--set",
                  "pubsub#max_items=5"}) == 0);
  CHECK(good.out.str() ==
        R"({"service":"pubsub.example.test","node":"new","config":{"pubsub#max_items":"5"}})"
        "\n");
}

TEST_CASE("pubsub items: -q prints the payload bytes only; a missing node is exit 1") {
  PubsubHarness h;
  CHECK(h.run({"-q", "pubsub", "items", "pubsub.example.test", "ci", "--id", "i1"}) == 0);
  CHECK(h.out.str() == "exact & text\n");
  PubsubHarness missing;
  CHECK(missing.run({"--json", "pubsub", "items", "pubsub.example.test", "nonode"}) == 1);
  CHECK(missing.err.str().find(R"("condition":"item-not-found")") != std::string::npos);
}

TEST_CASE("pubsub listen: the service's events only, until --count; then it unsubscribes") {
  PubsubHarness h;
  h.events = {event_message("mallory@evil.test", "forged"), event_message(k_service, "one"),
              event_message(k_service, "two")};
  CHECK(h.run({"--json", "pubsub", "listen", "pubsub.example.test", "ci", "--count", "2"}) == 0);
  std::vector<nlohmann::json> docs;
  std::istringstream in(h.out.str());
  for (std::string line; std::getline(in, line);)
    docs.push_back(nlohmann::json::parse(line));
  REQUIRE(docs.size() == 2);
  CHECK(docs[0]["id"] == "one");
  CHECK(docs[1]["text"] == "two");
  CHECK(h.err.str().find("listening to node ci at pubsub.example.test (subscribed)") !=
        std::string::npos);
  // The subscription it made is cancelled at the end.
  REQUIRE(!h.requests.empty());
  CHECK(h.requests.back().child("pubsub", pubsub::k_ns)->child("unsubscribe", pubsub::k_ns) !=
        nullptr);

  PubsubHarness timed;
  CHECK(timed.run({"--timeout", "0.3", "pubsub", "listen", "pubsub.example.test", "ci", "--count",
                   "1"}) == 75);
  CHECK(timed.err.str().find("with 0 of 1 events") != std::string::npos);
  PubsubHarness until;
  CHECK(until.run({"--timeout", "0.3", "pubsub", "listen", "pubsub.example.test", "ci"}) == 0);
}
