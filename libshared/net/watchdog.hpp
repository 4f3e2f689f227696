// A deadline for one I/O step (STYLE.md "Async": Boost 1.74 has no `||` awaitable operator, so a
// timer cancels the operation instead). Header-only so that tls/ can use it without linking net.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <utility>

#include "net/asio.hpp"

namespace xmpp::net {

/// Calls `on_expire` once when `timeout` passes, unless the Watchdog is destroyed or disarmed
/// first. Destroying it is always safe: a timer handler already queued sees the shared state and
/// does nothing.
///
///     Watchdog dog(executor, 10s, [&] { socket.cancel(); });
///     co_await socket.async_connect(...);   // completes with operation_aborted on expiry
///     if (dog.expired()) ...
class Watchdog {
 public:
  Watchdog(asio::any_io_executor executor, std::chrono::steady_clock::duration timeout,
           std::function<void()> on_expire)
      : m_state(std::make_shared<State>(std::move(executor), std::move(on_expire))) {
    m_state->timer.expires_after(timeout);
    m_state->timer.async_wait([state = m_state](const boost::system::error_code& ec) {
      if (ec || !state->armed) return;
      state->armed = false;
      state->expired = true;
      if (state->on_expire) state->on_expire();
    });
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;
  ~Watchdog() { disarm(); }

  /// Stops the watchdog; `on_expire` will not be called after this returns.
  void disarm() {
    m_state->armed = false;
    m_state->timer.cancel();
  }
  /// True once `on_expire` has run.
  bool expired() const { return m_state->expired; }

 private:
  struct State {
    State(asio::any_io_executor executor, std::function<void()> callback)
        : timer(std::move(executor)), on_expire(std::move(callback)) {}
    asio::steady_timer timer;
    std::function<void()> on_expire;
    bool armed = true;
    bool expired = false;
  };
  std::shared_ptr<State> m_state;
};

}  // namespace xmpp::net
