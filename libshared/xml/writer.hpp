// Our own XML writer (STYLE.md: never build XML by string concatenation): escaping for text and
// attribute values, namespace declarations emitted only where the namespace changes.
#pragma once

#include <string>
#include <string_view>

#include "xml/element.hpp"

namespace xmpp::xml {

/// Escapes &, <, > in character data.
std::string escape_text(std::string_view text);
/// Escapes &, <, >, ', " and the whitespace characters \t \n \r (as char refs) in attribute values.
std::string escape_attr(std::string_view value);

/// Serialises `e` as it is written inside a stream whose default namespace is `parent_ns`
/// (so a jabber:client stanza in a c2s stream is written without an xmlns attribute).
/// Attributes with a namespace are written with a generated prefix (xml: for k_ns_xml).
/// Throws std::invalid_argument for text that XML 1.0 cannot carry (control chars, invalid UTF-8):
/// callers validate user input first and report ErrorKind::data.
std::string to_string(const Element& e, std::string_view parent_ns = "");

/// True when `text` is valid UTF-8 made only of XML 1.0 Char code points.
bool is_xml_text(std::string_view text);

}  // namespace xmpp::xml
