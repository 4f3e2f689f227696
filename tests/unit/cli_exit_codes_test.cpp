// cli/exit_codes.hpp against the table of CLI.md "Exit codes" (transcribed here: that table is
// the contract, this test is its guard).
#include <doctest/doctest.h>

#include <set>

#include "exit_codes.hpp"

using namespace xmpp;
using namespace xmpp::cli;

TEST_CASE("every ErrorKind exits with the code CLI.md gives it") {
  CHECK(exit_code(ErrorKind::remote) == 1);
  CHECK(exit_code(ErrorKind::usage) == 64);
  CHECK(exit_code(ErrorKind::data) == 65);
  CHECK(exit_code(ErrorKind::no_input) == 66);
  CHECK(exit_code(ErrorKind::no_host) == 68);
  CHECK(exit_code(ErrorKind::unavailable) == 69);
  CHECK(exit_code(ErrorKind::software) == 70);
  CHECK(exit_code(ErrorKind::cant_create) == 73);
  CHECK(exit_code(ErrorKind::temporary) == 75);
  CHECK(exit_code(ErrorKind::protocol) == 76);
  CHECK(exit_code(ErrorKind::no_perm) == 77);
  CHECK(exit_code(ErrorKind::config) == 78);
  CHECK(exit_code(ErrorKind::interrupted) == 130);
}

TEST_CASE("the table lists CLI.md's codes with their sysexits names, each once") {
  const std::pair<int, std::string_view> expected[] = {
      {0, ""},
      {1, ""},
      {64, "EX_USAGE"},
      {65, "EX_DATAERR"},
      {66, "EX_NOINPUT"},
      {68, "EX_NOHOST"},
      {69, "EX_UNAVAILABLE"},
      {70, "EX_SOFTWARE"},
      {73, "EX_CANTCREAT"},
      {75, "EX_TEMPFAIL"},
      {76, "EX_PROTOCOL"},
      {77, "EX_NOPERM"},
      {78, "EX_CONFIG"},
      {130, ""},
      {143, ""},
  };
  REQUIRE(std::size(k_exit_codes) == std::size(expected));
  std::set<int> codes;
  std::set<ErrorKind> kinds;
  for (std::size_t i = 0; i < std::size(expected); ++i) {
    CAPTURE(i);
    CHECK(k_exit_codes[i].code == expected[i].first);
    CHECK(k_exit_codes[i].name == expected[i].second);
    CHECK_FALSE(k_exit_codes[i].meaning.empty());
    CHECK(codes.insert(k_exit_codes[i].code).second);
    if (k_exit_codes[i].kind) CHECK(kinds.insert(*k_exit_codes[i].kind).second);
  }
  CHECK(kinds.size() == 13);  // every ErrorKind has exactly one row
  CHECK(k_exit_terminated == 143);
}

TEST_CASE("exit_codes_help prints every code and name") {
  const auto text = exit_codes_help();
  for (const auto& row : k_exit_codes) {
    CHECK(text.find(" " + std::to_string(row.code) + " ") != std::string::npos);
    if (!row.name.empty()) CHECK(text.find(row.name) != std::string::npos);
  }
}
