#include "xep/last/last_ops.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace xmpp::last {

awaitable<Result<LastActivity>> query(stream::Session& session, Jid to,
                                      std::chrono::milliseconds timeout) {
  const auto context = "last activity of " + to.str();
  auto reply = co_await session.request(make_request(to), timeout);
  if (!reply) co_return fail(reply.error().with_context(context));
  auto activity = parse_result(*reply);
  if (!activity) co_return fail(activity.error().with_context(context));
  co_return std::move(*activity);
}

awaitable<Result<std::chrono::seconds>> uptime(stream::Session& session, Jid service,
                                               std::chrono::milliseconds timeout) {
  // §6: the same query to an account or a resource answers another question.
  if (service.has_local() || !service.is_bare())
    throw std::invalid_argument("last::uptime needs a server or component JID");
  auto activity = co_await query(session, std::move(service), timeout);
  if (!activity) co_return fail(activity.error());
  // std::chrono::seconds holds at least 35 bits of signed range; clamp the absurd.
  using Rep = std::chrono::seconds::rep;
  const auto max = static_cast<std::uint64_t>(std::numeric_limits<Rep>::max());
  co_return std::chrono::seconds(static_cast<Rep>(std::min(activity->seconds, max)));
}

}  // namespace xmpp::last
