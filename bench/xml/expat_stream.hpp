// The baseline of bench_xml: expat 2.5 (Debian libexpat1-dev), a push parser, reading the same
// inbound stream as one document, fed the same reads as ours, with namespace processing on.
// Two workloads, to bracket a fair comparison:
//   - count: start/end handlers only, counting depth and the top-level elements that end; no
//     character data handler, nothing built. The floor: what tokenising and checking costs.
//   - tree: builds, for each top-level element, the same xml::Element our parser returns
//     (resolved names and namespaces, attributes in order, text merged between tags): the
//     comparable workload.
#pragma once

#include <memory>
#include <string_view>

#include "stream_pass.hpp"

struct XML_ParserStruct;  // expat.h's parser; the header stays out of the other files

namespace xmpp::bench {

class ExpatStream {
 public:
  enum class Mode { count, tree };

  explicit ExpatStream(Mode mode);
  ~ExpatStream();
  ExpatStream(const ExpatStream&) = delete;
  ExpatStream& operator=(const ExpatStream&) = delete;

  /// Parses `stream` from its first byte, after XML_ParserReset, fed in reads of `chunk` bytes
  /// (k_whole: one read). `sink` sees each element in tree mode only.
  PassResult parse(std::string_view stream, std::size_t chunk, const ElementSink& sink = {});

  struct State;

 private:
  Mode m_mode;
  XML_ParserStruct* m_parser;
  std::unique_ptr<State> m_state;
};

}  // namespace xmpp::bench
