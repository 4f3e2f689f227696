// Namespaces of stream negotiation (RFC 6120 §5 TLS, §6 SASL, §7 bind; RFC 3921 §3 session;
// XEP-0198 v1.6 stream management; XEP-0440 v0.4 SASL channel-binding type capability; XEP-0388
// SASL2; XEP-0386 Bind 2).
#pragma once

#include <string_view>

namespace xmpp::stream {

inline constexpr std::string_view k_ns_tls = "urn:ietf:params:xml:ns:xmpp-tls";
inline constexpr std::string_view k_ns_sasl = "urn:ietf:params:xml:ns:xmpp-sasl";
inline constexpr std::string_view k_ns_sasl2 = "urn:xmpp:sasl:2";
inline constexpr std::string_view k_ns_bind = "urn:ietf:params:xml:ns:xmpp-bind";
inline constexpr std::string_view k_ns_bind2 = "urn:xmpp:bind:0";  // XEP-0386
inline constexpr std::string_view k_ns_session = "urn:ietf:params:xml:ns:xmpp-session";
inline constexpr std::string_view k_ns_sm = "urn:xmpp:sm:3";
inline constexpr std::string_view k_ns_sasl_cb = "urn:xmpp:sasl-cb:0";

}  // namespace xmpp::stream
