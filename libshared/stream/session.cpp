// The session driver: straight-line negotiation over the sans-I/O Negotiator, then one reader
// coroutine that parses and dispatches, one writer coroutine that drains the outbound queue, and
// the command-facing operations (request, send, flush, close, wait_for, resume). One thread, no
// strands; every wait has its own timer (STYLE.md "Async").
#include "stream/session.hpp"

#include <openssl/crypto.h>

#include <deque>
#include <list>
#include <stdexcept>

#include "core/random.hpp"
#include "core/text.hpp"
#include "net/watchdog.hpp"
#include "stanza/error.hpp"
#include "stanza/iq.hpp"
#include "stanza/namespaces.hpp"
#include "stanza/stream_error.hpp"
#include "stream/iq_tracker.hpp"
#include "stream/namespaces.hpp"
#include "stream/negotiator.hpp"
#include "stream/router.hpp"
#include "stream/signal.hpp"
#include "stream/sm.hpp"
#include "net/retry.hpp"
#include "stream/trace.hpp"
#include "xml/stream_parser.hpp"
#include "xml/writer.hpp"

namespace xmpp::stream {

// ---- pure helpers ----------------------------------------------------------------------------

std::string stream_header(const Jid& jid, bool tls_active, bool anonymous) {
  // The stream header is an unclosed start tag, which the element writer cannot produce; its
  // attribute values still go through the writer's escaping.
  std::string s = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                  "xmlns:stream='http://etherx.jabber.org/streams' to='" +
                  xml::escape_attr(jid.domain()) + "'";
  // RFC 6120 §4.7.1: 'from' is only sent once TLS hides it from passive observers.
  if (tls_active && !anonymous && jid.has_local())
    s += " from='" + xml::escape_attr(jid.bare_str()) + "'";
  s += " version='1.0' xml:lang='en'>";
  return s;
}

// ---- defaults of the Session additions (for test doubles) -------------------------------------

void Session::post(xml::Element) {}

awaitable<Result<xml::Element>> Session::wait_for(StanzaPredicate, std::chrono::milliseconds) {
  co_return fail(ErrorKind::software, "unsupported", "", "wait_for is not implemented here");
}

std::optional<Error> Session::failure() const {
  return std::nullopt;
}

bool Session::resumable() const {
  return false;
}

awaitable<Result<ResumeOutcome>> Session::resume() {
  co_return fail(ErrorKind::software, "unsupported", "", "resume is not implemented here");
}

awaitable<Result<ResumeOutcome>> Session::resume_on(std::unique_ptr<net::Transport>, bool) {
  co_return fail(ErrorKind::software, "unsupported", "", "resume is not implemented here");
}

std::uint64_t Session::network_reads() const {
  return 0;
}

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

void rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}

Error timeout_error(std::string message) {
  return make_error(ErrorKind::temporary, "timeout", "", std::move(message));
}

bool is_stanza(const xml::Element& e) {
  return e.ns() == stanza::k_ns_client &&
         (e.name() == "message" || e.name() == "presence" || e.name() == "iq");
}

net::ConnectOptions connect_options(const SessionOptions& o) {
  net::ConnectOptions c;
  c.domain = o.jid.ascii_domain();
  c.host = o.host;
  c.port = o.port;
  c.tls = o.tls;
  c.policy.reference_domain = o.jid.ascii_domain();
  c.policy.ca_file = o.ca_file;
  c.policy.pins = o.pins;
  c.policy.insecure = o.insecure;
  c.attempt_timeout = o.connect_timeout;
  c.dns_server = o.dns_server;
  if (o.timing)
    c.on_step = [timing = o.timing](net::ConnectStep step) {
      timing(step == net::ConnectStep::resolved ? Phase::resolve : Phase::tcp, Clock::now(),
             std::nullopt);
    };
  return c;
}

class Core : public std::enable_shared_from_this<Core> {
 public:
  Core(asio::any_io_executor executor, SessionOptions options)
      : m_executor(std::move(executor)), m_options(std::move(options)), m_buffer(k_read_chunk) {
    // XEP-0199 §4.3 pings from our server (it checks that idle clients are alive) get a result;
    // pings from anyone else get service-unavailable, which XEP-0199 §9 allows so that our
    // presence does not leak.
    m_ping = m_router.on_iq(
        "get", "ping", std::string(stanza::k_ns_ping), [this](const xml::Element& iq) {
          if (reply_from_matches(std::nullopt, iq.attr("from"), m_jid))
            return stanza::make_result(iq);
          return stanza::make_error_reply(iq, stanza::make_stanza_error("service-unavailable"));
        });
  }

  ~Core() { OPENSSL_cleanse(m_options.password.data(), m_options.password.size()); }

  // ---- setup ----

  awaitable<Result<void>> start(std::unique_ptr<net::Transport> transport, bool direct_tls) {
    auto self = shared_from_this();
    attach(std::move(transport), direct_tls);
    Negotiator negotiator(negotiator_options());
    auto negotiated = co_await negotiate(negotiator);
    if (!negotiated) co_return fail(negotiated.error());
    const NegotiationResult& r = negotiator.result();
    m_jid = r.jid;
    m_tracker.set_own(m_jid);
    if (r.sm_enabled) m_sm.enable(r.sm_id, r.sm_resumable, r.sm_max, r.sm_location);
    m_info.mechanism = r.mechanism;
    m_info.stream_features = r.features;
    m_info.caps_feature = r.caps;
    update_info();
    spawn_reader();
    co_return Result<void>{};
  }

  // ---- Session operations ----

  const Jid& jid() const { return m_jid; }
  const SessionInfo& info() const { return m_info; }
  Router& router() { return m_router; }
  std::optional<Error> failure() const { return m_failure; }
  bool resumable() const { return m_sm.resumable() && !m_close_started; }
  std::uint64_t network_reads() const { return m_reads; }

  awaitable<Result<xml::Element>> request(xml::Element iq, milliseconds timeout) {
    auto self = shared_from_this();
    if (auto e = unusable()) co_return fail(*e);
    const auto type = stanza::iq_type(iq);
    if (!stanza::is_iq(iq) || (type != stanza::IqType::get && type != stanza::IqType::set))
      co_return fail(ErrorKind::software, "bad_request", "", "request() needs an iq get or set");
    std::string id = iq.attr("id").value_or("");
    if (id.empty()) {
      id = random_id();
      iq.set_attr("id", id);
    }
    std::optional<Jid> to;
    if (auto to_text = iq.attr("to")) {
      auto parsed = Jid::parse(*to_text);
      if (!parsed) co_return fail(parsed.error());
      to = std::move(*parsed);
    }
    const std::string target = to ? to->str() : m_jid.bare_str();
    if (!m_tracker.add(id, to))
      co_return fail(ErrorKind::software, "duplicate_id", "",
                     "an iq with id '" + id + "' is already pending");
    // Registered before the write: the reply can arrive while our write is still completing.
    if (auto queued = enqueue(iq, true); !queued) {
      m_tracker.remove(id);
      co_return fail(queued.error());
    }
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      if (auto reply = m_tracker.take(id)) {
        if (reply->attr("type") == "error") co_return fail(stanza::to_error(*reply, ""));
        co_return std::move(*reply);
      }
      if (m_failure) {
        m_tracker.remove(id);
        co_return fail(*m_failure);
      }
      if (Clock::now() >= deadline) {
        m_tracker.remove(id);
        co_return fail(
            timeout_error("no reply from " + target + " within " + duration_text(timeout)));
      }
      co_await m_iq_signal.wait_until(deadline);
    }
  }

  awaitable<Result<void>> send(xml::Element stanza) {
    auto self = shared_from_this();
    if (auto e = unusable()) co_return fail(*e);
    if (!is_stanza(stanza))
      co_return fail(ErrorKind::software, "bad_stanza", "",
                     "send() takes a message, presence or iq");
    auto seq = enqueue(stanza, true);
    if (!seq) co_return fail(seq.error());
    co_return co_await wait_written(*seq, Clock::now() + m_options.step_timeout);
  }

  void post(xml::Element stanza) {
    if (unusable() || !is_stanza(stanza)) return;
    (void)enqueue(stanza, true);
  }

  awaitable<Result<void>> flush(milliseconds timeout) {
    auto self = shared_from_this();
    if (auto e = unusable()) co_return fail(*e);
    if (m_sm.enabled()) {
      const std::uint64_t target = m_sm.sent_total();
      if (m_sm.acked_total() >= target) co_return Result<void>{};
      if (auto r = enqueue(StreamManagement::make_request(), false); !r) co_return fail(r.error());
      const auto deadline = Clock::now() + timeout;
      while (m_sm.acked_total() < target) {
        if (m_failure) co_return fail(*m_failure);
        if (!co_await m_ack_signal.wait_until(deadline) && m_sm.acked_total() < target)
          co_return fail(timeout_error("the server did not acknowledge " +
                                       std::to_string(target - m_sm.acked_total()) +
                                       " stanzas within " + duration_text(timeout)));
      }
      co_return Result<void>{};
    }
    // RFC 6120 §10.1: the server processes our stanzas in order, so an answer to a ping sent
    // after them proves it has taken everything before it. Any answer will do, even an error.
    auto ping = stanza::make_iq(stanza::IqType::get, m_jid.domain(),
                                xml::Element("ping", std::string(stanza::k_ns_ping)));
    auto reply = co_await request(std::move(ping), timeout);
    if (!reply && reply.error().code != "stanza_error") co_return fail(reply.error());
    co_return Result<void>{};
  }

  awaitable<Result<xml::Element>> wait_for(StanzaPredicate predicate, milliseconds timeout) {
    auto self = shared_from_this();
    if (m_failure) co_return fail(*m_failure);
    StanzaWaiter waiter{std::move(predicate), std::nullopt};
    m_stanza_waiters.push_back(&waiter);
    struct Unregister {
      std::list<StanzaWaiter*>& list;
      StanzaWaiter* w;
      ~Unregister() { list.remove(w); }
    } unregister{m_stanza_waiters, &waiter};
    const auto deadline = Clock::now() + timeout;
    while (!waiter.match) {
      if (m_failure) co_return fail(*m_failure);
      if (!co_await m_stanza_signal.wait_until(deadline) && !waiter.match)
        co_return fail(timeout_error("no matching stanza within " + duration_text(timeout)));
    }
    co_return std::move(*waiter.match);
  }

  awaitable<Result<void>> close() {
    auto self = shared_from_this();
    if (m_close_started) {
      while (!m_closed)
        co_await m_close_signal.wait();
      co_return m_close_result;
    }
    m_close_started = true;
    if (m_failure) {
      m_close_result = fail(*m_failure);
    } else {
      // XEP-0198 §4: a last <a/> tells the server what we handled, so it does not resend it.
      if (m_sm.enabled()) (void)enqueue(m_sm.make_ack(), false);
      enqueue_raw("</stream:stream>");
      const auto deadline = Clock::now() + k_close_wait;
      while (!m_peer_closed && !m_failure) {
        if (!co_await m_close_signal.wait_until(deadline) && !m_peer_closed) break;
      }
      if (m_peer_closed)
        m_close_result = Result<void>{};
      else if (m_failure)
        m_close_result = fail(*m_failure);
      else
        m_close_result = fail(timeout_error("the server did not close the stream within " +
                                            duration_text(k_close_wait)));
    }
    co_await stop_io();
    if (!m_failure)
      m_failure = make_error(ErrorKind::software, "closed", "", "the session is closed");
    m_closed = true;
    m_close_signal.notify_all();
    notify_all();
    co_return m_close_result;
  }

  awaitable<Result<ResumeOutcome>> resume() {
    auto self = shared_from_this();
    if (!resumable())
      co_return fail(ErrorKind::usage, "not_resumable", "", "this session cannot be resumed");
    auto connected = co_await net::connect(connect_options(m_options));
    if (!connected) co_return fail(connected.error());
    co_return co_await resume_on(std::move(connected->transport), connected->endpoint.direct_tls);
  }

  awaitable<Result<ResumeOutcome>> resume_on(std::unique_ptr<net::Transport> transport,
                                             bool direct_tls) {
    auto self = shared_from_this();
    if (!resumable())
      co_return fail(ErrorKind::usage, "not_resumable", "", "this session cannot be resumed");
    // The old stream is finished with: no reader, no writer, no transport left behind.
    if (!m_failure)
      fail_session(make_error(ErrorKind::temporary, "connection_lost", "", "stream replaced"));
    co_await stop_io();
    const ResumeRequest previous{m_sm.id(), m_sm.handled()};
    attach(std::move(transport), direct_tls);
    m_failure.reset();
    NegotiatorOptions options = negotiator_options();
    options.resume = previous;
    if (options.resource.empty()) options.resource = m_jid.resource();
    Negotiator negotiator(std::move(options));
    auto negotiated = co_await negotiate(negotiator);
    if (!negotiated) {
      fail_session(negotiated.error());
      co_return fail(negotiated.error());
    }
    const NegotiationResult& r = negotiator.result();
    ResumeOutcome outcome;
    if (r.resumed) {
      auto acked = m_sm.on_ack(r.resumed_h);
      if (!acked) {
        co_await violation(acked.error(), m_sm.make_too_high(r.resumed_h));
        co_return fail(acked.error());
      }
      // XEP-0198 §5: what the server did not handle is sent again, keeping its sequence numbers.
      outcome.resumed = true;
      outcome.retransmitted = m_sm.unacked().size();
      for (const xml::Element& stanza : m_sm.unacked())
        (void)enqueue(stanza, false);
    } else {
      outcome.not_acknowledged = m_sm.reset();
      m_jid = r.jid;
      m_tracker.set_own(m_jid);
      if (r.sm_enabled) m_sm.enable(r.sm_id, r.sm_resumable, r.sm_max, r.sm_location);
      m_info.stream_features = r.features;
      m_info.caps_feature = r.caps;
    }
    m_info.mechanism = r.mechanism;
    update_info();
    spawn_reader();
    co_return outcome;
  }

  /// The handle was dropped without close(): stop everything in the background.
  void abandon() {
    if (m_closed || m_close_started) return;
    m_close_started = true;
    if (!m_failure)
      m_failure = make_error(ErrorKind::software, "closed", "", "the session is closed");
    notify_all();
    asio::co_spawn(
        m_executor,
        [self = shared_from_this()]() -> awaitable<void> {
          co_await self->stop_io();
          self->m_closed = true;
        },
        rethrow);
  }

 private:
  struct StanzaWaiter {
    StanzaPredicate predicate;
    std::optional<xml::Element> match;
  };

  // ---- transport lifecycle ----

  void attach(std::unique_ptr<net::Transport> transport, bool direct_tls) {
    // A coroutine of the previous transport may still be suspended in it (stop_io's wait is
    // bounded): keep it alive until the session goes; those coroutines check the generation.
    if (m_transport) m_retired.push_back(std::move(m_transport));
    m_transport = std::move(transport);
    ++m_generation;
    m_written = m_enqueued;
    m_writing = false;
    m_reading = false;
    m_info.direct_tls = direct_tls;
    m_outq.clear();
    m_io_stopped = false;
    m_write_failed = false;
    m_peer_closed = false;
    m_limits = xml::Limits::pre_auth();
  }

  void update_info() {
    m_info.address = m_transport->peer();
    m_info.tls = m_transport->tls();
    m_info.stream_management = m_sm.enabled();
  }

  NegotiatorOptions negotiator_options() const {
    NegotiatorOptions o;
    o.jid = m_options.jid;
    o.password = m_options.password;
    o.resource = m_options.resource.empty() ? m_options.jid.resource() : m_options.resource;
    o.anonymous = m_options.anonymous;
    o.sasl_mechanisms = m_options.sasl_mechanisms;
    o.stream_management = m_options.stream_management;
    o.nonce = m_options.sasl_nonce;
    return o;
  }

  /// Cancels the transport, waits (bounded) for the reader and writer to leave it, then shuts it
  /// down (TLS close_notify, socket close). Idempotent per transport.
  awaitable<void> stop_io() {
    if (m_io_stopped || !m_transport) co_return;
    m_io_stopped = true;
    m_transport->cancel();
    const auto deadline = Clock::now() + k_close_wait;
    while (m_reading || m_writing) {
      m_transport->cancel();
      if (!co_await m_idle_signal.wait_until(deadline) && (m_reading || m_writing)) break;
    }
    co_await m_transport->shutdown();
  }

  // ---- failure ----

  /// Why nothing more may be sent: the session failed, or close() has begun (nothing may follow
  /// our </stream:stream>).
  std::optional<Error> unusable() const {
    if (m_failure) return m_failure;
    if (m_close_started)
      return make_error(ErrorKind::software, "closed", "", "the session is closing");
    return std::nullopt;
  }

  void notify_all() {
    m_iq_signal.notify_all();
    m_ack_signal.notify_all();
    m_write_signal.notify_all();
    m_stanza_signal.notify_all();
    m_close_signal.notify_all();
  }

  void fail_session(Error e) {
    if (!m_failure) m_failure = std::move(e);
    notify_all();
  }

  Error connection_lost(const std::string& detail) const {
    return make_error(ErrorKind::temporary, "connection_lost", "",
                      "connection to " + m_transport->peer() + " lost: " + detail);
  }

  /// We found the server breaking the protocol: SE(condition) (with an optional application
  /// condition), </stream:stream>, a bounded wait for its close, then the transport goes.
  /// Only called where nothing else reads the transport (negotiation, or the reader itself).
  // No default arguments on coroutines: GCC 12 destroys a defaulted temporary twice.
  awaitable<void> violation(Error e, std::optional<xml::Element> application) {
    const std::string condition = e.condition.empty() ? "undefined-condition" : e.condition;
    fail_session(e);
    if (!m_write_failed) {
      (void)enqueue(stanza::make_stream_error(condition, {}, std::move(application)), false);
      const auto last = enqueue_raw("</stream:stream>");
      const auto deadline = Clock::now() + k_close_wait;
      (void)co_await wait_written(last, deadline);
      co_await drain(deadline);
    }
    co_await stop_io();
  }

  /// Waits (until `deadline`) for the server to end the stream: its </stream:stream> when the
  /// parser still works, else EOF. Nothing read here is dispatched: after a violation or a failed
  /// negotiation nothing more is processed (SECURITY.md row 22).
  awaitable<void> drain(Clock::time_point deadline) {
    bool parsing = true;
    m_reading = true;
    for (;;) {
      while (parsing) {
        auto ev = m_parser.next();
        if (!ev) {
          parsing = false;  // a dead parser: wait for EOF instead
        } else if (!*ev) {
          break;
        } else if ((*ev)->kind == xml::StreamEvent::Kind::end) {
          trace("in", "</stream:stream>");
          m_peer_closed = true;
          m_reading = false;
          m_idle_signal.notify_all();
          co_return;
        }
      }
      const auto left = deadline - Clock::now();
      if (left <= Clock::duration::zero()) break;
      net::Watchdog dog(m_executor, left, [t = m_transport.get()] { t->cancel(); });
      auto n = co_await m_transport->read_some(m_buffer.data(), m_buffer.size());
      if (!n || *n == 0 || dog.expired()) break;
      if (parsing && !m_parser.feed(std::string_view(m_buffer.data(), *n))) parsing = false;
    }
    m_reading = false;
    m_idle_signal.notify_all();
  }

  // ---- writing ----

  /// Serialises and queues an element; stanzas count for XEP-0198 when `count` is set.
  /// Returns the write sequence number to wait for.
  Result<std::uint64_t> enqueue(const xml::Element& e, bool count) {
    std::string text;
    try {
      text = xml::to_string(e, stanza::k_ns_client);
    } catch (const std::invalid_argument& ex) {
      return fail(ErrorKind::data, "bad_xml_text", "", std::string("cannot send: ") + ex.what());
    }
    if (count && is_stanza(e)) m_sm.on_sent(e);
    trace("out", trace_text(e));
    return push(std::move(text));
  }

  std::uint64_t enqueue_raw(std::string text) {
    trace("out", text);
    return push(std::move(text));
  }

  std::uint64_t push(std::string text) {
    m_outq.push_back(std::move(text));
    const std::uint64_t seq = ++m_enqueued;
    if (!m_writing) {
      m_writing = true;
      asio::co_spawn(m_executor, writer(shared_from_this(), m_generation), rethrow);
    }
    return seq;
  }

  awaitable<void> writer([[maybe_unused]] std::shared_ptr<Core> keep_alive,
                         std::uint64_t generation) {
    while (!m_outq.empty() && !m_write_failed && generation == m_generation) {
      std::string batch;
      for (auto& s : m_outq)
        batch += s;
      const std::uint64_t upto = m_written + m_outq.size();
      m_outq.clear();
      auto r = co_await m_transport->write(std::move(batch));
      if (generation != m_generation) break;
      if (!r) {
        m_write_failed = true;
        if (!m_io_stopped) {
          fail_session(connection_lost(r.error().message));
          m_transport->cancel();  // wake a read that would otherwise wait for nothing
        }
        break;
      }
      m_written = upto;
      m_write_signal.notify_all();
    }
    if (generation == m_generation) {
      m_outq.clear();  // after a write failure nothing more goes out on this transport
      m_writing = false;
    }
    m_idle_signal.notify_all();
  }

  awaitable<Result<void>> wait_written(std::uint64_t seq, Clock::time_point deadline) {
    const std::uint64_t generation = m_generation;
    for (;;) {
      if (generation != m_generation)
        co_return fail(m_failure ? *m_failure : connection_lost("stream replaced"));
      if (m_written >= seq) co_return Result<void>{};
      if (m_write_failed) co_return fail(m_failure ? *m_failure : connection_lost("write failed"));
      if (m_failure && m_io_stopped) co_return fail(*m_failure);
      if (Clock::now() >= deadline)
        co_return fail(timeout_error("timed out writing to " + m_transport->peer()));
      co_await m_write_signal.wait_until(deadline);
    }
  }

  void trace(std::string_view direction, std::string_view text) const {
    if (m_options.trace) m_options.trace(direction, text);
  }

  void phase_done(Phase phase) const {
    if (m_options.timing) m_options.timing(phase, Clock::now(), m_reads);
  }

  // ---- negotiation ----

  void restart_parser() {
    m_parser.reset();
    m_parser.set_limits(m_limits);
  }

  /// Reads the next stream event (negotiation phase: nobody else reads). Parser errors keep their
  /// code "stream_error"; I/O errors and EOF become connection_lost.
  awaitable<Result<xml::StreamEvent>> read_event(std::string waiting) {
    for (;;) {
      auto ev = m_parser.next();
      if (!ev) co_return fail(ev.error());
      if (*ev) co_return std::move(**ev);
      m_reading = true;
      auto n = co_await m_transport->read_some(m_buffer.data(), m_buffer.size());
      m_reading = false;
      m_idle_signal.notify_all();
      if (!n) co_return fail(connection_lost(n.error().message));
      if (*n == 0)
        co_return fail(
            connection_lost("the server closed the connection while we waited for " + waiting));
      ++m_reads;
      if (auto fed = m_parser.feed(std::string_view(m_buffer.data(), *n)); !fed)
        co_return fail(fed.error());
    }
  }

  /// Ends a failed negotiation as politely as the failure allows, then returns it.
  awaitable<Error> abort_negotiation(Error e, bool local_violation, bool can_write) {
    if (local_violation) {
      co_await violation(e, std::nullopt);
      co_return e;
    }
    fail_session(e);
    if (can_write && !m_write_failed) {
      const auto last = enqueue_raw("</stream:stream>");
      const auto deadline = Clock::now() + k_close_wait;
      (void)co_await wait_written(last, deadline);
      co_await drain(deadline);
    }
    co_await stop_io();
    co_return e;
  }

  /// Why negotiation stopped, and how politely we may leave.
  struct Stop {
    Error error;
    bool violation = false;  // we caught the server breaking the protocol: send SE(condition)
    bool can_write = false;  // the stream is still writable: send </stream:stream>
  };
  using StepResult = tl::expected<void, Stop>;

  static tl::unexpected<Stop> stop(Error e, bool violation, bool can_write) {
    return tl::unexpected<Stop>(Stop{std::move(e), violation, can_write});
  }

  awaitable<Result<void>> negotiate(Negotiator& negotiator) {
    auto steps = co_await negotiate_steps(negotiator);
    if (steps) co_return Result<void>{};
    Stop s = std::move(steps.error());
    Error e = co_await abort_negotiation(std::move(s.error), s.violation, s.can_write);
    co_return fail(std::move(e));
  }

  awaitable<StepResult> negotiate_steps(Negotiator& negotiator) {
    if (m_transport->tls().active) negotiator.set_tls(m_transport->tls());
    bool send_header = true;
    for (;;) {
      if (send_header) {
        restart_parser();
        enqueue_raw(stream_header(m_options.jid, m_transport->tls().active, m_options.anonymous));
        send_header = false;
      }
      const std::string waiting(negotiator.waiting_for());
      net::Watchdog dog(m_executor, m_options.step_timeout,
                        [t = m_transport.get()] { t->cancel(); });
      auto ev = co_await read_event(waiting);
      if (dog.expired())
        co_return stop(timeout_error("timed out waiting for " + waiting), false, false);
      dog.disarm();
      if (m_failure) co_return stop(*m_failure, false, false);
      if (!ev) {
        // The parser's own errors name the stream error to send (xml/stream_parser.hpp).
        const bool parse_error = ev.error().code == "stream_error";
        co_return stop(ev.error(), parse_error, false);
      }
      if (ev->kind == xml::StreamEvent::Kind::header) {
        trace("in", trace_text(ev->header));
        if (auto ok = negotiator.on_header(ev->header); !ok) co_return stop(ok.error(), true, true);
        continue;
      }
      if (ev->kind == xml::StreamEvent::Kind::end) {
        trace("in", "</stream:stream>");
        co_return stop(
            connection_lost("the server closed the stream while we waited for " + waiting), false,
            true);
      }
      const xml::Element& element = *ev->element;
      trace("in", trace_text(element));
      if (stanza::is_stream_error(element))
        co_return stop(stanza::to_error(stanza::parse_stream_error(element)), false, true);
      // --timing: the features of the first protected stream end "stream", those of the stream
      // restarted after SASL (or those SASL2 sends right after <success/>) end "sasl" (the
      // features before STARTTLS are part of "tls").
      const bool features = element.is("features", stanza::k_ns_streams);
      const bool was_tls = negotiator.tls_active(), was_authenticated = negotiator.authenticated();
      auto action = negotiator.on_element(element);
      if (!action) {
        const bool local =
            action.error().kind == ErrorKind::protocol && action.error().code == "stream_error";
        co_return stop(action.error(), local, true);
      }
      if (features && was_tls) phase_done(was_authenticated ? Phase::sasl : Phase::stream);
      // XEP-0388 SASL2 authenticates without a stream restart: the full limits apply from here.
      if (!was_authenticated && negotiator.authenticated() &&
          action->next != Action::Next::restart) {
        m_limits = xml::Limits{};
        m_parser.set_limits(m_limits);
      }
      for (const xml::Element& out : action->send) {
        if (auto queued = enqueue(out, false); !queued) co_return stop(queued.error(), false, true);
      }
      switch (action->next) {
      case Action::Next::read:
        break;
      case Action::Next::restart:
        // RFC 6120 §6.4.6: the stream restarts after SASL success; the authenticated stream gets
        // the full limits (xml::Limits).
        if (negotiator.authenticated()) m_limits = xml::Limits{};
        send_header = true;
        break;
      case Action::Next::start_tls: {
        // SECURITY.md row 23: bytes after <proceed/> were sent in the clear and must never be
        // read as if TLS protected them: abort before the handshake.
        if (m_parser.buffered() != 0)
          co_return stop(make_error(ErrorKind::protocol, "starttls_injection", "",
                                    "server sent data after <proceed/> (possible injection); "
                                    "aborted before TLS"),
                         false, false);
        net::Watchdog tls_dog(m_executor, m_options.step_timeout,
                              [t = m_transport.get()] { t->cancel(); });
        auto tls = co_await m_transport->start_tls();
        if (tls_dog.expired())
          co_return stop(timeout_error("timed out waiting for the TLS handshake"), false, false);
        if (!tls) co_return stop(tls.error(), false, false);
        negotiator.set_tls(m_transport->tls());
        phase_done(Phase::tls);
        send_header = true;
        break;
      }
      case Action::Next::done: {
        // Make sure the last step's writes went out before reporting success.
        auto written = co_await wait_written(m_enqueued, Clock::now() + m_options.step_timeout);
        if (!written) co_return stop(written.error(), false, false);
        phase_done(Phase::bind);
        co_return StepResult{};
      }
      }
    }
  }

  // ---- reading after negotiation ----

  void spawn_reader() {
    m_reading = true;
    asio::co_spawn(m_executor, reader(shared_from_this(), m_generation), rethrow);
  }

  awaitable<void> reader([[maybe_unused]] std::shared_ptr<Core> keep_alive,
                         std::uint64_t generation) {
    co_await read_loop(generation);
    if (generation == m_generation) {
      m_reading = false;
      m_idle_signal.notify_all();
    }
  }

  awaitable<void> read_loop(std::uint64_t generation) {
    for (;;) {
      if (generation != m_generation || m_io_stopped) co_return;
      auto ev = m_parser.next();
      if (!ev) {
        co_await violation_from_reader(ev.error(), std::nullopt);
        co_return;
      }
      if (*ev) {
        xml::StreamEvent& event = **ev;
        if (event.kind == xml::StreamEvent::Kind::end) {
          trace("in", "</stream:stream>");
          co_await peer_closed();
          co_return;
        }
        if (event.kind == xml::StreamEvent::Kind::header) {
          co_await violation_from_reader(make_error(ErrorKind::protocol, "stream_error",
                                                    "not-well-formed",
                                                    "server sent a second stream header"),
                                         std::nullopt);
          co_return;
        }
        trace("in", trace_text(*event.element));
        auto outcome = dispatch(*event.element);
        if (outcome.kind == Outcome::violated) {
          co_await violation_from_reader(std::move(outcome.error), std::move(outcome.application));
          co_return;
        }
        if (outcome.kind == Outcome::received_stream_error) {
          // RFC 6120 §4.9.1.1: the stream is over; answer with our closing tag.
          fail_session(std::move(outcome.error));
          if (!m_write_failed) {
            const auto last = enqueue_raw("</stream:stream>");
            m_reading = false;
            (void)co_await wait_written(last, Clock::now() + k_close_wait);
          }
          co_await stop_io();
          co_return;
        }
        continue;
      }
      auto n = co_await m_transport->read_some(m_buffer.data(), m_buffer.size());
      if (generation != m_generation || m_io_stopped) co_return;
      if (!n || *n == 0) {
        if (m_close_started) {
          // After our </stream:stream>, the server closing the connection ends the exchange.
          m_peer_closed = true;
          m_close_signal.notify_all();
        } else {
          fail_session(
              connection_lost(!n ? n.error().message : "the server closed the connection"));
          m_reading = false;
          co_await stop_io();
        }
        co_return;
      }
      ++m_reads;
      if (auto fed = m_parser.feed(std::string_view(m_buffer.data(), *n)); !fed) {
        co_await violation_from_reader(fed.error(), std::nullopt);
        co_return;
      }
    }
  }

  awaitable<void> violation_from_reader(Error e, std::optional<xml::Element> application) {
    m_reading = false;  // violation() drains the transport itself
    co_await violation(std::move(e), std::move(application));
  }

  awaitable<void> peer_closed() {
    m_peer_closed = true;
    if (!m_close_started) {
      // The server ended the stream without an error: nothing more will arrive.
      fail_session(make_error(ErrorKind::temporary, "connection_lost", "",
                              "the server closed the stream (" + m_transport->peer() + ")"));
      if (!m_write_failed) {
        const auto last = enqueue_raw("</stream:stream>");
        m_reading = false;
        (void)co_await wait_written(last, Clock::now() + k_close_wait);
      }
      co_await stop_io();
    }
    m_close_signal.notify_all();
  }

  struct Outcome {
    enum Kind { ok, violated, received_stream_error } kind = ok;
    Error error;
    std::optional<xml::Element> application;
  };

  static Outcome violation_outcome(std::string condition, std::string message,
                                   std::optional<xml::Element> application = std::nullopt) {
    return Outcome{
        Outcome::violated,
        make_error(ErrorKind::protocol, "stream_error", std::move(condition), std::move(message)),
        std::move(application)};
  }

  Outcome dispatch(const xml::Element& e) {
    if (stanza::is_stream_error(e))
      return Outcome{Outcome::received_stream_error,
                     stanza::to_error(stanza::parse_stream_error(e)), std::nullopt};
    if (e.ns() == k_ns_sm) return dispatch_sm(e);
    if (!is_stanza(e)) {
      // SECURITY.md row 21, decided: a first-level element that is neither a stanza nor a nonza
      // we negotiated is a stream error (RFC 6120 §4.9.3.24), never silently skipped, so nothing
      // can hide in a namespace we do not look at.
      return violation_outcome("unsupported-stanza-type",
                               "server sent " + xml::describe(e) + ", which is not a stanza");
    }
    if (m_sm.enabled()) m_sm.on_received();
    if (e.name() == "iq") {
      const auto type = e.attr("type");
      if (type == "result" || type == "error") {
        // SECURITY.md rows 31, 33: only an answer from the addressee to a pending id counts;
        // unknown ids, duplicates and spoofed senders are dropped.
        if (m_tracker.deliver(e)) m_iq_signal.notify_all();
        return {};
      }
      // get/set, even with an id we are waiting on, is a request to us (row 32).
      // Nothing may follow our </stream:stream> (RFC 6120 §4.4).
      if (auto reply = m_router.answer_iq(e); reply && !m_close_started)
        (void)enqueue(*reply, true);
      offer_to_waiters(e);
      return {};
    }
    m_router.dispatch(e);
    offer_to_waiters(e);
    return {};
  }

  Outcome dispatch_sm(const xml::Element& e) {
    // SECURITY.md row 42: stream management nonzas outside an enabled session are ignored.
    if (!m_sm.enabled()) return {};
    if (e.name() == "r") {
      if (!m_close_started) (void)enqueue(m_sm.make_ack(), false);
      return {};
    }
    if (e.name() == "a") {
      auto h = parse_h(e.attr("h").value_or(""));
      if (!h)
        return violation_outcome("undefined-condition", "server sent <a/> without a valid 'h'");
      auto acked = m_sm.on_ack(*h);
      if (!acked) {
        // XEP-0198 §6: acknowledging more than we sent is a broken peer.
        return Outcome{Outcome::violated, acked.error(), m_sm.make_too_high(*h)};
      }
      m_ack_signal.notify_all();
      return {};
    }
    return {};  // late <enabled/>, <failed/>, ...: nothing to do
  }

  void offer_to_waiters(const xml::Element& e) {
    bool woke = false;
    for (StanzaWaiter* w : m_stanza_waiters) {
      if (!w->match && w->predicate(e)) {
        w->match = e;
        woke = true;
      }
    }
    if (woke) m_stanza_signal.notify_all();
  }

  asio::any_io_executor m_executor;
  SessionOptions m_options;
  std::unique_ptr<net::Transport> m_transport;
  std::vector<std::unique_ptr<net::Transport>> m_retired;
  std::uint64_t m_generation = 0;  // one per transport: coroutines of an old one stand down
  xml::StreamParser m_parser;
  xml::Limits m_limits = xml::Limits::pre_auth();
  std::vector<char> m_buffer;
  std::uint64_t m_reads = 0;  // reads that returned data, for --timing

  Jid m_jid;
  SessionInfo m_info;
  Router m_router;
  Subscription m_ping;
  IqTracker m_tracker;
  StreamManagement m_sm;
  std::list<StanzaWaiter*> m_stanza_waiters;

  std::deque<std::string> m_outq;
  std::uint64_t m_enqueued = 0;
  std::uint64_t m_written = 0;
  bool m_writing = false;
  bool m_write_failed = false;
  bool m_reading = false;
  bool m_io_stopped = false;

  std::optional<Error> m_failure;
  bool m_peer_closed = false;
  bool m_close_started = false;
  bool m_closed = false;
  Result<void> m_close_result;

  Signal m_iq_signal, m_ack_signal, m_write_signal, m_stanza_signal, m_close_signal, m_idle_signal;
};

/// The unique_ptr<Session> callers hold; the shared core outlives it while coroutines finish.
class Handle final : public Session {
 public:
  explicit Handle(std::shared_ptr<Core> core) : m_core(std::move(core)) {}
  ~Handle() override { m_core->abandon(); }

  const Jid& jid() const override { return m_core->jid(); }
  const SessionInfo& info() const override { return m_core->info(); }
  awaitable<Result<xml::Element>> request(xml::Element iq, milliseconds timeout) override {
    return m_core->request(std::move(iq), timeout);
  }
  awaitable<Result<void>> send(xml::Element stanza) override {
    return m_core->send(std::move(stanza));
  }
  awaitable<Result<void>> flush(milliseconds timeout) override { return m_core->flush(timeout); }
  Router& router() override { return m_core->router(); }
  awaitable<Result<void>> close() override { return m_core->close(); }
  void post(xml::Element stanza) override { m_core->post(std::move(stanza)); }
  awaitable<Result<xml::Element>> wait_for(StanzaPredicate predicate,
                                           milliseconds timeout) override {
    return m_core->wait_for(std::move(predicate), timeout);
  }
  std::optional<Error> failure() const override { return m_core->failure(); }
  bool resumable() const override { return m_core->resumable(); }
  awaitable<Result<ResumeOutcome>> resume() override { return m_core->resume(); }
  awaitable<Result<ResumeOutcome>> resume_on(std::unique_ptr<net::Transport> transport,
                                             bool direct_tls) override {
    return m_core->resume_on(std::move(transport), direct_tls);
  }
  std::uint64_t network_reads() const override { return m_core->network_reads(); }

 private:
  std::shared_ptr<Core> m_core;
};

}  // namespace

awaitable<Result<std::unique_ptr<Session>>>
Session::open_on(std::unique_ptr<net::Transport> transport, bool direct_tls,
                 SessionOptions options) {
  auto core = std::make_shared<Core>(co_await asio::this_coro::executor, std::move(options));
  auto started = co_await core->start(std::move(transport), direct_tls);
  if (!started) co_return fail(started.error());
  co_return std::unique_ptr<Session>(std::make_unique<Handle>(std::move(core)));
}

awaitable<Result<std::unique_ptr<Session>>> Session::open(SessionOptions options) {
  auto executor = co_await asio::this_coro::executor;
  for (int attempt = 0;; ++attempt) {
    Result<std::unique_ptr<Session>> result = fail(ErrorKind::software, "unreachable", "", "");
    // A server that accepts the connection and then fails the stream (a hung cluster node behind
    // one SRV target, a stream error, a close) is a reachability problem like a refused
    // connection (RFC 6120 §3.2.1): the next address is tried at once, in this attempt. When none
    // is left, the first such failure is the attempt's result.
    net::ConnectOptions how = connect_options(options);
    std::optional<Error> stream_failure;
    for (;;) {
      auto connected = co_await net::connect(how);
      if (!connected) {
        result = fail(stream_failure.value_or(connected.error()));
        break;
      }
      // A direct-TLS handshake is done inside connect().
      if (connected->endpoint.direct_tls && options.timing)
        options.timing(Phase::tls, Clock::now(), std::nullopt);
      const std::string address = connected->address;
      result = co_await open_on(std::move(connected->transport), connected->endpoint.direct_tls,
                                options);
      if (result || !net::retryable(result.error())) break;
      if (!stream_failure) stream_failure = result.error();
      how.skip.push_back(address);
    }
    if (result || attempt >= options.retries || !net::retryable(result.error())) co_return result;
    asio::steady_timer pause(executor, net::retry_delay(static_cast<unsigned>(attempt) + 1,
                                                        net::default_random()));
    co_await pause.async_wait(asio::use_awaitable);
  }
}

}  // namespace xmpp::stream
