// --retries (CLI.md global options, SECURITY.md (b)): which failures are worth another connection
// attempt, and the jittered exponential back-off between attempts.
#pragma once

#include <chrono>

#include "core/error.hpp"
#include "net/srv.hpp"

namespace xmpp::net {

/// True for connection failures (unavailable, temporary). Never for authentication or certificate
/// failures (no_perm: retrying cannot fix them and may lock the account; nor temporary-auth-failure,
/// code "auth_failed"), nor for no_host, usage, config or protocol errors.
bool retryable(const Error& error);

/// The pause before retry `attempt` (1 for the first retry): 1 s doubled per attempt, capped at
/// 60 s, then jittered uniformly into [half, full] so that many clients do not retry in step.
std::chrono::milliseconds retry_delay(unsigned attempt, const RandomSource& random);

}  // namespace xmpp::net
