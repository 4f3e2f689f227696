// XEP-0199 XMPP Ping (version 2.0.1) over a session: one ping, its round-trip time.
#pragma once

#include <chrono>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "net/asio.hpp"
#include "stream/session.hpp"

namespace xmpp::ping {

/// Sends one ping to `to` and waits up to `timeout` for the pong; returns the round-trip time
/// (steady clock, from just before the send to the reply's arrival). An error reply is kind
/// remote: the entity does not support ping (XEP-0199 §4: <service-unavailable/>) or refused it.
awaitable<Result<std::chrono::nanoseconds>> ping(stream::Session& session, Jid to,
                                                 std::chrono::milliseconds timeout);

}  // namespace xmpp::ping
