#include "xep/mam/mam_ops.hpp"

#include <algorithm>
#include <iterator>
#include <set>
#include <string>
#include <utility>

#include "core/random.hpp"
#include "stream/router.hpp"
#include "xep/disco/disco_ops.hpp"

namespace xmpp::mam {
namespace {

/// One answered query iq: the results that were ours, and its <fin/>.
struct Page {
  std::vector<ArchivedMessage> messages;
  Fin fin;
  std::size_t ignored = 0;
};

// Which way a read goes: forwards keeps the first <max/> results of a page, backwards (§4.3.3,
// still sent oldest first) the last ones.
enum class Direction { forward, backward };

bool names_an_id(const Filter& filter, const rsm::Request& set) {
  return set.after || (set.before && !set.before->empty()) || filter.after_id || filter.before_id ||
         !filter.ids.empty();
}

std::string page_context(const std::optional<Jid>& archive, const Jid& own, std::size_t number) {
  std::string what = describe_archive(archive, own);
  if (number > 1) what += " (page " + std::to_string(number) + ")";
  return what;
}

/// Sends one query with `set` and collects its results until the <fin/>.
awaitable<Result<Page>> read_page(stream::Session& session, std::optional<Jid> archive,
                                  Filter filter, rsm::Request set, Direction direction,
                                  std::chrono::milliseconds timeout, std::size_t number) {
  const Jid own = session.jid();
  const std::string what = page_context(archive, own, number);
  Query query;
  // A fresh queryid per page: a late result of an earlier page is not one of this page's.
  query.queryid = random_id();
  query.filter = filter;
  query.page = set;
  const std::size_t asked = set.max.value_or(k_default_page_size);

  Page page;
  std::optional<Error> malformed;
  // Registered BEFORE the query is sent: the archive pushes its results ahead of the iq result
  // (§4), and the session's reader dispatches them in stream order, so every result of this
  // query has been seen when request() returns.
  auto subscription = session.router().on(
      stream::StanzaMatch{"message", std::string(k_ns), ""}, [&](const xml::Element& message) {
        // SECURITY.md row 37 (CVE-2020-26547), §8.2: only the archive we asked, only our queryid.
        if (!is_result_of(message, archive, own, query.queryid)) {
          ++page.ignored;
          return;
        }
        if (malformed) return;
        auto item = parse_result(message);
        if (!item) {
          malformed = item.error();
          return;
        }
        page.messages.push_back(std::move(*item));
        // RSM <max/> is a maximum (XEP-0059 §2.1): more than that is not kept, so a flooding
        // archive cannot grow a page without bound.
        if (page.messages.size() > asked) {
          ++page.ignored;
          if (direction == Direction::forward)
            page.messages.pop_back();
          else
            page.messages.erase(page.messages.begin());
        }
      });
  auto reply = co_await session.request(make_query_iq(archive, query), timeout);
  subscription.reset();
  if (!reply)
    co_return fail(
        describe_error(reply.error(), archive, own, names_an_id(filter, set)).with_context(what));
  if (malformed) co_return fail(malformed->with_context(what));
  auto fin = parse_fin(*reply);
  if (!fin) co_return fail(fin.error().with_context(what));
  page.fin = std::move(*fin);
  co_return page;
}

Error protocol_error(const std::string& what, std::string message) {
  return make_error(ErrorKind::protocol, "bad_fin", "", what + ": " + std::move(message));
}

void account(Archive& out, const Page& page) {
  ++out.pages;
  out.ignored += page.ignored;
  out.stable = out.stable && page.fin.stable;
  if (page.fin.page && page.fin.page->count) out.count = page.fin.page->count;
}

/// Reads pages until the archive says it is complete, a page is empty, or `max` messages are
/// kept. Forwards, each next page starts <after/> the previous page's <last/>; backwards (§4.3.3)
/// it starts <before/> the previous page's <first/> ("" = the last page), and pages go in front,
/// so the result is oldest first either way.
awaitable<Result<Archive>> read_pages(stream::Session& session, std::optional<Jid> archive,
                                      Filter filter, std::optional<std::size_t> max,
                                      std::chrono::milliseconds timeout, std::size_t page_size,
                                      Direction direction) {
  const bool forward = direction == Direction::forward;
  const std::string more = forward ? "more messages follow" : "older messages exist";
  const std::string edge = forward ? "<last/>" : "<first/>";
  Archive out;
  if (page_size == 0) page_size = k_default_page_size;
  std::set<std::string> seen;
  std::optional<std::string> cursor;
  if (!forward) cursor = std::string();
  while (!max || out.messages.size() < *max) {
    std::size_t want = page_size;
    if (max) want = std::min(want, *max - out.messages.size());
    const rsm::Request set = forward ? rsm::Request{want, cursor, std::nullopt, std::nullopt}
                                     : rsm::Request{want, std::nullopt, cursor, std::nullopt};
    auto page =
        co_await read_page(session, archive, filter, set, direction, timeout, out.pages + 1);
    if (!page) co_return fail(page.error());
    account(out, *page);
    const auto& fin = page->fin;
    std::optional<std::string> next;
    if (fin.page) next = forward ? fin.page->last : fin.page->first;
    // An archive that ignores the cursor sends the same page again: keep what we have rather
    // than loop or duplicate (§6.2: archive ids are unique).
    if (next && !seen.insert(*next).second) {
      out.ignored += page->messages.size();
      break;
    }
    const bool empty = page->messages.empty();
    // Each page is in chronological order (§4.3.3); backwards, it is older than what we have.
    out.messages.insert(forward ? out.messages.end() : out.messages.begin(),
                        std::make_move_iterator(page->messages.begin()),
                        std::make_move_iterator(page->messages.end()));
    if (fin.complete) {
      out.complete = true;
      break;
    }
    const std::string what = page_context(archive, session.jid(), out.pages);
    // §4.3.2: an incomplete answer must say where it stopped, or no next page can be asked for.
    if (!fin.page)
      co_return fail(protocol_error(
          what, "the archive says " + more + " but sent no RSM <set/> to continue from"));
    if (!next) {
      // XEP-0059 §2.2: an empty page has no <first/> or <last/>: nothing follows.
      if (empty) {
        out.complete = true;
        break;
      }
      co_return fail(protocol_error(what, "the archive says " + more + " but its RSM <set/> has no " +
                                              edge + " to continue from"));
    }
    cursor = next;
  }
  co_return out;
}

}  // namespace

// Plain functions: the parameters are copied into the coroutine while the caller's objects live.
awaitable<Result<Archive>> query(stream::Session& session, std::optional<Jid> archive,
                                 Filter filter, std::optional<std::size_t> max,
                                 std::chrono::milliseconds timeout, std::size_t page_size) {
  return read_pages(session, std::move(archive), std::move(filter), max, timeout, page_size,
                    Direction::forward);
}

awaitable<Result<Archive>> last(stream::Session& session, std::optional<Jid> archive, Filter filter,
                                std::size_t count, std::chrono::milliseconds timeout,
                                std::size_t page_size) {
  return read_pages(session, std::move(archive), std::move(filter), count, timeout, page_size,
                    Direction::backward);
}

awaitable<Result<bool>> archive_supported(stream::Session& session, std::optional<Jid> archive,
                                          std::chrono::milliseconds timeout) {
  // §7: the feature is advertised at the archiving JID (our bare JID for our own archive).
  const Jid target = archive ? *archive : session.jid().bare();
  auto info = co_await disco::info(session, target, std::nullopt, timeout);
  if (!info) co_return fail(info.error());
  co_return info->has_feature(k_ns);
}

}  // namespace xmpp::mam
