#include "stream/iq_tracker.hpp"

#include "stanza/iq.hpp"

namespace xmpp::stream {
namespace {

bool is_account_or_server(const Jid& to, const Jid& own) {
  if (to == own.bare()) return true;
  return !to.has_local() && to.is_bare() && to.domain() == own.domain();
}

}  // namespace

bool reply_from_matches(const std::optional<Jid>& request_to,
                        const std::optional<std::string>& reply_from, const Jid& own) {
  std::optional<Jid> from;
  if (reply_from) {
    auto parsed = Jid::parse(*reply_from);
    if (!parsed) return false;
    from = std::move(*parsed);
  }
  if (!request_to || is_account_or_server(*request_to, own)) {
    // RFC 6120 §8.1.2.1: on behalf of the account the server sends no 'from' or the bare JID;
    // as itself it uses its domain. Any of the three answers a request to the account or server.
    return !from || is_account_or_server(*from, own);
  }
  return from && *from == *request_to;
}

bool IqTracker::add(const std::string& id, std::optional<Jid> to) {
  return m_pending.emplace(id, Entry{std::move(to), std::nullopt}).second;
}

bool IqTracker::deliver(const xml::Element& iq) {
  if (!stanza::is_iq(iq)) return false;
  const auto type = stanza::iq_type(iq);
  if (type != stanza::IqType::result && type != stanza::IqType::error) return false;
  const auto id = iq.attr("id");
  if (!id) return false;
  auto it = m_pending.find(*id);
  if (it == m_pending.end() || it->second.reply) return false;
  if (!reply_from_matches(it->second.to, iq.attr("from"), m_own)) return false;
  it->second.reply = iq;
  return true;
}

std::optional<xml::Element> IqTracker::take(const std::string& id) {
  auto it = m_pending.find(id);
  if (it == m_pending.end() || !it->second.reply) return std::nullopt;
  auto reply = std::move(it->second.reply);
  m_pending.erase(it);
  return reply;
}

}  // namespace xmpp::stream
