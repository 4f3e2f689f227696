// Small text helpers that several protocol modules need in the same form: ASCII case-insensitive
// comparison (protocol tokens such as hash names and HTTP header names are ASCII, RFC 9110 §5.1),
// durations in messages, and errno in messages.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace xmpp {

/// Whether `a` and `b` are equal ignoring the case of ASCII letters (other bytes must match).
bool ascii_iequals(std::string_view a, std::string_view b);

/// "5 s" for whole seconds, else "250 ms": how a timeout is named in an error message.
std::string duration_text(std::chrono::milliseconds d);

/// strerror's text for `err`, thread-safe.
std::string errno_text(int err);

}  // namespace xmpp
