#include "context.hpp"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>

#include <fmt/format.h>

#include "exit_codes.hpp"
#include "terminal_colour.hpp"
#include "trace.hpp"
#include "xep/ping/ping_ops.hpp"

namespace xmpp::cli {

namespace {

using std::chrono::steady_clock;

/// Thrown out of io_context::run() when the process must end now (see Io::hard_exit).
struct HardExit {
  int code;
};

std::string seconds_text(std::chrono::milliseconds ms) {
  return fmt::format("{:g}", ms.count() / 1000.0);
}

}  // namespace

Context::Context(asio::any_io_executor executor, Settings settings, Io& io)
    : m_executor(std::move(executor)), m_settings(std::move(settings)), m_io(io) {
  if (m_settings.timing) m_timeline.emplace(m_io.started);
}

Context::~Context() = default;

void Context::warn(std::string_view message) {
  if (m_settings.quiet) return;
  m_io.err << diagnostic_prefix(Diagnostic::warning) << message << '\n';
  m_io.err.flush();
}

void Context::inform(std::string_view message) {
  if (m_settings.quiet) return;
  m_io.err << "xmpp: " << message << '\n';
  m_io.err.flush();
}

void Context::note(std::string_view message) {
  if (m_settings.verbose <= 0) return;
  m_io.err << "xmpp: " << message << '\n';
  m_io.err.flush();
}

std::chrono::milliseconds Context::remaining() const {
  if (!m_deadline) return std::chrono::hours(24);
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(*m_deadline - steady_clock::now());
  return std::max(left, std::chrono::milliseconds(0));
}

stream::SessionOptions Context::session_options(const Settings& s) {
  stream::SessionOptions o;
  if (s.jid) o.jid = *s.jid;
  o.host = s.host;
  o.port = s.port;
  o.tls = s.tls;
  o.ca_file = s.ca_file;
  o.pins = s.pins;
  o.insecure = s.insecure;
  o.sasl_mechanisms = s.sasl;
  o.anonymous = s.anonymous;
  o.resource = s.resource;
  o.retries = s.retries;
  o.dns_server = s.dns_server;
  return o;
}

Context::Credentials Context::credentials() const {
  if (!m_settings.jid) return Credentials::none;
  if (m_settings.anonymous || m_settings.password.kind != PasswordSource::Kind::prompt)
    return Credentials::ready;
  return Credentials::prompt;
}

Result<stream::TraceSink> Context::trace_sink() {
  if (!m_trace) m_trace = m_settings.trace ? open_trace(*m_settings.trace) : stream::TraceSink();
  return *m_trace;
}

awaitable<Result<stream::Session*>> Context::session() {
  if (m_session) co_return m_session.get();
  if (m_io.shared_session) co_return co_await m_io.shared_session(false);
  if (m_session_error) co_return fail(*m_session_error);
  const auto remember = [this](Error e) {
    m_session_error = e;
    return fail(std::move(e));
  };
  if (!m_settings.jid)
    co_return remember(
        make_error(ErrorKind::config, "no_account", "",
                   "no account: give -j JID, set XMPP_JID or write a config file (see man xmpp)"));
  auto options = session_options(m_settings);
  auto sink = trace_sink();
  if (!sink) co_return remember(sink.error());
  options.trace = std::move(*sink);
  if (m_timeline) {
    options.timing = [this](stream::Phase phase, steady_clock::time_point at,
                            std::optional<std::uint64_t> reads) {
      m_timeline->mark(std::string(stream::phase_name(phase)), at, reads);
    };
  }
  if (!m_settings.anonymous) {
    if (!m_password) {
      auto read = read_password();
      if (!read) co_return remember(read.error());
    }
    options.password = m_password->str();
    m_password.reset();
  }
  const auto opening = steady_clock::now();
  if (m_timeline) m_timeline->mark("start-up", opening, std::nullopt);
  auto opened = co_await m_io.open_session(std::move(options));
  const auto open_time = steady_clock::now() - opening;
  cleanse(options.password);  // a moved-from short string keeps its bytes
  if (!opened) co_return remember(opened.error());
  m_session = std::move(*opened);
  m_open_time = open_time;
  print_session_facts();
  co_return m_session.get();
}

Result<bool> Context::read_password() {
  const auto started = steady_clock::now();
  auto password = obtain_password(m_settings.password, m_settings.jid->bare_str(), m_io.prompter);
  // A person typing a password, or a password manager asking for a passphrase, is not the
  // operation the deadline is about.
  if (m_extend) m_extend(steady_clock::now() - started);
  if (!password) return fail(password.error());
  m_password = std::move(*password);
  return !m_password->empty();
}

bool Context::drop_default_deadline() {
  if (!m_settings.timeout_given) m_deadline.reset();
  return m_deadline.has_value();
}

awaitable<Result<stream::Session*>> Context::reopen_session() {
  if (m_io.shared_session) co_return co_await m_io.shared_session(true);
  m_session.reset();
  m_session_error.reset();
  co_return co_await session();
}

void Context::print_session_facts() {
  if (m_settings.verbose <= 0) return;
  const auto& info = m_session->info();
  note(fmt::format("connected to {} ({})", info.address,
                   info.direct_tls ? "direct TLS" : "STARTTLS"));
  if (info.tls.active)
    note(fmt::format("{} {}, certificate {}", info.tls.version, info.tls.cipher,
                     info.tls.verified ? "verified" : "NOT verified"));
  note(fmt::format("authenticated with {}, bound as {}",
                   info.mechanism.empty() ? "?" : info.mechanism, m_session->jid().str()));
  note(fmt::format("stream management {}", info.stream_management ? "on" : "off"));
}

awaitable<void> Context::close_session() {
  if (!m_session) co_return;
  auto closed = co_await m_session->close();
  if (!closed) note("closing the stream: " + escape_terminal(closed.error().message));
}

awaitable<void> Context::settle_session(stream::Session& session) {
  if (!m_io.shared_session) {
    (void)co_await session.close();
    co_return;
  }
  (void)co_await ping::ping(session, session.jid().domain_jid(), stream::k_close_wait);
}

void Context::close_session_soon() {
  if (!m_session) return;
  asio::co_spawn(m_executor, close_session(), asio::detached);
}

void Context::mark_step(std::string name) {
  if (!m_timeline) return;
  std::optional<std::uint64_t> reads;
  if (m_session) reads = m_session->network_reads();
  m_timeline->mark(std::move(name), steady_clock::now(), reads);
}

void Context::print_timing() {
  if (!m_timeline || m_timing_printed) return;
  m_timing_printed = true;
  const auto ms = [](steady_clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
  };
  std::string text;
  for (const auto& step : m_timeline->steps()) {
    text += fmt::format("timing: {:<9} {:>8.2f} ms  (at {:>8.2f} ms)", step.name, ms(step.duration),
                        ms(step.at));
    if (step.reads) text += fmt::format("  {} read{}", *step.reads, *step.reads == 1 ? "" : "s");
    text += '\n';
  }
  text += fmt::format("timing: {:<9} {:>8.2f} ms\n", "total", ms(m_timeline->total()));
  m_io.out.flush();  // after the result, where both go to one terminal
  m_io.err << text;
  m_io.err.flush();
}

bool Context::interrupt() {
  if (!m_interrupt || m_interrupted) return false;
  m_interrupted = true;
  m_interrupt();
  return true;
}

namespace {

class RunLoop {
 public:
  RunLoop(const Settings& settings, Io& io)
      : m_io(io), m_ctx(m_ioc.get_executor(), settings, io), m_deadline(m_ioc), m_grace(m_ioc),
        m_signals(m_ioc, SIGINT, SIGTERM) {}

  int run(const Runner& runner) {
    if (m_ctx.settings().insecure) {
      // Not silenced by --quiet (CLI.md: a warning every time).
      m_io.err << diagnostic_prefix(Diagnostic::warning)
               << "--insecure: the server's certificate is not checked; anyone on the path can "
                  "read and change this session\n";
      m_io.err.flush();
    }
    const auto timeout = m_ctx.settings().timeout;
    if (timeout.count() > 0) {
      m_ctx.set_deadline(steady_clock::now() + timeout);
      arm_deadline();
    }
    m_ctx.on_pause([this](steady_clock::duration paused) {
      if (!m_ctx.deadline()) return;
      m_ctx.set_deadline(*m_ctx.deadline() + paused);
      arm_deadline();
    });
    wait_signal();
    asio::co_spawn(m_ioc, command(runner), asio::detached);
    try {
      m_ioc.run();
    } catch (const HardExit& e) {
      m_ctx.print_timing();
      if (m_io.hard_exit) {
        m_io.out.flush();
        m_io.err.flush();
        std::fflush(nullptr);
        // Coroutine frames may still be suspended inside the session; ending here avoids
        // running their destructors against a half-torn-down session.
        std::_Exit(e.code);
      }
      return e.code;
    }
    m_ctx.print_timing();
    return m_code;
  }

 private:
  awaitable<void> command(Runner runner) {
    Outcome outcome;
    bool threw = false;
    try {
      outcome = co_await runner(m_ctx);
    } catch (const std::exception& e) {
      threw = true;
      outcome = Outcome::failure(make_error(ErrorKind::software, "internal", "",
                                            std::string("internal error (a bug): ") + e.what()));
    }
    m_ctx.mark_step("command");
    m_command_done = true;
    m_ctx.on_interrupt(nullptr);
    if (m_interrupt_code == exit_code(ErrorKind::interrupted) && m_ctx.sigint_ends_normally())
      m_interrupt_code.reset();  // Ctrl-C is how this command ends: its outcome decides
    if (m_interrupt_code) {
      // The command wound down on a signal: its report stands, the exit code says why it ended.
      outcome.error =
          make_error(ErrorKind::interrupted, "interrupted", "",
                     *m_interrupt_code == k_exit_terminated ? "terminated" : "interrupted");
    }
    if (m_stopping) {
      // A deadline or signal already decided the exit; the result came too late to count.
      if (m_closed) finish();
      co_return;
    }
    m_deadline.cancel();
    if (outcome.report) print_report(*outcome.report, m_ctx.json(), m_io.out);
    if (threw) outcome.exit_code = m_ctx.abort_code(*outcome.error, exit_code(outcome.error->kind));
    m_code = m_interrupt_code    ? *m_interrupt_code
             : outcome.exit_code ? *outcome.exit_code
             : outcome.error     ? exit_code(outcome.error->kind)
                                 : k_exit_ok;
    if (outcome.error) print_error(*outcome.error, m_ctx.json(), m_io.err, m_code);
    if (m_ctx.has_session()) {
      arm_grace();
      co_await m_ctx.close_session();
      m_ctx.mark_step("close");
    }
    finish();
  }

  void finish() {
    m_grace.cancel();
    m_signals.cancel();
    m_ioc.stop();
  }

  void arm_deadline() {
    m_deadline.expires_at(*m_ctx.deadline());
    m_deadline.async_wait([this](const boost::system::error_code& ec) {
      if (ec || !m_ctx.deadline()) return;  // cancelled, or the command dropped the deadline
      stop(make_error(ErrorKind::temporary, "timeout", "",
                      "timed out after " + seconds_text(m_ctx.settings().timeout) + " s"),
           exit_code(ErrorKind::temporary));
    });
  }

  void arm_grace() {
    m_grace.expires_after(close_grace());
    m_grace.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      throw HardExit{m_code};
    });
  }

  /// The full grace, but never past the deadline by more than k_close_grace_after_deadline.
  steady_clock::duration close_grace() const {
    const auto deadline = m_ctx.deadline();
    if (!deadline) return k_close_grace;
    return std::clamp<steady_clock::duration>(*deadline - steady_clock::now(),
                                              k_close_grace_after_deadline, k_close_grace);
  }

  void wait_signal() {
    m_signals.async_wait([this](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      const int code = sig == SIGINT ? exit_code(ErrorKind::interrupted) : k_exit_terminated;
      // A second signal, or one while the result is being delivered: end now.
      if (m_stopping || m_command_done) throw HardExit{m_stopping ? m_code : code};
      wait_signal();
      if (!m_interrupt_code && m_ctx.interrupt()) {
        m_interrupt_code = code;
        return;
      }
      stop(make_error(ErrorKind::interrupted, "interrupted", "",
                      sig == SIGINT ? "interrupted" : "terminated"),
           code);
    });
  }

  void stop(Error error, int code) {
    if (m_stopping || m_command_done) return;
    m_stopping = true;
    code = m_ctx.abort_code(error, code);
    m_code = code;
    m_deadline.cancel();
    print_error(error, m_ctx.json(), m_io.err, code);
    // Without a session there is nothing to close, and an open in progress cannot be cancelled.
    if (!m_ctx.has_session()) throw HardExit{code};
    arm_grace();
    asio::co_spawn(m_ioc, close_after_stop(), asio::detached);
  }

  awaitable<void> close_after_stop() {
    co_await m_ctx.close_session();
    m_closed = true;
    // Closing fails the command's pending request; once the command has returned, we are done.
    if (m_command_done) finish();
  }

  Io& m_io;
  asio::io_context m_ioc;
  Context m_ctx;  // after m_ioc: the session is destroyed before its io_context
  asio::steady_timer m_deadline;
  asio::steady_timer m_grace;
  asio::signal_set m_signals;
  bool m_command_done = false;
  bool m_stopping = false;
  bool m_closed = false;
  int m_code = k_exit_ok;
  std::optional<int> m_interrupt_code;  ///< a signal the command is winding down on
};

}  // namespace

int run(const Settings& settings, const Runner& runner, Io& io) {
  // Write errors are handled where they happen (SECURITY.md (b)); a closed pipe must not kill us.
  std::signal(SIGPIPE, SIG_IGN);
  RunLoop loop(settings, io);
  return loop.run(runner);
}

}  // namespace xmpp::cli
