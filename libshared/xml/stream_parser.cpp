#include "xml/stream_parser.hpp"

#include <deque>
#include <utility>
#include <vector>

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

// At most this many bytes and fragments go to Xerces as one document (see
// StreamParser::Impl::parse_elements): the bytes far below the memory budget's fixed part, the
// count so that the trees parsed ahead of next() stay about as large as one stanza's at most (64
// KiB of "<a/>" would otherwise be 16,384 elements held at once), while the per-document set-up
// is already shared 64 ways.
constexpr std::size_t k_batch_bytes = 64 * 1024;
constexpr std::size_t k_batch_fragments = 64;

}  // namespace

struct StreamParser::Impl {
  // A top-level element parsed ahead of next(), or the error that ends the elements.
  struct Parsed {
    Result<Element> element;
    std::size_t begin, end;
  };

  Framer framer;
  XercesParser parser;
  std::optional<Error> dead;
  std::deque<Parsed> parsed;     // in stream order; an error, if any, is last
  std::size_t popped_end = 0;    // stream offset where the last frame popped from the framer ends
  std::size_t returned_end = 0;  // stream offset where the last event returned by next() ends
  std::vector<Frame> batch;      // parse_elements' scratch, kept for its capacity
  std::vector<std::string_view> views;

  explicit Impl(Limits limits) : framer(limits) {
    parser.set_max_fragment_bytes(limits.max_stanza_bytes);
  }

  tl::unexpected<Error> die(Error e) {
    dead = std::move(e);
    parsed.clear();
    return tl::unexpected(*dead);
  }

  // Parses `first` and the element frames waiting right behind it into `parsed`. One Xerces
  // document per fragment costs about as much set-up as parsing a short stanza, so the waiting
  // fragments are parsed together in one wrapper first (XercesParser::parse_fragments, which
  // checks every boundary against Xerces' byte offsets). If that fails for any reason, each
  // fragment is parsed alone, exactly as without batching, so the elements before a bad one and
  // the error it gets are the same whatever was batched; and any split of the input still gives
  // the same events.
  void parse_elements(const Frame& first) {
    batch.clear();
    batch.push_back(first);
    std::size_t bytes = first.bytes.size();
    while (true) {
      const auto f = framer.peek();
      if (!f || f->kind != Frame::Kind::element || bytes + f->bytes.size() > k_batch_bytes ||
          batch.size() == k_batch_fragments)
        break;
      batch.push_back(*framer.pop());
      bytes += f->bytes.size();
    }
    popped_end = batch.back().offset + batch.back().bytes.size();
    if (batch.size() > 1) {
      views.clear();
      for (const Frame& f : batch)
        views.push_back(f.bytes);
      if (auto elements = parser.parse_fragments(views)) {
        for (std::size_t i = 0; i < batch.size(); ++i)
          if (!add(std::move((*elements)[i]), batch[i])) return;
        return;
      }
    }
    for (const Frame& f : batch) {
      auto element = parser.parse_fragment(f.bytes);
      if (!element) {
        parsed.push_back(Parsed{tl::unexpected(element.error()), f.offset, f.offset});
        return;
      }
      if (!add(std::move(*element), f)) return;
    }
  }

  // Queues one parsed element; false (and the error queued) for a second stream header.
  bool add(Element element, const Frame& f) {
    const std::size_t end = f.offset + f.bytes.size();
    if (element.is("stream", k_ns_streams)) {
      parsed.push_back(
          Parsed{tl::unexpected(stream_error("unsupported-stanza-type", "a second stream header")),
                 f.offset, end});
      return false;
    }
    parsed.push_back(Parsed{std::move(element), f.offset, end});
    return true;
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
  if (m_impl->framer.error() && !m_impl->framer.has_frame() && m_impl->parsed.empty())
    return m_impl->die(*m_impl->framer.error());
  return {};
}

Result<std::optional<StreamEvent>> StreamParser::next() {
  if (m_impl->dead) return tl::unexpected(*m_impl->dead);
  if (!m_impl->parsed.empty()) return take_parsed();
  auto frame = m_impl->framer.pop();
  if (frame) {
    m_impl->popped_end = frame->offset + frame->bytes.size();
    if (frame->kind != Frame::Kind::element) m_impl->returned_end = m_impl->popped_end;
  }
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
  case Frame::Kind::element:
    m_impl->parse_elements(*frame);
    return take_parsed();
  case Frame::Kind::end:
    return spanned({StreamEvent::Kind::end, {}, std::nullopt});
  }
  return std::optional<StreamEvent>{};
}

Result<std::optional<StreamEvent>> StreamParser::take_parsed() {
  auto p = std::move(m_impl->parsed.front());
  m_impl->parsed.pop_front();
  if (!p.element) return m_impl->die(std::move(p.element.error()));
  m_impl->returned_end = p.end;
  StreamEvent event{StreamEvent::Kind::element, {}, std::move(*p.element)};
  event.begin = p.begin;
  event.end = p.end;
  return std::optional<StreamEvent>(std::move(event));
}

std::size_t StreamParser::buffered() const {
  // Elements parsed ahead but not yet returned still count as buffered (row 23).
  return m_impl->framer.buffered() + (m_impl->popped_end - m_impl->returned_end);
}

void StreamParser::reset() {
  m_impl->framer.reset();
  m_impl->dead.reset();
  m_impl->parsed.clear();
  m_impl->popped_end = 0;
  m_impl->returned_end = 0;
  m_impl->parser.set_context({});
}

void StreamParser::set_limits(Limits limits) {
  m_impl->framer.set_limits(limits);
  m_impl->parser.set_max_fragment_bytes(limits.max_stanza_bytes);
}

}  // namespace xmpp::xml
