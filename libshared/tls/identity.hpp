// Server identity checks, RFC 6120 §13.7.2 with RFC 9525 (which obsoletes RFC 6125) and RFC 7673
// for SRV-IDs; SPKI pins. The reference identity is the JID's domain only, never an SRV target.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace xmpp::tls {

/// OIDs of the subjectAltName otherName forms that XMPP uses.
inline constexpr const char* k_oid_xmpp_addr =
    "1.3.6.1.5.5.7.8.5";  ///< id-on-xmppAddr, RFC 6120 §13.7.1.4
inline constexpr const char* k_oid_dns_srv = "1.3.6.1.5.5.7.8.7";  ///< id-on-dnsSRV, RFC 4985

/// The identities a certificate presents, as RFC 9525 reads them.
struct PresentedIdentities {
  std::vector<std::string> dns;  ///< SAN dNSName (DNS-ID)
  std::vector<std::string>
      srv;  ///< SAN otherName id-on-dnsSRV (SRV-ID), "_xmpp-client.example.org"
  std::vector<std::string> xmpp;  ///< SAN otherName id-on-xmppAddr (XmppAddr)
  std::vector<std::string>
      common_names;  ///< subject CN: reported in errors, never matched (no CN-ID)
};

/// Reads the identities of a DER certificate. Error kind no_perm, code "tls_failed" if it does not
/// parse.
Result<PresentedIdentities> presented_identities(std::string_view certificate_der);

/// DNS-ID match (RFC 9525 §6.3): case-insensitive ASCII, one trailing dot ignored. A wildcard is
/// accepted only as the complete left-most label ("*.example.org"), matches exactly one label,
/// never the bare domain itself, and needs at least two labels after it ("*.org" matches nothing).
/// Partial wildcards ("x*.example.org", "*x.example.org") and wildcards anywhere else match
/// nothing. `reference` is an A-label domain; a non-ASCII presented name matches nothing.
bool dns_id_matches(std::string_view presented, std::string_view reference);

/// SRV-ID match (RFC 4985, RFC 7673 §2): "_xmpp-client.DOMAIN" always; "_xmpps-client.DOMAIN" only
/// on a direct-TLS connection (XEP-0368 "xmpps-client" service). No wildcards.
bool srv_id_matches(std::string_view presented, std::string_view reference, bool direct_tls);

/// XmppAddr match (RFC 6120 §13.7.1.4): the value is the bare domain; a U-label value is converted
/// to its A-label (IDNA2008) before comparing.
bool xmpp_addr_matches(std::string_view presented, std::string_view reference);

/// True when any DNS-ID, SRV-ID or XmppAddr matches `reference_domain`. The subject CN is never
/// consulted (RFC 9525 §6.3: no CN-ID).
bool identity_matches(const PresentedIdentities& ids, std::string_view reference_domain,
                      bool direct_tls);

/// "DNS:a.example, SRV:_xmpp-client.b.example, XmppAddr:c.example, CN:d.example (not used)" or
/// "no names" for error messages.
std::string describe(const PresentedIdentities& ids);

/// base64(SHA-256(SubjectPublicKeyInfo DER)) of a DER certificate, the form `--pin` takes (as in
/// RFC 7469 pin-sha256). Error kind no_perm, code "tls_failed" if the certificate does not parse.
Result<std::string> spki_sha256(std::string_view certificate_der);

/// Normalises a user-supplied pin: surrounding blanks and an optional "sha256/" prefix removed.
std::string normalise_pin(std::string_view pin);

}  // namespace xmpp::tls
