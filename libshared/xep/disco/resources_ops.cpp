#include "xep/disco/resources_ops.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include "core/deadline.hpp"
#include "stanza/namespaces.hpp"
#include "stanza/presence.hpp"
#include "stream/router.hpp"
#include "xep/disco/disco_ops.hpp"
#include "xep/ping/ping_ops.hpp"
#include "xep/roster/presence_ops.hpp"

namespace xmpp::disco {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct Candidate {
  Jid jid;  ///< a full JID
  int priority = 0;
};

/// Available resources of one bare JID, by resource.
using Resources = std::map<std::string, Candidate>;

/// Applies one inbound presence to `available` when it comes from `bare`.
void fold(Resources& available, const xml::Element& presence, const Jid& bare) {
  const auto from_text = presence.attr("from");
  if (!from_text) return;  // the server speaking for our own account
  auto from = Jid::parse(*from_text);
  if (!from || !is_same_bare(*from, bare)) return;
  const auto type = stanza::presence_type(presence);
  if (type == stanza::PresenceType::available) {
    // A bare JID names no resource that a disco#info query could reach.
    if (from->is_bare()) return;
    auto resource = from->resource();
    available[std::move(resource)] =
        Candidate{std::move(*from), roster::presence_priority(presence)};
  } else if (type == stanza::PresenceType::unavailable) {
    // One resource went offline (RFC 6121 §4.5.4); from the bare JID, all of them.
    if (from->is_bare())
      available.clear();
    else
      available.erase(from->resource());
  }
  // Subscription types, probes and presence errors say nothing about which resources are online.
}

/// RFC 6121 §4.7.2.3: the resource with the highest priority is the one its owner prefers; ties
/// go by resource (byte-wise), so that the choice does not depend on arrival order.
std::vector<Candidate> in_order(const Resources& available, const Jid& own) {
  std::vector<Candidate> out;
  for (const auto& [resource, candidate] : available)
    if (candidate.jid != own) out.push_back(candidate);
  std::stable_sort(out.begin(), out.end(),
                   [](const Candidate& a, const Candidate& b) { return a.priority > b.priority; });
  return out;
}

xml::Element negative_priority_presence() {
  auto presence = stanza::make_presence();
  xml::Element priority("priority", std::string(stanza::k_ns_client));
  priority.add_text("-1");
  presence.add_child(std::move(priority));
  return presence;
}

Error no_resource(std::string message) {
  return make_error(ErrorKind::remote, "no_resource", "",
                    std::move(message) + "; give the full JID");
}

awaitable<Result<ResourceChoice>> find(stream::Session& session, Jid bare, std::string feature,
                                       FindOptions options, bool already_present) {
  const auto deadline = Clock::now() + options.timeout;
  bare = bare.bare();
  const std::string what = "finding a resource of " + bare.str() + " with " + feature;

  // Registered before our presence goes out: the server's answers may be dispatched while send()
  // is still completing.
  Resources available;
  auto watch =
      session.router().on({"presence", "", ""}, [&available, &bare](const xml::Element& presence) {
        fold(available, presence, bare);
      });
  if (!already_present) {
    auto sent = co_await session.send(negative_priority_presence());
    if (!sent) co_return fail(sent.error().with_context(what + ": initial presence"));
  }
  // RFC 6121 §4.2.2: the server sends the presence of our other resources and of the contacts
  // we are subscribed to while it handles our initial presence, so before it answers the next
  // stanza (RFC 6120 §10.1). Any answer will do, an error too.
  auto answered = co_await ping::ping(session, session.jid().domain_jid(), time_left(deadline));
  if (!answered && answered.error().code != "stanza_error")
    co_return fail(answered.error().with_context(what + ": waiting for presence"));
  if (options.remote_grace > milliseconds(0)) {
    // RFC 6121 §4.3: a contact's server answers our server's probe whenever it does.
    const auto grace = std::min(options.remote_grace, time_left(deadline));
    stream::StanzaPredicate nothing = [](const xml::Element&) { return false; };
    auto waited = co_await session.wait_for(std::move(nothing), grace);
    if (!waited && waited.error().code != "timeout")
      co_return fail(waited.error().with_context(what + ": waiting for presence"));
  } else if (in_order(available, session.jid()).empty() && options.local_grace > milliseconds(0)) {
    // RFC 6120 §10.1 orders only what our server itself sends: where a contact's (or our other
    // resource's) presence comes from its own session, it can follow the answer. Wait for the
    // first one, briefly; the watch above folds it in before this wakes.
    const Jid own = session.jid();
    stream::StanzaPredicate resource_of_bare = [&bare, &own](const xml::Element& p) {
      if (p.name() != "presence") return false;
      auto from = Jid::parse(p.attr("from").value_or(""));
      return from && !from->is_bare() && is_same_bare(*from, bare) && *from != own &&
             stanza::presence_type(p) == stanza::PresenceType::available;
    };
    auto waited = co_await session.wait_for(std::move(resource_of_bare),
                                            std::min(options.local_grace, time_left(deadline)));
    if (!waited && waited.error().code != "timeout")
      co_return fail(waited.error().with_context(what + ": waiting for presence"));
  }
  watch.reset();

  const auto order = in_order(available, session.jid());
  if (order.empty())
    co_return fail(no_resource(
        "no available resource of " + bare.str() +
        ": we saw none (we see the presence only of our own account and of contacts who share "
        "theirs with us)"));

  ResourceChoice choice;
  std::string reasons;
  for (const auto& candidate : order) {
    auto info = co_await disco::info(session, candidate.jid, std::nullopt, time_left(deadline));
    if (!info) {
      if (auto failed = session.failure()) co_return fail(failed->with_context(what));
      // Each query may wait for all the time left: a timeout means there is none.
      if (info.error().code == "timeout")
        co_return fail(ErrorKind::temporary, "timeout", "", what + ": " + info.error().message);
    } else if (info->has_feature(feature)) {
      choice.jid = candidate.jid;
      choice.priority = candidate.priority;
      co_return choice;
    }
    choice.tried.push_back(candidate.jid);
    if (!reasons.empty()) reasons += ", ";
    reasons += candidate.jid.resource() + " (";
    if (info)
      reasons += "does not list it";
    else
      reasons += info.error().condition.empty() ? info.error().code : info.error().condition;
    reasons += ")";
  }
  co_return fail(
      no_resource("no available resource of " + bare.str() + " lists " + feature + ": " + reasons));
}

}  // namespace

// A plain function: the coroutine gets its own copies while the caller's arguments still live.
awaitable<Result<ResourceChoice>> find_resource_with(stream::Session& session, Jid bare,
                                                     std::string feature, FindOptions options,
                                                     bool already_present) {
  return find(session, std::move(bare), std::move(feature), options, already_present);
}

}  // namespace xmpp::disco
