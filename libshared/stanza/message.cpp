#include "stanza/message.hpp"

#include "stanza/namespaces.hpp"

namespace xmpp::stanza {

std::string_view to_string(MessageType type) {
  switch (type) {
  case MessageType::chat:
    return "chat";
  case MessageType::error:
    return "error";
  case MessageType::groupchat:
    return "groupchat";
  case MessageType::headline:
    return "headline";
  case MessageType::normal:
    return "normal";
  }
  return "normal";
}

std::optional<MessageType> parse_message_type(std::string_view text) {
  if (text == "chat") return MessageType::chat;
  if (text == "error") return MessageType::error;
  if (text == "groupchat") return MessageType::groupchat;
  if (text == "headline") return MessageType::headline;
  if (text == "normal") return MessageType::normal;
  return std::nullopt;
}

bool is_message(const xml::Element& e) {
  return e.is("message", k_ns_client);
}

MessageType message_type(const xml::Element& message) {
  return parse_message_type(message.attr("type").value_or("normal")).value_or(MessageType::normal);
}

xml::Element make_message(std::string to, MessageType type, std::string body, std::string id) {
  xml::Element m("message", std::string(k_ns_client));
  if (!to.empty()) m.set_attr("to", std::move(to));
  m.set_attr("type", std::string(to_string(type)));
  if (!id.empty()) m.set_attr("id", std::move(id));
  if (!body.empty()) {
    xml::Element b("body", std::string(k_ns_client));
    b.add_text(std::move(body));
    m.add_child(std::move(b));
  }
  return m;
}

std::optional<std::string> message_body(const xml::Element& message) {
  const auto bodies = message.children("body", k_ns_client);
  for (const xml::Element* b : bodies)
    if (!b->attr_ns(xml::k_ns_xml, "lang")) return b->text();
  if (!bodies.empty()) return bodies.front()->text();
  return std::nullopt;
}

}  // namespace xmpp::stanza
