// XEP-0060 Publish-Subscribe through the real session driver against the scripted server:
// create with configuration and configure (§8.1.3, §8.2), publish to our PEP service (XEP-0163),
// publish-options failing with precondition-not-met (§7.1.5), publish creating a missing node
// (also when someone else created it meanwhile), items over XEP-0059 pages (§6.5.4) and a service
// that repeats a page, finding a domain's pubsub component (§5.1), owner affiliations (§8.9), and
// a listener that subscribes, collects the node's events in order while ignoring forged ones
// (SECURITY.md row 38), times out under its deadline, and unsubscribes.
#include "harness.hpp"

#include "unit/test_jid.hpp"
#include "xep/pubsub/payloads.hpp"
#include "xep/pubsub/pubsub_ops.hpp"

using namespace xmpp;
using namespace xmpp::test;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view k_service = "pubsub.example.test";


using test::jid;

pubsub::Service service() {
  return jid(k_service);
}

/// The result answering `iq` from the service, with `payload` inside.
std::string result(const xml::Element& iq, const std::string& payload = {},
                   std::string from = std::string(k_service)) {
  return "<iq type='result' id='" + *iq.attr("id") + "'" +
         (from.empty() ? "" : " from='" + from + "'") + (payload.empty() ? "/>" : ">" + payload + "</iq>");
}

std::string error(const xml::Element& iq, const std::string& type, const std::string& condition,
                  const std::string& app = {}) {
  return "<iq type='error' id='" + *iq.attr("id") + "' from='" + std::string(k_service) +
         "'><error type='" + type + "'><" + condition +
         " xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>" +
         (app.empty() ? "" : "<" + app + " xmlns='http://jabber.org/protocol/pubsub#errors'/>") +
         "</error></iq>";
}

std::string items_page(const std::vector<std::string>& ids, const std::string& set) {
  std::string out = "<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='ci'>";
  for (const auto& id : ids)
    out += "<item id='" + id + "'><data xmlns='https://prosody.im/protocol/data'>" + id +
           "</data></item>";
  return out + "</items>" + set + "</pubsub>";
}

std::string rsm_set(const std::string& first, const std::string& last, int count) {
  return "<set xmlns='http://jabber.org/protocol/rsm'><first index='0'>" + first + "</first><last>" +
         last + "</last><count>" + std::to_string(count) + "</count></set>";
}

std::string event(const std::string& from, const std::string& body) {
  return "<message from='" + from +
         "' to='alice@example.test/res1'><event xmlns='http://jabber.org/protocol/pubsub#event'>" +
         body + "</event></message>";
}

std::vector<std::string> ids(const std::vector<pubsub::Item>& items) {
  std::vector<std::string> out;
  for (const auto& item : items)
    out.push_back(item.id);
  return out;
}

}  // namespace

TEST_CASE("pubsub: create with configuration (§8.1.3), then configure one field (§8.2.4)") {
  Scenario t;
  Result<std::string> created = fail(ErrorKind::software, "not_run", "", "");
  Result<forms::Form> configured = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        // Arguments built first: GCC 12 cannot pass braced lists of strings to a coroutine.
        const forms::Answers config{{"pubsub#max_items", {"50"}}, {"pubsub#title", {"CI builds"}}};
        const forms::Answers change{{"pubsub#title", {"CI"}}};
        created = co_await pubsub::create(*s, service(), "ci", config, 2s);
        configured = co_await pubsub::configure(*s, service(), "ci", change, 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        auto create = co_await t.peer.expect(
            "<iq type='set' to='pubsub.example.test' id='*'>"
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'><create node='ci'/><configure>"
            "<x xmlns='jabber:x:data' type='submit'>"
            "<field var='FORM_TYPE' type='hidden'>"
            "<value>http://jabber.org/protocol/pubsub#node_config</value></field>"
            "<field var='pubsub#max_items'><value>50</value></field>"
            "<field var='pubsub#title'><value>CI builds</value></field></x></configure>"
            "</pubsub></iq>");
        t.peer.send(result(create));
        auto get = co_await t.peer.expect(
            "<iq type='get' to='pubsub.example.test' id='*'>"
            "<pubsub xmlns='http://jabber.org/protocol/pubsub#owner'><configure node='ci'/>"
            "</pubsub></iq>");
        t.peer.send(result(
            get,
            "<pubsub xmlns='http://jabber.org/protocol/pubsub#owner'><configure node='ci'>"
            "<x xmlns='jabber:x:data' type='form'><field var='FORM_TYPE' type='hidden'>"
            "<value>http://jabber.org/protocol/pubsub#node_config</value></field>"
            "<field var='pubsub#title' type='text-single'><value>CI builds</value></field>"
            "<field var='pubsub#max_items' type='text-single'><value>50</value></field>"
            "</x></configure></pubsub>"));
        auto set = co_await t.peer.expect(
            "<iq type='set' to='pubsub.example.test' id='*'>"
            "<pubsub xmlns='http://jabber.org/protocol/pubsub#owner'><configure node='ci'>"
            "<x xmlns='jabber:x:data' type='submit'>"
            "<field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#node_config</value>"
            "</field><field var='pubsub#title'><value>CI</value></field></x></configure>"
            "</pubsub></iq>");
        // Carry::answered: the unchanged max_items is not sent.
        const auto* x = set.child("pubsub", pubsub::k_ns_owner)
                            ->child("configure", pubsub::k_ns_owner)
                            ->child("x", "jabber:x:data");
        CHECK(x->children("field", "jabber:x:data").size() == 2);
        t.peer.send(result(set));
        co_await clean_close(t.peer);
      });
  REQUIRE_MESSAGE(created, (created ? "" : created.error().message));
  CHECK(*created == "ci");
  REQUIRE_MESSAGE(configured, (configured ? "" : configured.error().message));
  CHECK(configured->field("pubsub#title")->values == std::vector<std::string>{"CI"});
}

TEST_CASE("pubsub: a configure answer the form does not know fails before anything is submitted") {
  Scenario t;
  Result<forms::Form> configured = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        const forms::Answers change{{"pubsub#colour", {"blue"}}};
        configured = co_await pubsub::configure(*s, service(), "ci", change, 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        auto get = co_await t.peer.expect(
            "<iq type='get' to='pubsub.example.test' id='*'>"
            "<pubsub xmlns='http://jabber.org/protocol/pubsub#owner'/></iq>");
        t.peer.send(result(
            get, "<pubsub xmlns='http://jabber.org/protocol/pubsub#owner'><configure node='ci'>"
                 "<x xmlns='jabber:x:data' type='form'><field var='FORM_TYPE' type='hidden'>"
                 "<value>http://jabber.org/protocol/pubsub#node_config</value></field>"
                 "<field var='pubsub#title' type='text-single'/></x></configure></pubsub>"));
        co_await clean_close(t.peer);
      });
  REQUIRE_FALSE(configured);
  CHECK(configured.error().kind == ErrorKind::data);
  CHECK(configured.error().code == "unknown_field");
  CHECK(configured.error().message.find("node ci at pubsub.example.test: ") == 0);
}

TEST_CASE("pubsub: publish to our PEP service (no 'to'); the service's item id is returned") {
  Scenario t;
  Result<pubsub::Published> published = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        pubsub::PublishRequest request;
        request.node = "http://jabber.org/protocol/geoloc";
        request.payload = xml::Element("geoloc", "http://jabber.org/protocol/geoloc");
        published = co_await pubsub::publish(*s, std::nullopt, request, 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        auto iq = co_await t.peer.expect(
            "<iq type='set' id='*'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
            "<publish node='http://jabber.org/protocol/geoloc'><item>"
            "<geoloc xmlns='http://jabber.org/protocol/geoloc'/></item></publish></pubsub></iq>");
        CHECK_FALSE(iq.attr("to"));
        CHECK_FALSE(iq.child("pubsub", pubsub::k_ns)
                        ->child("publish", pubsub::k_ns)
                        ->child("item", pubsub::k_ns)
                        ->attr("id"));
        t.peer.send(result(iq,
                           "<pubsub xmlns='http://jabber.org/protocol/pubsub'>"
                           "<publish node='http://jabber.org/protocol/geoloc'><item id='g1'/>"
                           "</publish></pubsub>",
                           "alice@example.test"));
        co_await clean_close(t.peer);
      });
  REQUIRE_MESSAGE(published, (published ? "" : published.error().message));
  CHECK(published->item_id == "g1");
  CHECK(published->node == "http://jabber.org/protocol/geoloc");
  CHECK_FALSE(published->created);
}

TEST_CASE("pubsub: publish-options not met is explained (§7.1.5 precondition-not-met)") {
  Scenario t;
  Result<pubsub::Published> published = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        pubsub::PublishRequest request;
        request.node = "ci";
        request.item_id = "b1";
        request.payload = pubsub::make_text("build 1 ok").value();
        request.options =
            *pubsub::publish_options_submit({{"pubsub#access_model", {"whitelist"}}}).value();
        published = co_await pubsub::publish(*s, service(), request, 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        auto iq = co_await t.peer.expect(
            "<iq type='set' to='pubsub.example.test' id='*'>"
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'>"
            "<publish node='ci'><item id='b1'><data xmlns='https://prosody.im/protocol/data'>"
            "build 1 ok</data></item></publish><publish-options>"
            "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'>"
            "<value>http://jabber.org/protocol/pubsub#publish-options</value></field>"
            "<field var='pubsub#access_model'><value>whitelist</value></field></x>"
            "</publish-options></pubsub></iq>");
        t.peer.send(error(iq, "cancel", "conflict", "precondition-not-met"));
        co_await clean_close(t.peer);
      });
  REQUIRE_FALSE(published);
  CHECK(published.error().kind == ErrorKind::remote);
  CHECK(published.error().code == "precondition_not_met");
  CHECK(published.error().condition == "conflict");
  CHECK(published.error().message ==
        "node ci at pubsub.example.test: the node's configuration does not match the "
        "publish-options (conflict: precondition-not-met)");
}

TEST_CASE("pubsub: publish creating the missing node; a create conflict (a race) is fine") {
  for (const bool race : {false, true}) {
    CAPTURE(race);
    Scenario t;
    Result<pubsub::Published> published = fail(ErrorKind::software, "not_run", "", "");
    t.run(
        [&]() -> awaitable<void> {
          auto s = co_await open_session(t);
          pubsub::PublishRequest request;
          request.node = "ci";
          request.payload = pubsub::make_json(R"({"ok":true})").value();
          published = co_await pubsub::publish_or_create(*s, service(), request, {}, 2s);
          co_await s->close();
        },
        [&]() -> awaitable<void> {
          co_await t.peer.login(without_sm());
          const std::string publish =
              "<iq type='set' to='pubsub.example.test' id='*'>"
              "<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='ci'><item>"
              "<json xmlns='urn:xmpp:json:0'>{\"ok\":true}</json></item></publish></pubsub></iq>";
          auto first = co_await t.peer.expect(publish);
          t.peer.send(error(first, "cancel", "item-not-found"));
          auto create = co_await t.peer.expect(
              "<iq type='set' to='pubsub.example.test' id='*'>"
              "<pubsub xmlns='http://jabber.org/protocol/pubsub'><create node='ci'/></pubsub></iq>");
          t.peer.send(race ? error(create, "cancel", "conflict") : result(create));
          auto second = co_await t.peer.expect(publish);
          t.peer.send(result(second,
                             "<pubsub xmlns='http://jabber.org/protocol/pubsub'>"
                             "<publish node='ci'><item id='x7'/></publish></pubsub>"));
          co_await clean_close(t.peer);
        });
    REQUIRE_MESSAGE(published, (published ? "" : published.error().message));
    CHECK(published->item_id == "x7");
    CHECK(published->created == !race);
  }
}

// With a configuration the node is created first: a service that creates nodes on publish
// (§7.1.4) would otherwise never say item-not-found, and the configuration would be lost.
TEST_CASE("pubsub: publish with a configuration creates first; conflict = the node exists") {
  for (const bool exists : {false, true}) {
    CAPTURE(exists);
    Scenario t;
    Result<pubsub::Published> published = fail(ErrorKind::software, "not_run", "", "");
    t.run(
        [&]() -> awaitable<void> {
          auto s = co_await open_session(t);
          pubsub::PublishRequest request;
          request.node = "ci";
          request.payload = pubsub::make_json(R"({"ok":true})").value();
          const forms::Answers config{{"pubsub#persist_items", {"1"}}};
          published = co_await pubsub::publish_or_create(*s, service(), request, config, 2s);
          co_await s->close();
        },
        [&]() -> awaitable<void> {
          co_await t.peer.login(without_sm());
          auto create = co_await t.peer.expect(
              "<iq type='set' to='pubsub.example.test' id='*'>"
              "<pubsub xmlns='http://jabber.org/protocol/pubsub'><create node='ci'/><configure>"
              "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'/>"
              "<field var='pubsub#persist_items'><value>1</value></field></x></configure>"
              "</pubsub></iq>");
          t.peer.send(exists ? error(create, "cancel", "conflict") : result(create));
          auto publish = co_await t.peer.expect(
              "<iq type='set' to='pubsub.example.test' id='*'>"
              "<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='ci'><item>"
              "<json xmlns='urn:xmpp:json:0'>{\"ok\":true}</json></item></publish></pubsub></iq>");
          t.peer.send(result(publish,
                             "<pubsub xmlns='http://jabber.org/protocol/pubsub'>"
                             "<publish node='ci'><item id='x8'/></publish></pubsub>"));
          co_await clean_close(t.peer);
        });
    REQUIRE_MESSAGE(published, (published ? "" : published.error().message));
    CHECK(published->item_id == "x8");
    CHECK(published->created == !exists);
  }
}

TEST_CASE("pubsub: items over RSM pages, <after/> = the previous <last/> (§6.5.4)") {
  Scenario t;
  Result<pubsub::Items> read = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        pubsub::ItemsRequest request;
        request.node = "ci";
        read = co_await pubsub::items(*s, service(), request, 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        auto q1 = co_await t.peer.expect(
            "<iq type='get' to='pubsub.example.test' id='*'>"
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='ci'/></pubsub></iq>");
        CHECK(q1.child("pubsub", pubsub::k_ns)->child("set", rsm::k_ns) == nullptr);
        t.peer.send(result(q1, items_page({"a", "b"}, rsm_set("a", "b", 5))));
        auto q2 = co_await t.peer.expect(
            "<iq type='get' to='pubsub.example.test' id='*'>"
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='ci'/>"
            "<set xmlns='http://jabber.org/protocol/rsm'><max>2</max><after>b</after></set>"
            "</pubsub></iq>");
        t.peer.send(result(q2, items_page({"c", "d"}, rsm_set("c", "d", 5))));
        auto q3 = co_await t.peer.expect(
            "<iq type='get' to='pubsub.example.test' id='*'>"
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='ci'/>"
            "<set xmlns='http://jabber.org/protocol/rsm'><max>2</max><after>d</after></set>"
            "</pubsub></iq>");
        t.peer.send(result(q3, items_page({"e"}, rsm_set("e", "e", 5))));
        co_await clean_close(t.peer);
      });
  REQUIRE_MESSAGE(read, (read ? "" : read.error().message));
  CHECK(ids(read->items) == std::vector<std::string>{"a", "b", "c", "d", "e"});
  CHECK(read->pages == 3);
  CHECK(read->count == 5u);
  CHECK(read->complete);
  REQUIRE(read->items[4].payload.has_value());
  CHECK(pubsub::text_of(*read->items[4].payload) == "e");
}

TEST_CASE("pubsub: a service that ignores <after/> ends the read incomplete, not in a loop") {
  Scenario t;
  Result<pubsub::Items> read = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        pubsub::ItemsRequest request;
        request.node = "ci";
        read = co_await pubsub::items(*s, service(), request, 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        auto q1 = co_await t.peer.expect("<iq type='get' id='*'/>");
        t.peer.send(result(q1, items_page({"a", "b"}, rsm_set("a", "b", 10))));
        auto q2 = co_await t.peer.expect("<iq type='get' id='*'/>");
        t.peer.send(result(q2, items_page({"a", "b"}, rsm_set("a", "b", 10))));
        co_await clean_close(t.peer);
      });
  REQUIRE_MESSAGE(read, (read ? "" : read.error().message));
  CHECK_FALSE(read->complete);
  CHECK(read->pages == 2);
}

TEST_CASE("pubsub: max_items is one request; item-not-found names the node") {
  Scenario t;
  Result<pubsub::Items> read = fail(ErrorKind::software, "not_run", "", "");
  Result<pubsub::Items> missing = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        pubsub::ItemsRequest newest;
        newest.node = "ci";
        newest.max_items = 2;
        read = co_await pubsub::items(*s, service(), newest, 2s);
        pubsub::ItemsRequest nope;
        nope.node = "nope";
        missing = co_await pubsub::items(*s, service(), nope, 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        auto q = co_await t.peer.expect(
            "<iq type='get' to='pubsub.example.test' id='*'>"
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='ci' max_items='2'/>"
            "</pubsub></iq>");
        // A page with a <set/> does not make a max_items read go on.
        t.peer.send(result(q, items_page({"y", "z"}, rsm_set("y", "z", 9))));
        auto q2 = co_await t.peer.expect("<iq type='get' id='*'/>");
        t.peer.send(error(q2, "cancel", "item-not-found"));
        co_await clean_close(t.peer);
      });
  REQUIRE(read);
  CHECK(ids(read->items) == std::vector<std::string>{"y", "z"});
  CHECK(read->pages == 1);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().condition == "item-not-found");
  CHECK(missing.error().message ==
        "node nope at pubsub.example.test: the node does not exist (item-not-found)");
}

TEST_CASE("pubsub: a bare domain resolves to its pubsub component by disco (§5.1)") {
  Scenario t;
  Result<Jid> found = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        found = co_await pubsub::find_service(*s, jid("example.test"), 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        auto info = co_await t.peer.expect(
            "<iq type='get' to='example.test' id='*'>"
            "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
        t.peer.send(result(info,
                           "<query xmlns='http://jabber.org/protocol/disco#info'>"
                           "<identity category='server' type='im'/>"
                           "<identity category='pubsub' type='pep'/></query>",
                           "example.test"));
        auto items = co_await t.peer.expect(
            "<iq type='get' to='example.test' id='*'>"
            "<query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
        t.peer.send(result(items,
                           "<query xmlns='http://jabber.org/protocol/disco#items'>"
                           "<item jid='muc.example.test'/><item jid='pubsub.example.test'/>"
                           "</query>",
                           "example.test"));
        auto muc = co_await t.peer.expect("<iq type='get' to='muc.example.test' id='*'/>");
        t.peer.send(result(muc,
                           "<query xmlns='http://jabber.org/protocol/disco#info'>"
                           "<identity category='conference' type='text'/></query>",
                           "muc.example.test"));
        auto ps = co_await t.peer.expect("<iq type='get' to='pubsub.example.test' id='*'/>");
        t.peer.send(result(ps,
                           "<query xmlns='http://jabber.org/protocol/disco#info'>"
                           "<identity category='pubsub' type='service'/></query>"));
        co_await clean_close(t.peer);
      });
  REQUIRE_MESSAGE(found, (found ? "" : found.error().message));
  CHECK(*found == jid("pubsub.example.test"));
}

TEST_CASE("pubsub: owner affiliations listed and set (§8.9); forbidden for a non-owner") {
  Scenario t;
  Result<std::vector<pubsub::AffiliationEntry>> listed =
      fail(ErrorKind::software, "not_run", "", "");
  Result<void> set = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        listed = co_await pubsub::affiliations(*s, service(), "ci", true, 2s);
        const std::vector<pubsub::AffiliationChange> changes{
            {jid("bob@example.test"), pubsub::Affiliation::outcast}};
        set = co_await pubsub::set_affiliations(*s, service(), "ci", changes, 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        auto get = co_await t.peer.expect(
            "<iq type='get' to='pubsub.example.test' id='*'>"
            "<pubsub xmlns='http://jabber.org/protocol/pubsub#owner'>"
            "<affiliations node='ci'/></pubsub></iq>");
        t.peer.send(result(get,
                           "<pubsub xmlns='http://jabber.org/protocol/pubsub#owner'>"
                           "<affiliations node='ci'>"
                           "<affiliation jid='alice@example.test' affiliation='owner'/>"
                           "<affiliation jid='carol@example.test' affiliation='publish-only'/>"
                           "</affiliations></pubsub>"));
        auto change = co_await t.peer.expect(
            "<iq type='set' to='pubsub.example.test' id='*'>"
            "<pubsub xmlns='http://jabber.org/protocol/pubsub#owner'><affiliations node='ci'>"
            "<affiliation jid='bob@example.test' affiliation='outcast'/></affiliations>"
            "</pubsub></iq>");
        t.peer.send(error(change, "auth", "forbidden"));
        co_await clean_close(t.peer);
      });
  REQUIRE(listed);
  REQUIRE(listed->size() == 2);
  CHECK((*listed)[1].affiliation == pubsub::Affiliation::publish_only);
  REQUIRE_FALSE(set);
  CHECK(set.error().message ==
        "node ci at pubsub.example.test: you are not an owner of this node (forbidden)");
}

TEST_CASE("cve_2023_28686_pubsub_listen_forged_events: listen subscribes our full JID, collects "
          "the node's events in order, ignores forged ones, and unsubscribes") {
  Scenario t;
  std::vector<pubsub::Event> seen;
  std::size_t ignored = 0;
  Result<void> stopped = fail(ErrorKind::software, "not_run", "", "");
  Result<pubsub::Event> quiet = fail(ErrorKind::software, "not_run", "", "");
  std::optional<pubsub::Subscription> made;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        auto listener = co_await pubsub::listen(*s, service(), "ci", std::nullopt, 2s);
        REQUIRE_MESSAGE(listener, (listener ? "" : listener.error().message));
        made = listener->made;
        for (int i = 0; i < 4; ++i) {
          auto e = co_await listener->next(2s);
          REQUIRE_MESSAGE(e, (e ? "" : e.error().message));
          seen.push_back(std::move(*e));
        }
        // Nothing more comes: a timeout under its deadline.
        quiet = co_await listener->next(100ms);
        ignored = listener->ignored();
        stopped = co_await pubsub::stop(*s, *listener, 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        auto subs = co_await t.peer.expect(
            "<iq type='get' to='pubsub.example.test' id='*'>"
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'><subscriptions node='ci'/>"
            "</pubsub></iq>");
        // Subscribed with the bare JID only: not this session's full JID.
        t.peer.send(result(subs,
                           "<pubsub xmlns='http://jabber.org/protocol/pubsub'><subscriptions>"
                           "<subscription node='ci' jid='alice@example.test' "
                           "subscription='subscribed'/></subscriptions></pubsub>"));
        auto sub = co_await t.peer.expect(
            "<iq type='set' to='pubsub.example.test' id='*'>"
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'>"
            "<subscribe node='ci' jid='alice@example.test/res1'/></pubsub></iq>");
        const std::string svc(k_service);
        // The first notification right behind the result (last published item, §6.1.7).
        t.peer.send(result(sub,
                           "<pubsub xmlns='http://jabber.org/protocol/pubsub'>"
                           "<subscription node='ci' jid='alice@example.test/res1' subid='s1' "
                           "subscription='subscribed'/></pubsub>"));
        t.peer.send(event(svc, "<items node='ci'><item id='1'/></items>"));
        t.peer.send(event("evil.example", "<items node='ci'><item id='forged'/></items>"));
        t.peer.send(event("alice@example.test", "<purge node='ci'/>"));
        t.peer.send(event(svc + "/x", "<purge node='ci'/>"));
        t.peer.send(event(svc, "<items node='other'><item id='o'/></items>"));
        t.peer.send(event(svc, "<items node='ci'><item id='2'><data "
                               "xmlns='https://prosody.im/protocol/data'>two</data></item>"
                               "<retract id='1'/></items>"));
        t.peer.send(event(svc, "<purge node='ci'/>"));
        auto unsub = co_await t.peer.expect(
            "<iq type='set' to='pubsub.example.test' id='*'>"
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'>"
            "<unsubscribe node='ci' jid='alice@example.test/res1' subid='s1'/></pubsub></iq>");
        t.peer.send(result(unsub));
        co_await clean_close(t.peer);
      });
  REQUIRE(seen.size() == 4);
  CHECK(seen[0].kind == pubsub::EventKind::published);
  CHECK(seen[0].item.id == "1");
  CHECK(seen[1].item.id == "2");
  REQUIRE(seen[1].item.payload.has_value());
  CHECK(pubsub::text_of(*seen[1].item.payload) == "two");
  CHECK(seen[2].kind == pubsub::EventKind::retracted);
  CHECK(seen[2].item.id == "1");
  CHECK(seen[3].kind == pubsub::EventKind::purged);
  CHECK(ignored == 4);
  REQUIRE(made.has_value());
  CHECK(made->subid == "s1");
  REQUIRE_FALSE(quiet);
  CHECK(quiet.error().code == "timeout");
  CHECK(stopped);
}

TEST_CASE("pubsub: listen with an existing subscription of that JID subscribes nothing, and a "
          "refused subscriptions listing is not fatal") {
  for (const bool refuse : {false, true}) {
    CAPTURE(refuse);
    Scenario t;
    bool made = true;
    Result<void> stopped = fail(ErrorKind::software, "not_run", "", "");
    t.run(
        [&]() -> awaitable<void> {
          auto s = co_await open_session(t);
          auto listener =
              co_await pubsub::listen(*s, service(), "ci", jid("alice@example.test"), 2s);
          REQUIRE_MESSAGE(listener, (listener ? "" : listener.error().message));
          made = listener->made.has_value();
          stopped = co_await pubsub::stop(*s, *listener, 2s);
          co_await s->close();
        },
        [&]() -> awaitable<void> {
          co_await t.peer.login(without_sm());
          auto subs = co_await t.peer.expect("<iq type='get' id='*'/>");
          if (refuse) {
            t.peer.send(error(subs, "cancel", "feature-not-implemented"));
            auto sub = co_await t.peer.expect(
                "<iq type='set' id='*'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
                "<subscribe node='ci' jid='alice@example.test'/></pubsub></iq>");
            t.peer.send(result(sub));
            auto unsub = co_await t.peer.expect(
                "<iq type='set' id='*'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
                "<unsubscribe node='ci' jid='alice@example.test'/></pubsub></iq>");
            t.peer.send(result(unsub));
          } else {
            t.peer.send(result(subs,
                               "<pubsub xmlns='http://jabber.org/protocol/pubsub'><subscriptions>"
                               "<subscription node='ci' jid='alice@example.test' "
                               "subscription='subscribed'/></subscriptions></pubsub>"));
          }
          co_await clean_close(t.peer);
        });
    CHECK(made == refuse);
    CHECK(stopped);
  }
}
