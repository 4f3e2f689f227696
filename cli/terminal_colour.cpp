#include "terminal_colour.hpp"

#include <unistd.h>

#include <cstdlib>

namespace xmpp::cli {

namespace {

bool g_stderr_colour = false;

std::optional<std::string> variable(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

// SGR sequences (ECMA-48): bold red, bold yellow, reset.
constexpr std::string_view k_red = "\x1b[1;31m";
constexpr std::string_view k_yellow = "\x1b[1;33m";
constexpr std::string_view k_reset = "\x1b[0m";

}  // namespace

bool colour_allowed(bool is_terminal, const std::optional<std::string>& no_color,
                    const std::optional<std::string>& term) {
  // no-color.org: NO_COLOR set to a non-empty value turns colour off; an empty one does not.
  if (no_color && !no_color->empty()) return false;
  if (!term || term->empty() || *term == "dumb") return false;
  return is_terminal;
}

void decide_stderr_colour() {
  g_stderr_colour =
      colour_allowed(::isatty(STDERR_FILENO) == 1, variable("NO_COLOR"), variable("TERM"));
}

void set_stderr_colour(bool on) {
  g_stderr_colour = on;
}

bool stderr_colour() {
  return g_stderr_colour;
}

std::string diagnostic_prefix(Diagnostic kind) {
  const bool warning = kind == Diagnostic::warning;
  if (!g_stderr_colour || kind == Diagnostic::info) return warning ? "xmpp: warning: " : "xmpp: ";
  std::string out(warning ? k_yellow : k_red);
  out += warning ? "xmpp: warning:" : "xmpp:";
  out += k_reset;
  out += ' ';
  return out;
}

}  // namespace xmpp::cli
