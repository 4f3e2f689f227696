// What a --persist client and its master say over the UNIX socket (man xmpp, PERSISTENT
// CONNECTIONS). One request, one reply, then the connection closes:
//
//   request: a 4-byte length in host order, carrying SCM_RIGHTS with the client's stdin, stdout
//            and stderr (for `run`), then that many bytes: NUL-terminated strings
//            ACTION, CWD, NAME=VALUE... (the environment the command reads), "", ARG...
//   reply:   one byte ('X' exited with CODE, 'D' the master's stream is dead: log in anew), the
//            exit code and the master's pid, each 4 bytes in host order.
//
// And on the pipe from a freshly forked master to the process that forked it, once, the start-up
// note: one byte (k_ready, k_failed, k_taken), then the pid or the exit code, 4 bytes in host
// order.
//
// The password is never sent: the master is already logged in. Both ends are the same binary on
// the same host (the socket is local), so no versioning or byte order is needed beyond "v1".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "options.hpp"

namespace xmpp::cli::persist {

struct Request {
  Persist::Action action = Persist::Action::run;
  std::string cwd;
  std::vector<std::pair<std::string, std::string>> env;
  std::vector<std::string> args;
};

struct Reply {
  char kind = 'X';  ///< 'X' exit code, 'D' dead stream
  int code = 0;
  int pid = 0;
};

/// The request's bytes (without the length prefix).
std::string encode_request(const Request& request);
/// Errors: kind protocol (a request that is not of the form above).
Result<Request> decode_request(std::string_view bytes);

/// The environment variables a command may read, except XMPP_PASSWORD (never sent).
std::vector<std::pair<std::string, std::string>> environment_entries(const Environment& env);
Environment environment_of(const Request& request);

/// Sends `request` on the connected socket `fd`, with `fds` attached (none for stop/check).
Result<void> send_request(int fd, const Request& request, const std::vector<int>& fds);

struct Received {
  Request request;
  std::vector<int> fds;  ///< owned by the caller (close them)
};
/// Reads one request (blocking; the caller sets SO_RCVTIMEO).
Result<Received> receive_request(int fd);

/// The start-up note's kinds.
inline constexpr char k_ready = 'K';   ///< logged in and listening; the value is the pid
inline constexpr char k_failed = 'F';  ///< could not log in (the error is on stderr); the code
inline constexpr char k_taken = 'R';   ///< another master already listens on the path

struct StartupNote {
  char kind = 0;
  int value = 0;
};
/// Writes the note on the pipe `fd` (fd < 0: nobody waits; a reader gone does not matter).
void send_startup_note(int fd, StartupNote note);
/// Blocks until the note; nullopt when the pipe closed before a whole one (the master died).
std::optional<StartupNote> receive_startup_note(int fd);

Result<void> send_reply(int fd, const Reply& reply);
/// Blocks until the reply; EOF first is kind temporary, code "master_lost".
Result<Reply> receive_reply(int fd);

}  // namespace xmpp::cli::persist
