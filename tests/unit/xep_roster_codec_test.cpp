// RFC 6121 §2 roster codecs against the RFC's numbered examples: get and result (§2.1.3,
// §2.1.4), push and its acknowledgement (§2.1.6), set (§2.3.2), remove (§2.5.2), versioning
// (§2.6.2, §2.6.3); unusable items skipped, malformed pushes refused, and who may push
// (§2.1.6, SECURITY.md row 35, CVE-2016-9928).
#include <doctest/doctest.h>

#include "stanza/iq.hpp"
#include "xep/roster/roster.hpp"
#include "xep_examples.hpp"

using namespace xmpp;
using roster::Item;
using roster::SubscriptionState;
using test::canonical;
using test::example;
using test::jid;
using test::parse_stanza;

namespace {

/// Our builders leave 'from' to the server and 'id' to Session::request.
xml::Element as_example(xml::Element built, const xml::Element& example) {
  for (const char* name : {"from", "id"})
    if (auto value = example.attr(name)) built.set_attr(name, *value);
  return built;
}

/// A roster result holding `items` (the inner XML of <query/>).
xml::Element result_with(const std::string& items) {
  return parse_stanza("<iq type='result' id='r1'><query xmlns='jabber:iq:roster' ver='v1'>" +
                      items + "</query></iq>");
}

/// A push (from our server, no 'from') holding `query` as its payload.
xml::Element push_with(const std::string& payload) {
  return parse_stanza("<iq type='set' id='p1'>" + payload + "</iq>");
}

Item item(std::string_view j, std::optional<std::string> name = {},
          std::vector<std::string> groups = {},
          SubscriptionState subscription = SubscriptionState::none) {
  Item i;
  i.jid = jid(j);
  i.name = std::move(name);
  i.groups = std::move(groups);
  i.subscription = subscription;
  return i;
}

const Jid& juliet() {
  static const Jid j = jid("juliet@example.com/balcony");
  return j;
}

}  // namespace

TEST_CASE("RFC 6121 §2.1.2.5: subscription values read and written") {
  for (auto s : {SubscriptionState::none, SubscriptionState::to, SubscriptionState::from,
                 SubscriptionState::both, SubscriptionState::remove})
    CHECK(roster::parse_subscription(roster::to_string(s)) == s);
  CHECK(roster::to_string(SubscriptionState::both) == "both");
  CHECK_FALSE(roster::parse_subscription("Both"));
  CHECK_FALSE(roster::parse_subscription(""));
  CHECK_FALSE(roster::parse_subscription("pending"));
}

TEST_CASE("RFC 6121 §2.6.1, §3.4.1: stream features say what the server offers") {
  const std::vector<std::string> features{"urn:ietf:params:xml:ns:xmpp-bind",
                                          std::string(roster::k_ns_rosterver)};
  CHECK(roster::server_offers(features, roster::k_ns_rosterver));
  CHECK_FALSE(roster::server_offers(features, roster::k_ns_preapproval));
  CHECK_FALSE(roster::server_offers({}, roster::k_ns_rosterver));
}

TEST_CASE("RFC 6121 §2.1.3: the roster get") {
  const auto get = example("rfc6121-2.1.3-roster-get.xml");
  CHECK(canonical(as_example(roster::make_get(), get)) == canonical(get));
  const auto built = roster::make_get(std::nullopt, "abc");
  CHECK(built.attr("id") == "abc");
  CHECK_FALSE(built.attr("to"));  // to our own account (RFC 6120 §8.1.1.1)
  CHECK_FALSE(roster::make_get().attr("id"));
  CHECK_FALSE(roster::make_get().child("query", roster::k_ns)->attr("ver"));
}

TEST_CASE("RFC 6121 §2.1.4: the roster result") {
  auto parsed = roster::parse_result(example("rfc6121-2.1.4-roster-result.xml"));
  REQUIRE(parsed);
  REQUIRE(parsed->has_value());
  const roster::Roster& r = **parsed;
  CHECK(r.version == "ver11");
  REQUIRE(r.items.size() == 3);
  CHECK(r.items[0] == item("romeo@example.net", "Romeo", {"Friends"}, SubscriptionState::both));
  CHECK(r.items[1] == item("mercutio@example.com", "Mercutio", {}, SubscriptionState::from));
  CHECK(r.items[2] == item("benvolio@example.net", "Benvolio", {}, SubscriptionState::both));
  CHECK_FALSE(r.items[0].ask);
  CHECK_FALSE(r.items[0].approved);

  REQUIRE(roster::find(r, jid("mercutio@example.com")) != nullptr);
  CHECK(roster::find(r, jid("mercutio@example.com"))->name == "Mercutio");
  // Found by the bare JID, whatever resource the caller holds.
  CHECK(roster::find(r, jid("Romeo@Example.net/orchard")) == &r.items[0]);
  CHECK(roster::find(r, jid("nurse@example.com")) == nullptr);
}

TEST_CASE("RFC 6121 §2.6.2: a versioned get carries 'ver', also the empty one") {
  const auto get = example("rfc6121-2.6.2-versioned-get.xml");
  CHECK(canonical(as_example(roster::make_get("ver14"), get)) == canonical(get));
  // §2.6.2: ver='' says "versioning understood, nothing cached".
  const auto empty = roster::make_get(std::string());
  REQUIRE(empty.child("query", roster::k_ns) != nullptr);
  CHECK(empty.child("query", roster::k_ns)->attr("ver") == "");
}

TEST_CASE("RFC 6121 §2.6.3: an empty result means the cached roster is current") {
  auto parsed = roster::parse_result(example("rfc6121-2.6.3-empty-result.xml"));
  REQUIRE(parsed);
  CHECK_FALSE(parsed->has_value());

  // An empty <query/> is an empty roster, not "current".
  auto none = roster::parse_result(result_with(""));
  REQUIRE(none);
  REQUIRE(none->has_value());
  CHECK((*none)->items.empty());
  CHECK((*none)->version == "v1");
  // No 'ver' from a server without versioning.
  auto unversioned =
      roster::parse_result(parse_stanza("<iq type='result'><query xmlns='jabber:iq:roster'>"
                                        "<item jid='a@example.org'/></query></iq>"));
  REQUIRE(unversioned);
  CHECK_FALSE((*unversioned)->version);
}

TEST_CASE("RFC 6121 §2.6.3: the pushes after an empty result update the cached copy") {
  roster::Roster cached;
  cached.version = "ver14";
  cached.items = {item("bill@example.org", "Bill", {}, SubscriptionState::both),
                  item("romeo@example.net", "Romeo", {"Friends"}, SubscriptionState::both)};
  for (const char* name : {"rfc6121-2.6.3-push-remove.xml", "rfc6121-2.6.3-push-add.xml"}) {
    const auto push_iq = example(name);
    // These pushes name our bare JID as sender (§2.1.6 allows it).
    CHECK(roster::push_is_from_own_account(push_iq, juliet()));
    auto push = roster::parse_push(push_iq);
    REQUIRE(push);
    roster::apply(cached, *push);
  }
  CHECK(cached.version == "ver42");
  REQUIRE(cached.items.size() == 2);
  CHECK(cached.items[0].jid == jid("romeo@example.net"));
  CHECK(cached.items[1] == item("bob@example.com", {}, {}, SubscriptionState::to));
}

TEST_CASE("RFC 6121 §2.3.2: the roster set, and the push that follows it") {
  const auto set = example("rfc6121-2.3.2-roster-set.xml");
  const auto nurse = item("nurse@example.com", "Nurse", {"Servants"});
  CHECK(canonical(as_example(roster::make_set(nurse), set)) == canonical(set));

  auto push = roster::parse_push(example("rfc6121-2.3.2-roster-push.xml"));
  REQUIRE(push);
  CHECK(push->item == nurse);
  CHECK(push->version == "ver13");
  roster::Roster r;
  r.version = "ver12";
  roster::apply(r, *push);
  CHECK(r.items == std::vector<Item>{nurse});
  CHECK(r.version == "ver13");
  // The same push again changes nothing (pushes are states, not deltas).
  roster::apply(r, *push);
  CHECK(r.items.size() == 1);
}

TEST_CASE("RFC 6121 §2.1.5, §2.1.2.4: a set sends only jid, name and groups, each group once") {
  Item i = item("Nurse@Example.com/bed", "", {"Servants", "", "Servants", "Capulets"},
                SubscriptionState::both);
  i.ask = true;
  i.approved = true;
  const auto iq = roster::make_set(i, "s1");
  CHECK(iq.attr("type") == "set");
  CHECK(iq.attr("id") == "s1");
  CHECK_FALSE(iq.attr("to"));
  const auto* q = iq.child("query", roster::k_ns);
  REQUIRE(q != nullptr);
  const auto items = q->children("item", roster::k_ns);
  REQUIRE(items.size() == 1);
  const auto& e = *items.front();
  CHECK(e.attr("jid") == "nurse@example.com");  // bare, normalised
  CHECK_FALSE(e.attr("name"));                  // an empty name is no name
  CHECK_FALSE(e.attr("subscription"));
  CHECK_FALSE(e.attr("ask"));
  CHECK_FALSE(e.attr("approved"));
  std::vector<std::string> groups;
  for (const auto* g : e.children("group", roster::k_ns))
    groups.push_back(g->text());
  CHECK(groups == std::vector<std::string>{"Servants", "Capulets"});
}

TEST_CASE("RFC 6121 §2.5.2: the removal, and the push that confirms it") {
  const auto remove = example("rfc6121-2.5.2-roster-remove.xml");
  CHECK(canonical(as_example(roster::make_remove(jid("nurse@example.com")), remove)) ==
        canonical(remove));
  // A full JID is removed as its bare JID.
  CHECK(canonical(as_example(roster::make_remove(jid("nurse@example.com/bed")), remove)) ==
        canonical(remove));

  auto push = roster::parse_push(example("rfc6121-2.5.2-roster-push.xml"));
  REQUIRE(push);
  CHECK(push->item.jid == jid("nurse@example.com"));
  CHECK(push->item.subscription == SubscriptionState::remove);
  roster::Roster r;
  r.items = {item("romeo@example.net"), item("nurse@example.com", "Nurse", {"Servants"})};
  roster::apply(r, *push);
  CHECK(r.items == std::vector<Item>{item("romeo@example.net")});
  CHECK(r.version == "ver15");
  // Removing what is not there is no error (the server already forgot it).
  roster::apply(r, *push);
  CHECK(r.items.size() == 1);
}

TEST_CASE("RFC 6121 §2.1.6: a push and the client's empty result") {
  const auto push_iq = example("rfc6121-2.1.6-roster-push.xml");
  auto push = roster::parse_push(push_iq);
  REQUIRE(push);
  CHECK(push->item == item("nurse@example.com"));
  CHECK_FALSE(push->version);
  CHECK(roster::push_is_from_own_account(push_iq, jid("juliet@example.com/chamber")));
  const auto ack = example("rfc6121-2.1.6-push-result.xml");
  CHECK(canonical(test::with_from(stanza::make_result(push_iq), ack)) == canonical(ack));

  // A push without 'ver' keeps the version we had.
  roster::Roster r;
  r.version = "ver7";
  roster::apply(r, *push);
  CHECK(r.version == "ver7");
  CHECK(r.items.size() == 1);
}

TEST_CASE("RFC 6121 §2.1.2: item attributes: ask, approved, groups, names") {
  auto parsed = roster::parse_result(
      result_with("<item jid='a@example.org' subscription='none' ask='subscribe' approved='true'/>"
                  "<item jid='b@example.org' ask='unsubscribe' approved='1'/>"
                  "<item jid='c@example.org' approved='false' name=''>"
                  "<group>X</group><group></group><group>Y</group><group>X</group></item>"
                  "<item jid='gateway.example.org' subscription='both'/>"));
  REQUIRE(parsed);
  const auto& items = (*parsed)->items;
  REQUIRE(items.size() == 4);
  CHECK(items[0].ask);
  CHECK(items[0].approved);
  CHECK(items[0].subscription == SubscriptionState::none);
  CHECK_FALSE(items[1].ask);  // 'subscribe' is the one value of 'ask'
  CHECK(items[1].approved);   // xs:boolean
  CHECK_FALSE(items[2].approved);
  CHECK_FALSE(items[2].name);  // name='' is no name
  CHECK(items[2].groups == std::vector<std::string>{"X", "Y"});
  CHECK(items[3].jid == jid("gateway.example.org"));  // a bare JID without localpart is an item
}

TEST_CASE("RFC 6121 §2.1.4: unusable items are skipped, the rest of the roster is kept") {
  auto parsed =
      roster::parse_result(result_with("<item name='no jid'/>"
                                       "<item jid='good1@example.org' name='One'/>"
                                       "<item jid='not a jid@@example.org'/>"
                                       "<item jid=''/>"
                                       "<item jid='full@example.org/resource'/>"
                                       "<item jid='unknown@example.org' subscription='mutual'/>"
                                       "<item jid='removed@example.org' subscription='remove'/>"
                                       "<item jid='good1@example.org' name='Duplicate'/>"
                                       "<other xmlns='urn:example:x' jid='other@example.org'/>"
                                       "<item jid='Good2@Example.org' subscription='to'/>"));
  REQUIRE(parsed);
  const auto& items = (*parsed)->items;
  REQUIRE(items.size() == 2);
  CHECK(items[0] == item("good1@example.org", "One"));
  CHECK(items[1] == item("good2@example.org", {}, {}, SubscriptionState::to));
}

TEST_CASE("RFC 6121 §2.1.4: a reply that is no roster result is bad_reply") {
  for (const char* text : {"<iq type='result'><query xmlns='jabber:iq:private'/></iq>",
                           "<iq type='result'><vCard xmlns='vcard-temp'/></iq>",
                           "<iq type='error'><query xmlns='jabber:iq:roster'/></iq>",
                           "<iq type='set'><query xmlns='jabber:iq:roster'/></iq>",
                           "<message><query xmlns='jabber:iq:roster'/></message>"}) {
    CAPTURE(text);
    auto parsed = roster::parse_result(parse_stanza(text));
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code == "bad_reply");
    CHECK(parsed.error().kind == ErrorKind::protocol);
  }
}

TEST_CASE("RFC 6121 §2.1.6: malformed pushes are refused with bad_push") {
  for (const char* text :
       {"<iq type='get' id='p1'><query xmlns='jabber:iq:roster'><item jid='a@example.org'/>"
        "</query></iq>",
        "<iq type='result' id='p1'><query xmlns='jabber:iq:roster'><item jid='a@example.org'/>"
        "</query></iq>",
        "<iq type='set' id='p1'/>",
        "<iq type='set' id='p1'><query xmlns='jabber:iq:private'><item jid='a@example.org'/>"
        "</query></iq>",
        "<iq type='set' id='p1'><query xmlns='jabber:iq:roster'/></iq>",
        "<iq type='set' id='p1'><query xmlns='jabber:iq:roster'><item jid='a@example.org'/>"
        "<item jid='b@example.org'/></query></iq>",
        "<iq type='set' id='p1'><query xmlns='jabber:iq:roster'><item name='x'/></query></iq>",
        "<iq type='set' id='p1'><query xmlns='jabber:iq:roster'><item jid='@example.org'/>"
        "</query></iq>",
        "<iq type='set' id='p1'><query xmlns='jabber:iq:roster'><item jid='a@example.org/r'/>"
        "</query></iq>",
        "<iq type='set' id='p1'><query xmlns='jabber:iq:roster'>"
        "<item jid='a@example.org' subscription='everything'/></query></iq>",
        "<iq type='set' id='p1'><query xmlns='jabber:iq:roster'><item jid='a@example.org'/>"
        "</query><query xmlns='jabber:iq:roster'><item jid='b@example.org'/></query></iq>"}) {
    CAPTURE(text);
    auto push = roster::parse_push(parse_stanza(text));
    REQUIRE_FALSE(push);
    CHECK(push.error().code == "bad_push");
    CHECK(push.error().kind == ErrorKind::protocol);
  }
  CHECK(roster::parse_push(push_with("<query xmlns='jabber:iq:roster'>"
                                     "<item jid='a@example.org' subscription='from'/></query>")));
}

TEST_CASE("cve_2016_9928_roster_push_foreign: only our own account may push (§2.1.6, row 35)") {
  auto push = example("rfc6121-2.1.6-roster-push.xml");
  const Jid own = jid("juliet@example.com/chamber");
  // No 'from': implicitly from our bare JID.
  CHECK(roster::push_is_from_own_account(push, own));
  // Our bare JID, also as a differently cased equivalent (RFC 7622 normalisation).
  push.set_attr("from", "juliet@example.com");
  CHECK(roster::push_is_from_own_account(push, own));
  push.set_attr("from", "Juliet@EXAMPLE.com");
  CHECK(roster::push_is_from_own_account(push, own));
  CHECK(roster::push_is_from_own_account(push, jid("juliet@example.com")));
  // §2.1.6 accepts the bare JID only: a full JID of our account is not the account (a client of
  // ours cannot push to another; only the server can).
  push.set_attr("from", "juliet@example.com/chamber");
  CHECK_FALSE(roster::push_is_from_own_account(push, own));
  push.set_attr("from", "juliet@example.com/balcony");
  CHECK_FALSE(roster::push_is_from_own_account(push, own));
  // Someone else, on our domain or another.
  push.set_attr("from", "mallory@evil.example");
  CHECK_FALSE(roster::push_is_from_own_account(push, own));
  push.set_attr("from", "romeo@example.com");
  CHECK_FALSE(roster::push_is_from_own_account(push, own));
  push.set_attr("from", "juliet@evil.example");
  CHECK_FALSE(roster::push_is_from_own_account(push, own));
  // Our server's domain alone is not our account.
  push.set_attr("from", "example.com");
  CHECK_FALSE(roster::push_is_from_own_account(push, own));
  // Garbage and an empty 'from' (present, so not "absent").
  push.set_attr("from", "not a jid@@");
  CHECK_FALSE(roster::push_is_from_own_account(push, own));
  push.set_attr("from", "");
  CHECK_FALSE(roster::push_is_from_own_account(push, own));
}

TEST_CASE("apply: a push replaces the item in place, or appends a new one") {
  roster::Roster r;
  r.items = {item("a@example.org", "A"), item("b@example.org", "B"), item("c@example.org")};
  roster::Push push{item("b@example.org", "Bee", {"G"}, SubscriptionState::both), "v2"};
  roster::apply(r, push);
  REQUIRE(r.items.size() == 3);
  CHECK(r.items[1] == push.item);
  CHECK(r.version == "v2");
  roster::apply(r, roster::Push{item("d@example.org"), std::nullopt});
  REQUIRE(r.items.size() == 4);
  CHECK(r.items[3].jid == jid("d@example.org"));
  CHECK(r.version == "v2");
}

TEST_CASE("SECURITY.md row 52: a large roster result keeps every item once") {
  std::string items;
  constexpr int k_items = 5000;
  for (int i = 0; i < k_items; ++i)
    items += "<item jid='contact" + std::to_string(i) + "@example.org' subscription='both'/>";
  items += "<item jid='contact0@example.org' name='repeat'/>";
  auto parsed = roster::parse_result(result_with(items));
  REQUIRE(parsed);
  REQUIRE((*parsed)->items.size() == k_items);
  CHECK_FALSE((*parsed)->items[0].name);
}
