// XEP-0203 Delayed Delivery against the spec's examples 1-3 (offline storage, last presence,
// room history), with XEP-0082 stamps.
#include <doctest/doctest.h>

#include "xep/delay/delay.hpp"
#include "xep_examples.hpp"

using namespace xmpp;
using test::example;
using namespace std::chrono;

namespace {

time::Timestamp utc(std::string_view text) {
  auto t = time::parse_datetime(text);
  REQUIRE(t);
  return *t;
}

}  // namespace

TEST_CASE("XEP-0203 example 1: a message stored offline, with a reason") {
  const auto d = delay::parse_delay(example("xep0203-ex1-offline.xml"));
  REQUIRE(d);
  CHECK(d->stamp == utc("2002-09-10T23:08:25Z"));
  CHECK(d->from == "capulet.com");
  CHECK(d->reason == "Offline Storage");  // the indentation around it is not part of it
}

TEST_CASE("XEP-0203 example 2: the last presence") {
  const auto d = delay::parse_delay(example("xep0203-ex2-presence.xml"));
  REQUIRE(d);
  CHECK(time::format_utc(d->stamp) == "2002-09-10T23:41:07Z");
  CHECK(d->from == "juliet@capulet.com/balcony");
  CHECK_FALSE(d->reason);
}

TEST_CASE("XEP-0203 example 3: room history, delayed by the room") {
  const auto d = delay::parse_delay(example("xep0203-ex3-muc-history.xml"));
  REQUIRE(d);
  CHECK(time::format_utc(d->stamp) == "2002-09-10T23:05:37Z");
  CHECK(d->from == "coven@macbeth.shakespeare.lit");
}

TEST_CASE("make_delay and parse_delay round-trip") {
  for (const delay::Delay& d :
       {delay::Delay{utc("2026-11-26T03:00:00Z"), std::nullopt, std::nullopt},
        delay::Delay{utc("2026-11-26T03:00:00.250Z"), "conference.example.org", "history"}}) {
    xml::Element m("message", "jabber:client");
    m.add_child(delay::make_delay(d));
    CHECK(delay::parse_delay(m) == d);
  }
}

TEST_CASE("parse_delay: a stamp with an offset is UTC; an unreadable stamp tells nothing") {
  auto d = delay::parse_delay(test::parse_stanza(
      "<message><delay xmlns='urn:xmpp:delay' stamp='2002-09-10T18:08:25-05:00'/></message>"));
  REQUIRE(d);
  CHECK(d->stamp == utc("2002-09-10T23:08:25Z"));
  CHECK_FALSE(delay::parse_delay(test::parse_stanza("<message><body>x</body></message>")));
  CHECK_FALSE(
      delay::parse_delay(test::parse_stanza("<message><delay xmlns='urn:xmpp:delay'/></message>")));
  CHECK_FALSE(delay::parse_delay(
      test::parse_stanza("<message><delay xmlns='urn:xmpp:delay' stamp='yesterday'/></message>")));
  // Legacy XEP-0091 jabber:x:delay is not this namespace.
  CHECK_FALSE(delay::parse_delay(test::parse_stanza(
      "<message><x xmlns='jabber:x:delay' stamp='20020910T23:08:25'/></message>")));
  // Of two, the first readable one.
  d = delay::parse_delay(test::parse_stanza(
      "<message><delay xmlns='urn:xmpp:delay' stamp='bad'/>"
      "<delay xmlns='urn:xmpp:delay' from='b' stamp='2002-09-10T23:08:25Z'/>"
      "<delay xmlns='urn:xmpp:delay' from='c' stamp='2003-09-10T23:08:25Z'/></message>"));
  REQUIRE(d);
  CHECK(d->from == "b");
}
