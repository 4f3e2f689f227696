// XEP-0199 XMPP Ping (version 2.0.1): the ping request and the pong, as iq stanzas. No I/O.
#pragma once

#include <string>
#include <string_view>

#include "jid/jid.hpp"
#include "xml/element.hpp"

namespace xmpp::ping {

inline constexpr std::string_view k_ns = "urn:xmpp:ping";

/// `<iq type='get' to=TO id=ID><ping xmlns='urn:xmpp:ping'/></iq>` (XEP-0199 §4). An empty `id`
/// is left out (Session::request assigns one).
xml::Element make_request(const Jid& to, std::string id = {});

/// True when `iq` is an iq of type get carrying a <ping/> (what a pinged entity answers).
bool is_request(const xml::Element& iq);

/// The pong for `request`: an empty iq result to its sender, with its id (XEP-0199 §4.1).
xml::Element make_result(const xml::Element& request);

}  // namespace xmpp::ping
