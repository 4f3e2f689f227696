// XMPP addresses, RFC 7622: parsing, validation (lengths, forbidden characters, PRECIS profiles as
// far as libidn2 and our checks go), IDN domains (IDNA2008 via libidn2), bare and full forms.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace xmpp {

class Jid {
 public:
  Jid() = default;
  /// Parses and normalises "local@domain/resource". Errors: kind usage, code "bad_jid", with a
  /// message saying which part is wrong and why.
  static Result<Jid> parse(std::string_view text);

  const std::string& local() const { return m_local; }
  const std::string& domain() const { return m_domain; }      ///< normalised (lowercase, U-label form)
  const std::string& resource() const { return m_resource; }
  /// The domain in A-label (punycode) form, for DNS and TLS identity checks.
  const std::string& ascii_domain() const { return m_ascii_domain; }

  bool is_bare() const { return m_resource.empty(); }
  bool has_local() const { return !m_local.empty(); }
  Jid bare() const;
  Jid with_resource(std::string resource) const;  ///< caller passes a valid resource
  std::string str() const;                        ///< the full string form
  std::string bare_str() const;

  bool operator==(const Jid&) const = default;
  auto operator<=>(const Jid&) const = default;

 private:
  std::string m_local, m_domain, m_resource, m_ascii_domain;
};

}  // namespace xmpp
