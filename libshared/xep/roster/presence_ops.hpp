// RFC 6121 §4.2 initial presence as a one-shot client uses it: announce ourselves briefly (with
// negative priority, so no message for our bare JID is routed to us, §8.5.2.1.1; priority 0 on a
// server that holds offline messages back, XEP-0013), collect what the server delivers in answer
// — our contacts' current presence (§4.2.2, §4.3) and the inbound subscription requests it kept
// for us (§3.1.3) — then go unavailable again.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "net/asio.hpp"
#include "stream/session.hpp"
#include "xep/roster/subscription.hpp"
#include "xml/element.hpp"

namespace xmpp::roster {

/// One available resource of a contact (RFC 6121 §4.7).
struct ResourcePresence {
  std::string resource;            ///< empty for presence from a bare JID
  std::string show = "available";  ///< available, away, chat, dnd or xa (§4.7.2.1)
  std::optional<std::string> status;
  int priority = 0;  ///< §4.7.2.3; an out-of-range or malformed value reads as 0
  bool operator==(const ResourcePresence&) const = default;
};

/// The <priority/> of a presence (RFC 6121 §4.7.2.3): an xs:byte; absent, malformed or out of
/// range reads as 0.
int presence_priority(const xml::Element& presence);

/// What the server delivered after our initial presence.
struct PresenceSnapshot {
  /// Available resources per contact bare JID, sorted by priority (highest first), then resource.
  /// A contact that sent only unavailable presence, or nothing, has no entry.
  std::map<std::string, std::vector<ResourcePresence>> available;
  /// Inbound subscription requests, in arrival order, one per requester.
  std::vector<InboundRequest> pending;
  /// The priority of our presence: 0 when the server holds offline messages back (XEP-0013),
  /// else -1.
  int priority = -1;
};

struct SnapshotOptions {
  /// After the round trip that follows our presence, wait up to this much longer for presence
  /// from contacts on other domains (their servers answer the probes, §4.3, asynchronously).
  /// Unused when `remote_domains` is false.
  std::chrono::milliseconds remote_grace{1000};
  bool remote_domains = false;  ///< the caller knows some contact is on another domain
  /// The contacts whose presence our server probes (subscription to or both, §4.3): after the
  /// round trip we wait, up to the grace, until each has sent some presence. Our server need not
  /// have sent local contacts' presence before its answer (ejabberd's contacts answer from their
  /// own sessions), and a contact that is offline may send nothing at all.
  std::vector<Jid> expected;
  /// The wait for `expected` when no contact is on another domain.
  std::chrono::milliseconds local_grace{1000};
  std::chrono::milliseconds timeout{15000};
};

/// First asks whether the server holds offline messages back (XEP-0013, hold_offline_messages in
/// flexible_offline.hpp): if it does, our presence has priority 0, so that a server that delivers
/// stored subscription requests only to non-negative priorities (ejabberd 23.01) delivers them;
/// otherwise -1 (nothing for our bare JID comes to this short-lived session, RFC 6121 §8.5.2.1.1).
/// Sends <presence><priority>P</priority></presence>, then an iq round trip to our server (a
/// XEP-0199 ping; an error answer counts too); every presence that arrives until that answer is
/// collected, and after it, until every `expected` contact has sent presence or the grace
/// (`remote_grace` with `remote_domains`, else `local_grace`; with `remote_domains` and no
/// `expected`, the whole `remote_grace`) is over: available and unavailable presence from others'
/// JIDs (our own account's resources, and presence without 'from', are left out; unavailable from a
/// bare JID removes all of that contact's resources), and type 'subscribe' requests (an
/// 'unsubscribe' from the same JID later withdraws one). Presence errors, probes and the other
/// subscription types are ignored. Finally sends unavailable presence (unless the session failed).
/// Nothing here answers a subscription request. `options.timeout` bounds the whole operation.
/// PresenceSnapshot::priority says which priority was used.
/// Errors: as Session::send / request (timeout kind temporary, a failed session its error).
awaitable<Result<PresenceSnapshot>> announce_and_collect(stream::Session& session,
                                                         SnapshotOptions options);

}  // namespace xmpp::roster
