// RFC 6121 §2 over a session: fetching the roster (with §2.6 versioning), changing one item,
// and accepting roster pushes only from our own account (§2.1.6, SECURITY.md row 35).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "net/asio.hpp"
#include "stream/router.hpp"
#include "stream/session.hpp"
#include "xep/roster/roster.hpp"

namespace xmpp::roster {

/// Registers the jabber:iq:roster iq-set responder on `session`'s router for as long as the
/// returned subscription lives. A push from our own account (push_is_from_own_account) that
/// parses is passed to `on_push` and answered with an empty result (§2.1.6); a push from anyone
/// else is answered <service-unavailable/> and never reaches `on_push` (row 35); a malformed push
/// from our account is answered <bad-request/>.
stream::Subscription accept_pushes(stream::Session& session,
                                   std::function<void(const Push&)> on_push);

/// Fetches the roster. With `cached` (a copy kept from an earlier run, with its version) and a
/// server that offers versioning (SessionInfo::stream_features holds k_ns_rosterver), sends
/// ver=cached->version: an empty result means the copy is current, and the pushes the server sends
/// after it (§2.6.3) are applied to the copy; they are collected until one more iq round trip to
/// our server (a XEP-0199 ping; an error answer counts too) has completed (the server handles our
/// stanzas in order, so pushes it queued before that answer have arrived). Without versioning, or
/// without a cached copy, fetches the whole roster (ver='' when versioning is offered, so the
/// answer carries a version to cache); a full result is returned as it is (a push that came
/// before it is already in it). `timeout` bounds the whole operation.
/// While it runs, its own push responder answers (the router asks the newest one): pushes from
/// anyone but our account are refused as accept_pushes does, and a caller's accept_pushes does
/// not see the pushes that arrive meanwhile.
/// Errors: the server's stanza error (kind remote), "timeout" (kind temporary), "bad_reply"
/// (kind protocol, including an empty result when we sent no version or ver='').
struct Fetched {
  Roster roster;
  bool from_cache = false;  ///< the server said the cached copy was current (plus pushes)
};
awaitable<Result<Fetched>> fetch(stream::Session& session, std::optional<Roster> cached,
                                 std::chrono::milliseconds timeout);

/// Adds or updates `item` (§2.3, §2.4: jid, name, groups; the server answers result or an error
/// such as not-acceptable for a too-long name, §2.3.3). Errors as Session::request.
awaitable<Result<void>> set_item(stream::Session& session, const Item& item,
                                 std::chrono::milliseconds timeout);

/// Removes `jid` (§2.5; the server also cancels subscriptions both ways). The server's
/// item-not-found (not in the roster, §2.5.3) is kind remote with that condition.
awaitable<Result<void>> remove_item(stream::Session& session, const Jid& jid,
                                    std::chrono::milliseconds timeout);

}  // namespace xmpp::roster
