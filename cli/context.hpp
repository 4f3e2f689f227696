// What a command runs in (STYLE.md "Async"): one io_context on one thread, the resolved settings,
// the session opened on first use, the overall --timeout deadline, SIGINT/SIGTERM handling and
// the mapping of the outcome to an exit code (CLI.md "Exit codes").
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string_view>

#include "core/result.hpp"
#include "credentials.hpp"
#include "net/asio.hpp"
#include "options.hpp"
#include "output.hpp"
#include "stream/phases.hpp"
#include "stream/session.hpp"

namespace xmpp::cli {

/// Opens a session (stream::Session::open in the binary; a fake in tests).
using SessionOpener = std::function<awaitable<Result<std::unique_ptr<stream::Session>>>(
    stream::SessionOptions options)>;

/// Where the program meets the world; injected so the whole run loop is testable.
struct Io {
  std::ostream& out;  ///< results only
  std::ostream& err;  ///< diagnostics
  Prompter prompter;
  SessionOpener open_session;
  /// When the session does not wind down after a deadline or signal, the process must still end
  /// on time: true = _Exit(code) at once (the binary); false = return the code (tests).
  bool hard_exit = true;
  /// Where --timing counts from: the binary sets main()'s entry (the dynamic loader and static
  /// constructors before it are not counted).
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  /// A --persist master's stream (cli/persist_master.hpp): when set, Context::session() returns
  /// it (argument false) instead of opening one, reopen_session() asks for a fresh one (true),
  /// and the Context never closes it.
  std::function<awaitable<Result<stream::Session*>>(bool reopen)> shared_session = nullptr;
};

/// A command that waits (listen, send, ping, muc join --listen, jingle-file receive) ends its own
/// wait this much before the overall deadline, so that reaching --timeout ends it normally and its
/// report is printed, rather than the run loop's bare "timed out" (exit 75).
inline constexpr std::chrono::milliseconds k_deadline_margin{100};
/// Each set-up step that waits for one answer (initial presence, enabling carbons, entering a
/// room, fetching the roster): bounded, so a silent peer costs this much, not the whole --timeout.
inline constexpr std::chrono::milliseconds k_step_timeout{15000};

/// How long a graceful close may take after the command is done, a deadline or a signal.
inline constexpr std::chrono::milliseconds k_close_grace{2000};
/// The close grace once --timeout has (nearly) passed: the server already had the whole
/// deadline to answer, so the close may overrun it by this much at most.
inline constexpr std::chrono::milliseconds k_close_grace_after_deadline{500};

class Context {
 public:
  Context(asio::any_io_executor executor, Settings settings, Io& io);
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  ~Context();

  const Settings& settings() const { return m_settings; }
  bool json() const { return m_settings.json; }
  asio::any_io_executor executor() const { return m_executor; }
  /// Results (stdout).
  std::ostream& out() { return m_io.out; }
  /// Diagnostics (stderr), for what warn/inform do not cover: a progress line redrawn in place.
  std::ostream& err() { return m_io.err; }
  /// "xmpp: warning: MESSAGE" on stderr unless --quiet.
  void warn(std::string_view message);
  /// "xmpp: MESSAGE" on stderr unless --quiet: what a command did besides its output ("exported
  /// 12 items to FILE").
  void inform(std::string_view message);
  /// "xmpp: MESSAGE" on stderr with --verbose.
  void note(std::string_view message);

  /// Time left before the overall deadline (a day when there is none).
  std::chrono::milliseconds remaining() const;

  /// How session() would log in, decided from the settings alone: nothing is read, run or asked.
  enum class Credentials {
    none,    ///< no JID (-j, XMPP_JID, a config account): session() fails with "no_account"
    ready,   ///< a JID with --anonymous or a password source other than the prompt
    prompt,  ///< a JID whose password only a prompt on the terminal can give
  };
  Credentials credentials() const;

  /// The --trace sink, opened (created or truncated) on first use and shared by everything the
  /// command connects afterwards (the probe's streams, then the session); an empty sink without
  /// --trace. A failure (kind cant_create) is returned each time.
  Result<stream::TraceSink> trace_sink();

  /// The logged-in session, opened on first use: credentials, trace, Session::open, -v facts.
  /// A failure is remembered and returned again. Time spent reading the password (a prompt, a
  /// password command) does not count against the deadline.
  awaitable<Result<stream::Session*>> session();
  /// Obtains the password now, as session() would, and keeps it (wiped after use) for the
  /// session() that follows, so a command or prompt runs once: `xmpp config check` reports this
  /// step apart from the login. Returns whether the password is non-empty; errors as session()'s.
  /// Requires a JID and not --anonymous.
  Result<bool> read_password();
  /// True once a session is open.
  bool has_session() const { return m_session != nullptr; }
  /// How long the last successful Session::open took (resolve, connect, TLS, authenticate,
  /// bind), without the time spent reading the password; nullopt before one.
  std::optional<std::chrono::steady_clock::duration> session_open_time() const {
    return m_open_time;
  }
  /// After the connection was lost and could not be resumed: drops the dead session (nothing is
  /// sent on it) and opens a fresh one as session() does (credentials are obtained again).
  awaitable<Result<stream::Session*>> reopen_session();
  /// Graceful close of the session, if one is open.
  awaitable<void> close_session();
  /// A command is done with `session` but still listens for what the server sends about it (a
  /// late bounce): closes it, so that everything the server sends before its </stream:stream>
  /// is dispatched; on a --persist master's shared stream, which must stay open, an iq round
  /// trip with the server instead (the server answers after what it sent before, RFC 6120
  /// §10.1). Waits at most stream::k_close_wait either way; errors are the caller's no concern.
  awaitable<void> settle_session(stream::Session& session);

  /// Lets the running command end gracefully on the first SIGINT/SIGTERM (ping prints its
  /// summary, as ping(8) does): `handler` runs instead of the default stop, the command returns
  /// its outcome, which is printed, and the exit code is still 130/143. A second signal stops
  /// as usual. Pass nullptr to unregister.
  void on_interrupt(std::function<void()> handler) { m_interrupt = std::move(handler); }
  /// True once a signal was delivered to the on_interrupt handler.
  bool interrupted() const { return m_interrupted; }
  /// For a command whose normal end is Ctrl-C (listen, CLI.md): a SIGINT delivered to its
  /// on_interrupt handler then exits as the command's outcome says (0 when it succeeded) instead
  /// of 130. SIGTERM still exits 143; a signal that finds no handler still exits 130.
  void set_sigint_ends_normally(bool value) { m_sigint_ends_normally = value; }
  bool sigint_ends_normally() const { return m_sigint_ends_normally; }
  /// Plugin mode (`xmpp probe --nagios`): when the run ends on an error the command did not
  /// return itself (the deadline, a signal that found no on_interrupt handler, an exception from
  /// the command), `handler` is called with that error (still printed on stderr), may print on
  /// out(), and returns the exit code to use instead of the table's. Pass nullptr to unregister.
  void on_abort(std::function<int(const Error& error)> handler) { m_abort = std::move(handler); }
  /// The exit code for an error that ends the run from outside the command (see on_abort).
  int abort_code(const Error& error, int code) const { return m_abort ? m_abort(error) : code; }

  /// Starts closing the session without waiting (for interrupt handlers, which cannot co_await);
  /// pending requests then fail.
  void close_session_soon();

  /// The options for stream::Session::open, without the password (pure; unit-tested).
  static stream::SessionOptions session_options(const Settings& settings);

  /// Streaming commands (listen, send --lines) run without the default deadline: unless the user
  /// gave --timeout (or a config timeout), this drops it. Returns whether a deadline remains.
  bool drop_default_deadline();

  /// Used by the run loop (nullopt = no deadline: the armed timer then does nothing).
  void set_deadline(std::optional<std::chrono::steady_clock::time_point> deadline) {
    m_deadline = deadline;
  }
  std::optional<std::chrono::steady_clock::time_point> deadline() const { return m_deadline; }
  void on_pause(std::function<void(std::chrono::steady_clock::duration)> extend) {
    m_extend = std::move(extend);
  }
  /// Delivers a signal to the command's interrupt handler; false when it has none.
  bool interrupt();

  /// --timing: step `name` ("command", "close") ends now; nothing without --timing. The session
  /// phases (stream/phases.hpp) and "start-up" (until the session is opened) are marked by
  /// session() itself.
  void mark_step(std::string name);
  /// --timing: the steps on stderr, one line each ("timing: tls  3.41 ms  (at 5.02 ms)  2 reads"),
  /// then the total; once, whatever the output mode (the lines never go to stdout, so --json
  /// stays parseable). Nothing without --timing.
  void print_timing();

 private:
  void print_session_facts();

  asio::any_io_executor m_executor;
  Settings m_settings;
  Io& m_io;
  std::unique_ptr<stream::Session> m_session;
  std::optional<Secret> m_password;  ///< from read_password(), until session() uses it
  std::optional<Error> m_session_error;
  std::optional<std::chrono::steady_clock::time_point> m_deadline;
  std::function<void(std::chrono::steady_clock::duration)> m_extend;
  std::function<void()> m_interrupt;
  std::function<int(const Error&)> m_abort;
  std::optional<std::chrono::steady_clock::duration> m_open_time;
  std::optional<Result<stream::TraceSink>> m_trace;
  std::optional<stream::Timeline> m_timeline;  ///< with --timing
  bool m_timing_printed = false;
  bool m_interrupted = false;
  bool m_sigint_ends_normally = false;
};

/// A command bound to its parsed arguments.
using Runner = std::function<awaitable<Outcome>(Context&)>;

/// Runs `runner` to the end and returns the exit code: one io_context on this thread, the
/// overall deadline (kind temporary, "timed out after N s", exit 75), SIGINT (130) and SIGTERM
/// (143) ending the session gracefully, SIGPIPE ignored. The report goes to io.out, errors to
/// io.err; an exception from the command is a bug (exit 70).
int run(const Settings& settings, const Runner& runner, Io& io);

}  // namespace xmpp::cli
