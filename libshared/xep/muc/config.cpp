#include "xep/muc/config.hpp"

#include <algorithm>

#include "stanza/iq.hpp"
#include "xep/forms/validate.hpp"
#include "xep/muc/muc.hpp"

namespace xmpp::muc {
namespace {

xml::Element owner_query() {
  return xml::Element("query", std::string(k_ns_owner));
}

const forms::Field* input_field(const forms::Form& form, std::string_view var) {
  const forms::Field* field = form.field(var);
  return field && field->is_input() ? field : nullptr;
}

/// Values as they mean: booleans normalised to "1"/"0" (§3.3 allows both spellings).
std::vector<std::string> meaning(const forms::Field& field) {
  if (field.effective_type() != forms::FieldType::boolean) return field.values;
  std::vector<std::string> out;
  for (const auto& value : field.values) {
    const auto b = forms::parse_boolean(value);
    out.push_back(b ? (*b ? "1" : "0") : value);
  }
  // §3.3: a boolean without a value is false.
  if (out.empty()) out.push_back("0");
  return out;
}

ConfigChange change_of(const forms::Field* before, const forms::Field* after) {
  const forms::Field& any = after ? *after : *before;
  ConfigChange change;
  change.var = any.var;
  change.label = after && after->label ? after->label : any.label;
  change.secret = (before && before->is_private()) || (after && after->is_private());
  if (!change.secret) {
    if (before) change.before = before->values;
    if (after) change.after = after->values;
  }
  return change;
}

}  // namespace

xml::Element make_config_request(const Jid& room, std::string id) {
  return stanza::make_iq(stanza::IqType::get, room.bare_str(), owner_query(), std::move(id));
}

Result<forms::Form> parse_config_form(const xml::Element& iq) {
  const xml::Element* query = iq.child("query", k_ns_owner);
  if (!query)
    return fail(ErrorKind::protocol, "bad_reply", "",
                "the configuration reply has no muc#owner query");
  const xml::Element* x = forms::find(*query);
  if (!x)
    return fail(ErrorKind::protocol, "bad_reply", "",
                "the configuration reply carries no data form");
  return forms::parse(*x);
}

xml::Element make_config_submit(const Jid& room, const forms::Form& form, std::string id) {
  xml::Element query = owner_query();
  query.add_child(forms::to_element(form));
  return stanza::make_iq(stanza::IqType::set, room.bare_str(), std::move(query), std::move(id));
}

std::optional<forms::Form> parse_config_submit(const xml::Element& iq) {
  const xml::Element* query = iq.child("query", k_ns_owner);
  const xml::Element* x = query ? forms::find(*query) : nullptr;
  if (!x) return std::nullopt;
  auto form = forms::parse(*x);
  if (!form) return std::nullopt;
  return std::move(*form);
}

bool ConfigShorthands::empty() const {
  return !name && !description && !persistent && !members_only && !moderated && !is_public &&
         !password;
}

forms::Answers shorthand_answers(const ConfigShorthands& s, const forms::Form& form) {
  forms::Answers out;
  const auto add = [&](std::string_view var, std::string value) {
    out.push_back({std::string(var), {std::move(value)}});
  };
  if (s.name) add(k_var_roomname, *s.name);
  if (s.description) add(k_var_roomdesc, *s.description);
  if (s.persistent) add(k_var_persistent, "1");
  if (s.members_only) add(k_var_membersonly, "1");
  if (s.moderated) add(k_var_moderated, "1");
  if (s.is_public) add(k_var_public, *s.is_public ? "1" : "0");
  if (s.password) {
    // §15.5.3 registers both fields; a form without the boolean protects the room by its secret.
    if (input_field(form, k_var_passwordprotected))
      add(k_var_passwordprotected, s.password->empty() ? "0" : "1");
    add(k_var_roomsecret, *s.password);
  }
  return out;
}

std::vector<ConfigChange> config_changes(const forms::Form& before, const forms::Form& after) {
  std::vector<ConfigChange> out;
  for (const auto& field : after.fields) {
    if (!field.is_input()) continue;
    const forms::Field* old = input_field(before, field.var);
    if (old && meaning(*old) == meaning(field)) continue;
    if (!old && field.values.empty()) continue;
    out.push_back(change_of(old, &field));
  }
  for (const auto& field : before.fields) {
    if (!field.is_input() || input_field(after, field.var) || field.values.empty()) continue;
    out.push_back(change_of(&field, nullptr));
  }
  return out;
}

std::optional<bool> boolean_value(const forms::Form& form, std::string_view var) {
  const forms::Field* field = form.field(var);
  if (!field) return std::nullopt;
  if (field->values.empty()) return false;  // §3.3: no value is false
  return forms::parse_boolean(field->values.front());
}

}  // namespace xmpp::muc
