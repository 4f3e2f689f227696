// XEP-0030 Service Discovery (version 2.5.0) over a session: ask an entity for its info or items.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "net/asio.hpp"
#include "stream/session.hpp"
#include "xep/disco/disco.hpp"

namespace xmpp::disco {

/// disco#info of `to` (and `node`), waiting up to `timeout`. Errors carry the context
/// "disco#info to TO" (or "disco#info to TO node NODE"): a stanza error keeps its condition
/// (kind remote), no answer is kind temporary "timeout", a malformed result kind protocol.
awaitable<Result<DiscoInfo>> info(stream::Session& session, Jid to, std::optional<std::string> node,
                                  std::chrono::milliseconds timeout);

/// disco#items of `to` (and `node`), the first page as the entity sends it. Errors as info(),
/// with the context "disco#items to TO".
awaitable<Result<DiscoItems>> items(stream::Session& session, Jid to,
                                    std::optional<std::string> node,
                                    std::chrono::milliseconds timeout);

}  // namespace xmpp::disco
