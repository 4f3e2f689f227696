// A stream::Session double with inbound traffic, for the XEP-0045 operations: every stanza sent
// is shown to a scripted room, whose answers are dispatched to Router handlers and wait_for()
// waiters as the real session does (router first, then waiters). No network.
#pragma once

#include <chrono>
#include <functional>
#include <list>
#include <optional>
#include <vector>

#include "core/random.hpp"
#include "net/asio.hpp"
#include "stanza/error.hpp"
#include "stream/router.hpp"
#include "stream/session.hpp"
#include "stream/signal.hpp"

namespace xmpp::test {

class RoomSession : public stream::Session {
 public:
  /// The room's answers to a stanza we sent (presence, message).
  using Script = std::function<std::vector<xml::Element>(const xml::Element& sent)>;
  /// The answer to an iq request; nullopt = never answer (the request times out).
  using Responder = std::function<std::optional<xml::Element>(const xml::Element& iq)>;

  RoomSession(asio::any_io_executor executor, Jid jid)
      : m_executor(std::move(executor)), m_jid(std::move(jid)) {}

  Script script;
  Responder responder;
  /// true: answers are dispatched inside send(), before it returns (the earliest a real reader
  /// could see them); false: `delay` after send() returned.
  bool answer_during_send = true;
  std::chrono::milliseconds delay{0};

  std::vector<xml::Element> sent;      ///< presences and messages, in order
  std::vector<xml::Element> requests;  ///< iq requests, with their ids

  const Jid& jid() const override { return m_jid; }
  const stream::SessionInfo& info() const override { return m_info; }
  stream::Router& router() override { return m_router; }

  awaitable<Result<void>> send(xml::Element stanza) override {
    if (m_failure) co_return fail(*m_failure);
    sent.push_back(stanza);
    std::vector<xml::Element> answers = script ? script(stanza) : std::vector<xml::Element>{};
    if (answer_during_send) {
      for (const auto& a : answers)
        deliver(a);
    } else if (!answers.empty()) {
      asio::co_spawn(m_executor, deliver_later(std::move(answers)), asio::detached);
    }
    co_return Result<void>{};
  }

  awaitable<Result<xml::Element>> request(xml::Element iq,
                                          std::chrono::milliseconds timeout) override {
    if (m_failure) co_return fail(*m_failure);
    if (!iq.attr("id")) iq.set_attr("id", random_id());
    requests.push_back(iq);
    std::optional<xml::Element> reply = responder ? responder(iq) : std::nullopt;
    if (!reply) {
      asio::steady_timer timer(m_executor, timeout);
      co_await timer.async_wait(asio::use_awaitable);
      co_return fail(ErrorKind::temporary, "timeout", "", "no reply");
    }
    if (reply->attr("type") == "error") co_return fail(stanza::to_error(*reply, ""));
    co_return std::move(*reply);
  }

  awaitable<Result<void>> flush(std::chrono::milliseconds) override { co_return Result<void>{}; }
  awaitable<Result<void>> close() override { co_return Result<void>{}; }

  awaitable<Result<xml::Element>> wait_for(stream::StanzaPredicate predicate,
                                           std::chrono::milliseconds timeout) override {
    if (m_failure) co_return fail(*m_failure);
    Waiter waiter{std::move(predicate), std::nullopt};
    m_waiters.push_back(&waiter);
    struct Unregister {
      std::list<Waiter*>& list;
      Waiter* w;
      ~Unregister() { list.remove(w); }
    } unregister{m_waiters, &waiter};
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!waiter.match) {
      if (m_failure) co_return fail(*m_failure);
      if (!co_await m_signal.wait_until(deadline) && !waiter.match)
        co_return fail(ErrorKind::temporary, "timeout", "", "no matching stanza");
    }
    co_return std::move(*waiter.match);
  }

  std::optional<Error> failure() const override { return m_failure; }

  /// An inbound message or presence, dispatched as Session's reader does.
  void deliver(const xml::Element& stanza) {
    ++delivered;
    m_router.dispatch(stanza);
    bool woke = false;
    for (Waiter* w : m_waiters) {
      if (!w->match && w->predicate(stanza)) {
        w->match = stanza;
        woke = true;
      }
    }
    if (woke) m_signal.notify_all();
  }

  /// Delivers `answers` after `delay` (a coroutine with its arguments in its own frame).
  awaitable<void> deliver_later(std::vector<xml::Element> answers) {
    asio::steady_timer timer(m_executor, delay);
    co_await timer.async_wait(asio::use_awaitable);
    for (const auto& a : answers)
      deliver(a);
  }

  /// The session ends (stream error, connection lost): every waiter wakes with `e`.
  void fail_with(Error e) {
    m_failure = std::move(e);
    m_signal.notify_all();
  }

  int delivered = 0;

 private:
  struct Waiter {
    stream::StanzaPredicate predicate;
    std::optional<xml::Element> match;
  };

  asio::any_io_executor m_executor;
  Jid m_jid;
  stream::SessionInfo m_info;
  stream::Router m_router;
  std::list<Waiter*> m_waiters;
  stream::Signal m_signal;
  std::optional<Error> m_failure;
};

}  // namespace xmpp::test
