#include "xep/ping/ping.hpp"

#include "stanza/iq.hpp"

namespace xmpp::ping {

xml::Element make_request(const Jid& to, std::string id) {
  return stanza::make_iq(stanza::IqType::get, to.str(), xml::Element("ping", std::string(k_ns)),
                         std::move(id));
}

bool is_request(const xml::Element& iq) {
  return stanza::is_get_of(iq, "ping", k_ns);
}

xml::Element make_result(const xml::Element& request) {
  return stanza::make_result(request);
}

}  // namespace xmpp::ping
