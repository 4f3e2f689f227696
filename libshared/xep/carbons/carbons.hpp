// XEP-0280 Message Carbons (version 1.0.1): the enable/disable requests (§4, §5) and unwrapping of
// <received/>/<sent/> copies (§7, §8) with the sender check of §11 (SECURITY.md row 36). No I/O.
#pragma once

#include <string_view>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "xml/element.hpp"

namespace xmpp::carbons {

inline constexpr std::string_view k_ns = "urn:xmpp:carbons:2";
/// XEP-0297 Stanza Forwarding, the wrapper inside <received/> and <sent/>.
inline constexpr std::string_view k_ns_forward = "urn:xmpp:forward:0";

/// `<iq type='set'><enable xmlns='urn:xmpp:carbons:2'/></iq>` to our own server (§4; no 'to'),
/// for Session::request, which assigns the id.
xml::Element make_enable();
/// `<iq type='set'><disable xmlns='urn:xmpp:carbons:2'/></iq>` (§5).
xml::Element make_disable();

enum class Direction {
  received,  ///< §7: a message another resource of ours received
  sent,      ///< §8: a message another resource of ours sent
};

std::string_view to_string(Direction direction);

/// A carbon copy, unwrapped.
struct Carbon {
  Direction direction;
  xml::Element message;  ///< the forwarded jabber:client <message/>, as the other resource saw it
};

/// True when `message` carries a carbons <received/> or <sent/> child: then it is a copy, never
/// an ordinary message, whether or not unwrap() accepts it.
bool is_carbon(const xml::Element& message);

/// Unwraps a carbon copy. §11: a copy is accepted only from the account itself: 'from' equal to
/// `own`'s bare JID, or absent (RFC 6120 §8.1.2.1: the server speaking for the account). Errors,
/// all kind protocol: "forged_carbon" (any other sender, e.g. a contact's full JID: CVE-2017-5589;
/// ignore the whole stanza), "bad_carbon" (not a carbon, or no <forwarded/> with exactly one
/// jabber:client <message/> inside, or both <received/> and <sent/>).
Result<Carbon> unwrap(const xml::Element& message, const Jid& own);

}  // namespace xmpp::carbons
