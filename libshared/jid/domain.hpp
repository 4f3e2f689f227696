// The domainpart of an XMPP address (RFC 7622 §3.2): IP literals as they are, DNS names through the
// RFC 5895 mappings and strict IDNA2008 (RFC 5890-5893, libidn2), in U-label and A-label forms.
#pragma once

#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace xmpp::jid {

/// A prepared domainpart: `unicode` is the form stored in a JID (lowercase, U-labels), `ascii`
/// the A-label form for DNS and TLS. Both are the same for IP literals and all-ASCII names.
struct DomainPart {
  std::string unicode;
  std::string ascii;
};

/// Largest DNS label in octets (RFC 1035 §2.3.4), checked on the A-label form.
inline constexpr std::size_t k_max_label_octets = 63;

/// Prepares a domainpart (RFC 7622 §3.2.1, §3.2.2): strips one trailing dot, accepts an
/// IPv4address or a bracketed IPv6 IP-literal unchanged, else maps (width, lowercase, NFC, the
/// ideographic full stops to '.'), converts A-labels to U-labels and checks every label (LDH
/// rules, IDNA2008, at most 63 octets as an A-label, the Bidi Rule across a Bidi domain name).
/// Does not check the 1023-octet limit. On error, a phrase that reads after "domainpart ".
tl::expected<DomainPart, std::string> prepare_domainpart(std::string_view text);

/// True for "127.0.0.1" and "[::1]" style domainparts (RFC 3986 IPv4address and IP-literal).
bool is_ip_literal(std::string_view domain);

} // namespace xmpp::jid
