// A stream::Session double for the XEP operations and the CLI run loop: requests are answered by a
// scripted responder (after an optional delay), never on a network. Used by unit_xep and unit_cli.
#pragma once

#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/random.hpp"
#include "net/asio.hpp"
#include "stanza/error.hpp"
#include "stream/router.hpp"
#include "stream/session.hpp"
#include "xml/parser.hpp"

namespace xmpp::test {

class FakeSession : public stream::Session {
 public:
  /// The answer to a request; nullopt = never answer (the request waits for its timeout or close).
  using Responder = std::function<std::optional<xml::Element>(const xml::Element& iq)>;

  FakeSession(asio::any_io_executor executor, Jid jid)
      : m_executor(std::move(executor)), m_jid(std::move(jid)) {
    m_info.address = "127.0.0.1:5222";
    m_info.mechanism = "SCRAM-SHA-256";
  }

  /// What happened to a session, kept by the test where it outlives the session.
  struct Log {
    std::vector<xml::Element> requests;  ///< every request, as sent (with its id)
    int close_calls = 0;
  };

  Responder responder;
  std::chrono::milliseconds delay{0};
  std::chrono::milliseconds close_delay{0};  ///< a server slow to answer our </stream:stream>
  std::vector<xml::Element> requests;  ///< every request, as sent (with its id)
  int close_calls = 0;
  Log* log = nullptr;  ///< also recorded here when set

  const Jid& jid() const override { return m_jid; }
  const stream::SessionInfo& info() const override { return m_info; }

  awaitable<Result<xml::Element>> request(xml::Element iq,
                                          std::chrono::milliseconds timeout) override {
    if (m_closed) co_return fail(ErrorKind::software, "closed", "", "the session is closed");
    if (!iq.attr("id")) iq.set_attr("id", random_id());
    requests.push_back(iq);
    if (log) log->requests.push_back(iq);
    std::optional<xml::Element> reply = responder ? responder(iq) : std::nullopt;
    const auto wait = reply ? delay : timeout;
    asio::steady_timer timer(m_executor);
    timer.expires_after(wait);
    m_timers.push_back(&timer);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    m_timers.remove(&timer);
    if (m_closed) co_return fail(ErrorKind::software, "closed", "", "the session is closed");
    if (!reply)
      co_return fail(ErrorKind::temporary, "timeout", "",
                     "no reply from " + iq.attr("to").value_or("") + " within the timeout");
    if (reply->attr("type") == "error") co_return fail(stanza::to_error(*reply, ""));
    co_return std::move(*reply);
  }

  awaitable<Result<void>> send(xml::Element) override { co_return Result<void>{}; }
  awaitable<Result<void>> flush(std::chrono::milliseconds) override { co_return Result<void>{}; }
  stream::Router& router() override { return m_router; }
  awaitable<Result<void>> close() override {
    ++close_calls;
    if (log) ++log->close_calls;
    m_closed = true;
    for (auto* t : m_timers)
      t->cancel();
    if (close_delay.count() > 0) {
      asio::steady_timer timer(m_executor, close_delay);
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    co_return Result<void>{};
  }

 private:
  asio::any_io_executor m_executor;
  Jid m_jid;
  stream::SessionInfo m_info;
  stream::Router m_router;
  std::list<asio::steady_timer*> m_timers;
  bool m_closed = false;
};

/// Parses a stanza as it would arrive in a jabber:client stream (surrounding whitespace, such as
/// a fixture file's last newline, is not part of it).
inline xml::Element parse_stanza(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  const auto last = text.find_last_not_of(" \t\r\n");
  text =
      first == std::string_view::npos ? std::string_view() : text.substr(first, last - first + 1);
  xml::XercesParser parser;
  parser.set_context({{"", "jabber:client"}, {"stream", "http://etherx.jabber.org/streams"}});
  auto e = parser.parse_fragment(text);
  REQUIRE_MESSAGE(e.has_value(), (e ? std::string() : e.error().message));
  return std::move(*e);
}

/// Runs `make()`'s coroutine on `io` to completion, failing the test after `limit`.
template <class T, class Make>
T run_coroutine(asio::io_context& io, Make make,
                std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  std::optional<T> result;
  asio::co_spawn(
      io, [&]() -> awaitable<void> { result.emplace(co_await make()); }, asio::detached);
  io.run_for(limit);
  REQUIRE_MESSAGE(result.has_value(), "the coroutine did not finish before its deadline");
  io.restart();
  return std::move(*result);
}

}  // namespace xmpp::test
