#include "xep/disco/disco_ops.hpp"

#include <set>

#include "xep/rsm/rsm.hpp"

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

awaitable<Result<DiscoItems>> items_all(stream::Session& session, Jid to,
                                        std::optional<std::string> node,
                                        std::chrono::milliseconds timeout, std::size_t max_pages) {
  const auto what = context("disco#items", to, node);
  DiscoItems all;
  all.pages = 0;
  all.node = node;
  std::set<std::string> seen_last;
  std::optional<rsm::Request> next;
  for (;;) {
    auto request = make_items_request(to, node);
    if (next) request.child("query", k_ns_items)->add_child(rsm::make_set(*next));
    const auto page_what =
        all.pages == 0 ? what : what + " (page " + std::to_string(all.pages + 1) + ")";
    auto reply = co_await session.request(std::move(request), timeout);
    if (!reply) co_return fail(reply.error().with_context(page_what));
    auto parsed = parse_items_result(*reply);
    if (!parsed) co_return fail(parsed.error().with_context(page_what));
    const auto page = rsm::parse_set(*reply->child("query", k_ns_items));

    // An entity that ignores <after/> answers with a page we already have: keep what we have
    // rather than loop (XEP-0059 §2.2: UIDs are unique within the set).
    if (page && page->last && seen_last.count(*page->last) != 0) {
      all.truncated = true;
      break;
    }
    const auto received = parsed->items.size() + parsed->skipped;
    if (all.pages == 0) all.node = std::move(parsed->node);
    all.items.insert(all.items.end(), std::make_move_iterator(parsed->items.begin()),
                     std::make_move_iterator(parsed->items.end()));
    all.skipped += parsed->skipped;
    ++all.pages;
    if (page && page->count) all.count = page->count;

    // XEP-0059 §2.2: an entity that pages marks each non-empty page with <first/> and <last/>;
    // without them (or on an empty page) there is nothing after this one.
    if (!page || !page->last || received == 0) break;
    if (all.count && all.items.size() + all.skipped >= *all.count) break;
    if (all.pages >= max_pages) {
      all.truncated = true;
      break;
    }
    seen_last.insert(*page->last);
    // §2.2: the next page is asked for with the last UID received and a page size. The first
    // request carried no <set/>, so the entity chose the size of the first page: keep it.
    if (!next) next = rsm::Request{received, std::nullopt, std::nullopt, std::nullopt};
    next->after = page->last;
  }
  co_return all;
}

}  // namespace xmpp::disco
