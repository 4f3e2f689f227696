// The one Jingle iq responder of a session (XEP-0166 version 1.1.2 §6, §7.2, §10): the router lets
// only the most recently registered responder answer {urn:xmpp:jingle:1}jingle, so every Jingle
// session of a stream goes through one JingleDispatch that routes by (peer full JID, sid). It
// acknowledges what the session's state allows, queues it for the coroutine that runs the session,
// and answers the rest itself: malformed requests bad-request, unknown sessions (including a
// stranger naming our sid, SECURITY.md row 50) item-not-found with <unknown-session/>, illegal
// actions out-of-order or tie-break (jingle::SessionState), an empty session-info (a ping, §6.8)
// with a result and one with a payload not of XEP-0234 with <unsupported-info/>, and more than 64
// queued requests with resource-constraint. The session's failure is looked at every 250 ms by a
// waiter (nothing signals it).
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "net/asio.hpp"
#include "stanza/error.hpp"
#include "stream/router.hpp"
#include "stream/session.hpp"
#include "stream/signal.hpp"
#include "xep/jingle/jingle.hpp"

namespace xmpp::jingle_ft {

/// One Jingle session as the dispatcher sees it: the peer (always the iq's 'from', never the
/// 'initiator' attribute, row 50), the sid, the §5.1 state, and the acknowledged requests not yet
/// taken by the coroutine that runs the session.
struct Channel {
  Channel(Jid p, std::string s, jingle::Role role)
      : peer(std::move(p)), sid(std::move(s)), state(role) {}
  Jid peer;
  std::string sid;
  jingle::SessionState state;
  std::deque<jingle::Incoming> inbox;
  stream::Signal news;
};

class JingleDispatch {
 public:
  /// Decides about a session-initiate for an unknown (peer, sid): nullopt acknowledges it (the
  /// handler then has opened a channel for it with open_channel), else the error to answer with.
  using InitiateHandler =
      std::function<std::optional<stanza::StanzaError>(const jingle::Incoming& incoming)>;

  /// Registers the Jingle responder on session.router(); unregistered when destroyed. `session`
  /// must outlive the dispatcher. Without an InitiateHandler every session-initiate is answered
  /// service-unavailable (we take no sessions).
  explicit JingleDispatch(stream::Session& session);
  JingleDispatch(const JingleDispatch&) = delete;
  JingleDispatch& operator=(const JingleDispatch&) = delete;

  stream::Session& session() { return *m_session; }

  /// Who decides about new sessions (the receiving side, IncomingTransfers). One at a time.
  void on_initiate(InitiateHandler handler) { m_on_initiate = std::move(handler); }

  /// Routes (peer, sid) to a new channel. The dispatcher holds it weakly: once the caller drops it,
  /// requests for it get unknown-session. Open it BEFORE sending our session-initiate, so that an
  /// early answer is queued.
  std::shared_ptr<Channel> open_channel(Jid peer, std::string sid, jingle::Role our_role);
  /// Channels still alive that have not ended (for jingle::admit_session).
  std::size_t live_sessions() const;

  /// Sends `jingle` to the channel's peer in an iq set and waits for its result, after checking
  /// that the state allows it; records it in the state. Errors: kind software "illegal_action"
  /// (a bug: the state forbids it), the session's (a stanza error: kind remote "stanza_error",
  /// with the message naming the peer and the action; kind temporary "timeout").
  awaitable<Result<void>> send(Channel& channel, jingle::Jingle jingle,
                               std::chrono::milliseconds timeout);
  /// session-terminate with `reason`, best effort, not waiting for the answer; the channel ends.
  void post_terminate(Channel& channel, jingle::Reason reason);

  using Predicate = std::function<bool(const jingle::Incoming& incoming)>;
  /// The first queued request of the channel for which `wanted` is true (earlier ones that do not
  /// match stay queued), waiting up to `timeout`. Errors: the peer's session-terminate when one is
  /// queued and not wanted (terminate_error), kind temporary "timeout" naming `what`, the
  /// session's failure.
  awaitable<Result<jingle::Incoming>> next(std::shared_ptr<Channel> channel, Predicate wanted,
                                           std::chrono::milliseconds timeout, std::string what);

 private:
  xml::Element answer(const xml::Element& iq);

  stream::Session* m_session;
  stream::Subscription m_subscription;
  InitiateHandler m_on_initiate;
  std::map<std::string, std::weak_ptr<Channel>> m_channels;  // key: peer full JID, '\n', sid
};

/// The error that the peer's session-terminate means for us: decline -> kind remote "declined"
/// ("peer X declined the file transfer"); success -> kind remote "terminated" (ended before we
/// were done); anything else -> kind remote "terminated" naming the condition and the text.
Error terminate_error(const Jid& peer, const jingle::Reason& reason);

/// "decline", or "media-error: hash mismatch" when there is a text: a reason for a person.
std::string describe(const jingle::Reason& reason);

}  // namespace xmpp::jingle_ft
