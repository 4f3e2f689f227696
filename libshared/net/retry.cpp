#include "net/retry.hpp"

#include <algorithm>

namespace xmpp::net {

bool retryable(const Error& error) {
  if (error.code == "auth_failed") return false;  // even temporary-auth-failure: lockout risk
  return error.kind == ErrorKind::unavailable || error.kind == ErrorKind::temporary;
}

std::chrono::milliseconds retry_delay(unsigned attempt, const RandomSource& random) {
  constexpr std::uint32_t k_base_ms = 1000;
  constexpr std::uint32_t k_cap_ms = 60000;
  const unsigned shift = std::min(attempt == 0 ? 0u : attempt - 1, 6u);  // 2^6 s > the cap
  const std::uint32_t full = std::min(k_base_ms << shift, k_cap_ms);
  const std::uint32_t half = full / 2;
  const std::uint32_t jitter = random ? std::min(random(full - half), full - half) : full - half;
  return std::chrono::milliseconds(half + jitter);
}

}  // namespace xmpp::net
