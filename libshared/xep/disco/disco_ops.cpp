#include "xep/disco/disco_ops.hpp"

namespace xmpp::disco {
namespace {

std::string context(std::string_view what, const Jid& to, const std::optional<std::string>& node) {
  std::string out = std::string(what) + " to " + to.str();
  if (node) out += " node " + *node;
  return out;
}

}  // namespace

awaitable<Result<DiscoInfo>> info(stream::Session& session, Jid to, std::optional<std::string> node,
                                  std::chrono::milliseconds timeout) {
  const auto what = context("disco#info", to, node);
  auto reply = co_await session.request(make_info_request(to, std::move(node)), timeout);
  if (!reply) co_return fail(reply.error().with_context(what));
  auto parsed = parse_info_result(*reply);
  if (!parsed) co_return fail(parsed.error().with_context(what));
  co_return std::move(*parsed);
}

awaitable<Result<DiscoItems>> items(stream::Session& session, Jid to,
                                    std::optional<std::string> node,
                                    std::chrono::milliseconds timeout) {
  const auto what = context("disco#items", to, node);
  auto reply = co_await session.request(make_items_request(to, std::move(node)), timeout);
  if (!reply) co_return fail(reply.error().with_context(what));
  auto parsed = parse_items_result(*reply);
  if (!parsed) co_return fail(parsed.error().with_context(what));
  co_return std::move(*parsed);
}

}  // namespace xmpp::disco
