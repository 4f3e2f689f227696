#include "xep/roster/presence_ops.hpp"

#include <algorithm>
#include <charconv>
#include <set>
#include <string>
#include <utility>

#include "core/deadline.hpp"
#include "stanza/namespaces.hpp"
#include "stanza/presence.hpp"
#include "stream/router.hpp"
#include "xep/ping/ping_ops.hpp"
#include "xep/roster/flexible_offline.hpp"
#include "xml/whitespace.hpp"

namespace xmpp::roster {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

/// §4.7.2.3: an xs:byte (-128..127, surrounding whitespace allowed); anything else reads as 0.
int read_priority(const std::optional<std::string>& text) {
  if (!text) return 0;
  const std::string_view digits = xml::trim_space(*text);
  if (digits.empty()) return 0;
  const char* begin = digits.data();
  const char* end = digits.data() + digits.size();
  if (*begin == '+') ++begin;  // xs:byte allows a leading '+'; from_chars does not
  int value = 0;
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end || value < -128 || value > 127) return 0;
  return value;
}

ResourcePresence read_available(const xml::Element& presence, const Jid& from) {
  ResourcePresence r;
  r.resource = from.resource();
  // §4.7.2.1: four values; no <show/> (or one we do not know) is plain available.
  if (auto show = presence.child_text("show", stanza::k_ns_client);
      show == "away" || show == "chat" || show == "dnd" || show == "xa")
    r.show = std::move(*show);
  if (auto status = presence.child_text("status", stanza::k_ns_client); status && !status->empty())
    r.status = std::move(*status);
  r.priority = presence_priority(presence);
  return r;
}

/// Folds the presence stanzas, in arrival order, into what each contact looks like at the end.
PresenceSnapshot summarise(const std::vector<xml::Element>& inbox, const Jid& own) {
  PresenceSnapshot snapshot;
  for (const auto& p : inbox) {
    const auto from_text = p.attr("from");
    // No 'from' is the server speaking for our own account, which is not a contact.
    if (!from_text) continue;
    const auto from = Jid::parse(*from_text);
    // Our own resources (this one echoed, and our other clients) are left out.
    if (!from || is_same_bare(*from, own)) continue;
    const auto type = stanza::presence_type(p);
    if (!type) continue;  // RFC 6120 §8.3 / RFC 6121 §4.7.1: an unknown type is ignored
    const std::string bare = from->bare_str();
    switch (*type) {
    case stanza::PresenceType::available: {
      auto& resources = snapshot.available[bare];
      std::erase_if(resources,
                    [&](const ResourcePresence& r) { return r.resource == from->resource(); });
      resources.push_back(read_available(p, *from));
      break;
    }
    case stanza::PresenceType::unavailable: {
      auto it = snapshot.available.find(bare);
      if (it == snapshot.available.end()) break;
      // From a bare JID: the contact as a whole is gone (e.g. §3.3.3 after an unsubscribe).
      if (from->is_bare())
        it->second.clear();
      else
        std::erase_if(it->second,
                      [&](const ResourcePresence& r) { return r.resource == from->resource(); });
      if (it->second.empty()) snapshot.available.erase(it);
      break;
    }
    case stanza::PresenceType::subscribe: {
      auto request = parse_inbound_request(p);
      if (!request) break;
      const bool known =
          std::any_of(snapshot.pending.begin(), snapshot.pending.end(),
                      [&](const InboundRequest& r) { return r.from == request->from; });
      if (!known) snapshot.pending.push_back(std::move(*request));
      break;
    }
    case stanza::PresenceType::unsubscribe:
      // The requester withdrew its request before we answered it (§3.3.1 sent while pending).
      std::erase_if(snapshot.pending,
                    [&](const InboundRequest& r) { return r.from == from->bare(); });
      break;
    default:
      // Probes are the server's business (§4.3); presence errors and the answers to our own
      // subscription requests do not describe anyone's presence.
      break;
    }
  }
  for (auto& [jid, resources] : snapshot.available)
    std::sort(resources.begin(), resources.end(),
              [](const ResourcePresence& a, const ResourcePresence& b) {
                if (a.priority != b.priority) return a.priority > b.priority;
                return a.resource < b.resource;
              });
  return snapshot;
}

xml::Element initial_presence(int priority_value) {
  auto p = stanza::make_presence();
  xml::Element priority("priority", std::string(stanza::k_ns_client));
  // §4.7.2.3: with a negative priority no message to our bare JID is delivered to this resource;
  // 0 only where offline messages are held back (collect() says why).
  priority.add_text(std::to_string(priority_value));
  p.add_child(std::move(priority));
  return p;
}

/// The bare JID of a presence's sender, when it is someone else's.
std::optional<std::string> contact_of(const xml::Element& presence, const Jid& own) {
  const auto from_text = presence.attr("from");
  if (!from_text) return std::nullopt;
  auto from = Jid::parse(*from_text);
  if (!from || is_same_bare(*from, own)) return std::nullopt;
  return from->bare_str();
}

awaitable<Result<PresenceSnapshot>> collect(stream::Session& session, SnapshotOptions options) {
  const auto deadline = Clock::now() + options.timeout;
  // XEP-0013 §2.2: with offline messages held back, priority 0 takes nothing from the user's
  // other clients, and servers that keep subscription requests for non-negative priorities
  // (ejabberd 23.01) deliver them.
  auto held = co_await hold_offline_messages(session, time_left(deadline));
  if (!held) co_return fail(held.error().with_context("offline messages (XEP-0013)"));
  const int priority = *held ? 0 : -1;

  // Registered before our presence goes out: the answers may be dispatched while send() is
  // still completing.
  std::vector<xml::Element> inbox;
  std::set<std::string> expected;
  for (const auto& jid : options.expected)
    expected.insert(jid.bare_str());
  std::set<std::string> waiting_for = expected;  // expected contacts that have sent nothing yet
  const Jid own = session.jid();
  auto watch = session.router().on({"presence", "", ""}, [&](const xml::Element& p) {
    inbox.push_back(p);
    if (auto contact = contact_of(p, own)) waiting_for.erase(*contact);
  });
  auto sent = co_await session.send(initial_presence(priority));
  if (!sent) co_return fail(sent.error().with_context("initial presence"));

  Result<void> outcome;
  // §4.2.2, §3.1.3: the server sends our local contacts' presence and the subscription
  // requests it kept while it handles our presence; a server that does so itself has sent them
  // all before it answers the next stanza (RFC 6120 §10.1). Any answer will do, an error too.
  auto answered = co_await ping::ping(session, session.jid().domain_jid(), time_left(deadline));
  if (!answered && answered.error().code != "stanza_error") {
    outcome = fail(answered.error().with_context("waiting for presence"));
  } else {
    // §4.3: contacts' servers (or, on some servers, contacts' own sessions) answer the probes
    // whenever they do: wait until each expected contact has answered or the grace is over.
    const auto grace = options.remote_domains ? options.remote_grace : options.local_grace;
    const bool whole_grace = options.remote_domains && options.expected.empty();
    const auto until = std::min(Clock::now() + grace, deadline);
    while (Clock::now() < until && (whole_grace || !waiting_for.empty())) {
      // Woken by presence from an expected contact (the watch above has seen it already).
      stream::StanzaPredicate from_expected = [&](const xml::Element& p) {
        if (whole_grace || p.name() != "presence") return false;
        auto contact = contact_of(p, own);
        return contact && expected.count(*contact) != 0;
      };
      auto waited = co_await session.wait_for(std::move(from_expected), time_left(until));
      if (!waited) {
        if (waited.error().code != "timeout")
          outcome = fail(waited.error().with_context("waiting for presence"));
        break;
      }
    }
  }
  watch.reset();

  // §4.5.1: go offline again; a session that already failed has nowhere to send it.
  if (!session.failure()) {
    auto bye = co_await session.send(stanza::make_presence(stanza::PresenceType::unavailable));
    if (!bye && outcome) outcome = fail(bye.error().with_context("unavailable presence"));
  }
  if (!outcome) co_return fail(outcome.error());
  auto snapshot = summarise(inbox, session.jid());
  snapshot.priority = priority;
  co_return snapshot;
}

}  // namespace

int presence_priority(const xml::Element& presence) {
  return read_priority(presence.child_text("priority", stanza::k_ns_client));
}

awaitable<Result<PresenceSnapshot>> announce_and_collect(stream::Session& session,
                                                         SnapshotOptions options) {
  return collect(session, options);
}

}  // namespace xmpp::roster
