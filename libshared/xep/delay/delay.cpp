#include "xep/delay/delay.hpp"

#include "xml/whitespace.hpp"

namespace xmpp::delay {

xml::Element make_delay(const Delay& delay) {
  xml::Element e("delay", std::string(k_ns));
  if (delay.from) e.set_attr("from", *delay.from);
  e.set_attr("stamp", time::format_utc(delay.stamp));
  if (delay.reason && !delay.reason->empty()) e.add_text(*delay.reason);
  return e;
}

std::optional<Delay> parse_delay(const xml::Element& stanza) {
  for (const xml::Element* e : stanza.children("delay", k_ns)) {
    const auto stamp_text = e->attr("stamp");
    if (!stamp_text) continue;
    auto stamp = time::parse_datetime(*stamp_text);
    if (!stamp) continue;
    Delay d{*stamp, e->attr("from"), std::nullopt};
    // The reason is natural-language text (§3): the indentation around it is not part of it.
    const std::string text = e->text();
    if (const auto reason = xml::trim_space(text); !reason.empty()) d.reason = std::string(reason);
    return d;
  }
  return std::nullopt;
}

}  // namespace xmpp::delay
