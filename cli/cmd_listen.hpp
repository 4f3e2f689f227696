// `xmpp listen [--from JID]... [--muc ROOM]... [--count N] [--type T]` (CLI.md "listen"): print
// messages (and with --presence, presence) as they arrive, one line or one NDJSON object each.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "context.hpp"
#include "output.hpp"

namespace xmpp::cli {

struct ListenArgs {
  std::vector<std::string> from;    ///< --from JID (repeatable)
  std::vector<std::string> rooms;   ///< --muc ROOM (repeatable): bare room JIDs to join
  std::optional<std::string> nick;  ///< --nick (default: our JID's local part)
  std::optional<std::string> room_password;
  std::vector<std::string> types;  ///< --type (repeatable, or a comma list)
  int count = 0;                   ///< --count N; 0 = no limit
  bool presence = false;
  bool carbons = false;
  bool no_receipts = false;
};

/// Listens until --count items were printed (exit 0), the deadline (exit 0, or 75 when --count
/// was not reached), Ctrl-C (exit 0 after closing the stream), or the connection is lost and not
/// re-established (75; with --retries N it reconnects first).
awaitable<Outcome> run_listen(Context& ctx, ListenArgs args);

}  // namespace xmpp::cli
