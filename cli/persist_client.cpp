#include "persist_client.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "exit_codes.hpp"
#include "persist_master.hpp"
#include "persist_path.hpp"
#include "persist_wire.hpp"

namespace xmpp::cli::persist {

namespace {

/// A connected socket, closed on scope exit.
struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(Fd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd = std::exchange(o.fd, -1);
    }
    return *this;
  }
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

/// The master's socket, or an empty Fd when nobody listens there (missing or stale).
Result<Fd> connect_master(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path)
    return fail(ErrorKind::config, "persist_path", "",
                fmt::format("{}: the socket path is too long; set XDG_RUNTIME_DIR shorter", path));
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.fd < 0)
    return fail(ErrorKind::software, "socket", "", fmt::format("socket: {}", std::strerror(errno)));
  if (::connect(fd.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno == ENOENT || errno == ECONNREFUSED) return Fd();
    return fail(
        ErrorKind::unavailable, "persist_connect", "",
        fmt::format("cannot reach the persistent master at {}: {}", path, std::strerror(errno)));
  }
  return fd;
}

struct Started {
  int pid = 0;                   ///< the master's, when it is ready
  std::optional<int> exit_code;  ///< it failed (its error is already on stderr)
  bool taken = false;            ///< another master got there first: connect to it
};

/// Forks a master (persist_master.hpp) and waits until it is logged in or has failed.
Result<Started> start_master(const Settings& settings, const std::string& path, Io& io) {
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0)
    return fail(ErrorKind::software, "pipe", "", fmt::format("pipe: {}", std::strerror(errno)));
  io.out.flush();
  io.err.flush();
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(ready[0]);
    ::close(ready[1]);
    return fail(ErrorKind::software, "fork", "", fmt::format("fork: {}", std::strerror(errno)));
  }
  if (pid == 0) {
    ::close(ready[0]);
    run_master(settings, path, ready[1]);  // never returns
    std::_Exit(exit_code(ErrorKind::software));
  }
  ::close(ready[1]);
  const auto note = receive_startup_note(ready[0]);
  ::close(ready[0]);
  Started started;
  if (note && note->kind == k_ready) {
    started.pid = note->value;
    return started;
  }
  ::waitpid(pid, nullptr, 0);  // it has ended (or is ending): no zombie while we run
  if (note && note->kind == k_failed) {
    started.exit_code = note->value;
    return started;
  }
  if (note && note->kind == k_taken) {
    started.taken = true;
    return started;
  }
  return fail(ErrorKind::software, "master_start", "",
              "the persistent master ended before it was ready (a bug)");
}

std::string describe(const Settings& s) {
  return s.jid ? s.jid->str() : std::string("?");
}

int fail_with(const Error& error, const Settings& s, Io& io) {
  const int code = exit_code(error.kind);
  print_error(error, s.json, io.err, code);
  io.err.flush();
  return code;
}

void note(const Settings& s, Io& io, std::string_view text) {
  if (s.verbose <= 0) return;
  io.err << "xmpp: " << text << '\n';
  io.err.flush();
}

}  // namespace

bool shareable(const std::vector<std::string>& args, std::string_view command) {
  if (command == "send" || command == "disco" || command == "ping" || command == "version" ||
      command == "time")
    return true;
  if (command != "pubsub") return false;
  // `pubsub publish`: the first word after `pubsub` (global options take no word that is
  // "publish" as a value in practice; a misjudged line still runs, on its own login).
  for (std::size_t i = 0; i < args.size(); ++i)
    if (args[i] == "pubsub") {
      for (std::size_t j = i + 1; j < args.size(); ++j)
        if (!args[j].empty() && args[j][0] != '-') return args[j] == "publish";
      return false;
    }
  return false;
}

int run_persistent(const std::vector<std::string>& args, const Invocation& invocation,
                   const Environment& env, Io& io) {
  const auto& s = invocation.settings;
  const auto action = s.persist.action;
  if (action == Persist::Action::run && (!shareable(args, invocation.command) || !s.jid)) {
    if (s.jid)
      note(s, io,
           fmt::format("--persist: '{}' logs in on its own (only send, disco, ping, version, "
                       "time and pubsub publish share the stream)",
                       invocation.command));
    return run(s, invocation.runner, io);
  }
  if (!s.jid)
    return fail_with(make_error(ErrorKind::config, "no_account", "",
                                "no account: give -j JID, set XMPP_JID or write a config file "
                                "(see man xmpp)"),
                     s, io);
  std::string cwd;
  {
    char buf[4096];
    if (::getcwd(buf, sizeof buf) == nullptr)
      return fail_with(make_error(ErrorKind::no_input, "no_cwd", "",
                                  fmt::format("getcwd: {}", std::strerror(errno))),
                       s, io);
    cwd = buf;
  }
  const uid_t uid = ::geteuid();
  const auto dir = socket_dir(s.runtime_dir, uid);
  const auto path = dir + "/" + socket_name(s, cwd);
  const bool control = action != Persist::Action::run;
  const auto none_running = [&] {
    return fail_with(
        make_error(ErrorKind::unavailable, "no_master", "",
                   fmt::format("no persistent connection for {} ({})", describe(s), path)),
        s, io);
  };
  if (control) {
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0) return none_running();
    if (auto ok = check_private_dir(dir, uid); !ok) return fail_with(ok.error(), s, io);
  } else if (auto ok = ensure_private_dir(dir, uid); !ok) {
    return fail_with(ok.error(), s, io);
  }
  if (auto ok = check_socket_file(path, uid); !ok) return fail_with(ok.error(), s, io);

  auto connected = connect_master(path);
  if (!connected) return fail_with(connected.error(), s, io);
  Fd fd = std::move(*connected);
  Request request;
  request.action = action;
  request.cwd = cwd;
  request.env = environment_entries(env);
  if (control) {
    if (fd.fd < 0) return none_running();
    auto sent = send_request(fd.fd, request, {});
    if (!sent) return fail_with(sent.error(), s, io);
    auto reply = receive_reply(fd.fd);
    if (!reply) return fail_with(reply.error(), s, io);
    if (!s.quiet) {
      io.err << (action == Persist::Action::check
                     ? fmt::format("xmpp: master running (pid {}) for {}\n", reply->pid,
                                   describe(s))
                     : fmt::format("xmpp: asked the master (pid {}) for {} to stop\n", reply->pid,
                                   describe(s)));
      io.err.flush();
    }
    return reply->code;
  }

  request.args = args;
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (fd.fd < 0) {
      auto started = start_master(s, path, io);
      if (!started) return fail_with(started.error(), s, io);
      if (started->exit_code) return *started->exit_code;
      if (!started->taken)
        note(s, io,
             fmt::format("started a persistent connection for {} (master pid {}), idle timeout "
                         "{} s",
                         describe(s), started->pid, s.persist.idle.count()));
      auto again = connect_master(path);
      if (!again) return fail_with(again.error(), s, io);
      fd = std::move(*again);
      if (fd.fd < 0) continue;  // it ended at once (a stream lost already): start another
    }
    auto sent = send_request(fd.fd, request, {0, 1, 2});
    if (!sent) return fail_with(sent.error(), s, io);
    auto reply = receive_reply(fd.fd);
    if (!reply) return fail_with(reply.error(), s, io);
    if (reply->kind == 'D') {
      // The master's stream died while it waited: a new one replaces it (ssh's user would
      // start a new ControlMaster; we do it for them).
      note(s, io,
           fmt::format("the persistent connection (master pid {}) was lost: logging in again",
                       reply->pid));
      fd.reset();
      continue;
    }
    note(s, io, fmt::format("ran through the persistent connection (master pid {})", reply->pid));
    return reply->code;
  }
  return fail_with(make_error(ErrorKind::temporary, "master_lost", "",
                              "the persistent connection keeps failing; try without --persist"),
                   s, io);
}

}  // namespace xmpp::cli::persist
