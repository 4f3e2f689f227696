// `xmpp disco`: the JSON shapes and human text of info, items and tree from fixed data, and the
// command end to end over a scripted session (caps from the stream features and from presence,
// usage errors, the target's errors and the exit codes).
#include <doctest/doctest.h>

#include <sstream>
#include <variant>

#include "app.hpp"
#include "cli_support.hpp"
#include "disco_report.hpp"
#include "stanza/iq.hpp"
#include "stanza/namespaces.hpp"
#include "stanza/presence.hpp"
#include "test_jid.hpp"
#include "xep/caps/caps.hpp"
#include "xep/disco/disco.hpp"
#include "xep/disco/features.hpp"
#include "xep_fake_session.hpp"

using namespace xmpp;
using namespace xmpp::cli;
using namespace std::chrono;
using Json = nlohmann::ordered_json;

namespace {

using test::jid;

using test::human;

std::string spec_suffix(std::string_view var) {
  const auto spec = disco::feature_spec(var);
  REQUIRE(spec.has_value());
  return "  (" + std::string(spec->spec) + " " + std::string(spec->title) + ")";
}

/// The server of the examples: identities, known and unknown features, a softwareinfo form.
disco::DiscoInfo server_info() {
  disco::DiscoInfo info;
  info.identities = {{"server", "im", "Prosody", std::nullopt},
                     {"pubsub", "pep", std::nullopt, "en"}};
  info.features = {"http://jabber.org/protocol/disco#info", "urn:xmpp:ping", "urn:example:nothing"};
  info.forms = {{"urn:xmpp:dataforms:softwareinfo",
                 {{"os", {"Linux"}}, {"software", {"Prosody"}}, {"multi", {"a", "b, c"}}}}};
  return info;
}

}  // namespace

TEST_CASE("info JSON: identities, features with their spec, forms as fields, caps") {
  DiscoInfoReport report;
  report.jid = "example.test";
  report.info = server_info();
  auto doc = report.to_json();
  std::vector<std::string> keys;
  for (auto it = doc.begin(); it != doc.end(); ++it)
    keys.push_back(it.key());
  CHECK(keys == std::vector<std::string>{"jid", "node", "identities", "features", "forms", "caps"});
  CHECK(doc["jid"] == "example.test");
  CHECK(doc["node"].is_null());
  CHECK(doc["identities"].dump() ==
        R"([{"category":"server","type":"im","name":"Prosody","lang":null},)"
        R"({"category":"pubsub","type":"pep","name":null,"lang":"en"}])");
  REQUIRE(doc["features"].size() == 3);
  const auto ping = disco::feature_spec("urn:xmpp:ping");
  REQUIRE(ping.has_value());
  CHECK(doc["features"][1].dump() == R"({"var":"urn:xmpp:ping","spec":"XEP-0199","title":)" +
                                         Json(std::string(ping->title)).dump() + "}");
  CHECK(doc["features"][0]["spec"] == "XEP-0030");
  CHECK(doc["features"][2].dump() == R"({"var":"urn:example:nothing","spec":null,"title":null})");
  CHECK(doc["forms"].dump() == R"([{"form_type":"urn:xmpp:dataforms:softwareinfo","fields":)"
                               R"({"multi":["a","b, c"],"os":["Linux"],"software":["Prosody"]}}])");
  CHECK(doc["caps"].is_null());

  report.node = "n";
  report.caps =
      CapsCheck{{"sha-1", "http://prosody.im", "abc="}, caps::Verdict::match, "stream-features"};
  doc = report.to_json();
  CHECK(doc["node"] == "n");
  CHECK(doc["caps"].dump() == R"({"hash":"sha-1","node":"http://prosody.im","ver":"abc=",)"
                              R"("verdict":"match","source":"stream-features"})");
}

TEST_CASE("info human: sections, spec names beside features, one line per form value, caps") {
  DiscoInfoReport report;
  report.jid = "example.test";
  report.info = server_info();
  report.caps =
      CapsCheck{{"sha-1", "http://prosody.im", "abc="}, caps::Verdict::match, "stream-features"};
  CHECK(human(report) ==
        "jid: example.test\n"
        "identities:\n"
        "  server/im \"Prosody\"\n"
        "  pubsub/pep (en)\n"
        "features:\n"
        "  http://jabber.org/protocol/disco#info" +
            spec_suffix("http://jabber.org/protocol/disco#info") +
            "\n"
            "  urn:xmpp:ping" +
            spec_suffix("urn:xmpp:ping") +
            "\n"
            "  urn:example:nothing\n"
            "forms:\n"
            "  urn:xmpp:dataforms:softwareinfo\n"
            "    multi: a\n"
            "    multi: b, c\n"
            "    os: Linux\n"
            "    software: Prosody\n"
            "caps: sha-1 abc= (node http://prosody.im, from the stream features) matches\n");
  CHECK(human(report).find("urn:xmpp:ping  (XEP-0199 ") != std::string::npos);

  report.caps->verdict = caps::Verdict::mismatch;
  report.caps->source = "presence";
  CHECK(human(report).find("caps: sha-1 abc= (node http://prosody.im, from its presence) does NOT "
                           "match") != std::string::npos);
  report.caps.reset();
  report.info = {};
  report.node = "x";
  CHECK(human(report) == "jid: example.test\nnode: x\nidentities: (none)\nfeatures: (none)\n");
}

TEST_CASE("info human: remote text is escaped for the terminal") {
  DiscoInfoReport report;
  report.jid = "example.test";
  report.info.identities = {{"client", "pc", "evil\x1b[2Jname", std::nullopt}};
  report.info.features = {"urn:x\x07"};
  const auto text = human(report);
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(text.find('\x07') == std::string::npos);
  CHECK(text.find("evil\\x1b[2Jname") != std::string::npos);
}

TEST_CASE("items: JSON with pages, one human line per item") {
  DiscoItemsReport report;
  report.jid = "example.test";
  report.items.items = {{jid("conference.example.test"), std::nullopt, "Chatrooms"},
                        {jid("pubsub.example.test"), "princely_musings", std::nullopt},
                        {jid("upload.example.test"), std::nullopt, std::nullopt}};
  report.items.pages = 2;
  CHECK(report.to_json().dump() ==
        R"({"jid":"example.test","node":null,"items":[)"
        R"({"jid":"conference.example.test","node":null,"name":"Chatrooms"},)"
        R"({"jid":"pubsub.example.test","node":"princely_musings","name":null},)"
        R"({"jid":"upload.example.test","node":null,"name":null}],"pages":2,"truncated":false})");
  CHECK(human(report) == "conference.example.test \"Chatrooms\"\n"
                         "pubsub.example.test [princely_musings]\n"
                         "upload.example.test\n");
  report.items.items.clear();
  CHECK(human(report) == "(no items)\n");
}

namespace {

disco::TreeEntity entity(std::string_view j, int level, std::optional<std::string> name = {},
                         std::optional<std::string> node = {}) {
  disco::TreeEntity e;
  e.jid = jid(j);
  e.level = level;
  e.name = std::move(name);
  e.node = std::move(node);
  return e;
}

disco::DiscoInfo identity_only(std::string category, std::string type) {
  disco::DiscoInfo info;
  info.identities = {{std::move(category), std::move(type), std::nullopt, std::nullopt}};
  return info;
}

Error condition(std::string c) {
  return make_error(ErrorKind::remote, "stanza_error", c, "it said " + c);
}

DiscoTreeReport sample_tree() {
  DiscoTreeReport report;
  auto root = entity("example.test", 0);
  root.info = identity_only("server", "im");
  root.items_asked = true;
  auto muc = entity("conference.example.test", 1, "Chatrooms");
  muc.info = identity_only("conference", "text");
  muc.items_asked = true;
  auto room = entity("room@conference.example.test", 2, "Room");
  room.info = identity_only("conference", "text");
  muc.children.push_back(room);
  auto pubsub = entity("pubsub.example.test", 1);
  pubsub.info_error = condition("item-not-found");
  pubsub.items_asked = true;
  auto loop = entity("example.test", 1);
  loop.mark = disco::TreeMark::loop;
  auto dup = entity("conference.example.test", 1, "Chatrooms");
  dup.mark = disco::TreeMark::duplicate;
  auto proxy = entity("proxy.example.test", 1, std::nullopt, "n1");
  proxy.info = identity_only("proxy", "bytestreams");
  proxy.items_asked = true;
  proxy.items_error = condition("forbidden");
  root.children = {muc, pubsub, loop, dup, proxy};
  report.tree.root = root;
  report.tree.summary = {7, 5, 1, 1, 9, 2, 4, 0};
  report.depth = 2;
  report.concurrency = 4;
  report.max_entities = 10000;
  report.elapsed_ms = 12.3456789;
  return report;
}

}  // namespace

TEST_CASE("tree human: two spaces a level, identities, errors, duplicates and loops in place") {
  auto report = sample_tree();
  CHECK(human(report) == "example.test  server/im\n"
                         "  conference.example.test \"Chatrooms\"  conference/text\n"
                         "    room@conference.example.test \"Room\"  conference/text\n"
                         "  pubsub.example.test  error: item-not-found\n"
                         "  example.test  (loop)\n"
                         "  conference.example.test \"Chatrooms\"  (duplicate)\n"
                         "  proxy.example.test [n1]  proxy/bytestreams  items error: forbidden\n"
                         "7 entities (5 walked, 1 duplicate, 1 loop), 2 errors, 12.3 ms\n");
  report.tree.summary.left_out = 3;
  report.max_entities = 7;
  CHECK(human(report).find("; the limit of 7 entities left 3 items out\n") != std::string::npos);
}

TEST_CASE("tree JSON: the same tree nested, children null where items were not listed") {
  const auto doc = sample_tree().to_json();
  std::vector<std::string> keys;
  for (auto it = doc.begin(); it != doc.end(); ++it)
    keys.push_back(it.key());
  CHECK(keys == std::vector<std::string>{"jid", "node", "depth", "concurrency", "tree", "summary"});
  CHECK(doc["depth"] == 2);
  CHECK(doc["concurrency"] == 4);
  const auto& root = doc["tree"];
  keys.clear();
  for (auto it = root.begin(); it != root.end(); ++it)
    keys.push_back(it.key());
  CHECK(keys == std::vector<std::string>{"jid", "node", "name", "status", "identities", "features",
                                         "forms", "error", "items_error", "children"});
  CHECK(root["status"] == "walked");
  CHECK(root["identities"][0]["category"] == "server");
  REQUIRE(root["children"].size() == 5);
  const auto& muc = root["children"][0];
  CHECK(muc["name"] == "Chatrooms");
  CHECK(muc["children"][0]["jid"] == "room@conference.example.test");
  CHECK(muc["children"][0]["children"].is_null());  // below the last level
  CHECK(root["children"][1]["error"]["condition"] == "item-not-found");
  CHECK(root["children"][1]["identities"].is_null());
  CHECK(root["children"][1]["children"].is_array());  // listed, none
  CHECK(root["children"][2]["status"] == "loop");
  CHECK(root["children"][3]["status"] == "duplicate");
  CHECK(root["children"][3]["features"].is_null());
  CHECK(root["children"][4]["node"] == "n1");
  CHECK(root["children"][4]["items_error"]["condition"] == "forbidden");
  CHECK(root["children"][4]["items_error"]["code"] == "stanza_error");
  CHECK(root["children"][4]["children"].is_null());
  CHECK(doc["summary"].dump() ==
        R"({"entities":7,"walked":5,"duplicates":1,"loops":1,"queries":9,"errors":2,)"
        R"("max_in_flight":4,"left_out":0,"max_entities":10000,"elapsed_ms":12.346})");
}

// ---- end to end over a scripted session ----

namespace {

/// The fake session with stream features of our choosing, a record of what was sent, and the
/// chance to deliver a presence while a request is pending.
class DiscoSession : public test::FakeSession {
 public:
  DiscoSession(asio::any_io_executor executor, Jid jid, stream::SessionInfo info,
               std::vector<xml::Element>* sent)
      : FakeSession(std::move(executor), std::move(jid)), m_info(std::move(info)), m_sent(sent) {}
  const stream::SessionInfo& info() const override { return m_info; }
  awaitable<Result<void>> send(xml::Element stanza) override {
    if (m_sent) m_sent->push_back(stanza);
    co_return Result<void>{};
  }

 private:
  stream::SessionInfo m_info;
  std::vector<xml::Element>* m_sent;
};

struct DiscoHarness {
  std::ostringstream out, err;
  test::FakeSession::Responder responder;
  stream::SessionInfo info;
  std::vector<xml::Element> sent;
  test::FakeSession::Log log;
  DiscoSession* session = nullptr;
  int opened = 0;
  Io io{out, err,
        [](std::string_view) -> Result<std::optional<Secret>> { return std::optional<Secret>{}; },
        [this](stream::SessionOptions o) -> awaitable<Result<std::unique_ptr<stream::Session>>> {
          auto executor = co_await asio::this_coro::executor;
          ++opened;
          auto s =
              std::make_unique<DiscoSession>(executor, o.jid.with_resource("fake"), info, &sent);
          s->responder = responder;
          s->log = &log;
          session = s.get();
          co_return std::unique_ptr<stream::Session>(std::move(s));
        },
        false};

  int run(std::vector<std::string> args) {
    Environment env;
    env.password = "pw";
    args.insert(args.begin(), {"-j", "alice@example.test"});
    return cli::run_main(args, env, io);
  }
  Json json() const { return Json::parse(out.str()); }
};

xml::Element not_found(const xml::Element& iq) {
  return stanza::make_error_reply(iq, stanza::make_stanza_error("item-not-found"));
}

/// A small world: example.test lists two components; conference lists a room and the server.
std::optional<xml::Element> world(const xml::Element& iq) {
  const auto to = iq.attr("to").value_or("");
  const auto* query = iq.child_in(disco::k_ns_info);
  if (disco::is_info_request(iq)) {
    if (query->attr("node")) return not_found(iq);
    if (to == "example.test") return disco::make_info_result(iq, server_info());
    if (to == "conference.example.test")
      return disco::make_info_result(iq, identity_only("conference", "text"));
    if (to == "pubsub.example.test")
      return disco::make_info_result(iq, identity_only("pubsub", "service"));
    return not_found(iq);
  }
  if (disco::is_items_request(iq)) {
    disco::DiscoItems items;
    if (to == "example.test") {
      items.items = {{jid("conference.example.test"), std::nullopt, "Chatrooms"},
                     {jid("pubsub.example.test"), std::nullopt, std::nullopt}};
    } else if (to == "conference.example.test") {
      items.items = {{jid("room@conference.example.test"), std::nullopt, "Room"},
                     {jid("example.test"), std::nullopt, std::nullopt}};
    } else if (to != "pubsub.example.test") {
      return not_found(iq);
    }
    return disco::make_items_result(iq, items);
  }
  return std::nullopt;
}

xml::Element caps_element(const std::string& ver) {
  xml::Element c("c", std::string(caps::k_ns));
  c.set_attr("hash", "sha-1");
  c.set_attr("node", "http://prosody.im");
  c.set_attr("ver", ver);
  return c;
}

}  // namespace

TEST_CASE("disco info --json: the server's info and the caps of its stream features") {
  const auto good = caps::compute_ver(server_info(), "sha-1");
  REQUIRE(good.has_value());
  DiscoHarness h;
  h.responder = world;
  h.info.caps_feature = caps_element(*good);
  CHECK(h.run({"--json", "disco", "info", "example.test"}) == 0);
  auto doc = h.json();
  CHECK(doc["jid"] == "example.test");
  CHECK(doc["identities"][0]["name"] == "Prosody");
  CHECK(doc["features"][1]["spec"] == "XEP-0199");
  CHECK(doc["forms"][0]["fields"]["os"][0] == "Linux");
  CHECK(doc["caps"]["verdict"] == "match");
  CHECK(doc["caps"]["source"] == "stream-features");
  CHECK(h.sent.empty());  // no presence for a server
  REQUIRE(h.log.requests.size() == 1);
  CHECK(disco::is_info_request(h.log.requests[0]));

  DiscoHarness bad;
  bad.responder = world;
  bad.info.caps_feature = caps_element("AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
  CHECK(bad.run({"disco", "info", "example.test"}) == 0);  // a verdict, not an error
  CHECK(bad.out.str().find("does NOT match") != std::string::npos);

  // The stream features describe our server only, not another entity or a node of it.
  DiscoHarness other;
  other.responder = world;
  other.info.caps_feature = caps_element(*good);
  CHECK(other.run({"--json", "disco", "info", "conference.example.test"}) == 0);
  CHECK(other.json()["caps"].is_null());
}

TEST_CASE("disco info of a full JID: presence with priority -1 first, the caps of its presence") {
  disco::DiscoInfo client;
  client.identities = {{"client", "pc", "Psi", std::nullopt}};
  client.features = {"http://jabber.org/protocol/disco#info", "urn:xmpp:ping"};
  const auto ver = caps::compute_ver(client, "sha-1");
  REQUIRE(ver.has_value());
  for (const bool presence_first : {true, false}) {
    CAPTURE(presence_first);
    DiscoHarness h;
    h.responder = [&](const xml::Element& iq) -> std::optional<xml::Element> {
      if (!disco::is_info_request(iq)) return std::nullopt;
      if (presence_first) {
        // Another resource's presence and a presence without caps are not the target's caps.
        auto other = stanza::make_presence();
        other.set_attr("from", "bob@example.test/other");
        other.add_child(caps_element("AAAA"));
        h.session->router().dispatch(other);
        auto presence = stanza::make_presence();
        presence.set_attr("from", "bob@example.test/phone");
        auto c = caps_element(*ver);
        c.set_attr("node", "https://psi-plus.com");
        presence.add_child(c);
        h.session->router().dispatch(presence);
      }
      return disco::make_info_result(iq, client);
    };
    CHECK(h.run({"--json", "disco", "info", "bob@example.test/phone"}) == 0);
    REQUIRE(h.sent.size() == 1);
    CHECK(h.sent[0].name() == "presence");
    CHECK_FALSE(h.sent[0].attr("type").has_value());
    CHECK(h.sent[0].child_text("priority", stanza::k_ns_client) == "-1");
    const auto doc = h.json();
    if (presence_first) {
      CHECK(doc["caps"]["verdict"] == "match");
      CHECK(doc["caps"]["source"] == "presence");
      CHECK(doc["caps"]["node"] == "https://psi-plus.com");
    } else {
      CHECK(doc["caps"].is_null());
    }
  }
}

TEST_CASE("disco items --json: every item and the number of pages") {
  DiscoHarness h;
  h.responder = world;
  CHECK(h.run({"--json", "disco", "items", "example.test"}) == 0);
  const auto doc = h.json();
  CHECK(doc["items"].size() == 2);
  CHECK(doc["items"][0]["name"] == "Chatrooms");
  CHECK(doc["items"][1]["name"].is_null());
  CHECK(doc["pages"] == 1);
  CHECK(doc["node"].is_null());
}

TEST_CASE("disco items --json: an entity that pages (XEP-0059) is read to the end") {
  const auto page = [](const xml::Element& iq, std::vector<std::string> names, int count) {
    disco::DiscoItems items;
    for (const auto& n : names)
      items.items.push_back({jid(n + ".example.test"), std::nullopt, std::nullopt});
    auto reply = disco::make_items_result(iq, items);
    xml::Element set("set", "http://jabber.org/protocol/rsm");
    set.add_child(xml::Element("first", "http://jabber.org/protocol/rsm")).add_text(names.front());
    set.add_child(xml::Element("last", "http://jabber.org/protocol/rsm")).add_text(names.back());
    set.add_child(xml::Element("count", "http://jabber.org/protocol/rsm"))
        .add_text(std::to_string(count));
    reply.child("query", disco::k_ns_items)->add_child(std::move(set));
    return reply;
  };
  DiscoHarness h;
  h.responder = [&](const xml::Element& iq) -> std::optional<xml::Element> {
    const auto* set =
        iq.child_in(disco::k_ns_items)->child("set", "http://jabber.org/protocol/rsm");
    if (set == nullptr) return page(iq, {"a", "b"}, 3);
    if (set->child_text("after", "http://jabber.org/protocol/rsm") == "b")
      return page(iq, {"c"}, 3);
    return not_found(iq);
  };
  CHECK(h.run({"--json", "disco", "items", "example.test"}) == 0);
  const auto doc = h.json();
  CHECK(doc["pages"] == 2);
  CHECK(doc["truncated"] == false);
  REQUIRE(doc["items"].size() == 3);
  CHECK(doc["items"][2]["jid"] == "c.example.test");
  CHECK(h.log.requests.size() == 2);
}

TEST_CASE("disco items with a node the entity does not have: exit 1, item-not-found") {
  DiscoHarness h;
  h.responder = world;
  CHECK(h.run({"--json", "disco", "items", "nosuch.example.test"}) == 1);
  CHECK(h.out.str().empty());
  CHECK(h.err.str().find(R"("condition":"item-not-found")") != std::string::npos);
  CHECK(h.err.str().find("disco#items to nosuch.example.test") != std::string::npos);
  DiscoHarness n;
  n.responder = world;
  CHECK(n.run({"disco", "info", "example.test", "--node", "nope"}) == 1);
  CHECK(n.err.str().find("item-not-found") != std::string::npos);
  CHECK(n.log.requests[0].child_in(disco::k_ns_info)->attr("node") == "nope");
}

TEST_CASE("--depth and --concurrency are options of disco tree only: exit 64, nothing sent") {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"disco", "info", "example.test", "--depth", "1"},
           {"disco", "items", "example.test", "--concurrency", "2"},
           {"--json", "disco", "info", "example.test", "--concurrency", "2"}}) {
    DiscoHarness h;
    h.responder = world;
    CHECK(h.run(args) == 64);
    CHECK(h.opened == 0);
    CHECK(h.out.str().empty());
    CHECK(h.err.str().find(args.back() == "1" ? "--depth" : "--concurrency") != std::string::npos);
  }
  DiscoHarness h;
  CHECK(h.run({"disco", "tree", "example.test", "--depth", "65"}) == 64);
  CHECK(h.run({"disco", "tree", "example.test", "--concurrency", "0"}) == 64);
  CHECK(h.run({"disco", "list", "example.test"}) == 64);
  CHECK(h.run({"disco", "example.test"}) == 64);
  CHECK(h.run({"disco"}) == 64);
  CHECK(h.opened == 0);
}

TEST_CASE("disco tree: the walk over the session, errors below the root do not change the exit") {
  DiscoHarness h;
  h.responder = world;
  CHECK(h.run({"disco", "tree", "example.test"}) == 0);
  const auto text = h.out.str();
  CHECK(text.find("example.test  server/im pubsub/pep\n"
                  "  conference.example.test \"Chatrooms\"  conference/text\n"
                  "    room@conference.example.test \"Room\"  error: item-not-found\n"
                  "    example.test  (loop)\n"
                  "  pubsub.example.test  pubsub/service\n"
                  "5 entities (4 walked, 0 duplicates, 1 loop), 1 error, ") == 0);

  DiscoHarness j;
  j.responder = world;
  CHECK(j.run({"--json", "disco", "tree", "example.test", "--depth", "1", "--concurrency", "1"}) ==
        0);
  const auto doc = j.json();
  CHECK(doc["depth"] == 1);
  CHECK(doc["concurrency"] == 1);
  CHECK(doc["tree"]["children"].size() == 2);
  CHECK(doc["tree"]["children"][0]["children"].is_null());
  CHECK(doc["summary"]["queries"] == 4);
  CHECK(doc["summary"]["max_in_flight"] == 1);
  CHECK(doc["summary"]["elapsed_ms"].is_number());
}

TEST_CASE("disco tree: the root failing is exit 1, with the tree printed") {
  DiscoHarness h;
  h.responder = world;
  CHECK(h.run({"--json", "disco", "tree", "nosuch.example.test"}) == 1);
  const auto doc = h.json();
  CHECK(doc["tree"]["error"]["condition"] == "item-not-found");
  CHECK(h.err.str().find(R"("exit":1)") != std::string::npos);
}

TEST_CASE("disco tree: an entity that never answers is a timeout in place only at the deadline") {
  DiscoHarness h;
  h.responder = [](const xml::Element& iq) -> std::optional<xml::Element> {
    if (iq.attr("to") == "pubsub.example.test") return std::nullopt;  // silent
    return world(iq);
  };
  CHECK(h.run({"--json", "--timeout", "1", "disco", "tree", "example.test", "--depth", "1"}) == 75);
  const auto doc = h.json();
  CHECK(doc["tree"]["children"][1]["error"]["code"] == "timeout");
  CHECK(doc["tree"]["children"][0]["error"].is_null());
  CHECK(h.err.str().find("the deadline came before") != std::string::npos);
}
