#include "cmd_listen.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <memory>

#include <fmt/format.h>

#include "commands.hpp"
#include "event_lines.hpp"
#include "listen_filter.hpp"
#include "listen_message.hpp"
#include "net/retry.hpp"
#include "stanza/presence.hpp"
#include "stream/router.hpp"
#include "xep/carbons/carbons.hpp"
#include "xep/muc/muc_ops.hpp"
#include "xep/receipts/receipts.hpp"
#include "xml/writer.hpp"

namespace xmpp::cli {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

/// A session that lived this long was stable: after it drops, reconnecting starts at once.
/// Quicker drops in a row wait net::retry_delay (the --retries back-off) first.
constexpr std::chrono::seconds k_stable{60};

/// The arguments checked before anything is sent (usage errors, exit 64).
struct CheckedListen {
  ListenFilter filter;
  std::vector<Jid> rooms;
};

Result<CheckedListen> check(const ListenArgs& args) {
  CheckedListen c;
  for (const auto& text : args.from) {
    auto jid = Jid::parse(text);
    if (!jid) return fail(jid.error().with_context("--from"));
    c.filter.from.push_back(std::move(*jid));
  }
  c.filter.types.insert(args.types.begin(), args.types.end());
  for (const auto& text : args.rooms) {
    auto room = Jid::parse(text);
    if (!room) return fail(room.error().with_context("--muc"));
    if (!room->is_bare() || !room->has_local())
      return fail(ErrorKind::usage, "bad_jid", "",
                  "--muc " + text + ": a room is a bare JID, room@service");
    if (args.nick) {
      auto occupant = room->try_with_resource(*args.nick);
      if (!occupant)
        return fail(ErrorKind::usage, "bad_nick", "",
                    "--nick: \"" + *args.nick + "\" cannot be a nick: " + occupant.error().message);
    }
    if (std::find(c.rooms.begin(), c.rooms.end(), *room) == c.rooms.end())
      c.rooms.push_back(std::move(*room));
  }
  if (args.room_password && !xml::is_xml_text(*args.room_password))
    return fail(ErrorKind::usage, "bad_value", "",
                "--room-password contains characters XML cannot carry");
  if ((args.nick || args.room_password) && args.rooms.empty())
    return fail(ErrorKind::usage, "usage", "", "--nick and --room-password need --muc ROOM");
  return c;
}

class Listener {
 public:
  Listener(Context& ctx, ListenArgs args, CheckedListen checked)
      : m_ctx(ctx), m_args(std::move(args)), m_filter(std::move(checked.filter)),
        m_rooms(std::move(checked.rooms)), m_pause(ctx.executor()) {
    m_scope.carbons = m_args.carbons;
  }

  awaitable<Outcome> run() {
    auto opened = co_await m_ctx.session();
    if (!opened) co_return Outcome::failure(opened.error());
    stream::Session* session = *opened;
    // CLI.md: listening has no deadline unless --timeout (or a config timeout) asks for one, and
    // Ctrl-C is its normal end (exit 0).
    m_ctx.drop_default_deadline();
    m_ctx.set_sigint_ends_normally(true);
    m_ctx.on_interrupt([this] { on_interrupt(); });
    struct Unregister {
      Context& context;
      ~Unregister() { context.on_interrupt(nullptr); }
    } unregister{m_ctx};

    auto started = co_await start(*session);
    for (;;) {
      std::optional<Error> lost;
      if (!started) {
        if (m_ctx.interrupted()) co_return Outcome::success(nullptr);
        // A setup step that failed because the connection went is a lost connection; a refusal
        // (carbons forbidden, a room that would not let us in) is the answer.
        if (!session->failure()) co_return Outcome::failure(started.error());
        lost = *session->failure();
      } else {
        if (auto end = drain(*session)) co_return std::move(*end);
        const auto left = m_ctx.remaining() - k_deadline_margin;
        if (left.count() <= 0) co_return deadline_reached();
        auto woke = co_await session->wait_for(
            [this](const xml::Element&) { return !m_queue.empty(); }, left);
        if (woke) continue;
        if (!session->failure()) {
          // The wait's own limit: the deadline check above decides. Anything else is a bug in a
          // session implementation, not a reason to spin.
          if (woke.error().code == "timeout") continue;
          co_return Outcome::failure(woke.error());
        }
        // The stream ended: what arrived before it still counts.
        if (auto end = drain(*session)) co_return std::move(*end);
        if (m_ctx.interrupted()) co_return Outcome::success(nullptr);
        lost = *session->failure();
      }
      if (!reconnectable(*lost)) co_return Outcome::failure(std::move(*lost));
      bool fresh = false;
      auto again = co_await reconnect(session, *lost, fresh);
      if (m_ctx.interrupted()) co_return Outcome::success(nullptr);
      if (!again) co_return Outcome::failure(again.error());
      session = *again;
      if (fresh) {
        started = co_await start(*session);
      } else {
        started = Result<void>{};
        print_ready(*session);
      }
    }
  }

 private:
  enum class Phase { listening, pausing, resuming, reopening };

  void on_interrupt() {
    switch (m_phase) {
    case Phase::listening:
      // Closing ends the wait (and any setup step) with the session's "closed" failure; what
      // arrives until the server has closed its side is still printed.
      m_ctx.close_session_soon();
      break;
    case Phase::pausing:
      m_pause.cancel();
      break;
    case Phase::resuming:
    case Phase::reopening:
      break;  // the attempt in progress ends on its own deadlines; run() then sees interrupted()
    }
  }

  /// Everything that makes the server send us what we listen to: initial presence, carbons, rooms.
  awaitable<Result<void>> start(stream::Session& session) {
    m_started = Clock::now();
    m_scope.own = session.jid();
    subscribe(session);
    // RFC 6121 §4.2 initial presence, without <priority/> (= 0): §8.5.2.1.1 delivers messages to
    // the bare JID only to resources of non-negative priority, and a listener wants those. The
    // server also delivers stored (offline) messages now.
    if (auto sent = co_await session.send(stanza::make_presence()); !sent) co_return sent;
    // Ready means the server has taken our presence (an XEP-0198 ack or an iq round trip), so a
    // script that starts sending when it sees "ready" does not race it.
    if (auto taken = co_await session.flush(step_timeout()); !taken) co_return taken;
    if (m_args.carbons) {
      auto enabled = co_await session.request(carbons::make_enable(), step_timeout());
      if (!enabled) co_return fail(enabled.error().with_context("enabling carbons (XEP-0280)"));
    }
    for (const auto& room : m_rooms) {
      // Accepted from now on: the history follows the room's self-presence at once (XEP-0045
      // §7.2.15), possibly before join() has returned.
      m_scope.rooms.insert(room);
      muc::JoinOptions options;
      options.nick = m_args.nick ? *m_args.nick : default_nick(session);
      options.password = m_args.room_password;
      options.history_stanzas = std::nullopt;  // the room's default: history, flagged as such
      options.allow_create = false;            // listening never creates a room
      options.timeout = step_timeout();
      auto joined = co_await muc::join(session, room, std::move(options));
      if (!joined) co_return fail(joined.error());
      m_ctx.note("joined " + room.str() + " as " + escape_terminal(joined->occupant.resource()));
    }
    print_ready(session);
    co_return Result<void>{};
  }

  std::string default_nick(const stream::Session& session) const {
    if (session.jid().has_local()) return session.jid().local();
    return "listener";  // an anonymous login's local part is the server's random choice
  }

  milliseconds step_timeout() const {
    return std::clamp(m_ctx.remaining(), milliseconds(1), k_step_timeout);
  }

  void subscribe(stream::Session& session) {
    m_subscriptions.clear();
    auto& router = session.router();
    m_subscriptions.push_back(router.on(
        {"message", "", ""}, [this](const xml::Element& stanza) { m_queue.push_back(stanza); }));
    if (m_args.presence)
      m_subscriptions.push_back(
          router.on({"presence", "", ""}, [this](const xml::Element& s) { m_queue.push_back(s); }));
  }

  void print_ready(const stream::Session& session) {
    if (m_ctx.json()) (void)m_lines.emit(dump_json(ready_json(session.jid(), m_scope.rooms)));
    m_ctx.note("listening as " + session.jid().str());
  }

  /// Prints and answers what the router queued. An outcome when listening is over: --count
  /// reached or stdout gone.
  std::optional<Outcome> drain(stream::Session& session) {
    if (m_lines.failed())
      return m_lines.write_failed();  // the ready line may have found stdout gone
    while (!m_queue.empty()) {
      const xml::Element stanza = std::move(m_queue.front());
      m_queue.pop_front();
      if (stanza.name() == "message")
        handle_message(stanza, session);
      else
        handle_presence(stanza);
      if (m_lines.failed()) return m_lines.write_failed();
      if (m_args.count > 0 && m_printed >= m_args.count) return Outcome::success(nullptr);
    }
    return std::nullopt;
  }

  void handle_message(const xml::Element& stanza, stream::Session& session) {
    auto decoded = decode_message(stanza, m_scope);
    if (auto* ignored = std::get_if<Ignored>(&decoded)) {
      m_ctx.note("ignored: " + escape_terminal(ignored->reason));
      return;
    }
    const auto& message = std::get<ListenMessage>(decoded);
    if (!m_filter.accepts(message)) return;
    if (m_recent.seen(message)) {
      m_ctx.note("not shown again: message " + escape_terminal(message.origin_id.value_or("")) +
                 " from " + escape_terminal(message.from) + " (same origin-id)");
    } else {
      m_recent.remember(message);
      ++m_printed;
      if (!m_lines.emit(m_ctx.json()
                            ? dump_json(to_json(message))
                            : human_line(message, clock_text(std::chrono::system_clock::now()))))
        return;
    }
    // XEP-0184: the message was shown (now or before: a sender retransmitting it did not get
    // our first receipt). Never for a carbon (XEP-0280 §10: no auto-replies to copies);
    // make_receipt leaves out errors, groupchat and messages without id.
    if (m_args.no_receipts || message.carbon) return;
    if (auto receipt = receipts::make_receipt(stanza)) session.post(std::move(*receipt));
  }

  void handle_presence(const xml::Element& stanza) {
    auto decoded = decode_presence(stanza, m_scope);
    if (auto* ignored = std::get_if<Ignored>(&decoded)) {
      m_ctx.note("ignored: " + escape_terminal(ignored->reason));
      return;
    }
    const auto& presence = std::get<ListenPresence>(decoded);
    if (!m_filter.accepts(presence)) return;
    ++m_printed;
    (void)m_lines.emit(m_ctx.json()
                           ? dump_json(to_json(presence))
                           : human_line(presence, clock_text(std::chrono::system_clock::now())));
  }

  Outcome deadline_reached() const {
    // --timeout bounds how long to listen: reaching it is the normal end, unless --count asked
    // for more than arrived.
    return deadline_outcome(m_ctx.settings().timeout,
                            m_args.count > 0 ? std::optional<long>(m_args.count) : std::nullopt,
                            m_printed, "messages");
  }

  bool reconnectable(const Error& error) const {
    // <conflict/>: another session took our resource; reconnecting would take it back, and so
    // on forever.
    return m_ctx.settings().retries > 0 && net::retryable(error) && error.condition != "conflict";
  }

  /// After the stream was lost: resume it (XEP-0198) when the server allows, else log in again
  /// (with --retries attempts and back-off, as at the start). `fresh` says whether the server
  /// state (presence, carbons, rooms) must be set up again.
  awaitable<Result<stream::Session*>> reconnect(stream::Session* session, const Error& why,
                                                bool& fresh) {
    m_ctx.warn("connection lost (" + escape_terminal(why.message) + "); reconnecting");
    m_quick_drops = Clock::now() - m_started < k_stable ? m_quick_drops + 1 : 0;
    if (m_quick_drops > 0) {
      m_phase = Phase::pausing;
      m_pause.expires_after(
          net::retry_delay(static_cast<unsigned>(m_quick_drops), net::default_random()));
      boost::system::error_code ec;
      co_await m_pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      m_phase = Phase::listening;
      if (m_ctx.interrupted()) co_return session;
    }
    if (session->resumable()) {
      m_phase = Phase::resuming;
      auto resumed = co_await session->resume();
      m_phase = Phase::listening;
      if (m_ctx.interrupted()) co_return session;
      if (resumed) {
        fresh = !resumed->resumed;
        m_started = Clock::now();
        m_ctx.note(resumed->resumed ? "stream resumed (XEP-0198)" : "logged in again");
        co_return session;
      }
      m_ctx.note("resuming failed: " + escape_terminal(resumed.error().message));
    }
    // No stream is open while logging in again: Ctrl-C then ends at once (exit 130), as it does
    // while the first login is in progress.
    m_phase = Phase::reopening;
    m_ctx.on_interrupt(nullptr);
    auto reopened = co_await m_ctx.reopen_session();
    m_ctx.on_interrupt([this] { on_interrupt(); });
    m_phase = Phase::listening;
    if (!reopened) co_return fail(reopened.error().with_context("reconnecting"));
    fresh = true;
    m_ctx.note("logged in again");
    co_return *reopened;
  }

  Context& m_ctx;
  ListenArgs m_args;
  ListenFilter m_filter;
  std::vector<Jid> m_rooms;
  ListenScope m_scope;
  RecentMessages m_recent;
  std::deque<xml::Element> m_queue;
  std::vector<stream::Subscription> m_subscriptions;
  asio::steady_timer m_pause;
  Phase m_phase = Phase::listening;
  Clock::time_point m_started;
  int m_quick_drops = 0;
  int m_printed = 0;
  EventLines m_lines{m_ctx.out()};
};

}  // namespace

awaitable<Outcome> run_listen(Context& ctx, ListenArgs args) {
  auto checked = check(args);
  if (!checked) co_return Outcome::failure(checked.error());
  Listener listener(ctx, std::move(args), std::move(*checked));
  co_return co_await listener.run();
}

Runner setup_listen(CLI::App& command) {
  auto args = std::make_shared<ListenArgs>();
  command
      .add_option("--from", args->from,
                  "only from JID: a bare JID matches all its resources (repeatable)")
      ->type_name("JID")
      ->check(jid_validator());
  command
      .add_option("--type", args->types,
                  "only messages of these types (repeatable, or a comma list)")
      ->type_name("TYPE")
      ->delimiter(',')
      ->check(CLI::IsMember({"chat", "normal", "headline", "groupchat", "error"}));
  command.add_option("--muc", args->rooms, "join this room and print its messages (repeatable)")
      ->type_name("ROOM")
      ->check(jid_validator());
  command.add_option("--nick", args->nick, "nick in the rooms (default: the JID's local part)")
      ->type_name("NICK");
  command.add_option("--room-password", args->room_password, "password of the rooms")
      ->type_name("PASSWORD");
  command.add_option("--count", args->count, "exit after printing N messages (and presences)")
      ->type_name("N")
      ->check(CLI::Range(1, 1000000000).description(""));
  command.add_flag("--presence", args->presence, "print presence too");
  command.add_flag("--carbons", args->carbons,
                   "also print copies of messages our other clients send and receive (XEP-0280)");
  command.add_flag("--no-receipts", args->no_receipts,
                   "do not answer delivery receipt requests (XEP-0184)");
  return [args](Context& ctx) { return run_listen(ctx, *args); };
}

}  // namespace xmpp::cli
