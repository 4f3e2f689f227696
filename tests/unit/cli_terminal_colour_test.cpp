// Colour on stderr (issue 13: colours only on a terminal, never with NO_COLOR).
#include <doctest/doctest.h>

#include <sstream>

#include "core/error.hpp"
#include "output.hpp"
#include "terminal_colour.hpp"

using namespace xmpp;
using namespace xmpp::cli;

TEST_CASE("colour only on a terminal, never with NO_COLOR, never on a dumb terminal") {
  const std::optional<std::string> none;
  CHECK(colour_allowed(true, none, std::string("xterm-256color")));
  CHECK_FALSE(colour_allowed(false, none, std::string("xterm-256color")));
  CHECK_FALSE(colour_allowed(true, std::string("1"), std::string("xterm")));
  // no-color.org: set to anything non-empty; an empty NO_COLOR does not count.
  CHECK_FALSE(colour_allowed(true, std::string("0"), std::string("xterm")));
  CHECK(colour_allowed(true, std::string(""), std::string("xterm")));
  CHECK_FALSE(colour_allowed(true, none, std::string("dumb")));
  CHECK_FALSE(colour_allowed(true, none, none));
  CHECK_FALSE(colour_allowed(true, none, std::string("")));
}

TEST_CASE("an error's prefix is red, a warning's yellow, and only when stderr may have colour") {
  const auto error = make_error(ErrorKind::unavailable, "connect", "", "cannot connect");
  std::ostringstream plain;
  set_stderr_colour(false);
  print_error(error, false, plain);
  CHECK(plain.str() == "xmpp: cannot connect\n");
  CHECK(diagnostic_prefix(Diagnostic::warning) == "xmpp: warning: ");

  std::ostringstream coloured;
  set_stderr_colour(true);
  print_error(error, true, coloured);
  const auto text = coloured.str();
  CHECK(text.starts_with("\x1b[1;31mxmpp:\x1b[0m cannot connect\n"));
  // The JSON line for scripts never carries escapes.
  CHECK(text.substr(text.find('\n') + 1).find('\x1b') == std::string::npos);
  CHECK(diagnostic_prefix(Diagnostic::warning) == "\x1b[1;33mxmpp: warning:\x1b[0m ");
  CHECK(diagnostic_prefix(Diagnostic::info) == "xmpp: ");
  set_stderr_colour(false);
}
