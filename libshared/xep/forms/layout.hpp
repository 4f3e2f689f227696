// XEP-0141 Data Forms Layout (version 1.0): pages, sections, <text/>, <fieldref/> and
// <reportedref/> that tell a renderer how to arrange a form's fields (§3), read and written in
// document order. No I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "xml/element.hpp"

namespace xmpp::forms {

inline constexpr std::string_view k_ns_layout = "http://jabber.org/protocol/xdata-layout";

struct LayoutItem;

/// <text/>: free text for the page or section (§3.1). Kept as written: the spec's newlines are
/// for legibility only, so renderers show it through display_text (form.hpp).
struct LayoutText {
  std::string text;
  bool operator==(const LayoutText&) const = default;
};

/// <fieldref var/>: the field with this var goes here (§3.1). A var the form lacks is ignored by
/// renderers.
struct FieldRef {
  std::string var;
  bool operator==(const FieldRef&) const = default;
};

/// <reportedref/>: the form's <reported/>/<item/> table goes here (§3.3); ignored when the form
/// has no <reported/>.
struct ReportedRef {
  bool operator==(const ReportedRef&) const = default;
};

/// <section label>: a labelled group inside a page or another section (§3.2).
struct Section {
  std::optional<std::string> label;
  std::vector<LayoutItem> items;  ///< in document order
  bool operator==(const Section&) const;
};

/// One child of a page or section.
struct LayoutItem {
  std::variant<LayoutText, FieldRef, ReportedRef, Section> value;
  // Not defaulted: clang 14 crashes instantiating a defaulted == that recurses through
  // std::variant back into Section's.
  bool operator==(const LayoutItem& other) const;
};

/// <page label>: one page of the form (§3.1); pages render in document order (§4.2).
struct Page {
  std::optional<std::string> label;
  std::vector<LayoutItem> items;  ///< in document order
  bool operator==(const Page&) const = default;
};

/// The layout pages among the children of a data form's <x/> (elements in other namespaces and
/// unknown layout elements are skipped). Empty when the form has no layout.
std::vector<Page> parse_layout(const xml::Element& x);
/// `<page xmlns='http://jabber.org/protocol/xdata-layout' [label]>` with its items.
xml::Element to_element(const Page& page);

/// The vars the page refers to, depth first in document order (a var referred to twice is listed
/// twice: §4.2 says it SHOULD NOT be, a renderer may want to know).
std::vector<std::string> referenced_vars(const Page& page);

}  // namespace xmpp::forms
