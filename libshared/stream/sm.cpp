#include "stream/sm.hpp"

#include <charconv>

#include "stream/namespaces.hpp"

namespace xmpp::stream {

std::optional<std::uint32_t> parse_h(std::string_view text) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  for (char c : text)
    if (c < '0' || c > '9') return std::nullopt;
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value > 0xffffffffULL)
    return std::nullopt;
  return static_cast<std::uint32_t>(value);
}

void StreamManagement::enable(std::string id, bool resumable, std::optional<std::uint32_t> max,
                              std::string location) {
  m_enabled = true;
  m_resumable = resumable;
  m_id = std::move(id);
  m_max = max;
  m_location = std::move(location);
  m_handled = 0;
  m_sent = 0;
  m_unacked.clear();
}

void StreamManagement::on_sent(const xml::Element& stanza) {
  if (!m_enabled) return;
  ++m_sent;
  m_unacked.push_back(stanza);
}

Result<std::size_t> StreamManagement::on_ack(std::uint32_t h) {
  // Both sides count modulo 2^32 (XEP-0198 §4): the distance from the last acknowledged
  // position is what is newly acknowledged.
  const auto last = static_cast<std::uint32_t>(acked_total());
  const std::uint32_t delta = h - last;
  if (delta > m_unacked.size()) {
    return fail(ErrorKind::protocol, "stream_error", "undefined-condition",
                "server acknowledged " + std::to_string(h) + " stanzas but only " +
                    std::to_string(static_cast<std::uint32_t>(m_sent)) +
                    " were sent (handled-count-too-high)");
  }
  m_unacked.erase(m_unacked.begin(), m_unacked.begin() + delta);
  return static_cast<std::size_t>(delta);
}

std::vector<xml::Element> StreamManagement::reset() {
  std::vector<xml::Element> out(std::make_move_iterator(m_unacked.begin()),
                                std::make_move_iterator(m_unacked.end()));
  *this = StreamManagement{};
  return out;
}

xml::Element StreamManagement::make_ack() const {
  xml::Element a("a", std::string(k_ns_sm));
  a.set_attr("h", std::to_string(m_handled));
  return a;
}

xml::Element StreamManagement::make_request() {
  return xml::Element("r", std::string(k_ns_sm));
}

xml::Element StreamManagement::make_enable() {
  xml::Element e("enable", std::string(k_ns_sm));
  e.set_attr("resume", "true");
  return e;
}

xml::Element StreamManagement::make_resume() const {
  xml::Element e("resume", std::string(k_ns_sm));
  e.set_attr("previd", m_id);
  e.set_attr("h", std::to_string(m_handled));
  return e;
}

xml::Element StreamManagement::make_too_high(std::uint32_t h) const {
  xml::Element e("handled-count-too-high", std::string(k_ns_sm));
  e.set_attr("h", std::to_string(h));
  e.set_attr("send-count", std::to_string(static_cast<std::uint32_t>(m_sent)));
  return e;
}

}  // namespace xmpp::stream
