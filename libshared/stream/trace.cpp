#include "stream/trace.hpp"

#include <stdexcept>

#include "stanza/namespaces.hpp"
#include "stream/namespaces.hpp"
#include "xml/writer.hpp"

namespace xmpp::stream {
namespace {

constexpr std::string_view k_ns_register = "jabber:iq:register";
constexpr std::string_view k_ns_data = "jabber:x:data";

void replace_text(xml::Element& e) {
  bool had = false;
  auto& nodes = e.nodes();
  for (auto it = nodes.begin(); it != nodes.end();) {
    if (it->is_text()) {
      had = true;
      it = nodes.erase(it);
    } else {
      ++it;
    }
  }
  if (had) e.add_text(std::string(k_redacted));
}

// Elements whose whole content is a secret, at any depth.
bool is_secret(const xml::Element& e, const xml::Element* parent) {
  if (e.ns() == k_ns_sasl)
    return e.name() == "auth" || e.name() == "response" || e.name() == "challenge" ||
           e.name() == "success";
  if (e.ns() == k_ns_sasl2)
    return e.name() == "initial-response" || e.name() == "response" || e.name() == "challenge" ||
           e.name() == "additional-data";
  if (e.is("password", k_ns_register)) return true;
  if (e.is("value", k_ns_data) && parent && parent->is("field", k_ns_data))
    return parent->attr("type") == "text-private";
  return false;
}

void redact_in_place(xml::Element& e, const xml::Element* parent) {
  if (is_secret(e, parent)) {
    replace_text(e);
    return;
  }
  for (auto& node : e.nodes())
    if (!node.is_text()) redact_in_place(node.element(), &e);
}

std::string attr(std::string_view name, const std::string& value) {
  if (value.empty()) return {};
  return " " + std::string(name) + "='" + xml::escape_attr(value) + "'";
}

}  // namespace

xml::Element redact(const xml::Element& e) {
  xml::Element copy = e;
  redact_in_place(copy, nullptr);
  return copy;
}

std::string trace_text(const xml::Element& e) {
  try {
    return xml::to_string(redact(e), stanza::k_ns_client);
  } catch (const std::invalid_argument&) {
    return "[element with text XML cannot carry]";
  }
}

std::string trace_text(const xml::StreamHeader& h) {
  return "<stream:stream" + attr("from", h.from) + attr("to", h.to) + attr("id", h.id) +
         attr("version", h.version) + attr("xml:lang", h.lang) + ">";
}

}  // namespace xmpp::stream
