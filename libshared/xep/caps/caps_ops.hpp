// XEP-0115 Entity Capabilities (version 1.6.0) as the generating entity: the presence that
// announces our caps (§4) and the disco#info responder that lets others verify them (§6.2).
#pragma once

#include <optional>

#include "stream/router.hpp"
#include "stream/session.hpp"
#include "xep/caps/caps.hpp"
#include "xep/disco/disco.hpp"
#include "xml/element.hpp"

namespace xmpp::caps {

/// Answers disco#info gets on `session` for as long as the returned subscription lives: a query
/// without node, or with node "NODE#VER" of `caps` (§6.2), gets `info` (make_info_result; the
/// result's query carries the node that was asked); any other node gets item-not-found.
/// Anyone may ask, as with most clients (§9.4); the caller decides whether to be discoverable.
stream::Subscription answer_disco_info(stream::Session& session, disco::DiscoInfo info,
                                       std::optional<Caps> caps);

/// The available presence that announces `caps` (§4, §6.1): <presence><c/></presence>, with
/// <priority/> (RFC 6121 §4.7.2.3) when `priority` is given.
xml::Element make_presence(const Caps& caps, std::optional<int> priority = std::nullopt);

}  // namespace xmpp::caps
