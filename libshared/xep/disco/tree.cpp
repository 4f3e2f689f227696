#include "xep/disco/tree.hpp"

#include <algorithm>
#include <deque>
#include <exception>
#include <limits>
#include <memory>
#include <unordered_set>
#include <utility>

#include "stream/signal.hpp"

namespace xmpp::disco {
namespace {

constexpr std::size_t k_none = std::numeric_limits<std::size_t>::max();

// XEP-0030 §4: an item is the pair (jid, node); an absent node and node="" are told apart, since
// the entity said different things.
std::string key_of(const Jid& jid, const std::optional<std::string>& node) {
  std::string key = jid.str();
  key += '\0';
  if (node) {
    key += '1';
    key += *node;
  } else {
    key += '0';
  }
  return key;
}

struct Slot {
  TreeEntity entity;  // children are added when the tree is assembled
  std::string key;
  std::size_t parent = k_none;
  std::vector<std::size_t> kids;
  bool items_done = false;
  std::optional<std::vector<DiscoItem>> items;  // the listed items until they are expanded
};

enum class QueryKind { info, items };

struct Task {
  std::size_t slot;
  QueryKind kind;
};

struct State {
  InfoQuery info;
  ItemsQuery items;
  TreeOptions options;
  // A deque: slots are only appended, and references to them stay valid across push_back while
  // queries are suspended.
  std::deque<Slot> slots;
  std::vector<Task> tasks;
  std::size_t next_task = 0;
  std::size_t in_flight = 0;
  std::exception_ptr failure;
  stream::Signal done;  // a query ended
  std::unordered_set<std::string> seen;
  TreeSummary summary;

  std::size_t add(TreeEntity entity, std::string key, std::size_t parent) {
    const std::size_t index = slots.size();
    switch (entity.mark) {
    case TreeMark::walked:
      ++summary.walked;
      tasks.push_back({index, QueryKind::info});
      if (entity.items_asked) tasks.push_back({index, QueryKind::items});
      break;
    case TreeMark::duplicate:
      ++summary.duplicates;
      break;
    case TreeMark::loop:
      ++summary.loops;
      break;
    }
    slots.push_back(Slot{std::move(entity), std::move(key), parent, {}, false, std::nullopt});
    if (parent != k_none) slots[parent].kids.push_back(index);
    return index;
  }

  bool is_ancestor_or_self(std::size_t index, const std::string& key) const {
    for (std::size_t i = index; i != k_none; i = slots[i].parent)
      if (slots[i].key == key) return true;
    return false;
  }

  // Adds the items `index` listed as its children, in their order. Called in breadth-first order
  // only, so which occurrence of a (jid, node) is walked and which are duplicates never depends on
  // the order replies arrived in.
  void expand(std::size_t index) {
    if (!slots[index].items) return;  // the items query failed: the error is shown in place
    const std::vector<DiscoItem> listed = std::move(*slots[index].items);
    slots[index].items.reset();
    const int level = slots[index].entity.level + 1;
    for (std::size_t i = 0; i < listed.size(); ++i) {
      if (slots.size() >= options.max_entities) {
        summary.left_out += listed.size() - i;
        break;
      }
      const DiscoItem& item = listed[i];
      TreeEntity child;
      child.jid = item.jid;
      child.node = item.node;
      child.name = item.name;
      child.level = level;
      auto key = key_of(item.jid, item.node);
      if (is_ancestor_or_self(index, key)) {
        child.mark = TreeMark::loop;
      } else if (!seen.insert(key).second) {
        child.mark = TreeMark::duplicate;
      } else {
        child.items_asked = level < options.depth;
      }
      add(std::move(child), std::move(key), index);
    }
  }

  TreeEntity assemble(std::size_t index) {
    TreeEntity entity = std::move(slots[index].entity);
    entity.children.reserve(slots[index].kids.size());
    for (const std::size_t kid : slots[index].kids)
      entity.children.push_back(assemble(kid));
    return entity;
  }
};

awaitable<void> run_query(std::shared_ptr<State> state, Task task) {
  const Jid jid = state->slots[task.slot].entity.jid;
  const std::optional<std::string> node = state->slots[task.slot].entity.node;
  try {
    if (task.kind == QueryKind::info) {
      auto result = co_await state->info(jid, node);
      TreeEntity& entity = state->slots[task.slot].entity;
      if (result) {
        entity.info = std::move(*result);
      } else {
        entity.info_error = std::move(result.error());
        ++state->summary.errors;
      }
    } else {
      auto result = co_await state->items(jid, node);
      Slot& slot = state->slots[task.slot];
      if (result) {
        slot.items = std::move(result->items);
      } else {
        slot.entity.items_error = std::move(result.error());
        ++state->summary.errors;
      }
    }
  } catch (...) {
    if (!state->failure) state->failure = std::current_exception();
  }
  if (task.kind == QueryKind::items) state->slots[task.slot].items_done = true;
  --state->in_flight;
  state->done.notify_all();
}

}  // namespace

std::string_view to_string(TreeMark mark) {
  switch (mark) {
  case TreeMark::walked:
    return "walked";
  case TreeMark::duplicate:
    return "duplicate";
  case TreeMark::loop:
    return "loop";
  }
  return "walked";
}

awaitable<Tree> walk_tree(Jid root, std::optional<std::string> node, InfoQuery info,
                          ItemsQuery items, TreeOptions options) {
  const auto executor = co_await asio::this_coro::executor;
  options.depth = std::max(options.depth, 0);
  options.concurrency = std::max<std::size_t>(options.concurrency, 1);
  options.max_entities = std::max<std::size_t>(options.max_entities, 1);

  auto state = std::make_shared<State>();
  state->info = std::move(info);
  state->items = std::move(items);
  state->options = options;

  TreeEntity first;
  first.jid = std::move(root);
  first.node = std::move(node);
  first.items_asked = options.depth > 0;
  auto key = key_of(first.jid, first.node);
  state->seen.insert(key);
  state->add(std::move(first), std::move(key), k_none);

  // `cursor` is the next slot whose items are to be added, in breadth-first order; queries run
  // ahead of it, up to the concurrency bound.
  std::size_t cursor = 0;
  for (;;) {
    while (!state->failure && state->in_flight < options.concurrency &&
           state->next_task < state->tasks.size()) {
      const Task task = state->tasks[state->next_task++];
      ++state->in_flight;
      ++state->summary.queries;
      state->summary.max_in_flight = std::max(state->summary.max_in_flight, state->in_flight);
      asio::co_spawn(executor, run_query(state, task), asio::detached);
    }
    bool expanded = false;
    while (!state->failure && cursor < state->slots.size()) {
      const Slot& slot = state->slots[cursor];
      if (slot.entity.items_asked) {
        if (!slot.items_done) break;
        state->expand(cursor);
        expanded = true;
      }
      ++cursor;
    }
    if (state->in_flight == 0) {
      if (state->failure) std::rethrow_exception(state->failure);
      if (state->next_task == state->tasks.size() && cursor == state->slots.size()) break;
    }
    // New queries to start: no need to wait. Otherwise a query is in flight (with none in flight,
    // every asked slot has its items and the walk ended above) and its end wakes us; ends that
    // happened before this point were seen by the checks above.
    if (expanded) continue;
    if (!state->failure && state->in_flight < options.concurrency &&
        state->next_task < state->tasks.size())
      continue;
    co_await state->done.wait();
  }

  Tree tree;
  tree.summary = state->summary;
  tree.summary.entities = state->slots.size();
  tree.root = state->assemble(0);
  co_return tree;
}

}  // namespace xmpp::disco
