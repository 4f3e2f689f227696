#include "xep/roster/roster_ops.hpp"

#include <utility>
#include <vector>

#include "core/deadline.hpp"
#include "stanza/error.hpp"
#include "stanza/iq.hpp"
#include "xep/ping/ping_ops.hpp"

namespace xmpp::roster {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

awaitable<Result<Fetched>> fetch_roster(stream::Session& session, std::optional<Roster> cached,
                                        milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const bool versioning = server_offers(session.info().stream_features, k_ns_rosterver);
  // §2.6.2: with versioning, 'ver' is the cached version, or "" when we have none.
  std::optional<std::string> ver;
  if (versioning) ver = cached && cached->version ? *cached->version : std::string();
  const bool may_be_current = ver && !ver->empty() && cached;

  // Registered before the get goes out: the pushes of §2.6.3 may follow the answer at once.
  std::vector<Push> pushes;
  auto responder = accept_pushes(session, [&pushes](const Push& p) { pushes.push_back(p); });

  auto reply = co_await session.request(make_get(ver), timeout);
  if (!reply) co_return fail(reply.error().with_context("roster get"));
  auto parsed = parse_result(*reply);
  if (!parsed) co_return fail(parsed.error());
  if (*parsed) {
    // The whole roster (§2.1.4, or §2.6.3 when the server prefers to send it all). A push that
    // arrived before it describes a change the server made before answering, so the result
    // already holds it (RFC 6120 §10.1: the server handles our stanzas in order).
    co_return Fetched{std::move(**parsed), false};
  }
  if (!may_be_current)
    co_return fail(ErrorKind::protocol, "bad_reply", "",
                   "roster get: the server sent no roster, but we have no cached copy it could "
                   "mean");
  // §2.6.3: the cached copy is current except for the changes the server now sends as pushes.
  // It queued them before answering anything we send next, so once a ping to our server has
  // been answered (even with an error), every one of them has been dispatched.
  auto round_trip = co_await ping::ping(session, session.jid().domain_jid(), time_left(deadline));
  if (!round_trip && round_trip.error().code != "stanza_error")
    co_return fail(round_trip.error().with_context("roster get (waiting for roster pushes)"));
  Roster roster = std::move(*cached);
  // Every push, also one that arrived before the answer: applying a change twice is harmless,
  // and the last push carries the newest version.
  for (const auto& p : pushes)
    apply(roster, p);
  co_return Fetched{std::move(roster), true};
}

awaitable<Result<void>> send_set(stream::Session& session, xml::Element iq, std::string context,
                                 milliseconds timeout) {
  auto reply = co_await session.request(std::move(iq), timeout);
  if (!reply) co_return fail(reply.error().with_context(context));
  co_return Result<void>{};
}

}  // namespace

stream::Subscription accept_pushes(stream::Session& session,
                                   std::function<void(const Push&)> on_push) {
  stream::Session* s = &session;
  return session.router().on_iq(
      "set", "query", std::string(k_ns),
      [s, on_push = std::move(on_push)](const xml::Element& iq) -> xml::Element {
        // SECURITY.md row 35 (CVE-2016-9928): a push from anyone but our account changes nothing;
        // it is answered as if we had no roster responder at all.
        if (!push_is_from_own_account(iq, s->jid()))
          return stanza::make_error_reply(iq, stanza::make_stanza_error("service-unavailable"));
        auto push = parse_push(iq);
        if (!push) return stanza::make_error_reply(iq, stanza::make_stanza_error("bad-request"));
        if (on_push) on_push(*push);
        // §2.1.6: the client acknowledges a push with an empty result.
        return stanza::make_result(iq);
      });
}

// The public operations are plain functions: they copy their reference parameters into the
// coroutine while the caller's objects still live (STYLE.md "coroutine parameters by value").
awaitable<Result<Fetched>> fetch(stream::Session& session, std::optional<Roster> cached,
                                 std::chrono::milliseconds timeout) {
  return fetch_roster(session, std::move(cached), timeout);
}

awaitable<Result<void>> set_item(stream::Session& session, const Item& item,
                                 std::chrono::milliseconds timeout) {
  return send_set(session, make_set(item), "roster set " + item.jid.bare_str(), timeout);
}

awaitable<Result<void>> remove_item(stream::Session& session, const Jid& jid,
                                    std::chrono::milliseconds timeout) {
  return send_set(session, make_remove(jid), "roster remove " + jid.bare_str(), timeout);
}

}  // namespace xmpp::roster
