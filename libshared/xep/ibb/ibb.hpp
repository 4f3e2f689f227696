// In-Band Bytestreams (XEP-0047 version 2.0.1) and the Jingle IBB transport (XEP-0261 version
// 1.0): <open block-size sid stanza/> (§2.1), <data seq sid>base64</data> (§2.2), <close sid/>
// (§2.3), the <transport/> Jingle carries (XEP-0261 §2.2), and Reader, the receiving end as a pure
// machine that decides, per stanza, the answer and whether the bytestream is over (SECURITY.md
// row 49). Builders and parsers side by side; no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "xml/element.hpp"

namespace xmpp::ibb {

/// XEP-0047 §2: the IBB namespace (disco feature, <open/>, <data/>, <close/>).
inline constexpr std::string_view k_ns = "http://jabber.org/protocol/ibb";
/// XEP-0261 §4: the Jingle transport namespace.
inline constexpr std::string_view k_ns_jingle = "urn:xmpp:jingle:transports:ibb:1";
/// XEP-0047 §2.1: 'block-size' MUST NOT be greater than 65535.
inline constexpr std::uint32_t k_max_block_size = 65535;
/// XEP-0047 §5: 4096 is RECOMMENDED.
inline constexpr std::uint32_t k_default_block_size = 4096;

/// XEP-0047 §2.1 'stanza': how the data chunks travel.
enum class StanzaKind { iq, message };

std::string_view to_string(StanzaKind kind);

/// <open/> (§2.1).
struct Open {
  std::string sid;
  std::uint32_t block_size = k_default_block_size;  ///< as sent; may exceed 65535 (refused later)
  StanzaKind stanza = StanzaKind::iq;
  bool operator==(const Open&) const = default;
};

/// `<open xmlns=k_ns block-size sid stanza/>` ('stanza' always written, as the examples do).
xml::Element make_open_element(const Open& open);
/// `<iq type='set' to=peer><open .../></iq>` (XEP-0047 example 1, XEP-0261 example 5).
xml::Element make_open(const Jid& peer, const Open& open, std::string id = {});
/// Reads an <open/>. Errors, kind protocol, code "bad_open" (answer bad-request): another element,
/// no sid, a block-size that is not a decimal number up to 2^32-1, an unknown stanza kind.
Result<Open> parse_open(const xml::Element& open);

/// One chunk as it arrived: `text` is the character data, not yet decoded (Reader checks it).
struct Data {
  std::string sid;
  std::uint16_t seq = 0;
  std::string text;
  bool operator==(const Data&) const = default;
};

/// `<data xmlns=k_ns seq sid>base64(bytes)</data>` (§2.2).
xml::Element make_data_element(std::string sid, std::uint16_t seq, std::string_view bytes);
/// `<iq type='set' to=peer><data .../></iq>` (XEP-0047 example 6).
xml::Element make_data(const Jid& peer, std::string sid, std::uint16_t seq, std::string_view bytes,
                       std::string id = {});
/// Reads a <data/>. Errors, kind protocol, code "bad_data" (answer bad-request): another element,
/// no sid, a seq that is not 0-65535.
Result<Data> parse_data(const xml::Element& data);

/// `<close xmlns=k_ns sid/>` (§2.3).
xml::Element make_close_element(std::string sid);
/// `<iq type='set' to=peer><close sid/></iq>` (XEP-0047 example 8).
xml::Element make_close(const Jid& peer, std::string sid, std::string id = {});
/// The sid of a <close/>. Errors, kind protocol, code "bad_close": another element or no sid.
Result<std::string> parse_close(const xml::Element& close);

/// The Jingle <transport xmlns=k_ns_jingle block-size sid [stanza]/> (XEP-0261 §2.2).
struct Transport {
  std::string sid;
  std::uint32_t block_size = k_default_block_size;
  std::optional<StanzaKind> stanza;  ///< nullopt: absent (iq)
  bool operator==(const Transport&) const = default;
};

xml::Element make_transport(const Transport& transport);
/// Errors, kind protocol, code "bad_transport" (answer bad-request): as parse_open.
Result<Transport> parse_transport(const xml::Element& transport);

/// The block size to answer a Jingle offer of `offered` with (XEP-0261 §2.2: the responder may
/// lower it in session-accept or transport-accept): min(offered, our_max, 65535). nullopt for an
/// offer of 0, which no block can satisfy.
std::optional<std::uint32_t> negotiate_block_size(std::uint32_t offered, std::uint32_t our_max);

/// The receiving side of one IBB session with one peer (one direction of the bytestream).
class Reader {
 public:
  /// What to do with one inbound stanza.
  struct Outcome {
    /// nullopt: answer with an iq result. Else the stanza error condition to answer with.
    std::optional<std::string> error;
    /// The bytestream is over: the peer closed it, or it broke a rule after which XEP-0047 §2.2
    /// says the recipient MUST close (send our <close/> unless the peer closed, and give up).
    bool close = false;
    std::string bytes;   ///< the decoded chunk of an accepted <data/>
    std::string reason;  ///< for a person, when error or close is set ("seq 5, expected 4")
  };

  /// `peer`: the full JID that negotiated the session; `block_size`: what we agreed to (1-65535,
  /// else std::invalid_argument, a bug).
  Reader(Jid peer, std::string sid, std::uint32_t block_size);

  /// An <open/> from `from` (XEP-0047 §2.1, XEP-0261 §2.2):
  /// - from another JID, or another sid: not-acceptable (we did not negotiate it);
  /// - a block-size above what we agreed (or above 65535): resource-constraint (SECURITY.md row
  ///   49: block-size='1000000'); a smaller one is accepted and then enforced;
  /// - a second <open/>: unexpected-request;
  /// - a block-size of 0: bad-request.
  /// None of these closes the session.
  Outcome on_open(const Jid& from, const Open& open);

  /// A <data/> from `from`, in the order received (§2.2):
  /// - from another JID, for another sid, before <open/> or after close: item-not-found (a
  ///   stranger cannot end our session, so no close);
  /// - seq not the next one modulo 65536 (a repeat or a gap): unexpected-request, close;
  /// - text that is not strict base64 (RFC 4648 §4: no whitespace, correct padding, canonical
  ///   bits; core/base64.hpp): bad-request, close;
  /// - more bytes than the block size (checked on the text's length before decoding):
  /// not-acceptable,
  ///   close.
  /// Otherwise the decoded bytes, answered with a result.
  Outcome on_data(const Jid& from, const Data& data);

  /// A <close/> from `from` (§2.3): ours (result, close) or another's (item-not-found).
  Outcome on_close(const Jid& from, std::string_view sid);

  bool is_open() const { return m_open; }
  bool is_closed() const { return m_closed; }
  std::uint32_t block_size() const { return m_block_size; }
  std::uint16_t next_seq() const { return m_next_seq; }
  std::uint64_t bytes_received() const { return m_bytes; }
  const std::string& sid() const { return m_sid; }
  const Jid& peer() const { return m_peer; }

 private:
  Outcome fail_closed(std::string condition, std::string reason);

  Jid m_peer;
  std::string m_sid;
  std::uint32_t m_block_size;
  std::uint16_t m_next_seq = 0;
  std::uint64_t m_bytes = 0;
  bool m_open = false;
  bool m_closed = false;
};

}  // namespace xmpp::ibb
