// The `xmpp disco tree` walk over XEP-0030 Service Discovery (version 2.5.0): an entity's info
// (§3) and items (§4), then each item's info and items, breadth-first, with a bound on the queries
// in flight. The queries are injected, so the walk runs and is tested without a network.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/result.hpp"
#include "jid/jid.hpp"
#include "net/asio.hpp"
#include "xep/disco/disco.hpp"

namespace xmpp::disco {

/// disco#info of (jid, node); the walk shows an error in place of the info.
using InfoQuery =
    std::function<awaitable<Result<DiscoInfo>>(Jid jid, std::optional<std::string> node)>;
/// disco#items of (jid, node), all pages; the walk shows an error in place of the children.
using ItemsQuery =
    std::function<awaitable<Result<DiscoItems>>(Jid jid, std::optional<std::string> node)>;

struct TreeOptions {
  /// Levels of items below the root: the root's items are level 1, theirs level 2, ... Entities
  /// at every level get their info asked; items are asked only above the last level, so 0 means
  /// the root's info alone.
  int depth = 2;
  /// Queries in flight at most (at least 1). An ItemsQuery that reads several pages counts once.
  std::size_t concurrency = 8;
  /// Entities in the tree at most, the root, duplicates and loops included; items beyond it are
  /// left out and counted (TreeSummary::left_out).
  std::size_t max_entities = 10000;
};

/// How an entity stands in the walk.
enum class TreeMark {
  walked,     ///< asked for its info (and items above the last level)
  duplicate,  ///< the same (jid, node) was already in the tree elsewhere: not asked again
  loop,       ///< the same (jid, node) as one of its ancestors: not asked again
};

/// "walked", "duplicate", "loop" (the JSON spelling).
std::string_view to_string(TreeMark mark);

/// One entity of the tree.
struct TreeEntity {
  Jid jid;
  std::optional<std::string> node;
  std::optional<std::string> name;  ///< the name its parent's <item/> gave (never for the root)
  TreeMark mark = TreeMark::walked;
  int level = 0;                    ///< 0 for the root
  std::optional<DiscoInfo> info;    ///< walked: the info, unless
  std::optional<Error> info_error;  ///< the query failed
  bool items_asked = false;         ///< walked and above the last level
  std::optional<Error> items_error;
  std::vector<TreeEntity> children;  ///< in the order the entity listed them (items_asked only)
};

struct TreeSummary {
  std::size_t entities = 0;  ///< in the tree: walked + duplicates + loops
  std::size_t walked = 0;
  std::size_t duplicates = 0;
  std::size_t loops = 0;
  std::size_t queries = 0;        ///< info and items queries made
  std::size_t errors = 0;         ///< queries that failed
  std::size_t max_in_flight = 0;  ///< the most queries that were ever in flight at once
  std::size_t left_out = 0;       ///< items not added because max_entities was reached
};

struct Tree {
  TreeEntity root;
  TreeSummary summary;
};

/// Walks (root, node) on the caller's executor (no threads): the root's info and items, then each
/// new item's, level by level, at most `options.concurrency` queries at once. The tree does not
/// depend on the order replies arrive in: entities are added, and duplicates (a (jid, node) seen
/// before, in breadth-first order) and loops (an ancestor's (jid, node)) marked, in breadth-first
/// order of the items. A failed query is kept in place and the walk goes on; an exception from a
/// query (a bug) is rethrown once the queries in flight have ended.
awaitable<Tree> walk_tree(Jid root, std::optional<std::string> node, InfoQuery info,
                          ItemsQuery items, TreeOptions options);

}  // namespace xmpp::disco
