// `xmpp --version` (issue 13): the first line names the project version and, when built from a
// git checkout, the git description; then one line per library with a version.
#include <doctest/doctest.h>

#include <regex>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "app.hpp"
#include "version_info.hpp"

using namespace xmpp::cli;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("version text: first line with and without a git description") {
  const std::vector<LibraryVersion> libs{{"OpenSSL", "3.0.11", true}, {"fmt", "9.1.0", false}};
  CHECK(format_version("0.1.0", "v0.1.0-3-gabc1234-dirty", libs) ==
        "xmpp 0.1.0 (git: v0.1.0-3-gabc1234-dirty)\n"
        "OpenSSL 3.0.11\n"
        "fmt 9.1.0 (compiled against)");
  CHECK(format_version("0.1.0", "", {}) == "xmpp 0.1.0");
}

TEST_CASE("version text of this build: shape, and every library named with a version") {
  const auto lines = lines_of(version_text());
  REQUIRE(!lines.empty());
  // The git part is absent in a build without git (CI may build a tarball-like checkout).
  CHECK_MESSAGE(std::regex_match(lines[0], std::regex(R"(xmpp \d+\.\d+\.\d+( \(git: \S+\))?)")),
                lines[0]);
  const std::vector<std::string> names{"OpenSSL",      "c-ares",        "libidn2",    "libidn",
                                       "libunistring", "Xerces-C",      "Boost",      "fmt",
                                       "CLI11",        "nlohmann_json", "tl-expected"};
  REQUIRE(lines.size() == names.size() + 1);
  for (std::size_t i = 0; i < names.size(); ++i) {
    CAPTURE(lines[i + 1]);
    // "NAME 1.2[.3...]" and, for the versions the headers gave, " (compiled against)".
    const std::regex shape(names[i] + R"( \d+\.\d+[0-9A-Za-z.+~-]*( \(compiled against\))?)");
    CHECK(std::regex_match(lines[i + 1], shape));
  }
}

TEST_CASE("--version prints the version text and exits 0") {
  const auto parsed = parse_command_line({"--version"}, Environment{});
  REQUIRE(std::holds_alternative<EarlyExit>(parsed));
  const auto& early = std::get<EarlyExit>(parsed);
  CHECK(early.code == 0);
  CHECK(early.out == version_text() + "\n");
  CHECK(early.err.empty());
}
