#include "stanza/presence.hpp"

#include "stanza/namespaces.hpp"

namespace xmpp::stanza {

std::string_view to_string(PresenceType type) {
  switch (type) {
  case PresenceType::available:
    return "";
  case PresenceType::unavailable:
    return "unavailable";
  case PresenceType::subscribe:
    return "subscribe";
  case PresenceType::subscribed:
    return "subscribed";
  case PresenceType::unsubscribe:
    return "unsubscribe";
  case PresenceType::unsubscribed:
    return "unsubscribed";
  case PresenceType::probe:
    return "probe";
  case PresenceType::error:
    return "error";
  }
  return "";
}

std::optional<PresenceType> parse_presence_type(std::string_view text) {
  for (auto t : {PresenceType::available, PresenceType::unavailable, PresenceType::subscribe,
                 PresenceType::subscribed, PresenceType::unsubscribe, PresenceType::unsubscribed,
                 PresenceType::probe, PresenceType::error})
    if (to_string(t) == text) return t;
  return std::nullopt;
}

bool is_presence(const xml::Element& e) {
  return e.is("presence", k_ns_client);
}

std::optional<PresenceType> presence_type(const xml::Element& presence) {
  return parse_presence_type(presence.attr("type").value_or(""));
}

xml::Element make_presence(PresenceType type, std::string to) {
  xml::Element p("presence", std::string(k_ns_client));
  if (!to.empty()) p.set_attr("to", std::move(to));
  if (type != PresenceType::available) p.set_attr("type", std::string(to_string(type)));
  return p;
}

}  // namespace xmpp::stanza
