// The XEP-0199/0092/0202 coroutine operations over a scripted session (no network), each under a
// deadline.
#include <doctest/doctest.h>

#include "stanza/iq.hpp"
#include "test_jid.hpp"
#include "xep/ping/ping.hpp"
#include "xep/ping/ping_ops.hpp"
#include "xep/time/time_ops.hpp"
#include "xep/version/version_ops.hpp"
#include "xep_fake_session.hpp"

using namespace xmpp;
using namespace std::chrono;

namespace {

using test::jid;

struct OpsFixture {
  asio::io_context io;
  test::FakeSession session{io.get_executor(), jid("romeo@montague.net/orchard")};
};

xml::Element error_reply(const xml::Element& request, const char* condition) {
  return stanza::make_error_reply(request, stanza::make_stanza_error(condition));
}

}  // namespace

TEST_CASE("ping: a pong gives the round-trip time of the request") {
  OpsFixture f;
  f.session.delay = milliseconds(20);
  f.session.responder = [](const xml::Element& iq) { return std::optional(ping::make_result(iq)); };
  const auto rtt = test::run_coroutine<Result<nanoseconds>>(
      f.io, [&] { return ping::ping(f.session, jid("capulet.lit"), seconds(5)); });
  REQUIRE(rtt.has_value());
  CHECK(*rtt >= milliseconds(20));
  CHECK(*rtt < seconds(5));
  REQUIRE(f.session.requests.size() == 1);
  CHECK(ping::is_request(f.session.requests[0]));
  CHECK(f.session.requests[0].attr("to") == "capulet.lit");
}

TEST_CASE("ping: an error reply is a remote error with the XEP-0199 condition and context") {
  OpsFixture f;
  f.session.responder = [](const xml::Element& iq) {
    return std::optional(error_reply(iq, "service-unavailable"));
  };
  const auto rtt = test::run_coroutine<Result<nanoseconds>>(
      f.io, [&] { return ping::ping(f.session, jid("juliet@capulet.lit/chamber"), seconds(5)); });
  REQUIRE_FALSE(rtt.has_value());
  CHECK(rtt.error().kind == ErrorKind::remote);
  CHECK(rtt.error().condition == "service-unavailable");
  CHECK(rtt.error().message.find("ping juliet@capulet.lit/chamber") == 0);
}

TEST_CASE("ping: no answer is a timeout (kind temporary)") {
  OpsFixture f;
  const auto rtt = test::run_coroutine<Result<nanoseconds>>(
      f.io, [&] { return ping::ping(f.session, jid("capulet.lit"), milliseconds(30)); });
  REQUIRE_FALSE(rtt.has_value());
  CHECK(rtt.error().kind == ErrorKind::temporary);
  CHECK(rtt.error().code == "timeout");
}

TEST_CASE("version: the result is parsed; a result without <query/> is a protocol error") {
  OpsFixture f;
  f.session.responder = [](const xml::Element& iq) {
    return std::optional(
        version::make_result(iq, version::SoftwareVersion{"Prosody", "0.12.4", std::nullopt}));
  };
  const auto info = test::run_coroutine<Result<version::SoftwareVersion>>(
      f.io, [&] { return version::query(f.session, jid("example.test"), seconds(5)); });
  REQUIRE(info.has_value());
  CHECK(info->name == "Prosody");
  CHECK(info->version == "0.12.4");
  CHECK_FALSE(info->os.has_value());
  CHECK(version::is_request(f.session.requests.at(0)));

  f.session.responder = [](const xml::Element& iq) {
    return std::optional(stanza::make_result(iq));
  };
  const auto bad = test::run_coroutine<Result<version::SoftwareVersion>>(
      f.io, [&] { return version::query(f.session, jid("example.test"), seconds(5)); });
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().kind == ErrorKind::protocol);
  CHECK(bad.error().message.find("software version of example.test") == 0);
}

TEST_CASE("version: a stanza error keeps its condition") {
  OpsFixture f;
  f.session.responder = [](const xml::Element& iq) {
    return std::optional(error_reply(iq, "forbidden"));
  };
  const auto info = test::run_coroutine<Result<version::SoftwareVersion>>(
      f.io, [&] { return version::query(f.session, jid("example.test"), seconds(5)); });
  REQUIRE_FALSE(info.has_value());
  CHECK(info.error().kind == ErrorKind::remote);
  CHECK(info.error().condition == "forbidden");
}

TEST_CASE("time: the offset is their clock minus the midpoint of the round trip") {
  OpsFixture f;
  // The entity's clock runs one hour ahead of ours.
  f.session.responder = [](const xml::Element& iq) {
    const auto now = time_point_cast<microseconds>(system_clock::now());
    return std::optional(time::make_result(iq, time::EntityTime{now + hours(1), minutes(120)}));
  };
  const auto answer = test::run_coroutine<Result<time::TimeQuery>>(
      f.io, [&] { return time::query(f.session, jid("example.test"), seconds(5)); });
  REQUIRE(answer.has_value());
  CHECK(answer->time.tzo == minutes(120));
  CHECK(answer->sent <= answer->received);
  const auto offset = answer->offset();
  CHECK(offset > hours(1) - seconds(1));
  CHECK(offset < hours(1) + seconds(1));
}

TEST_CASE("time: TimeQuery::offset with fixed clocks") {
  const time::Timestamp sent{seconds(1000)};
  const time::TimeQuery q{time::EntityTime{sent + milliseconds(150), minutes(0)}, sent,
                          sent + milliseconds(100)};
  CHECK(q.offset() == milliseconds(100));  // 1000.150 - 1000.050
}

TEST_CASE("time: an unparsable reply is a protocol error with context") {
  OpsFixture f;
  f.session.responder = [](const xml::Element& iq) {
    xml::Element payload("time", std::string(time::k_ns));
    payload.add_child(xml::Element("tzo", std::string(time::k_ns))).add_text("Z");
    payload.add_child(xml::Element("utc", std::string(time::k_ns))).add_text("noon");
    return std::optional(stanza::make_result(iq, std::move(payload)));
  };
  const auto answer = test::run_coroutine<Result<time::TimeQuery>>(
      f.io, [&] { return time::query(f.session, jid("example.test"), seconds(5)); });
  REQUIRE_FALSE(answer.has_value());
  CHECK(answer.error().kind == ErrorKind::protocol);
  CHECK(answer.error().message.find("entity time of example.test") == 0);
}
