// Our inbound XML path in bench_xml, exactly as a session drives it (libshared/stream/session.cpp
// read_loop): each read fed to xml::StreamParser, whose framer cuts the header and every complete
// top-level element and whose Xerces fragment parser builds an xml::Element from each; every
// event is drained before the next read.
#pragma once

#include <string_view>

#include "stream_pass.hpp"
#include "xml/stream_parser.hpp"

namespace xmpp::bench {

class OurStream {
 public:
  /// With the limits a session sets after authentication (xml::Limits{}).
  OurStream();

  /// Parses `stream` from its first byte, after a reset() (what a stream restart does), fed in
  /// reads of `chunk` bytes (k_whole: one read).
  PassResult parse(std::string_view stream, std::size_t chunk, const ElementSink& sink = {});

 private:
  xml::StreamParser m_parser;
};

}  // namespace xmpp::bench
