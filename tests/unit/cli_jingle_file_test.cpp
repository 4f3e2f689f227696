// `xmpp jingle-file`: the --max-size values (the transfers themselves run against Prosody in
// tests/integration/test_jingle_file.py).
#include <doctest/doctest.h>

#include "cmd_jingle_file.hpp"

using namespace xmpp;
using namespace xmpp::cli;

TEST_CASE("jingle-file --max-size: bytes, or k/M/G as powers of 1024") {
  CHECK(parse_byte_size("0") == 0u);
  CHECK(parse_byte_size("1048576") == 1048576u);
  CHECK(parse_byte_size("512k") == 512u * 1024);
  CHECK(parse_byte_size("512K") == 512u * 1024);
  CHECK(parse_byte_size("10M") == 10u * 1024 * 1024);
  CHECK(parse_byte_size("2g") == 2ULL * 1024 * 1024 * 1024);
  // the largest a size may be (an off_t), and one past it
  CHECK(parse_byte_size("9223372036854775807") == 0x7fffffffffffffffULL);
  CHECK_FALSE(parse_byte_size("9223372036854775808"));
  CHECK_FALSE(parse_byte_size("8589934592G"));
  for (const char* bad :
       {"", "k", "-1", "+1", "1.5M", "1 M", "1MB", "0x10", "99999999999999999999"}) {
    CAPTURE(bad);
    const auto parsed = parse_byte_size(bad);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().kind == ErrorKind::usage);
    CHECK(parsed.error().code == "bad_size");
  }
}
