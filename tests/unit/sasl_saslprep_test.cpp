// SASLprep (RFC 4013) through libidn: the RFC's §3 examples and the modes of RFC 3454 §7.
#include <doctest/doctest.h>

#include "sasl/saslprep.hpp"

using namespace xmpp;
using namespace xmpp::sasl;

namespace {
std::string prep(const std::string& s, SaslprepMode mode = SaslprepMode::stored) {
  auto r = saslprep(s, mode);
  REQUIRE(r);
  return *r;
}
void refused(const std::string& s, SaslprepMode mode = SaslprepMode::query) {
  auto r = saslprep(s, mode);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::usage);
  CHECK(r.error().code == "saslprep");
}
}  // namespace

TEST_CASE("RFC 4013 §3 examples") {
  CHECK(prep("I\xC2\xADX") == "IX");    // 1: SOFT HYPHEN mapped to nothing
  CHECK(prep("user") == "user");        // 2: no transformation
  CHECK(prep("USER") == "USER");        // 3: case preserved
  CHECK(prep("\xC2\xAA") == "a");       // 4: U+00AA output as U+0061 (NFKC)
  CHECK(prep("\xE2\x85\xA8") == "IX");  // 5: U+2168 output as "IX" (NFKC)
  refused("\x07");                      // 6: prohibited character
  refused("\xD8\xA7"
          "1");  // 7: bidi check (RandALCat then a number)
}

TEST_CASE("RFC 4013 §2.1: non-ASCII spaces become SPACE, zero-width characters vanish") {
  CHECK(prep("a\xC2\xA0"
             "b") == "a b");  // U+00A0 NO-BREAK SPACE
  CHECK(prep("a\xE2\x80\x8D"
             "b") == "ab");  // U+200D ZERO WIDTH JOINER (B.1)
}

TEST_CASE("stored strings refuse unassigned code points, query strings keep them") {
  const std::string unassigned = "\xC8\xB7";  // U+0237, unassigned in Unicode 3.2
  refused(unassigned, SaslprepMode::stored);
  CHECK(prep(unassigned, SaslprepMode::query) == unassigned);
}

TEST_CASE("invalid input is refused without echoing it") {
  refused(std::string("pass\0word", 9));
  refused("\xFF\xFE");      // not UTF-8
  refused("\xEF\xBF\xBD");  // U+FFFD, prohibited (RFC 3454 C.6)
  auto r = saslprep("secret\x01", SaslprepMode::query);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("secret") == std::string::npos);
  CHECK(prep("") == "");
}
