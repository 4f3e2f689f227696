// XEP-0202 Entity Time (version 2.0) over a session: an entity's clock and its offset from ours.
#pragma once

#include <chrono>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "net/asio.hpp"
#include "stream/session.hpp"
#include "xep/time/time.hpp"

namespace xmpp::time {

/// An answer and when it was asked, by our clock.
struct TimeQuery {
  EntityTime time;
  Timestamp sent;      ///< our system clock just before the request was sent
  Timestamp received;  ///< our system clock when the result arrived
  /// Their clock minus ours, taking the reply as stamped halfway through the round trip (the
  /// NTP assumption of a symmetric path).
  std::chrono::microseconds offset() const { return time.utc - (sent + (received - sent) / 2); }
};

/// Queries `to` and waits up to `timeout`. Errors carry the context "entity time of TO".
awaitable<Result<TimeQuery>> query(stream::Session& session, Jid to,
                                   std::chrono::milliseconds timeout);

}  // namespace xmpp::time
