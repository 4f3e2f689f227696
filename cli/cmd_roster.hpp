// `xmpp roster [list|add|set|remove|subscribe|unsubscribe|approve|deny|pending|export|import]`
// (CLI.md "roster": RFC 6121 §2 roster management, §3 presence subscriptions, §2.6 versioning).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "context.hpp"
#include "output.hpp"

namespace xmpp::cli {

struct RosterArgs {
  std::string action = "list";  ///< the subcommand; `xmpp roster` alone lists
  std::string jid;              ///< add, set, remove and the subscription actions
  std::optional<std::string> name;
  std::vector<std::string> groups;
  bool no_groups = false;  ///< set: clear the groups
  bool subscribe = false;  ///< add: also ask for a subscription; import: for to/both items
  bool presence = false;   ///< list
  bool dry_run = false;    ///< import
  bool prune = false;      ///< import
  std::optional<std::string> file;  ///< export (none or "-": stdout), import ("-": stdin)
};

/// Runs one roster subcommand (xmpp-roster(1) says what each does and prints).
awaitable<Outcome> run_roster(Context& ctx, RosterArgs args);

}  // namespace xmpp::cli
