// Channel-binding data for SCRAM -PLUS: RFC 5929 tls-server-end-point and tls-unique, RFC 9266
// tls-exporter. The transport fills net::TlsInfo with these after each handshake.
#pragma once

#include <string>
#include <string_view>

namespace xmpp::tls {

/// RFC 5929 §4.1 tls-server-end-point: the hash of the DER certificate with the hash function of
/// its signature algorithm, SHA-256 when that is MD5 or SHA-1. Empty when the signature algorithm
/// uses no single hash function (Ed25519, Ed448): §4.1 leaves the binding undefined then.
std::string server_end_point(std::string_view certificate_der);

/// RFC 9266 §2: the label for SSL_export_keying_material (no context, 32 bytes).
inline constexpr std::string_view k_exporter_label = "EXPORTER-Channel-Binding";
inline constexpr std::size_t k_exporter_length = 32;

}  // namespace xmpp::tls
