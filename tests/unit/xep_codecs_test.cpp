// XEP-0199, XEP-0092 and XEP-0202 codecs against the specs' own numbered examples
// (tests/fixtures/xep0199-ex*.xml, ...): parse each example, rebuild it with our builders, compare.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "stanza/error.hpp"
#include "xep/ping/ping.hpp"
#include "xep/time/time.hpp"
#include "xep/version/version.hpp"
#include "xep_examples.hpp"
#include "xep_fake_session.hpp"

using namespace xmpp;
using xmpp::test::canonical;
using xmpp::test::example;
using xmpp::test::jid;
using xmpp::test::with_from;
using namespace std::chrono;

namespace {

struct PingCase {
  const char* ping;
  const char* pong;
  const char* error;
};

const PingCase k_ping_cases[] = {
    {"xep0199-ex1-s2c-ping.xml", "xep0199-ex2-s2c-pong.xml", "xep0199-ex3-s2c-not-supported.xml"},
    {"xep0199-ex4-c2s-ping.xml", "xep0199-ex5-c2s-pong.xml", "xep0199-ex6-c2s-not-supported.xml"},
    {"xep0199-ex7-s2s-ping.xml", "xep0199-ex8-s2s-pong.xml", "xep0199-ex9-s2s-not-supported.xml"},
    {"xep0199-ex10-e2e-ping.xml", "xep0199-ex11-e2e-pong.xml",
     "xep0199-ex12-e2e-not-supported.xml"},
    {"xep0199-ex13-comp-ping.xml", "xep0199-ex14-comp-pong.xml",
     "xep0199-ex15-comp-not-supported.xml"},
};

}  // namespace

TEST_CASE("XEP-0199 examples: every ping is rebuilt by make_request, every pong by make_result") {
  for (const auto& c : k_ping_cases) {
    CAPTURE(c.ping);
    const auto ping_example = example(c.ping);
    const auto pong_example = example(c.pong);
    CHECK(ping::is_request(ping_example));
    CHECK_FALSE(ping::is_request(pong_example));
    const auto built = ping::make_request(jid(*ping_example.attr("to")), *ping_example.attr("id"));
    CHECK(canonical(with_from(built, ping_example)) == canonical(ping_example));
    CHECK(canonical(with_from(ping::make_result(ping_example), pong_example)) ==
          canonical(pong_example));
  }
}

TEST_CASE("XEP-0199 examples: 'Ping Not Supported' is a service-unavailable error, not a ping") {
  for (const auto& c : k_ping_cases) {
    CAPTURE(c.error);
    const auto example = test::example(c.error);
    CHECK_FALSE(ping::is_request(example));
    const auto e = stanza::to_error(example, "ping");
    CHECK(e.kind == ErrorKind::remote);
    CHECK(e.condition == "service-unavailable");
  }
}

TEST_CASE("XEP-0199 make_request without an id leaves it to the session") {
  const auto iq = ping::make_request(jid("example.test"));
  CHECK_FALSE(iq.attr("id").has_value());
  CHECK(iq.attr("to") == "example.test");
  CHECK(iq.attr("type") == "get");
  CHECK(iq.child("ping", ping::k_ns) != nullptr);
}

TEST_CASE("XEP-0199 is_request needs a get with exactly one <ping/>") {
  auto iq = ping::make_request(jid("example.test"), "p1");
  iq.set_attr("type", "set");
  CHECK_FALSE(ping::is_request(iq));
  auto two = ping::make_request(jid("example.test"), "p2");
  two.add_child(xml::Element("x", "urn:x"));
  CHECK_FALSE(ping::is_request(two));
}

TEST_CASE("XEP-0092 example 1 is rebuilt by make_request") {
  const auto example = test::example("xep0092-ex1-query.xml");
  CHECK(version::is_request(example));
  const auto built = version::make_request(jid(*example.attr("to")), *example.attr("id"));
  CHECK(canonical(with_from(built, example)) == canonical(example));
}

TEST_CASE("XEP-0092 example 2 parses, and make_result answering example 1 rebuilds it") {
  const auto query = example("xep0092-ex1-query.xml");
  const auto example = test::example("xep0092-ex2-result.xml");
  const auto info = version::parse_result(example);
  REQUIRE(info.has_value());
  CHECK(info->name == "Exodus");
  CHECK(info->version == "0.7.0.4");
  CHECK(info->os == "Windows-XP 5.01.2600");
  CHECK(canonical(with_from(version::make_result(query, *info), example)) == canonical(example));
}

TEST_CASE("XEP-0092 parse_result: absent elements are nullopt; no <query/> is a protocol error") {
  auto empty =
      test::parse_stanza("<iq type='result' id='v'><query xmlns='jabber:iq:version'/></iq>");
  const auto info = version::parse_result(empty);
  REQUIRE(info.has_value());
  CHECK(*info == version::SoftwareVersion{});

  const auto partial = version::parse_result(test::parse_stanza(
      "<iq type='result' id='v'><query "
      "xmlns='jabber:iq:version'><name>x</name><version>1</version></query></iq>"));
  REQUIRE(partial.has_value());
  CHECK_FALSE(partial->os.has_value());

  const auto bad = version::parse_result(test::parse_stanza("<iq type='result' id='v'/>"));
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().kind == ErrorKind::protocol);
  CHECK(bad.error().code == "bad_reply");

  // A <name/> in another namespace is not the version's name.
  const auto foreign = version::parse_result(
      test::parse_stanza("<iq type='result' id='v'><query xmlns='jabber:iq:version'><name "
                         "xmlns='urn:x'>evil</name></query></iq>"));
  REQUIRE(foreign.has_value());
  CHECK_FALSE(foreign->name.has_value());
}

TEST_CASE("XEP-0202 example 1 is rebuilt by make_request") {
  const auto example = test::example("xep0202-ex1-query.xml");
  CHECK(time::is_request(example));
  const auto built = time::make_request(jid(*example.attr("to")), *example.attr("id"));
  CHECK(canonical(with_from(built, example)) == canonical(example));
}

TEST_CASE("XEP-0202 example 2 parses, and make_result answering example 1 rebuilds it") {
  const auto query = example("xep0202-ex1-query.xml");
  const auto example = test::example("xep0202-ex2-result.xml");
  const auto t = time::parse_result(example);
  REQUIRE(t.has_value());
  CHECK(t->tzo == minutes(-360));
  CHECK(time::format_utc(t->utc) == "2006-12-19T17:58:35Z");
  CHECK(time::format_local(*t) == "2006-12-19T11:58:35-06:00");
  CHECK(t->utc.time_since_epoch() == seconds(1166551115));
  CHECK(canonical(with_from(time::make_result(query, *t), example)) == canonical(example));
}

TEST_CASE("XEP-0202 parse_result needs <tzo/> and <utc/>, each well-formed") {
  const auto parse = [](const char* payload) {
    return time::parse_result(
        test::parse_stanza(std::string("<iq type='result' id='t'><time xmlns='urn:xmpp:time'>") +
                           payload + "</time></iq>"));
  };
  CHECK(parse("<tzo>Z</tzo><utc>2006-12-19T17:58:35Z</utc>").has_value());
  const auto missing = parse("<utc>2006-12-19T17:58:35Z</utc>");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == "bad_reply");
  const auto bad_utc = parse("<tzo>+01:00</tzo><utc>yesterday</utc>");
  REQUIRE_FALSE(bad_utc.has_value());
  CHECK(bad_utc.error().kind == ErrorKind::protocol);
  CHECK(bad_utc.error().code == "bad_datetime");
  CHECK_FALSE(parse("<tzo>+1:00</tzo><utc>2006-12-19T17:58:35Z</utc>").has_value());
  CHECK_FALSE(time::parse_result(test::parse_stanza("<iq type='result' id='t'/>")).has_value());
}

TEST_CASE("XEP-0082 dateTime: valid forms") {
  // XEP-0082 §3.2's own example, written in UTC and with an offset: one instant.
  const auto a = time::parse_datetime("1969-07-21T02:56:15Z");
  const auto b = time::parse_datetime("1969-07-20T21:56:15-05:00");
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  CHECK(*a == *b);
  CHECK(a->time_since_epoch() == seconds(-14159025));

  const auto ms = time::parse_datetime("2006-12-19T17:58:35.123Z");
  REQUIRE(ms.has_value());
  CHECK(ms->time_since_epoch() % seconds(1) == milliseconds(123));
  CHECK(time::format_utc(*ms) == "2006-12-19T17:58:35.123Z");

  const auto ns = time::parse_datetime("2006-12-19T17:58:35.123456789Z");  // truncated to µs
  REQUIRE(ns.has_value());
  CHECK(time::format_utc(*ns) == "2006-12-19T17:58:35.123456Z");

  const auto leap = time::parse_datetime("2016-12-31T23:59:60Z");
  REQUIRE(leap.has_value());
  CHECK(time::format_utc(*leap) == "2017-01-01T00:00:00Z");
  CHECK(time::parse_datetime("2000-02-29T00:00:00+14:00").has_value());
}

TEST_CASE("XEP-0082 dateTime: invalid forms are protocol errors") {
  for (const char* text :
       {"", "2006-12-19", "2006-12-19T17:58:35", "2006-12-19 17:58:35Z", "2006-13-19T17:58:35Z",
        "2006-02-29T00:00:00Z", "2006-12-32T00:00:00Z", "2006-12-19T24:00:00Z",
        "2006-12-19T17:60:00Z", "2006-12-19T17:58:61Z", "2006-12-19T17:58:35.Z",
        "2006-12-19T17:58:35+0600", "2006-12-19T17:58:35z", "2006-12-19T17:58:35Z ",
        "20061-12-19T17:58:35Z", "2006-12-19T17:58:35+24:00", "+2006-12-19T17:58:35Z",
        "2006-1a-19T17:58:35Z"}) {
    CAPTURE(text);
    const auto r = time::parse_datetime(text);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == ErrorKind::protocol);
    CHECK(r.error().code == "bad_datetime");
  }
}

TEST_CASE("XEP-0082 TZD and the formatting of offsets and fractions") {
  CHECK(time::parse_tzo("Z") == minutes(0));
  CHECK(time::parse_tzo("+00:00") == minutes(0));
  CHECK(time::parse_tzo("-05:30") == minutes(-330));
  CHECK(time::parse_tzo("+14:00") == minutes(840));
  CHECK_FALSE(time::parse_tzo("").has_value());
  CHECK_FALSE(time::parse_tzo("+5:00").has_value());
  CHECK_FALSE(time::parse_tzo("05:00").has_value());
  CHECK_FALSE(time::parse_tzo("+05:60").has_value());
  CHECK(time::format_tzo(minutes(0)) == "+00:00");
  CHECK(time::format_tzo(minutes(-330)) == "-05:30");
  CHECK(time::format_tzo(minutes(345)) == "+05:45");
  const time::Timestamp t{seconds(0)};
  CHECK(time::format_utc(t) == "1970-01-01T00:00:00Z");
  CHECK(time::format_utc(t + microseconds(1500)) == "1970-01-01T00:00:00.001500Z");
  CHECK(time::format_local(time::EntityTime{t, minutes(-60)}) == "1969-12-31T23:00:00-01:00");
  CHECK(time::format_local(time::EntityTime{t + milliseconds(5), minutes(90)}) ==
        "1970-01-01T01:30:00.005+01:30");
}

TEST_CASE("XEP-0082 dateTime round-trips through format_utc") {
  for (const char* text :
       {"1969-07-21T02:56:15Z", "2006-12-19T17:58:35.123Z", "2024-02-29T23:59:59.999999Z",
        "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"}) {
    CAPTURE(text);
    const auto t = time::parse_datetime(text);
    REQUIRE(t.has_value());
    CHECK(time::format_utc(*t) == text);
  }
}
