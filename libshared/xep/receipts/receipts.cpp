#include "xep/receipts/receipts.hpp"

#include "core/random.hpp"
#include "stanza/message.hpp"
#include "stanza/namespaces.hpp"

namespace xmpp::receipts {

xml::Element make_request() {
  return xml::Element("request", std::string(k_ns));
}

bool has_request(const xml::Element& message) {
  return message.child("request", k_ns) != nullptr;
}

std::optional<std::string> received_id(const xml::Element& message) {
  const auto* received = message.child("received", k_ns);
  if (received == nullptr) return std::nullopt;
  auto id = received->attr("id");
  if (!id || id->empty()) return std::nullopt;
  return id;
}

std::optional<xml::Element> make_receipt(const xml::Element& message) {
  if (!stanza::is_message(message) || !has_request(message)) return std::nullopt;
  // §4.4: an ack never carries a request, and a request on an ack is never answered (loops).
  if (message.child("received", k_ns) != nullptr) return std::nullopt;
  const auto type = stanza::message_type(message);
  if (type == stanza::MessageType::error || type == stanza::MessageType::groupchat)
    return std::nullopt;
  const auto id = message.attr("id");
  const auto from = message.attr("from");
  if (!id || id->empty() || !from || from->empty()) return std::nullopt;

  xml::Element ack("message", std::string(stanza::k_ns_client));
  ack.set_attr("to", *from);
  ack.set_attr("id", random_id());
  if (message.attr("type")) ack.set_attr("type", std::string(stanza::to_string(type)));
  xml::Element received("received", std::string(k_ns));
  received.set_attr("id", *id);
  ack.add_child(std::move(received));
  return ack;
}

}  // namespace xmpp::receipts
