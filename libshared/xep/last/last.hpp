// XEP-0012 Last Activity (version 2.0): the jabber:iq:last query and its result. Sent to a server
// or component (§5) the answer is its uptime; to a bare JID, the time since the account was last
// connected (§3); to a full JID, the resource's idle time (§4). No I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "xml/element.hpp"

namespace xmpp::last {

inline constexpr std::string_view k_ns = "jabber:iq:last";

/// A Last Activity result (§2): `seconds` is REQUIRED; the character data (the status of the
/// last unavailable presence, §3) is OPTIONAL and SHOULD NOT be sent by servers (§5).
struct LastActivity {
  std::uint64_t seconds = 0;
  std::optional<std::string> status;  ///< nullopt when the <query/> has no character data
  bool operator==(const LastActivity&) const = default;
};

/// `<iq type='get' to=TO id=ID><query xmlns='jabber:iq:last'/></iq>` (examples 1, 6 and 10).
/// An empty `id` is left out (Session::request assigns one).
xml::Element make_request(const Jid& to, std::string id = {});

/// True when `iq` is a get carrying exactly one jabber:iq:last <query/> (for responders).
bool is_request(const xml::Element& iq);

/// Reads an iq result (examples 2, 5, 8 and 11). Errors: kind protocol, code "bad_reply", when the
/// result has no <query xmlns='jabber:iq:last'/>, or its 'seconds' is missing or not an
/// xs:unsignedLong (decimal digits only, at most 2^64-1).
Result<LastActivity> parse_result(const xml::Element& iq);

/// The result answering `request` (to its sender, with its id), carrying `activity`.
xml::Element make_result(const xml::Element& request, const LastActivity& activity);

}  // namespace xmpp::last
