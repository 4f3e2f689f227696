#include "xep/pubsub/pubsub.hpp"

#include <array>
#include <utility>

#include "stanza/iq.hpp"
#include "stanza/namespaces.hpp"

namespace xmpp::pubsub {
namespace {

std::string to_attr(const Service& service) {
  return service ? service->str() : std::string();
}

/// `<iq type=TYPE [to]><pubsub xmlns=NS>CHILD</pubsub></iq>`
xml::Element wrap(stanza::IqType type, const Service& service, std::string_view ns,
                  xml::Element child, std::string id) {
  auto pubsub = xml::element("pubsub", ns);
  pubsub.add_child(std::move(child));
  return stanza::make_iq(type, to_attr(service), std::move(pubsub), std::move(id));
}

xml::Element with_node(std::string_view name, std::string_view ns, std::string node) {
  auto e = xml::element(name, ns);
  e.set_attr("node", std::move(node));
  return e;
}

tl::unexpected<Error> bad_reply(std::string message) {
  return fail(ErrorKind::protocol, "bad_reply", "", std::move(message));
}

/// The <pubsub/> of a result, in either namespace.
const xml::Element* pubsub_of(const xml::Element& iq) {
  if (const auto* p = iq.child("pubsub", k_ns)) return p;
  return iq.child("pubsub", k_ns_owner);
}

std::optional<Jid> jid_attr(const xml::Element& e, std::string_view name) {
  const auto text = e.attr(name);
  if (!text) return std::nullopt;
  auto jid = Jid::parse(*text);
  if (!jid) return std::nullopt;
  return std::move(*jid);
}

constexpr std::array<std::pair<SubState, std::string_view>, 4> k_sub_states{{
    {SubState::none, "none"},
    {SubState::pending, "pending"},
    {SubState::subscribed, "subscribed"},
    {SubState::unconfigured, "unconfigured"},
}};

constexpr std::array<std::pair<Affiliation, std::string_view>, 6> k_affiliations{{
    {Affiliation::owner, "owner"},
    {Affiliation::publisher, "publisher"},
    {Affiliation::publish_only, "publish-only"},
    {Affiliation::member, "member"},
    {Affiliation::none, "none"},
    {Affiliation::outcast, "outcast"},
}};

// The condition and the <text/> of an Error made by stanza::to_error with no context: its message
// is "CONDITION" or "CONDITION (TEXT)".
std::string condition_and_text(const Error& error, const std::optional<std::string>& extra) {
  std::string out = error.condition;
  if (extra) out += ": " + *extra;
  const std::string prefix = error.condition + " (";
  if (error.message.size() > prefix.size() + 1 && error.message.rfind(prefix, 0) == 0 &&
      error.message.back() == ')')
    out += "; " + error.message.substr(prefix.size(), error.message.size() - prefix.size() - 1);
  return out;
}

bool is_owner_op(Operation op) {
  return op == Operation::configure_get || op == Operation::configure_set ||
         op == Operation::delete_node || op == Operation::purge ||
         op == Operation::affiliations_set;
}

/// What "not allowed" means for each operation (§6.1.3, §7.1.3.1, §8.2.3.2, §8.4.3.1, ...).
std::string refused(Operation op) {
  switch (op) {
    case Operation::create:
      return "you may not create nodes on this service";
    case Operation::publish:
      return "you may not publish to this node";
    case Operation::retract:
      return "you may not retract items from this node";
    case Operation::items:
      return "you may not read the items of this node";
    case Operation::subscribe:
      return "you may not subscribe to this node";
    case Operation::unsubscribe:
      return "you may not cancel this subscription";
    case Operation::subscriptions:
    case Operation::affiliations:
    case Operation::node_info:
      return "you may not see this";
    default:
      return "you are not an owner of this node";
  }
}

}  // namespace

// ---- node life cycle ----

xml::Element make_create(const Service& service, std::optional<std::string> node,
                         std::optional<forms::Form> config, std::string id) {
  auto pubsub = xml::element("pubsub", k_ns);
  auto& create = pubsub.add_child(xml::element("create", k_ns));
  if (node) create.set_attr("node", std::move(*node));
  // §8.1.3: the configuration rides in a <configure/> beside <create/>.
  if (config) pubsub.add_child(xml::element("configure", k_ns)).add_child(forms::to_element(*config));
  return stanza::make_iq(stanza::IqType::set, to_attr(service), std::move(pubsub), std::move(id));
}

Result<std::string> parse_create_result(const xml::Element& iq, std::optional<std::string> asked) {
  if (const auto* pubsub = iq.child("pubsub", k_ns))
    if (const auto* create = pubsub->child("create", k_ns))
      if (auto node = create->attr("node"); node && !node->empty()) return std::move(*node);
  if (asked) return std::move(*asked);
  return bad_reply("the service created an instant node but did not say its name");
}

xml::Element make_configure_get(const Service& service, std::string node, std::string id) {
  return wrap(stanza::IqType::get, service, k_ns_owner,
              with_node("configure", k_ns_owner, std::move(node)), std::move(id));
}

Result<forms::Form> parse_configure_result(const xml::Element& iq) {
  const auto* pubsub = iq.child("pubsub", k_ns_owner);
  const auto* configure = pubsub ? pubsub->child("configure", k_ns_owner) : nullptr;
  if (configure == nullptr) return bad_reply("the configuration result has no <configure/>");
  const auto* x = forms::find(*configure);
  if (x == nullptr) return bad_reply("the configuration result has no data form");
  return forms::parse(*x);
}

xml::Element make_configure_set(const Service& service, std::string node,
                                const forms::Form& submit, std::string id) {
  auto configure = with_node("configure", k_ns_owner, std::move(node));
  configure.add_child(forms::to_element(submit));
  return wrap(stanza::IqType::set, service, k_ns_owner, std::move(configure), std::move(id));
}

xml::Element make_delete(const Service& service, std::string node,
                         std::optional<std::string> redirect_uri, std::string id) {
  auto del = with_node("delete", k_ns_owner, std::move(node));
  if (redirect_uri)
    del.add_child(xml::element("redirect", k_ns_owner)).set_attr("uri", std::move(*redirect_uri));
  return wrap(stanza::IqType::set, service, k_ns_owner, std::move(del), std::move(id));
}

xml::Element make_purge(const Service& service, std::string node, std::string id) {
  return wrap(stanza::IqType::set, service, k_ns_owner,
              with_node("purge", k_ns_owner, std::move(node)), std::move(id));
}

// ---- publishing ----

xml::Element make_publish(const Service& service, const PublishRequest& request, std::string id) {
  auto pubsub = xml::element("pubsub", k_ns);
  auto& publish = pubsub.add_child(with_node("publish", k_ns, request.node));
  auto& item = publish.add_child(xml::element("item", k_ns));
  if (request.item_id) item.set_attr("id", *request.item_id);
  if (request.payload) item.add_child(*request.payload);
  if (request.options)
    pubsub.add_child(xml::element("publish-options", k_ns))
        .add_child(forms::to_element(*request.options));
  return stanza::make_iq(stanza::IqType::set, to_attr(service), std::move(pubsub), std::move(id));
}

Published parse_publish_result(const xml::Element& iq, const PublishRequest& request) {
  Published out{request.node, request.item_id.value_or("")};
  const auto* pubsub = iq.child("pubsub", k_ns);
  const auto* publish = pubsub ? pubsub->child("publish", k_ns) : nullptr;
  if (publish == nullptr) return out;
  if (auto node = publish->attr("node"); node && !node->empty()) out.node = std::move(*node);
  if (const auto* item = publish->child("item", k_ns))
    if (auto item_id = item->attr("id"); item_id && !item_id->empty())
      out.item_id = std::move(*item_id);
  return out;
}

xml::Element make_retract(const Service& service, std::string node, std::string item_id,
                          bool notify, std::string id) {
  auto retract = with_node("retract", k_ns, std::move(node));
  if (notify) retract.set_attr("notify", "true");
  retract.add_child(xml::element("item", k_ns)).set_attr("id", std::move(item_id));
  return wrap(stanza::IqType::set, service, k_ns, std::move(retract), std::move(id));
}

// ---- items ----

xml::Element make_items(const Service& service, const ItemsRequest& request, std::string id) {
  auto pubsub = xml::element("pubsub", k_ns);
  auto& items = pubsub.add_child(with_node("items", k_ns, request.node));
  if (request.max_items) items.set_attr("max_items", std::to_string(*request.max_items));
  if (request.subid) items.set_attr("subid", *request.subid);
  for (const auto& item_id : request.item_ids)
    items.add_child(xml::element("item", k_ns)).set_attr("id", item_id);
  // §6.5.4: the <set/> is a sibling of <items/> inside <pubsub/>.
  if (request.page) pubsub.add_child(rsm::make_set(*request.page));
  return stanza::make_iq(stanza::IqType::get, to_attr(service), std::move(pubsub), std::move(id));
}

Item parse_item(const xml::Element& item, bool* extra) {
  Item out;
  out.id = item.attr("id").value_or("");
  out.publisher = item.attr("publisher");
  const auto children = item.elements();
  if (!children.empty()) out.payload = *children.front();
  if (extra != nullptr) *extra = children.size() > 1;
  return out;
}

Result<ItemsPage> parse_items_result(const xml::Element& iq) {
  const auto* pubsub = iq.child("pubsub", k_ns);
  if (pubsub == nullptr) return bad_reply("the items result has no <pubsub/>");
  const auto* items = pubsub->child("items", k_ns);
  if (items == nullptr) return bad_reply("the items result has no <items/>");
  ItemsPage out;
  out.node = items->attr("node").value_or("");
  for (const auto* item : items->children("item", k_ns)) {
    bool extra = false;
    out.items.push_back(parse_item(*item, &extra));
    if (extra) ++out.extra_payloads;
  }
  out.page = rsm::parse_set(*pubsub);
  return out;
}

// ---- subscriptions ----

std::string_view to_string(SubState state) {
  for (const auto& [value, text] : k_sub_states)
    if (value == state) return text;
  return "none";
}

std::optional<SubState> parse_sub_state(std::string_view text) {
  for (const auto& [value, name] : k_sub_states)
    if (name == text) return value;
  return std::nullopt;
}

xml::Element make_subscribe(const Service& service, std::string node, const Jid& jid,
                            std::string id) {
  auto subscribe = with_node("subscribe", k_ns, std::move(node));
  subscribe.set_attr("jid", jid.str());
  return wrap(stanza::IqType::set, service, k_ns, std::move(subscribe), std::move(id));
}

namespace {

std::optional<Subscription> read_subscription(const xml::Element& e) {
  auto jid = jid_attr(e, "jid");
  if (!jid) return std::nullopt;
  Subscription out;
  out.node = e.attr("node").value_or("");
  out.jid = std::move(*jid);
  // §6.1.2: a subscription without the attribute is in force ("subscribed").
  out.state = parse_sub_state(e.attr("subscription").value_or("subscribed"))
                  .value_or(SubState::subscribed);
  if (auto subid = e.attr("subid"); subid && !subid->empty()) out.subid = std::move(*subid);
  if (const auto* options = e.child("subscribe-options", e.ns()))
    out.options_required = options->child("required", e.ns()) != nullptr;
  return out;
}

}  // namespace

Result<Subscription> parse_subscribe_result(const xml::Element& iq, const std::string& node,
                                            const Jid& jid) {
  const auto* pubsub = iq.child("pubsub", k_ns);
  const auto* e = pubsub ? pubsub->child("subscription", k_ns) : nullptr;
  if (e == nullptr) return Subscription{node, jid, SubState::subscribed, std::nullopt, false};
  auto sub = read_subscription(*e);
  if (!sub) return bad_reply("the subscription result names no valid JID");
  if (sub->node.empty()) sub->node = node;
  return std::move(*sub);
}

xml::Element make_unsubscribe(const Service& service, std::string node, const Jid& jid,
                              std::optional<std::string> subid, std::string id) {
  auto unsubscribe = with_node("unsubscribe", k_ns, std::move(node));
  unsubscribe.set_attr("jid", jid.str());
  if (subid) unsubscribe.set_attr("subid", std::move(*subid));
  return wrap(stanza::IqType::set, service, k_ns, std::move(unsubscribe), std::move(id));
}

xml::Element make_subscriptions(const Service& service, std::optional<std::string> node, bool owner,
                                std::string id) {
  const auto ns = owner ? k_ns_owner : k_ns;
  auto subs = xml::element("subscriptions", ns);
  if (node) subs.set_attr("node", std::move(*node));
  return wrap(stanza::IqType::get, service, ns, std::move(subs), std::move(id));
}

Result<std::vector<Subscription>> parse_subscriptions_result(const xml::Element& iq,
                                                             std::size_t* skipped) {
  const auto* pubsub = pubsub_of(iq);
  const auto* subs = pubsub ? pubsub->child("subscriptions", pubsub->ns()) : nullptr;
  if (subs == nullptr) return bad_reply("the subscriptions result has no <subscriptions/>");
  std::vector<Subscription> out;
  const std::string listing_node = subs->attr("node").value_or("");
  for (const auto* e : subs->children("subscription", subs->ns())) {
    auto sub = read_subscription(*e);
    if (!sub) {
      if (skipped != nullptr) ++*skipped;
      continue;
    }
    if (sub->node.empty()) sub->node = listing_node;
    out.push_back(std::move(*sub));
  }
  return out;
}

// ---- affiliations ----

std::string_view to_string(Affiliation affiliation) {
  for (const auto& [value, text] : k_affiliations)
    if (value == affiliation) return text;
  return "none";
}

std::optional<Affiliation> parse_affiliation(std::string_view text) {
  for (const auto& [value, name] : k_affiliations)
    if (name == text) return value;
  return std::nullopt;
}

xml::Element make_affiliations(const Service& service, std::optional<std::string> node, bool owner,
                               std::string id) {
  const auto ns = owner ? k_ns_owner : k_ns;
  auto affs = xml::element("affiliations", ns);
  if (node) affs.set_attr("node", std::move(*node));
  return wrap(stanza::IqType::get, service, ns, std::move(affs), std::move(id));
}

Result<std::vector<AffiliationEntry>> parse_affiliations_result(const xml::Element& iq,
                                                                std::size_t* skipped) {
  const auto* pubsub = pubsub_of(iq);
  const auto* affs = pubsub ? pubsub->child("affiliations", pubsub->ns()) : nullptr;
  if (affs == nullptr) return bad_reply("the affiliations result has no <affiliations/>");
  const bool owner = affs->ns() == k_ns_owner;
  const std::string listing_node = affs->attr("node").value_or("");
  std::vector<AffiliationEntry> out;
  for (const auto* e : affs->children("affiliation", affs->ns())) {
    const auto affiliation = parse_affiliation(e->attr("affiliation").value_or(""));
    AffiliationEntry entry;
    entry.node = e->attr("node").value_or(listing_node);
    if (owner) entry.jid = jid_attr(*e, "jid");
    if (!affiliation || (owner && !entry.jid)) {
      if (skipped != nullptr) ++*skipped;
      continue;
    }
    entry.affiliation = *affiliation;
    out.push_back(std::move(entry));
  }
  return out;
}

xml::Element make_affiliations_set(const Service& service, std::string node,
                                   const std::vector<AffiliationChange>& changes, std::string id) {
  auto affs = with_node("affiliations", k_ns_owner, std::move(node));
  for (const auto& change : changes) {
    auto& e = affs.add_child(xml::element("affiliation", k_ns_owner));
    e.set_attr("jid", change.jid.str());
    e.set_attr("affiliation", std::string(to_string(change.affiliation)));
  }
  return wrap(stanza::IqType::set, service, k_ns_owner, std::move(affs), std::move(id));
}

Result<AffiliationChange> parse_affiliation_change(std::string_view text) {
  const auto eq = text.rfind('=');
  if (eq == std::string_view::npos)
    return fail(ErrorKind::usage, "bad_affiliation", "",
                "'" + std::string(text) + "' is not JID=AFFILIATION");
  auto jid = Jid::parse(text.substr(0, eq));
  if (!jid)
    return fail(ErrorKind::usage, "bad_affiliation", "",
                "'" + std::string(text.substr(0, eq)) + "' is not a JID: " + jid.error().message);
  const auto affiliation = parse_affiliation(text.substr(eq + 1));
  if (!affiliation)
    return fail(ErrorKind::usage, "bad_affiliation", "",
                "'" + std::string(text.substr(eq + 1)) +
                    "' is no affiliation (owner, publisher, publish-only, member, none, outcast)");
  return AffiliationChange{std::move(*jid), *affiliation};
}

// ---- node meta-data ----

Result<NodeInfo> parse_node_info(const xml::Element& iq) {
  auto info = disco::parse_info_result(iq);
  if (!info) return fail(info.error());
  NodeInfo out;
  out.info = std::move(*info);
  for (const auto& identity : out.info.identities)
    if (identity.category == "pubsub" && (identity.type == "leaf" || identity.type == "collection"))
      out.node_type = identity.type;
  const auto* query = iq.child("query", "http://jabber.org/protocol/disco#info");
  if (query != nullptr) {
    if (const auto* x = forms::find(*query, k_form_meta_data)) {
      auto form = forms::parse(*x);
      if (!form) return fail(form.error());
      out.meta_data = std::move(*form);
    }
  }
  return out;
}

// ---- errors ----

std::optional<std::string> pubsub_condition(const xml::Element& error_iq) {
  const auto* error = error_iq.child("error", stanza::k_ns_client);
  if (error == nullptr) return std::nullopt;
  const auto* condition = error->child_in(k_ns_errors);
  if (condition == nullptr) return std::nullopt;
  return condition->name();
}

std::optional<std::string> unsupported_feature(const xml::Element& error_iq) {
  const auto* error = error_iq.child("error", stanza::k_ns_client);
  const auto* unsupported = error ? error->child("unsupported", k_ns_errors) : nullptr;
  return unsupported ? unsupported->attr("feature") : std::nullopt;
}

std::string describe_node(const Service& service, std::string_view node) {
  if (!service) return "node " + std::string(node) + " of our PEP service";
  return "node " + std::string(node) + " at " + service->str();
}

Error describe_error(const Error& error, Operation op, std::optional<std::string> pubsub_cond,
                     bool with_options) {
  if (error.code != "stanza_error") return error;
  const std::string& c = error.condition;
  const std::string p = pubsub_cond.value_or("");
  Error out = error;
  std::string meaning;
  if (c == "item-not-found") {
    // §6.5.9.11 vs §7.2.3.3: for items and retract the node or the item may be missing.
    if (op == Operation::retract)
      meaning = "the node or the item does not exist";
    else if (op == Operation::subscriptions || op == Operation::affiliations)
      meaning = "the service or the node does not exist";
    else
      meaning = "the node does not exist";
  } else if (c == "conflict") {
    if (op == Operation::create) {
      meaning = "a node with this name already exists";  // §8.1.3.3
    } else if (op == Operation::publish && p == "node-full") {
      meaning = "the node is full (its max_items is reached)";  // §7.1.3.8
    } else if (op == Operation::publish && (p == "precondition-not-met" || with_options)) {
      // §7.1.5 rule 1: a publish-options field that does not match the node configuration.
      meaning = "the node's configuration does not match the publish-options";
      out.code = "precondition_not_met";
      if (!pubsub_cond) pubsub_cond = "precondition-not-met";
    } else {
      meaning = "the request conflicts with the node's state";
    }
  } else if (c == "forbidden" || c == "not-authorized") {
    meaning = refused(op);
  } else if (c == "not-allowed") {
    if (p == "closed-node") meaning = "the node's access model does not let you in";  // §6.1.3.4
    else if (op == Operation::subscribe || op == Operation::items)
      meaning = "the node's access model does not let you in";
    else
      meaning = refused(op);
  } else if (c == "registration-required") {
    meaning = "the service requires registration first";
  } else if (c == "feature-not-implemented" || c == "service-unavailable") {
    if (p == "unsupported" || c == "feature-not-implemented")
      meaning = op == Operation::publish && with_options
                    ? "the service does not support this (publish-options?)"
                    : "the service does not support this";
    else
      // Prosody 0.12 answers our affiliations listing (§5.7, optional) so.
      meaning = "the service does not support this request, or is no pubsub service";
  } else if (c == "bad-request") {
    if (p == "invalid-jid")
      meaning = "the JID is not yours to use here";  // §6.1.3.1
    else if (p == "invalid-payload")
      meaning = "the service does not accept this payload";  // §7.1.3.5
    else if (p == "item-required" || p == "payload-required")
      meaning = "the node needs an item with a payload";  // §7.1.3.6
    else if (p == "subid-required")
      meaning = "you have several subscriptions: say which (subid)";
    else if (p == "nodeid-required")
      meaning = "the request names no node";
    else if (p == "invalid-options")
      meaning = "the options were not accepted";
    else
      meaning = "the service did not accept the request";
  } else if (c == "not-acceptable") {
    if (p == "payload-too-big")
      meaning = "the payload is too big for the node";  // §7.1.3.4
    else if (op == Operation::configure_set || op == Operation::create)
      meaning = "the service did not accept this configuration";  // §8.2.5.3
    else
      meaning = "the service did not accept the request";
  } else if (c == "unexpected-request") {
    // §6.2.3.2: for an unsubscribe it means not-subscribed (Prosody sends it so).
    meaning = p == "not-subscribed" || op == Operation::unsubscribe
                  ? "you are not subscribed to this node"
                  : "the service did not expect this request";
  } else if (c == "payment-required") {
    meaning = "the service requires payment";
  } else if (c == "policy-violation" || c == "resource-constraint") {
    meaning = "the service refused it for policy or resource limits; try again later";
  } else if (c == "remote-server-not-found" || c == "remote-server-timeout") {
    meaning = "cannot reach the service";
  } else if (c == "gone") {
    meaning = "the node has moved";
  } else if (is_owner_op(op)) {
    meaning = "the owner request failed";
  } else {
    meaning = "the request failed";
  }
  out.message = meaning + " (" + condition_and_text(error, pubsub_cond) + ")";
  return out;
}

}  // namespace xmpp::pubsub
