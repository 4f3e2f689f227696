// Sans-I/O framer for an XMPP XML stream (RFC 6120 §4.2, §11; SECURITY.md "Framing"): cuts the
// stream header and each complete depth-1 fragment out of a byte stream and enforces the byte,
// depth and attribute limits before anything is buffered unboundedly. It is not trusted on its
// own: every frame is then read by Xerces (xml/parser.hpp), which must agree.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "xml/stream_parser.hpp"

namespace xmpp::xml {

/// One piece of the stream, in order. `bytes` views the framer's buffer and stays valid until the
/// next feed() or reset().
struct Frame {
  enum class Kind { header, element, end } kind;
  /// header: everything from the start of the stream (XML declaration, whitespace) to the end of
  /// the stream start tag; element: one complete depth-1 element; end: the stream's end tag
  /// (empty for a self-closed stream header).
  std::string_view bytes;
  /// header: the qualified name of the stream element, to close the header for the parser.
  std::string_view qname;
  /// Stream offset (bytes fed since reset) of bytes[0].
  std::size_t offset = 0;
};

/// Checks a complete XML declaration (`<?xml` ... `?>`, XML 1.0 §2.8) strictly. nullopt when it
/// declares version 1.0 and UTF-8 or no encoding; otherwise the stream error: not-well-formed when
/// malformed, unsupported-encoding for another version or encoding (RFC 6120 §11.5, §11.6).
std::optional<Error> check_xml_declaration(std::string_view decl);

/// What the framer decides on its own (Xerces decides everything else, later):
/// - the leading XML declaration (only at offset 0): version 1.0 only, encoding UTF-8 only,
///   anything else unsupported-encoding (RFC 6120 §11.5, §11.6); a UTF-16/32 signature
///   (bytes 00, FE, FF first) is unsupported-encoding too;
/// - `<!DOCTYPE`, `<!--`, `<?target` anywhere -> restricted-xml (RFC 6120 §11.1); `<?xml` anywhere
///   but offset 0 -> not-well-formed (the gloox reset trick, CVE-2022-22784);
/// - whitespace between top-level elements is skipped (keepalives, RFC 6120 §4.6.1); any other
///   character data there, `<![CDATA[` at the top level, or anything but whitespace after the
///   stream's end tag -> not-well-formed;
/// - every end tag must repeat the name of the element it closes (the stream's end tag the header's
///   qualified name), or not-well-formed: a mismatch is found at once, not when a limit is hit;
/// - a depth-1 start tag with the header's qualified name (a second stream header, SECURITY.md
///   row 22) -> unsupported-stanza-type, as soon as its name is read;
/// - limits -> policy-violation: header (declaration + start tag) > max_header_bytes, one element >
///   max_stanza_bytes, nesting > max_depth (the top-level element is depth 1), more than
///   max_attributes attributes (namespace declarations included) on one start tag.
class Framer {
 public:
  explicit Framer(Limits limits);

  /// Appends `bytes` and cuts every complete frame. At the first violation the framer stops: the
  /// bytes after it are dropped, error() is set; frames cut before it stay available to pop().
  void feed(std::string_view bytes);
  /// The next frame in stream order, or nullopt.
  std::optional<Frame> pop();
  /// The frame pop() would return next, left in place; nullopt when none is waiting.
  std::optional<Frame> peek() const;
  /// True when a frame is waiting for pop().
  bool has_frame() const { return !m_frames.empty(); }
  /// The violation, if one was found (frames before it may still be waiting).
  const std::optional<Error>& error() const { return m_error; }
  /// Bytes fed since the end of the last popped frame (or since reset).
  std::size_t buffered() const { return m_total - m_popped; }
  /// Bytes held in the buffer now: the unpopped frames and the piece being cut (bounded by the
  /// limits plus one 64 KiB slice, as long as the caller pops what is cut).
  std::size_t buffer_bytes() const { return m_buf.size(); }
  /// Forgets everything: the next byte starts a new stream (RFC 6120 §4.3.3 restart).
  void reset();
  void set_limits(Limits limits) { m_limits = limits; }

 private:
  enum class State {
    prolog,  // before the stream header
    decl,    // inside the leading XML declaration
    markup,  // at '<', deciding what follows
    tag_name,
    tag_space,
    attr_name,
    attr_name_space,
    attr_eq,
    attr_value,
    after_value,
    empty_slash,
    end_name,
    end_space,
    cdata,
    level0,     // between top-level elements
    content,    // inside a top-level element
    after_end,  // after the stream's end tag
    failed,
  };
  struct Span {
    Frame::Kind kind;
    std::size_t begin, end;  // stream offsets
  };

  void scan();
  void step(std::size_t stop);
  bool step_markup();
  void start_tag_done(bool empty);
  void end_tag_done();
  void emit(Frame::Kind kind, std::size_t begin, std::size_t end);
  void fail(std::string condition, std::string message);
  void compact();
  std::size_t region_limit() const;
  char at(std::size_t offset) const { return m_buf[offset - m_base]; }

  Limits m_limits;
  std::string m_buf;         // bytes from stream offset m_base on
  std::size_t m_base = 0;    // stream offset of m_buf[0]
  std::size_t m_pos = 0;     // next byte to look at
  std::size_t m_total = 0;   // bytes fed since reset
  std::size_t m_popped = 0;  // end of the last popped frame
  std::deque<Span> m_frames;
  State m_state = State::prolog;
  bool m_header_done = false;
  bool m_in_element = false;  // a top-level element is being cut
  std::size_t m_elem_start = 0;
  std::size_t m_mark = 0;      // '<' of the current tag or markup
  std::size_t m_name_end = 0;  // end of the current end tag's name
  std::size_t m_depth = 0;
  std::vector<std::pair<std::size_t, std::size_t>>
      m_open;  // names of open elements (offset, length)
  std::size_t m_attrs = 0;
  char m_quote = 0;
  std::string m_qname;  // the stream element's qualified name
  std::optional<Error> m_error;
};

}  // namespace xmpp::xml
