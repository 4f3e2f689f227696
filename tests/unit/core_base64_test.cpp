#include <doctest/doctest.h>

#include "core/base64.hpp"
#include "core/random.hpp"

using namespace xmpp;

TEST_CASE("base64 RFC 4648 §10 vectors round-trip") {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},          {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (auto [plain, encoded] : vectors) {
    CHECK(base64_encode(plain) == encoded);
    CHECK(base64_decode(encoded) == std::string(plain));
  }
}

TEST_CASE("base64 decode is strict") {
  CHECK_FALSE(base64_decode("Zg="));        // bad length
  CHECK_FALSE(base64_decode("Z g=="));      // whitespace
  CHECK_FALSE(base64_decode("Zh=="));       // non-canonical low bits
  CHECK_FALSE(base64_decode("=AAA"));       // padding first
  CHECK_FALSE(base64_decode("Zm9v*A=="));   // bad character
  CHECK_FALSE(base64_decode("Zg==Zg=="));   // padding in the middle
}

TEST_CASE("random ids are long and distinct") {
  const auto a = random_id(), b = random_id();
  CHECK(a.size() == 22);
  CHECK(a != b);
}
