// The one-message SASL mechanisms: PLAIN (RFC 4616) and ANONYMOUS (RFC 4505). Sans-I/O.
#pragma once

#include <memory>

#include "sasl/mechanism.hpp"

namespace xmpp::sasl {

/// PLAIN: "[authzid] NUL authcid NUL password" as the initial response (RFC 4616 §2), user name
/// and password SASLprep'd (query strings). Refused (kind no_perm, code "no_mechanism") unless
/// `tls.active && tls.verified`: PLAIN hands the password to whoever holds the TLS key
/// (SECURITY.md (c) "SASL"). Bad credentials: kind usage, code "bad_credentials".
Result<std::unique_ptr<Mechanism>> make_plain(const Credentials& credentials, const TlsState& tls);

/// ANONYMOUS: an empty trace token as the initial response (RFC 4505 §2; RFC 6120 §6.4.2 sends a
/// zero-length response as "=").
std::unique_ptr<Mechanism> make_anonymous();

}  // namespace xmpp::sasl
