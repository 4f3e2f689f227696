#include "xml/framer.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

namespace xmpp::xml {
namespace {

constexpr std::size_t k_slice = 64 * 1024;  // feed() appends and scans at most this much at once
constexpr std::size_t k_none = std::numeric_limits<std::size_t>::max();

// XML 1.0 §2.3 S: the only whitespace allowed between stanzas and inside tags.
bool is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// A conservative approximation of NameStartChar / NameChar: ASCII letters, '_' and ':' start a
// name; digits, '-' and '.' may follow; every non-ASCII byte is let through and judged by Xerces.
// Anything else cannot be part of a name, so the framer can tell where a name ends.
// A table, as name bytes are tested one at a time over every name and attribute name.
constexpr unsigned char k_name_start_class = 1, k_name_class = 2;
constexpr std::array<unsigned char, 256> k_name_classes = [] {
  std::array<unsigned char, 256> t{};
  for (int u = 0; u < 256; ++u) {
    const bool start =
        u >= 0x80 || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u == ':';
    const bool name = start || (u >= '0' && u <= '9') || u == '-' || u == '.';
    t[static_cast<std::size_t>(u)] =
        static_cast<unsigned char>((start ? k_name_start_class : 0) | (name ? k_name_class : 0));
  }
  return t;
}();
bool is_name_start(char c) {
  return k_name_classes[static_cast<unsigned char>(c)] & k_name_start_class;
}
bool is_name_byte(char c) {
  return k_name_classes[static_cast<unsigned char>(c)] & k_name_class;
}

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::size_t saturating_add(std::size_t a, std::size_t b) {
  return b > k_none - a ? k_none : a + b;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = ascii_lower(c);
  return out;
}

}  // namespace

Framer::Framer(Limits limits) : m_limits(limits) {}

void Framer::reset() {
  const Limits limits = m_limits;
  std::string buf = std::move(m_buf);
  *this = Framer(limits);
  // Keep an ordinary-sized allocation for the next stream, give a huge one back.
  buf.clear();
  if (buf.capacity() <= 4 * k_slice) m_buf = std::move(buf);
}

void Framer::fail(std::string condition, std::string message) {
  m_state = State::failed;
  m_error = stream_error(std::move(condition), std::move(message));
}

void Framer::emit(Frame::Kind kind, std::size_t begin, std::size_t end) {
  m_frames.push_back(Span{kind, begin, end});
}

std::optional<Frame> Framer::peek() const {
  if (m_frames.empty()) return std::nullopt;
  const Span s = m_frames.front();
  Frame f{s.kind, std::string_view(m_buf).substr(s.begin - m_base, s.end - s.begin), {}, s.begin};
  if (s.kind == Frame::Kind::header) f.qname = m_qname;
  return f;
}

std::optional<Frame> Framer::pop() {
  auto f = peek();
  if (!f) return f;
  m_popped = m_frames.front().end;
  m_frames.pop_front();
  return f;
}

void Framer::feed(std::string_view bytes) {
  // Slices bound what is buffered beyond a violation to one slice, however large `bytes` is.
  while (!bytes.empty() && m_state != State::failed) {
    const std::size_t n = std::min(k_slice, bytes.size());
    compact();
    m_buf.append(bytes.data(), n);
    m_total += n;
    bytes.remove_prefix(n);
    scan();
  }
  m_total += bytes.size();
}

void Framer::compact() {
  std::size_t keep = m_pos;
  if (!m_frames.empty()) {
    keep = m_frames.front().begin;
  } else if (!m_header_done) {
    keep = 0;
  } else if (m_in_element) {
    keep = m_elem_start;
  } else if (m_state == State::markup || m_state == State::end_name ||
             m_state == State::end_space) {
    keep = m_mark;
  }
  const std::size_t drop = keep - m_base;
  if (drop == 0) return;
  // Erase only when at least half the buffer goes, so compaction is amortised linear.
  if (drop == m_buf.size()) {
    m_buf.clear();
  } else if (drop * 2 >= m_buf.size()) {
    m_buf.erase(0, drop);
  } else {
    return;
  }
  m_base += drop;
}

// The offset at which the piece being cut would exceed its limit, or k_none.
std::size_t Framer::region_limit() const {
  if (!m_header_done) return saturating_add(0, m_limits.max_header_bytes);
  if (m_in_element) return saturating_add(m_elem_start, m_limits.max_stanza_bytes);
  if (m_state == State::end_name || m_state == State::end_space)
    return saturating_add(m_mark, m_limits.max_header_bytes);
  return k_none;
}

void Framer::scan() {
  const std::size_t end = m_base + m_buf.size();
  auto over_limit = [&] {
    const std::size_t limit = region_limit();
    if (limit == k_none || m_pos < limit) return false;
    // The piece is incomplete and already as long as allowed: it can only grow past the limit.
    if (!m_header_done)
      fail("policy-violation",
           "stream header longer than " + std::to_string(m_limits.max_header_bytes) + " bytes");
    else if (m_in_element)
      fail("policy-violation",
           "stanza larger than " + std::to_string(m_limits.max_stanza_bytes) + " bytes");
    else
      fail("policy-violation", "stream end tag too long");
    return true;
  };
  while (m_state != State::failed && m_pos < end) {
    if (over_limit()) return;
    const std::size_t stop = std::min(end, region_limit());
    // While a top-level element is being cut its limit stays put, so its tokens are stepped
    // through here without recomputing it; it changes only when the element ends (or begins:
    // a stop computed before it began is not its limit).
    const bool was_in_element = m_in_element;
    do {
      const std::size_t pos = m_pos;
      const State state = m_state;
      if (m_state == State::markup) {
        if (!step_markup()) return;  // waiting for the bytes that decide
      } else {
        step(stop);
      }
      if (m_pos == pos && m_state == state) return;  // waiting for more bytes
    } while (was_in_element && m_in_element && m_state != State::failed && m_pos < stop);
  }
  if (m_state != State::failed) over_limit();
}

bool Framer::step_markup() {
  const std::size_t end = m_base + m_buf.size();
  const std::size_t p = m_mark;
  auto available = [&](std::size_t n) { return p + n < end; };
  enum class Where { prolog, level0, content };
  const Where where =
      !m_header_done ? Where::prolog : (m_in_element ? Where::content : Where::level0);
  if (!available(1)) return false;
  const char c = at(p + 1);

  if (c == '/') {
    if (where == Where::prolog) {
      fail("not-well-formed", "end tag before the stream header");
      return true;
    }
    m_state = State::end_name;
    m_pos = p + 2;
    return true;
  }

  if (c == '?') {
    // A target of "xml" (any case) followed by whitespace or '?' is an XML declaration; it is
    // allowed only as the very first bytes of the stream (XML 1.0 §2.8). Any other processing
    // instruction is restricted XML (RFC 6120 §11.1).
    static constexpr std::string_view k_xml = "xml";
    for (std::size_t i = 0; i < 4; ++i) {
      if (!available(2 + i)) return false;
      const char b = at(p + 2 + i);
      const bool matches = i < 3 ? ascii_lower(b) == k_xml[i] : (is_ws(b) || b == '?');
      if (!matches) {
        fail("restricted-xml", "processing instruction");
        return true;
      }
    }
    if (where == Where::prolog && p == 0 && at(2) == 'x' && at(3) == 'm' && at(4) == 'l') {
      m_state = State::decl;
      m_pos = p + 5;
      return true;
    }
    fail("not-well-formed", "XML declaration after the start of the stream");
    return true;
  }

  if (c == '!') {
    if (!available(2)) return false;
    const char b = at(p + 2);
    std::string_view want;
    if (b == '-') {
      want = "--";
    } else if (b == '[') {
      want = "[CDATA[";
    } else if (b == 'D') {
      want = "DOCTYPE";
    } else {
      fail("not-well-formed", "unexpected markup declaration");
      return true;
    }
    for (std::size_t i = 0; i < want.size(); ++i) {
      if (!available(2 + i)) return false;
      if (at(p + 2 + i) != want[i]) {
        fail("not-well-formed", "unexpected markup declaration");
        return true;
      }
    }
    if (b == '-') {
      fail("restricted-xml", "comment");
    } else if (b == 'D') {
      fail("restricted-xml", "DOCTYPE declaration");
    } else if (where != Where::content) {
      fail("not-well-formed", "CDATA section outside a stanza");
    } else {
      m_state = State::cdata;
      m_pos = p + 2 + want.size();
      m_mark = m_pos;  // start of the CDATA content, for the "]]>" look-behind
    }
    return true;
  }

  if (!is_name_start(c)) {
    fail("not-well-formed", "invalid character after '<'");
    return true;
  }
  if (where == Where::level0) {
    m_in_element = true;
    m_elem_start = p;
    m_depth = 0;
  }
  if (where != Where::prolog) {
    // Depth is checked when the start tag begins, before anything of it is buffered (row 15).
    if (m_depth + 1 > m_limits.max_depth) {
      if (where == Where::level0) m_in_element = false;
      fail("policy-violation", "elements nested deeper than " + std::to_string(m_limits.max_depth));
      return true;
    }
    ++m_depth;
  }
  m_attrs = 0;
  m_state = State::tag_name;
  m_pos = p + 2;
  return true;
}

void Framer::start_tag_done(bool empty) {
  if (!m_header_done) {
    m_header_done = true;
    emit(Frame::Kind::header, 0, m_pos);
    if (empty) {
      emit(Frame::Kind::end, m_pos, m_pos);
      m_state = State::after_end;
    } else {
      m_state = State::level0;
    }
    return;
  }
  if (!empty) {
    m_state = State::content;
    return;
  }
  end_tag_done();
}

void Framer::end_tag_done() {
  if (!m_in_element) {
    // The stream's own end tag (RFC 6120 §4.4); it must close the element the header opened.
    const std::string_view name =
        std::string_view(m_buf).substr(m_mark + 2 - m_base, m_name_end - m_mark - 2);
    if (name != m_qname) {
      fail("not-well-formed", "end tag does not match the stream header");
      return;
    }
    emit(Frame::Kind::end, m_mark, m_pos);
    m_state = State::after_end;
    return;
  }
  // Checked here, not only by Xerces later, so a mismatch cannot swallow the stanzas after it
  // until a limit is hit (RFC 6120 §11.3, row 11).
  const auto [name_at, name_len] = m_open.back();
  if (m_state == State::end_name || m_state == State::end_space) {
    if (std::string_view(m_buf).substr(m_mark + 2 - m_base, m_name_end - m_mark - 2) !=
        std::string_view(m_buf).substr(name_at - m_base, name_len)) {
      fail("not-well-formed", "mismatched end tag");
      return;
    }
  }
  m_open.pop_back();
  --m_depth;
  if (m_depth == 0) {
    emit(Frame::Kind::element, m_elem_start, m_pos);
    m_in_element = false;
    m_state = State::level0;
  } else {
    m_state = State::content;
  }
}

// XML 1.0 §2.8 XMLDecl, parsed strictly; RFC 6120 §11.5/§11.6: version 1.0 and UTF-8 only.
std::optional<Error> check_xml_declaration(std::string_view t) {
  auto malformed = [] { return stream_error("not-well-formed", "malformed XML declaration"); };
  if (t.size() < 7 || t.substr(0, 5) != "<?xml" || t.substr(t.size() - 2) != "?>")
    return malformed();
  std::size_t i = 5;                   // after "<?xml"
  const std::size_t n = t.size() - 2;  // before "?>"
  auto skip_ws = [&] {
    const std::size_t s = i;
    while (i < n && is_ws(t[i]))
      ++i;
    return i > s;
  };
  // Returns 1 when the pseudo-attribute is present, 0 when absent, -1 when malformed.
  auto pseudo = [&](std::string_view name, std::string_view& value) {
    const std::size_t save = i;
    if (!skip_ws() || t.substr(i, name.size()) != name) {
      i = save;
      return 0;
    }
    i += name.size();
    skip_ws();
    if (i >= n || t[i] != '=') return -1;
    ++i;
    skip_ws();
    if (i >= n || (t[i] != '\'' && t[i] != '"')) return -1;
    const char q = t[i++];
    const std::size_t vs = i;
    while (i < n && t[i] != q)
      ++i;
    if (i >= n) return -1;
    value = t.substr(vs, i - vs);
    ++i;
    return 1;
  };
  std::string_view version, encoding, standalone;
  if (pseudo("version", version) != 1) return malformed();
  const int has_encoding = pseudo("encoding", encoding);
  if (has_encoding < 0) return malformed();
  const int has_standalone = pseudo("standalone", standalone);
  if (has_standalone < 0) return malformed();
  skip_ws();
  if (i != n) return malformed();

  // VersionNum ::= '1.' [0-9]+
  if (version.size() < 3 || version.substr(0, 2) != "1." ||
      !std::all_of(version.begin() + 2, version.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return malformed();
  if (has_encoding) {
    // EncName ::= [A-Za-z] ([A-Za-z0-9._] | '-')*
    auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    if (encoding.empty() || !alpha(encoding[0]) ||
        !std::all_of(encoding.begin(), encoding.end(), [&](char c) {
          return alpha(c) || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        }))
      return malformed();
  }
  if (has_standalone && standalone != "yes" && standalone != "no") return malformed();
  if (version != "1.0")
    return stream_error("unsupported-encoding",
                        "XML version " + std::string(version) + " is not supported");
  if (has_encoding && lower(encoding) != "utf-8")
    return stream_error("unsupported-encoding",
                        "encoding " + std::string(encoding) + " is not UTF-8");
  return std::nullopt;
}

void Framer::step(std::size_t stop) {
  const char* const data = m_buf.data() - m_base;  // data[offset] is the byte at stream offset
  // One token per turn. A case returns when it waits for bytes, fails, or may have changed the
  // piece being cut; it breaks when its token is done and the next one can follow here.
  for (;;) {
    if (m_pos >= stop) return;
    switch (m_state) {
    case State::prolog: {
      if (m_pos == 0) {
        // A UTF-16 or UTF-32 signature or a zero byte first: the peer is not speaking UTF-8.
        const auto u = static_cast<unsigned char>(data[0]);
        if (u == 0x00 || u == 0xFE || u == 0xFF) {
          fail("unsupported-encoding", "the stream is not UTF-8");
          return;
        }
      }
      while (m_pos < stop && is_ws(data[m_pos]))
        ++m_pos;
      if (m_pos == stop) return;
      if (data[m_pos] != '<') {
        fail("not-well-formed", "character data before the stream header");
        return;
      }
      m_mark = m_pos;
      m_state = State::markup;
      return;
    }

    case State::decl: {
      const std::size_t end = m_base + m_buf.size();
      while (m_pos < stop) {
        const void* q = std::memchr(data + m_pos, '?', stop - m_pos);
        if (!q) {
          m_pos = stop;
          return;
        }
        const auto qp = static_cast<std::size_t>(static_cast<const char*>(q) - data);
        if (qp + 1 >= end) {
          m_pos = qp;  // "?" is the last byte: wait for the next one
          return;
        }
        if (data[qp + 1] == '>') {
          m_pos = qp + 2;
          if (auto e = check_xml_declaration(std::string_view(m_buf).substr(0, m_pos))) {
            m_state = State::failed;
            m_error = std::move(*e);
          } else {
            m_state = State::prolog;
          }
          return;
        }
        m_pos = qp + 1;
      }
      return;
    }

    case State::markup:
      return;  // handled by step_markup()

    case State::tag_name: {
      while (m_pos < stop && is_name_byte(data[m_pos]))
        ++m_pos;
      if (m_pos == stop) return;
      if (!m_header_done) {
        m_qname.assign(data + m_mark + 1, m_pos - m_mark - 1);
      } else {
        if (m_depth == 1 && std::string_view(data + m_mark + 1, m_pos - m_mark - 1) == m_qname) {
          // A second stream header inside the stream (SECURITY.md row 22): never a stanza.
          fail("unsupported-stanza-type", "a second stream header");
          return;
        }
        m_open.emplace_back(m_mark + 1, m_pos - m_mark - 1);
      }
      const char c = data[m_pos];
      if (is_ws(c)) {
        ++m_pos;
        m_state = State::tag_space;
      } else if (c == '>') {
        ++m_pos;
        start_tag_done(false);
      } else if (c == '/') {
        ++m_pos;
        m_state = State::empty_slash;
      } else {
        fail("not-well-formed", "invalid character in an element name");
      }
      break;
    }

    case State::tag_space: {
      while (m_pos < stop && is_ws(data[m_pos]))
        ++m_pos;
      if (m_pos == stop) return;
      const char c = data[m_pos];
      if (c == '>') {
        ++m_pos;
        start_tag_done(false);
      } else if (c == '/') {
        ++m_pos;
        m_state = State::empty_slash;
      } else if (is_name_start(c)) {
        // Counted as each attribute begins, before its value is buffered (row 16).
        if (++m_attrs > m_limits.max_attributes) {
          fail("policy-violation",
               "more than " + std::to_string(m_limits.max_attributes) + " attributes");
          return;
        }
        ++m_pos;
        m_state = State::attr_name;
      } else {
        fail("not-well-formed", "invalid character in a start tag");
      }
      break;
    }

    case State::attr_name: {
      while (m_pos < stop && is_name_byte(data[m_pos]))
        ++m_pos;
      if (m_pos == stop) return;
      const char c = data[m_pos];
      if (is_ws(c)) {
        ++m_pos;
        m_state = State::attr_name_space;
      } else if (c == '=') {
        ++m_pos;
        m_state = State::attr_eq;
      } else {
        fail("not-well-formed", "invalid character in an attribute name");
      }
      break;
    }

    case State::attr_name_space: {
      while (m_pos < stop && is_ws(data[m_pos]))
        ++m_pos;
      if (m_pos == stop) return;
      if (data[m_pos] != '=') {
        fail("not-well-formed", "attribute without a value");
        return;
      }
      ++m_pos;
      m_state = State::attr_eq;
      break;
    }

    case State::attr_eq: {
      while (m_pos < stop && is_ws(data[m_pos]))
        ++m_pos;
      if (m_pos == stop) return;
      const char c = data[m_pos];
      if (c != '\'' && c != '"') {
        fail("not-well-formed", "attribute value not quoted");
        return;
      }
      m_quote = c;
      ++m_pos;
      m_state = State::attr_value;
      break;
    }

    case State::attr_value: {
      // '>' and "/>" inside a quoted value are data; '<' is never allowed there (XML 1.0 AttValue).
      const void* q = std::memchr(data + m_pos, m_quote, stop - m_pos);
      const std::size_t until =
          q ? static_cast<std::size_t>(static_cast<const char*>(q) - data) : stop;
      if (std::memchr(data + m_pos, '<', until - m_pos)) {
        fail("not-well-formed", "'<' in an attribute value");
        return;
      }
      if (!q) {
        m_pos = stop;
        return;
      }
      m_pos = until + 1;
      m_state = State::after_value;
      break;
    }

    case State::after_value: {
      const char c = data[m_pos];
      if (is_ws(c)) {
        ++m_pos;
        m_state = State::tag_space;
      } else if (c == '>') {
        ++m_pos;
        start_tag_done(false);
      } else if (c == '/') {
        ++m_pos;
        m_state = State::empty_slash;
      } else {
        fail("not-well-formed", "attributes not separated by whitespace");
      }
      break;
    }

    case State::empty_slash: {
      if (data[m_pos] != '>') {
        fail("not-well-formed", "'/' not followed by '>' in a start tag");
        return;
      }
      ++m_pos;
      start_tag_done(true);
      break;
    }

    case State::end_name: {
      if (m_pos == m_mark + 2 && !is_name_start(data[m_pos])) {
        fail("not-well-formed", "invalid end tag");
        return;
      }
      while (m_pos < stop && is_name_byte(data[m_pos]))
        ++m_pos;
      if (m_pos == stop) return;
      m_name_end = m_pos;
      const char c = data[m_pos];
      if (is_ws(c)) {
        ++m_pos;
        m_state = State::end_space;
      } else if (c == '>') {
        ++m_pos;
        end_tag_done();
      } else {
        fail("not-well-formed", "invalid character in an end tag");
      }
      break;
    }

    case State::end_space: {
      while (m_pos < stop && is_ws(data[m_pos]))
        ++m_pos;
      if (m_pos == stop) return;
      if (data[m_pos] != '>') {
        fail("not-well-formed", "invalid character in an end tag");
        return;
      }
      ++m_pos;
      end_tag_done();
      break;
    }

    case State::cdata: {
      // CDATA content may hold '<', '&' and lone ']' or '>'; it ends at the first "]]>".
      while (m_pos < stop) {
        const void* g = std::memchr(data + m_pos, '>', stop - m_pos);
        if (!g) {
          m_pos = stop;
          return;
        }
        const auto gp = static_cast<std::size_t>(static_cast<const char*>(g) - data);
        m_pos = gp + 1;
        if (gp >= m_mark + 2 && data[gp - 1] == ']' && data[gp - 2] == ']') {
          m_state = State::content;
          return;
        }
      }
      return;
    }

    case State::level0: {
      // Whitespace keepalives between top-level elements are skipped (RFC 6120 §4.6.1).
      while (m_pos < stop && is_ws(data[m_pos]))
        ++m_pos;
      if (m_pos == stop) return;
      if (data[m_pos] != '<') {
        fail("not-well-formed", "character data between top-level elements");
        return;
      }
      m_mark = m_pos;
      m_state = State::markup;
      return;
    }

    case State::content: {
      const void* lt = std::memchr(data + m_pos, '<', stop - m_pos);
      if (!lt) {
        m_pos = stop;
        return;
      }
      m_pos = static_cast<std::size_t>(static_cast<const char*>(lt) - data);
      m_mark = m_pos;
      m_state = State::markup;
      break;
    }

    case State::after_end: {
      while (m_pos < stop && is_ws(data[m_pos]))
        ++m_pos;
      if (m_pos == stop) return;
      fail("not-well-formed", "data after the end of the stream");
      return;
    }

    case State::failed:
      return;
    }
    // Inside a top-level element the piece and its limit (`stop`) stay the same until it ends, so
    // its tokens, markup included, are stepped through in this loop rather than by scan().
    if (!m_in_element || m_state == State::failed) return;
    if (m_state == State::markup && !step_markup()) return;
  }
}

}  // namespace xmpp::xml
