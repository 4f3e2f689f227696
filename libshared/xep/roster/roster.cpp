#include "xep/roster/roster.hpp"

#include <algorithm>
#include <unordered_set>

#include "stanza/iq.hpp"
#include "stanza/namespaces.hpp"

namespace xmpp::roster {
namespace {

constexpr SubscriptionState k_states[] = {SubscriptionState::none, SubscriptionState::to,
                                          SubscriptionState::from, SubscriptionState::both,
                                          SubscriptionState::remove};

/// Group names as RFC 6121 allows them: non-empty (§2.3.3, zero length is not-acceptable) and
/// each once (§2.1.2.4, duplicates are bad-request), in their first order.
std::vector<std::string> clean_groups(const std::vector<std::string>& groups) {
  std::vector<std::string> out;
  for (const auto& g : groups)
    if (!g.empty() && std::find(out.begin(), out.end(), g) == out.end()) out.push_back(g);
  return out;
}

/// Reads one <item/>; nullopt when it is unusable: no jid, a jid that does not parse or is a
/// full JID (§2.1.2.1: the item's JID is a bare JID), or an unknown subscription value.
/// 'remove' is accepted only where it may appear (a push, §2.1.6), never in a result.
std::optional<Item> parse_item(const xml::Element& e, bool allow_remove) {
  const auto jid_text = e.attr("jid");
  if (!jid_text) return std::nullopt;
  auto jid = Jid::parse(*jid_text);
  if (!jid || !jid->is_bare()) return std::nullopt;
  Item item;
  item.jid = std::move(*jid);
  if (auto name = e.attr("name"); name && !name->empty()) item.name = std::move(*name);
  if (auto sub = e.attr("subscription")) {
    const auto state = parse_subscription(*sub);
    if (!state || (*state == SubscriptionState::remove && !allow_remove)) return std::nullopt;
    item.subscription = *state;
  }
  // §2.1.2.2: 'ask' has the one value "subscribe"; anything else is not a pending request.
  item.ask = e.attr("ask") == "subscribe";
  // §2.1.2.1: 'approved' is an xs:boolean.
  const auto approved = e.attr("approved");
  item.approved = approved == "true" || approved == "1";
  std::vector<std::string> groups;
  for (const auto* g : e.children("group", k_ns))
    groups.push_back(g->text());
  item.groups = clean_groups(groups);
  return item;
}

xml::Element query() {
  return xml::Element("query", std::string(k_ns));
}

xml::Element set_request(xml::Element item, std::string id) {
  auto q = query();
  q.add_child(std::move(item));
  return stanza::make_iq(stanza::IqType::set, {}, std::move(q), std::move(id));
}

Error bad_push(std::string message) {
  return make_error(ErrorKind::protocol, "bad_push", "", "roster push: " + std::move(message));
}

}  // namespace

std::string_view to_string(SubscriptionState state) {
  switch (state) {
  case SubscriptionState::none:
    return "none";
  case SubscriptionState::to:
    return "to";
  case SubscriptionState::from:
    return "from";
  case SubscriptionState::both:
    return "both";
  case SubscriptionState::remove:
    return "remove";
  }
  return "none";
}

std::optional<SubscriptionState> parse_subscription(std::string_view text) {
  for (auto s : k_states)
    if (to_string(s) == text) return s;
  return std::nullopt;
}

bool server_offers(const std::vector<std::string>& stream_features, std::string_view feature_ns) {
  return std::find(stream_features.begin(), stream_features.end(), feature_ns) !=
         stream_features.end();
}

xml::Element make_get(std::optional<std::string> known_version, std::string id) {
  auto q = query();
  if (known_version) q.set_attr("ver", std::move(*known_version));
  return stanza::make_iq(stanza::IqType::get, {}, std::move(q), std::move(id));
}

Result<std::optional<Roster>> parse_result(const xml::Element& iq) {
  if (!stanza::is_iq(iq) || stanza::iq_type(iq) != stanza::IqType::result)
    return fail(ErrorKind::protocol, "bad_reply", "", "roster get: the answer is not an iq result");
  const auto children = iq.elements();
  // §2.6.3: an empty result says the cached roster is current.
  if (children.empty()) return std::optional<Roster>{};
  const auto* q = iq.child("query", k_ns);
  if (q == nullptr)
    return fail(ErrorKind::protocol, "bad_reply", "",
                "roster get: the result carries <" + children.front()->name() + " xmlns='" +
                    children.front()->ns() + "'> instead of a roster");
  Roster roster;
  roster.version = q->attr("ver");
  // One item per JID (§2.1.2.1: the JID is the item's key); a repeat is ignored. A set, not
  // find(): a roster of 50 000 items (SECURITY.md row 52) must not cost a quadratic scan.
  std::unordered_set<Jid> seen;
  for (const auto* e : q->children("item", k_ns)) {
    auto item = parse_item(*e, false);
    if (!item || !seen.insert(item->jid).second) continue;
    roster.items.push_back(std::move(*item));
  }
  return std::optional<Roster>(std::move(roster));
}

xml::Element make_set(const Item& item, std::string id) {
  xml::Element e("item", std::string(k_ns));
  e.set_attr("jid", item.jid.bare_str());
  if (item.name && !item.name->empty()) e.set_attr("name", *item.name);
  for (auto& g : clean_groups(item.groups)) {
    xml::Element group("group", std::string(k_ns));
    group.add_text(std::move(g));
    e.add_child(std::move(group));
  }
  return set_request(std::move(e), std::move(id));
}

xml::Element make_remove(const Jid& jid, std::string id) {
  xml::Element e("item", std::string(k_ns));
  e.set_attr("jid", jid.bare_str());
  e.set_attr("subscription", "remove");
  return set_request(std::move(e), std::move(id));
}

bool push_is_from_own_account(const xml::Element& iq, const Jid& own) {
  const auto from = iq.attr("from");
  // §2.1.6: "A receiving client MUST ignore the stanza unless it has no 'from' attribute (i.e.,
  // implicitly from the bare JID of the user's account) or it has a 'from' attribute whose value
  // matches the user's bare JID <user@domainpart>." Another resource of our own account, our
  // server's domain and everyone else are not the account (CVE-2016-9928, SECURITY.md row 35).
  if (!from) return true;
  const auto sender = Jid::parse(*from);
  return sender && sender->is_bare() && is_same_bare(*sender, own);
}

Result<Push> parse_push(const xml::Element& iq) {
  if (!stanza::is_iq(iq) || stanza::iq_type(iq) != stanza::IqType::set)
    return fail(bad_push("not an iq of type set"));
  const auto* q = stanza::iq_payload(iq);
  if (q == nullptr || !q->is("query", k_ns))
    return fail(bad_push("the iq does not carry exactly one jabber:iq:roster <query/>"));
  const auto items = q->children("item", k_ns);
  // §2.1.6: a push carries exactly one item.
  if (items.size() != 1)
    return fail(bad_push(std::to_string(items.size()) + " items instead of exactly one"));
  auto item = parse_item(*items.front(), true);
  if (!item)
    return fail(bad_push("the item has no usable bare JID or an unknown subscription ('" +
                         items.front()->attr("jid").value_or("") + "')"));
  return Push{std::move(*item), q->attr("ver")};
}

void apply(Roster& roster, const Push& push) {
  const Jid bare = push.item.jid.bare();
  auto it = std::find_if(roster.items.begin(), roster.items.end(),
                         [&](const Item& i) { return i.jid.bare() == bare; });
  if (push.item.subscription == SubscriptionState::remove) {
    if (it != roster.items.end()) roster.items.erase(it);
  } else if (it != roster.items.end()) {
    *it = push.item;
  } else {
    roster.items.push_back(push.item);
  }
  // §2.6.3: each push carries the version after its change. A push without one leaves the old
  // version: asking with it later only replays changes we already have.
  if (push.version) roster.version = push.version;
}

const Item* find(const Roster& roster, const Jid& jid) {
  const Jid bare = jid.bare();
  for (const auto& item : roster.items)
    if (item.jid.bare() == bare) return &item;
  return nullptr;
}

}  // namespace xmpp::roster
