// XEP-0198 Stream Management (version 1.6.1) state, sans-I/O: the two 'h' counters, the queue of
// unacknowledged outbound stanzas, and the resumption identity. The session feeds it; resumption
// over a new transport reuses it.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "xml/element.hpp"

namespace xmpp::stream {

/// Parses an 'h' attribute: decimal xs:unsignedInt (0 .. 2^32-1), nothing else.
std::optional<std::uint32_t> parse_h(std::string_view text);

class StreamManagement {
 public:
  /// <enabled/> received (XEP-0198 §3): both counters start at zero. `resumable` needs an id.
  void enable(std::string id, bool resumable, std::optional<std::uint32_t> max,
              std::string location);
  bool enabled() const { return m_enabled; }
  bool resumable() const { return m_enabled && m_resumable && !m_id.empty(); }
  const std::string& id() const { return m_id; }
  std::optional<std::uint32_t> max() const { return m_max; }
  const std::string& location() const { return m_location; }

  /// An outbound stanza (message, presence, iq) is being written: counted, kept until acked.
  void on_sent(const xml::Element& stanza);
  /// An inbound stanza was handled: h += 1 (mod 2^32, XEP-0198 §4).
  void on_received() { ++m_handled; }
  /// Our 'h': inbound stanzas handled, for <a h=/> and <resume h=/>.
  std::uint32_t handled() const { return m_handled; }

  /// The server's <a h=/> (or <resumed h=/>): drops the newly acknowledged stanzas and returns how
  /// many there were. Error (kind protocol, code "stream_error", condition undefined-condition)
  /// when `h` acknowledges more than was sent (XEP-0198 §6: handled-count-too-high).
  Result<std::size_t> on_ack(std::uint32_t h);

  /// Stanzas counted since enable(), as a 64-bit total (the wire value is this mod 2^32).
  std::uint64_t sent_total() const { return m_sent; }
  /// Stanzas the server has acknowledged, 64-bit total.
  std::uint64_t acked_total() const { return m_sent - m_unacked.size(); }
  /// Sent but not yet acknowledged, oldest first.
  const std::deque<xml::Element>& unacked() const { return m_unacked; }

  /// Forgets the session (after a failed resumption or for a fresh enable) and returns the
  /// stanzas that were never acknowledged.
  std::vector<xml::Element> reset();

  /// <a xmlns='urn:xmpp:sm:3' h=handled()/>.
  xml::Element make_ack() const;
  /// <r xmlns='urn:xmpp:sm:3'/>.
  static xml::Element make_request();
  /// <enable xmlns='urn:xmpp:sm:3' resume='true'/>.
  static xml::Element make_enable();
  /// <resume xmlns='urn:xmpp:sm:3' previd=id() h=handled()/>.
  xml::Element make_resume() const;
  /// The application condition of the handled-count-too-high stream error (XEP-0198 §6).
  xml::Element make_too_high(std::uint32_t h) const;

 private:
  bool m_enabled = false;
  bool m_resumable = false;
  std::string m_id;
  std::optional<std::uint32_t> m_max;
  std::string m_location;
  std::uint32_t m_handled = 0;
  std::uint64_t m_sent = 0;
  std::deque<xml::Element> m_unacked;
};

}  // namespace xmpp::stream
