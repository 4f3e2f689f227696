// The client side of --persist (man xmpp, PERSISTENT CONNECTIONS): find the master for this
// connection (cli/persist_path.hpp), start one when none runs, hand it the command line and our
// stdin/stdout/stderr, and exit with the command's exit code.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "app.hpp"

namespace xmpp::cli::persist {

/// Whether a command line may run on a shared stream: send, disco, ping, version, time and
/// `pubsub publish`. Others log in on their own, as without --persist.
bool shareable(const std::vector<std::string>& args, std::string_view command);

/// Runs `invocation` as its settings' persist action says (not Action::none) and returns the
/// exit code: `run` goes through the master (starting one when none runs; a master whose stream
/// died is replaced once), `stop` and `check` talk to the master only.
int run_persistent(const std::vector<std::string>& args, const Invocation& invocation,
                   const Environment& env, Io& io);

}  // namespace xmpp::cli::persist
