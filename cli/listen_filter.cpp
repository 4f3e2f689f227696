#include "listen_filter.hpp"

#include <algorithm>

namespace xmpp::cli {

namespace {

bool matches(const Jid& wanted, const Jid& jid) {
  return wanted.is_bare() ? is_same_bare(wanted, jid) : wanted == jid;
}

bool any_matches(const std::vector<Jid>& wanted, const Jid& jid) {
  return wanted.empty() ||
         std::any_of(wanted.begin(), wanted.end(), [&](const Jid& w) { return matches(w, jid); });
}

}  // namespace

bool ListenFilter::accepts(const ListenMessage& message) const {
  if (!types.empty() && !types.contains(message.type)) return false;
  if (from.empty()) return true;
  if (message.carbon == carbons::Direction::sent) {
    const auto to = Jid::parse(message.to.value_or(""));
    return to && any_matches(from, *to);
  }
  return any_matches(from, message.sender);
}

bool ListenFilter::accepts(const ListenPresence& presence) const {
  return any_matches(from, presence.sender);
}

std::optional<RecentMessages::Key> RecentMessages::key(const ListenMessage& message) {
  if (!message.origin_id) return std::nullopt;
  // In a room every occupant shares the room's bare JID: the occupant JID tells them apart.
  const std::string sender =
      message.type == "groupchat" ? message.sender.str() : message.sender.bare_str();
  return Key{sender, *message.origin_id};
}

bool RecentMessages::seen(const ListenMessage& message) const {
  const auto k = key(message);
  return k && m_keys.contains(*k);
}

void RecentMessages::remember(const ListenMessage& message) {
  auto k = key(message);
  if (!k || m_capacity == 0 || !m_keys.insert(*k).second) return;
  m_order.push_back(std::move(*k));
  while (m_order.size() > m_capacity) {
    m_keys.erase(m_order.front());
    m_order.pop_front();
  }
}

}  // namespace xmpp::cli
