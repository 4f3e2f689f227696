#include "xep/version/version_ops.hpp"

namespace xmpp::version {

awaitable<Result<SoftwareVersion>> query(stream::Session& session, Jid to,
                                         std::chrono::milliseconds timeout) {
  const auto context = "software version of " + to.str();
  auto reply = co_await session.request(make_request(to), timeout);
  if (!reply) co_return fail(reply.error().with_context(context));
  auto info = parse_result(*reply);
  if (!info) co_return fail(info.error().with_context(context));
  co_return std::move(*info);
}

}  // namespace xmpp::version
