// --timing's hook (stream/phases.hpp): the session reports the end of each phase of its login in
// order, with the reads that waited for the server, and a Timeline's steps add up to its total.
#include "harness.hpp"

#include "stream/phases.hpp"

using namespace xmpp;
using namespace xmpp::stream;
using namespace xmpp::test;
using namespace std::chrono_literals;

namespace {

struct Mark {
  Phase phase;
  std::chrono::steady_clock::time_point at;
  std::optional<std::uint64_t> reads;
};

std::vector<std::string> names(const std::vector<Mark>& marks) {
  std::vector<std::string> out;
  for (const auto& m : marks)
    out.emplace_back(phase_name(m.phase));
  return out;
}

}  // namespace

TEST_CASE("session timing: STARTTLS login reports tls, stream, sasl, bind in order with reads") {
  Scenario t;
  std::vector<Mark> marks;
  t.options.timing = [&](Phase phase, std::chrono::steady_clock::time_point at,
                         std::optional<std::uint64_t> reads) {
    marks.push_back({phase, at, reads});
  };
  const auto before = std::chrono::steady_clock::now();
  t.run(
      [&]() -> awaitable<void> {
        auto session = co_await open_session(t);
        const auto after_login = session->network_reads();
        CHECK(after_login == 7);
        // A message, then XEP-0198 <r/> answered by <a/>: one more wait for the server.
        REQUIRE(co_await session->send(parse_xml("<message to='bob@example.test'><body>hi</body>"
                                                 "</message>")));
        REQUIRE(co_await session->flush(2s));
        CHECK(session->network_reads() == after_login + 1);
        CHECK(co_await session->close());
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        co_await t.peer.expect("<message to='bob@example.test'/>");
        co_await t.peer.expect("<r xmlns='urn:xmpp:sm:3'/>");
        t.peer.send("<a xmlns='urn:xmpp:sm:3' h='1'/>");
        co_await t.peer.expect("<a xmlns='urn:xmpp:sm:3' h='0'/>");
        co_await clean_close(t.peer);
      });
  REQUIRE(names(marks) == std::vector<std::string>{"tls", "stream", "sasl", "bind"});
  for (std::size_t i = 0; i < marks.size(); ++i) {
    CHECK(marks[i].at >= before);
    if (i > 0) CHECK(marks[i].at >= marks[i - 1].at);
    REQUIRE(marks[i].reads);
  }
  // The protocol's own waits, each read carrying one answer of the scripted server:
  // header+features and <proceed/>; the protected stream's features; <success/> and the restarted
  // stream's features (PLAIN: one round trip); the bind result and <enabled/>.
  CHECK(*marks[0].reads == 2);
  CHECK(*marks[1].reads == 3);
  CHECK(*marks[2].reads == 5);
  CHECK(*marks[3].reads == 7);
}

TEST_CASE("session timing: direct TLS reports stream, sasl, bind (the handshake is connect's)") {
  Scenario t;
  std::vector<Mark> marks;
  t.options.timing = [&](Phase phase, std::chrono::steady_clock::time_point at,
                         std::optional<std::uint64_t> reads) {
    marks.push_back({phase, at, reads});
  };
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(true), true, t.options);
        REQUIRE_MESSAGE(s, (s ? "" : s.error().message));
        CHECK(co_await (*s)->close());
      },
      [&]() -> awaitable<void> {
        LoginScript script;
        script.starttls = false;
        script.sm = false;  // the close is then </stream:stream> alone
        co_await t.peer.login(script);
        co_await clean_close(t.peer);
      });
  CHECK(names(marks) == std::vector<std::string>{"stream", "sasl", "bind"});
}

TEST_CASE("session timing: a failed login reports only the phases it finished") {
  Scenario t;
  std::vector<Mark> marks;
  t.options.timing = [&](Phase phase, std::chrono::steady_clock::time_point at,
                         std::optional<std::uint64_t> reads) {
    marks.push_back({phase, at, reads});
  };
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        CHECK_FALSE(s);
      },
      [&]() -> awaitable<void> {
        co_await t.peer.open("<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>"
                             "<required/></starttls></stream:features>");
        co_await t.peer.expect("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        t.peer.send("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        t.peer.restart();
        co_await t.peer.open(
            "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
            "<mechanism>PLAIN</mechanism></mechanisms></stream:features>");
        co_await t.peer.expect("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>*"
                               "</auth>");
        t.peer.send("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/>"
                    "</failure>");
        co_await t.peer.expect_end();
        t.peer.send("</stream:stream>");
        t.peer.close();
        co_await t.peer.expect_shutdown();
      });
  CHECK(names(marks) == std::vector<std::string>{"tls", "stream"});
}

TEST_CASE("timeline: steps in order add up to the total; repeats and early instants") {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start{};
  Timeline timeline(start);
  CHECK(timeline.total() == Clock::duration::zero());
  timeline.mark("start-up", start + 5ms, std::nullopt);
  timeline.mark("resolve", start + 6ms, std::nullopt);
  timeline.mark("tls", start + 10ms, 2);
  timeline.mark("resolve", start + 11ms, std::nullopt);  // a retry: the first one stands
  timeline.mark("stream", start + 9ms, 3);               // before the last mark: taken as it
  timeline.mark("command", start + 20ms, 8);
  timeline.mark("close", start + 21ms, 2);  // a fresh stream's count restarts from zero

  const auto& steps = timeline.steps();
  REQUIRE(steps.size() == 6);
  std::vector<std::string> order;
  Clock::duration sum{};
  for (const auto& s : steps) {
    order.push_back(s.name);
    sum += s.duration;
    CHECK(s.duration >= Clock::duration::zero());
    CHECK(s.at == sum);
  }
  CHECK(order ==
        std::vector<std::string>{"start-up", "resolve", "tls", "stream", "command", "close"});
  CHECK(sum == timeline.total());
  CHECK(timeline.total() == 21ms);
  CHECK(steps[0].duration == 5ms);
  CHECK(steps[2].duration == 4ms);
  CHECK(steps[3].duration == Clock::duration::zero());
  CHECK_FALSE(steps[0].reads);
  CHECK(steps[2].reads == std::optional<std::uint64_t>(2));
  CHECK(steps[3].reads == std::optional<std::uint64_t>(1));
  CHECK(steps[4].reads == std::optional<std::uint64_t>(5));
  CHECK(steps[5].reads == std::optional<std::uint64_t>(2));
  CHECK(timeline.has("tls"));
  CHECK_FALSE(timeline.has("bind"));
}
