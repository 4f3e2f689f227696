// XEP-0013 Flexible Offline Message Retrieval (version 1.2), the one part a one-shot client needs:
// asking about the offline node before initial presence, after which the server must not flush
// the account's offline messages into this session (§2.2, §3). That lets a short snapshot use a
// non-negative priority, which some servers require to deliver stored subscription requests
// (ejabberd 23.01 does, RFC 6121 §3.1.3 leaves it open), without taking the user's messages.
#pragma once

#include <chrono>
#include <string_view>

#include "core/result.hpp"
#include "net/asio.hpp"
#include "stream/session.hpp"

namespace xmpp::roster {

/// The XEP-0013 namespace: a server feature, and the disco node of the account's offline store.
inline constexpr std::string_view k_ns_flexible_offline = "http://jabber.org/protocol/offline";

/// Asks our server's disco#info whether it supports XEP-0013; if it does, sends disco#info to our
/// own bare JID's node `http://jabber.org/protocol/offline` and waits for the answer. Returns true
/// only when both answered (the server now holds offline messages back from this session); false
/// when the server does not list the feature or refuses either query (a stanza error, a malformed
/// answer). Call before the initial presence. Errors: the session's failure, or kind temporary
/// "timeout" when `timeout` (the whole operation) runs out.
awaitable<Result<bool>> hold_offline_messages(stream::Session& session,
                                              std::chrono::milliseconds timeout);

}  // namespace xmpp::roster
