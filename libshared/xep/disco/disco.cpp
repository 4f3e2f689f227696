#include "xep/disco/disco.hpp"

#include <algorithm>

#include "stanza/iq.hpp"

namespace xmpp::disco {
namespace {

constexpr std::string_view k_form_type = "FORM_TYPE";

xml::Element query(std::string_view ns, const std::optional<std::string>& node) {
  xml::Element q("query", std::string(ns));
  if (node) q.set_attr("node", *node);
  return q;
}

bool is_get_of(const xml::Element& iq, std::string_view ns) {
  return stanza::is_get_of(iq, "query", ns);
}

// XEP-0128 §2 / XEP-0004 §3.2: the form's FORM_TYPE is the value of its field var='FORM_TYPE'.
std::optional<ExtensionForm> parse_form(const xml::Element& x) {
  ExtensionForm form;
  bool has_type = false;
  for (const auto* field : x.children("field", k_ns_data)) {
    const auto var = field->attr("var");
    if (!var) continue;
    std::vector<std::string> values;
    for (const auto* value : field->children("value", k_ns_data))
      values.push_back(value->text());
    if (*var == k_form_type) {
      // XEP-0115 §5.4 needs to know whether FORM_TYPE was hidden and had a single value.
      for (auto& value : values) {
        if (!has_type) {
          form.form_type = std::move(value);
          form.form_type_hidden = field->attr("type") == "hidden";
          has_type = true;
        } else if (value != form.form_type) {
          form.form_type_ambiguous = true;
        }
      }
      continue;
    }
    auto& slot = form.fields[*var];
    slot.insert(slot.end(), values.begin(), values.end());
  }
  if (!has_type) return std::nullopt;
  return form;
}

xml::Element make_form(const ExtensionForm& form) {
  xml::Element x("x", std::string(k_ns_data));
  x.set_attr("type", "result");
  const auto add_field = [&x](const std::string& var, const std::vector<std::string>& values,
                              bool hidden) {
    auto& field = x.add_child(xml::Element("field", std::string(k_ns_data)));
    field.set_attr("var", var);
    if (hidden) field.set_attr("type", "hidden");
    for (const auto& value : values)
      field.add_child(xml::Element("value", std::string(k_ns_data))).add_text(value);
  };
  add_field(std::string(k_form_type), {form.form_type}, form.form_type_hidden);
  for (const auto& [var, values] : form.fields)
    add_field(var, values, false);
  return x;
}

}  // namespace

bool DiscoInfo::has_feature(std::string_view var) const {
  return std::find(features.begin(), features.end(), var) != features.end();
}

bool DiscoInfo::has_identity(std::string_view category, std::string_view type) const {
  return std::any_of(identities.begin(), identities.end(),
                     [&](const Identity& i) { return i.category == category && i.type == type; });
}

const ExtensionForm* DiscoInfo::form(std::string_view form_type) const {
  for (const auto& f : forms)
    if (f.form_type == form_type) return &f;
  return nullptr;
}

std::optional<std::string> DiscoInfo::field_value(std::string_view form_type,
                                                  std::string_view var) const {
  const auto* f = form(form_type);
  if (f == nullptr) return std::nullopt;
  const auto it = f->fields.find(std::string(var));
  if (it == f->fields.end() || it->second.empty()) return std::nullopt;
  return it->second.front();
}

xml::Element make_info_request(const Jid& to, std::optional<std::string> node, std::string id) {
  return stanza::make_iq(stanza::IqType::get, to.str(), query(k_ns_info, node), std::move(id));
}

xml::Element make_items_request(const Jid& to, std::optional<std::string> node, std::string id) {
  return stanza::make_iq(stanza::IqType::get, to.str(), query(k_ns_items, node), std::move(id));
}

bool is_info_request(const xml::Element& iq) {
  return is_get_of(iq, k_ns_info);
}
bool is_items_request(const xml::Element& iq) {
  return is_get_of(iq, k_ns_items);
}

Result<DiscoInfo> parse_info_result(const xml::Element& iq) {
  const auto* q = iq.child("query", k_ns_info);
  if (q == nullptr)
    return fail(ErrorKind::protocol, "bad_reply", "",
                "disco#info result without <query xmlns='" + std::string(k_ns_info) + "'/>");
  DiscoInfo info;
  info.node = q->attr("node");
  for (const auto* e : q->children("identity", k_ns_info)) {
    auto category = e->attr("category");
    auto type = e->attr("type");
    if (!category || !type) continue;
    info.identities.push_back(Identity{std::move(*category), std::move(*type), e->attr("name"),
                                       e->attr_ns(xml::k_ns_xml, "lang")});
  }
  for (const auto* e : q->children("feature", k_ns_info))
    if (auto var = e->attr("var")) info.features.push_back(std::move(*var));
  for (const auto* x : q->children("x", k_ns_data))
    if (auto form = parse_form(*x)) info.forms.push_back(std::move(*form));
  return info;
}

Result<DiscoItems> parse_items_result(const xml::Element& iq) {
  const auto* q = iq.child("query", k_ns_items);
  if (q == nullptr)
    return fail(ErrorKind::protocol, "bad_reply", "",
                "disco#items result without <query xmlns='" + std::string(k_ns_items) + "'/>");
  DiscoItems out;
  out.node = q->attr("node");
  for (const auto* e : q->children("item", k_ns_items)) {
    const auto text = e->attr("jid");
    auto jid = text ? Jid::parse(*text) : Result<Jid>();
    if (!text || !jid) {
      ++out.skipped;
      continue;
    }
    out.items.push_back(DiscoItem{std::move(*jid), e->attr("node"), e->attr("name")});
  }
  return out;
}

xml::Element make_info_result(const xml::Element& request, const DiscoInfo& info) {
  auto q = query(k_ns_info, info.node);
  for (const auto& identity : info.identities) {
    auto& e = q.add_child(xml::Element("identity", std::string(k_ns_info)));
    e.set_attr("category", identity.category);
    e.set_attr("type", identity.type);
    if (identity.name) e.set_attr("name", *identity.name);
    if (identity.lang) e.set_attr_ns(std::string(xml::k_ns_xml), "lang", *identity.lang);
  }
  for (const auto& feature : info.features)
    q.add_child(xml::Element("feature", std::string(k_ns_info))).set_attr("var", feature);
  for (const auto& form : info.forms)
    q.add_child(make_form(form));
  return stanza::make_result(request, std::move(q));
}

xml::Element make_items_result(const xml::Element& request, const DiscoItems& items) {
  auto q = query(k_ns_items, items.node);
  for (const auto& item : items.items) {
    auto& e = q.add_child(xml::Element("item", std::string(k_ns_items)));
    e.set_attr("jid", item.jid.str());
    if (item.node) e.set_attr("node", *item.node);
    if (item.name) e.set_attr("name", *item.name);
  }
  return stanza::make_result(request, std::move(q));
}

}  // namespace xmpp::disco
