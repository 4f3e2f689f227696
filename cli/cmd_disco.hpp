// `xmpp disco info|items|tree JID [--node N] [--depth N] [--concurrency K]` (CLI.md "disco":
// XEP-0030 Service Discovery, XEP-0059 paging, XEP-0115 caps, XEP-0128 extension forms).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "context.hpp"
#include "output.hpp"

namespace xmpp::cli {

struct DiscoArgs {
  std::string action;  ///< the subcommand: "info", "items" or "tree"
  std::string target;
  std::optional<std::string> node;
  std::optional<int> depth;        ///< tree only (default 2)
  std::optional<int> concurrency;  ///< tree only (default 8)
};

inline constexpr int k_default_depth = 2;
inline constexpr int k_default_concurrency = 8;
/// `disco tree` stops adding entities beyond this many (and says how many items it left out).
inline constexpr std::size_t k_max_entities = 10000;
/// `disco tree`: each query waits this long at most (less when the overall deadline is nearer).
inline constexpr std::chrono::milliseconds k_query_timeout{10000};

/// Runs `disco ACTION`: --depth and --concurrency with info or items are a usage error (exit 64);
/// the target's own error decides the exit; in `tree`, errors below the root are shown in place.
awaitable<Outcome> run_disco(Context& ctx, DiscoArgs args);

}  // namespace xmpp::cli
