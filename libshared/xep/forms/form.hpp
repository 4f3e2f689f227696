// XEP-0004 Data Forms (version 2.13.2): the form model (form types §3.1, fields §3.2, field
// types §3.3, <reported/>/<item/> tables §3.4), with XEP-0122 validation, XEP-0141 layout and
// XEP-0221 media (version 1.0) carried per field; the parser and serializer side by side. No I/O.
// Filling a form in is answers.hpp; table views of results are table.hpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "xep/forms/layout.hpp"
#include "xep/forms/validate.hpp"
#include "xml/element.hpp"

namespace xmpp::forms {

inline constexpr std::string_view k_ns = "jabber:x:data";
/// XEP-0221 Data Forms Media Element.
inline constexpr std::string_view k_ns_media = "urn:xmpp:media-element";
/// XEP-0068 §4: the hidden field that names a form's meaning.
inline constexpr std::string_view k_form_type_var = "FORM_TYPE";

/// The 'type' of <x/> (§3.1).
enum class FormType { form, submit, cancel, result };

/// The 'type' of <field/> (§3.3).
enum class FieldType {
  boolean,
  fixed,
  hidden,
  jid_multi,
  jid_single,
  list_multi,
  list_single,
  text_multi,
  text_private,
  text_single,
};

std::string_view to_string(FormType type);
std::optional<FormType> parse_form_type(std::string_view text);
std::string_view to_string(FieldType type);  ///< "text-single", ...
/// The field type named `text`, or nullopt for a name §3.3 does not define.
std::optional<FieldType> parse_field_type(std::string_view text);
/// True for the types that may carry more than one <value/> (§3.2): list-multi, jid-multi,
/// text-multi, hidden.
bool is_multi_valued(FieldType type);

/// <option label><value/></option> of a list field (§3.2).
struct Option {
  std::optional<std::string> label;
  std::string value;
  bool operator==(const Option&) const = default;
};

/// <uri type>: one place to fetch a media element from (XEP-0221 §2).
struct MediaUri {
  std::string type;  ///< MIME type, e.g. "image/png"
  std::string uri;   ///< e.g. "cid:sha1+...@bob.xmpp.org" (XEP-0231) or "http://..."
  bool operator==(const MediaUri&) const = default;
};

/// <media height width> (XEP-0221 §2), e.g. the picture of a CAPTCHA form (XEP-0158).
struct Media {
  std::optional<unsigned> height;
  std::optional<unsigned> width;
  std::vector<MediaUri> uris;
  bool operator==(const Media&) const = default;
};

/// A <field/> (§3.2).
struct Field {
  std::string var;  ///< empty: no var (only fixed fields may lack one)
  /// As written; nullopt when the attribute is absent. A type §3.3 does not define is read as
  /// text-single, which §3.3 says a submitter MUST assume.
  std::optional<FieldType> type;
  std::optional<std::string> label;
  std::optional<std::string> desc;
  bool required = false;
  std::vector<std::string> values;  ///< in order; the default (form) or the data (submit, result)
  std::vector<Option> options;      ///< list-single and list-multi only
  std::optional<Validation> validation;  ///< XEP-0122
  std::optional<Media> media;            ///< XEP-0221

  /// The type to treat the field as: the written one, else text-single (§3.2: the default in a
  /// form; submit and result forms leave the type to context).
  FieldType effective_type() const { return type.value_or(FieldType::text_single); }
  /// text-private: its value is a secret (never taken from the command line, redacted in
  /// traces; SECURITY.md (c)).
  bool is_private() const { return effective_type() == FieldType::text_private; }
  /// An input a user fills in: has a var and is neither fixed nor hidden.
  bool is_input() const;
  bool operator==(const Field&) const = default;
};

/// One <item/> of a result table (§3.4).
struct Item {
  std::vector<Field> fields;
  /// The first field with this var, or nullptr.
  const Field* field(std::string_view var) const;
  bool operator==(const Item&) const = default;
};

/// An <x xmlns='jabber:x:data'/> (§3).
struct Form {
  FormType type = FormType::form;
  std::optional<std::string> title;
  std::vector<std::string> instructions;  ///< several are allowed (§3)
  std::vector<Field> fields;              ///< in document order, the order to present them
  std::vector<Field> reported;            ///< the <reported/> columns (§3.4); empty: none
  std::vector<Item> items;                ///< the <item/> rows (§3.4)
  std::vector<Page> layout;               ///< XEP-0141 pages; empty: none

  /// The first field with this var, or nullptr.
  const Field* field(std::string_view var) const;
  Field* field(std::string_view var);
  /// The first value of the FORM_TYPE field (XEP-0068), or nullopt.
  std::optional<std::string> form_type() const;
  /// The vars of the fields a user fills in (is_input), in document order: the list an unknown
  /// var is answered with.
  std::vector<std::string> input_vars() const;
  /// The vars of the text-private fields, in document order.
  std::vector<std::string> private_vars() const;
  bool operator==(const Form&) const = default;
};

/// Reads an <x xmlns='jabber:x:data'/>. Lenient where §3.4's history asks for it (<reported/>
/// after <item/>, fields beside a table) and where nothing is lost: options without a <value/>
/// and unknown children are skipped. Errors: kind protocol, code "bad_form", when `x` is not a
/// data form or its 'type' is missing or unknown.
Result<Form> parse(const xml::Element& x);

/// Writes the form: title, instructions, layout pages, fields, reported, items; in each field
/// desc, required, validate, media, values, options (the order of §9's schema). parse() of the
/// result gives `form` back. Values are written as they are: callers check text from users with
/// xml::is_xml_text (answers.hpp does), the writer throws on text XML cannot carry.
xml::Element to_element(const Form& form);

/// The first data form among the children of `parent` (a <command/>, <query/>, <message/>), or
/// nullptr.
const xml::Element* find(const xml::Element& parent);
/// The first data form among the children of `parent` whose FORM_TYPE is `form_type` (XEP-0128
/// extension forms, pubsub#publish-options), or nullptr.
const xml::Element* find(const xml::Element& parent, std::string_view form_type);

/// The form that cancels a submission (§3.1 type 'cancel'; §3.2: it carries no fields).
Form cancel_form();

/// Text for display: runs of XML whitespace collapsed to one space, none at the ends. For
/// <instructions/>, <desc/> and XEP-0141 <text/>, whose newlines are layout the renderer owns
/// (§3, XEP-0141 §3).
std::string display_text(std::string_view text);

}  // namespace xmpp::forms
