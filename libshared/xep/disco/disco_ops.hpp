// XEP-0030 Service Discovery (version 2.5.0) over a session: ask an entity for its info or items.
#pragma once

#include <chrono>
#include <cstddef>
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

/// Every item of `to` (and `node`): when a result carries an XEP-0059 <set/> whose <last/> says
/// more may follow (fewer items so far than <count/>, or no <count/> and a non-empty page), asks
/// for the next page (<after/> = that <last/>) until a page is empty, <count/> is reached, the
/// same <last/> comes twice, or `max_pages` pages were read. Entities that do not page answer the
/// first request with everything (our first request carries no <set/>, so they need not know
/// XEP-0059; the next requests ask for pages of the size of the first). `timeout`
/// bounds each request. Errors as items(); an error on a later page fails the whole call.
awaitable<Result<DiscoItems>> items_all(stream::Session& session, Jid to,
                                        std::optional<std::string> node,
                                        std::chrono::milliseconds timeout,
                                        std::size_t max_pages = 1000);

}  // namespace xmpp::disco
