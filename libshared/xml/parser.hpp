// The XML parser behind the stream (SECURITY.md "Xerces-C for an endless stream"): Xerces-C SAX2
// with the well-formedness scanner, namespaces on, nothing loaded from outside, restricted XML
// (RFC 6120 §11.1) enforced, building an Element tree. parser.cpp is the only file that includes
// Xerces; this header does not.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "xml/element.hpp"

namespace xmpp::xml {

/// The stream header as Xerces read it.
struct ParsedHeader {
  Element element;     ///< the stream element itself (no children), attributes resolved
  std::string prefix;  ///< the prefix of its qualified name ("" when unprefixed)
  std::map<std::string, std::string> namespaces;  ///< prefix -> URI declared on it ("" = default)
};

/// One Xerces SAX2 reader, configured once (SECURITY.md "Settings (SAX2)") and reused for every
/// parse. Errors are Error{ErrorKind::protocol, "stream_error", condition, message} with condition
/// not-well-formed (anything Xerces rejects), restricted-xml (comment, processing instruction,
/// DTD, entity) or policy-violation (the memory budget). Not thread-safe; one per stream.
class XercesParser {
 public:
  XercesParser();
  ~XercesParser();
  XercesParser(const XercesParser&) = delete;
  XercesParser& operator=(const XercesParser&) = delete;

  /// Parses a stream header: `header` is what precedes the first stanza (optional XML
  /// declaration, whitespace, the start tag of `qname`). Unless `self_closed`, the parser closes
  /// the element itself.
  Result<ParsedHeader> parse_header(std::string_view header, std::string_view qname,
                                    bool self_closed);

  /// Sets the namespace context for parse_fragment: the declarations of the stream header.
  void set_context(const std::map<std::string, std::string>& namespaces);

  /// Parses one top-level fragment inside a wrapper that carries the context's namespace
  /// declarations. Accepted only if Xerces reads exactly one element spanning the whole fragment.
  Result<Element> parse_fragment(std::string_view fragment);

  /// Parses consecutive top-level fragments inside one wrapper, one Xerces document for all of
  /// them, which saves parse_fragment's per-document set-up. Succeeds only if Xerces reads exactly
  /// one element per fragment, each ending at the very byte where its fragment ends (Xerces'
  /// source offset is checked at each end tag). Any error is only a hint that some fragment is
  /// wrong: the caller then parses them one by one with parse_fragment, which alone decides which
  /// fragment fails and how.
  Result<std::vector<Element>> parse_fragments(std::span<const std::string_view> fragments);

  /// Parses a standalone document with the same configuration and returns its root element.
  /// Comments, processing instructions and DOCTYPE are rejected as restricted-xml here too.
  Result<Element> parse_document(std::string_view document);

  /// Sizes the memory budget for fragments of up to `bytes` bytes: Xerces allocates through a
  /// counting memory manager that throws above the budget (SECURITY.md settings table), a second
  /// line of defence behind the framer's limits. Exceeding it is policy-violation.
  void set_max_fragment_bytes(std::size_t bytes);
  /// Bytes Xerces holds right now through this parser (for tests).
  std::size_t memory_in_use() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

/// The Xerces-C version the library was compiled against ("3.2.4", for `xmpp --version`). Xerces
/// has no run-time version query; its shared library's name fixes major and minor. Initialises
/// nothing.
std::string_view xerces_version();

}  // namespace xmpp::xml
