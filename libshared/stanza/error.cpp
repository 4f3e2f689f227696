#include "stanza/error.hpp"

#include <array>
#include <utility>

#include "stanza/namespaces.hpp"

namespace xmpp::stanza {
namespace {

// RFC 6120 §8.3.3: each defined condition with the type its examples use.
constexpr std::array<std::pair<std::string_view, ErrorType>, 22> k_stanza_conditions{{
    {"bad-request", ErrorType::modify},
    {"conflict", ErrorType::cancel},
    {"feature-not-implemented", ErrorType::cancel},
    {"forbidden", ErrorType::auth},
    {"gone", ErrorType::cancel},
    {"internal-server-error", ErrorType::cancel},
    {"item-not-found", ErrorType::cancel},
    {"jid-malformed", ErrorType::modify},
    {"not-acceptable", ErrorType::modify},
    {"not-allowed", ErrorType::cancel},
    {"not-authorized", ErrorType::auth},
    {"policy-violation", ErrorType::modify},
    {"recipient-unavailable", ErrorType::wait},
    {"redirect", ErrorType::modify},
    {"registration-required", ErrorType::auth},
    {"remote-server-not-found", ErrorType::cancel},
    {"remote-server-timeout", ErrorType::wait},
    {"resource-constraint", ErrorType::wait},
    {"service-unavailable", ErrorType::cancel},
    {"subscription-required", ErrorType::auth},
    {"undefined-condition", ErrorType::cancel},
    {"unexpected-request", ErrorType::wait},
}};

}  // namespace

std::string_view to_string(ErrorType type) {
  switch (type) {
  case ErrorType::auth:
    return "auth";
  case ErrorType::cancel:
    return "cancel";
  case ErrorType::continue_:
    return "continue";
  case ErrorType::modify:
    return "modify";
  case ErrorType::wait:
    return "wait";
  }
  return "cancel";
}

std::optional<ErrorType> parse_error_type(std::string_view text) {
  if (text == "auth") return ErrorType::auth;
  if (text == "cancel") return ErrorType::cancel;
  if (text == "continue") return ErrorType::continue_;
  if (text == "modify") return ErrorType::modify;
  if (text == "wait") return ErrorType::wait;
  return std::nullopt;
}

bool is_stanza_condition(std::string_view condition) {
  for (const auto& [name, type] : k_stanza_conditions)
    if (name == condition) return true;
  return false;
}

ErrorType default_type(std::string_view condition) {
  for (const auto& [name, type] : k_stanza_conditions)
    if (name == condition) return type;
  return ErrorType::cancel;
}

StanzaError make_stanza_error(std::string condition, std::string text) {
  StanzaError e;
  e.type = default_type(condition);
  e.condition = std::move(condition);
  e.text = std::move(text);
  return e;
}

StanzaError parse_stanza_error(const xml::Element& stanza) {
  StanzaError out;
  const xml::Element* error = stanza.child("error", k_ns_client);
  if (!error) return out;
  out.type = parse_error_type(error->attr("type").value_or("")).value_or(ErrorType::cancel);
  out.by = error->attr("by").value_or("");
  bool have_condition = false;
  for (const xml::Element* child : error->elements()) {
    if (child->ns() == k_ns_stanzas) {
      if (child->name() == "text") {
        if (out.text.empty()) out.text = child->text();
      } else if (!have_condition) {
        have_condition = true;
        // RFC 6120 §8.3.2: a condition the receiver does not understand is treated as
        // undefined-condition; this keeps `condition` inside the closed set scripts rely on.
        out.condition = is_stanza_condition(child->name()) ? child->name() : "undefined-condition";
        if (child->name() == "gone" || child->name() == "redirect") out.alternate = child->text();
      }
    } else if (!out.application) {
      out.application = *child;
    }
  }
  return out;
}

xml::Element make_error_element(const StanzaError& error) {
  xml::Element e("error", std::string(k_ns_client));
  e.set_attr("type", std::string(to_string(error.type)));
  if (!error.by.empty()) e.set_attr("by", error.by);
  xml::Element condition(error.condition, std::string(k_ns_stanzas));
  if (!error.alternate.empty()) condition.add_text(error.alternate);
  e.add_child(std::move(condition));
  if (!error.text.empty()) {
    xml::Element text("text", std::string(k_ns_stanzas));
    text.set_attr_ns(std::string(xml::k_ns_xml), "lang", "en");
    text.add_text(error.text);
    e.add_child(std::move(text));
  }
  if (error.application) e.add_child(*error.application);
  return e;
}

Error to_error(const xml::Element& error_stanza, std::string_view context) {
  const StanzaError parsed = parse_stanza_error(error_stanza);
  std::string message;
  if (!context.empty()) message.append(context).append(": ");
  message += parsed.condition;
  if (!error_stanza.child("error", k_ns_client))
    message += " (error reply without an <error/> element)";
  if (!parsed.text.empty()) message += " (" + parsed.text + ")";
  return make_error(ErrorKind::remote, "stanza_error", parsed.condition, std::move(message));
}

}  // namespace xmpp::stanza
