// XEP-0198 counters, acknowledgement and resumption state (XEP-0198 §4, §5, §6).
#include <doctest/doctest.h>

#include "stanza/message.hpp"
#include "stream/sm.hpp"
#include "stream_support.hpp"

using namespace xmpp;
using namespace xmpp::stream;
using xmpp::test::str;

namespace {

xml::Element msg(const std::string& body) {
  return stanza::make_message("bob@example.test", stanza::MessageType::chat, body);
}

}  // namespace

TEST_CASE("sm: parse_h accepts xs:unsignedInt only") {
  CHECK(parse_h("0") == 0u);
  CHECK(parse_h("42") == 42u);
  CHECK(parse_h("4294967295") == 4294967295u);
  CHECK_FALSE(parse_h(""));
  CHECK_FALSE(parse_h("4294967296"));
  CHECK_FALSE(parse_h("-1"));
  CHECK_FALSE(parse_h("+1"));
  CHECK_FALSE(parse_h(" 1"));
  CHECK_FALSE(parse_h("1a"));
  CHECK_FALSE(parse_h("99999999999"));
}

TEST_CASE("sm: nothing is counted before <enabled/>") {
  StreamManagement sm;
  CHECK_FALSE(sm.enabled());
  sm.on_sent(msg("a"));
  CHECK(sm.sent_total() == 0);
  CHECK(sm.unacked().empty());
}

TEST_CASE("sm: enable records the resumption identity") {
  StreamManagement sm;
  sm.enable("sm-1", true, 300u, "[::1]:5222");
  CHECK(sm.enabled());
  CHECK(sm.resumable());
  CHECK(sm.id() == "sm-1");
  CHECK(sm.max() == 300u);
  CHECK(sm.location() == "[::1]:5222");
  StreamManagement no_id;
  no_id.enable("", true, std::nullopt, "");
  CHECK_FALSE(no_id.resumable());  // resumption needs an SM-ID
}

TEST_CASE("sm: sent stanzas wait for <a/>, partial and full acknowledgement") {
  StreamManagement sm;
  sm.enable("x", false, std::nullopt, "");
  sm.on_sent(msg("1"));
  sm.on_sent(msg("2"));
  sm.on_sent(msg("3"));
  CHECK(sm.sent_total() == 3);
  CHECK(sm.acked_total() == 0);
  auto r = sm.on_ack(2);
  REQUIRE(r);
  CHECK(*r == 2);
  CHECK(sm.acked_total() == 2);
  REQUIRE(sm.unacked().size() == 1);
  CHECK(stanza::message_body(sm.unacked().front()) == std::string("3"));
  r = sm.on_ack(2);  // repeated ack: nothing new
  REQUIRE(r);
  CHECK(*r == 0);
  r = sm.on_ack(3);
  REQUIRE(r);
  CHECK(sm.unacked().empty());
}

TEST_CASE("sm: <a h/> above what was sent is handled-count-too-high") {
  StreamManagement sm;
  sm.enable("x", false, std::nullopt, "");
  sm.on_sent(msg("1"));
  auto r = sm.on_ack(5);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::protocol);
  CHECK(r.error().code == "stream_error");
  CHECK(r.error().condition == "undefined-condition");
  CHECK(r.error().message.find("handled-count-too-high") != std::string::npos);
  CHECK(str(sm.make_too_high(5)) ==
        "<handled-count-too-high xmlns='urn:xmpp:sm:3' h='5' send-count='1'/>");
  // The state is unchanged by the rejected ack.
  CHECK(sm.unacked().size() == 1);
  SUBCASE("h = 2^32-1 on a fresh session is too high too (row 42)") {
    CHECK_FALSE(sm.on_ack(4294967295u));
  }
}

TEST_CASE("sm: inbound counter and <a/>") {
  StreamManagement sm;
  sm.enable("x", true, std::nullopt, "");
  CHECK(str(sm.make_ack()) == "<a xmlns='urn:xmpp:sm:3' h='0'/>");
  sm.on_received();
  sm.on_received();
  CHECK(sm.handled() == 2);
  CHECK(str(sm.make_ack()) == "<a xmlns='urn:xmpp:sm:3' h='2'/>");
  CHECK(str(sm.make_resume()) == "<resume xmlns='urn:xmpp:sm:3' previd='x' h='2'/>");
}

TEST_CASE("sm: enable again resets the counters") {
  StreamManagement sm;
  sm.enable("x", true, std::nullopt, "");
  sm.on_sent(msg("1"));
  sm.on_received();
  sm.enable("y", true, std::nullopt, "");
  CHECK(sm.sent_total() == 0);
  CHECK(sm.handled() == 0);
  CHECK(sm.unacked().empty());
}

TEST_CASE("sm: reset returns the unacknowledged stanzas, oldest first") {
  StreamManagement sm;
  sm.enable("x", true, std::nullopt, "");
  sm.on_sent(msg("1"));
  sm.on_sent(msg("2"));
  REQUIRE(sm.on_ack(1));
  auto lost = sm.reset();
  REQUIRE(lost.size() == 1);
  CHECK(stanza::message_body(lost[0]) == std::string("2"));
  CHECK_FALSE(sm.enabled());
  CHECK(sm.id().empty());
}

TEST_CASE("sm: nonza builders") {
  CHECK(str(StreamManagement::make_request()) == "<r xmlns='urn:xmpp:sm:3'/>");
  CHECK(str(StreamManagement::make_enable()) == "<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
}
