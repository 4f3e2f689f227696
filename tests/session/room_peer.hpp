// The MUC room the muc admin and configuration session tests talk to, as the scripted peer.
#pragma once

#include <string>

#include "harness.hpp"
#include "jid/jid.hpp"
#include "xml/element.hpp"

namespace xmpp::test {

inline const Jid k_room = Jid::parse("coven@chat.example.test").value();

/// The room's empty (or `payload`) result to alice's `request`.
inline std::string result_from_room(const xml::Element& request, const std::string& payload = {}) {
  return "<iq type='result' from='coven@chat.example.test' to='alice@example.test/res1' id='" +
         id_of(request) + "'" + (payload.empty() ? "/>" : ">" + payload + "</iq>");
}

}  // namespace xmpp::test
