// XMPP addresses, RFC 7622: parsing, PRECIS preparation of localparts and resourceparts
// (RFC 8264/8265, via libunistring), IDNA2008 domainparts (libidn2), bare and full forms.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace xmpp {

/// An XMPP address in its normalised form: localpart enforced with the PRECIS
/// UsernameCaseMapped profile (RFC 8265 §3.3) minus the characters RFC 7622 §3.3.1 forbids,
/// domainpart lowercased in U-label form (IDNA2008) or an IP literal, resourcepart enforced with
/// OpaqueString (RFC 8265 §4.2). Every part is 1..1023 bytes when present. Two JIDs that parse
/// from equivalent strings compare equal; parse(j.str()) == j for every parsed j.
/// A default-constructed Jid is empty (no domainpart) and is not a valid address.
class Jid {
public:
  /// The most bytes a prepared localpart, domainpart or resourcepart may have (RFC 7622 §3.1).
  static constexpr std::size_t k_max_part_bytes = 1023;

  Jid() = default;
  /// Parses and normalises "local@domain/resource". Errors: kind usage, code "bad_jid", with a
  /// message saying which part is wrong and why.
  static Result<Jid> parse(std::string_view text);
  /// Builds a JID from separate parts, each prepared exactly as parse() would; an empty `local`
  /// or `resource` means none. Unlike parse(), '@' and '/' are never separators here, so a
  /// resource such as "a/b@c" is taken whole. Errors as parse().
  static Result<Jid> from_parts(std::string_view local, std::string_view domain,
                                std::string_view resource = {});

  const std::string& local() const { return m_local; }
  const std::string& domain() const { return m_domain; } ///< normalised (lowercase, U-label form)
  const std::string& resource() const { return m_resource; }
  /// The domain in A-label (punycode) form, for DNS and TLS identity checks.
  const std::string& ascii_domain() const { return m_ascii_domain; }

  bool is_bare() const { return m_resource.empty(); }
  bool has_local() const { return !m_local.empty(); }
  /// True for a default-constructed Jid (no domainpart).
  bool empty() const { return m_domain.empty(); }
  /// True if the domainpart is an IPv4 address or a bracketed IPv6 literal ("[::1]").
  bool has_ip_domain() const;
  Jid bare() const;
  /// This JID's domain alone ("example.org"), e.g. the server's address for disco or ping.
  Jid domain_jid() const;
  /// The same JID with `resource` (prepared as a resourcepart) instead of the current one; an
  /// empty `resource` gives bare(). An invalid resource is a bug in the caller and throws
  /// std::invalid_argument: use try_with_resource for text from users or peers.
  Jid with_resource(std::string resource) const; ///< caller passes a valid resource
  /// The same JID with `resource` prepared as a resourcepart (OpaqueString) instead of the current
  /// one. Errors: kind usage, code "bad_jid" (also for an empty resource).
  Result<Jid> try_with_resource(std::string_view resource) const;
  std::string str() const; ///< the full string form
  std::string bare_str() const;

  /// A hash consistent with operator==.
  std::size_t hash() const noexcept;

  bool operator==(const Jid&) const = default;
  auto operator<=>(const Jid&) const = default;

private:
  // Prepares each part that is present (nullopt: the part is absent, "" : present but empty).
  static Result<Jid> build(std::optional<std::string_view> local, std::string_view domain,
                           std::optional<std::string_view> resource);

  std::string m_local, m_domain, m_resource, m_ascii_domain;
};

/// True if both have the same localpart and domainpart (RFC 6120 §1.4 "bare JID"), whatever
/// their resources: the check for "is this stanza from my own account".
bool is_same_bare(const Jid& a, const Jid& b);

} // namespace xmpp

template <> struct std::hash<xmpp::Jid> {
  std::size_t operator()(const xmpp::Jid& jid) const noexcept { return jid.hash(); }
};
