#include "xep/sid/sid.hpp"

namespace xmpp::sid {

xml::Element make_origin_id(std::string id) {
  xml::Element e("origin-id", std::string(k_ns));
  e.set_attr("id", std::move(id));
  return e;
}

std::optional<std::string> origin_id(const xml::Element& stanza) {
  const auto* e = stanza.child("origin-id", k_ns);
  if (e == nullptr) return std::nullopt;
  auto id = e->attr("id");
  if (!id || id->empty()) return std::nullopt;
  return id;
}

std::optional<std::string> stanza_id(const xml::Element& stanza, const Jid& by) {
  for (const xml::Element* e : stanza.children("stanza-id", k_ns)) {
    const auto by_attr = e->attr("by");
    const auto id = e->attr("id");
    if (!by_attr || !id || id->empty()) continue;  // §4 rule 5: both are required
    const auto assigner = Jid::parse(*by_attr);
    if (assigner && *assigner == by) return id;
  }
  return std::nullopt;
}

}  // namespace xmpp::sid
