#include "pubsub_report.hpp"

#include <algorithm>
#include <ostream>

#include "form_report.hpp"
#include "output.hpp"
#include "xep/pubsub/payloads.hpp"
#include "xep/time/time.hpp"
#include "xml/writer.hpp"

namespace xmpp::cli {
namespace {

using Json = nlohmann::ordered_json;

Json id_or_null(const std::string& id) {
  return id.empty() ? Json(nullptr) : Json(id);
}

/// The payload serialised by our writer; a payload the writer cannot write (it came from the
/// parser, so it can) would be a bug, reported as null rather than thrown.
std::optional<std::string> payload_xml(const pubsub::Item& item) {
  if (!item.payload) return std::nullopt;
  try {
    return xml::to_string(*item.payload);
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
}

Json atom_json(const xml::Element& payload) {
  auto entry = pubsub::parse_atom_entry(payload);
  if (!entry) return nullptr;
  Json out;
  out["title"] = entry->title;
  out["link"] = or_null(entry->link);
  out["summary"] = or_null(entry->summary);
  out["id"] = entry->id;
  out["updated"] = time::format_utc(entry->updated);
  return out;
}

Json geoloc_json(const xml::Element& payload) {
  auto geoloc = pubsub::parse_geoloc(payload);
  if (!geoloc) return nullptr;
  Json out;
  out["lat"] = geoloc->lat;
  out["lon"] = geoloc->lon;
  out["accuracy"] = or_null(geoloc->accuracy);
  out["text"] = or_null(geoloc->text);
  return out;
}

std::string values_text(const std::vector<std::string>& values) {
  if (values.empty()) return "(empty)";
  std::string out;
  for (const auto& value : values) {
    if (!out.empty()) out += ", ";
    out += escape_terminal(value);
  }
  return out;
}

std::string where(const std::string& node, const std::string& service) {
  return "node " + escape_terminal(node) + " at " + escape_terminal(service);
}

}  // namespace

Json item_json(const pubsub::Item& item) {
  Json out;
  out["id"] = id_or_null(item.id);
  out["publisher"] = or_null(item.publisher);
  out["payload"] = or_null(payload_xml(item));
  const xml::Element* p = item.payload ? &*item.payload : nullptr;
  out["text"] = p ? or_null(pubsub::text_of(*p)) : Json(nullptr);
  out["json"] = p ? or_null(pubsub::json_of(*p)) : Json(nullptr);
  out["atom"] = p ? atom_json(*p) : Json(nullptr);
  out["geoloc"] = p ? geoloc_json(*p) : Json(nullptr);
  return out;
}

std::string payload_text(const pubsub::Item& item, bool raw) {
  if (!item.payload) return raw ? std::string() : "(no payload)";
  std::optional<std::string> text = pubsub::text_of(*item.payload);
  if (!text) text = pubsub::json_of(*item.payload);
  if (!text) text = payload_xml(item);
  if (!text) return raw ? std::string() : "(no payload)";
  return raw ? *text : escape_terminal(*text, true);
}

// ---- nodes, info --------------------------------------------------------------------------------

Json PubsubNodesReport::to_json() const {
  Json out;
  out["service"] = service;
  out["parent"] = or_null(parent);
  Json list = Json::array();
  for (const auto& item : nodes) {
    Json n;
    n["node"] = item.node.value_or("");
    n["name"] = or_null(item.name);
    n["jid"] = item.jid.str();
    list.push_back(std::move(n));
  }
  out["nodes"] = std::move(list);
  return out;
}

void PubsubNodesReport::print_human(std::ostream& out) const {
  if (nodes.empty()) {
    out << "no nodes at " << escape_terminal(service)
        << (parent ? " under " + escape_terminal(*parent) : std::string()) << '\n';
    return;
  }
  std::size_t width = 0;
  for (const auto& item : nodes)
    width = std::max(width, escape_terminal(item.node.value_or("")).size());
  for (const auto& item : nodes) {
    const std::string name = escape_terminal(item.node.value_or(""));
    out << name;
    if (item.name && !item.name->empty())
      out << std::string(width - name.size() + 2, ' ') << escape_terminal(*item.name);
    out << '\n';
  }
}

Json PubsubInfoReport::to_json() const {
  Json out;
  out["service"] = service;
  out["node"] = node;
  out["type"] = info.node_type;
  Json identities = Json::array();
  for (const auto& id : info.info.identities) {
    Json i;
    i["category"] = id.category;
    i["type"] = id.type;
    i["name"] = or_null(id.name);
    identities.push_back(std::move(i));
  }
  out["identities"] = std::move(identities);
  out["features"] = info.info.features;
  out["meta_data"] = info.meta_data ? form_json(*info.meta_data) : Json(nullptr);
  return out;
}

void PubsubInfoReport::print_human(std::ostream& out) const {
  out << where(node, service) << ": "
      << (info.node_type.empty() ? std::string("no pubsub identity") : info.node_type + " node")
      << '\n';
  for (const auto& id : info.info.identities) {
    out << "  identity " << escape_terminal(id.category) << '/' << escape_terminal(id.type);
    if (id.name) out << "  " << escape_terminal(*id.name);
    out << '\n';
  }
  for (const auto& feature : info.info.features)
    out << "  feature " << escape_terminal(feature) << '\n';
  if (info.meta_data) {
    out << '\n';
    print_form(out, *info.meta_data);
  }
}

// ---- create, configure, delete, purge -----------------------------------------------------------

Json PubsubCreateReport::to_json() const {
  Json out;
  out["service"] = service;
  out["node"] = node;
  Json values = Json::object();
  for (const auto& answer : config) {
    if (answer.values.size() == 1)
      values[answer.var] = answer.values.front();
    else
      values[answer.var] = answer.values;
  }
  out["config"] = std::move(values);
  return out;
}

void PubsubCreateReport::print_human(std::ostream& out) const {
  out << "created " << where(node, service) << '\n';
  for (const auto& answer : config)
    out << "  " << escape_terminal(answer.var) << ": " << values_text(answer.values) << '\n';
}

Json PubsubConfigFormReport::to_json() const {
  Json out;
  out["service"] = service;
  out["node"] = node;
  out["form"] = form_json(form);
  return out;
}

void PubsubConfigFormReport::print_human(std::ostream& out) const {
  print_form(out, form);
}

Json PubsubConfigChangeReport::to_json() const {
  Json out;
  out["service"] = service;
  out["node"] = node;
  Json list = Json::array();
  for (const auto& change : changes) {
    Json c;
    c["var"] = change.var;
    c["label"] = or_null(change.label);
    // A secret's values are never shown (SECURITY.md: text-private).
    c["before"] = change.secret ? Json::array() : Json(change.before);
    c["after"] = change.secret ? Json::array() : Json(change.after);
    list.push_back(std::move(c));
  }
  out["changes"] = std::move(list);
  return out;
}

void PubsubConfigChangeReport::print_human(std::ostream& out) const {
  if (changes.empty()) {
    out << where(node, service) << ": nothing changed\n";
    return;
  }
  out << "configured " << where(node, service) << '\n';
  for (const auto& change : changes) {
    out << "  " << escape_terminal(change.var) << ": ";
    if (change.secret)
      out << "(secret changed)";
    else
      out << values_text(change.before) << " -> " << values_text(change.after);
    out << '\n';
  }
}

Json PubsubNodeDoneReport::to_json() const {
  Json out;
  out["service"] = service;
  out["node"] = node;
  return out;
}

void PubsubNodeDoneReport::print_human(std::ostream& out) const {
  out << verb << ' ' << where(node, service) << '\n';
}

// ---- publish, items, retract --------------------------------------------------------------------

Json PubsubPublishReport::to_json() const {
  Json out;
  out["service"] = service;
  out["node"] = node;
  out["id"] = id_or_null(id);
  out["created"] = created;
  return out;
}

void PubsubPublishReport::print_human(std::ostream& out) const {
  out << "published item " << (id.empty() ? std::string("(no id)") : escape_terminal(id)) << " to "
      << where(node, service) << (created ? " (created the node)" : "") << '\n';
}

Json PubsubItemsReport::to_json() const {
  Json out;
  out["service"] = service;
  out["node"] = node;
  out["complete"] = complete;
  Json list = Json::array();
  for (const auto& item : items)
    list.push_back(item_json(item));
  out["items"] = std::move(list);
  return out;
}

void PubsubItemsReport::print_human(std::ostream& out) const {
  if (quiet) {
    // xmpp-pubsub(1): the bytes as published, for scripts (`items S N --id X -q > file`).
    for (const auto& item : items)
      out << payload_text(item, true) << '\n';
    return;
  }
  for (const auto& item : items) {
    out << "item " << (item.id.empty() ? std::string("(no id)") : escape_terminal(item.id));
    if (item.publisher) out << " by " << escape_terminal(*item.publisher);
    out << '\n' << payload_text(item, false) << "\n\n";
  }
  if (!complete) out << "(the service stopped paging: the list may be incomplete)\n";
}

Json PubsubRetractReport::to_json() const {
  Json out;
  out["service"] = service;
  out["node"] = node;
  out["retracted"] = retracted;
  return out;
}

void PubsubRetractReport::print_human(std::ostream& out) const {
  for (const auto& id : retracted)
    out << "retracted item " << escape_terminal(id) << " from " << where(node, service) << '\n';
}

// ---- subscriptions, affiliations ----------------------------------------------------------------

Json PubsubSubscribeReport::to_json() const {
  Json out;
  out["service"] = service;
  out["node"] = node;
  out["jid"] = subscription.jid.str();
  out["subscription"] = std::string(pubsub::to_string(subscription.state));
  out["subid"] = or_null(subscription.subid);
  return out;
}

void PubsubSubscribeReport::print_human(std::ostream& out) const {
  out << escape_terminal(subscription.jid.str()) << ' ';
  switch (subscription.state) {
  case pubsub::SubState::pending:
    out << "asked to subscribe to " << where(node, service) << "; the owner must approve (pending)";
    break;
  case pubsub::SubState::unconfigured:
    out << "subscribed to " << where(node, service)
        << ", but the subscription must be configured first (unconfigured)";
    break;
  default:
    out << "subscribed to " << where(node, service);
    break;
  }
  if (subscription.subid) out << " (subid " << escape_terminal(*subscription.subid) << ')';
  out << '\n';
}

Json PubsubUnsubscribeReport::to_json() const {
  Json out;
  out["service"] = service;
  out["node"] = node;
  out["jid"] = jid;
  return out;
}

void PubsubUnsubscribeReport::print_human(std::ostream& out) const {
  out << escape_terminal(jid) << " unsubscribed from " << where(node, service) << '\n';
}

Json PubsubSubscriptionsReport::to_json() const {
  Json out;
  out["service"] = service;
  out["node"] = or_null(node);
  out["owner"] = owner;
  Json list = Json::array();
  for (const auto& sub : subscriptions) {
    Json s;
    s["node"] = !sub.node.empty() ? Json(sub.node) : or_null(node);
    s["jid"] = sub.jid.str();
    s["subscription"] = std::string(pubsub::to_string(sub.state));
    s["subid"] = or_null(sub.subid);
    list.push_back(std::move(s));
  }
  out["subscriptions"] = std::move(list);
  return out;
}

void PubsubSubscriptionsReport::print_human(std::ostream& out) const {
  if (subscriptions.empty()) {
    out << "no subscriptions at " << (node ? where(*node, service) : escape_terminal(service))
        << '\n';
    return;
  }
  for (const auto& sub : subscriptions) {
    const std::string n = !sub.node.empty() ? sub.node : node.value_or("");
    out << escape_terminal(n) << "  " << escape_terminal(sub.jid.str()) << "  "
        << pubsub::to_string(sub.state);
    if (sub.subid) out << "  subid " << escape_terminal(*sub.subid);
    out << '\n';
  }
}

Json PubsubAffiliationsReport::to_json() const {
  Json out;
  out["service"] = service;
  out["node"] = or_null(node);
  out["owner"] = owner;
  Json list = Json::array();
  for (const auto& entry : affiliations) {
    Json a;
    a["node"] = !entry.node.empty() ? Json(entry.node) : or_null(node);
    a["jid"] = entry.jid ? Json(entry.jid->str()) : Json(nullptr);
    a["affiliation"] = std::string(pubsub::to_string(entry.affiliation));
    list.push_back(std::move(a));
  }
  out["affiliations"] = std::move(list);
  return out;
}

void PubsubAffiliationsReport::print_human(std::ostream& out) const {
  if (affiliations.empty()) {
    out << "no affiliations at " << (node ? where(*node, service) : escape_terminal(service))
        << '\n';
    return;
  }
  for (const auto& entry : affiliations) {
    const std::string n = !entry.node.empty() ? entry.node : node.value_or("");
    if (owner)
      out << (entry.jid ? escape_terminal(entry.jid->str()) : std::string("?")) << "  ";
    else
      out << escape_terminal(n) << "  ";
    out << pubsub::to_string(entry.affiliation) << '\n';
  }
}

Json PubsubAffiliationsSetReport::to_json() const {
  Json out;
  out["service"] = service;
  out["node"] = node;
  Json list = Json::array();
  for (const auto& change : set) {
    Json c;
    c["jid"] = change.jid.str();
    c["affiliation"] = std::string(pubsub::to_string(change.affiliation));
    list.push_back(std::move(c));
  }
  out["set"] = std::move(list);
  return out;
}

void PubsubAffiliationsSetReport::print_human(std::ostream& out) const {
  for (const auto& change : set)
    out << escape_terminal(change.jid.str()) << " is now " << pubsub::to_string(change.affiliation)
        << " of " << where(node, service) << '\n';
}

// ---- listen -------------------------------------------------------------------------------------

Json event_json(const std::string& service, const pubsub::Event& event) {
  const bool item_event =
      event.kind == pubsub::EventKind::published || event.kind == pubsub::EventKind::retracted;
  const Json item = event.kind == pubsub::EventKind::published ? item_json(event.item) : Json();
  Json out;
  out["event"] = std::string(pubsub::to_string(event.kind));
  out["service"] = service;
  out["node"] = event.node;
  out["id"] = item_event ? id_or_null(event.item.id) : Json(nullptr);
  out["publisher"] = item.is_null() ? Json(nullptr) : item["publisher"];
  out["payload"] = item.is_null() ? Json(nullptr) : item["payload"];
  out["text"] = item.is_null() ? Json(nullptr) : item["text"];
  out["json"] = item.is_null() ? Json(nullptr) : item["json"];
  out["redirect"] = or_null(event.redirect);
  out["delayed"] = event.delayed ? Json(time::format_utc(*event.delayed)) : Json(nullptr);
  return out;
}

std::string event_line(const pubsub::Event& event) {
  const std::string id =
      event.item.id.empty() ? std::string("(no id)") : escape_terminal(event.item.id);
  switch (event.kind) {
  case pubsub::EventKind::published:
    return "published " + id + ": " + payload_text(event.item, false);
  case pubsub::EventKind::retracted:
    return "retracted " + id;
  case pubsub::EventKind::purged:
    return "purged";
  case pubsub::EventKind::deleted:
    return event.redirect ? "deleted -> " + escape_terminal(*event.redirect) : "deleted";
  case pubsub::EventKind::configured:
    return "configured";
  }
  return "configured";
}

}  // namespace xmpp::cli
