// Namespaces of the XMPP core stanza layer (RFC 6120 §4.9.3 stream errors, §8.3 stanza errors)
// and the small extensions the session itself answers (XEP-0199 ping).
#pragma once

#include <string_view>

namespace xmpp::stanza {

inline constexpr std::string_view k_ns_client = "jabber:client";
/// Stanza error conditions and <text/> (RFC 6120 §8.3).
inline constexpr std::string_view k_ns_stanzas = "urn:ietf:params:xml:ns:xmpp-stanzas";
/// Stream error conditions and <text/> (RFC 6120 §4.9.3).
inline constexpr std::string_view k_ns_stream_errors = "urn:ietf:params:xml:ns:xmpp-streams";
/// The stream namespace: <stream:stream>, <stream:features>, <stream:error> (RFC 6120 §4.8.5).
inline constexpr std::string_view k_ns_streams = "http://etherx.jabber.org/streams";
/// XEP-0199 XMPP Ping.
inline constexpr std::string_view k_ns_ping = "urn:xmpp:ping";

}  // namespace xmpp::stanza
