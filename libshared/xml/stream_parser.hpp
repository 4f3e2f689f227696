// The inbound XML stream (RFC 6120 §4, §11): a sans-I/O framer cuts the stream header and each
// complete depth-1 fragment out of the byte stream, enforcing byte, depth and attribute limits;
// each fragment is then parsed by Xerces (xml/parser.cpp, the only file that includes Xerces) inside
// a wrapper carrying the stream header's namespace declarations. See SECURITY.md "Framing".
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

/// Byte-layer limits, enforced by the framer before anything is buffered unboundedly.
struct Limits {
  std::size_t max_stanza_bytes = 1024 * 1024;  ///< one depth-1 element (SECURITY.md row 13)
  std::size_t max_header_bytes = 4096;         ///< the <stream:stream> start tag
  std::size_t max_depth = 64;                  ///< nesting inside one stanza (row 15)
  std::size_t max_attributes = 64;             ///< attributes + namespace declarations per element (row 16)
  /// Limits before authentication are far smaller (RFC 6120 §13.12 spirit).
  static Limits pre_auth() { return Limits{64 * 1024, 4096, 32, 32}; }
};

/// The opening <stream:stream> tag as received.
struct StreamHeader {
  std::string from, to, id, version, lang;
  std::string default_ns;                        ///< must be jabber:client on c2s
  std::map<std::string, std::string> namespaces; ///< prefix -> URI declared on the header ("" = default)
};

/// One thing read from the stream, in order.
struct StreamEvent {
  enum class Kind { header, element, end } kind;
  StreamHeader header;                 ///< Kind::header
  std::optional<Element> element;      ///< Kind::element: a complete top-level element (stanza or nonza)
};

/// Errors returned by feed()/next() have kind ErrorKind::protocol, code "stream_error" and
/// `condition` set to the RFC 6120 §4.9.3 stream error condition to send before closing:
/// not-well-formed, restricted-xml, policy-violation, unsupported-encoding, invalid-namespace,
/// bad-namespace-prefix, unsupported-stanza-type, invalid-xml. After an error the parser is dead.
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
  /// Bytes received but not yet returned as events. Must be 0 right after <proceed/> (row 23).
  std::size_t buffered() const;
  /// Stream restart (after STARTTLS and after SASL success, RFC 6120 §4.3.3): forget everything.
  void reset();
  void set_limits(Limits limits);

 private:
  struct Impl;
  Impl* m_impl;
};

}  // namespace xmpp::xml
