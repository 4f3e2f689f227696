// A wake-up point for coroutines on one thread (STYLE.md "Async": Boost 1.74 has no channels, so
// every waiter owns one timer set to its own deadline and notify_all() cancels them all).
#pragma once

#include <chrono>
#include <list>

#include "net/asio.hpp"

namespace xmpp::stream {

/// Waiters re-check their condition after every wake-up: a notification that happens while nobody
/// waits is not remembered.
///
///     while (!done()) {
///       if (!co_await signal.wait_until(deadline) && !done()) co_return timeout;
///     }
class Signal {
 public:
  Signal() = default;
  Signal(const Signal&) = delete;
  Signal& operator=(const Signal&) = delete;

  using Clock = std::chrono::steady_clock;

  /// Suspends until notify_all() or `deadline`; true when notified, false when the deadline passed.
  awaitable<bool> wait_until(Clock::time_point deadline);
  /// Suspends until notify_all() (no deadline).
  awaitable<void> wait();
  /// Wakes every current waiter.
  void notify_all();
  std::size_t waiters() const { return m_waiters.size(); }

 private:
  std::list<asio::steady_timer*> m_waiters;
};

}  // namespace xmpp::stream
