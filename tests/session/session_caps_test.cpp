// Being discoverable and finding a peer's resource, through the real session driver against the
// scripted server: the XEP-0115 caps presence (§4, §6.1), the disco#info responder that answers
// the plain query and the NODE#VER query of §6.2 (item-not-found for other nodes), and
// find_resource_with: priority -1 presence, the round trip before any disco#info, resources in
// priority order, our own full JID skipped, no_resource when nobody is there or nobody has the
// feature, and the deadline.
#include "harness.hpp"

#include "stanza/error.hpp"
#include "stanza/presence.hpp"
#include "unit/test_jid.hpp"
#include "xep/caps/caps.hpp"
#include "xep/caps/caps_ops.hpp"
#include "xep/disco/disco.hpp"
#include "xep/disco/resources_ops.hpp"

using namespace xmpp;
using namespace xmpp::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* k_file_transfer = "urn:xmpp:jingle:apps:file-transfer:5";
constexpr const char* k_exodus = "http://code.google.com/p/exodus";

using test::jid;

/// The disco#info result of XEP-0115 §1.2 (hashed in §5.2).
disco::DiscoInfo exodus_info() {
  disco::DiscoInfo info;
  info.identities.push_back({"client", "pc", "Exodus 0.9.1", std::nullopt});
  info.features = {"http://jabber.org/protocol/caps", "http://jabber.org/protocol/disco#info",
                   "http://jabber.org/protocol/disco#items", "http://jabber.org/protocol/muc"};
  return info;
}

std::string presence(const std::string& from, int priority) {
  return "<presence from='" + from + "' to='alice@example.test/res1'><priority>" +
         std::to_string(priority) + "</priority></presence>";
}

std::string unavailable(const std::string& from) {
  return "<presence from='" + from + "' to='alice@example.test/res1' type='unavailable'/>";
}

/// A disco#info get from `from`, with `node` when not empty.
std::string info_get(const std::string& id, const std::string& from, const std::string& node) {
  return "<iq type='get' id='" + id + "' from='" + from +
         "' to='alice@example.test/res1'><query xmlns='http://jabber.org/protocol/disco#info'" +
         (node.empty() ? "" : " node='" + node + "'") + "/></iq>";
}

/// The disco#info result answering `iq` from its addressee, listing `features`.
std::string info_result(const xml::Element& iq, const std::vector<std::string>& features) {
  std::string out = "<iq type='result' id='" + id_of(iq) + "' from='" + *iq.attr("to") +
                    "'><query xmlns='http://jabber.org/protocol/disco#info'>"
                    "<identity category='client' type='pc'/>";
  for (const auto& f : features)
    out += "<feature var='" + f + "'/>";
  return out + "</query></iq>";
}

std::string info_error(const xml::Element& iq, const std::string& condition) {
  return "<iq type='error' id='" + id_of(iq) + "' from='" + *iq.attr("to") +
         "'><error type='cancel'><" + condition +
         " xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>";
}

/// Expects the client's disco#info get (no node) to `to`.
awaitable<xml::Element> expect_info_get(Peer& peer, std::string to) {
  auto iq = co_await peer.expect("<iq type='get' id='*' to='" + to +
                                 "'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  CHECK_FALSE(iq.child("query", disco::k_ns_info)->attr("node"));
  co_return iq;
}

/// Expects the client's priority -1 initial presence: available (no type), nothing else in it.
awaitable<void> expect_negative_presence(Peer& peer) {
  auto p = co_await peer.expect("<presence><priority>-1</priority></presence>");
  CHECK_FALSE(p.attr("type"));
  CHECK_FALSE(p.attr("to"));
  CHECK(p.elements().size() == 1);
}

/// Expects the XEP-0199 ping to our domain; returns it unanswered.
awaitable<xml::Element> expect_ping(Peer& peer) {
  co_return co_await peer.expect(
      "<iq type='get' id='*' to='example.test'><ping xmlns='urn:xmpp:ping'/></iq>");
}

void answer_ping(Peer& peer, const xml::Element& ping) {
  peer.send("<iq type='result' id='" + id_of(ping) + "' from='example.test'/>");
}

bool is_message(const xml::Element& stanza) {
  return stanza.name() == "message";
}

}  // namespace

TEST_CASE("caps: our caps presence (§4), and disco#info answered without node and for NODE#VER "
          "(§6.2), item-not-found for another node, nothing once the subscription is gone") {
  Scenario t;
  const auto info = exodus_info();
  const auto caps = caps::caps_for(info, k_exodus);
  REQUIRE(caps);
  CHECK(caps->ver == "QgayPKawpkPSDYmwT/WM94uAlu0=");
  std::vector<xml::Element> answers;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        auto responder = caps::answer_disco_info(*s, info, caps);
        auto announced = co_await s->send(caps::make_presence(*caps, -1));
        CHECK(announced);
        // The server script sends its queries, then a message: the answers are out by then.
        auto first = co_await s->wait_for(is_message, 2s);
        REQUIRE(first);
        responder.reset();
        auto gone = co_await s->send(stanza::make_presence(stanza::PresenceType::unavailable));
        CHECK(gone);
        auto second = co_await s->wait_for(is_message, 2s);
        REQUIRE(second);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_without_sm(t.peer);
        auto p = co_await t.peer.expect(
            "<presence><priority>-1</priority><c xmlns='http://jabber.org/protocol/caps' "
            "hash='sha-1' node='http://code.google.com/p/exodus' "
            "ver='QgayPKawpkPSDYmwT/WM94uAlu0='/></presence>");
        CHECK_FALSE(p.attr("type"));
        t.peer.send(info_get("q1", "bob@example.test/laptop", ""));
        answers.push_back(co_await t.peer.expect("<iq id='q1'/>"));
        t.peer.send(info_get("q2", "bob@example.test/laptop",
                             "http://code.google.com/p/exodus#QgayPKawpkPSDYmwT/WM94uAlu0="));
        answers.push_back(co_await t.peer.expect("<iq id='q2'/>"));
        // The caps node with another ver, and a node we never had.
        t.peer.send(info_get("q3", "bob@example.test/laptop",
                             "http://code.google.com/p/exodus#AAAAAAAAAAAAAAAAAAAAAAAAAAA="));
        answers.push_back(co_await t.peer.expect("<iq id='q3'/>"));
        t.peer.send(
            info_get("q4", "bob@example.test/laptop", "http://jabber.org/protocol/commands"));
        answers.push_back(co_await t.peer.expect("<iq id='q4'/>"));
        t.peer.send("<message from='bob@example.test/laptop'><body>next</body></message>");
        co_await t.peer.expect("<presence type='unavailable'/>");
        t.peer.send(info_get("q5", "bob@example.test/laptop", ""));
        answers.push_back(co_await t.peer.expect("<iq id='q5'/>"));
        t.peer.send("<message from='bob@example.test/laptop'><body>done</body></message>");
        co_await clean_close(t.peer);
      });
  REQUIRE(answers.size() == 5);

  // No node: the info, the query without node, addressed to the asker.
  CHECK(answers[0].attr("type") == "result");
  CHECK(answers[0].attr("to") == "bob@example.test/laptop");
  auto plain = disco::parse_info_result(answers[0]);
  REQUIRE(plain);
  CHECK_FALSE(plain->node);
  CHECK(*plain == info);
  // What the asker gets hashes to the ver we announced.
  CHECK(caps::verify(*caps, *plain) == caps::Verdict::match);

  // NODE#VER: the same info, the node mirrored (XEP-0030 §3.2).
  CHECK(answers[1].attr("type") == "result");
  auto by_node = disco::parse_info_result(answers[1]);
  REQUIRE(by_node);
  CHECK(by_node->node == caps::info_node(*caps));
  by_node->node.reset();
  CHECK(*by_node == info);

  for (std::size_t i : {2u, 3u}) {
    CAPTURE(i);
    CHECK(answers[i].attr("type") == "error");
    const auto error = stanza::parse_stanza_error(answers[i]);
    CHECK(error.condition == "item-not-found");
    CHECK(error.type == stanza::ErrorType::cancel);
  }
  // After reset(): nobody answers disco#info (RFC 6120 §8.4).
  CHECK(answers[4].attr("type") == "error");
  CHECK(stanza::parse_stanza_error(answers[4]).condition == "service-unavailable");
}

TEST_CASE("caps: without caps, only the query without node is answered") {
  Scenario t;
  std::vector<xml::Element> answers;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        auto responder = caps::answer_disco_info(*s, exodus_info(), std::nullopt);
        auto done = co_await s->wait_for(is_message, 2s);
        REQUIRE(done);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_without_sm(t.peer);
        t.peer.send(info_get("q1", "bob@example.test/laptop",
                             "http://code.google.com/p/exodus#QgayPKawpkPSDYmwT/WM94uAlu0="));
        answers.push_back(co_await t.peer.expect("<iq id='q1'/>"));
        t.peer.send(info_get("q2", "bob@example.test/laptop", ""));
        answers.push_back(co_await t.peer.expect("<iq id='q2'/>"));
        t.peer.send("<message from='bob@example.test/laptop'><body>done</body></message>");
        co_await clean_close(t.peer);
      });
  REQUIRE(answers.size() == 2);
  CHECK(stanza::parse_stanza_error(answers[0]).condition == "item-not-found");
  CHECK(answers[1].attr("type") == "result");
}

TEST_CASE("find_resource_with: priority -1 presence, the round trip first, then disco#info by "
          "priority; a resource without the feature and one that fails are skipped") {
  Scenario t;
  Result<disco::ResourceChoice> found = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        found = co_await disco::find_resource_with(*s, jid("bob@example.test"), k_file_transfer,
                                                   disco::FindOptions{});
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_without_sm(t.peer);
        co_await expect_negative_presence(t.peer);
        t.peer.send(
            // Our own presence echoed, and another contact: not Bob.
            presence("alice@example.test/res1", -1) + presence("carol@example.test/x", 50) +
            // Bob: a resource that left again, one that announced itself from the bare JID.
            presence("bob@example.test/gone", 100) + unavailable("bob@example.test/gone") +
            presence("bob@example.test", 90) +
            // The candidates: phone (5) lacks the feature, laptop and tablet (1, by name) have it,
            // desktop (0) too.
            presence("bob@example.test/phone", 5) + presence("bob@example.test/tablet", 1) +
            presence("bob@example.test/laptop", 1) + presence("bob@example.test/desktop", 0) +
            // Noise: a subscription request and an error from Bob say nothing about resources.
            "<presence from='bob@example.test/phone' type='subscribe'/>"
            "<presence from='bob@example.test/laptop' type='error'><error type='cancel'>"
            "<gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>");
        auto ping = co_await expect_ping(t.peer);
        // Still before the round trip's answer: counts (priority 3, and its disco#info fails).
        t.peer.send(presence("bob@example.test/watch", 3));
        answer_ping(t.peer, ping);
        auto phone = co_await expect_info_get(t.peer, "bob@example.test/phone");
        t.peer.send(info_result(phone, {"http://jabber.org/protocol/disco#info"}));
        auto watch = co_await expect_info_get(t.peer, "bob@example.test/watch");
        t.peer.send(info_error(watch, "service-unavailable"));
        auto laptop = co_await expect_info_get(t.peer, "bob@example.test/laptop");
        t.peer.send(
            info_result(laptop, {"http://jabber.org/protocol/disco#info", k_file_transfer}));
        // Nothing more: no unavailable presence, no further query.
        co_await clean_close(t.peer);
      });
  REQUIRE_MESSAGE(found, (found ? "" : found.error().message));
  CHECK(found->jid == jid("bob@example.test/laptop"));
  CHECK(found->priority == 1);
  CHECK(found->tried ==
        std::vector<Jid>{jid("bob@example.test/phone"), jid("bob@example.test/watch")});
}

TEST_CASE("find_resource_with our own account, already present: our own full JID is never asked") {
  Scenario t;
  Result<disco::ResourceChoice> found = fail(ErrorKind::software, "not_run", "", "");
  const auto caps = caps::caps_for(exodus_info(), k_exodus);
  REQUIRE(caps);
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        auto announced = co_await s->send(caps::make_presence(*caps, 10));
        CHECK(announced);
        // A full JID is taken as its bare JID.
        found = co_await disco::find_resource_with(*s, jid("alice@example.test/whatever"),
                                                   k_file_transfer, disco::FindOptions{}, true);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_without_sm(t.peer);
        // The caller's presence, not a second one of ours.
        co_await t.peer.expect("<presence><priority>10</priority>"
                               "<c xmlns='http://jabber.org/protocol/caps'/></presence>");
        t.peer.send(presence("alice@example.test/res1", 10) +
                    presence("alice@example.test/desktop", 2));
        auto ping = co_await expect_ping(t.peer);
        answer_ping(t.peer, ping);
        auto desktop = co_await expect_info_get(t.peer, "alice@example.test/desktop");
        t.peer.send(info_result(desktop, {k_file_transfer}));
        co_await clean_close(t.peer);
      });
  REQUIRE_MESSAGE(found, (found ? "" : found.error().message));
  CHECK(found->jid == jid("alice@example.test/desktop"));
  CHECK(found->priority == 2);
  CHECK(found->tried.empty());
}

TEST_CASE("find_resource_with: nobody there is no_resource (an error answer to the round trip "
          "counts as its end)") {
  Scenario t;
  Result<disco::ResourceChoice> found = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        disco::FindOptions options;
        options.local_grace = 100ms;  // nobody comes after the round trip either
        found = co_await disco::find_resource_with(*s, jid("bob@example.test"), k_file_transfer,
                                                   options);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_without_sm(t.peer);
        co_await expect_negative_presence(t.peer);
        t.peer.send(presence("bob@example.test/x", 0) + presence("bob@example.test/y", 0) +
                    presence("bob@example.test", 0) +
                    // From the bare JID: every resource is gone.
                    unavailable("bob@example.test"));
        auto ping = co_await expect_ping(t.peer);
        t.peer.send("<iq type='error' id='" + id_of(ping) +
                    "' from='example.test'><error type='cancel'><service-unavailable "
                    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
        co_await clean_close(t.peer);
      });
  REQUIRE_FALSE(found);
  CHECK(found.error().kind == ErrorKind::remote);
  CHECK(found.error().code == "no_resource");
  const auto& message = found.error().message;
  CAPTURE(message);
  CHECK(message.find("no available resource of bob@example.test") != std::string::npos);
  CHECK(message.find("we saw none") != std::string::npos);
  CHECK(message.find("contacts who share") != std::string::npos);
  CHECK(message.find("give the full JID") != std::string::npos);
}

TEST_CASE("find_resource_with: nobody with the feature is no_resource, naming each and why") {
  Scenario t;
  Result<disco::ResourceChoice> found = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        found = co_await disco::find_resource_with(*s, jid("bob@example.test"), k_file_transfer,
                                                   disco::FindOptions{});
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_without_sm(t.peer);
        co_await expect_negative_presence(t.peer);
        t.peer.send(presence("bob@example.test/phone", 1) + presence("bob@example.test/laptop", 0));
        auto ping = co_await expect_ping(t.peer);
        answer_ping(t.peer, ping);
        auto phone = co_await expect_info_get(t.peer, "bob@example.test/phone");
        t.peer.send(info_result(phone, {"http://jabber.org/protocol/disco#info"}));
        auto laptop = co_await expect_info_get(t.peer, "bob@example.test/laptop");
        t.peer.send(info_error(laptop, "feature-not-implemented"));
        co_await clean_close(t.peer);
      });
  REQUIRE_FALSE(found);
  CHECK(found.error().kind == ErrorKind::remote);
  CHECK(found.error().code == "no_resource");
  CHECK(found.error().message ==
        "no available resource of bob@example.test lists " + std::string(k_file_transfer) +
            ": phone (does not list it), laptop (feature-not-implemented); give the full JID");
}

TEST_CASE("find_resource_with: presence after the round trip counts during remote_grace") {
  Scenario t;
  Result<disco::ResourceChoice> found = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        disco::FindOptions options;
        options.remote_grace = 200ms;
        found = co_await disco::find_resource_with(*s, jid("dave@other.example"), k_file_transfer,
                                                   options);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_without_sm(t.peer);
        co_await expect_negative_presence(t.peer);
        auto ping = co_await expect_ping(t.peer);
        answer_ping(t.peer, ping);
        // The remote server answers our server's probe after the round trip.
        t.peer.send(presence("dave@other.example/y", 0));
        auto y = co_await expect_info_get(t.peer, "dave@other.example/y");
        t.peer.send(info_result(y, {k_file_transfer}));
        co_await clean_close(t.peer);
      });
  REQUIRE_MESSAGE(found, (found ? "" : found.error().message));
  CHECK(found->jid == jid("dave@other.example/y"));
}

TEST_CASE("find_resource_with: a local resource whose presence follows the round trip is waited "
          "for (ejabberd sends it from the contact's own session)") {
  Scenario t;
  Result<disco::ResourceChoice> found = fail(ErrorKind::software, "not_run", "", "");
  auto started = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration took{};
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        disco::FindOptions options;
        options.local_grace = 10s;  // event-driven: the presence ends the wait, not the grace
        started = std::chrono::steady_clock::now();
        found = co_await disco::find_resource_with(*s, jid("bob@example.test"), k_file_transfer,
                                                   options);
        took = std::chrono::steady_clock::now() - started;
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_without_sm(t.peer);
        co_await expect_negative_presence(t.peer);
        auto ping = co_await expect_ping(t.peer);
        answer_ping(t.peer, ping);
        // Noise first: our own resource and another account do not end the wait.
        t.peer.send(presence("alice@example.test/res1", -1) + presence("carol@example.test/c", 0));
        t.peer.send(presence("bob@example.test/late", 0));
        auto late = co_await expect_info_get(t.peer, "bob@example.test/late");
        t.peer.send(info_result(late, {k_file_transfer}));
        co_await clean_close(t.peer);
      });
  REQUIRE_MESSAGE(found, (found ? "" : found.error().message));
  CHECK(found->jid == jid("bob@example.test/late"));
  CHECK(took < 5s);
}

TEST_CASE("find_resource_with: a resource that never answers uses up the timeout (temporary)") {
  Scenario t;
  Result<disco::ResourceChoice> found = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        disco::FindOptions options;
        options.timeout = 300ms;
        found = co_await disco::find_resource_with(*s, jid("bob@example.test"), k_file_transfer,
                                                   options);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_without_sm(t.peer);
        co_await expect_negative_presence(t.peer);
        t.peer.send(presence("bob@example.test/phone", 1) + presence("bob@example.test/laptop", 0));
        auto ping = co_await expect_ping(t.peer);
        answer_ping(t.peer, ping);
        co_await expect_info_get(t.peer, "bob@example.test/phone");
        // No answer; the laptop is never asked.
        co_await clean_close(t.peer);
      });
  REQUIRE_FALSE(found);
  CHECK(found.error().kind == ErrorKind::temporary);
  CHECK(found.error().code == "timeout");
  CHECK(found.error().message.find("bob@example.test/phone") != std::string::npos);
}

TEST_CASE("find_resource_with: a server that never answers the round trip is a timeout") {
  Scenario t;
  Result<disco::ResourceChoice> found = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        disco::FindOptions options;
        options.timeout = 300ms;
        found = co_await disco::find_resource_with(*s, jid("bob@example.test"), k_file_transfer,
                                                   options);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_without_sm(t.peer);
        co_await expect_negative_presence(t.peer);
        t.peer.send(presence("bob@example.test/phone", 1));
        co_await expect_ping(t.peer);
        co_await clean_close(t.peer);
      });
  REQUIRE_FALSE(found);
  CHECK(found.error().kind == ErrorKind::temporary);
  CHECK(found.error().code == "timeout");
}
