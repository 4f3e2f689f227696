// Which reply answers which iq (RFC 6120 §8.1.2.1, §8.2.3; SECURITY.md rows 31-33,
// CVE-2013-6483, CVE-2024-46957).
#include <doctest/doctest.h>

#include "stream/iq_tracker.hpp"
#include "stream_support.hpp"

using namespace xmpp;
using namespace xmpp::stream;
using xmpp::test::jid;
using xmpp::test::parse;

namespace {

const Jid k_own = Jid::parse("alice@example.test/cli").value();

bool matches(std::optional<std::string> to, std::optional<std::string> from) {
  std::optional<Jid> to_jid;
  if (to) to_jid = jid(*to);
  return reply_from_matches(to_jid, from, k_own);
}

}  // namespace

TEST_CASE("iq tracker: replies to requests for the account or the server") {
  // No 'to': the server answers on behalf of the account (RFC 6120 §8.1.2.1, §10.3.3).
  CHECK(matches(std::nullopt, std::nullopt));
  CHECK(matches(std::nullopt, "alice@example.test"));
  CHECK(matches(std::nullopt, "example.test"));
  CHECK(matches(std::nullopt, "Alice@EXAMPLE.test"));  // compared after normalisation
  CHECK_FALSE(matches(std::nullopt, "mallory@example.test"));
  CHECK_FALSE(matches(std::nullopt, "alice@example.test/other"));
  CHECK_FALSE(matches(std::nullopt, "evil.example"));
  // To our bare JID or our domain: same three senders.
  for (const char* to : {"alice@example.test", "example.test"}) {
    CAPTURE(to);
    CHECK(matches(to, std::nullopt));
    CHECK(matches(to, "alice@example.test"));
    CHECK(matches(to, "example.test"));
    CHECK_FALSE(matches(to, "bob@example.test"));
  }
}

TEST_CASE("cve_2013_6483_iq_spoofing iq tracker: replies to requests for anyone else come from exactly them (row 31)") {
  CHECK(matches("bob@example.test/phone", "bob@example.test/phone"));
  CHECK(matches("pubsub.example.org", "pubsub.example.org"));
  CHECK(matches("pubsub.example.org", "PubSub.Example.org"));
  CHECK_FALSE(matches("pubsub.example.org", std::nullopt));  // our server may not answer for it
  CHECK_FALSE(matches("pubsub.example.org", "example.test"));
  CHECK_FALSE(matches("bob@example.test/phone", "bob@example.test"));
  CHECK_FALSE(matches("bob@example.test", "bob@example.test/phone"));
  CHECK_FALSE(matches("bob@example.test", "mallory@example.test"));
  CHECK_FALSE(matches("bob@example.test", "not a jid@@"));
  // A request to our own full JID is answered by ourselves, nobody else.
  CHECK(matches("alice@example.test/cli", "alice@example.test/cli"));
  CHECK_FALSE(matches("alice@example.test/cli", std::nullopt));
}

TEST_CASE("iq tracker: id and sender must both match") {
  IqTracker t;
  t.set_own(k_own);
  REQUIRE(t.add("q1", jid("bob@example.test/phone")));
  CHECK_FALSE(t.add("q1", std::nullopt));  // one request per id
  CHECK(t.pending("q1"));
  CHECK_FALSE(t.deliver(parse("<iq type='result' id='q1' from='mallory@example.test/x'/>")));
  CHECK_FALSE(t.deliver(parse("<iq type='result' id='zz' from='bob@example.test/phone'/>")));
  CHECK_FALSE(t.take("q1"));
  CHECK(t.deliver(
      parse("<iq type='result' id='q1' from='bob@example.test/phone'><q xmlns='urn:q'/></iq>")));
  // A duplicate answer is not an answer; the first one is kept.
  CHECK_FALSE(t.deliver(parse("<iq type='error' id='q1' from='bob@example.test/phone'/>")));
  auto reply = t.take("q1");
  REQUIRE(reply);
  CHECK(reply->child("q", "urn:q"));
  CHECK_FALSE(t.pending("q1"));
  CHECK(t.size() == 0);
}

TEST_CASE("cve_2024_46957_request_as_reply iq tracker: a get or set carrying a pending id is never an answer (row 32)") {
  IqTracker t;
  t.set_own(k_own);
  REQUIRE(t.add("q1", std::nullopt));
  CHECK_FALSE(t.deliver(parse("<iq type='get' id='q1'><ping xmlns='urn:xmpp:ping'/></iq>")));
  CHECK_FALSE(t.deliver(parse("<iq type='set' id='q1'><query xmlns='jabber:iq:roster'/></iq>")));
  CHECK_FALSE(t.deliver(parse("<iq id='q1'/>")));
  CHECK_FALSE(t.deliver(parse("<message id='q1' type='error'/>")));
  CHECK(t.deliver(parse("<iq type='error' id='q1'><error type='cancel'/></iq>")));
}

TEST_CASE("iq tracker: a removed request ignores late answers") {
  IqTracker t;
  t.set_own(k_own);
  REQUIRE(t.add("q1", std::nullopt));
  t.remove("q1");
  CHECK_FALSE(t.deliver(parse("<iq type='result' id='q1'/>")));
  CHECK_FALSE(t.take("q1"));
}
