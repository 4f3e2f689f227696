// XEP-0012 Last Activity (version 2.0) over a session: a server's or component's uptime (§5), an
// account's time since it was last connected (§3), a resource's idle time (§4).
#pragma once

#include <chrono>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "net/asio.hpp"
#include "stream/session.hpp"
#include "xep/last/last.hpp"

namespace xmpp::last {

/// Queries `to` and waits up to `timeout`. Errors carry the context "last activity of TO": a
/// stanza error keeps its condition (kind remote; servers without mod_uptime answer
/// service-unavailable), no answer is kind temporary "timeout", a malformed result kind protocol.
awaitable<Result<LastActivity>> query(stream::Session& session, Jid to,
                                      std::chrono::milliseconds timeout);

/// The uptime of the server or component `service` (a domain JID, §5): query() read as a
/// duration. A JID with a localpart is a bug in the caller (the answer would mean something
/// else, §6) and throws std::invalid_argument.
awaitable<Result<std::chrono::seconds>> uptime(stream::Session& session, Jid service,
                                               std::chrono::milliseconds timeout);

}  // namespace xmpp::last
