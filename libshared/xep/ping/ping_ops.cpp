#include "xep/ping/ping_ops.hpp"

#include "xep/ping/ping.hpp"

namespace xmpp::ping {

awaitable<Result<std::chrono::nanoseconds>> ping(stream::Session& session, Jid to,
                                                 std::chrono::milliseconds timeout) {
  const auto context = "ping " + to.str();
  const auto start = std::chrono::steady_clock::now();
  auto reply = co_await session.request(make_request(to), timeout);
  const auto rtt = std::chrono::steady_clock::now() - start;
  if (!reply) co_return fail(reply.error().with_context(context));
  co_return std::chrono::duration_cast<std::chrono::nanoseconds>(rtt);
}

}  // namespace xmpp::ping
