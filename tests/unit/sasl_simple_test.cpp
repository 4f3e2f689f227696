// PLAIN (RFC 4616) and ANONYMOUS (RFC 4505).
#include <doctest/doctest.h>

#include "sasl/mechanism.hpp"
#include "sasl/simple.hpp"

using namespace xmpp;
using namespace xmpp::sasl;

namespace {
const TlsState k_verified{true, true, true, "", "", ""};
}

TEST_CASE("PLAIN message is authzid NUL authcid NUL password (RFC 4616 §2)") {
  auto m = make_plain(Credentials{"tim", "tanstaaftanstaaf", ""}, k_verified);
  REQUIRE(m);
  CHECK((*m)->name() == "PLAIN");
  auto first = (*m)->initial_response();
  REQUIRE(first);
  CHECK(**first == std::string("\0tim\0tanstaaftanstaaf", 21));
  CHECK((*m)->verify_success(std::nullopt));

  auto with_authzid = make_plain(Credentials{"Kurt", "xipj3plmq", "Ursel"}, k_verified);
  REQUIRE(with_authzid);
  CHECK(**(*with_authzid)->initial_response() == std::string("Ursel\0Kurt\0xipj3plmq", 20));
}

TEST_CASE("PLAIN SASLprep's user name and password") {
  auto m = make_plain(Credentials{"user", "I\xC2\xADX", ""}, k_verified);  // RFC 4013 §3 ex. 1
  REQUIRE(m);
  CHECK(**(*m)->initial_response() == std::string("\0user\0IX", 8));
  auto bad = make_plain(Credentials{"user",
                                    "a\x07"
                                    "b",
                                    ""},
                        k_verified);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == "bad_credentials");
}

TEST_CASE("PLAIN is refused without verified TLS") {
  auto none = make_plain(Credentials{"tim", "secret", ""}, TlsState{});
  REQUIRE_FALSE(none);
  CHECK(none.error().kind == ErrorKind::no_perm);
  CHECK(none.error().code == "no_mechanism");
  auto unverified =
      make_plain(Credentials{"tim", "secret", ""}, TlsState{true, false, true, "", "", ""});
  REQUIRE_FALSE(unverified);
  CHECK(unverified.error().kind == ErrorKind::no_perm);
  CHECK(unverified.error().message.find("secret") == std::string::npos);
}

TEST_CASE("PLAIN rejects challenges, early success and success data") {
  auto m = make_plain(Credentials{"tim", "secret", ""}, k_verified);
  REQUIRE(m);
  CHECK_FALSE((*m)->verify_success(std::nullopt));  // success before <auth/>
  REQUIRE((*m)->initial_response());
  CHECK_FALSE((*m)->initial_response());  // asked twice: a bug, and the password is gone
  auto challenge = (*m)->respond("x");
  REQUIRE_FALSE(challenge);
  CHECK(challenge.error().kind == ErrorKind::protocol);
  CHECK_FALSE((*m)->verify_success(std::string("v=abc")));
  CHECK((*m)->verify_success(std::string()));
}

TEST_CASE("ANONYMOUS sends an empty trace (RFC 4505 §2)") {
  auto m = make_anonymous();
  CHECK(m->name() == "ANONYMOUS");
  CHECK_FALSE(m->verify_success(std::nullopt));  // success before <auth/>
  auto first = m->initial_response();
  REQUIRE(first);
  REQUIRE(first->has_value());
  CHECK((*first)->empty());
  auto empty = m->respond("");
  REQUIRE(empty);
  CHECK(empty->empty());
  CHECK_FALSE(m->respond("challenge"));
  CHECK(m->verify_success(std::nullopt));
  CHECK_FALSE(m->verify_success(std::string("data")));
}
