// roster::plan_sync, the import plan: add, update, unchanged, prune and subscribe; groups as
// sets; the last of two entries for one JID; and idempotence (running the plan and planning
// again gives nothing to do).
#include <doctest/doctest.h>

#include <algorithm>

#include "xep/roster/sync.hpp"
#include "xep_examples.hpp"

using namespace xmpp;
using roster::Item;
using roster::Roster;
using roster::SubscriptionState;
using roster::SyncOptions;
using test::jid;

namespace {

Item item(std::string_view j, std::optional<std::string> name = {},
          std::vector<std::string> groups = {},
          SubscriptionState subscription = SubscriptionState::none, bool ask = false) {
  Item i;
  i.jid = jid(j);
  i.name = std::move(name);
  i.groups = std::move(groups);
  i.subscription = subscription;
  i.ask = ask;
  return i;
}

std::vector<std::string> jids(const std::vector<Item>& items) {
  std::vector<std::string> out;
  for (const auto& i : items)
    out.push_back(i.jid.str());
  return out;
}

std::vector<std::string> jids(const std::vector<Jid>& list) {
  std::vector<std::string> out;
  for (const auto& j : list)
    out.push_back(j.str());
  return out;
}

/// What the server's roster looks like after the plan ran: sets keep the subscription state
/// (RFC 6121 §2.1.5) and start new items at none; a subscribe request leaves ask='subscribe'
/// (§3.1.2); removals drop the item.
Roster run(Roster r, const roster::SyncPlan& plan) {
  for (const auto& add : plan.add) {
    Item i = add;
    i.subscription = SubscriptionState::none;
    i.ask = false;
    r.items.push_back(i);
  }
  for (const auto& update : plan.update) {
    auto it = std::find_if(r.items.begin(), r.items.end(),
                           [&](const Item& i) { return i.jid == update.jid; });
    REQUIRE(it != r.items.end());
    it->name = update.name;
    it->groups = update.groups;
  }
  for (const auto& j : plan.subscribe) {
    auto it =
        std::find_if(r.items.begin(), r.items.end(), [&](const Item& i) { return i.jid == j; });
    REQUIRE(it != r.items.end());
    it->ask = true;
  }
  for (const auto& j : plan.remove)
    std::erase_if(r.items, [&](const Item& i) { return i.jid == j; });
  return r;
}

Roster account() {
  Roster r;
  r.version = "v9";
  r.items = {item("romeo@example.net", "Romeo", {"Friends", "Montagues"}, SubscriptionState::both),
             item("mercutio@example.com", "Mercutio", {}, SubscriptionState::from),
             item("benvolio@example.net", "Benvolio", {}, SubscriptionState::both),
             item("tybalt@example.com", {}, {"Capulets"}, SubscriptionState::none, true)};
  return r;
}

}  // namespace

TEST_CASE("plan_sync: the same roster plans nothing") {
  const auto current = account();
  const auto plan = roster::plan_sync(current, current.items, SyncOptions{true, true});
  CHECK(plan.empty());
  CHECK(plan.unchanged == 4);
}

TEST_CASE("plan_sync: add, update, unchanged, in the file's order") {
  const std::vector<Item> wanted{
      item("nurse@example.com", "Nurse", {"Servants"}),
      item("mercutio@example.com", "Mercutio the wit", {}, SubscriptionState::from),
      item("romeo@example.net", "Romeo", {"Montagues", "Friends"}, SubscriptionState::both),
      item("benvolio@example.net", "Benvolio", {"Montagues"}, SubscriptionState::both),
      item("friar@example.org")};
  const auto plan = roster::plan_sync(account(), wanted, SyncOptions{});
  CHECK(jids(plan.add) == std::vector<std::string>{"nurse@example.com", "friar@example.org"});
  CHECK(jids(plan.update) ==
        std::vector<std::string>{"mercutio@example.com", "benvolio@example.net"});
  CHECK(plan.unchanged == 1);  // romeo: the same groups in another order
  CHECK(plan.remove.empty());  // tybalt stays without prune
  CHECK(plan.subscribe.empty());
  CHECK(plan.add[0] == item("nurse@example.com", "Nurse", {"Servants"}));
  CHECK(plan.update[0].name == "Mercutio the wit");
  // An update says what the account's item is, for the report.
  CHECK(plan.update[0].subscription == SubscriptionState::from);
  CHECK(plan.update[1].groups == std::vector<std::string>{"Montagues"});
}

TEST_CASE("plan_sync: groups are sets, a missing name is an empty one, JIDs compare bare") {
  Roster current;
  current.items = {item("a@example.org", {}, {"X", "Y"}), item("b@example.org", "", {})};
  const std::vector<Item> wanted{item("A@Example.org/phone", "", {"Y", "X", "Y", ""}),
                                 item("b@example.org")};
  const auto plan = roster::plan_sync(current, wanted, SyncOptions{true, false});
  CHECK(plan.empty());
  CHECK(plan.unchanged == 2);

  // What is set is clean: the bare JID, no empty name, each group once.
  Roster none;
  const auto add = roster::plan_sync(none, wanted, SyncOptions{});
  REQUIRE(add.add.size() == 2);
  CHECK(add.add[0] == item("a@example.org", {}, {"Y", "X"}));
  CHECK(add.add[1] == item("b@example.org"));
}

TEST_CASE("plan_sync: prune removes what the file lacks, in the account's order") {
  const std::vector<Item> wanted{
      item("benvolio@example.net", "Benvolio", {}, SubscriptionState::both)};
  const auto plan = roster::plan_sync(account(), wanted, SyncOptions{true, false});
  CHECK(jids(plan.remove) == std::vector<std::string>{"romeo@example.net", "mercutio@example.com",
                                                      "tybalt@example.com"});
  CHECK(plan.unchanged == 1);
  CHECK(roster::plan_sync(account(), wanted, SyncOptions{false, false}).remove.empty());
  // An empty file with prune empties the account.
  CHECK(roster::plan_sync(account(), {}, SyncOptions{true, false}).remove.size() == 4);
}

TEST_CASE("plan_sync: subscribe asks for the presence the file had, unless we have or asked it") {
  const std::vector<Item> wanted{
      // 'both' in the file, 'from' in the account: ask.
      item("mercutio@example.com", "Mercutio", {}, SubscriptionState::both),
      // 'both' in both: nothing to ask.
      item("romeo@example.net", "Romeo", {"Friends", "Montagues"}, SubscriptionState::both),
      // 'to' in the file, 'none' with our ask pending: do not ask again.
      item("tybalt@example.com", {}, {"Capulets"}, SubscriptionState::to),
      // New and 'to': add and ask.
      item("nurse@example.com", "Nurse", {}, SubscriptionState::to),
      // New and 'from': only they see us; nothing to ask.
      item("friar@example.org", {}, {}, SubscriptionState::from)};
  const auto plan = roster::plan_sync(account(), wanted, SyncOptions{false, true});
  CHECK(jids(plan.subscribe) ==
        std::vector<std::string>{"mercutio@example.com", "nurse@example.com"});
  CHECK(jids(plan.add) == std::vector<std::string>{"nurse@example.com", "friar@example.org"});
  // Without the option, no requests.
  CHECK(roster::plan_sync(account(), wanted, SyncOptions{}).subscribe.empty());
}

TEST_CASE("plan_sync: a JID listed twice: the last entry counts, at the first place") {
  const std::vector<Item> wanted{item("nurse@example.com", "First"), item("friar@example.org"),
                                 item("nurse@example.com/bed", "Last", {"Servants"})};
  const auto plan = roster::plan_sync(Roster{}, wanted, SyncOptions{});
  REQUIRE(plan.add.size() == 2);
  CHECK(plan.add[0] == item("nurse@example.com", "Last", {"Servants"}));
  CHECK(plan.add[1].jid == jid("friar@example.org"));
}

TEST_CASE("plan_sync is idempotent: the plan of the roster after the plan is empty") {
  const std::vector<Item> wanted{
      item("nurse@example.com", "Nurse", {"Servants", "Servants"}, SubscriptionState::both),
      item("mercutio@example.com", "", {"Friends"}, SubscriptionState::both),
      item("romeo@example.net", "Romeo", {"Montagues", "Friends"}, SubscriptionState::both),
      item("friar@example.org", "Friar", {"", "Church"}),
      item("nurse@example.com", "Nurse", {"Servants"}, SubscriptionState::to)};
  const SyncOptions options{true, true};
  const auto first = roster::plan_sync(account(), wanted, options);
  CHECK_FALSE(first.empty());
  CHECK(first.add.size() == 2);
  CHECK(first.update.size() == 1);
  CHECK(first.remove.size() == 2);
  CHECK(first.subscribe.size() == 2);
  const Roster after = run(account(), first);
  const auto second = roster::plan_sync(after, wanted, options);
  CHECK(second.empty());
  CHECK(second.unchanged == 4);
}
