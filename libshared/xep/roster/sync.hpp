// Importing a roster file into an account: the plan of roster sets and removals that makes the
// account's roster hold the file's items (jid, name, groups), so running it twice changes nothing
// the second time. Subscriptions are not items a client can set (RFC 6121 §2.1.5); the plan lists
// the requests the caller may send for them. Pure functions, no I/O.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "xep/roster/roster.hpp"

namespace xmpp::roster {

struct SyncOptions {
  bool prune = false;  ///< remove items of the account that the file does not have
  /// Also plan a subscription request (SubscriptionAction::subscribe) for each wanted item whose
  /// file subscription is 'to' or 'both' while the account has 'none'/'from' and no pending ask.
  bool subscribe = false;
};

/// What to send. add/update items hold the file's bare JID, name (none when empty) and groups
/// (empty names dropped, each once, first order): exactly what make_set sends. update items also
/// carry the account's subscription, ask and approved, for the caller to show.
struct SyncPlan {
  std::vector<Item> add;       ///< not in the account: roster set
  std::vector<Item> update;    ///< in the account with another name or other groups: roster set
  std::vector<Jid> remove;     ///< prune only
  std::vector<Jid> subscribe;  ///< subscribe option only
  std::size_t unchanged = 0;
  bool empty() const {
    return add.empty() && update.empty() && remove.empty() && subscribe.empty();
  }
};

/// Compares `wanted` with `current` by bare JID: groups are compared as sets (order, duplicates
/// and empty names do not matter), a missing name equals an empty one. Items appear in the plan
/// in `wanted`'s order (removals in `current`'s order). A JID listed twice in `wanted`: the last
/// one counts, at the place of the first. Applying the plan and planning again gives an empty
/// plan (with `subscribe`, once the server has recorded our pending ask).
SyncPlan plan_sync(const Roster& current, const std::vector<Item>& wanted, SyncOptions options);

}  // namespace xmpp::roster
