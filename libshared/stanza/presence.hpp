// Presence stanzas (RFC 6121 §4, §3 subscriptions): types and a builder.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "xml/element.hpp"

namespace xmpp::stanza {

/// RFC 6121 presence types; `available` is the absent type attribute.
enum class PresenceType {
  available,
  unavailable,
  subscribe,
  subscribed,
  unsubscribe,
  unsubscribed,
  probe,
  error
};

std::string_view to_string(PresenceType type);
std::optional<PresenceType> parse_presence_type(std::string_view text);

bool is_presence(const xml::Element& e);
/// The presence type; nullopt for an unknown type value (such a stanza is to be ignored).
std::optional<PresenceType> presence_type(const xml::Element& presence);

/// <presence [to=TO] [type=TYPE]/> (no type attribute for `available`).
xml::Element make_presence(PresenceType type = PresenceType::available, std::string to = {});

}  // namespace xmpp::stanza
