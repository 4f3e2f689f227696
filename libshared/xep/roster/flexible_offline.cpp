#include "xep/roster/flexible_offline.hpp"

#include <string>

#include "core/deadline.hpp"
#include "xep/disco/disco_ops.hpp"

namespace xmpp::roster {
namespace {

using Clock = std::chrono::steady_clock;

/// A failed query that only says "not here": the caller goes on without the hold.
bool offline_query_refused(const Error& e) {
  return e.code != "timeout" && e.kind != ErrorKind::temporary;
}

awaitable<Result<bool>> hold_offline(stream::Session& session, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  // §2.1: support is a feature of the server.
  auto server =
      co_await disco::info(session, session.jid().domain_jid(), std::nullopt, time_left(deadline));
  if (!server) {
    if (auto failed = session.failure()) co_return fail(*failed);
    if (offline_query_refused(server.error())) co_return false;
    co_return fail(server.error());
  }
  if (!server->has_feature(k_ns_flexible_offline)) co_return false;
  // §2.2: the query about the offline node; from then on the server MUST NOT flush offline
  // messages when this session sends initial presence. The answer (message count) is not needed.
  auto node = co_await disco::info(session, session.jid().bare(),
                                   std::string(k_ns_flexible_offline), time_left(deadline));
  if (!node) {
    if (auto failed = session.failure()) co_return fail(*failed);
    if (offline_query_refused(node.error())) co_return false;
    co_return fail(node.error());
  }
  co_return true;
}

}  // namespace

awaitable<Result<bool>> hold_offline_messages(stream::Session& session,
                                              std::chrono::milliseconds timeout) {
  return hold_offline(session, timeout);
}

}  // namespace xmpp::roster
