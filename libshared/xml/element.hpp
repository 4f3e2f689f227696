// A small owned XML element tree: what the parser builds from each stanza and what the writer
// serialises. Namespaces are resolved: every element and attribute carries its namespace URI, never
// a prefix (XML Namespaces 1.0), so dispatch can never be fooled by prefix games (SECURITY.md row 17).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xmpp::xml {

inline constexpr std::string_view k_ns_xml = "http://www.w3.org/XML/1998/namespace";

/// An attribute. `ns` is empty for ordinary unprefixed attributes (the only ones protocol code
/// reads through `Element::attr`); `xml:lang` has ns == k_ns_xml.
struct Attribute {
  std::string ns;
  std::string name;
  std::string value;
  bool operator==(const Attribute&) const = default;
};

class Element;

/// A child node: either text (character data, already unescaped) or an element.
class Node {
 public:
  explicit Node(std::string text);
  explicit Node(Element element);
  Node(const Node& other);
  Node(Node&&) noexcept = default;
  Node& operator=(const Node& other);
  Node& operator=(Node&&) noexcept = default;
  ~Node();

  bool is_text() const { return !m_element; }
  const std::string& text() const { return m_text; }      ///< valid when is_text()
  const Element& element() const { return *m_element; }   ///< valid when !is_text()
  Element& element() { return *m_element; }
  bool operator==(const Node& other) const;

 private:
  std::string m_text;
  std::unique_ptr<Element> m_element;
};

class Element {
 public:
  Element(std::string name, std::string ns);

  const std::string& name() const { return m_name; }
  const std::string& ns() const { return m_ns; }
  bool is(std::string_view name, std::string_view ns) const { return m_name == name && m_ns == ns; }

  /// Value of an unprefixed (no-namespace) attribute; namespaced attributes are never returned here.
  std::optional<std::string> attr(std::string_view name) const;
  /// Value of an attribute in namespace `ns` (e.g. xml:lang with k_ns_xml).
  std::optional<std::string> attr_ns(std::string_view ns, std::string_view name) const;
  /// Sets (replacing) an unprefixed attribute. Returns *this for chaining.
  Element& set_attr(std::string name, std::string value);
  Element& set_attr_ns(std::string ns, std::string name, std::string value);
  Element& remove_attr(std::string_view name);
  /// Makes room for `n` attributes (for a parser that knows how many are coming).
  void reserve_attributes(std::size_t n) { m_attributes.reserve(n); }
  const std::vector<Attribute>& attributes() const { return m_attributes; }

  /// Appends a child element and returns a reference to the stored copy (valid until the next append).
  Element& add_child(Element child);
  /// Appends character data (adjacent text nodes are merged).
  Element& add_text(std::string text);

  const std::vector<Node>& nodes() const { return m_nodes; }
  std::vector<Node>& nodes() { return m_nodes; }

  /// First child element with this name and namespace, or nullptr.
  const Element* child(std::string_view name, std::string_view ns) const;
  Element* child(std::string_view name, std::string_view ns);
  /// First child element in namespace `ns` whatever its name (e.g. an iq's payload, a stanza error condition).
  const Element* child_in(std::string_view ns) const;
  /// All child elements with this name and namespace.
  std::vector<const Element*> children(std::string_view name, std::string_view ns) const;
  /// All child elements.
  std::vector<const Element*> elements() const;

  /// Concatenated direct character data.
  std::string text() const;
  /// Text of the first child (name, ns), or nullopt if there is no such child.
  std::optional<std::string> child_text(std::string_view name, std::string_view ns) const;

  bool operator==(const Element& other) const;

 private:
  std::string m_name;
  std::string m_ns;
  std::vector<Attribute> m_attributes;
  std::vector<Node> m_nodes;
};

/// An empty element, for building stanzas from a name and a namespace constant.
Element element(std::string_view name, std::string_view ns);

/// "<name xmlns='ns'>": how an error message names an element it did not expect.
std::string describe(const Element& e);

}  // namespace xmpp::xml
