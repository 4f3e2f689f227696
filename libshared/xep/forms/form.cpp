#include "xep/forms/form.hpp"

#include <array>
#include <charconv>
#include <utility>

namespace xmpp::forms {
namespace {

constexpr std::array<std::pair<FormType, std::string_view>, 4> k_form_types{{
    {FormType::form, "form"},
    {FormType::submit, "submit"},
    {FormType::cancel, "cancel"},
    {FormType::result, "result"},
}};

constexpr std::array<std::pair<FieldType, std::string_view>, 10> k_field_types{{
    {FieldType::boolean, "boolean"},
    {FieldType::fixed, "fixed"},
    {FieldType::hidden, "hidden"},
    {FieldType::jid_multi, "jid-multi"},
    {FieldType::jid_single, "jid-single"},
    {FieldType::list_multi, "list-multi"},
    {FieldType::list_single, "list-single"},
    {FieldType::text_multi, "text-multi"},
    {FieldType::text_private, "text-private"},
    {FieldType::text_single, "text-single"},
}};

xml::Element element(std::string name, std::string_view ns = k_ns) {
  return xml::Element(std::move(name), std::string(ns));
}

void add_text_child(xml::Element& parent, std::string name, const std::string& text,
                    std::string_view ns = k_ns) {
  auto& child = parent.add_child(element(std::move(name), ns));
  if (!text.empty()) child.add_text(text);
}

std::optional<unsigned> parse_unsigned(std::string_view text) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<Media> parse_media(const xml::Element& field) {
  const auto* media = field.child("media", k_ns_media);
  if (media == nullptr) return std::nullopt;
  Media out;
  if (const auto height = media->attr("height")) out.height = parse_unsigned(*height);
  if (const auto width = media->attr("width")) out.width = parse_unsigned(*width);
  for (const auto* uri : media->children("uri", k_ns_media))
    out.uris.push_back(MediaUri{uri->attr("type").value_or(""), uri->text()});
  return out;
}

xml::Element media_element(const Media& media) {
  auto out = element("media", k_ns_media);
  if (media.height) out.set_attr("height", std::to_string(*media.height));
  if (media.width) out.set_attr("width", std::to_string(*media.width));
  for (const auto& uri : media.uris) {
    auto& child = out.add_child(element("uri", k_ns_media));
    child.set_attr("type", uri.type);
    if (!uri.uri.empty()) child.add_text(uri.uri);
  }
  return out;
}

Field parse_field(const xml::Element& e) {
  Field field;
  field.var = e.attr("var").value_or("");
  if (const auto type = e.attr("type"))
    // §3.3: a type the submitter does not understand MUST be taken as text-single.
    field.type = parse_field_type(*type).value_or(FieldType::text_single);
  field.label = e.attr("label");
  field.desc = e.child_text("desc", k_ns);
  field.required = e.child("required", k_ns) != nullptr;
  for (const auto* value : e.children("value", k_ns))
    field.values.push_back(value->text());
  for (const auto* option : e.children("option", k_ns)) {
    // §3.2: an option MUST contain exactly one <value/>; one without is unusable.
    auto value = option->child_text("value", k_ns);
    if (!value) continue;
    field.options.push_back(Option{option->attr("label"), std::move(*value)});
  }
  field.validation = parse_validation(e);
  field.media = parse_media(e);
  return field;
}

std::vector<Field> parse_fields(const xml::Element& parent) {
  std::vector<Field> fields;
  for (const auto* f : parent.children("field", k_ns))
    fields.push_back(parse_field(*f));
  return fields;
}

xml::Element field_element(const Field& field) {
  auto out = element("field");
  if (!field.var.empty()) out.set_attr("var", field.var);
  if (field.type) out.set_attr("type", std::string(to_string(*field.type)));
  if (field.label) out.set_attr("label", *field.label);
  if (field.desc) add_text_child(out, "desc", *field.desc);
  if (field.required) out.add_child(element("required"));
  if (field.validation) out.add_child(to_element(*field.validation));
  if (field.media) out.add_child(media_element(*field.media));
  for (const auto& value : field.values)
    add_text_child(out, "value", value);
  for (const auto& option : field.options) {
    auto& o = out.add_child(element("option"));
    if (option.label) o.set_attr("label", *option.label);
    add_text_child(o, "value", option.value);
  }
  return out;
}

template <class Fields> auto* find_field(Fields& fields, std::string_view var) {
  for (auto& f : fields)
    if (!f.var.empty() && f.var == var) return &f;
  return static_cast<decltype(&fields.front())>(nullptr);
}

bool is_xml_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

}  // namespace

std::string_view to_string(FormType type) {
  for (const auto& [t, name] : k_form_types)
    if (t == type) return name;
  return "form";
}

std::optional<FormType> parse_form_type(std::string_view text) {
  for (const auto& [t, name] : k_form_types)
    if (name == text) return t;
  return std::nullopt;
}

std::string_view to_string(FieldType type) {
  for (const auto& [t, name] : k_field_types)
    if (t == type) return name;
  return "text-single";
}

std::optional<FieldType> parse_field_type(std::string_view text) {
  for (const auto& [t, name] : k_field_types)
    if (name == text) return t;
  return std::nullopt;
}

bool is_multi_valued(FieldType type) {
  return type == FieldType::list_multi || type == FieldType::jid_multi ||
         type == FieldType::text_multi || type == FieldType::hidden;
}

bool Field::is_input() const {
  const auto t = effective_type();
  return !var.empty() && t != FieldType::fixed && t != FieldType::hidden;
}

const Field* Item::field(std::string_view var) const {
  return find_field(fields, var);
}

const Field* Form::field(std::string_view var) const {
  return find_field(fields, var);
}
Field* Form::field(std::string_view var) {
  return find_field(fields, var);
}

std::optional<std::string> Form::form_type() const {
  const auto* f = field(k_form_type_var);
  if (f == nullptr || f->values.empty()) return std::nullopt;
  return f->values.front();
}

std::vector<std::string> Form::input_vars() const {
  std::vector<std::string> vars;
  for (const auto& f : fields)
    if (f.is_input()) vars.push_back(f.var);
  return vars;
}

std::vector<std::string> Form::private_vars() const {
  std::vector<std::string> vars;
  for (const auto& f : fields)
    if (!f.var.empty() && f.is_private()) vars.push_back(f.var);
  return vars;
}

Result<Form> parse(const xml::Element& x) {
  if (!x.is("x", k_ns))
    return fail(ErrorKind::protocol, "bad_form", "",
                "expected a data form <x xmlns='jabber:x:data'/>, got <" + x.name() + "/>");
  const auto type_attr = x.attr("type");
  if (!type_attr) return fail(ErrorKind::protocol, "bad_form", "", "data form without a 'type'");
  const auto type = parse_form_type(*type_attr);
  if (!type)
    return fail(ErrorKind::protocol, "bad_form", "",
                "data form of unknown type '" + *type_attr + "'");
  Form form;
  form.type = *type;
  form.title = x.child_text("title", k_ns);
  for (const auto* i : x.children("instructions", k_ns))
    form.instructions.push_back(i->text());
  form.fields = parse_fields(x);
  // §3.4: one <reported/>; older senders put it after the items, so its position is not checked.
  if (const auto* reported = x.child("reported", k_ns)) form.reported = parse_fields(*reported);
  for (const auto* item : x.children("item", k_ns))
    form.items.push_back(Item{parse_fields(*item)});
  form.layout = parse_layout(x);
  return form;
}

xml::Element to_element(const Form& form) {
  auto x = element("x");
  x.set_attr("type", std::string(to_string(form.type)));
  if (form.title) add_text_child(x, "title", *form.title);
  for (const auto& i : form.instructions)
    add_text_child(x, "instructions", i);
  // XEP-0141's examples put the pages before the fields.
  for (const auto& page : form.layout)
    x.add_child(to_element(page));
  for (const auto& f : form.fields)
    x.add_child(field_element(f));
  if (!form.reported.empty()) {
    auto& reported = x.add_child(element("reported"));
    for (const auto& f : form.reported)
      reported.add_child(field_element(f));
  }
  for (const auto& item : form.items) {
    auto& i = x.add_child(element("item"));
    for (const auto& f : item.fields)
      i.add_child(field_element(f));
  }
  return x;
}

const xml::Element* find(const xml::Element& parent) {
  return parent.child("x", k_ns);
}

const xml::Element* find(const xml::Element& parent, std::string_view form_type) {
  for (const auto* x : parent.children("x", k_ns))
    for (const auto* f : x->children("field", k_ns))
      if (f->attr("var") == k_form_type_var) {
        if (f->child_text("value", k_ns) == form_type) return x;
        break;
      }
  return nullptr;
}

Form cancel_form() {
  Form form;
  form.type = FormType::cancel;
  return form;
}

std::string display_text(std::string_view text) {
  std::string out;
  bool space = false;
  for (const char c : text) {
    if (is_xml_space(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace xmpp::forms
