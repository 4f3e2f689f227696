// One X.509 certificate as `xmpp probe` reports it (RFC 5280 §4.1: names, validity, key and
// signature algorithm; subjectAltName identities as RFC 6120 §13.7.1.4 and RFC 4985 use them; the
// SPKI SHA-256 pin of tls/identity.hpp). The transport fills net::TlsInfo::chain with these.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "net/transport.hpp"

// OpenSSL's X509 (typedef struct x509_st X509), declared so that this header needs no OpenSSL
// include.
struct x509_st;

namespace xmpp::tls {

/// The DER encoding of `cert`; nullopt when it is null or cannot be encoded.
std::optional<std::string> der_of(x509_st* cert);

/// Summarises `cert` (not null): subject and issuer in RFC 2253 form (non-ASCII kept as UTF-8),
/// notBefore/notAfter as Unix seconds (0 if unreadable), the DNS-IDs, SRV-IDs and XmppAddrs of
/// tls::presented_identities, the --pin form of the key, "EC P-256" / "RSA 2048" / "ED25519",
/// and the signature algorithm's long name ("ecdsa-with-SHA256", "sha256WithRSAEncryption").
/// Fields OpenSSL cannot produce stay empty.
net::CertificateSummary summarize(x509_st* cert);

/// The same for a DER certificate. Error kind no_perm, code "tls_failed" if it does not parse.
Result<net::CertificateSummary> summarize_der(std::string_view certificate_der);

}  // namespace xmpp::tls
