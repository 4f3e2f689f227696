#include "stream/signal.hpp"

namespace xmpp::stream {
namespace {

// Removes the waiter's timer from the list however the coroutine ends (also when its frame is
// destroyed while suspended, e.g. with the io_context).
struct Registration {
  std::list<asio::steady_timer*>& list;
  std::list<asio::steady_timer*>::iterator it;
  ~Registration() { list.erase(it); }
};

}  // namespace

awaitable<bool> Signal::wait_until(Clock::time_point deadline) {
  asio::steady_timer timer(co_await asio::this_coro::executor, deadline);
  Registration reg{m_waiters, m_waiters.insert(m_waiters.end(), &timer)};
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  co_return ec == asio::error::operation_aborted;
}

awaitable<void> Signal::wait() {
  co_await wait_until(Clock::time_point::max());
}

void Signal::notify_all() {
  for (asio::steady_timer* t : m_waiters)
    t->cancel();
}

}  // namespace xmpp::stream
