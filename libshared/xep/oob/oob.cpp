#include "xep/oob/oob.hpp"

namespace xmpp::oob {

xml::Element make_oob(std::string url, std::optional<std::string> desc) {
  xml::Element x("x", std::string(k_ns));
  xml::Element u("url", std::string(k_ns));
  u.add_text(std::move(url));
  x.add_child(std::move(u));
  if (desc) {
    xml::Element d("desc", std::string(k_ns));
    d.add_text(std::move(*desc));
    x.add_child(std::move(d));
  }
  return x;
}

std::optional<std::string> oob_url(const xml::Element& stanza) {
  const auto* x = stanza.child("x", k_ns);
  if (x == nullptr) return std::nullopt;
  auto url = x->child_text("url", k_ns);
  if (!url || url->empty()) return std::nullopt;
  return url;
}

std::optional<std::string> oob_desc(const xml::Element& stanza) {
  const auto* x = stanza.child("x", k_ns);
  if (x == nullptr) return std::nullopt;
  return x->child_text("desc", k_ns);
}

}  // namespace xmpp::oob
