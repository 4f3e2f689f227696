// Namespaces of the XMPP core stanza layer (RFC 6120 §4.9.3 stream errors, §8.3 stanza errors)
// and the small extensions the session itself answers (XEP-0199 ping).
#pragma once

#include <string_view>

#include "xml/stream_parser.hpp"

namespace xmpp::stanza {

using xml::k_ns_client;
using xml::k_ns_streams;
/// Stanza error conditions and <text/> (RFC 6120 §8.3).
inline constexpr std::string_view k_ns_stanzas = "urn:ietf:params:xml:ns:xmpp-stanzas";
/// Stream error conditions and <text/> (RFC 6120 §4.9.3).
inline constexpr std::string_view k_ns_stream_errors = "urn:ietf:params:xml:ns:xmpp-streams";
/// XEP-0199 XMPP Ping.
inline constexpr std::string_view k_ns_ping = "urn:xmpp:ping";

}  // namespace xmpp::stanza
