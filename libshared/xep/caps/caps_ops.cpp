#include "xep/caps/caps_ops.hpp"

#include <string>
#include <utility>

#include "stanza/error.hpp"
#include "stanza/iq.hpp"
#include "stanza/namespaces.hpp"
#include "stanza/presence.hpp"

namespace xmpp::caps {

stream::Subscription answer_disco_info(stream::Session& session, disco::DiscoInfo info,
                                       std::optional<Caps> caps) {
  // The node we answer for besides none: §6.2 asks for NODE#VER "for backwards-compatibility".
  std::optional<std::string> caps_node;
  if (caps) caps_node = info_node(*caps);
  return session.router().on_iq(
      "get", "query", std::string(disco::k_ns_info),
      [info = std::move(info), caps_node = std::move(caps_node)](const xml::Element& iq) {
        const auto node = iq.child("query", disco::k_ns_info)->attr("node");
        // XEP-0030 §3.1: what we do not have is item-not-found.
        if (node && node != caps_node)
          return stanza::make_error_reply(iq, stanza::make_stanza_error("item-not-found"));
        // XEP-0030 §3.2: the result mirrors the node that was asked.
        auto answer = info;
        answer.node = node;
        return disco::make_info_result(iq, answer);
      });
}

xml::Element make_presence(const Caps& caps, std::optional<int> priority) {
  auto presence = stanza::make_presence();
  if (priority) {
    xml::Element p("priority", std::string(stanza::k_ns_client));
    p.add_text(std::to_string(*priority));
    presence.add_child(std::move(p));
  }
  presence.add_child(make_element(caps));
  return presence;
}

}  // namespace xmpp::caps
