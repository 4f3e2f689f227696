#include "xep/forms/layout.hpp"

#include <type_traits>

namespace xmpp::forms {
namespace {

// Pages and sections hold the same children (§3.1, §3.2); a section may nest further sections.
std::vector<LayoutItem> parse_items(const xml::Element& parent) {
  std::vector<LayoutItem> items;
  for (const auto* child : parent.elements()) {
    if (child->ns() != k_ns_layout) continue;
    const auto& name = child->name();
    if (name == "text") {
      items.push_back(LayoutItem{LayoutText{child->text()}});
    } else if (name == "fieldref") {
      // §3.1: the var MUST name the field; a fieldref without one refers to nothing.
      if (auto var = child->attr("var")) items.push_back(LayoutItem{FieldRef{std::move(*var)}});
    } else if (name == "reportedref") {
      items.push_back(LayoutItem{ReportedRef{}});
    } else if (name == "section") {
      items.push_back(LayoutItem{Section{child->attr("label"), parse_items(*child)}});
    }
  }
  return items;
}

xml::Element layout_element(std::string name) {
  return xml::Element(std::move(name), std::string(k_ns_layout));
}

void add_items(xml::Element& parent, const std::vector<LayoutItem>& items) {
  for (const auto& item : items) {
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, LayoutText>) {
            auto& text = parent.add_child(layout_element("text"));
            if (!v.text.empty()) text.add_text(v.text);
          } else if constexpr (std::is_same_v<T, FieldRef>) {
            parent.add_child(layout_element("fieldref")).set_attr("var", v.var);
          } else if constexpr (std::is_same_v<T, ReportedRef>) {
            parent.add_child(layout_element("reportedref"));
          } else {
            auto section = layout_element("section");
            if (v.label) section.set_attr("label", *v.label);
            add_items(section, v.items);
            parent.add_child(std::move(section));
          }
        },
        item.value);
  }
}

void collect_vars(const std::vector<LayoutItem>& items, std::vector<std::string>& out) {
  for (const auto& item : items) {
    if (const auto* ref = std::get_if<FieldRef>(&item.value))
      out.push_back(ref->var);
    else if (const auto* section = std::get_if<Section>(&item.value))
      collect_vars(section->items, out);
  }
}

}  // namespace

bool Section::operator==(const Section& other) const {
  return label == other.label && items == other.items;
}

bool LayoutItem::operator==(const LayoutItem& other) const {
  return value == other.value;
}

std::vector<Page> parse_layout(const xml::Element& x) {
  std::vector<Page> pages;
  for (const auto* page : x.children("page", k_ns_layout))
    pages.push_back(Page{page->attr("label"), parse_items(*page)});
  return pages;
}

xml::Element to_element(const Page& page) {
  auto out = layout_element("page");
  if (page.label) out.set_attr("label", *page.label);
  add_items(out, page.items);
  return out;
}

std::vector<std::string> referenced_vars(const Page& page) {
  std::vector<std::string> vars;
  collect_vars(page.items, vars);
  return vars;
}

}  // namespace xmpp::forms
