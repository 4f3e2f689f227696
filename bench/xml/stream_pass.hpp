// What one pass of a parser over a whole inbound stream yields in bench_xml, whichever parser
// made it: the count of top-level elements (stanzas and nonzas, RFC 6120 §4.1) and, on request,
// each element as an xml::Element, so the parsers can be checked against each other.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "xml/element.hpp"

namespace xmpp::bench {

/// Receives each complete top-level element, in stream order.
using ElementSink = std::function<void(xml::Element&&)>;

struct PassResult {
  std::size_t elements = 0;          ///< top-level elements completed
  std::optional<std::string> error;  ///< why the parser stopped, if it did
};

/// The read sizes a pass feeds: `chunk` bytes at a time; 0 = the whole stream in one piece.
inline constexpr std::size_t k_whole = 0;

}  // namespace xmpp::bench
