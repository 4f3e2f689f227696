// SRV ordering (RFC 2782), the XEP-0368 merge and "." targets, and --retries back-off: pure
// functions.
#include <doctest/doctest.h>

#include <deque>
#include <map>

#include "net/retry.hpp"
#include "net/srv.hpp"

using namespace xmpp;
using namespace xmpp::net;

namespace {

// A RandomSource that returns scripted values (clamped to max) and records the max asked for.
struct Scripted {
  std::deque<std::uint32_t> values;
  std::vector<std::uint32_t> asked;
  RandomSource source() {
    return [this](std::uint32_t max) {
      asked.push_back(max);
      std::uint32_t v = values.empty() ? 0 : values.front();
      if (!values.empty()) values.pop_front();
      return std::min(v, max);
    };
  }
};

SrvRecord rec(std::uint16_t priority, std::uint16_t weight, std::string target, bool direct = false,
              std::uint16_t port = 5222) {
  return SrvRecord{priority, weight, port, std::move(target), direct};
}

std::vector<std::string> targets(const std::vector<SrvRecord>& records) {
  std::vector<std::string> out;
  for (const auto& r : records)
    out.push_back(r.target + (r.direct_tls ? "/tls" : ""));
  return out;
}

SrvAnswer answer(std::vector<SrvRecord> records) {
  return SrvAnswer{DnsStatus::ok, std::move(records), ""};
}
SrvAnswer status(DnsStatus s) {
  return SrvAnswer{s, {}, "x"};
}

}  // namespace

TEST_CASE("order_srv sorts by priority, lowest first") {
  Scripted random;
  auto ordered = order_srv({rec(20, 0, "c"), rec(10, 0, "b"), rec(0, 0, "a")}, random.source());
  CHECK(targets(ordered) == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("order_srv picks by running weight sums (RFC 2782)") {
  // Arrangement: weight-0 first, so [z(0), a(10), b(30)]; running sums 0, 10, 40.
  SUBCASE("random 0 picks the weight-0 record") {
    Scripted random{{0, 0}, {}};
    auto ordered = order_srv({rec(1, 10, "a"), rec(1, 30, "b"), rec(1, 0, "z")}, random.source());
    CHECK(targets(ordered) == std::vector<std::string>{"z", "a", "b"});
    CHECK(random.asked == std::vector<std::uint32_t>{40, 40, 30});
  }
  SUBCASE("random 11 lands in b's range") {
    Scripted random{{11, 0, 0}, {}};
    auto ordered = order_srv({rec(1, 10, "a"), rec(1, 30, "b"), rec(1, 0, "z")}, random.source());
    CHECK(targets(ordered) == std::vector<std::string>{"b", "z", "a"});
  }
  SUBCASE("random 10 is still a's (first running sum >= the number)") {
    Scripted random{{10, 0}, {}};
    auto ordered = order_srv({rec(1, 10, "a"), rec(1, 30, "b"), rec(1, 0, "z")}, random.source());
    CHECK(targets(ordered).front() == "a");
  }
}

TEST_CASE("order_srv weights spread choices in proportion") {
  // Weights 1 and 3, sums 1 and 4, a number drawn from [0, 4] inclusive as RFC 2782 says: "heavy"
  // comes first for 2, 3 and 4, i.e. 3/5 of the time.
  auto random = default_random();
  int heavy_first = 0;
  const int runs = 4000;
  for (int i = 0; i < runs; ++i) {
    auto ordered = order_srv({rec(0, 1, "light"), rec(0, 3, "heavy")}, random);
    REQUIRE(ordered.size() == 2);
    if (ordered.front().target == "heavy") ++heavy_first;
  }
  CHECK(heavy_first > runs * 55 / 100);
  CHECK(heavy_first < runs * 65 / 100);
}

TEST_CASE("order_srv: XEP-0368 merge mixes both services by priority; direct TLS first on a tie") {
  Scripted random;
  auto ordered = order_srv({rec(5, 0, "starttls-a"), rec(0, 0, "starttls-b"),
                            rec(5, 0, "direct-a", true), rec(10, 0, "direct-b", true)},
                           random.source());
  CHECK(targets(ordered) ==
        std::vector<std::string>{"starttls-b", "direct-a/tls", "starttls-a", "direct-b/tls"});
}

TEST_CASE("order_srv: weights still beat the direct-TLS preference") {
  // Equal priority: starttls weight 10, direct weight 0 -> direct arranged first (weight 0),
  // running sums 0, 10; random 5 picks starttls.
  Scripted random{{5, 0}, {}};
  auto ordered = order_srv({rec(0, 10, "plain"), rec(0, 0, "tls", true)}, random.source());
  CHECK(targets(ordered) == std::vector<std::string>{"plain", "tls/tls"});
}

TEST_CASE("plan_srv merges _xmpps-client and _xmpp-client in automatic mode") {
  auto plan =
      plan_srv(answer({rec(0, 0, "a", false, 5223)}), answer({rec(0, 0, "b")}), TlsMode::automatic);
  REQUIRE(plan.outcome == SrvPlan::Outcome::records);
  REQUIRE(plan.records.size() == 2);
  CHECK(plan.records[0].direct_tls);
  CHECK_FALSE(plan.records[1].direct_tls);
}

TEST_CASE("plan_srv filters by TlsMode") {
  const auto xmpps = answer({rec(0, 0, "tls-host", false, 5223)});
  const auto xmpp = answer({rec(0, 0, "plain-host")});
  auto starttls = plan_srv(xmpps, xmpp, TlsMode::starttls);
  REQUIRE(starttls.records.size() == 1);
  CHECK(starttls.records[0].target == "plain-host");
  auto direct = plan_srv(xmpps, xmpp, TlsMode::direct);
  REQUIRE(direct.records.size() == 1);
  CHECK(direct.records[0].target == "tls-host");
  CHECK(direct.records[0].direct_tls);
  // Only the excluded kind exists: fall back to the domain (RFC 6120 §3.2.2).
  CHECK(plan_srv(xmpps, status(DnsStatus::nxdomain), TlsMode::starttls).outcome ==
        SrvPlan::Outcome::fallback);
  CHECK(plan_srv(status(DnsStatus::nxdomain), xmpp, TlsMode::direct).outcome ==
        SrvPlan::Outcome::fallback);
}

TEST_CASE("plan_srv: '.' targets") {
  const auto dot = answer({rec(0, 0, ".")});
  const auto empty_root = answer({rec(0, 0, "")});  // c-ares hands the root back as ""
  const auto nx = status(DnsStatus::nxdomain);
  const auto xmpp = answer({rec(0, 0, "b")});

  // RFC 2782: _xmpp-client "." and nothing else -> no service, no address fallback.
  CHECK(plan_srv(nx, dot, TlsMode::automatic).outcome == SrvPlan::Outcome::no_service);
  CHECK(plan_srv(nx, empty_root, TlsMode::automatic).outcome == SrvPlan::Outcome::no_service);
  // XEP-0368 §4: _xmpps-client "." -> use _xmpp-client records ...
  auto plan = plan_srv(dot, xmpp, TlsMode::automatic);
  REQUIRE(plan.outcome == SrvPlan::Outcome::records);
  CHECK(plan.records.size() == 1);
  // ... but no A/AAAA fallback when there are none.
  CHECK(plan_srv(dot, nx, TlsMode::automatic).outcome == SrvPlan::Outcome::no_service);
  // Direct TLS only, and the operator says direct TLS is not offered.
  auto direct = plan_srv(dot, xmpp, TlsMode::direct);
  CHECK(direct.outcome == SrvPlan::Outcome::no_service);
  CHECK(direct.detail.find("direct TLS not offered") != std::string::npos);
  // Direct TLS records still work when _xmpp-client says ".".
  CHECK(plan_srv(answer({rec(0, 0, "t", false, 5223)}), dot, TlsMode::automatic).outcome ==
        SrvPlan::Outcome::records);
  // A "." among real records is skipped, the rest used.
  auto mixed = plan_srv(nx, answer({rec(0, 0, "."), rec(1, 0, "real")}), TlsMode::automatic);
  REQUIRE(mixed.outcome == SrvPlan::Outcome::records);
  CHECK(mixed.records.size() == 1);
  CHECK(mixed.records[0].target == "real");
}

TEST_CASE("plan_srv: no records or failures fall back, remembering a failure") {
  auto none = plan_srv(status(DnsStatus::nxdomain), status(DnsStatus::no_data), TlsMode::automatic);
  CHECK(none.outcome == SrvPlan::Outcome::fallback);
  CHECK_FALSE(none.dns_failed);
  auto failed =
      plan_srv(status(DnsStatus::failed), status(DnsStatus::nxdomain), TlsMode::automatic);
  CHECK(failed.outcome == SrvPlan::Outcome::fallback);
  CHECK(failed.dns_failed);
}

TEST_CASE("retry: only connection failures are retryable; back-off doubles, caps and jitters") {
  CHECK(retryable(make_error(ErrorKind::unavailable, "connect_failed", "", "")));
  CHECK(retryable(make_error(ErrorKind::temporary, "dns_timeout", "", "")));
  CHECK_FALSE(retryable(make_error(ErrorKind::no_perm, "cert_untrusted", "", "")));
  CHECK_FALSE(retryable(make_error(ErrorKind::no_perm, "auth_failed", "", "")));
  CHECK_FALSE(retryable(make_error(ErrorKind::no_host, "no_host", "", "")));
  CHECK(retryable(make_error(ErrorKind::temporary, "timeout", "", "")));
  CHECK(retryable(make_error(ErrorKind::temporary, "stream_error", "system-shutdown", "")));
  CHECK_FALSE(retryable(make_error(ErrorKind::temporary, "auth_failed", "temporary-auth-failure", "")));
  CHECK_FALSE(retryable(make_error(ErrorKind::no_perm, "auth_failed", "not-authorized", "")));
  CHECK_FALSE(retryable(make_error(ErrorKind::config, "config", "", "")));
  CHECK_FALSE(retryable(make_error(ErrorKind::protocol, "stream_error", "not-well-formed", "")));

  const RandomSource top = [](std::uint32_t max) { return max; };
  const RandomSource bottom = [](std::uint32_t) { return 0u; };
  CHECK(retry_delay(1, top) == std::chrono::milliseconds(1000));
  CHECK(retry_delay(1, bottom) == std::chrono::milliseconds(500));
  CHECK(retry_delay(2, top) == std::chrono::milliseconds(2000));
  CHECK(retry_delay(3, top) == std::chrono::milliseconds(4000));
  CHECK(retry_delay(30, top) == std::chrono::milliseconds(60000));
  CHECK(retry_delay(30, bottom) == std::chrono::milliseconds(30000));
  const auto d = retry_delay(3, default_random());  // jitter stays inside [half, full]
  CHECK(d >= std::chrono::milliseconds(2000));
  CHECK(d <= std::chrono::milliseconds(4000));
}
