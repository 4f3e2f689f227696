// The inbound XML stream (RFC 6120 §4, §11): a sans-I/O framer cuts the stream header and each
// complete depth-1 fragment out of the byte stream, enforcing byte, depth and attribute limits;
// each fragment is then parsed by Xerces (xml/parser.cpp, the only file that includes Xerces)
// inside a wrapper carrying the stream header's namespace declarations. See SECURITY.md "Framing".
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "xml/element.hpp"

namespace xmpp::xml {

inline constexpr std::string_view k_ns_streams = "http://etherx.jabber.org/streams";
inline constexpr std::string_view k_ns_client = "jabber:client";

/// The Error of a stream that is not acceptable XML: {protocol, "stream_error", condition,
/// message}, the condition being the one the stream error will carry (RFC 6120 §4.9.3).
Error stream_error(std::string condition, std::string message);

/// Byte-layer limits, enforced by the framer before anything is buffered unboundedly.
struct Limits {
  std::size_t max_stanza_bytes = 1024 * 1024;  ///< one depth-1 element (SECURITY.md row 13)
  std::size_t max_header_bytes = 4096;         ///< the <stream:stream> start tag
  std::size_t max_depth = 64;                  ///< nesting inside one stanza (row 15)
  /// Attributes + namespace declarations on one start tag (row 16).
  std::size_t max_attributes = 64;
  /// Limits before authentication are far smaller (RFC 6120 §13.12 spirit).
  static Limits pre_auth() { return Limits{64 * 1024, 4096, 32, 32}; }
};

/// The opening <stream:stream> tag as received.
struct StreamHeader {
  std::string from, to, id, version, lang;
  std::string default_ns;  ///< jabber:client, or empty when the header declares no default
  /// prefix -> URI declared on the header ("" = the default namespace).
  std::map<std::string, std::string> namespaces;
};

/// One thing read from the stream, in order.
struct StreamEvent {
  enum class Kind { header, element, end } kind;
  StreamHeader header;  ///< Kind::header
  /// Kind::element: a complete top-level element (stanza or nonza).
  std::optional<Element> element;
  /// Where the event stands in the stream: offsets (bytes fed since the last reset) of its first
  /// byte and one past its last. An element's span runs from its '<' to its closing '>'; the
  /// header's includes an XML declaration and whitespace before the start tag.
  std::size_t begin = 0, end = 0;
};

/// Errors returned by feed()/next() have kind ErrorKind::protocol, code "stream_error" and
/// `condition` set to the RFC 6120 §4.9.3 stream error condition to send before closing:
/// not-well-formed, restricted-xml, policy-violation, unsupported-encoding, invalid-namespace,
/// bad-namespace-prefix, unsupported-stanza-type, invalid-xml. After an error the parser is dead
/// (every later call returns the same error) until reset().
///
/// Decisions (SECURITY.md table (a)):
/// - Row 18: the stream element may use any prefix bound to the stream namespace
///   (`<s:stream xmlns:s='http://etherx.jabber.org/streams'>` is accepted, RFC 6120 §4.8.5 makes
///   'stream' a SHOULD); its end tag must repeat the same qualified name. An unprefixed stream
///   element -> bad-namespace-prefix (its default namespace would be the stream namespace,
///   §4.8.2). Stream element not {http://etherx.jabber.org/streams}stream, or a default namespace
///   other than jabber:client -> invalid-namespace. No default namespace at all is accepted
///   (§4.8.2 allows qualifying each stanza instead).
/// - Row 21: any well-formed top-level element is returned, whatever its name or namespace;
///   deciding what is a stanza (and answering unsupported-stanza-type) is the session's job.
/// - Row 22: a second stream header (a top-level element {stream ns}stream, or a depth-1 start
///   tag with the header's qualified name, caught as soon as its name is read) ->
///   unsupported-stanza-type. After Kind::end only whitespace may follow; anything else ->
///   not-well-formed, and nothing after the end tag is ever parsed.
/// - XML declaration: only as the very first bytes of the stream, version 1.0, encoding absent
///   or UTF-8; another version or encoding, or a UTF-16/32 byte order mark ->
///   unsupported-encoding (RFC 6120 §11.5, §11.6); `<?xml` anywhere else -> not-well-formed.
/// - Whitespace between top-level elements (keepalives, §4.6.1) is ignored; other character
///   data there -> not-well-formed.
/// - Comments, processing instructions, DOCTYPE -> restricted-xml (§11.1); undeclared entities,
///   bad character references, invalid UTF-8, control characters -> not-well-formed.
/// - Limits -> policy-violation, found by the framer before an unbounded tag is buffered.
/// - Nested stream elements or stanzas inside a stanza (rows 19, 20) are payload children of the
///   one top-level element; namespaced attributes (row 17, `e:from`) are never returned by
///   Element::attr().
///
/// feed() fails at once only when the violation has no complete event before it; otherwise
/// next() returns those events first and then the error, so every split of the input yields the
/// same events. Call next() until it returns nullopt after each feed(): what is cut but not yet
/// returned stays buffered.
class StreamParser {
 public:
  explicit StreamParser(Limits limits = Limits::pre_auth());
  ~StreamParser();
  StreamParser(const StreamParser&) = delete;
  StreamParser& operator=(const StreamParser&) = delete;

  /// Appends received bytes. May fail at once (e.g. a start tag already over the byte limit).
  Result<void> feed(std::string_view bytes);
  /// The next complete event, nullopt when more bytes are needed.
  /// After Kind::end nothing more is ever returned (data after </stream:stream> is an error).
  Result<std::optional<StreamEvent>> next();
  /// Bytes received but not yet returned as events (whitespace included). Must be 0 right after
  /// <proceed/> (row 23): anything else is plaintext injected before TLS.
  std::size_t buffered() const;
  /// Stream restart (after STARTTLS and after SASL success, RFC 6120 §4.3.3): forget everything,
  /// errors included; the next byte starts a new stream (which may begin with an XML declaration).
  void reset();
  /// Replaces the limits (e.g. Limits{} after authentication); applies from the next byte on.
  void set_limits(Limits limits);

 private:
  struct Impl;
  Result<std::optional<StreamEvent>> take_parsed();
  Impl* m_impl;
};

}  // namespace xmpp::xml
