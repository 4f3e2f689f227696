// `--help` fits an 80-column terminal (issue 13): the word wrap, and every help page of the
// command tree measured.
#include <doctest/doctest.h>

#include <sstream>

#include "app.hpp"
#include "exit_codes.hpp"
#include "help_formatter.hpp"

using namespace xmpp::cli;

namespace {

std::size_t longest_line(const std::string& text) {
  std::size_t longest = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    longest = std::max(longest, line.size());
  return longest;
}

void check_tree(const CLI::App& app, const std::string& path, int& pages) {
  const auto text = app.help(path);
  CAPTURE(path);
  CHECK(longest_line(text) <= k_help_width);
  ++pages;
  for (const auto* sub : app.get_subcommands({}))
    check_tree(*sub, path + " " + sub->get_name(), pages);
}

}  // namespace

TEST_CASE("wrap_words breaks at spaces, keeps line breaks, indents and over-long words") {
  CHECK(wrap_words("one two three", 7) == "one two\nthree");
  CHECK(wrap_words("one two three", 13) == "one two three");
  CHECK(wrap_words("a\nb c", 1) == "a\nb\nc");
  CHECK(wrap_words("  x y z", 5) == "  x y\n  z");
  CHECK(wrap_words("https://example.org/a/very/long/url end", 10) ==
        "https://example.org/a/very/long/url\nend");
  CHECK(wrap_words("", 10).empty());
}

TEST_CASE("every help page of the command tree fits 80 columns") {
  GlobalOptions options;
  std::vector<Runner> runners;
  const auto app = build_app(options, runners);
  int pages = 0;
  check_tree(*app, "xmpp", pages);
  CHECK(pages > 40);  // the whole tree was walked, not just the top
  CHECK(longest_line(exit_codes_help()) <= k_help_width);
}
