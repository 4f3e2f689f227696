// RFC 6121 §3 presence subscriptions: the four requests a user sends (subscribe, subscribed,
// unsubscribe, unsubscribed; §3.1-§3.4) and the inbound requests a contact sends (§3.1.3), with
// the XEP-0172 nickname a requester may attach. No I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "stanza/presence.hpp"
#include "xml/element.hpp"

namespace xmpp::roster {

/// XEP-0172 User Nickname, carried in subscription requests (§4.1 of that XEP).
inline constexpr std::string_view k_ns_nick = "http://jabber.org/protocol/nick";

/// What the user asks for, and the presence type that says it.
enum class SubscriptionAction {
  subscribe,    ///< §3.1: ask to see the contact's presence (type subscribe)
  unsubscribe,  ///< §3.3: stop seeing it (type unsubscribe)
  approve,      ///< §3.1.4/§3.4: let the contact see ours, or pre-approve (type subscribed)
  deny,         ///< §3.2/§3.3: refuse a request or cancel theirs (type unsubscribed)
};

std::string_view to_string(SubscriptionAction action);
stanza::PresenceType presence_type_of(SubscriptionAction action);

/// `<presence to=BARE type=T/>`; RFC 6121 §3.1.1 says the 'to' of a subscription request MUST
/// be a bare JID, so a full `contact` is sent as its bare form (so are the other three, §3.1.4,
/// §3.2.1, §3.3.1). `status` (optional, left out when empty) is a <status/> child, as a request
/// may carry a message to the contact. `id` empty: a random one, as §3.1.1 says a client SHOULD
/// include an 'id' "for tracking purposes" (Session::send assigns none).
xml::Element make_request(const Jid& contact, SubscriptionAction action,
                          std::optional<std::string> status = {}, std::string id = {});

/// An inbound subscription request waiting for our answer (§3.1.3).
struct InboundRequest {
  Jid from;  ///< the requester's bare JID
  std::optional<std::string> status;
  std::optional<std::string> nick;  ///< XEP-0172 <nick/>, when present
  bool operator==(const InboundRequest&) const = default;
};

/// Reads a presence of type 'subscribe' (the server stamps 'from'; a full JID is reduced to its
/// bare form, §3.1.3). An empty <status/> or <nick/> reads as none.
/// Errors (kind protocol, code "bad_request"): another type, no or bad 'from'.
Result<InboundRequest> parse_inbound_request(const xml::Element& presence);

}  // namespace xmpp::roster
