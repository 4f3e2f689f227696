// XEP-0066 Out of Band Data (version 1.5), §4 jabber:x:oob: a URL (and an optional description)
// carried in a message or presence. No I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "xml/element.hpp"

namespace xmpp::oob {

inline constexpr std::string_view k_ns = "jabber:x:oob";

/// `<x xmlns='jabber:x:oob'><url>URL</url>[<desc>DESC</desc>]</x>` (§4). Callers validate the
/// texts with xml::is_xml_text first (the writer throws on invalid text).
xml::Element make_oob(std::string url, std::optional<std::string> desc = std::nullopt);

/// The <url/> of the stanza's first jabber:x:oob <x/> child (§4 MUST), or nullopt when there is
/// no such child or its <url/> is missing or empty. The URL is the sender's text: never fetched
/// or opened here, and shown escaped like any other remote text.
std::optional<std::string> oob_url(const xml::Element& stanza);

/// The optional <desc/> of the same <x/>, or nullopt.
std::optional<std::string> oob_desc(const xml::Element& stanza);

}  // namespace xmpp::oob
