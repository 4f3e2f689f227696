#include "xep/roster/sync.hpp"

#include <algorithm>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace xmpp::roster {
namespace {

/// The groups as a set: order and repeats do not matter, and an empty name is no group (a
/// server refuses it, RFC 6121 §2.3.3).
std::set<std::string> group_set(const std::vector<std::string>& groups) {
  std::set<std::string> out;
  for (const auto& g : groups)
    if (!g.empty()) out.insert(g);
  return out;
}

bool same_content(const Item& a, const Item& b) {
  return a.name.value_or("") == b.name.value_or("") && group_set(a.groups) == group_set(b.groups);
}

/// What a roster set for `wanted` sends (make_set): its bare JID, its name (none when empty)
/// and its groups, each once, in their first order.
Item settable(const Item& wanted) {
  Item out;
  out.jid = wanted.jid.bare();
  if (wanted.name && !wanted.name->empty()) out.name = wanted.name;
  for (const auto& g : wanted.groups)
    if (!g.empty() && std::find(out.groups.begin(), out.groups.end(), g) == out.groups.end())
      out.groups.push_back(g);
  return out;
}

bool wants_their_presence(SubscriptionState s) {
  return s == SubscriptionState::to || s == SubscriptionState::both;
}

}  // namespace

SyncPlan plan_sync(const Roster& current, const std::vector<Item>& wanted, SyncOptions options) {
  // The last entry for a JID counts, at the place of its first.
  std::vector<Jid> order;
  std::unordered_map<Jid, const Item*> last;
  for (const auto& item : wanted) {
    const Jid bare = item.jid.bare();
    auto [it, inserted] = last.try_emplace(bare, &item);
    if (inserted)
      order.push_back(bare);
    else
      it->second = &item;
  }
  std::unordered_map<Jid, const Item*> have;
  for (const auto& item : current.items)
    have.try_emplace(item.jid.bare(), &item);

  SyncPlan plan;
  for (const auto& jid : order) {
    const Item& want = *last.at(jid);
    const auto found = have.find(jid);
    const Item* cur = found == have.end() ? nullptr : found->second;
    if (cur == nullptr) {
      plan.add.push_back(settable(want));
    } else if (!same_content(*cur, want)) {
      Item changed = settable(want);
      // The account's subscription state, for the caller to show; make_set never sends it.
      changed.subscription = cur->subscription;
      changed.ask = cur->ask;
      changed.approved = cur->approved;
      plan.update.push_back(std::move(changed));
    } else {
      ++plan.unchanged;
    }
    // RFC 6121 §2.1.5: subscription states are not set through the roster; a 'subscribe'
    // presence (§3.1.1) asks for one. Not again while our request is pending (ask, §2.1.2.2).
    if (options.subscribe && wants_their_presence(want.subscription)) {
      const bool has_it = cur != nullptr && wants_their_presence(cur->subscription);
      const bool asked = cur != nullptr && cur->ask;
      if (!has_it && !asked) plan.subscribe.push_back(jid);
    }
  }
  if (options.prune) {
    std::unordered_set<Jid> removed;
    for (const auto& item : current.items) {
      Jid bare = item.jid.bare();
      if (last.count(bare) == 0 && removed.insert(bare).second)
        plan.remove.push_back(std::move(bare));
    }
  }
  return plan;
}

}  // namespace xmpp::roster
