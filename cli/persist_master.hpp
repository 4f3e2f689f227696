// The --persist master (man xmpp, PERSISTENT CONNECTIONS): a background process that holds one
// logged-in stream and runs the commands its clients send over a UNIX socket, one at a time,
// with the client's stdin/stdout/stderr as the command's, until it has been idle for the
// --persist duration, is told to stop, or loses its stream.
#pragma once

#include <string>

#include "options.hpp"

namespace xmpp::cli::persist {

/// What a starting master tells the process that forked it, on `ready_fd` (one byte, then the
/// pid or the exit code, 4 bytes in host order).
inline constexpr char k_ready = 'K';   ///< logged in and listening; the pid follows
inline constexpr char k_failed = 'F';  ///< could not log in (the error is on stderr); the code
inline constexpr char k_taken = 'R';   ///< another master already listens on the path

/// Runs a master in this (freshly forked) process: binds the socket at `path` (mode 0600), logs
/// in with `settings` (prompting, -v facts and errors on the inherited stdio), reports on
/// `ready_fd`, detaches (setsid, stdio to /dev/null, cwd /) and serves until the end. Returns the
/// process's exit code. Never returns into the caller's command.
int run_master(const Settings& settings, const std::string& path, int ready_fd);

}  // namespace xmpp::cli::persist
