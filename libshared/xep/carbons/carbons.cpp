#include "xep/carbons/carbons.hpp"

#include "stanza/iq.hpp"
#include "stanza/namespaces.hpp"

namespace xmpp::carbons {

xml::Element make_enable() {
  return stanza::make_iq(stanza::IqType::set, {}, xml::Element("enable", std::string(k_ns)));
}

xml::Element make_disable() {
  return stanza::make_iq(stanza::IqType::set, {}, xml::Element("disable", std::string(k_ns)));
}

std::string_view to_string(Direction direction) {
  return direction == Direction::received ? "received" : "sent";
}

bool is_carbon(const xml::Element& message) {
  return message.child("received", k_ns) != nullptr || message.child("sent", k_ns) != nullptr;
}

Result<Carbon> unwrap(const xml::Element& message, const Jid& own) {
  const auto* received = message.child("received", k_ns);
  const auto* sent = message.child("sent", k_ns);
  if ((received == nullptr) == (sent == nullptr))
    return fail(ErrorKind::protocol, "bad_carbon", "",
                received == nullptr ? "not a carbon copy"
                                    : "a carbon copy with both <received/> and <sent/>");
  // §11: "Any forwarded copies received by a Carbons-enabled client MUST be from that user's
  // bare JID; any copies that do not meet this requirement MUST be ignored."
  if (const auto from = message.attr("from")) {
    const auto sender = Jid::parse(*from);
    if (!sender || !sender->is_bare() || !is_same_bare(*sender, own))
      return fail(ErrorKind::protocol, "forged_carbon", "",
                  "carbon copy from " + *from + ", not from our own account " + own.bare_str());
  }
  const auto* wrapper = received != nullptr ? received : sent;
  const auto* forwarded = wrapper->child("forwarded", k_ns_forward);
  if (forwarded == nullptr)
    return fail(ErrorKind::protocol, "bad_carbon", "", "carbon copy without <forwarded/>");
  const auto inner = forwarded->children("message", stanza::k_ns_client);
  if (inner.size() != 1)
    return fail(ErrorKind::protocol, "bad_carbon", "",
                "carbon copy whose <forwarded/> does not hold exactly one <message/>");
  return Carbon{received != nullptr ? Direction::received : Direction::sent, *inner.front()};
}

}  // namespace xmpp::carbons
