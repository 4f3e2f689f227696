// RFC 6121 roster and presence operations against the scripted server: fetch with and without
// versioning (§2.1.3, §2.6), roster pushes accepted only from our own account (§2.1.6,
// SECURITY.md row 35, CVE-2016-9928), set and remove (§2.3, §2.5), and the initial-presence
// snapshot (§4.2, §3.1.3) behind `roster list --presence` and `roster pending`.
#include "harness.hpp"

#include <map>

#include "xep/roster/presence_ops.hpp"
#include "xep/roster/roster_ops.hpp"

using namespace xmpp;
using namespace xmpp::test;
using namespace std::chrono_literals;
using roster::Item;
using roster::SubscriptionState;

namespace {

constexpr const char* k_rosterver = "<ver xmlns='urn:xmpp:features:rosterver'/>";

/// Peer::login (STARTTLS, PLAIN, bind; no XEP-0198, so nothing but stanzas follows), offering
/// `extra` among the post-authentication features. Bound as alice@example.test/res1.
awaitable<void> login_offering(Peer& peer, std::string extra) {
  co_await peer.open("<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>"
                     "<required/></starttls></stream:features>");
  co_await peer.expect("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  peer.send("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  peer.restart();
  co_await peer.open("<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
                     "<mechanism>PLAIN</mechanism></mechanisms></stream:features>");
  co_await peer.expect("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>*</auth>");
  peer.send("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
  peer.restart();
  co_await peer.open("<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>" + extra +
                     "</stream:features>");
  auto bind = co_await peer.expect(
      "<iq type='set' id='*'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
  peer.send("<iq type='result' id='" + *bind.attr("id") +
            "'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@example.test/res1</jid>"
            "</bind></iq>");
}

/// A roster push carrying one item; `from` empty = no 'from'.
std::string push(const std::string& id, const std::string& from, const std::string& item,
                 const std::string& ver = {}) {
  return "<iq type='set' id='" + id + "'" + (from.empty() ? "" : " from='" + from + "'") +
         "><query xmlns='jabber:iq:roster'" + (ver.empty() ? "" : " ver='" + ver + "'") + ">" +
         item + "</query></iq>";
}

constexpr const char* k_mallory_push_item =
    "<item jid='mallory@evil.example' name='Your friend' subscription='both'/>";

std::string service_unavailable(const std::string& id, const std::string& to) {
  return "<iq type='error' id='" + id + "' to='" + to +
         "'><error type='cancel'><service-unavailable "
         "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>";
}

Item item(std::string_view j, std::optional<std::string> name = {},
          std::vector<std::string> groups = {},
          SubscriptionState subscription = SubscriptionState::none) {
  Item i;
  i.jid = Jid::parse(j).value();
  i.name = std::move(name);
  i.groups = std::move(groups);
  i.subscription = subscription;
  return i;
}

roster::Roster cached_copy() {
  roster::Roster r;
  r.version = "ver14";
  r.items = {item("romeo@example.net", "Romeo", {"Friends"}, SubscriptionState::both),
             item("bill@example.org", "Bill", {}, SubscriptionState::both)};
  return r;
}

/// Reads `count` stanzas from the client, answering each XEP-0199 ping to our domain; returns
/// the others by id (the order of push answers and ping depends on when the client resumes).
awaitable<std::map<std::string, xml::Element>> replies(Peer& peer, int count) {
  std::map<std::string, xml::Element> by_id;
  for (int i = 0; i < count; ++i) {
    auto e = co_await peer.next();
    REQUIRE(e);
    const std::string id = e->attr("id").value_or("");
    if (e->name() == "iq" && e->attr("type") == "get" && e->child("ping", "urn:xmpp:ping")) {
      CHECK(e->attr("to") == "example.test");
      peer.send("<iq type='result' id='" + id + "' from='example.test'/>");
      by_id.emplace("ping", std::move(*e));
    } else {
      by_id.emplace(id, std::move(*e));
    }
  }
  co_return by_id;
}

bool is_result(const std::map<std::string, xml::Element>& m, const std::string& id) {
  auto it = m.find(id);
  return it != m.end() && it->second.attr("type") == "result";
}

bool is_refused(const std::map<std::string, xml::Element>& m, const std::string& id) {
  auto it = m.find(id);
  return it != m.end() && it->second.attr("type") == "error" &&
         it->second.attr("to") == "mallory@evil.example" &&
         it->second.child("error", "jabber:client") != nullptr &&
         it->second.child("error", "jabber:client")
                 ->child("service-unavailable", "urn:ietf:params:xml:ns:xmpp-stanzas") != nullptr;
}

/// Answers our disco#info to the server (XEP-0013 §2.1: does it hold offline messages back?),
/// listing the XEP-0013 feature when `flexible`.
awaitable<void> answer_server_info(Peer& peer, bool flexible) {
  auto info = co_await peer.expect("<iq type='get' id='*' to='example.test'>"
                                   "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  peer.send("<iq type='result' id='" + *info.attr("id") +
            "' from='example.test'><query xmlns='http://jabber.org/protocol/disco#info'>"
            "<identity category='server' type='im'/>"
            "<feature var='http://jabber.org/protocol/disco#info'/>" +
            std::string(flexible ? "<feature var='http://jabber.org/protocol/offline'/>" : "") +
            "</query></iq>");
}

}  // namespace

TEST_CASE("cve_2016_9928_roster_push_foreign: a spoofed push during fetch is refused, the roster "
          "unchanged; our own push is acknowledged") {
  Scenario t;
  Result<roster::Fetched> fetched = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        fetched = co_await roster::fetch(*s, std::nullopt, 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_offering(t.peer, "");
        auto get =
            co_await t.peer.expect("<iq type='get' id='*'><query xmlns='jabber:iq:roster'/></iq>");
        // No versioning offered: no 'ver' (§2.6.2 is for servers that announce it).
        CHECK_FALSE(get.child("query", "jabber:iq:roster")->attr("ver"));
        CHECK_FALSE(get.attr("to"));
        t.peer.send(push("evil1", "mallory@evil.example", k_mallory_push_item));
        co_await t.peer.expect(service_unavailable("evil1", "mallory@evil.example"));
        // Our server's domain and another resource of ours are not the account either.
        t.peer.send(push("evil2", "example.test", k_mallory_push_item));
        co_await t.peer.expect(
            "<iq type='error' id='evil2' to='example.test'><error type='cancel'>"
            "<service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
        t.peer.send(push("evil3", "alice@example.test/other", k_mallory_push_item));
        co_await t.peer.expect(
            "<iq type='error' id='evil3' to='alice@example.test/other'><error type='cancel'>"
            "<service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
        t.peer.send(push("own1", "alice@example.test", "<item jid='nurse@example.test'/>"));
        co_await t.peer.expect("<iq type='result' id='own1' to='alice@example.test'/>");
        // A malformed push from our own account: bad-request.
        t.peer.send(push("own2", "", "<item jid='a@example.test'/><item jid='b@example.test'/>"));
        co_await t.peer.expect(
            "<iq type='error' id='own2'><error type='modify'>"
            "<bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
        t.peer.send("<iq type='result' id='" + *get.attr("id") +
                    "'><query xmlns='jabber:iq:roster'>"
                    "<item jid='romeo@example.net' name='Romeo' subscription='both'>"
                    "<group>Friends</group></item>"
                    "<item jid='nurse@example.test' subscription='none'/></query></iq>");
        co_await clean_close(t.peer);
      });
  REQUIRE_MESSAGE(fetched, (fetched ? "" : fetched.error().message));
  CHECK_FALSE(fetched->from_cache);
  CHECK_FALSE(fetched->roster.version);
  CHECK(fetched->roster.items ==
        std::vector<Item>{item("romeo@example.net", "Romeo", {"Friends"}, SubscriptionState::both),
                          item("nurse@example.test")});
  CHECK(roster::find(fetched->roster, Jid::parse("mallory@evil.example").value()) == nullptr);
}

TEST_CASE("fetch with versioning: ver=cached, empty result, pushes applied after a round trip; "
          "spoofed pushes among them are refused") {
  Scenario t;
  Result<roster::Fetched> fetched = fail(ErrorKind::software, "not_run", "", "");
  std::map<std::string, xml::Element> answers;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        fetched = co_await roster::fetch(*s, cached_copy(), 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_offering(t.peer, k_rosterver);
        auto get = co_await t.peer.expect(
            "<iq type='get' id='*'><query xmlns='jabber:iq:roster' ver='ver14'/></iq>");
        // §2.6.3: the cached copy is current but for the pushes that follow.
        t.peer.send("<iq type='result' id='" + *get.attr("id") + "' from='alice@example.test'/>");
        t.peer.send(push("p1", "alice@example.test",
                         "<item jid='bill@example.org' subscription='remove'/>", "ver34"));
        t.peer.send(push("evil", "mallory@evil.example",
                         "<item jid='romeo@example.net' subscription='remove'/>", "ver99"));
        t.peer.send(push("p2", "", "<item jid='nurse@example.test' name='Nurse'/>", "ver42"));
        // Three answers and the round trip, in whatever order the client sends them.
        answers = co_await replies(t.peer, 4);
        co_await clean_close(t.peer);
      });
  CHECK(is_result(answers, "p1"));
  CHECK(is_result(answers, "p2"));
  CHECK(is_refused(answers, "evil"));
  CHECK(answers.count("ping") == 1);
  REQUIRE_MESSAGE(fetched, (fetched ? "" : fetched.error().message));
  CHECK(fetched->from_cache);
  CHECK(fetched->roster.version == "ver42");
  CHECK(fetched->roster.items ==
        std::vector<Item>{item("romeo@example.net", "Romeo", {"Friends"}, SubscriptionState::both),
                          item("nurse@example.test", "Nurse")});
}

TEST_CASE("fetch with versioning and no cached copy sends ver='' and keeps the new version") {
  Scenario t;
  Result<roster::Fetched> fetched = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        fetched = co_await roster::fetch(*s, std::nullopt, 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_offering(t.peer, k_rosterver);
        auto get = co_await t.peer.expect(
            "<iq type='get' id='*'><query xmlns='jabber:iq:roster' ver=''/></iq>");
        t.peer.send("<iq type='result' id='" + *get.attr("id") +
                    "'><query xmlns='jabber:iq:roster' ver='ver7'>"
                    "<item jid='romeo@example.net' subscription='to'/></query></iq>");
        co_await clean_close(t.peer);
      });
  REQUIRE_MESSAGE(fetched, (fetched ? "" : fetched.error().message));
  CHECK_FALSE(fetched->from_cache);
  CHECK(fetched->roster.version == "ver7");
  CHECK(fetched->roster.items ==
        std::vector<Item>{item("romeo@example.net", {}, {}, SubscriptionState::to)});
}

TEST_CASE("fetch with a cached copy but no versioning offered: no 'ver', the whole roster") {
  Scenario t;
  Result<roster::Fetched> fetched = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        fetched = co_await roster::fetch(*s, cached_copy(), 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_offering(t.peer, "");
        auto get =
            co_await t.peer.expect("<iq type='get' id='*'><query xmlns='jabber:iq:roster'/></iq>");
        CHECK_FALSE(get.child("query", "jabber:iq:roster")->attr("ver"));
        t.peer.send("<iq type='result' id='" + *get.attr("id") +
                    "'><query xmlns='jabber:iq:roster'/></iq>");
        co_await clean_close(t.peer);
      });
  REQUIRE_MESSAGE(fetched, (fetched ? "" : fetched.error().message));
  CHECK_FALSE(fetched->from_cache);
  CHECK(fetched->roster.items.empty());
  CHECK_FALSE(fetched->roster.version);
}

TEST_CASE("fetch: an empty result when we have no copy it could mean is bad_reply") {
  Scenario t;
  Result<roster::Fetched> fetched = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        fetched = co_await roster::fetch(*s, std::nullopt, 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_offering(t.peer, k_rosterver);
        auto get = co_await t.peer.expect(
            "<iq type='get' id='*'><query xmlns='jabber:iq:roster' ver=''/></iq>");
        t.peer.send("<iq type='result' id='" + *get.attr("id") + "'/>");
        co_await clean_close(t.peer);
      });
  REQUIRE_FALSE(fetched);
  CHECK(fetched.error().kind == ErrorKind::protocol);
  CHECK(fetched.error().code == "bad_reply");
}

TEST_CASE("fetch: the server's error is kind remote; silence is a timeout") {
  Scenario t;
  Result<roster::Fetched> refused = fail(ErrorKind::software, "not_run", "", "");
  Result<roster::Fetched> silent = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        refused = co_await roster::fetch(*s, std::nullopt, 2s);
        silent = co_await roster::fetch(*s, std::nullopt, 200ms);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_offering(t.peer, "");
        auto get =
            co_await t.peer.expect("<iq type='get' id='*'><query xmlns='jabber:iq:roster'/></iq>");
        t.peer.send("<iq type='error' id='" + *get.attr("id") +
                    "'><error type='wait'><resource-constraint "
                    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
        co_await t.peer.expect("<iq type='get' id='*'><query xmlns='jabber:iq:roster'/></iq>");
        co_await clean_close(t.peer);
      });
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == ErrorKind::remote);
  CHECK(refused.error().condition == "resource-constraint");
  CHECK(refused.error().message.rfind("roster get: ", 0) == 0);
  REQUIRE_FALSE(silent);
  CHECK(silent.error().kind == ErrorKind::temporary);
  CHECK(silent.error().code == "timeout");
}

TEST_CASE("set_item and remove_item send §2.3.2 and §2.5.2 stanzas; item-not-found is remote") {
  Scenario t;
  Result<void> set = fail(ErrorKind::software, "not_run", "", "");
  Result<void> removed = fail(ErrorKind::software, "not_run", "", "");
  Result<void> missing = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        Item nurse = item("nurse@example.test/bed", "Nurse", {"Servants", "Servants"},
                          SubscriptionState::both);
        nurse.ask = true;
        set = co_await roster::set_item(*s, nurse, 2s);
        removed = co_await roster::remove_item(*s, Jid::parse("nurse@example.test").value(), 2s);
        missing = co_await roster::remove_item(*s, Jid::parse("ghost@example.test").value(), 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_offering(t.peer, "");
        auto a = co_await t.peer.expect(
            "<iq type='set' id='*'><query xmlns='jabber:iq:roster'>"
            "<item jid='nurse@example.test' name='Nurse'><group>Servants</group></item>"
            "</query></iq>");
        const auto* sent = a.child("query", "jabber:iq:roster")->child("item", "jabber:iq:roster");
        // §2.1.5: a client sets nothing but jid, name and groups, each group once.
        CHECK_FALSE(sent->attr("subscription"));
        CHECK_FALSE(sent->attr("ask"));
        CHECK(sent->children("group", "jabber:iq:roster").size() == 1);
        t.peer.send("<iq type='result' id='" + *a.attr("id") + "'/>");
        auto r = co_await t.peer.expect(
            "<iq type='set' id='*'><query xmlns='jabber:iq:roster'>"
            "<item jid='nurse@example.test' subscription='remove'/></query></iq>");
        t.peer.send("<iq type='result' id='" + *r.attr("id") + "' from='alice@example.test'/>");
        auto g = co_await t.peer.expect(
            "<iq type='set' id='*'><query xmlns='jabber:iq:roster'>"
            "<item jid='ghost@example.test' subscription='remove'/></query></iq>");
        // §2.5.3: the item was not in the roster.
        t.peer.send("<iq type='error' id='" + *g.attr("id") +
                    "'><error type='cancel'><item-not-found "
                    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
        co_await clean_close(t.peer);
      });
  CHECK_MESSAGE(set, (set ? "" : set.error().message));
  CHECK_MESSAGE(removed, (removed ? "" : removed.error().message));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == ErrorKind::remote);
  CHECK(missing.error().code == "stanza_error");
  CHECK(missing.error().condition == "item-not-found");
  CHECK(missing.error().message.find("roster remove ghost@example.test") != std::string::npos);
}

TEST_CASE("accept_pushes: own pushes reach the callback and are acknowledged, others do not; "
          "after reset the session's default answers") {
  Scenario t;
  std::vector<roster::Push> seen;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        auto subscription =
            roster::accept_pushes(*s, [&seen](const roster::Push& p) { seen.push_back(p); });
        // The server pushes while it holds the answer to a ping, so the pushes have all been
        // handled when the ping returns.
        const auto ping = [] {
          return parse_xml("<iq type='get' to='example.test'><ping xmlns='urn:xmpp:ping'/></iq>");
        };
        CHECK(co_await s->request(ping(), 2s));
        subscription.reset();
        CHECK(co_await s->request(ping(), 2s));
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_offering(t.peer, "");
        auto first = co_await t.peer.expect("<iq type='get' id='*' to='example.test'/>");
        t.peer.send(push("a1", "", "<item jid='nurse@example.test' subscription='from'/>", "v2"));
        co_await t.peer.expect("<iq type='result' id='a1'/>");
        t.peer.send(push("a2", "mallory@evil.example", k_mallory_push_item));
        co_await t.peer.expect(service_unavailable("a2", "mallory@evil.example"));
        t.peer.send(push("a3", "alice@example.test",
                         "<item jid='nurse@example.test' subscription='remove'/>", "v3"));
        co_await t.peer.expect("<iq type='result' id='a3' to='alice@example.test'/>");
        t.peer.send("<iq type='result' id='" + *first.attr("id") + "' from='example.test'/>");
        auto second = co_await t.peer.expect("<iq type='get' id='*' to='example.test'/>");
        // Nobody answers roster pushes any more: the session's own <service-unavailable/>.
        t.peer.send(push("a4", "", "<item jid='late@example.test'/>"));
        co_await t.peer.expect("<iq type='error' id='a4'><error type='cancel'><service-unavailable "
                               "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
        t.peer.send("<iq type='result' id='" + *second.attr("id") + "' from='example.test'/>");
        co_await clean_close(t.peer);
      });
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].item == item("nurse@example.test", {}, {}, SubscriptionState::from));
  CHECK(seen[0].version == "v2");
  CHECK(seen[1].item.subscription == SubscriptionState::remove);
  CHECK(seen[1].version == "v3");
}

TEST_CASE("announce_and_collect: priority -1, presence and requests until the round trip, our "
          "own resources left out, then unavailable") {
  Scenario t;
  Result<roster::PresenceSnapshot> snapshot = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        snapshot = co_await roster::announce_and_collect(*s, roster::SnapshotOptions{});
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_offering(t.peer, "");
        co_await answer_server_info(t.peer, false);
        co_await t.peer.expect("<presence><priority>-1</priority></presence>");
        t.peer.send(
            // Our own presence echoed, and another client of ours: not contacts.
            "<presence from='alice@example.test/res1' to='alice@example.test/res1'>"
            "<priority>-1</priority></presence>"
            "<presence from='alice@example.test/desktop'><show>dnd</show></presence>"
            // Bob on two resources.
            "<presence from='bob@example.test/laptop'><priority>1</priority></presence>"
            "<presence from='bob@example.test/phone'><show>away</show>"
            "<status>On the train</status><priority>5</priority></presence>"
            // Carol comes and goes.
            "<presence from='carol@example.test/x'/>"
            "<presence from='carol@example.test/x' type='unavailable'/>"
            // Dave on another domain, with nonsense show and priority.
            "<presence from='dave@other.example/y'><show>sleeping</show>"
            "<priority>1000</priority></presence>"
            // The requests the server kept for us (§3.1.3), one twice.
            "<presence from='eve@example.test' type='subscribe'>"
            "<nick xmlns='http://jabber.org/protocol/nick'>Eve</nick></presence>"
            "<presence from='eve@example.test/home' type='subscribe'/>"
            // Noise: a probe, an error, an approval, an unknown type, no from.
            "<presence from='example.test' type='probe'/>"
            "<presence from='zed@example.test' type='error'><error type='cancel'>"
            "<remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>"
            "</presence>"
            "<presence from='yan@example.test' type='subscribed'/>"
            "<presence from='xia@example.test' type='bogus'/>"
            "<presence><show>chat</show></presence>");
        auto ping = co_await t.peer.expect("<iq type='get' id='*' to='example.test'>"
                                           "<ping xmlns='urn:xmpp:ping'/></iq>");
        // A request that arrives before the round trip's answer still counts, and one that was
        // withdrawn (unsubscribe) does not.
        t.peer.send("<presence from='frank@example.test' type='subscribe'>"
                    "<status>Hi, it is Frank</status></presence>"
                    "<presence from='gus@example.test' type='subscribe'/>"
                    "<presence from='gus@example.test' type='unsubscribe'/>");
        t.peer.send("<iq type='result' id='" + *ping.attr("id") + "' from='example.test'/>");
        co_await t.peer.expect("<presence type='unavailable'/>");
        co_await clean_close(t.peer);
      });
  REQUIRE_MESSAGE(snapshot, (snapshot ? "" : snapshot.error().message));
  const auto& available = snapshot->available;
  CHECK(available.size() == 2);
  CHECK(available.count("alice@example.test") == 0);
  CHECK(available.count("carol@example.test") == 0);
  REQUIRE(available.count("bob@example.test") == 1);
  const auto& bob = available.at("bob@example.test");
  REQUIRE(bob.size() == 2);
  CHECK(bob[0] == roster::ResourcePresence{"phone", "away", "On the train", 5});
  CHECK(bob[1] == roster::ResourcePresence{"laptop", "available", std::nullopt, 1});
  REQUIRE(available.count("dave@other.example") == 1);
  CHECK(available.at("dave@other.example") ==
        std::vector<roster::ResourcePresence>{{"y", "available", std::nullopt, 0}});
  const auto& pending = snapshot->pending;
  REQUIRE(pending.size() == 2);
  CHECK(pending[0] ==
        roster::InboundRequest{Jid::parse("eve@example.test").value(), std::nullopt, "Eve"});
  CHECK(pending[1] == roster::InboundRequest{Jid::parse("frank@example.test").value(),
                                             "Hi, it is Frank", std::nullopt});
}

TEST_CASE("announce_and_collect with remote contacts waits the grace period for their presence") {
  Scenario t;
  Result<roster::PresenceSnapshot> snapshot = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        roster::SnapshotOptions options;
        options.remote_domains = true;
        options.remote_grace = 300ms;
        snapshot = co_await roster::announce_and_collect(*s, options);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_offering(t.peer, "");
        co_await answer_server_info(t.peer, false);
        co_await t.peer.expect("<presence><priority>-1</priority></presence>");
        auto ping = co_await t.peer.expect("<iq type='get' id='*' to='example.test'>"
                                           "<ping xmlns='urn:xmpp:ping'/></iq>");
        t.peer.send("<iq type='result' id='" + *ping.attr("id") + "' from='example.test'/>");
        // The remote server answers our server's probe after the round trip.
        t.peer.send("<presence from='dave@other.example/y'><show>xa</show></presence>");
        co_await t.peer.expect("<presence type='unavailable'/>");
        co_await clean_close(t.peer);
      });
  REQUIRE_MESSAGE(snapshot, (snapshot ? "" : snapshot.error().message));
  REQUIRE(snapshot->available.count("dave@other.example") == 1);
  CHECK(snapshot->available.at("dave@other.example").front().show == "xa");
}

TEST_CASE("announce_and_collect: a server that never answers the round trip is a timeout, and we "
          "still go unavailable") {
  Scenario t;
  Result<roster::PresenceSnapshot> snapshot = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        roster::SnapshotOptions options;
        options.timeout = 300ms;
        snapshot = co_await roster::announce_and_collect(*s, options);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_offering(t.peer, "");
        co_await answer_server_info(t.peer, false);
        co_await t.peer.expect("<presence><priority>-1</priority></presence>");
        co_await t.peer.expect("<iq type='get' id='*' to='example.test'>"
                               "<ping xmlns='urn:xmpp:ping'/></iq>");
        co_await t.peer.expect("<presence type='unavailable'/>");
        co_await clean_close(t.peer);
      });
  REQUIRE_FALSE(snapshot);
  CHECK(snapshot.error().kind == ErrorKind::temporary);
  CHECK(snapshot.error().code == "timeout");
}

TEST_CASE("announce_and_collect on a server with XEP-0013: the offline node is asked about first, "
          "then priority 0") {
  Scenario t;
  Result<roster::PresenceSnapshot> snapshot = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        snapshot = co_await roster::announce_and_collect(*s, roster::SnapshotOptions{});
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_offering(t.peer, "");
        co_await answer_server_info(t.peer, true);
        // §2.2: about the account's own offline node; after the answer the server holds offline
        // messages back, so our initial presence may have priority 0.
        auto node = co_await t.peer.expect("<iq type='get' id='*' to='alice@example.test'>"
                                           "<query xmlns='http://jabber.org/protocol/disco#info' "
                                           "node='http://jabber.org/protocol/offline'/></iq>");
        t.peer.send("<iq type='result' id='" + *node.attr("id") +
                    "' from='alice@example.test'><query "
                    "xmlns='http://jabber.org/protocol/disco#info' "
                    "node='http://jabber.org/protocol/offline'>"
                    "<identity category='automation' type='message-list'/>"
                    "<feature var='http://jabber.org/protocol/offline'/></query></iq>");
        co_await t.peer.expect("<presence><priority>0</priority></presence>");
        // ejabberd delivers the stored request only now that the priority is not negative.
        t.peer.send("<presence from='eve@example.test' type='subscribe'/>");
        auto ping = co_await t.peer.expect("<iq type='get' id='*' to='example.test'>"
                                           "<ping xmlns='urn:xmpp:ping'/></iq>");
        t.peer.send("<iq type='result' id='" + *ping.attr("id") + "' from='example.test'/>");
        co_await t.peer.expect("<presence type='unavailable'/>");
        co_await clean_close(t.peer);
      });
  REQUIRE_MESSAGE(snapshot, (snapshot ? "" : snapshot.error().message));
  CHECK(snapshot->priority == 0);
  REQUIRE(snapshot->pending.size() == 1);
  CHECK(snapshot->pending[0].from == Jid::parse("eve@example.test").value());
}

TEST_CASE("announce_and_collect: the offline node refused keeps priority -1") {
  Scenario t;
  Result<roster::PresenceSnapshot> snapshot = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        snapshot = co_await roster::announce_and_collect(*s, roster::SnapshotOptions{});
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_offering(t.peer, "");
        co_await answer_server_info(t.peer, true);
        auto node = co_await t.peer.expect("<iq type='get' id='*' to='alice@example.test'>"
                                           "<query xmlns='http://jabber.org/protocol/disco#info' "
                                           "node='http://jabber.org/protocol/offline'/></iq>");
        t.peer.send("<iq type='error' id='" + *node.attr("id") +
                    "' from='alice@example.test'><error type='cancel'><service-unavailable "
                    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
        co_await t.peer.expect("<presence><priority>-1</priority></presence>");
        auto ping = co_await t.peer.expect("<iq type='get' id='*' to='example.test'>"
                                           "<ping xmlns='urn:xmpp:ping'/></iq>");
        t.peer.send("<iq type='result' id='" + *ping.attr("id") + "' from='example.test'/>");
        co_await t.peer.expect("<presence type='unavailable'/>");
        co_await clean_close(t.peer);
      });
  REQUIRE_MESSAGE(snapshot, (snapshot ? "" : snapshot.error().message));
  CHECK(snapshot->priority == -1);
}

TEST_CASE("announce_and_collect: expected contacts' presence after the round trip is waited for, "
          "and the wait ends when each has answered") {
  Scenario t;
  Result<roster::PresenceSnapshot> snapshot = fail(ErrorKind::software, "not_run", "", "");
  std::chrono::steady_clock::duration took{};
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        roster::SnapshotOptions options;
        options.expected = {Jid::parse("bob@example.test").value(),
                            Jid::parse("carol@example.test").value()};
        options.local_grace = 10s;  // event-driven: the last answer ends the wait
        const auto started = std::chrono::steady_clock::now();
        snapshot = co_await roster::announce_and_collect(*s, options);
        took = std::chrono::steady_clock::now() - started;
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_offering(t.peer, "");
        co_await answer_server_info(t.peer, false);
        co_await t.peer.expect("<presence><priority>-1</priority></presence>");
        t.peer.send("<presence from='carol@example.test/x' type='unavailable'/>");
        auto ping = co_await t.peer.expect("<iq type='get' id='*' to='example.test'>"
                                           "<ping xmlns='urn:xmpp:ping'/></iq>");
        t.peer.send("<iq type='result' id='" + *ping.attr("id") + "' from='example.test'/>");
        // Bob's own session answers the probe after our server's answer; someone else's
        // presence does not end the wait.
        t.peer.send("<presence from='dan@example.test/d'/>");
        t.peer.send("<presence from='bob@example.test/phone'><show>away</show></presence>");
        co_await t.peer.expect("<presence type='unavailable'/>");
        co_await clean_close(t.peer);
      });
  REQUIRE_MESSAGE(snapshot, (snapshot ? "" : snapshot.error().message));
  CHECK(took < 5s);
  REQUIRE(snapshot->available.count("bob@example.test") == 1);
  CHECK(snapshot->available.at("bob@example.test").front().show == "away");
}

TEST_CASE("announce_and_collect: an expected contact that never answers costs the grace only") {
  Scenario t;
  Result<roster::PresenceSnapshot> snapshot = fail(ErrorKind::software, "not_run", "", "");
  std::chrono::steady_clock::duration took{};
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        roster::SnapshotOptions options;
        options.expected = {Jid::parse("bob@example.test").value()};
        options.local_grace = 200ms;
        const auto started = std::chrono::steady_clock::now();
        snapshot = co_await roster::announce_and_collect(*s, options);
        took = std::chrono::steady_clock::now() - started;
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_offering(t.peer, "");
        co_await answer_server_info(t.peer, false);
        co_await t.peer.expect("<presence><priority>-1</priority></presence>");
        auto ping = co_await t.peer.expect("<iq type='get' id='*' to='example.test'>"
                                           "<ping xmlns='urn:xmpp:ping'/></iq>");
        t.peer.send("<iq type='result' id='" + *ping.attr("id") + "' from='example.test'/>");
        co_await t.peer.expect("<presence type='unavailable'/>");
        co_await clean_close(t.peer);
      });
  REQUIRE_MESSAGE(snapshot, (snapshot ? "" : snapshot.error().message));
  CHECK(took >= 200ms);
  CHECK(took < 5s);
  CHECK(snapshot->available.empty());
}
