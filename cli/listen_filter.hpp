// Which decoded messages and presence `xmpp listen` prints (--from, --type) and the duplicate
// check by XEP-0359 origin-id (senders retransmit unacknowledged messages after a reconnection).
#pragma once

#include <cstddef>
#include <deque>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "jid/jid.hpp"
#include "listen_message.hpp"

namespace xmpp::cli {

/// --from and --type. Empty lists let everything through.
struct ListenFilter {
  /// A bare JID matches every resource of it (and every occupant of a room); a full JID only
  /// itself. A message matches by its sender, a sent carbon (written by another resource of
  /// ours) by its addressee: --from names the other side of the conversation.
  std::vector<Jid> from;
  std::set<std::string> types;  ///< message types (chat, normal, headline, groupchat, error)

  bool accepts(const ListenMessage& message) const;
  /// Presence is filtered by --from only (--type names message types).
  bool accepts(const ListenPresence& presence) const;
};

/// The (sender, origin-id) pairs of the last `capacity` messages printed. The sender is the
/// bare JID, or in a room the occupant JID (room@service/nick: occupants share the room's bare
/// JID). Messages without an origin-id are never duplicates.
class RecentMessages {
 public:
  static constexpr std::size_t k_default_capacity = 4096;

  explicit RecentMessages(std::size_t capacity = k_default_capacity) : m_capacity(capacity) {}

  /// True when a message with the same key was remembered (and not yet forgotten).
  bool seen(const ListenMessage& message) const;
  /// Remembers the message's key, forgetting the oldest beyond the capacity.
  void remember(const ListenMessage& message);
  std::size_t size() const { return m_order.size(); }

 private:
  using Key = std::pair<std::string, std::string>;
  static std::optional<Key> key(const ListenMessage& message);

  std::size_t m_capacity;
  std::set<Key> m_keys;
  std::deque<Key> m_order;
};

}  // namespace xmpp::cli
