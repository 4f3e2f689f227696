#include "xml/stream_parser.hpp"

#include <utility>

#include "xml/framer.hpp"
#include "xml/init.hpp"
#include "xml/parser.hpp"

namespace xmpp::xml {

Error stream_error(std::string condition, std::string message) {
  return make_error(ErrorKind::protocol, "stream_error", std::move(condition), std::move(message));
}

namespace {

// RFC 6120 §4.8: what the header's namespaces must be (decisions documented in stream_parser.hpp).
Result<StreamHeader> check_header(ParsedHeader parsed) {
  const Element& root = parsed.element;
  if (root.ns() != k_ns_streams || root.name() != "stream")
    return tl::unexpected(stream_error("invalid-namespace",
                                       "the stream element is {" + root.ns() + "}" + root.name()));
  if (parsed.prefix.empty())
    return tl::unexpected(
        stream_error("bad-namespace-prefix", "the stream element has no namespace prefix"));
  StreamHeader h;
  if (auto it = parsed.namespaces.find(""); it != parsed.namespaces.end()) {
    if (it->second != k_ns_client)
      return tl::unexpected(stream_error("invalid-namespace", "content namespace " + it->second +
                                                                  " is not jabber:client"));
    h.default_ns = it->second;
  }
  h.from = root.attr("from").value_or("");
  h.to = root.attr("to").value_or("");
  h.id = root.attr("id").value_or("");
  h.version = root.attr("version").value_or("");
  h.lang = root.attr_ns(k_ns_xml, "lang").value_or("");
  h.namespaces = std::move(parsed.namespaces);
  return h;
}

}  // namespace

struct StreamParser::Impl {
  Framer framer;
  XercesParser parser;
  std::optional<Error> dead;

  explicit Impl(Limits limits) : framer(limits) {
    parser.set_max_fragment_bytes(limits.max_stanza_bytes);
  }

  tl::unexpected<Error> die(Error e) {
    dead = std::move(e);
    return tl::unexpected(*dead);
  }
};

StreamParser::StreamParser(Limits limits) {
  initialize();
  m_impl = new Impl(limits);
}

StreamParser::~StreamParser() {
  delete m_impl;
}

Result<void> StreamParser::feed(std::string_view bytes) {
  if (m_impl->dead) return tl::unexpected(*m_impl->dead);
  m_impl->framer.feed(bytes);
  // A violation with nothing valid before it fails at once; otherwise next() returns the frames
  // before it first, then the error, so every split of the input gives the same events.
  if (m_impl->framer.error() && !m_impl->framer.has_frame())
    return m_impl->die(*m_impl->framer.error());
  return {};
}

Result<std::optional<StreamEvent>> StreamParser::next() {
  if (m_impl->dead) return tl::unexpected(*m_impl->dead);
  auto frame = m_impl->framer.pop();
  if (!frame) {
    if (m_impl->framer.error()) return m_impl->die(*m_impl->framer.error());
    return std::optional<StreamEvent>{};
  }
  const auto spanned = [&frame](StreamEvent event) {
    event.begin = frame->offset;
    event.end = frame->offset + frame->bytes.size();
    return std::optional<StreamEvent>(std::move(event));
  };
  switch (frame->kind) {
  case Frame::Kind::header: {
    auto parsed =
        m_impl->parser.parse_header(frame->bytes, frame->qname, frame->bytes.ends_with("/>"));
    if (!parsed) return m_impl->die(parsed.error());
    auto header = check_header(std::move(*parsed));
    if (!header) return m_impl->die(header.error());
    m_impl->parser.set_context(header->namespaces);
    return spanned({StreamEvent::Kind::header, std::move(*header), std::nullopt});
  }
  case Frame::Kind::element: {
    auto element = m_impl->parser.parse_fragment(frame->bytes);
    if (!element) return m_impl->die(element.error());
    if (element->is("stream", k_ns_streams))
      return m_impl->die(stream_error("unsupported-stanza-type", "a second stream header"));
    return spanned({StreamEvent::Kind::element, {}, std::move(*element)});
  }
  case Frame::Kind::end:
    return spanned({StreamEvent::Kind::end, {}, std::nullopt});
  }
  return std::optional<StreamEvent>{};
}

std::size_t StreamParser::buffered() const {
  return m_impl->framer.buffered();
}

void StreamParser::reset() {
  m_impl->framer.reset();
  m_impl->dead.reset();
  m_impl->parser.set_context({});
}

void StreamParser::set_limits(Limits limits) {
  m_impl->framer.set_limits(limits);
  m_impl->parser.set_max_fragment_bytes(limits.max_stanza_bytes);
}

}  // namespace xmpp::xml
