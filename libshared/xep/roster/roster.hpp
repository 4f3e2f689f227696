// RFC 6121 §2 roster management: the jabber:iq:roster items, the get/set/remove requests, roster
// pushes (§2.1.6, who may send them) and roster versioning (§2.6, the 'ver' attribute). No I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "xml/element.hpp"

namespace xmpp::roster {

inline constexpr std::string_view k_ns = "jabber:iq:roster";
/// §2.6.1: the server offers roster versioning with this stream feature (<ver/>).
inline constexpr std::string_view k_ns_rosterver = "urn:xmpp:features:rosterver";
/// §3.4.1: the server offers subscription pre-approval with this stream feature (<sub/>).
inline constexpr std::string_view k_ns_preapproval = "urn:xmpp:features:pre-approval";

/// §2.1.2.5 the 'subscription' attribute. `remove` appears only in set requests and pushes.
enum class SubscriptionState { none, to, from, both, remove };

std::string_view to_string(SubscriptionState state);
std::optional<SubscriptionState> parse_subscription(std::string_view text);

/// Whether the post-authentication stream features (SessionInfo::stream_features, namespaces)
/// include `feature_ns`: k_ns_rosterver (§2.6.1) or k_ns_preapproval (§3.4.1).
bool server_offers(const std::vector<std::string>& stream_features, std::string_view feature_ns);

/// One roster item (§2.1.2). Groups keep their order; duplicates and empty names are dropped on
/// parse and on make_set (§2.1.2.4: a group name MUST NOT be repeated; §2.3.3: nor be empty; the
/// server's copy is the truth, we do not reject it).
struct Item {
  Jid jid;  ///< always a bare JID (§2.1.2.1 — a full JID in an item is ignored on parse)
  std::optional<std::string> name;  ///< an empty 'name' reads as none
  SubscriptionState subscription = SubscriptionState::none;
  bool ask = false;       ///< ask='subscribe': our outbound request is pending (§2.1.2.2)
  bool approved = false;  ///< approved='true': pre-approved (§2.1.2.1, §3.4)
  std::vector<std::string> groups;
  bool operator==(const Item&) const = default;
};

/// The whole roster as the server returned it (§2.1.4), items in the server's order.
struct Roster {
  std::vector<Item> items;
  std::optional<std::string> version;  ///< the 'ver' attribute, when the server versions rosters
  bool operator==(const Roster&) const = default;
};

/// `<iq type='get'><query xmlns='jabber:iq:roster' [ver=V]/></iq>` (§2.1.3, §2.6.2). An empty
/// `id` is left out (Session::request assigns one). `known_version` is sent as 'ver' (an empty
/// string is legal: "I have no cached roster but I understand versioning", §2.6.2).
xml::Element make_get(std::optional<std::string> known_version = {}, std::string id = {});

/// The result of a get: nullopt when it carries no <query/> (§2.6.3: the cached roster is
/// current; changes, if any, follow as pushes). Items that are unusable (no jid, a jid that does
/// not parse, an unknown subscription value or 'remove', a full JID) are skipped, not fatal: one
/// bad item must not hide the rest of the list; a second item for the same JID is skipped too.
/// Errors (kind protocol, code "bad_reply"): a payload other than the roster <query/> (e.g. a
/// <query/> in another namespace), or a type other than result.
Result<std::optional<Roster>> parse_result(const xml::Element& iq);

/// `<iq type='set'><query><item jid name? subscription? ><group/>*</item></query></iq>` adding or
/// updating one item (§2.3, §2.4). Only jid, name and groups are sent: a client MUST NOT set
/// 'ask' or 'approved' and only 'remove' as subscription (§2.1.2.2, §2.1.5).
xml::Element make_set(const Item& item, std::string id = {});
/// The removal request (§2.5): the item with subscription='remove'.
xml::Element make_remove(const Jid& jid, std::string id = {});

/// One roster push (§2.1.6): exactly one item; subscription 'remove' means the item is gone.
struct Push {
  Item item;
  std::optional<std::string> version;  ///< 'ver' of the push's <query/>
};

/// Whether a push may change our roster (§2.1.6, SECURITY.md row 35): it has no 'from', or 'from'
/// is our own bare JID (`own` may be full; its bare form is compared). Anything else is spoofed,
/// including a full JID of our own account (§2.1.6 allows only the bare JID) and our server's
/// domain alone.
bool push_is_from_own_account(const xml::Element& iq, const Jid& own);

/// Reads a roster push (an iq set with one <query xmlns='jabber:iq:roster'> holding exactly one
/// <item/>). Errors (kind protocol, code "bad_push"): not such an iq, zero or several items,
/// an item without a usable bare jid or with an unknown subscription value. The sender is NOT
/// checked here (push_is_from_own_account).
Result<Push> parse_push(const xml::Element& iq);

/// Applies `push` to `roster` (replace the item with the same JID, append a new one, or remove
/// it) and takes the push's version, as a client keeping a cached copy does (§2.6.3); a push
/// without 'ver' leaves the roster's version as it was.
void apply(Roster& roster, const Push& push);

/// The item for `jid` (compared as bare JIDs), or nullptr.
const Item* find(const Roster& roster, const Jid& jid);

}  // namespace xmpp::roster
