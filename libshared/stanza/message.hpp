// Message stanzas (RFC 6121 §5): types, a builder for the common case, and the body accessor.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "xml/element.hpp"

namespace xmpp::stanza {

/// RFC 6121 §5.2.2 message types; a missing or unknown type is 'normal' (§5.2.2).
enum class MessageType { chat, error, groupchat, headline, normal };

std::string_view to_string(MessageType type);
std::optional<MessageType> parse_message_type(std::string_view text);

bool is_message(const xml::Element& e);
/// The message's type with RFC 6121 §5.2.2 defaulting (absent or unknown -> normal).
MessageType message_type(const xml::Element& message);

/// <message to=TO type=TYPE [id=ID]><body>BODY</body></message>; an empty body adds no <body/>.
/// Callers validate `body` with xml::is_xml_text first (the writer throws on invalid text).
xml::Element make_message(std::string to, MessageType type, std::string body, std::string id = {});

/// Text of the first <body/> without xml:lang or, failing that, the first <body/>.
std::optional<std::string> message_body(const xml::Element& message);

}  // namespace xmpp::stanza
