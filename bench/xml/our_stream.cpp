#include "our_stream.hpp"

#include <algorithm>
#include <utility>

namespace xmpp::bench {

OurStream::OurStream() : m_parser(xml::Limits{}) {}

PassResult OurStream::parse(std::string_view stream, std::size_t chunk, const ElementSink& sink) {
  m_parser.reset();
  PassResult result;
  const std::size_t step = chunk == k_whole ? std::max<std::size_t>(stream.size(), 1) : chunk;
  for (std::size_t offset = 0; offset < stream.size(); offset += step) {
    if (auto fed = m_parser.feed(stream.substr(offset, step)); !fed) {
      result.error = fed.error().message;
      return result;
    }
    for (;;) {
      auto event = m_parser.next();
      if (!event) {
        result.error = event.error().message;
        return result;
      }
      if (!*event) break;
      if ((*event)->kind != xml::StreamEvent::Kind::element) continue;
      ++result.elements;
      // Like the session's dispatch, the consumer takes the element; otherwise it dies here.
      if (sink) sink(std::move(*(*event)->element));
    }
  }
  return result;
}

}  // namespace xmpp::bench
