// XEP-0157 Contact Addresses for XMPP Services (version 1.1.1): the service's contact addresses,
// read from (and written to) the XEP-0128 form with FORM_TYPE
// http://jabber.org/network/serverinfo of the server's disco#info result. No I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "xep/disco/disco.hpp"

namespace xmpp::contacts {

/// The FORM_TYPE that scopes the fields (§3, XEP-0128).
inline constexpr std::string_view k_form_type = "http://jabber.org/network/serverinfo";

/// The roles registered for this FORM_TYPE (§7.1), in the registry's order. Each is the field
/// var without its "-addresses" suffix.
inline constexpr std::string_view k_roles[] = {"abuse",    "admin",  "feedback", "sales",
                                               "security", "status", "support"};

/// The addresses given for one role, as the service sent them (URIs: mailto:, xmpp:, https:...;
/// §3: status-addresses MUST be URIs, the others SHOULD be).
struct RoleAddresses {
  std::string role;  ///< "admin" for the field 'admin-addresses'
  std::vector<std::string> addresses;
  bool operator==(const RoleAddresses&) const = default;
};

/// Every role the service names, with at least one address.
struct ContactAddresses {
  /// The registered roles first, in k_roles order, then any other '<role>-addresses' field of the
  /// form (a later registration), by var.
  std::vector<RoleAddresses> roles;

  bool empty() const { return roles.empty(); }
  /// The addresses of `role` ("admin"), empty when it has none.
  const std::vector<std::string>& of(std::string_view role) const;
  bool operator==(const ContactAddresses&) const = default;
};

/// Reads the contact addresses from `info`: the first form with FORM_TYPE k_form_type (XEP-0128
/// §2 allows one form per FORM_TYPE), its fields whose var ends in "-addresses". Empty values
/// are left out; a role without a value is left out. No form, no roles: empty.
ContactAddresses read(const disco::DiscoInfo& info);

/// The XEP-0128 form carrying `addresses` (for responders and tests); pass it in
/// DiscoInfo::forms.
disco::ExtensionForm make_form(const ContactAddresses& addresses);

}  // namespace xmpp::contacts
