#include "xep/muc/muc_ops.hpp"

#include <deque>

#include "core/text.hpp"
#include "stanza/message.hpp"
#include "stanza/presence.hpp"
#include "stream/router.hpp"
#include "xep/muc/muc.hpp"

namespace xmpp::muc {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

Error timeout_error(std::string message) {
  return make_error(ErrorKind::temporary, "timeout", "", std::move(message));
}

/// Everything a room sends us while we wait on it. The router handlers are registered before the
/// first stanza goes out: an answer can be dispatched while our send() is still completing, and
/// Session::wait_for only sees what arrives after it started waiting. wait() uses wait_for (which
/// also wakes when the session fails) merely as the wake-up, and the inbox as the record.
class RoomWatch {
 public:
  RoomWatch(stream::Session& session, Jid room) : m_session(session), m_room(std::move(room)) {
    const auto collect = [this](const xml::Element& stanza) {
      if (is_from_room(stanza, m_room)) m_inbox.push_back(stanza);
    };
    m_presence = m_session.router().on({"presence", "", ""}, collect);
    m_message = m_session.router().on({"message", "", "groupchat"}, collect);
  }
  RoomWatch(const RoomWatch&) = delete;
  RoomWatch& operator=(const RoomWatch&) = delete;

  bool empty() const { return m_inbox.empty(); }
  xml::Element pop() {
    xml::Element e = std::move(m_inbox.front());
    m_inbox.pop_front();
    return e;
  }

  /// Returns at once when stanzas are waiting; else waits for the next presence from the room
  /// until `deadline`. Errors: the session's failure, or kind temporary "timeout" (message
  /// `what` + "within N s", N being `limit`).
  awaitable<Result<void>> wait(Clock::time_point deadline, std::string what, milliseconds limit) {
    if (!m_inbox.empty()) co_return Result<void>{};
    if (auto failure = m_session.failure()) co_return fail(*failure);
    const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
    if (left.count() > 0) {
      // A named predicate: g++ 12 mishandles lambda temporaries inside a co_await expression.
      stream::StanzaPredicate from_room = [room = m_room](const xml::Element& e) {
        return stanza::is_presence(e) && is_from_room(e, room);
      };
      auto woke = co_await m_session.wait_for(std::move(from_room), left);
      if (woke || !m_inbox.empty()) co_return Result<void>{};
      if (auto failure = m_session.failure()) co_return fail(*failure);
      if (woke.error().code != "timeout") co_return fail(woke.error());
    }
    co_return fail(timeout_error(what + " within " + duration_text(limit)));
  }

 private:
  stream::Session& m_session;
  Jid m_room;
  std::deque<xml::Element> m_inbox;
  // Declared after the inbox: unregistered before it goes.
  stream::Subscription m_presence;
  stream::Subscription m_message;
};

/// One attempt to enter the room as `occupant`: send the join presence and read what the room
/// answers until our self-presence, an error presence or the deadline.
awaitable<Result<Joined>> enter(stream::Session& session, Jid occupant, JoinOptions options,
                                Clock::time_point deadline) {
  const Jid room = occupant.bare();
  const std::string context = "joining room " + room.bare_str();
  RoomWatch watch(session, room);
  auto sent = co_await session.send(
      make_join_presence(occupant, options.password, options.history_stanzas));
  if (!sent) co_return fail(sent.error().with_context(context));
  std::optional<Joined> joined;
  for (;;) {
    while (!watch.empty()) {
      const xml::Element s = watch.pop();
      if (stanza::is_presence(s)) {
        if (joined) continue;
        if (is_join_error(s, occupant))
          co_return fail(join_error(s, room, occupant.resource(), options.password.has_value()));
        auto confirmed = join_self_presence(s, occupant);
        if (!confirmed) continue;  // another occupant (§7.2.2): not our business here
        const UserInfo info = parse_user_x(s).value_or(UserInfo{});
        if (stanza::presence_type(s) == stanza::PresenceType::unavailable) {
          // E.g. §7.2.18: a service that takes us for a desynchronised groupchat 1.0 client
          // kicks us at once (110, 307, 333).
          std::string codes;
          for (int code : info.status_codes)
            codes += (codes.empty() ? "" : ", ") + std::to_string(code);
          co_return fail(ErrorKind::remote, "removed", "",
                         "room " + room.bare_str() + " removed us while we joined" +
                             (codes.empty() ? "" : " (status " + codes + ")"));
        }
        joined.emplace();
        joined->room = room;
        joined->occupant = std::move(*confirmed);
        joined->status_codes = info.status_codes;
        joined->created = info.has_status(k_status_created);
      } else if (joined) {
        // §7.1: the subject follows our self-presence and the history; keep it if it came with
        // them, but never wait for it.
        if (auto subject = room_subject(s, room)) joined->subject = std::move(subject);
      }
    }
    if (joined) co_return std::move(*joined);
    auto woke = co_await watch.wait(deadline, "room " + room.bare_str() + " did not answer",
                                    options.timeout);
    if (!woke) co_return fail(woke.error().with_context(context));
  }
}

awaitable<Result<void>> leave_room(stream::Session& session, Joined room, milliseconds timeout);

awaitable<Result<Joined>> join_room(stream::Session& session, Jid room_jid, JoinOptions options) {
  const Jid room = room_jid.bare();
  if (!room.has_local())
    co_return fail(ErrorKind::usage, "bad_jid", "",
                   room.str() + " is not a room address (room@service)");
  if (options.nick.empty())
    co_return fail(ErrorKind::usage, "bad_nick", "",
                   "joining room " + room.str() + " needs a nick");
  const auto deadline = Clock::now() + options.timeout;
  for (int attempt = 0;; ++attempt) {
    // §7.2.8: the nick is taken; NICK_2, NICK_3, ... as the options allow.
    const std::string nick =
        attempt == 0 ? options.nick : options.nick + "_" + std::to_string(attempt + 1);
    auto occupant = room.try_with_resource(nick);
    if (!occupant)
      co_return fail(ErrorKind::usage, "bad_nick", "",
                     "\"" + nick + "\" cannot be a nick in room " + room.str() + ": " +
                         occupant.error().message);
    auto joined = co_await enter(session, *occupant, options, deadline);
    if (!joined) {
      if (joined.error().kind == ErrorKind::remote && joined.error().condition == "conflict" &&
          attempt < options.nick_retries)
        continue;
      co_return joined;
    }
    if (!joined->created) co_return joined;
    // §10.1.1: our presence created the room, which stays locked until its owner (us) configures
    // it. Nobody wanted a new room: ask the service to drop it (§10.1.1 step 5) and go; the
    // reply and the room's answer to our leaving do not matter any more.
    if (!options.allow_create) {
      (void)co_await session.request(make_cancel_configuration(room), options.timeout);
      (void)co_await leave_room(session, *joined, milliseconds(0));
      co_return fail(ErrorKind::remote, "stanza_error", "item-not-found",
                     "room " + room.str() + " does not exist");
    }
    if (!options.instant_room) co_return joined;  // the caller configures the locked room
    // §10.1.2: an instant room, with the service's default configuration.
    auto unlocked = co_await session.request(make_instant_room_request(room), options.timeout);
    if (!unlocked) {
      (void)co_await leave_room(session, *joined, milliseconds(0));
      co_return fail(unlocked.error().with_context("creating room " + room.str()));
    }
    co_return joined;
  }
}

awaitable<Result<void>> leave_room(stream::Session& session, Joined room, milliseconds timeout) {
  const Jid occupant = room.occupant;
  const std::string context = "leaving room " + room.room.bare_str();
  RoomWatch watch(session, occupant.bare());
  auto sent = co_await session.send(make_leave_presence(occupant));
  if (!sent) co_return fail(sent.error().with_context(context));
  if (timeout <= milliseconds(0)) co_return Result<void>{};
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    while (!watch.empty()) {
      const xml::Element s = watch.pop();
      if (!stanza::is_presence(s)) continue;
      // §7.14: the room confirms with our unavailable self-presence. An error from our occupant
      // JID (the room is gone, or we were no longer in it) also means we are out.
      if (is_join_error(s, occupant)) co_return Result<void>{};
      if (stanza::presence_type(s) == stanza::PresenceType::unavailable &&
          is_self_presence(s, occupant))
        co_return Result<void>{};
    }
    auto woke = co_await watch.wait(
        deadline, "room " + room.room.bare_str() + " did not confirm that we left", timeout);
    if (!woke) co_return fail(woke.error().with_context(context));
  }
}

}  // namespace

// The public operations are plain functions: they copy their reference parameters into the
// coroutine while the caller's objects still live (the coroutine body only starts when awaited,
// STYLE.md "coroutine parameters by value").
awaitable<Result<Joined>> join(stream::Session& session, const Jid& room, JoinOptions options) {
  return join_room(session, room, std::move(options));
}

awaitable<Result<void>> leave(stream::Session& session, const Joined& room,
                              std::chrono::milliseconds timeout) {
  return leave_room(session, room, timeout);
}

}  // namespace xmpp::muc
