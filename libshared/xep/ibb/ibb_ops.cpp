#include "xep/ibb/ibb_ops.hpp"

#include <algorithm>
#include <cstring>
#include <deque>
#include <optional>
#include <string_view>
#include <utility>

#include "core/deadline.hpp"
#include "core/random.hpp"
#include "core/text.hpp"
#include "stanza/iq.hpp"
#include "stream/router.hpp"
#include "stream/signal.hpp"

namespace xmpp::ibb {
namespace {

using Clock = std::chrono::steady_clock;

Result<void> check_block_size(std::uint32_t block_size) {
  if (block_size == 0 || block_size > k_max_block_size)
    return fail(ErrorKind::usage, "bad_block_size", "",
                "the in-band block size must be 1-65535, not " + std::to_string(block_size));
  return {};
}

/// A failed request about the bytestream in words: a stanza error is the peer refusing `what`.
Error describe(const Error& error, const Jid& peer, const std::string& what) {
  if (error.code != "stanza_error") return error.with_context(what + " to " + peer.str());
  Error out = error;
  out.message = "peer " + peer.str() + " refused " + what + " (" + error.message + ")";
  return out;
}

// ---- the sending end ----

struct SinkState {
  SinkState(stream::Session& s, Jid p, std::string i, SinkOptions o)
      : session(&s), peer(std::move(p)), sid(std::move(i)), options(o) {}

  stream::Session* session;
  Jid peer;
  std::string sid;
  SinkOptions options;
  std::size_t in_flight = 0;     // <data/> iqs sent and not answered
  std::optional<Error> failure;  // the first chunk that failed, for every later call
  bool close_sent = false;
  stream::Signal progress;  // an acknowledgement (or failure) arrived

  /// XEP-0047 §2.3: either party ends the bytestream with <close/>. Best effort: its answer is not
  /// awaited (the session drops a reply nobody waits for). post() assigns no id, and an iq needs
  /// one (RFC 6120 §8.1.3).
  void post_close() {
    if (close_sent) return;
    close_sent = true;
    session->post(make_close(peer, sid, random_id()));
  }

  void fail_once(Error e) {
    if (failure) return;
    failure = std::move(e);
    post_close();
  }
};

/// One <data/> iq and its acknowledgement, run beside the writer (the window's pipelining).
awaitable<void> send_chunk(std::shared_ptr<SinkState> state, xml::Element iq, std::uint16_t seq) {
  // The count drops however this ends, so a waiting writer is never stranded.
  struct Done {
    SinkState& s;
    ~Done() {
      --s.in_flight;
      s.progress.notify_all();
    }
  } done{*state};
  auto reply = co_await state->session->request(std::move(iq), state->options.timeout);
  if (!reply)
    state->fail_once(
        describe(reply.error(), state->peer,
                 "chunk " + std::to_string(seq) + " of the in-band bytestream " + state->sid));
}

class Sink final : public jingle_ft::ByteSink {
 public:
  explicit Sink(std::shared_ptr<SinkState> state) : m_state(std::move(state)) {}
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  ~Sink() override {
    // Ends the bytestream for the peer, which would otherwise wait for data until its timeout.
    // write() returns only after its chunks are queued, so this <close/> follows them.
    if (!m_closed && !m_state->failure) m_state->post_close();
  }

  awaitable<Result<void>> write(std::span<const char> bytes) override {
    auto state = m_state;
    if (m_closed) co_return fail(closed_error());
    if (state->failure) co_return fail(*state->failure);
    const auto executor = co_await asio::this_coro::executor;
    const std::size_t block = state->options.block_size;
    std::size_t offset = 0;
    while (offset < bytes.size()) {
      co_await wait_for_room(*state);
      if (state->failure) co_return fail(*state->failure);
      const std::size_t n = std::min(block, bytes.size() - offset);
      // The base64 text in the element is the only copy of the chunk.
      auto iq = make_data(state->peer, state->sid, m_next_seq,
                          std::string_view(bytes.data() + offset, n));
      ++state->in_flight;
      asio::co_spawn(executor, send_chunk(state, std::move(iq), m_next_seq), asio::detached);
      // XEP-0047 §2.2: the counter wraps after 65535 to 0 (uint16_t arithmetic).
      m_next_seq = static_cast<std::uint16_t>(m_next_seq + 1);
      offset += n;
      m_written += n;
    }
    // co_spawn starts each chunk from the executor's queue: once this posted step runs, every
    // chunk above has been queued on the session in seq order, before anything we send later.
    co_await asio::post(executor, asio::use_awaitable);
    co_await wait_for_room(*state);
    if (state->failure) co_return fail(*state->failure);
    co_return Result<void>{};
  }

  awaitable<Result<void>> close() override {
    auto state = m_state;
    if (m_closed) co_return Result<void>{};
    // XEP-0047 §2.3: every chunk acknowledged before the <close/>, so "closed" means "all there".
    while (!state->failure && state->in_flight > 0)
      co_await state->progress.wait();
    if (state->failure) co_return fail(*state->failure);
    m_closed = true;
    state->close_sent = true;
    auto reply = co_await state->session->request(make_close(state->peer, state->sid),
                                                  state->options.timeout);
    if (!reply)
      co_return fail(
          describe(reply.error(), state->peer, "the <close/> of in-band bytestream " + state->sid));
    co_return Result<void>{};
  }

  std::size_t written() const override { return m_written; }

 private:
  /// Each chunk in flight ends within its own timeout (Session::request), so this wait is bounded.
  static awaitable<void> wait_for_room(SinkState& state) {
    while (!state.failure && state.in_flight >= state.options.window)
      co_await state.progress.wait();
  }

  Error closed_error() const {
    return make_error(ErrorKind::usage, "closed", "",
                      "the in-band bytestream " + m_state->sid + " to " + m_state->peer.str() +
                          " is closed");
  }

  std::shared_ptr<SinkState> m_state;
  std::uint16_t m_next_seq = 0;
  std::size_t m_written = 0;
  bool m_closed = false;
};

// ---- the receiving end ----

struct SourceState {
  SourceState(stream::Session& s, Jid peer, std::string sid, std::uint32_t block_size,
              SourceOptions o)
      : session(&s), reader(std::move(peer), std::move(sid), block_size), options(o) {}

  stream::Session* session;
  Reader reader;
  SourceOptions options;
  std::deque<std::string> queue;  // decoded chunks, in order
  std::size_t front_used = 0;     // bytes of queue.front() already read
  std::size_t queued = 0;         // bytes in queue not yet read
  bool eof = false;               // the peer's <close/>
  bool cancelled = false;         // our cancel()
  bool close_sent = false;
  std::optional<Error> failure;  // a rule break (we closed)
  bool watching = false;         // a watcher coroutine waits on the session for read()
  bool can_watch = true;         // false when the session has no wait_for (test doubles)
  stream::Signal news;

  bool has_news() const { return !queue.empty() || eof || cancelled || failure; }
  bool stopped() const { return cancelled || failure || reader.is_closed(); }

  std::string what() const {
    return "in-band bytestream " + reader.sid() + " from " + reader.peer().str();
  }

  void post_close() {
    if (close_sent) return;
    close_sent = true;
    session->post(make_close(reader.peer(), reader.sid(), random_id()));
  }

  /// XEP-0047 §2.2: after a rule break the recipient closes the bytestream.
  void break_off(std::string reason) {
    if (!failure)
      failure = make_error(ErrorKind::protocol, "ibb_closed", "", what() + ": " + reason);
    post_close();
    news.notify_all();
  }
};

xml::Element error_reply(const xml::Element& iq, std::string condition) {
  return stanza::make_error_reply(iq, stanza::make_stanza_error(std::move(condition)));
}

xml::Element answer(const xml::Element& iq, const Reader::Outcome& outcome) {
  if (outcome.error) return error_reply(iq, *outcome.error);
  return stanza::make_result(iq);
}

/// Answers one IBB iq set for the source (the router's responder: synchronous, so every chunk is
/// acknowledged as it arrives and the queue is bounded by max_queued instead of by our reading).
xml::Element on_ibb_iq(SourceState& state, const xml::Element& iq) {
  const xml::Element* payload = stanza::iq_payload(iq);
  const std::string& name = payload->name();
  // A stanza without a usable 'from' cannot be from the peer's full JID.
  auto from = Jid::parse(iq.attr("from").value_or(""));
  if (!from) return error_reply(iq, name == "open" ? "not-acceptable" : "item-not-found");

  if (name == "open") {
    auto open = parse_open(*payload);
    if (!open) return error_reply(iq, "bad-request");
    if (state.stopped()) return error_reply(iq, "not-acceptable");
    // XEP-0261 §2.2: we offered chunks in iqs only; message chunks are not acknowledged and we do
    // not listen for them.
    if (open->stanza == StanzaKind::message && *from == state.reader.peer() &&
        open->sid == state.reader.sid())
      return error_reply(iq, "not-acceptable");
    return answer(iq, state.reader.on_open(*from, *open));
  }

  if (name == "data") {
    auto data = parse_data(*payload);
    // A malformed seq is not counted: the next chunk then shows a gap and ends the bytestream.
    if (!data) return error_reply(iq, "bad-request");
    if (state.stopped()) return error_reply(iq, "item-not-found");
    auto outcome = state.reader.on_data(*from, *data);
    if (outcome.error) {
      if (outcome.close) state.break_off(outcome.reason);
      return answer(iq, outcome);
    }
    if (state.queued + outcome.bytes.size() > state.options.max_queued) {
      state.break_off("more than " + std::to_string(state.options.max_queued) +
                      " bytes arrived that were not read yet");
      return error_reply(iq, "resource-constraint");
    }
    if (!outcome.bytes.empty()) {
      state.queued += outcome.bytes.size();
      state.queue.push_back(std::move(outcome.bytes));
      state.news.notify_all();
    }
    return stanza::make_result(iq);
  }

  // The router only gives us open, data and close.
  auto sid = parse_close(*payload);
  if (!sid) return error_reply(iq, "bad-request");
  if (state.cancelled || state.failure) return error_reply(iq, "item-not-found");
  auto outcome = state.reader.on_close(*from, *sid);
  if (outcome.close) {
    state.eof = true;
    state.news.notify_all();
  }
  return answer(iq, outcome);
}

/// Wakes a waiting read() when the session fails (Session::wait_for returns then): the router's
/// responders wake it for everything else. Ends at the first stanza after which read() has
/// something to return, so a watcher rarely outlives the read() it serves.
awaitable<void> watch_session(std::shared_ptr<SourceState> state,
                              std::chrono::milliseconds timeout) {
  // A named predicate: GCC 12 may destroy a lambda temporary of a co_await expression twice.
  // A raw pointer: this frame keeps the state alive while the session holds the predicate.
  stream::StanzaPredicate predicate = [s = state.get()](const xml::Element&) {
    return s->has_news();
  };
  auto woke = co_await state->session->wait_for(std::move(predicate), timeout);
  state->watching = false;
  if (!woke && woke.error().code == "unsupported") state->can_watch = false;
  state->news.notify_all();
}

class Source final : public jingle_ft::ByteSource {
 public:
  Source(std::shared_ptr<SourceState> state, std::vector<stream::Subscription> handlers)
      : m_state(std::move(state)), m_handlers(std::move(handlers)) {}
  Source(const Source&) = delete;
  Source& operator=(const Source&) = delete;

  awaitable<Result<std::size_t>> read(std::span<char> buffer) override {
    auto state = m_state;
    if (buffer.empty())
      co_return fail(ErrorKind::software, "bad_buffer", "", "read() needs room for 1 byte");
    const auto executor = co_await asio::this_coro::executor;
    const auto deadline = Clock::now() + state->options.idle_timeout;
    for (;;) {
      if (state->cancelled)
        co_return fail(ErrorKind::interrupted, "cancelled", "", state->what() + ": cancelled");
      // Bytes that arrived before a rule break or the peer's <close/> are still delivered.
      if (!state->queue.empty()) co_return take(*state, buffer);
      if (state->failure) co_return fail(*state->failure);
      if (state->eof) co_return std::size_t{0};
      if (auto lost = state->session->failure()) co_return fail(lost->with_context(state->what()));
      if (Clock::now() >= deadline)
        co_return fail(ErrorKind::temporary, "timeout", "",
                       state->what() + ": no data within " +
                           duration_text(state->options.idle_timeout));
      if (!state->watching && state->can_watch) {
        state->watching = true;
        asio::co_spawn(executor, watch_session(state, time_left(deadline)), asio::detached);
      }
      co_await state->news.wait_until(deadline);
    }
  }

  void cancel() override {
    auto& state = *m_state;
    if (state.cancelled) return;
    state.cancelled = true;
    // XEP-0047 §2.3; nothing to close when the peer closed or we already did after a rule break.
    if (!state.eof && !state.failure) state.post_close();
    state.news.notify_all();
  }

 private:
  static std::size_t take(SourceState& state, std::span<char> buffer) {
    std::size_t n = 0;
    while (n < buffer.size() && !state.queue.empty()) {
      const std::string& front = state.queue.front();
      const std::size_t k = std::min(buffer.size() - n, front.size() - state.front_used);
      std::memcpy(buffer.data() + n, front.data() + state.front_used, k);
      n += k;
      state.front_used += k;
      if (state.front_used == front.size()) {
        state.queue.pop_front();
        state.front_used = 0;
      }
    }
    state.queued -= n;
    return n;
  }

  std::shared_ptr<SourceState> m_state;
  std::vector<stream::Subscription> m_handlers;
};

}  // namespace

awaitable<Result<std::unique_ptr<jingle_ft::ByteSink>>>
open_sink(stream::Session& session, Jid peer, std::string sid, SinkOptions options) {
  if (auto ok = check_block_size(options.block_size); !ok) co_return fail(ok.error());
  options.window = std::max<std::size_t>(options.window, 1);
  Open open;
  open.sid = sid;
  open.block_size = options.block_size;
  open.stanza = StanzaKind::iq;
  auto reply = co_await session.request(make_open(peer, open), options.timeout);
  if (!reply) co_return fail(describe(reply.error(), peer, "the in-band bytestream"));
  auto state = std::make_shared<SinkState>(session, std::move(peer), std::move(sid), options);
  co_return std::unique_ptr<jingle_ft::ByteSink>(std::make_unique<Sink>(std::move(state)));
}

Result<std::unique_ptr<jingle_ft::ByteSource>> expect_source(stream::Session& session, Jid peer,
                                                             std::string sid,
                                                             std::uint32_t block_size,
                                                             SourceOptions options) {
  if (auto ok = check_block_size(block_size); !ok) return fail(ok.error());
  auto state =
      std::make_shared<SourceState>(session, std::move(peer), std::move(sid), block_size, options);
  std::vector<stream::Subscription> handlers;
  for (const char* name : {"open", "data", "close"}) {
    // The responders hold the state weakly: the Source owns it, and they are unregistered with it.
    handlers.push_back(
        session.router().on_iq("set", name, std::string(k_ns),
                               [weak = std::weak_ptr<SourceState>(state)](const xml::Element& iq) {
                                 auto s = weak.lock();
                                 if (!s) return error_reply(iq, "item-not-found");
                                 return on_ibb_iq(*s, iq);
                               }));
  }
  return std::unique_ptr<jingle_ft::ByteSource>(
      std::make_unique<Source>(std::move(state), std::move(handlers)));
}

}  // namespace xmpp::ibb
