#include "xep/roster/subscription.hpp"

#include "core/random.hpp"
#include "stanza/namespaces.hpp"

namespace xmpp::roster {

std::string_view to_string(SubscriptionAction action) {
  switch (action) {
  case SubscriptionAction::subscribe:
    return "subscribe";
  case SubscriptionAction::unsubscribe:
    return "unsubscribe";
  case SubscriptionAction::approve:
    return "approve";
  case SubscriptionAction::deny:
    return "deny";
  }
  return "subscribe";
}

stanza::PresenceType presence_type_of(SubscriptionAction action) {
  switch (action) {
  case SubscriptionAction::subscribe:
    return stanza::PresenceType::subscribe;
  case SubscriptionAction::unsubscribe:
    return stanza::PresenceType::unsubscribe;
  case SubscriptionAction::approve:
    return stanza::PresenceType::subscribed;
  case SubscriptionAction::deny:
    return stanza::PresenceType::unsubscribed;
  }
  return stanza::PresenceType::subscribe;
}

xml::Element make_request(const Jid& contact, SubscriptionAction action,
                          std::optional<std::string> status, std::string id) {
  // §3.1.1, §3.1.4, §3.2.1, §3.3.1: the 'to' of every subscription stanza is a bare JID.
  auto p = stanza::make_presence(presence_type_of(action), contact.bare_str());
  p.set_attr("id", id.empty() ? random_id() : std::move(id));
  if (status && !status->empty()) {
    xml::Element s("status", std::string(stanza::k_ns_client));
    s.add_text(std::move(*status));
    p.add_child(std::move(s));
  }
  return p;
}

Result<InboundRequest> parse_inbound_request(const xml::Element& presence) {
  if (!stanza::is_presence(presence) ||
      stanza::presence_type(presence) != stanza::PresenceType::subscribe)
    return fail(ErrorKind::protocol, "bad_request", "",
                "not a subscription request (presence of type subscribe)");
  const auto from = presence.attr("from");
  if (!from)
    return fail(ErrorKind::protocol, "bad_request", "", "subscription request without 'from'");
  auto sender = Jid::parse(*from);
  if (!sender)
    return fail(ErrorKind::protocol, "bad_request", "",
                "subscription request from an invalid address: " + sender.error().message);
  InboundRequest request;
  // §3.1.3: the server stamps the requester's bare JID; a full one is reduced to it.
  request.from = sender->bare();
  if (auto status = presence.child_text("status", stanza::k_ns_client); status && !status->empty())
    request.status = std::move(*status);
  // XEP-0172 §4.1: the requester's own nickname for itself. An empty one says nothing.
  if (auto nick = presence.child_text("nick", k_ns_nick); nick && !nick->empty())
    request.nick = std::move(*nick);
  return request;
}

}  // namespace xmpp::roster
