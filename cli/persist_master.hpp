// The --persist master (man xmpp, PERSISTENT CONNECTIONS): a background process that holds one
// logged-in stream and runs the commands its clients send over a UNIX socket, one at a time,
// with the client's stdin/stdout/stderr as the command's, until it has been idle for the
// --persist duration, is told to stop, or loses its stream.
#pragma once

#include <string>

#include "options.hpp"

namespace xmpp::cli::persist {

/// Runs a master in this (freshly forked) process: binds the socket at `path` (mode 0600), logs
/// in with `settings` (prompting, -v facts and errors on the inherited stdio), reports on
/// `ready_fd` (persist_wire.hpp's start-up note), detaches (setsid, stdio to /dev/null, cwd /) and
/// serves until the end. Returns the process's exit code. Never returns into the caller's command.
int run_master(const Settings& settings, const std::string& path, int ready_fd);

}  // namespace xmpp::cli::persist
