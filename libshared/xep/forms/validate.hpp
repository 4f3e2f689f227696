// XEP-0122 Data Forms Validation (version 1.0.2): the <validate/> element of a data-form field
// (datatype, method basic/open/range/regex, list-range), the XML Schema datatypes it names
// (XML Schema Part 2 §3.2-3.3, the subset §3 of XEP-0122 needs), and the XEP-0004 (version
// 2.13.2) §3.3 per-field-type checks of one value a user gives. No I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "xml/element.hpp"

namespace xmpp::forms {

inline constexpr std::string_view k_ns_validate = "http://jabber.org/protocol/xdata-validate";
/// XEP-0122 §3.1: the datatype when 'datatype' is absent, and the one unknown datatypes fall back
/// to (§4.1).
inline constexpr std::string_view k_default_datatype = "xs:string";

/// The validation method (XEP-0122 §3.2); `none` when <validate/> names no method, which means
/// <basic/> (kept apart only so that a form round-trips).
enum class Method { none, basic, open, range, regex };

/// <range min max/> (§3.2.3): bounds in the lexical space of the datatype, each optional.
struct Range {
  std::optional<std::string> min;
  std::optional<std::string> max;
  bool operator==(const Range&) const = default;
};

/// <list-range min max/> (§3.3): how many values a list-multi field takes.
struct ListRange {
  std::optional<std::size_t> min;
  std::optional<std::size_t> max;
  bool operator==(const ListRange&) const = default;
};

/// A field's <validate/> element.
struct Validation {
  std::optional<std::string> datatype;  ///< as written; nullopt: absent (= xs:string)
  Method method = Method::none;
  Range range;        ///< meaningful when method == range
  std::string regex;  ///< meaningful when method == regex (POSIX ERE, §3.2.4)
  std::optional<ListRange> list_range;

  /// The datatype to check values against: the written one, or xs:string.
  std::string_view effective_datatype() const;
  bool operator==(const Validation&) const = default;
};

/// The <validate/> child of a <field/>, or nullopt. The method child is recognised by its name
/// whatever its namespace: XEP-0122's own example 7 writes `<xdv:validate><basic/>` with <basic/>
/// in the form's namespace, and §4.2 asks readers to be lenient. Of several methods the first
/// counts (§3.2 allows one); malformed list-range numbers are left out.
std::optional<Validation> parse_validation(const xml::Element& field);
/// `<validate xmlns='http://jabber.org/protocol/xdata-validate' [datatype]>` with its method and
/// list-range children.
xml::Element to_element(const Validation& validation);

// ---- datatypes (XML Schema Part 2) ------------------------------------------------------------

/// True for the datatypes checked here: xs:string, boolean, decimal, double, float, integer and its
/// derived types (int, long, short, byte, nonNegativeInteger, positiveInteger, negativeInteger,
/// nonPositiveInteger, unsignedLong/Int/Short/Byte), date, dateTime, time, anyURI, language.
/// Others are validated as xs:string (XEP-0122 §4.1).
bool is_known_datatype(std::string_view datatype);

/// Checks `value` against the lexical space of `datatype` (whitespace around the value is
/// collapsed away first, as XML Schema does for every type but xs:string). nullopt when it is
/// valid, else one sentence saying what is wrong ("not an integer", "month 13 out of range").
std::optional<std::string> check_datatype(std::string_view datatype, std::string_view value);

/// Orders two values of an ordered datatype (numbers, date, time, dateTime): -1, 0 or 1; nullopt
/// when the datatype has no order here (xs:string, unknown types, NaN) or a value is not valid.
/// Values without a time zone are compared as UTC (XML Schema leaves them only partially ordered).
std::optional<int> compare_values(std::string_view datatype, std::string_view a,
                                  std::string_view b);

/// Checks one value against the whole <validate/>: its datatype, then the range (ignored for
/// unordered datatypes and for bounds that are not valid values, §5: range needs a finite type)
/// or the regex (the value must match it entirely). The pattern comes from the form's sender: one
/// the C library cannot compile, longer than 1 KiB, with back-references or with bounded repeats
/// that would expand it beyond 100 000 copies is skipped (the processor validates anyway, §4.4).
/// nullopt when the value passes.
std::optional<std::string> check_validation(const Validation& validation, std::string_view value);

/// XEP-0004 §3.3 boolean: "1"/"true" or "0"/"false" (XML Schema xs:boolean); nullopt otherwise.
std::optional<bool> parse_boolean(std::string_view text);

// ---- one field (XEP-0004 §3.3) ----------------------------------------------------------------

struct Field;

/// Checks one value a user gives for `field`: text XML can carry; by field type, a boolean
/// (§3.3), a JID (RFC 7622, jid-single and jid-multi), one line (every single-valued text type);
/// then the field's <validate/> (XEP-0122). fixed and hidden fields are kept as given (XML text
/// only). An empty value passes (it clears the field; the caller decides whether that leaves a
/// required field missing). Options are not checked here: see is_closed_list and is_option.
/// nullopt when the value passes, else one sentence.
std::optional<std::string> check_field_value(const Field& field, std::string_view value);

/// True for a list-single or list-multi field whose values must be among its options: it has
/// options and its <validate/> does not say <open/> (XEP-0122 §3.2.2). A list without options
/// cannot be checked and counts as open.
bool is_closed_list(const Field& field);
/// True when `value` is the value of one of the field's options.
bool is_option(const Field& field, std::string_view value);

}  // namespace xmpp::forms
