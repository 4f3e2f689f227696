// XEP-0092 Software Version (version 1.1) over a session: ask an entity what software it runs.
#pragma once

#include <chrono>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "net/asio.hpp"
#include "stream/session.hpp"
#include "xep/version/version.hpp"

namespace xmpp::version {

/// Queries `to` and waits up to `timeout`. Errors carry the context "software version of TO".
awaitable<Result<SoftwareVersion>> query(stream::Session& session, Jid to,
                                         std::chrono::milliseconds timeout);

}  // namespace xmpp::version
