#include "stanza/iq.hpp"

#include "stanza/namespaces.hpp"

namespace xmpp::stanza {

std::string_view to_string(IqType type) {
  switch (type) {
  case IqType::get:
    return "get";
  case IqType::set:
    return "set";
  case IqType::result:
    return "result";
  case IqType::error:
    return "error";
  }
  return "get";
}

std::optional<IqType> parse_iq_type(std::string_view text) {
  if (text == "get") return IqType::get;
  if (text == "set") return IqType::set;
  if (text == "result") return IqType::result;
  if (text == "error") return IqType::error;
  return std::nullopt;
}

bool is_iq(const xml::Element& e) {
  return e.is("iq", k_ns_client);
}

std::optional<IqType> iq_type(const xml::Element& iq) {
  auto t = iq.attr("type");
  if (!t) return std::nullopt;
  return parse_iq_type(*t);
}

xml::Element make_iq(IqType type, std::string to, std::optional<xml::Element> payload,
                     std::string id) {
  xml::Element iq("iq", std::string(k_ns_client));
  iq.set_attr("type", std::string(to_string(type)));
  if (!to.empty()) iq.set_attr("to", std::move(to));
  if (!id.empty()) iq.set_attr("id", std::move(id));
  if (payload) iq.add_child(std::move(*payload));
  return iq;
}

xml::Element make_result(const xml::Element& request, std::optional<xml::Element> payload) {
  xml::Element iq("iq", std::string(k_ns_client));
  iq.set_attr("type", "result");
  if (auto id = request.attr("id")) iq.set_attr("id", *id);
  if (auto from = request.attr("from")) iq.set_attr("to", *from);
  if (payload) iq.add_child(std::move(*payload));
  return iq;
}

xml::Element make_error_reply(const xml::Element& request, const StanzaError& error) {
  xml::Element reply(request.name(), std::string(k_ns_client));
  reply.set_attr("type", "error");
  if (auto id = request.attr("id")) reply.set_attr("id", *id);
  if (auto from = request.attr("from")) reply.set_attr("to", *from);
  reply.add_child(make_error_element(error));
  return reply;
}

bool must_not_reply(const xml::Element& stanza) {
  const auto type = stanza.attr("type");
  if (type == "error") return true;
  return is_iq(stanza) && type == "result";
}

const xml::Element* iq_payload(const xml::Element& iq) {
  const auto children = iq.elements();
  // An iq error may echo the request payload beside <error/>; callers ask get/set/result only.
  return children.size() == 1 ? children.front() : nullptr;
}

bool is_get_of(const xml::Element& iq, std::string_view name, std::string_view ns) {
  const auto* payload = iq_payload(iq);
  return iq_type(iq) == IqType::get && payload != nullptr && payload->is(name, ns);
}

}  // namespace xmpp::stanza
