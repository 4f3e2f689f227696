// XEP-0359 Unique and Stable Stanza IDs (version 0.7.0): the <origin-id/> a sender sets and the
// <stanza-id by=.../> a server or room assigns (§3). No I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "jid/jid.hpp"
#include "xml/element.hpp"

namespace xmpp::sid {

inline constexpr std::string_view k_ns = "urn:xmpp:sid:0";

/// `<origin-id xmlns='urn:xmpp:sid:0' id=ID/>` (§3.2). `id` should be unpredictable (§4 rule 1):
/// pass random_id() unless the caller reuses the id of a message it is resending.
xml::Element make_origin_id(std::string id);

/// The id of the stanza's direct-child `<origin-id/>`, or nullopt when there is none or its id is
/// missing or empty. Spoofable by the sender (§7): good for deduplicating one sender's
/// retransmissions, never for referencing.
std::optional<std::string> origin_id(const xml::Element& stanza);

/// The id of the direct-child `<stanza-id/>` whose 'by' is `by` (compared as normalised JIDs, §4
/// rule 7), or nullopt. Only the entity named in 'by' can vouch for an id (§7): pass the JID
/// that should have assigned it (own bare JID for one-to-one messages, the room's bare JID in a
/// room), never the 'by' read from the stanza itself. A 'by' that does not parse never matches.
std::optional<std::string> stanza_id(const xml::Element& stanza, const Jid& by);

}  // namespace xmpp::sid
