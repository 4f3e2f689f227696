// The TLS client configuration of SECURITY.md (c): TLS >= 1.2, BCP 195 (RFC 9325) ciphers, no
// compression, no renegotiation, system trust store or --ca-file. Opaque so that callers need no
// OpenSSL headers.
#pragma once

#include <memory>

#include "core/result.hpp"
#include "net/connect.hpp"

namespace xmpp::tls {

/// An OpenSSL client context (defined in tls/ssl.hpp); one per connect(), shared by its attempts.
struct ClientContext;

/// Builds the client context for `policy`. Trust: `policy.ca_file` only when given, else the system
/// store. Errors: no_input ("ca_file_unreadable") when the CA file cannot be read or holds no
/// certificate; software ("tls_init_failed") when OpenSSL refuses the settings.
Result<std::shared_ptr<ClientContext>> make_client_context(const net::TlsPolicy& policy);

}  // namespace xmpp::tls
