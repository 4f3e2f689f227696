// choose(): preference order, policy filtering, PLAIN/ANONYMOUS rules, channel-binding choice and
// the XEP-0440 downgrade rule (SECURITY.md rows 24 and 30).
#include <doctest/doctest.h>

#include <algorithm>

#include "sasl/mechanism.hpp"

using namespace xmpp;
using namespace xmpp::sasl;

namespace {

const Credentials k_choose_user{"user", "pencil", ""};
const TlsState k_no_tls{};
const TlsState k_tls12{true, true, false, "", "sep-data", "unique-data"};
const TlsState k_tls13{true, true, true, "exporter-data", "sep-data", ""};
const TlsState k_unverified{true, false, true, "exporter-data", "sep-data", ""};

const std::vector<std::string> k_all{"PLAIN",
                                     "SCRAM-SHA-1",
                                     "SCRAM-SHA-1-PLUS",
                                     "SCRAM-SHA-256",
                                     "SCRAM-SHA-256-PLUS",
                                     "SCRAM-SHA-512",
                                     "SCRAM-SHA-512-PLUS",
                                     "ANONYMOUS"};

NonceSource fixed() {
  return [] { return std::string("clientnonce"); };
}

Result<std::unique_ptr<Mechanism>> run(const Offer& offer, const Policy& policy,
                                       const TlsState& tls) {
  return choose(offer, policy, k_choose_user, tls, fixed());
}

std::string chosen(const Offer& offer, const Policy& policy, const TlsState& tls) {
  auto m = run(offer, policy, tls);
  REQUIRE(m);
  return (*m)->name();
}

std::string gs2(const Offer& offer, const TlsState& tls, const Policy& policy = {}) {
  auto m = run(offer, policy, tls);
  REQUIRE(m);
  auto first = (*m)->initial_response();
  REQUIRE(first);
  REQUIRE(first->has_value());
  return (*first)->substr(0, (*first)->find(",n=") + 1);  // the gs2 header, RFC 5802 §7
}

}  // namespace

TEST_CASE("preference order: PLUS > plain SCRAM, SHA-512 > SHA-256 > SHA-1 > PLAIN (TLS 1.2)") {
  std::vector<std::string> offered = k_all;
  const char* expected[] = {"SCRAM-SHA-512-PLUS",
                            "SCRAM-SHA-256-PLUS",
                            "SCRAM-SHA-1-PLUS",
                            "SCRAM-SHA-512",
                            "SCRAM-SHA-256",
                            "SCRAM-SHA-1",
                            "PLAIN"};
  for (const char* name : expected) {
    CAPTURE(name);
    CHECK(chosen(Offer{offered, {}, false}, Policy{}, k_tls12) == name);
    offered.erase(std::find(offered.begin(), offered.end(), name));
  }
  // Only ANONYMOUS is left: never picked without policy.anonymous.
  auto r = run(Offer{offered, {}, false}, Policy{}, k_tls12);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::no_perm);
  CHECK(r.error().code == "no_mechanism");
  CHECK(r.error().message.find("ANONYMOUS") != std::string::npos);
}

TEST_CASE("TLS 1.3 without XEP-0440 types: plain SCRAM > PLUS > PLAIN") {
  std::vector<std::string> offered = k_all;
  const char* expected[] = {
      "SCRAM-SHA-512",      "SCRAM-SHA-256",    "SCRAM-SHA-1", "SCRAM-SHA-512-PLUS",
      "SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS", "PLAIN"};
  for (const char* name : expected) {
    CAPTURE(name);
    CHECK(chosen(Offer{offered, {}, false}, Policy{}, k_tls13) == name);
    offered.erase(std::find(offered.begin(), offered.end(), name));
  }
  // With a list, -PLUS comes first again.
  CHECK(chosen(Offer{k_all, {"tls-exporter"}, true}, Policy{}, k_tls13) == "SCRAM-SHA-512-PLUS");
}

TEST_CASE("ejabberd 23.01's offer on TLS 1.3 (-PLUS, no XEP-0440 list, binds only tls-unique)") {
  const Offer offer{{"PLAIN", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-1"}, {}, false};
  // The server advertised -PLUS: "y" would rightly fail (RFC 5802 §6), "n" says we chose not to.
  CHECK(chosen(offer, Policy{}, k_tls13) == "SCRAM-SHA-1");
  CHECK(gs2(offer, k_tls13) == "n,,");
  // TLS 1.2: tls-unique, RFC 5929's default, which that server binds.
  CHECK(gs2(offer, k_tls12) == "p=tls-unique,,");
  // Listed types: unchanged.
  CHECK(gs2(Offer{offer.mechanisms, {"tls-exporter"}, true}, k_tls13) == "p=tls-exporter,,");
  // --sasl naming a -PLUS mechanism: bind as RFC 9266 says; the server's answer decides.
  CHECK(gs2(offer, k_tls13, Policy{{"SCRAM-SHA-1-PLUS"}, false, true}) == "p=tls-exporter,,");
  CHECK(gs2(offer, k_tls13, Policy{{"scram-sha-1", "scram-sha-1-plus"}, false, true}) ==
        "p=tls-exporter,,");
  // Only -PLUS and PLAIN: binding with tls-exporter is still better than sending the password.
  CHECK(gs2(Offer{{"PLAIN", "SCRAM-SHA-256-PLUS"}, {}, false}, k_tls13) == "p=tls-exporter,,");
}

TEST_CASE("the server's order does not matter") {
  CHECK(chosen(Offer{{"SCRAM-SHA-1", "PLAIN", "SCRAM-SHA-256"}, {}, false}, Policy{}, k_tls13) ==
        "SCRAM-SHA-256");
}

TEST_CASE("supported_mechanisms lists what choose() knows, strongest first") {
  const auto& names = supported_mechanisms();
  REQUIRE(names.size() == 8);
  CHECK(names.front() == "SCRAM-SHA-512-PLUS");
  CHECK(names[6] == "PLAIN");
  CHECK(names.back() == "ANONYMOUS");
}

TEST_CASE("policy.allowed restricts, case-insensitively, and keeps our order") {
  const Offer offer{k_all, {}, false};
  CHECK(chosen(offer, Policy{{"scram-sha-1"}, false, true}, k_tls13) == "SCRAM-SHA-1");
  CHECK(chosen(offer, Policy{{"SCRAM-SHA-1", "scram-sha-256"}, false, true}, k_tls13) ==
        "SCRAM-SHA-256");
  CHECK(chosen(offer, Policy{{"PLAIN"}, false, true}, k_tls13) == "PLAIN");
  CHECK(chosen(offer, Policy{{"DIGEST-MD5", "SCRAM-SHA-512"}, false, true}, k_tls13) ==
        "SCRAM-SHA-512");

  auto none = run(Offer{{"SCRAM-SHA-1", "PLAIN"}, {}, false},
                  Policy{{"SCRAM-SHA-256"}, false, true}, k_tls13);
  REQUIRE_FALSE(none);
  CHECK(none.error().code == "no_mechanism");
  CHECK(none.error().message.find("SCRAM-SHA-1, PLAIN") != std::string::npos);
  CHECK(none.error().message.find("SCRAM-SHA-256") != std::string::npos);
}

TEST_CASE("offered mechanism names are matched case-insensitively") {
  CHECK(chosen(Offer{{"scram-sha-256"}, {}, false}, Policy{}, k_no_tls) == "SCRAM-SHA-256");
}

TEST_CASE("nothing offered") {
  auto r = run(Offer{}, Policy{}, k_tls13);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "no_mechanism");
  CHECK(r.error().message.find("no SASL mechanisms") != std::string::npos);
}

TEST_CASE("PLAIN only over verified TLS and only when the policy allows it") {
  const Offer plain_only{{"PLAIN"}, {}, false};
  CHECK(chosen(plain_only, Policy{}, k_tls13) == "PLAIN");

  SUBCASE("row 24: no TLS (stripped STARTTLS)") {
    auto r = run(plain_only, Policy{}, k_no_tls);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ErrorKind::no_perm);
    CHECK(r.error().code == "no_mechanism");
    CHECK(r.error().message.find("without TLS") != std::string::npos);
  }
  SUBCASE("TLS not verified") {
    auto r = run(plain_only, Policy{}, k_unverified);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ErrorKind::no_perm);
    CHECK(r.error().message.find("not verified") != std::string::npos);
  }
  SUBCASE("disabled by policy") {
    auto r = run(plain_only, Policy{{}, false, false}, k_tls13);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("disabled") != std::string::npos);
  }
  SUBCASE("SCRAM still works where PLAIN is refused") {
    CHECK(chosen(Offer{{"PLAIN", "SCRAM-SHA-1"}, {}, false}, Policy{}, k_unverified) ==
          "SCRAM-SHA-1");
  }
}

TEST_CASE("ANONYMOUS only with policy.anonymous") {
  const Offer offer{k_all, {}, false};
  CHECK(chosen(offer, Policy{{}, true, true}, k_tls13) == "ANONYMOUS");
  CHECK(chosen(Offer{{"anonymous"}, {}, false}, Policy{{}, true, true}, k_unverified) ==
        "ANONYMOUS");
  auto missing = run(Offer{{"SCRAM-SHA-256"}, {}, false}, Policy{{}, true, true}, k_tls13);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == "no_mechanism");
  CHECK(missing.error().message.find("ANONYMOUS") != std::string::npos);
  auto filtered = run(offer, Policy{{"SCRAM-SHA-256"}, true, true}, k_tls13);
  CHECK_FALSE(filtered);
}

TEST_CASE("channel-binding type without XEP-0440: tls-exporter on 1.3, tls-unique on 1.2") {
  const Offer offer{{"SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"}, {}, false};
  const Policy plus_only{{"SCRAM-SHA-256-PLUS"}, false, true};
  CHECK(gs2(offer, k_tls13, plus_only) == "p=tls-exporter,,");
  CHECK(gs2(offer, k_tls13) == "n,,");  // by default plain SCRAM first (see the ejabberd case)
  CHECK(gs2(offer, k_tls12) == "p=tls-unique,,");
  // tls-unique data on TLS 1.3 is meaningless (RFC 9266 §3) and tls-exporter needs 1.3.
  CHECK(gs2(offer, TlsState{true, true, true, "", "sep", "unique"},
            Policy{{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"}, false, true}) == "n,,");
  CHECK(gs2(offer, TlsState{true, true, false, "exporter", "sep", ""}) == "n,,");
  CHECK(chosen(offer, Policy{}, TlsState{true, true, false, "exporter", "sep", ""}) ==
        "SCRAM-SHA-256");
}

TEST_CASE("channel-binding type with XEP-0440: the best of ours that the server lists") {
  const std::vector<std::string> mechs{"SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"};
  const TlsState all13{true, true, true, "exp", "sep", "uniq"};
  const TlsState all12{true, true, false, "exp", "sep", "uniq"};
  CHECK(gs2(Offer{mechs, {"tls-unique", "tls-server-end-point", "tls-exporter"}, true}, all13) ==
        "p=tls-exporter,,");
  CHECK(gs2(Offer{mechs, {"tls-unique", "tls-server-end-point"}, true}, all13) ==
        "p=tls-server-end-point,,");
  CHECK(gs2(Offer{mechs, {"tls-unique", "tls-server-end-point", "tls-exporter"}, true}, all12) ==
        "p=tls-server-end-point,,");
  CHECK(gs2(Offer{mechs, {"tls-unique"}, true}, all12) == "p=tls-unique,,");
  // Listed type without data on our side: the next one.
  CHECK(gs2(Offer{mechs, {"tls-exporter", "tls-server-end-point"}, true},
            TlsState{true, true, true, "", "sep", ""}) == "p=tls-server-end-point,,");
}

TEST_CASE("XEP-0440: -PLUS offered with an empty type list behaves as if no list was sent") {
  const Offer offer{{"SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"}, {}, true};
  CHECK(gs2(offer, k_tls12) == "p=tls-unique,,");
  CHECK(gs2(offer, k_tls13) == "n,,");
  CHECK(gs2(offer, k_tls13, Policy{{"SCRAM-SHA-256-PLUS"}, false, true}) == "p=tls-exporter,,");
}

TEST_CASE("row 30: channel-binding types listed but every -PLUS stripped") {
  const Offer stripped{{"SCRAM-SHA-256", "SCRAM-SHA-1"}, {"tls-server-end-point"}, true};
  auto r = run(stripped, Policy{}, k_tls13);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::no_perm);
  CHECK(r.error().code == "downgrade");

  // Without binding data of our own there is nothing to downgrade from ("n").
  CHECK(gs2(stripped, TlsState{true, true, true, "", "", ""}) == "n,,");
  // A policy that excludes every -PLUS mechanism opted out of binding.
  CHECK(gs2(stripped, k_tls13, Policy{{"SCRAM-SHA-256"}, false, true}) == "n,,");
}

TEST_CASE("y only when we can bind and the server shows no sign of binding") {
  const Offer no_plus{{"SCRAM-SHA-256"}, {}, false};
  CHECK(gs2(no_plus, k_tls13) == "y,,");
  CHECK(gs2(no_plus, k_tls12) == "y,,");
  CHECK(gs2(no_plus, TlsState{true, true, true, "", "sep", ""}) == "y,,");
  CHECK(gs2(no_plus, TlsState{true, true, true, "", "", ""}) == "n,,");
  CHECK(gs2(no_plus, k_no_tls) == "n,,");
  CHECK(gs2(no_plus, k_tls13, Policy{{"SCRAM-SHA-256"}, false, true}) == "n,,");
  // -PLUS offered but excluded by policy: the server expects binding-capable clients to use it, so
  // "y" would fail; "n" says we chose not to bind.
  CHECK(gs2(Offer{{"SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"}, {}, false}, k_tls13,
            Policy{{"SCRAM-SHA-256"}, false, true}) == "n,,");
}

TEST_CASE("-PLUS only: without usable binding data nothing is acceptable") {
  auto r = run(Offer{{"SCRAM-SHA-256-PLUS"}, {}, false}, Policy{}, k_no_tls);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "no_mechanism");
  CHECK(r.error().message.find("channel-binding") != std::string::npos);
}

TEST_CASE("the default nonce source gives distinct printable nonces") {
  auto a = choose(Offer{{"SCRAM-SHA-256"}, {}, false}, Policy{}, k_choose_user, k_no_tls);
  auto b = choose(Offer{{"SCRAM-SHA-256"}, {}, false}, Policy{}, k_choose_user, k_no_tls);
  REQUIRE(a);
  REQUIRE(b);
  auto fa = (*a)->initial_response();
  auto fb = (*b)->initial_response();
  REQUIRE(fa);
  REQUIRE(fb);
  CHECK(**fa != **fb);
  CHECK((*fa)->size() >= std::string("n,,n=user,r=").size() + 16);
}
