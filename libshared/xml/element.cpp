#include "xml/element.hpp"

#include <algorithm>

namespace xmpp::xml {

Node::Node(std::string text) : m_text(std::move(text)) {}
Node::Node(Element element) : m_element(std::make_unique<Element>(std::move(element))) {}
Node::Node(const Node& other)
    : m_text(other.m_text), m_element(other.m_element ? std::make_unique<Element>(*other.m_element) : nullptr) {}
Node& Node::operator=(const Node& other) {
  if (this != &other) {
    m_text = other.m_text;
    m_element = other.m_element ? std::make_unique<Element>(*other.m_element) : nullptr;
  }
  return *this;
}
Node::~Node() = default;

bool Node::operator==(const Node& other) const {
  if (is_text() != other.is_text()) return false;
  return is_text() ? m_text == other.m_text : *m_element == *other.m_element;
}

Element::Element(std::string name, std::string ns) : m_name(std::move(name)), m_ns(std::move(ns)) {}

std::optional<std::string> Element::attr(std::string_view name) const { return attr_ns("", name); }

std::optional<std::string> Element::attr_ns(std::string_view ns, std::string_view name) const {
  for (const auto& a : m_attributes)
    if (a.ns == ns && a.name == name) return a.value;
  return std::nullopt;
}

Element& Element::set_attr(std::string name, std::string value) {
  return set_attr_ns("", std::move(name), std::move(value));
}

Element& Element::set_attr_ns(std::string ns, std::string name, std::string value) {
  for (auto& a : m_attributes) {
    if (a.ns == ns && a.name == name) {
      a.value = std::move(value);
      return *this;
    }
  }
  m_attributes.push_back(Attribute{std::move(ns), std::move(name), std::move(value)});
  return *this;
}

Element& Element::remove_attr(std::string_view name) {
  std::erase_if(m_attributes, [&](const Attribute& a) { return a.ns.empty() && a.name == name; });
  return *this;
}

Element& Element::add_child(Element child) {
  m_nodes.emplace_back(std::move(child));
  return m_nodes.back().element();
}

Element& Element::add_text(std::string text) {
  if (text.empty()) return *this;
  if (!m_nodes.empty() && m_nodes.back().is_text()) {
    m_nodes.back() = Node(m_nodes.back().text() + text);
  } else {
    m_nodes.emplace_back(std::move(text));
  }
  return *this;
}

const Element* Element::child(std::string_view name, std::string_view ns) const {
  for (const auto& n : m_nodes)
    if (!n.is_text() && n.element().is(name, ns)) return &n.element();
  return nullptr;
}

Element* Element::child(std::string_view name, std::string_view ns) {
  for (auto& n : m_nodes)
    if (!n.is_text() && n.element().is(name, ns)) return &n.element();
  return nullptr;
}

const Element* Element::child_in(std::string_view ns) const {
  for (const auto& n : m_nodes)
    if (!n.is_text() && n.element().ns() == ns) return &n.element();
  return nullptr;
}

std::vector<const Element*> Element::children(std::string_view name, std::string_view ns) const {
  std::vector<const Element*> out;
  for (const auto& n : m_nodes)
    if (!n.is_text() && n.element().is(name, ns)) out.push_back(&n.element());
  return out;
}

std::vector<const Element*> Element::elements() const {
  std::vector<const Element*> out;
  for (const auto& n : m_nodes)
    if (!n.is_text()) out.push_back(&n.element());
  return out;
}

std::string Element::text() const {
  std::string out;
  for (const auto& n : m_nodes)
    if (n.is_text()) out += n.text();
  return out;
}

std::optional<std::string> Element::child_text(std::string_view name, std::string_view ns) const {
  const Element* c = child(name, ns);
  if (!c) return std::nullopt;
  return c->text();
}

bool Element::operator==(const Element& other) const {
  if (m_name != other.m_name || m_ns != other.m_ns || m_nodes != other.m_nodes) return false;
  if (m_attributes.size() != other.m_attributes.size()) return false;
  // Attribute order carries no meaning in XML.
  return std::all_of(m_attributes.begin(), m_attributes.end(), [&](const Attribute& a) {
    return other.attr_ns(a.ns, a.name) == a.value;
  });
}

Element element(std::string_view name, std::string_view ns) {
  return Element(std::string(name), std::string(ns));
}

std::string describe(const Element& e) {
  return "<" + e.name() + (e.ns().empty() ? "" : " xmlns='" + e.ns() + "'") + ">";
}

}  // namespace xmpp::xml
