// Colour on the terminal, the way git and ls do it: only when the stream is a terminal, never
// when NO_COLOR is set to anything (https://no-color.org) or TERM is unset or "dumb". Only the
// "xmpp:" prefix of diagnostics on stderr is coloured (red for errors, yellow for warnings), so
// a person sees at a glance what went wrong; results on stdout stay plain for scripts.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace xmpp::cli {

/// The decision for one stream: `is_terminal` (isatty), the NO_COLOR and TERM variables.
bool colour_allowed(bool is_terminal, const std::optional<std::string>& no_color,
                    const std::optional<std::string>& term);

/// Decides once for the process's stderr (main calls it); until then, and in tests, no colour.
void decide_stderr_colour();
/// Sets the decision directly (tests).
void set_stderr_colour(bool on);
bool stderr_colour();

enum class Diagnostic { error, warning, info };

/// "xmpp: " (info and error) or "xmpp: warning: ", coloured when stderr_colour().
std::string diagnostic_prefix(Diagnostic kind);

}  // namespace xmpp::cli
