#include "xep/time/time_ops.hpp"

namespace xmpp::time {

namespace {
Timestamp now() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}
}  // namespace

awaitable<Result<TimeQuery>> query(stream::Session& session, Jid to,
                                   std::chrono::milliseconds timeout) {
  const auto context = "entity time of " + to.str();
  const auto sent = now();
  auto reply = co_await session.request(make_request(to), timeout);
  const auto received = now();
  if (!reply) co_return fail(reply.error().with_context(context));
  auto time = parse_result(*reply);
  if (!time) co_return fail(time.error().with_context(context));
  co_return TimeQuery{*time, sent, received};
}

}  // namespace xmpp::time
