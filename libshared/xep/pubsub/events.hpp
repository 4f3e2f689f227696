// XEP-0060 Publish-Subscribe (version 1.30.0) event notifications: the <event/> of a message
// (§7.1.2.1 items published, §7.2.2.1 retracted, §8.2.5.4 configuration, §8.4.2 deletion, §8.5.2
// purge), and the check that an event comes from the service we subscribed to (SECURITY.md row 38,
// CVE-2023-28686: a PEP event for our own nodes from anyone but our bare JID, or any event from
// anyone but the service, is ignored). No I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "xep/forms/form.hpp"
#include "xep/pubsub/pubsub.hpp"
#include "xep/time/time.hpp"
#include "xml/element.hpp"

namespace xmpp::pubsub {

inline constexpr std::string_view k_ns_event = "http://jabber.org/protocol/pubsub#event";

enum class EventKind {
  published,   ///< <items><item/></items>: a new or updated item (with its payload or not)
  retracted,   ///< <items><retract id/></items> (§7.2.2.1)
  purged,      ///< <purge/> (§8.5.2)
  deleted,     ///< <delete/> (§8.4.2), with its <redirect uri/> when the owner gave one
  configured,  ///< <configuration/> (§8.2.5.4), with the new configuration when sent
};
/// "published", "retracted", "purged", "deleted", "configured" (NDJSON "event" values).
std::string_view to_string(EventKind kind);

/// One thing that happened at a node. A message may carry several (several items, or items and
/// retractions), each its own Event, in document order.
struct Event {
  EventKind kind = EventKind::published;
  std::string node;
  /// published: the item (id, payload when the node delivers payloads, publisher when the node
  /// says); retracted: only the id.
  Item item;
  std::optional<std::string> redirect;  ///< deleted: the <redirect uri/> (§8.4.2)
  std::optional<forms::Form> config;    ///< configured: the new configuration (example 151)
  /// XEP-0203 <delay/> of the message: the service sent it later (e.g. the last published item on
  /// subscription, §6.1.7). nullopt for live events.
  std::optional<time::Timestamp> delayed;
  std::vector<std::string> subids;  ///< the SubID headers (§12.3, example 118)
  bool operator==(const Event&) const = default;
};

/// True when `message` carries a pubsub#event <event/>.
bool is_event(const xml::Element& message);

/// True when `message` comes from `service` (SECURITY.md row 38): its 'from' is exactly the
/// service's JID. For our own PEP service (`service` nullopt, or our bare JID) the 'from' must be
/// our bare JID, or absent (RFC 6120 §8.1.2.1: a stanza without 'from' comes from our account);
/// a full JID, another account, a room occupant or our server's domain is not the service.
bool is_from_service(const xml::Element& message, const Service& service, const Jid& own);

/// The events of `message` (in document order), from an <event/>'s <items/> (each <item/> and each
/// <retract/>), <purge/>, <delete/> or <configuration/>. Does NOT check the sender
/// (is_from_service does). Unknown children of <event/> (collection, subscription notices) give no
/// event. Errors, kind protocol, code "bad_event": no <event/>, an <items/>, <purge/>, <delete/>
/// or <configuration/> without 'node', a <retract/> without 'id', a configuration form that is no
/// data form.
Result<std::vector<Event>> parse_event(const xml::Element& message);

/// The notification message of one event, as a service sends it (examples 100, 101, 117, 150,
/// 151, 160, 165), without 'to', 'from' or 'id' (the caller addresses it): for fakes in tests and
/// a future responder.
xml::Element make_event_message(const Event& event);

}  // namespace xmpp::pubsub
