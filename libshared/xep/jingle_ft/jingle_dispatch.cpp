#include "xep/jingle_ft/jingle_dispatch.hpp"

#include <algorithm>
#include <utility>

#include "core/deadline.hpp"
#include "core/random.hpp"
#include "stanza/iq.hpp"
#include "xep/jingle_ft/jingle_ft.hpp"

namespace xmpp::jingle_ft {
namespace {

using Clock = std::chrono::steady_clock;

std::string key_of(const Jid& peer, const std::string& sid) {
  return peer.str() + '\n' + sid;
}

xml::Element refuse(const xml::Element& iq, stanza::StanzaError error) {
  return stanza::make_error_reply(iq, error);
}

/// How long one wait on the channel's signal lasts at most: the session's failure (connection
/// lost) wakes nobody, so a waiter looks at it at least this often.
constexpr std::chrono::milliseconds k_failure_check{250};

/// The requests one session may have queued and not taken (transport-infos of S5B and a few
/// informational messages are all a file transfer expects).
constexpr std::size_t k_max_inbox = 64;

}  // namespace

std::string describe(const jingle::Reason& reason) {
  std::string out(jingle::to_string(reason.condition));
  if (reason.text && !reason.text->empty()) out += ": " + *reason.text;
  return out;
}

Error terminate_error(const Jid& peer, const jingle::Reason& reason) {
  if (reason.condition == jingle::ReasonCondition::decline)
    return make_error(ErrorKind::remote, "declined", "decline",
                      "peer " + peer.str() + " declined the file transfer (" + describe(reason) +
                          ")");
  return make_error(ErrorKind::remote, "terminated",
                    std::string(jingle::to_string(reason.condition)),
                    "peer " + peer.str() + " ended the Jingle session (" + describe(reason) + ")");
}

JingleDispatch::JingleDispatch(stream::Session& session) : m_session(&session) {
  // The router copies the handler; `this` outlives it because the subscription is ours.
  m_subscription = session.router().on_iq("set", "jingle", std::string(jingle::k_ns),
                                          [this](const xml::Element& iq) { return answer(iq); });
}

std::shared_ptr<Channel> JingleDispatch::open_channel(Jid peer, std::string sid,
                                                      jingle::Role our_role) {
  auto channel = std::make_shared<Channel>(std::move(peer), std::move(sid), our_role);
  m_channels[key_of(channel->peer, channel->sid)] = channel;
  return channel;
}

std::size_t JingleDispatch::live_sessions() const {
  return static_cast<std::size_t>(std::count_if(m_channels.begin(), m_channels.end(), [](auto& kv) {
    auto c = kv.second.lock();
    return c && c->state.state() != jingle::State::ended;
  }));
}

xml::Element JingleDispatch::answer(const xml::Element& iq) {
  auto incoming = jingle::parse_iq(iq);
  if (!incoming)
    return refuse(iq, stanza::make_stanza_error("bad-request", incoming.error().message));
  // Forget the channels their owners dropped, so the map does not grow with every session.
  std::erase_if(m_channels, [](auto& kv) { return kv.second.expired(); });

  const auto action = incoming->jingle.action;
  auto found = m_channels.find(key_of(incoming->from, incoming->jingle.sid));
  if (found == m_channels.end()) {
    // §6.3: a new session. A stranger naming one of our sids lands here too, because the key is
    // the 'from' of the iq (SECURITY.md row 50): it cannot end or steer our session.
    if (action != jingle::Action::session_initiate)
      return refuse(iq, jingle::make_error(jingle::Condition::unknown_session));
    if (!m_on_initiate) return refuse(iq, stanza::make_stanza_error("service-unavailable"));
    if (auto error = m_on_initiate(*incoming)) return refuse(iq, *error);
    return stanza::make_result(iq);
  }

  auto channel = found->second.lock();
  if (!channel) return refuse(iq, jingle::make_error(jingle::Condition::unknown_session));
  if (auto condition = channel->state.check_incoming(action))
    return refuse(iq, jingle::make_error(*condition));
  if (action == jingle::Action::session_info) {
    // §6.8: an empty session-info is a ping; a payload we do not know is unsupported-info. Ours
    // (XEP-0234's <received/>, <checksum/>) are queued.
    const auto& payloads = incoming->jingle.payloads;
    if (payloads.empty()) return stanza::make_result(iq);
    if (payloads.front().ns() != k_ns)
      return refuse(iq, jingle::make_error(jingle::Condition::unsupported_info));
  }
  // A peer that floods a session with requests nobody takes must not grow our memory.
  if (channel->inbox.size() >= k_max_inbox && action != jingle::Action::session_terminate)
    return refuse(iq, stanza::make_stanza_error("resource-constraint"));
  channel->state.apply(action, false);
  channel->inbox.push_back(std::move(*incoming));
  channel->news.notify_all();
  return stanza::make_result(iq);
}

awaitable<Result<void>> JingleDispatch::send(Channel& channel, jingle::Jingle jingle,
                                             std::chrono::milliseconds timeout) {
  const auto action = jingle.action;
  // §5.1: the state starts as pending with the session-initiate, which is therefore never "legal
  // now" for it; a channel sends it first or not at all.
  if (action != jingle::Action::session_initiate && !channel.state.may_send(action))
    co_return fail(ErrorKind::software, "illegal_action", "",
                   std::string(jingle::to_string(action)) +
                       " is not allowed now in Jingle session " + channel.sid + " with " +
                       channel.peer.str());
  // §6.7: the state changes at once, so nothing the peer sends meanwhile is taken as live.
  channel.state.apply(action, true);
  auto reply = co_await m_session->request(jingle::make_iq(channel.peer, jingle), timeout);
  if (!reply) {
    Error e = reply.error();
    e.message = std::string(jingle::to_string(action)) + " to " + channel.peer.str() + ": " +
                (e.code == "stanza_error" ? "refused (" + e.message + ")" : e.message);
    co_return fail(std::move(e));
  }
  co_return Result<void>{};
}

void JingleDispatch::post_terminate(Channel& channel, jingle::Reason reason) {
  if (!channel.state.may_send(jingle::Action::session_terminate)) return;
  channel.state.apply(jingle::Action::session_terminate, true);
  // post() assigns no id and an iq needs one (RFC 6120 §8.1.3).
  m_session->post(jingle::make_iq(
      channel.peer, jingle::make_session_terminate(channel.sid, std::move(reason)), random_id()));
}

awaitable<Result<jingle::Incoming>> JingleDispatch::next(std::shared_ptr<Channel> channel,
                                                         Predicate wanted,
                                                         std::chrono::milliseconds timeout,
                                                         std::string what) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    auto& inbox = channel->inbox;
    auto hit = std::find_if(inbox.begin(), inbox.end(), wanted);
    if (hit != inbox.end()) {
      jingle::Incoming out = std::move(*hit);
      inbox.erase(hit);
      co_return out;
    }
    auto end = std::find_if(inbox.begin(), inbox.end(), [](const jingle::Incoming& i) {
      return i.jingle.action == jingle::Action::session_terminate;
    });
    if (end != inbox.end()) {
      const auto reason =
          end->jingle.reason.value_or(jingle::make_reason(jingle::ReasonCondition::general_error));
      co_return fail(terminate_error(channel->peer, reason));
    }
    if (auto lost = m_session->failure())
      co_return fail(
          lost->with_context("Jingle session " + channel->sid + " with " + channel->peer.str()));
    if (Clock::now() >= deadline)
      co_return fail(ErrorKind::temporary, "timeout", "",
                     "no " + what + " from " + channel->peer.str() + " within " +
                         std::to_string(timeout.count()) + " ms");
    (void)co_await channel->news.wait_until(std::min(deadline, Clock::now() + k_failure_check));
  }
}

}  // namespace xmpp::jingle_ft
