#include "xep/contacts/contacts.hpp"

#include <algorithm>

namespace xmpp::contacts {

namespace {

constexpr std::string_view k_suffix = "-addresses";

std::vector<std::string> non_empty(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values)
    if (!v.empty()) out.push_back(v);
  return out;
}

}  // namespace

const std::vector<std::string>& ContactAddresses::of(std::string_view role) const {
  static const std::vector<std::string> k_none;
  for (const auto& r : roles)
    if (r.role == role) return r.addresses;
  return k_none;
}

ContactAddresses read(const disco::DiscoInfo& info) {
  ContactAddresses out;
  const auto* form = info.form(k_form_type);
  if (form == nullptr) return out;
  const auto add = [&out](std::string role, const std::vector<std::string>& values) {
    auto addresses = non_empty(values);
    if (!addresses.empty())
      out.roles.push_back(RoleAddresses{std::move(role), std::move(addresses)});
  };
  for (const auto role : k_roles) {
    const auto it = form->fields.find(std::string(role) + std::string(k_suffix));
    if (it != form->fields.end()) add(std::string(role), it->second);
  }
  // Fields of the same FORM_TYPE registered later (the registry grew once already: status).
  for (const auto& [var, values] : form->fields) {
    if (var.size() <= k_suffix.size() || !var.ends_with(k_suffix)) continue;
    const auto role = var.substr(0, var.size() - k_suffix.size());
    if (std::find(std::begin(k_roles), std::end(k_roles), role) != std::end(k_roles)) continue;
    add(role, values);
  }
  return out;
}

disco::ExtensionForm make_form(const ContactAddresses& addresses) {
  disco::ExtensionForm form;
  form.form_type = std::string(k_form_type);
  for (const auto& r : addresses.roles)
    form.fields[r.role + std::string(k_suffix)] = r.addresses;
  return form;
}

}  // namespace xmpp::contacts
