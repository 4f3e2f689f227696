#include "xep/ibb/ibb.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <utility>

#include "core/base64.hpp"
#include "stanza/iq.hpp"

namespace xmpp::ibb {
namespace {

tl::unexpected<Error> bad(std::string_view code, std::string message) {
  return fail(ErrorKind::protocol, std::string(code), "", std::move(message));
}

std::optional<std::uint64_t> parse_number(std::string_view text, std::uint64_t max) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > max) return std::nullopt;
  return value;
}

std::optional<StanzaKind> parse_kind(std::string_view text) {
  if (text == "iq") return StanzaKind::iq;
  if (text == "message") return StanzaKind::message;
  return std::nullopt;
}

/// The sid, block-size and stanza attributes shared by <open/> and the Jingle <transport/>.
struct Params {
  std::string sid;
  std::uint32_t block_size = 0;
  std::optional<StanzaKind> stanza;
};

Result<Params> parse_params(const xml::Element& e, std::string_view code) {
  const auto sid = e.attr("sid");
  if (!sid || sid->empty()) return bad(code, "<" + e.name() + "/> without sid");
  const auto size_text = e.attr("block-size");
  if (!size_text) return bad(code, "<" + e.name() + "/> without block-size");
  const auto size = parse_number(*size_text, 0xffffffffU);
  if (!size) return bad(code, "block-size '" + *size_text + "' is not a number");
  Params out{*sid, static_cast<std::uint32_t>(*size), std::nullopt};
  if (const auto kind = e.attr("stanza")) {
    out.stanza = parse_kind(*kind);
    if (!out.stanza) return bad(code, "unknown stanza kind '" + *kind + "'");
  }
  return out;
}

/// The longest base64 text `block_size` bytes can take (RFC 4648 §4: 4 characters per 3 bytes,
/// padded).
std::uint64_t max_text(std::uint32_t block_size) {
  return (std::uint64_t{block_size} + 2) / 3 * 4;
}

}  // namespace

std::string_view to_string(StanzaKind kind) {
  return kind == StanzaKind::message ? "message" : "iq";
}

xml::Element make_open_element(const Open& open) {
  auto e = xml::element("open", k_ns);
  e.set_attr("block-size", std::to_string(open.block_size));
  e.set_attr("sid", open.sid);
  e.set_attr("stanza", std::string(to_string(open.stanza)));
  return e;
}

xml::Element make_open(const Jid& peer, const Open& open, std::string id) {
  return stanza::make_iq(stanza::IqType::set, peer.str(), make_open_element(open), std::move(id));
}

Result<Open> parse_open(const xml::Element& open) {
  if (!open.is("open", k_ns)) return bad("bad_open", "not an IBB <open/>");
  auto params = parse_params(open, "bad_open");
  if (!params) return fail(params.error());
  return Open{std::move(params->sid), params->block_size, params->stanza.value_or(StanzaKind::iq)};
}

xml::Element make_data_element(std::string sid, std::uint16_t seq, std::string_view bytes) {
  auto e = xml::element("data", k_ns);
  e.set_attr("seq", std::to_string(seq));
  e.set_attr("sid", std::move(sid));
  if (!bytes.empty()) e.add_text(base64_encode(bytes));
  return e;
}

xml::Element make_data(const Jid& peer, std::string sid, std::uint16_t seq, std::string_view bytes,
                       std::string id) {
  return stanza::make_iq(stanza::IqType::set, peer.str(),
                         make_data_element(std::move(sid), seq, bytes), std::move(id));
}

Result<Data> parse_data(const xml::Element& data) {
  if (!data.is("data", k_ns)) return bad("bad_data", "not an IBB <data/>");
  const auto sid = data.attr("sid");
  if (!sid || sid->empty()) return bad("bad_data", "<data/> without sid");
  const auto seq_text = data.attr("seq");
  // §2.2: 'seq' is a 16-bit unsigned integer and MUST be there.
  const auto seq = seq_text ? parse_number(*seq_text, 0xffff) : std::nullopt;
  if (!seq) return bad("bad_data", "<data/> seq is not 0-65535");
  return Data{*sid, static_cast<std::uint16_t>(*seq), data.text()};
}

xml::Element make_close_element(std::string sid) {
  auto e = xml::element("close", k_ns);
  e.set_attr("sid", std::move(sid));
  return e;
}

xml::Element make_close(const Jid& peer, std::string sid, std::string id) {
  return stanza::make_iq(stanza::IqType::set, peer.str(), make_close_element(std::move(sid)),
                         std::move(id));
}

Result<std::string> parse_close(const xml::Element& close) {
  if (!close.is("close", k_ns)) return bad("bad_close", "not an IBB <close/>");
  const auto sid = close.attr("sid");
  if (!sid || sid->empty()) return bad("bad_close", "<close/> without sid");
  return *sid;
}

xml::Element make_transport(const Transport& transport) {
  auto e = xml::element("transport", k_ns_jingle);
  e.set_attr("block-size", std::to_string(transport.block_size));
  e.set_attr("sid", transport.sid);
  if (transport.stanza) e.set_attr("stanza", std::string(to_string(*transport.stanza)));
  return e;
}

Result<Transport> parse_transport(const xml::Element& transport) {
  if (!transport.is("transport", k_ns_jingle))
    return bad("bad_transport", "not a Jingle IBB <transport/>");
  auto params = parse_params(transport, "bad_transport");
  if (!params) return fail(params.error());
  return Transport{std::move(params->sid), params->block_size, params->stanza};
}

std::optional<std::uint32_t> negotiate_block_size(std::uint32_t offered, std::uint32_t our_max) {
  if (offered == 0 || our_max == 0) return std::nullopt;
  return std::min({offered, our_max, k_max_block_size});
}

// ---- Reader ----

Reader::Reader(Jid peer, std::string sid, std::uint32_t block_size)
    : m_peer(std::move(peer)), m_sid(std::move(sid)), m_block_size(block_size) {
  if (block_size == 0 || block_size > k_max_block_size)
    throw std::invalid_argument("IBB block size must be 1-65535");
}

Reader::Outcome Reader::fail_closed(std::string condition, std::string reason) {
  m_closed = true;
  Outcome out;
  out.error = std::move(condition);
  out.close = true;
  out.reason = std::move(reason);
  return out;
}

Reader::Outcome Reader::on_open(const Jid& from, const Open& open) {
  Outcome out;
  if (from != m_peer || open.sid != m_sid) {
    out.error = "not-acceptable";
    out.reason = "an <open/> for a bytestream we did not negotiate (sid " + open.sid + " from " +
                 from.str() + ")";
  } else if (m_open || m_closed) {
    out.error = "unexpected-request";
    out.reason = "a second <open/> for sid " + open.sid;
  } else if (open.block_size == 0) {
    out.error = "bad-request";
    out.reason = "block-size 0";
  } else if (open.block_size > m_block_size) {
    // XEP-0047 §2.1 (smaller chunks preferred) and XEP-0261 §2.2 (not the negotiated value).
    out.error = "resource-constraint";
    out.reason = "block-size " + std::to_string(open.block_size) + " is above the " +
                 std::to_string(m_block_size) + " we accept";
  } else {
    m_open = true;
    m_block_size = open.block_size;
  }
  return out;
}

Reader::Outcome Reader::on_data(const Jid& from, const Data& data) {
  Outcome out;
  // XEP-0047 §2.2: an unknown session is item-not-found; sessions are (peer, sid), so data from
  // anyone else is for a session that does not exist. A stranger must not end ours: no close.
  if (from != m_peer || data.sid != m_sid || !m_open || m_closed) {
    out.error = "item-not-found";
    out.reason = "data for no open bytestream (sid " + data.sid + " from " + from.str() + ")";
    return out;
  }
  // §2.2: a repeated seq is unexpected-request; any gap means a lost chunk, and the recipient
  // MUST NOT process it nor what follows, but close. Both end the session here.
  if (data.seq != m_next_seq)
    return fail_closed("unexpected-request", "seq " + std::to_string(data.seq) + ", expected " +
                                                 std::to_string(m_next_seq));
  // Checked on the text before decoding, so a huge chunk is never decoded.
  if (data.text.size() > max_text(m_block_size))
    return fail_closed("not-acceptable",
                       "a chunk larger than the block size " + std::to_string(m_block_size));
  auto bytes = base64_decode(data.text);
  // §2.2: "not formatted in accordance with Section 4 of RFC 4648" is bad-request, then close.
  if (!bytes)
    return fail_closed("bad-request",
                       "chunk " + std::to_string(data.seq) + " is not strict base64");
  if (bytes->size() > m_block_size)
    return fail_closed("not-acceptable", "chunk of " + std::to_string(bytes->size()) +
                                             " bytes, larger than the block size " +
                                             std::to_string(m_block_size));
  // §2.2: the counter loops after 65535 back to 0 (uint16_t arithmetic wraps).
  m_next_seq = static_cast<std::uint16_t>(m_next_seq + 1);
  m_bytes += bytes->size();
  out.bytes = std::move(*bytes);
  return out;
}

Reader::Outcome Reader::on_close(const Jid& from, std::string_view sid) {
  Outcome out;
  if (from != m_peer || sid != m_sid || m_closed) {
    // §2.3 example 10: a close for a bytestream we do not know.
    out.error = "item-not-found";
    out.reason =
        "<close/> for no open bytestream (sid " + std::string(sid) + " from " + from.str() + ")";
    return out;
  }
  m_closed = true;
  out.close = true;
  out.reason = "the peer closed the bytestream";
  return out;
}

}  // namespace xmpp::ibb
