#include "stream/outbox.hpp"

#include <algorithm>
#include <deque>

#include "core/text.hpp"
#include "jid/jid.hpp"
#include "net/retry.hpp"
#include "net/srv.hpp"
#include "stanza/error.hpp"
#include "stanza/message.hpp"
#include "stream/router.hpp"
#include "stream/signal.hpp"

namespace xmpp::stream {

using Clock = std::chrono::steady_clock;

std::string_view to_string(DeliveryState state) {
  switch (state) {
    case DeliveryState::pending: return "pending";
    case DeliveryState::acked: return "acked";
    case DeliveryState::bounced: return "bounced";
    case DeliveryState::unconfirmed: return "unconfirmed";
  }
  return "pending";
}

bool bounce_from_matches(std::string_view to, std::string_view from, std::string_view our_domain) {
  auto addressee = Jid::parse(to);
  auto sender = Jid::parse(from.empty() ? our_domain : from);
  if (!addressee || !sender) return false;
  if (sender->bare_str() == addressee->bare_str()) return true;
  // A server bounces for its users (RFC 6120 §8.3.1 'from' is the entity that found the error).
  const bool server = !sender->has_local() && sender->is_bare();
  return server && (sender->domain() == addressee->domain() || sender->domain() == our_domain);
}

// One acker coroutine confirms what was sent (flush), and is the only one that recovers a lost
// connection; submit() only appends and writes. Indices are absolute (from 0, in submission
// order); only deliveries [base, ...) are still held. Invariants: [0, acked) are settled,
// [acked, posted) are written on the current session, [posted, size) wait to be written.
struct Outbox::State : std::enable_shared_from_this<State> {
  asio::any_io_executor executor;
  Session* session;
  OutboxOptions options;
  // The deliveries from `base` on: those not settled, and the last options.settled_kept settled
  // ones (a bounce may trail the ack). Older ones are reported through on_update and forgotten,
  // so a `tail -f | xmpp send --lines` that runs for weeks does not grow.
  std::deque<Delivery> deliveries;
  std::deque<xml::Element> payloads;  // [acked, end): dropped as they are confirmed
  std::size_t base = 0;
  std::size_t acked = 0;
  std::size_t posted = 0;
  std::size_t written_in_a_row = 0;  // by submit() since it last let the acker run
  bool draining = false;
  bool stopped = false;  // the Outbox is gone
  bool acker_running = false;
  std::optional<Error> fatal;  // confirmations cannot go on
  Signal work;                 // something to write or confirm, or draining
  Signal progress;             // acked moved, or fatal set
  Subscription bounces;
  net::RandomSource random = net::default_random();

  State(asio::any_io_executor ex, Session& s, OutboxOptions o)
      : executor(std::move(ex)), session(&s), options(std::move(o)) {}

  void subscribe_bounces() {
    std::weak_ptr<State> weak = weak_from_this();
    bounces = session->router().on(
        StanzaMatch{"message", "", "error"}, [weak](const xml::Element& message) {
          if (auto self = weak.lock()) self->on_bounce(message);
        });
  }

  void on_bounce(const xml::Element& message) {
    const auto id = message.attr("id");
    if (!id || id->empty()) return;
    // Newest first: the window makes a recent id the likely one.
    for (auto it = deliveries.rbegin(); it != deliveries.rend(); ++it) {
      if (it->id != *id) continue;
      if (!bounce_from_matches(it->to, message.attr("from").value_or(""),
                               session->jid().domain()))
        return;
      if (it->state == DeliveryState::bounced) return;
      it->state = DeliveryState::bounced;
      it->error = stanza::to_error(message, "message to " + it->to);
      if (options.on_update) options.on_update(*it);
      progress.notify_all();
      return;
    }
  }

  void note(std::string_view text) {
    if (options.on_note) options.on_note(text);
  }

  /// Writes what waits to be written, if the session is usable.
  void post_waiting() {
    if (session->failure()) return;
    while (posted < end()) {
      session->post(payloads[posted - acked]);
      ++deliveries[posted - base].transmissions;
      ++posted;
    }
  }

  void settle_upto(std::size_t target) {
    for (; acked < target; ++acked) {
      Delivery& d = deliveries[acked - base];
      payloads.pop_front();
      d.server_acked = true;
      if (d.state == DeliveryState::pending) {
        d.state = DeliveryState::acked;
        if (options.on_update) options.on_update(d);
      }
    }
    while (acked - base > options.settled_kept) {
      deliveries.pop_front();
      ++base;
    }
    progress.notify_all();
  }

  std::size_t end() const { return base + deliveries.size(); }

  void set_fatal(Error error) {
    fatal = std::move(error);
    progress.notify_all();
  }

  /// After the connection dropped: resume the stream, or open a fresh one and write again what
  /// was not confirmed. Gives up after reconnect_attempts.
  awaitable<Result<void>> recover(Error cause) {
    Error last = cause;
    bool resume_timed_out = false;
    for (int attempt = 0; attempt < options.reconnect_attempts && !stopped; ++attempt) {
      if (attempt > 0) {
        // Said each time: a run that is retrying for a minute must not look hung (and -v runs
        // in the test logs show where a recovery spent its time).
        const auto delay = net::retry_delay(static_cast<unsigned>(attempt), random);
        note("connection lost (" + cause.message + "); attempt " + std::to_string(attempt) +
             " of " + std::to_string(options.reconnect_attempts) + " to get it back failed (" +
             last.message + "), trying again in " + duration_text(delay));
        asio::steady_timer pause(executor, delay);
        co_await pause.async_wait(asio::use_awaitable);
      }
      // A server that held our <resume/> until the step timeout would likely hold the next one
      // too (an ejabberd node asking a cluster node that is gone for the old session): after
      // that, a fresh login, which resends what was not acknowledged, gets the run going.
      if (session->resumable() && !(resume_timed_out && options.reconnect)) {
        // (Not a ?: of two co_awaits: GCC 12 destroys the result twice.)
        Result<ResumeOutcome> resumed = fail(cause);
        if (options.resume)
          resumed = co_await options.resume(*session);
        else
          resumed = co_await session->resume();
        if (resumed) {
          if (resumed->resumed) {
            note("connection lost (" + cause.message + "); stream resumed, " +
                 std::to_string(resumed->retransmitted) + " stanzas sent again");
            co_return Result<void>{};
          }
          note("connection lost (" + cause.message +
               "); the server could not resume the stream, logged in again");
          co_return co_await fresh_session();
        }
        last = resumed.error();
        if (!net::retryable(last)) co_return fail(std::move(last));
        resume_timed_out = resume_timed_out || last.code == "timeout";
        continue;
      }
      if (!options.reconnect) break;
      auto reopened = co_await options.reconnect();
      if (!reopened) {
        last = reopened.error();
        if (!net::retryable(last)) co_return fail(std::move(last));
        continue;
      }
      session = *reopened;
      subscribe_bounces();
      note("connection lost (" + cause.message + "); logged in again");
      co_return co_await fresh_session();
    }
    co_return fail(std::move(last));
  }

  /// A new stream: nothing written before is known to the server unless confirmed.
  awaitable<Result<void>> fresh_session() {
    if (options.setup) {
      if (auto ready = co_await options.setup(*session); !ready) co_return fail(ready.error());
    }
    posted = acked;
    co_return Result<void>{};
  }

  static awaitable<void> acker(std::shared_ptr<State> self) {
    self->acker_running = true;
    while (!self->stopped && !self->fatal) {
      self->post_waiting();
      if (self->acked == self->end() && self->draining) break;
      if (self->acked == self->posted) {
        if (self->session->failure()) {
          // Lost while idle, with unwritten messages waiting: recover before writing them.
          if (self->posted < self->end()) {
            if (auto r = co_await self->recover(*self->session->failure()); !r)
              self->set_fatal(r.error());
            continue;
          }
        }
        co_await self->work.wait();
        continue;
      }
      const std::size_t target = self->posted;
      auto confirmed = co_await self->session->flush(self->options.ack_timeout);
      if (self->stopped) break;
      if (confirmed) {
        self->settle_upto(target);
        continue;
      }
      const Error cause = confirmed.error();
      if (cause.kind != ErrorKind::temporary && cause.kind != ErrorKind::unavailable) {
        self->set_fatal(cause);
        break;
      }
      if (auto r = co_await self->recover(cause); !r) self->set_fatal(r.error());
    }
    self->acker_running = false;
    self->progress.notify_all();
  }

  std::size_t in_flight() const { return end() - acked; }
};

Outbox::Outbox(asio::any_io_executor executor, Session& session, OutboxOptions options)
    : m_state(std::make_shared<State>(std::move(executor), session, std::move(options))) {
  if (m_state->options.window == 0) m_state->options.window = 1;
  if (m_state->options.ack_every == 0) m_state->options.ack_every = 1;
  m_state->subscribe_bounces();
  asio::co_spawn(m_state->executor, State::acker(m_state), asio::detached);
}

Outbox::~Outbox() {
  m_state->stopped = true;
  m_state->bounces.reset();
  m_state->work.notify_all();
}

awaitable<Result<void>> Outbox::submit(xml::Element message, Clock::time_point deadline,
                                       std::uint64_t tag) {
  auto self = m_state;
  const auto to = message.attr("to");
  const auto id = message.attr("id");
  if (!id || id->empty())
    co_return fail(ErrorKind::software, "bad_message", "", "outbox stanzas need an 'id'");
  while (!self->fatal && self->in_flight() >= self->options.window) {
    self->written_in_a_row = 0;
    if (!co_await self->progress.wait_until(deadline) && !self->fatal &&
        self->in_flight() >= self->options.window)
      co_return fail(ErrorKind::temporary, "timeout", "",
                     "the server did not confirm the messages in flight in time");
  }
  if (self->fatal) co_return fail(*self->fatal);
  Delivery d;
  d.index = self->end();
  d.tag = tag;
  d.to = to.value_or("");
  d.id = *id;
  self->deliveries.push_back(std::move(d));
  self->payloads.push_back(std::move(message));
  // Written at once when the stream is healthy and nothing older waits (order is kept).
  if (self->posted + 1 == self->end() && !self->session->failure()) {
    self->session->post(self->payloads.back());
    ++self->deliveries.back().transmissions;
    ++self->posted;
  }
  self->work.notify_all();
  if (++self->written_in_a_row >= self->options.ack_every) {
    // The acker asks for an ack of what is written so far; the next messages follow the request.
    self->written_in_a_row = 0;
    co_await asio::post(self->executor, asio::use_awaitable);
  }
  co_return Result<void>{};
}

awaitable<Result<void>> Outbox::drain(Clock::time_point deadline) {
  auto self = m_state;
  self->draining = true;
  self->work.notify_all();
  while (!self->fatal && self->acked < self->end()) {
    if (!co_await self->progress.wait_until(deadline) && !self->fatal &&
        self->acked < self->end())
      break;
  }
  std::optional<Error> error = self->fatal;
  if (!error && self->acked < self->end())
    error = make_error(ErrorKind::temporary, "timeout", "",
                       "the server did not confirm every message before the deadline");
  for (std::size_t i = self->acked; i < self->end(); ++i) {
    Delivery& d = self->deliveries[i - self->base];
    if (d.state != DeliveryState::pending) continue;
    d.state = DeliveryState::unconfirmed;
    d.error = error;
    if (self->options.on_update) self->options.on_update(d);
  }
  self->stopped = true;
  self->work.notify_all();
  if (error) co_return fail(std::move(*error));
  co_return Result<void>{};
}

const std::deque<Delivery>& Outbox::deliveries() const { return m_state->deliveries; }

std::size_t Outbox::submitted() const { return m_state->end(); }

Session& Outbox::session() const { return *m_state->session; }

}  // namespace xmpp::stream
