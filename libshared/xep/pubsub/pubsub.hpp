// XEP-0060 Publish-Subscribe (version 1.30.0) requests and results, with PEP (XEP-0163 version
// 1.2.2) as the service nullopt: node creation and configuration (§8.1-§8.2), deletion (§8.4),
// purge (§8.5), publish with publish-options (§7.1, §7.1.5), retract (§7.2), items with
// max_items, item ids and XEP-0059 pages (§6.5), subscribe and unsubscribe (§6.1, §6.2), the
// subscriptions and affiliations of an entity (§5.6, §5.7) and of a node's owner (§8.8, §8.9),
// node meta-data (§5.4), and the pubsub error conditions (§7.1.3, §7.1.5, §6.1.3, ...) reworded
// for a person. The builders and parsers side by side; no I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "xep/disco/disco.hpp"
#include "xep/forms/form.hpp"
#include "xep/rsm/rsm.hpp"
#include "xml/element.hpp"

namespace xmpp::pubsub {

inline constexpr std::string_view k_ns = "http://jabber.org/protocol/pubsub";
/// §8: the owner's use cases (configure, delete, purge, owner lists).
inline constexpr std::string_view k_ns_owner = "http://jabber.org/protocol/pubsub#owner";
/// §7.1.3 and others: the pubsub-specific error conditions beside the stanza error condition.
inline constexpr std::string_view k_ns_errors = "http://jabber.org/protocol/pubsub#errors";
/// XEP-0131 Stanza Headers and Internet Metadata: the SubID headers of notifications (§12.3).
inline constexpr std::string_view k_ns_shim = "http://jabber.org/protocol/shim";

/// FORM_TYPE of the node configuration form (§8.2, §16.4.4).
inline constexpr std::string_view k_form_node_config =
    "http://jabber.org/protocol/pubsub#node_config";
/// FORM_TYPE of the preconditions of a publish (§7.1.5).
inline constexpr std::string_view k_form_publish_options =
    "http://jabber.org/protocol/pubsub#publish-options";
/// FORM_TYPE of the node meta-data in disco#info (§5.4, §16.4.3).
inline constexpr std::string_view k_form_meta_data = "http://jabber.org/protocol/pubsub#meta-data";

/// Where a request goes: a pubsub service (a component such as pubsub.example.org, or another
/// account's PEP service at its bare JID), or nullopt for our own account's PEP service (XEP-0163
/// §3: the iq carries no 'to', and the server answers for our bare JID).
using Service = std::optional<Jid>;

/// One item of a node: its id, the one payload element (§7.1.1: an item carries at most one),
/// and the publisher where the service says (§7.1.2.3 'publisher').
struct Item {
  std::string id;  ///< empty: the item had no id (a transient node's notification)
  std::optional<xml::Element> payload;
  std::optional<std::string> publisher;
  bool operator==(const Item&) const = default;
};

// ---- node life cycle (§8.1, §8.2, §8.4, §8.5) ----

/// `<iq type='set'><pubsub><create [node]/>[<configure><x type='submit'/></configure>]</pubsub>`:
/// nullopt `node` asks for an instant node (§8.1.2); `config`, a submit form with the FORM_TYPE
/// k_form_node_config, creates the node configured (§8.1.3; forms::make_submit builds one from
/// VAR=VALUE answers). An empty `id` is left to Session::request (as for every builder here).
xml::Element make_create(const Service& service, std::optional<std::string> node,
                         std::optional<forms::Form> config, std::string id = {});
/// The node the service created: the <create node/> of the result (§8.1.2 instant nodes, or a
/// service that changed the id asked for), else `asked` (§8.1.1: an empty result means the node
/// is the one asked for). Errors, kind protocol, code "bad_reply": `asked` nullopt and no
/// <create node/> in the result.
Result<std::string> parse_create_result(const xml::Element& iq, std::optional<std::string> asked);

/// `<iq type='get'><pubsub xmlns='...#owner'><configure node/></pubsub></iq>` (§8.2.1).
xml::Element make_configure_get(const Service& service, std::string node, std::string id = {});
/// The configuration form of the result (§8.2.2). Errors, kind protocol, code "bad_reply": no
/// <configure/> or no data form in it (§8.2.3.5 says a node without options is an error instead).
Result<forms::Form> parse_configure_result(const xml::Element& iq);
/// `<iq type='set'>` submitting `submit` to the node's <configure/> (§8.2.4): a submit form, or
/// forms::cancel_form() to cancel (§8.2.5).
xml::Element make_configure_set(const Service& service, std::string node,
                                const forms::Form& submit, std::string id = {});

/// `<delete node>[<redirect uri/>]</delete>` in the owner namespace (§8.4.1, §8.4.2).
xml::Element make_delete(const Service& service, std::string node,
                         std::optional<std::string> redirect_uri = std::nullopt,
                         std::string id = {});
/// `<purge node/>` in the owner namespace (§8.5.1).
xml::Element make_purge(const Service& service, std::string node, std::string id = {});

// ---- publishing (§7.1, §7.2) ----

struct PublishRequest {
  std::string node;
  std::optional<std::string> item_id;   ///< nullopt: the service assigns one (§7.1.1)
  std::optional<xml::Element> payload;  ///< nullopt: an item without payload (§7.1.3.6 notes)
  /// The preconditions (§7.1.5): a submit form with FORM_TYPE k_form_publish_options, sent in
  /// <publish-options/>. nullopt: none.
  std::optional<forms::Form> options;
  bool operator==(const PublishRequest&) const = default;
};

/// `<publish node><item [id]>PAYLOAD</item></publish>[<publish-options>FORM</publish-options>]`
/// (examples 96, 97, 114).
xml::Element make_publish(const Service& service, const PublishRequest& request,
                          std::string id = {});

/// Where an item ended up.
struct Published {
  std::string node;
  /// The item id: the one the result names (§7.1.2: a service that assigns one MUST say it), else
  /// the one we asked for; empty when neither (a transient node may keep no id).
  std::string item_id;
  bool created = false;  ///< the node did not exist and was created for this item (ops only)
  bool operator==(const Published&) const = default;
};
/// Reads a publish result (examples 98, 99). An empty result (allowed by RFC 6120 and sent by some
/// services when the id was ours) gives `request`'s node and id.
Published parse_publish_result(const xml::Element& iq, const PublishRequest& request);

/// `<retract node [notify='true']><item id/></retract>` (§7.2.1: exactly one item per request;
/// `notify` asks the service to notify subscribers, §7.2.2.1).
xml::Element make_retract(const Service& service, std::string node, std::string item_id,
                          bool notify, std::string id = {});

// ---- reading items (§6.5) ----

struct ItemsRequest {
  std::string node;
  std::optional<std::size_t> max_items;  ///< 'max_items': the most recent N (§6.5.7)
  std::vector<std::string> item_ids;     ///< these items only (§6.5.8); empty: all
  std::optional<rsm::Request> page;      ///< XEP-0059 <set/> (§6.5.4)
  std::optional<std::string> subid;      ///< with several subscriptions (§6.5.2)
  bool operator==(const ItemsRequest&) const = default;
};

/// `<iq type='get'><pubsub><items node [max_items] [subid]>[<item id/>...]</items>[<set/>]`
/// (examples 74, 78, 80).
xml::Element make_items(const Service& service, const ItemsRequest& request, std::string id = {});

/// One result of an items request.
struct ItemsPage {
  std::string node;
  std::vector<Item> items;          ///< in the service's order (§6.5.7: oldest first is not promised)
  std::optional<rsm::Page> page;    ///< the result's <set/> when the service pages (example 76)
  std::size_t extra_payloads = 0;   ///< items that carried more than one element (kept the first)
  bool operator==(const ItemsPage&) const = default;
};
/// Reads an items result (examples 75, 76, 79, 81, 82). Errors, kind protocol, code "bad_reply":
/// no <pubsub/> or no <items/> in it.
Result<ItemsPage> parse_items_result(const xml::Element& iq);

/// Reads one <item/> (of a result or an event): its id, publisher and first child element.
/// `extra` is set when the item had more than one element (a service breaking §7.1.1).
Item parse_item(const xml::Element& item, bool* extra = nullptr);

// ---- subscriptions (§6.1, §6.2, §5.6, §8.8) ----

/// The 'subscription' attribute (§6.1.2 and §8.8).
enum class SubState { none, pending, subscribed, unconfigured };
std::string_view to_string(SubState state);
std::optional<SubState> parse_sub_state(std::string_view text);

struct Subscription {
  std::string node;  ///< empty in an owner listing (the node is the listing's)
  Jid jid;
  SubState state = SubState::subscribed;
  std::optional<std::string> subid;
  bool options_required = false;  ///< <subscribe-options><required/> (§6.1.5, example 43)
  bool operator==(const Subscription&) const = default;
};

/// `<subscribe node jid/>` (example 28). `jid` is the subscriber: our bare JID unless the service
/// lets us subscribe someone else (§6.1.3.1).
xml::Element make_subscribe(const Service& service, std::string node, const Jid& jid,
                            std::string id = {});
/// The <subscription/> of a subscribe result (examples 29, 42, 43). A result without one (RFC 6120
/// allows an empty result; §6.1.2 says MUST include it) is read as subscribed, for `node` and
/// `jid`.
Result<Subscription> parse_subscribe_result(const xml::Element& iq, const std::string& node,
                                            const Jid& jid);
/// `<unsubscribe node jid [subid]/>` (example 47).
xml::Element make_unsubscribe(const Service& service, std::string node, const Jid& jid,
                              std::optional<std::string> subid = std::nullopt,
                              std::string id = {});

/// Our subscriptions (`owner` false: §5.6, examples 16 and 20, all nodes when `node` is nullopt)
/// or a node's subscribers (`owner` true: §8.8.1, example 184; `node` required, else a bug).
xml::Element make_subscriptions(const Service& service, std::optional<std::string> node, bool owner,
                                std::string id = {});
/// Reads either listing (examples 17, 18, 21, 185). Entries whose jid is missing or no JID are
/// skipped (counted in `skipped` when given). Errors, kind protocol, code "bad_reply": no
/// <subscriptions/>.
Result<std::vector<Subscription>> parse_subscriptions_result(const xml::Element& iq,
                                                             std::size_t* skipped = nullptr);

// ---- affiliations (§5.7, §8.9) ----

/// §4.1 affiliations (publish-only is §4.1's sixth).
enum class Affiliation { owner, publisher, publish_only, member, none, outcast };
std::string_view to_string(Affiliation affiliation);
std::optional<Affiliation> parse_affiliation(std::string_view text);

struct AffiliationEntry {
  std::string node;        ///< our listing (§5.7): the node; owner listing: empty
  std::optional<Jid> jid;  ///< owner listing (§8.9): the entity; our listing: nullopt
  Affiliation affiliation = Affiliation::none;
  bool operator==(const AffiliationEntry&) const = default;
};

/// Our affiliations (`owner` false: §5.7, examples 22 and 26) or a node's affiliated entities
/// (`owner` true: §8.9.1, example 197; `node` required, else a bug).
xml::Element make_affiliations(const Service& service, std::optional<std::string> node, bool owner,
                               std::string id = {});
/// Reads either listing (examples 23, 24, 27, 198). Entries with an unknown affiliation, or (owner
/// listing) a jid that is no JID, are skipped. Errors, kind protocol, code "bad_reply": no
/// <affiliations/>.
Result<std::vector<AffiliationEntry>> parse_affiliations_result(const xml::Element& iq,
                                                                std::size_t* skipped = nullptr);

struct AffiliationChange {
  Jid jid;
  Affiliation affiliation = Affiliation::none;
  bool operator==(const AffiliationChange&) const = default;
};
/// `<affiliations node><affiliation jid affiliation/>...</affiliations>` in the owner namespace
/// (§8.9.2, examples 202 and 208).
xml::Element make_affiliations_set(const Service& service, std::string node,
                                   const std::vector<AffiliationChange>& changes,
                                   std::string id = {});

/// "JID=AFFILIATION" (CLI `affiliations --set`): split at the last '='. Errors, kind usage, code
/// "bad_affiliation": no '=', a JID that does not parse, or an affiliation §4.1 does not define.
Result<AffiliationChange> parse_affiliation_change(std::string_view text);

// ---- node meta-data (§5.4) ----

struct NodeInfo {
  disco::DiscoInfo info;  ///< identities (pubsub/leaf or pubsub/collection), features
  /// The pubsub#meta-data form with its labels and types (example 14); nullopt when none.
  std::optional<forms::Form> meta_data;
  /// 'leaf', 'collection', or empty when the node has no pubsub identity.
  std::string node_type;
  bool operator==(const NodeInfo&) const = default;
};
/// Reads the disco#info result of a node (examples 12, 14). Errors: those of
/// disco::parse_info_result; a meta-data form that is no data form: kind protocol "bad_form".
Result<NodeInfo> parse_node_info(const xml::Element& iq);

// ---- errors (§5-§8 error cases) ----

/// What was asked, for describe_error.
enum class Operation {
  create,
  configure_get,
  configure_set,
  delete_node,
  purge,
  publish,
  retract,
  items,
  subscribe,
  unsubscribe,
  subscriptions,
  affiliations,
  affiliations_set,
  node_info,
};

/// The pubsub-specific condition of an error reply: the name of the k_ns_errors child of <error/>
/// (e.g. "precondition-not-met", "invalid-jid", "node-full"); nullopt when there is none.
std::optional<std::string> pubsub_condition(const xml::Element& error_iq);
/// The 'feature' of an <unsupported xmlns='...#errors' feature/> (§7.1.3.3 and others, e.g.
/// "publish-options"), nullopt when there is none.
std::optional<std::string> unsupported_feature(const xml::Element& error_iq);

/// How errors name a node: "node NODE at SERVICE" or "node NODE of our PEP service".
std::string describe_node(const Service& service, std::string_view node);

/// A service's stanza error reworded for a person, for what `op` asked (the caller adds context,
/// e.g. describe_node). `error` is what Session::request returned; a stanza error (code
/// "stanza_error") keeps kind remote and its condition, and its message says what the condition
/// means for this operation, e.g. "the node does not exist (item-not-found)", "you may not publish
/// to it (forbidden)", "the node's configuration does not match the publish-options
/// (conflict: precondition-not-met)". `pubsub_cond` is the pubsub-specific condition when the
/// caller has it (pubsub_condition of the error reply); Session::request does not return the
/// error stanza, so ops pass nullopt and the wording follows XEP-0060's definitions for the
/// operation (a conflict answering a publish with `with_options` is §7.1.5's precondition-not-met
/// unless the service says node-full, code "precondition_not_met"). Any other error (timeout,
/// session failure) is returned as it is.
Error describe_error(const Error& error, Operation op,
                     std::optional<std::string> pubsub_cond = std::nullopt,
                     bool with_options = false);

}  // namespace xmpp::pubsub
