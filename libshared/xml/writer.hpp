// Our own XML writer (STYLE.md: never build XML by string concatenation): escaping for text and
// attribute values (XML 1.0 §2.4, §3.3.3), namespace declarations (XML Namespaces 1.0) emitted only
// where the namespace changes, and the client stream's open/close tags (RFC 6120 §4.7).
#pragma once

#include <string>
#include <string_view>

#include "xml/element.hpp"

namespace xmpp::xml {

/// Escapes &, <, > in character data, and \r as &#xD; (a literal CR would be read back as LF,
/// XML 1.0 §2.11).
std::string escape_text(std::string_view text);
/// Escapes &, <, >, ', " and the whitespace characters \t \n \r (as char refs) in attribute values.
std::string escape_attr(std::string_view value);

/// Serialises `e` as it is written inside a stream whose default namespace is `parent_ns`
/// (so a jabber:client stanza in a c2s stream is written without an xmlns attribute).
/// - An element whose namespace differs from the default namespace in scope gets xmlns='...'
///   (xmlns='' for an element in no namespace under a default namespace); its children inherit.
/// - Elements in the stream namespace (stream:error, stream:features) are written with the
///   customary `stream:` prefix (RFC 6120 §4.8.5), declared on the outermost such element.
/// - Attributes with a namespace are written with a prefix: xml: for k_ns_xml (never declared),
///   otherwise a generated ns1, ns2... declared on the element that first needs it.
/// Throws std::invalid_argument for text that XML 1.0 cannot carry (control chars, invalid UTF-8),
/// for invalid names and for an attribute named xmlns: callers validate user input first and
/// report ErrorKind::data.
std::string to_string(const Element& e, std::string_view parent_ns = "");

/// True when `text` is valid UTF-8 (shortest form, no surrogates, at most U+10FFFF) made only of
/// XML 1.0 Char code points (#x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF).
bool is_xml_text(std::string_view text);

/// The XML declaration and the client's stream header (RFC 6120 §4.7):
/// `<?xml version='1.0'?><stream:stream xmlns='jabber:client'
/// xmlns:stream='http://etherx.jabber.org/streams' to='..' [from='..'] version='1.0'
/// xml:lang='..'>`. Empty `from` or `lang` are omitted. Throws std::invalid_argument like
/// to_string.
std::string stream_open(std::string_view to, std::string_view from = "",
                        std::string_view lang = "en");
/// `</stream:stream>` (RFC 6120 §4.4).
std::string_view stream_close();

}  // namespace xmpp::xml
