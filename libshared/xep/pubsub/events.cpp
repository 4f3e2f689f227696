#include "xep/pubsub/events.hpp"

#include <utility>

#include "stanza/message.hpp"
#include "stanza/namespaces.hpp"
#include "xep/delay/delay.hpp"

namespace xmpp::pubsub {
namespace {

tl::unexpected<Error> bad_event(std::string message) {
  return fail(ErrorKind::protocol, "bad_event", "", std::move(message));
}

std::vector<std::string> subids_of(const xml::Element& message) {
  std::vector<std::string> out;
  if (const auto* headers = message.child("headers", k_ns_shim))
    for (const auto* header : headers->children("header", k_ns_shim))
      if (header->attr("name") == "SubID") out.push_back(header->text());
  return out;
}

}  // namespace

std::string_view to_string(EventKind kind) {
  switch (kind) {
    case EventKind::published:
      return "published";
    case EventKind::retracted:
      return "retracted";
    case EventKind::purged:
      return "purged";
    case EventKind::deleted:
      return "deleted";
    case EventKind::configured:
      return "configured";
  }
  return "published";
}

bool is_event(const xml::Element& message) {
  return stanza::is_message(message) && message.child("event", k_ns_event) != nullptr;
}

bool is_from_service(const xml::Element& message, const Service& service, const Jid& own) {
  const auto from = message.attr("from");
  const bool own_pep = !service || (service->is_bare() && is_same_bare(*service, own) &&
                                    service->has_local());
  if (!from) return own_pep;  // RFC 6120 §8.1.2.1: no 'from' = our own account
  const auto sender = Jid::parse(*from);
  if (!sender) return false;
  // XEP-0163 §4.3.1: PEP notifications come from the account's bare JID; CVE-2023-28686 was a
  // client that took a forged bookmarks event from elsewhere.
  if (own_pep) return sender->is_bare() && is_same_bare(*sender, own);
  return *sender == *service;
}

Result<std::vector<Event>> parse_event(const xml::Element& message) {
  const auto* event = message.child("event", k_ns_event);
  if (event == nullptr) return bad_event("no pubsub <event/> in the message");
  std::optional<time::Timestamp> delayed;
  if (const auto d = delay::parse_delay(message)) delayed = d->stamp;
  const auto subids = subids_of(message);
  std::vector<Event> out;
  auto add = [&](EventKind kind, std::string node) -> Event& {
    Event e;
    e.kind = kind;
    e.node = std::move(node);
    e.delayed = delayed;
    e.subids = subids;
    out.push_back(std::move(e));
    return out.back();
  };
  for (const auto* child : event->elements()) {
    if (child->ns() != k_ns_event) continue;
    const auto node = child->attr("node");
    const std::string& name = child->name();
    const bool known =
        name == "items" || name == "purge" || name == "delete" || name == "configuration";
    if (!known) continue;
    // §7.1.2.1, §8.4.2, §8.5.2: each of these names its node.
    if (!node || node->empty()) return bad_event("a pubsub <" + name + "/> event without a node");
    if (name == "items") {
      for (const auto* e : child->elements()) {
        if (e->is("item", k_ns_event)) {
          add(EventKind::published, *node).item = parse_item(*e);
        } else if (e->is("retract", k_ns_event)) {
          auto id = e->attr("id");
          if (!id || id->empty()) return bad_event("a <retract/> without an id at node " + *node);
          add(EventKind::retracted, *node).item.id = std::move(*id);
        }
      }
    } else if (name == "purge") {
      add(EventKind::purged, *node);
    } else if (name == "delete") {
      auto& e = add(EventKind::deleted, *node);
      if (const auto* redirect = child->child("redirect", k_ns_event))
        e.redirect = redirect->attr("uri");
    } else {
      auto& e = add(EventKind::configured, *node);
      if (const auto* x = forms::find(*child)) {
        auto form = forms::parse(*x);
        if (!form) return fail(form.error());
        e.config = std::move(*form);
      }
    }
  }
  return out;
}

xml::Element make_event_message(const Event& event) {
  xml::Element message("message", std::string(stanza::k_ns_client));
  auto& e = message.add_child(xml::element("event", k_ns_event));
  auto with_node = [&](std::string_view name) -> xml::Element& {
    auto& child = e.add_child(xml::element(name, k_ns_event));
    child.set_attr("node", event.node);
    return child;
  };
  switch (event.kind) {
    case EventKind::published: {
      auto& item = with_node("items").add_child(xml::element("item", k_ns_event));
      if (!event.item.id.empty()) item.set_attr("id", event.item.id);
      if (event.item.publisher) item.set_attr("publisher", *event.item.publisher);
      if (event.item.payload) item.add_child(*event.item.payload);
      break;
    }
    case EventKind::retracted:
      with_node("items").add_child(xml::element("retract", k_ns_event)).set_attr("id", event.item.id);
      break;
    case EventKind::purged:
      with_node("purge");
      break;
    case EventKind::deleted: {
      auto& del = with_node("delete");
      if (event.redirect) del.add_child(xml::element("redirect", k_ns_event)).set_attr("uri", *event.redirect);
      break;
    }
    case EventKind::configured: {
      auto& conf = with_node("configuration");
      if (event.config) conf.add_child(forms::to_element(*event.config));
      break;
    }
  }
  if (!event.subids.empty()) {
    auto& headers = message.add_child(xml::element("headers", k_ns_shim));
    for (const auto& subid : event.subids) {
      auto& header = headers.add_child(xml::element("header", k_ns_shim));
      header.set_attr("name", "SubID");
      header.add_text(subid);
    }
  }
  return message;
}

}  // namespace xmpp::pubsub
