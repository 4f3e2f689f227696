// Deadlines of operations that make several requests in a row: what is left of one for the next.
#pragma once

#include <chrono>

namespace xmpp {

/// The time left until `deadline`, rounded up to whole milliseconds and at least 1 ms: passed as a
/// request timeout, a deadline already past then fails as a timeout of that request instead of
/// never being waited on (a zero timeout would fail before any answer could arrive).
inline std::chrono::milliseconds time_left(std::chrono::steady_clock::time_point deadline) {
  const auto left =
      std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return left < std::chrono::milliseconds(1) ? std::chrono::milliseconds(1) : left;
}

}  // namespace xmpp
