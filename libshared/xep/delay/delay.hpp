// XEP-0203 Delayed Delivery (version 2.0): the <delay xmlns='urn:xmpp:delay'/> a server or room
// adds to a stored message or presence (§3), with its XEP-0082 stamp. No I/O, no clock.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "xep/time/time.hpp"
#include "xml/element.hpp"

namespace xmpp::delay {

inline constexpr std::string_view k_ns = "urn:xmpp:delay";

/// One <delay/> (§3): when the stanza was originally sent and who delayed it.
struct Delay {
  time::Timestamp stamp;  ///< REQUIRED, UTC
  std::optional<std::string>
      from;  ///< RECOMMENDED: the entity that delayed it (server, room), as written
  std::optional<std::string> reason;  ///< the optional natural-language character data
  bool operator==(const Delay&) const = default;
};

/// `<delay xmlns='urn:xmpp:delay' [from=FROM] stamp=STAMP>[REASON]</delay>` (§3).
xml::Element make_delay(const Delay& delay);

/// The stanza's direct-child <delay/>, or nullopt when there is none. A stanza carries one
/// (§3), but one that passed through several stores may carry more: the first whose stamp
/// parses is taken. A <delay/> without a valid XEP-0082 stamp is ignored (nullopt when no other
/// one is valid): a stamp we cannot read tells nothing.
std::optional<Delay> parse_delay(const xml::Element& stanza);

}  // namespace xmpp::delay
