// RFC 6121 §3 subscription stanzas against the RFC's examples: the request (§3.1.1), the
// approval and the refusal (§3.1.4), unsubscribing (§3.3.1), and the inbound request the server
// delivers (§3.1.3), with the XEP-0172 nickname a requester may attach.
#include <doctest/doctest.h>

#include "xep/roster/subscription.hpp"
#include "xep_examples.hpp"

using namespace xmpp;
using roster::SubscriptionAction;
using test::canonical;
using test::example;
using test::jid;
using test::parse_stanza;

namespace {

/// The example's id instead of our random one.
xml::Element as_example(xml::Element built, const xml::Element& example) {
  if (auto id = example.attr("id")) built.set_attr("id", *id);
  return built;
}

}  // namespace

TEST_CASE("RFC 6121 §3: each action is one presence type") {
  CHECK(roster::presence_type_of(SubscriptionAction::subscribe) == stanza::PresenceType::subscribe);
  CHECK(roster::presence_type_of(SubscriptionAction::unsubscribe) ==
        stanza::PresenceType::unsubscribe);
  CHECK(roster::presence_type_of(SubscriptionAction::approve) == stanza::PresenceType::subscribed);
  CHECK(roster::presence_type_of(SubscriptionAction::deny) == stanza::PresenceType::unsubscribed);
  CHECK(roster::to_string(SubscriptionAction::subscribe) == "subscribe");
  CHECK(roster::to_string(SubscriptionAction::unsubscribe) == "unsubscribe");
  CHECK(roster::to_string(SubscriptionAction::approve) == "approve");
  CHECK(roster::to_string(SubscriptionAction::deny) == "deny");
}

TEST_CASE("RFC 6121 §3.1.1, §3.1.4, §3.3.1: the four stanzas a user sends") {
  struct Case {
    const char* fixture;
    const char* contact;
    SubscriptionAction action;
  };
  for (const Case c :
       {Case{"rfc6121-3.1.1-subscribe.xml", "juliet@example.com", SubscriptionAction::subscribe},
        Case{"rfc6121-3.1.4-approve.xml", "romeo@example.net", SubscriptionAction::approve},
        Case{"rfc6121-3.1.4-deny.xml", "romeo@example.net", SubscriptionAction::deny},
        Case{"rfc6121-3.3.1-unsubscribe.xml", "juliet@example.com",
             SubscriptionAction::unsubscribe}}) {
    CAPTURE(c.fixture);
    const auto expected = example(c.fixture);
    CHECK(canonical(as_example(roster::make_request(jid(c.contact), c.action), expected)) ==
          canonical(expected));
  }
}

TEST_CASE("RFC 6121 §3.1.1: the request goes to the bare JID, with an id and an optional status") {
  const auto p = roster::make_request(jid("Juliet@example.com/balcony"),
                                      SubscriptionAction::subscribe, "It is Romeo");
  CHECK(p.attr("to") == "juliet@example.com");
  CHECK(p.attr("type") == "subscribe");
  CHECK(p.child_text("status", "jabber:client") == "It is Romeo");
  // "For tracking purposes, a client SHOULD include an 'id'": a fresh one each time.
  const auto id = p.attr("id");
  REQUIRE(id);
  CHECK(id->size() >= 16);
  CHECK(roster::make_request(jid("juliet@example.com"), SubscriptionAction::subscribe).attr("id") !=
        id);
  CHECK(roster::make_request(jid("juliet@example.com"), SubscriptionAction::approve, {}, "x1")
            .attr("id") == "x1");
  // An empty status is no status.
  const auto plain =
      roster::make_request(jid("juliet@example.com"), SubscriptionAction::deny, std::string());
  CHECK_FALSE(plain.child("status", "jabber:client"));
  CHECK_FALSE(plain.attr("from"));  // the server stamps it (RFC 6120 §8.1.2.1)
}

TEST_CASE("RFC 6121 §3.1.3: the inbound request as the server delivers it") {
  auto request = roster::parse_inbound_request(example("rfc6121-3.1.3-subscribe-inbound.xml"));
  REQUIRE(request);
  CHECK(request->from == jid("romeo@example.net"));
  CHECK_FALSE(request->status);
  CHECK_FALSE(request->nick);
}

TEST_CASE("RFC 6121 §3.1.3 with XEP-0172: the requester's nickname") {
  auto request = roster::parse_inbound_request(example("rfc6121-3.1.3-subscribe-nick.xml"));
  REQUIRE(request);
  CHECK(request->from == jid("romeo@example.net"));
  CHECK(request->nick == "Romeo");

  auto full = roster::parse_inbound_request(
      parse_stanza("<presence from='romeo@example.net/orchard' type='subscribe'>"
                   "<status>Wherefore art thou?</status>"
                   "<nick xmlns='http://jabber.org/protocol/nick'></nick></presence>"));
  REQUIRE(full);
  CHECK(full->from == jid("romeo@example.net"));  // reduced to the bare JID
  CHECK(full->status == "Wherefore art thou?");
  CHECK_FALSE(full->nick);  // an empty nick says nothing
  // A <nick/> in another namespace is not XEP-0172's.
  auto other = roster::parse_inbound_request(
      parse_stanza("<presence from='romeo@example.net' type='subscribe'>"
                   "<nick xmlns='urn:example:nick'>Mallory</nick></presence>"));
  REQUIRE(other);
  CHECK_FALSE(other->nick);
}

TEST_CASE("RFC 6121 §3.1.3: what is no inbound request is bad_request") {
  for (const char* text :
       {"<presence from='romeo@example.net' type='subscribed'/>",
        "<presence from='romeo@example.net'/>",
        "<presence from='romeo@example.net' type='unsubscribe'/>", "<presence type='subscribe'/>",
        "<presence from='not a jid@@' type='subscribe'/>",
        "<message from='romeo@example.net' type='subscribe'/>"}) {
    CAPTURE(text);
    auto request = roster::parse_inbound_request(parse_stanza(text));
    REQUIRE_FALSE(request);
    CHECK(request.error().code == "bad_request");
    CHECK(request.error().kind == ErrorKind::protocol);
  }
}
