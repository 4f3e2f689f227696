#include "persist_master.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "app.hpp"
#include "context.hpp"
#include "exit_codes.hpp"
#include "persist_wire.hpp"

namespace xmpp::cli::persist {

namespace {

using std::chrono::steady_clock;
using local_stream = asio::local::stream_protocol;

/// Binds and listens at `path`; -1 with errno EADDRINUSE when a live master holds it. A stale
/// socket (nobody accepts) is replaced.
int listen_at(const std::string& path, ino_t& inode) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  for (int attempt = 0; attempt < 2; ++attempt) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    const mode_t old = ::umask(0177);  // the socket is born 0600
    const int bound = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::umask(old);
    if (bound == 0 && ::listen(fd, 64) == 0) {
      struct stat st {};
      if (::stat(path.c_str(), &st) == 0) inode = st.st_ino;
      return fd;
    }
    const int why = errno;
    ::close(fd);
    if (why != EADDRINUSE || attempt > 0) {
      errno = why;
      return -1;
    }
    // Someone listening? Then it is a master for this connection: use it.
    const int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const bool live =
        probe >= 0 && ::connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    if (probe >= 0) ::close(probe);
    if (live) {
      errno = EADDRINUSE;
      return -1;
    }
    ::unlink(path.c_str());
  }
  return -1;
}

class Master {
 public:
  Master(const Settings& settings, std::string path, int listen_fd, ino_t inode)
      : m_settings(settings), m_path(std::move(path)),
        m_inode(inode), m_io{std::cout, std::cerr, tty_prompt,
                             [](stream::SessionOptions options) {
                               return stream::Session::open(std::move(options));
                             }},
        m_login(m_ioc.get_executor(), settings, m_io), m_acceptor(m_ioc), m_idle(m_ioc),
        m_signals(m_ioc, SIGTERM, SIGINT, SIGHUP) {
    m_acceptor.assign(local_stream(), listen_fd);
  }

  int run(int ready_fd) {
    asio::co_spawn(m_ioc, lifetime(ready_fd), asio::detached);
    m_ioc.run();
    return m_code;
  }

 private:
  awaitable<void> lifetime(int ready_fd) {
    // The login obeys --timeout, as a fresh `xmpp` would.
    asio::steady_timer login_deadline(m_ioc);
    if (m_settings.timeout.count() > 0) {
      login_deadline.expires_after(m_settings.timeout);
      login_deadline.async_wait([this, ready_fd](const boost::system::error_code& ec) {
        if (ec) return;
        const auto error =
            make_error(ErrorKind::temporary, "timeout", "",
                       fmt::format("timed out after {:g} s", m_settings.timeout.count() / 1000.0));
        print_error(error, m_settings.json, std::cerr, exit_code(error.kind));
        std::cerr.flush();
        send_startup_note(ready_fd, {k_failed, exit_code(error.kind)});
        unlink_socket();
        std::_Exit(exit_code(error.kind));
      });
    }
    auto opened = co_await m_login.session();
    login_deadline.cancel();
    if (!opened) {
      m_code = exit_code(opened.error().kind);
      print_error(opened.error(), m_settings.json, std::cerr, m_code);
      std::cerr.flush();
      unlink_socket();
      send_startup_note(ready_fd, {k_failed, m_code});
      m_ioc.stop();
      co_return;
    }
    m_session = *opened;
    detach();
    send_startup_note(ready_fd, {k_ready, static_cast<int>(::getpid())});
    ::close(ready_fd);

    wait_signal();
    asio::co_spawn(m_ioc, watch_stream(), asio::detached);
    arm_idle();
    while (!m_ending) {
      boost::system::error_code ec;
      local_stream::socket client(m_ioc);
      co_await m_acceptor.async_accept(client, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || m_ending) break;
      m_idle.cancel();
      m_busy = true;
      co_await serve(std::move(client));
      m_busy = false;
      if (m_dead) m_ending = true;
      if (!m_ending) arm_idle();
    }
    co_await finish();
  }

  /// Leaves the terminal and the first client's stdio: the master outlives them.
  void detach() {
    std::cout.flush();
    std::cerr.flush();
    ::setsid();
    if (::chdir("/") != 0) { /* "/" exists */
    }
    m_devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    restore_stdio();
  }

  void restore_stdio() {
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    for (int fd = 0; fd < 3; ++fd)
      ::dup2(m_devnull, fd);
  }

  void arm_idle() {
    m_idle.expires_after(m_settings.persist.idle);
    m_idle.async_wait([this](const boost::system::error_code& ec) {
      if (ec || m_busy) return;
      end();
    });
  }

  void wait_signal() {
    m_signals.async_wait([this](const boost::system::error_code& ec, int) {
      if (ec) return;
      end();
    });
  }

  /// Stops accepting; the command in progress (if any) still finishes.
  void end() {
    m_ending = true;
    boost::system::error_code ignored;
    m_acceptor.cancel(ignored);
  }

  /// Ends the master when the stream dies while it waits (the server closed it, a restart): the
  /// next client then finds no socket and logs in anew.
  awaitable<void> watch_stream() {
    while (!m_ending) {
      auto got = co_await m_session->wait_for([](const xml::Element&) { return false; },
                                              std::chrono::hours(24));
      if (!got && got.error().code == "timeout") continue;
      m_dead = true;
      if (!m_busy) end();
      co_return;
    }
  }

  awaitable<void> finish() {
    m_idle.cancel();
    m_signals.cancel();
    unlink_socket();
    boost::system::error_code ignored;
    m_acceptor.close(ignored);
    if (!m_dead) {
      asio::steady_timer grace(m_ioc);
      grace.expires_after(k_close_grace);
      grace.async_wait([](const boost::system::error_code& ec) {
        if (!ec) std::_Exit(0);
      });
      co_await m_login.close_session();
      grace.cancel();
    }
    m_ioc.stop();
  }

  /// Removes the socket only while it is still ours (a successor may have replaced it).
  void unlink_socket() {
    struct stat st {};
    if (::lstat(m_path.c_str(), &st) == 0 && st.st_ino == m_inode) ::unlink(m_path.c_str());
  }

  awaitable<void> serve(local_stream::socket client) {
    const int fd = client.native_handle();
    ucred peer{};
    socklen_t size = sizeof peer;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0 || peer.uid != ::geteuid())
      co_return;  // SECURITY: only our own user may run commands on our stream
    client.native_non_blocking(false);
    timeval limit{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    auto received = receive_request(fd);
    if (!received) co_return;
    struct CloseFds {
      std::vector<int>& fds;
      ~CloseFds() {
        for (int f : fds)
          ::close(f);
      }
    } close_fds{received->fds};
    const int pid = static_cast<int>(::getpid());
    const auto& request = received->request;
    if (request.action == Persist::Action::check) {
      (void)send_reply(fd, Reply{'X', k_exit_ok, pid});
      co_return;
    }
    if (request.action == Persist::Action::stop) {
      (void)send_reply(fd, Reply{'X', k_exit_ok, pid});
      end();
      co_return;
    }
    if (m_dead || m_session->failure()) {
      m_dead = true;
      (void)send_reply(fd, Reply{'D', 0, pid});
      end();
      co_return;
    }
    if (received->fds.size() != 3) {
      (void)send_reply(fd, Reply{'X', exit_code(ErrorKind::software), pid});
      co_return;
    }
    const int code = co_await run_command(request, received->fds, client);
    (void)send_reply(fd, Reply{'X', code, pid});
  }

  /// Runs one command as the run loop of context.cpp would, on the shared stream, with the
  /// client's descriptors as stdin/stdout/stderr.
  awaitable<int> run_command(const Request& request, const std::vector<int>& fds,
                             local_stream::socket& client) {
    const int client_fd = client.native_handle();
    for (int i = 0; i < 3; ++i)
      ::dup2(fds[static_cast<std::size_t>(i)], i);
    struct Restore {
      Master& m;
      ~Restore() {
        m.restore_stdio();
        if (::chdir("/") != 0) { /* "/" exists */
        }
      }
    } restore{*this};
    if (::chdir(request.cwd.c_str()) != 0) {
      const auto error = make_error(ErrorKind::no_input, "no_cwd", "",
                                    fmt::format("the persistent master cannot enter {}: {}",
                                                request.cwd, std::strerror(errno)));
      print_error(error, false, std::cerr);
      co_return exit_code(error.kind);
    }
    auto parsed = parse_command_line(request.args, environment_of(request));
    if (auto* early = std::get_if<EarlyExit>(&parsed)) {
      std::cout << early->out;
      std::cerr << early->err;
      co_return early->code;
    }
    auto& invocation = std::get<Invocation>(parsed);
    Io io{std::cout, std::cerr, tty_prompt, nullptr};
    io.hard_exit = false;
    io.shared_session = [this](bool reopen) -> awaitable<Result<stream::Session*>> {
      if (reopen || m_dead || m_session->failure()) {
        m_dead = true;
        co_return fail(make_error(ErrorKind::temporary, "connection_lost", "",
                                  "the persistent connection was lost; the next command logs "
                                  "in again"));
      }
      co_return m_session;
    };
    Context ctx(m_ioc.get_executor(), invocation.settings, io);
    const auto timeout = invocation.settings.timeout;
    asio::steady_timer watchdog(m_ioc);
    if (timeout.count() > 0) {
      ctx.set_deadline(steady_clock::now() + timeout);
      // A command that overruns its deadline cannot be cancelled on a shared stream: the client
      // gets exit 75 as from a fresh login, and the master, whose state is unknown, ends.
      watchdog.expires_at(*ctx.deadline() + k_close_grace);
      watchdog.async_wait([this, client_fd, &invocation,
                           &ctx](const boost::system::error_code& ec) {
        // A streaming command (send --lines) may have dropped the default deadline.
        if (ec || !ctx.deadline()) return;
        const auto error = make_error(
            ErrorKind::temporary, "timeout", "",
            fmt::format("timed out after {:g} s", invocation.settings.timeout.count() / 1000.0));
        const int code = exit_code(error.kind);
        print_error(error, invocation.settings.json, std::cerr, code);
        std::cerr.flush();
        (void)send_reply(client_fd, Reply{'X', code, static_cast<int>(::getpid())});
        unlink_socket();
        std::_Exit(code);
      });
    }
    // The client sends nothing more: readable means it is gone (Ctrl-C). The command then
    // winds down as on SIGINT where it can (send --lines stops reading the terminal); others
    // end on their own, within their deadline.
    auto running = std::make_shared<bool>(true);
    client.async_wait(local_stream::socket::wait_read,
                      [running, &ctx](const boost::system::error_code& ec) {
                        if (!ec && *running) (void)ctx.interrupt();
                      });
    Outcome outcome;
    bool threw = false;
    try {
      outcome = co_await invocation.runner(ctx);
    } catch (const std::exception& e) {
      threw = true;
      outcome = Outcome::failure(make_error(ErrorKind::software, "internal", "",
                                            std::string("internal error (a bug): ") + e.what()));
    }
    watchdog.cancel();
    *running = false;
    boost::system::error_code ignored;
    client.cancel(ignored);
    ctx.mark_step("command");
    if (outcome.report) print_report(*outcome.report, ctx.json(), std::cout);
    if (threw) outcome.exit_code = ctx.abort_code(*outcome.error, exit_code(outcome.error->kind));
    const int code = outcome.exit_code ? *outcome.exit_code
                     : outcome.error   ? exit_code(outcome.error->kind)
                                       : k_exit_ok;
    if (outcome.error) print_error(*outcome.error, ctx.json(), std::cerr, code);
    ctx.print_timing();
    co_return code;
  }

  const Settings& m_settings;
  std::string m_path;
  ino_t m_inode;
  asio::io_context m_ioc;
  Io m_io;
  Context m_login;  // owns the stream; after m_ioc, so destroyed before it
  local_stream::acceptor m_acceptor;
  asio::steady_timer m_idle;
  asio::signal_set m_signals;
  stream::Session* m_session = nullptr;
  int m_devnull = -1;
  int m_code = k_exit_ok;
  bool m_ending = false;
  bool m_busy = false;
  bool m_dead = false;
};

}  // namespace

int run_master(const Settings& settings, const std::string& path, int ready_fd) {
  std::signal(SIGPIPE, SIG_IGN);
  ino_t inode = 0;
  const int listen_fd = listen_at(path, inode);
  if (listen_fd < 0) {
    if (errno == EADDRINUSE) {
      send_startup_note(ready_fd, {k_taken, 0});
      return k_exit_ok;
    }
    const auto error =
        make_error(ErrorKind::cant_create, "cant_create", "",
                   fmt::format("cannot listen on {}: {}", path, std::strerror(errno)));
    const int code = exit_code(error.kind);
    print_error(error, settings.json, std::cerr, code);
    std::cerr.flush();
    send_startup_note(ready_fd, {k_failed, code});
    return code;
  }
  Master master(settings, path, listen_fd, inode);
  const int code = master.run(ready_fd);
  // Coroutine frames may still be suspended inside the stream (the watcher): end here rather
  // than run their destructors against a torn-down session (as context.cpp's hard exit does).
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  std::_Exit(code);
}

}  // namespace xmpp::cli::persist
