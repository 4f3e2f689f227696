// XEP-0012 Last Activity: the codec against the XEP's own numbered examples
// (tests/fixtures/xep0012-exN-*.xml), and the query/uptime operations over a scripted session.
#include <doctest/doctest.h>

#include <stdexcept>

#include "stanza/error.hpp"
#include "stanza/iq.hpp"
#include "xep/disco/disco.hpp"
#include "xep/last/last.hpp"
#include "xep/last/last_ops.hpp"
#include "xep_examples.hpp"
#include "xep_fake_session.hpp"

using namespace xmpp;
using xmpp::test::canonical;
using xmpp::test::example;
using xmpp::test::jid;
using xmpp::test::with_from;
using namespace std::chrono;

namespace {

struct ExchangeCase {
  const char* query;
  const char* result;
  std::uint64_t seconds;
  std::optional<std::string> status;
};

// §3 offline account with a status, §4 a client's idle time, §5 a server's uptime, §2 the
// introductory pair.
const ExchangeCase k_exchanges[] = {
    {"xep0012-ex1-query.xml", "xep0012-ex2-result.xml", 903, std::nullopt},
    {"xep0012-ex1-query.xml", "xep0012-ex5-result-status.xml", 903, "Heading Home"},
    {"xep0012-ex6-full-jid-query.xml", "xep0012-ex8-client-result.xml", 123, std::nullopt},
    {"xep0012-ex10-server-query.xml", "xep0012-ex11-server-result.xml", 123456, std::nullopt},
};

struct LastFixture {
  asio::io_context io;
  test::FakeSession session{io.get_executor(), jid("romeo@montague.net/orchard")};
};

}  // namespace

TEST_CASE("XEP-0012 examples: each query is rebuilt by make_request and read by is_request") {
  for (const auto& c : k_exchanges) {
    CAPTURE(c.query);
    const auto query = example(c.query);
    CHECK(last::is_request(query));
    const auto built = last::make_request(jid(*query.attr("to")), *query.attr("id"));
    CHECK(canonical(with_from(built, query)) == canonical(query));
  }
}

TEST_CASE("XEP-0012 examples: each result is parsed and rebuilt by make_result") {
  for (const auto& c : k_exchanges) {
    CAPTURE(c.result);
    const auto query = example(c.query);
    const auto result = example(c.result);
    CHECK_FALSE(last::is_request(result));
    const auto parsed = last::parse_result(result);
    REQUIRE(parsed.has_value());
    CHECK(parsed->seconds == c.seconds);
    CHECK(parsed->status == c.status);
    // make_result answers the request: to its sender, with its id. The examples' ids match.
    auto built = last::make_result(query, *parsed);
    built.set_attr("to", *result.attr("to"));
    CHECK(canonical(with_from(built, result)) == canonical(result));
  }
}

TEST_CASE("XEP-0012 examples: forbidden and service-unavailable are stanza errors, not results") {
  const auto forbidden = example("xep0012-ex4-forbidden.xml");
  const auto unavailable = example("xep0012-ex9-service-unavailable.xml");
  for (const auto* e : {&forbidden, &unavailable}) {
    CHECK_FALSE(last::is_request(*e));
    const auto parsed = last::parse_result(*e);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().kind == ErrorKind::protocol);
  }
  CHECK(stanza::to_error(forbidden, "last").condition == "forbidden");
  CHECK(stanza::to_error(unavailable, "last").condition == "service-unavailable");
}

TEST_CASE("XEP-0012 example 13: support is advertised as the jabber:iq:last feature (§6)") {
  const auto info = disco::parse_info_result(example("xep0012-ex13-disco-result.xml"));
  REQUIRE(info.has_value());
  CHECK(info->has_feature(last::k_ns));
}

TEST_CASE("XEP-0012 parse_result: 'seconds' is REQUIRED and an xs:unsignedLong") {
  const auto with_seconds = [](std::optional<std::string> value) {
    xml::Element query("query", std::string(last::k_ns));
    if (value) query.set_attr("seconds", *value);
    return stanza::make_iq(stanza::IqType::result, "romeo@montague.net/orchard", std::move(query),
                           "l1");
  };
  for (const char* bad :
       {"", "-1", "+5", " 5", "5 ", "1.5", "0x10", "abc", "18446744073709551616"}) {
    CAPTURE(bad);
    const auto parsed = last::parse_result(with_seconds(std::string(bad)));
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().code == "bad_reply");
  }
  const auto missing = last::parse_result(with_seconds(std::nullopt));
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().message.find("'seconds'") != std::string::npos);

  const auto zero = last::parse_result(with_seconds(std::string("0")));
  REQUIRE(zero.has_value());
  CHECK(zero->seconds == 0);  // §3: an account with a connected resource
  const auto max = last::parse_result(with_seconds(std::string("18446744073709551615")));
  REQUIRE(max.has_value());
  CHECK(max->seconds == 18446744073709551615ULL);

  const auto no_query = last::parse_result(
      stanza::make_iq(stanza::IqType::result, "romeo@montague.net/orchard", std::nullopt, "l2"));
  REQUIRE_FALSE(no_query.has_value());
  CHECK(no_query.error().kind == ErrorKind::protocol);
}

TEST_CASE("XEP-0012 make_request without an id leaves it to the session; a set is no request") {
  auto iq = last::make_request(jid("capulet.com"));
  CHECK_FALSE(iq.attr("id").has_value());
  CHECK(iq.attr("type") == "get");
  CHECK(iq.child("query", last::k_ns) != nullptr);
  iq.set_attr("type", "set");
  CHECK_FALSE(last::is_request(iq));
}

TEST_CASE("last::query: the result is read; an error keeps its condition, with context") {
  LastFixture f;
  f.session.responder = [](const xml::Element& iq) {
    return std::optional(last::make_result(iq, last::LastActivity{42, "Heading Home"}));
  };
  const auto ok = test::run_coroutine<Result<last::LastActivity>>(
      f.io, [&] { return last::query(f.session, jid("juliet@capulet.com"), seconds(5)); });
  REQUIRE(ok.has_value());
  CHECK(ok->seconds == 42);
  CHECK(ok->status == "Heading Home");
  REQUIRE(f.session.requests.size() == 1);
  CHECK(last::is_request(f.session.requests[0]));
  CHECK(f.session.requests[0].attr("to") == "juliet@capulet.com");

  f.session.responder = [](const xml::Element& iq) {
    return std::optional(stanza::make_error_reply(iq, stanza::make_stanza_error("forbidden")));
  };
  const auto refused = test::run_coroutine<Result<last::LastActivity>>(
      f.io, [&] { return last::query(f.session, jid("juliet@capulet.com"), seconds(5)); });
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().kind == ErrorKind::remote);
  CHECK(refused.error().condition == "forbidden");
  CHECK(refused.error().message.find("last activity of juliet@capulet.com") == 0);
}

TEST_CASE("last::uptime: the server's seconds as a duration; no answer is a timeout") {
  LastFixture f;
  f.session.responder = [](const xml::Element& iq) {
    return std::optional(last::make_result(iq, last::LastActivity{123456, std::nullopt}));
  };
  const auto up = test::run_coroutine<Result<seconds>>(
      f.io, [&] { return last::uptime(f.session, jid("capulet.com"), seconds(5)); });
  REQUIRE(up.has_value());
  CHECK(*up == seconds(123456));

  f.session.responder = nullptr;
  const auto silent = test::run_coroutine<Result<seconds>>(
      f.io, [&] { return last::uptime(f.session, jid("capulet.com"), milliseconds(30)); });
  REQUIRE_FALSE(silent.has_value());
  CHECK(silent.error().kind == ErrorKind::temporary);
  CHECK(silent.error().code == "timeout");
}

TEST_CASE("last::uptime of an account is a bug in the caller (§6: another question)") {
  LastFixture f;
  const auto threw = test::run_coroutine<bool>(f.io, [&]() -> awaitable<bool> {
    try {
      (void)co_await last::uptime(f.session, jid("juliet@capulet.com"), seconds(5));
    } catch (const std::invalid_argument&) {
      co_return true;
    }
    co_return false;
  });
  CHECK(threw);
  CHECK(f.session.requests.empty());
}
