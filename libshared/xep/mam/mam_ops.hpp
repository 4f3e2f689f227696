// XEP-0313 Message Archive Management (version 1.1.3) over a session: reading an archive (ours,
// a room's, any entity's) page by page with XEP-0059 (§4.3), its last messages (§4.3.3), and
// whether an entity keeps an archive at all (§7, via XEP-0030).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <vector>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "net/asio.hpp"
#include "stream/session.hpp"
#include "xep/mam/mam.hpp"

namespace xmpp::mam {

/// How many messages each page asks for unless the caller says otherwise (0 also means this). An
/// archive may send fewer per page (§4.3.1); the reads follow whatever its <fin/> says.
inline constexpr std::size_t k_default_page_size = 100;

/// What a read of an archive returned.
struct Archive {
  std::vector<ArchivedMessage> messages;  ///< oldest first (§3.1 "chronological order")
  /// The archive said there is nothing more in the direction read (<fin complete='true'/>, or an
  /// empty page): false when the read stopped at the maximum asked for.
  bool complete = false;
  bool stable = true;  ///< false when any <fin/> said its results may still change (§4.3.2)
  /// The RSM <count/> of the last page: how many messages match the filter in all, when the
  /// archive says (it need not, §4.3.2).
  std::optional<std::size_t> count;
  std::size_t pages = 0;  ///< query iqs answered
  /// Result messages ignored: from anyone but the archive or with another queryid (SECURITY.md row
  /// 37, §8.2), or beyond the page size we asked for.
  std::size_t ignored = 0;
};

/// Reads `archive` (nullopt = our own: the iq has no 'to') from the oldest message matching
/// `filter` on: sends one query per page (a fresh random queryid each, RSM <max/> = the smaller of
/// `page_size` and what is still wanted), collects the result messages that are ours
/// (is_result_of: a Router handler registered before each query is sent; others are counted in
/// `ignored`), and asks for the next page (RSM <after/> = the <fin/>'s <last/>) until the archive
/// says complete, a page is empty, or `max` messages were read (nullopt = no limit). `timeout`
/// bounds each page's iq. A page whose <last/> repeats an earlier one (an archive that ignores
/// <after/>) is dropped (counted in `ignored`) and ends the read as not complete. A `max` of 0
/// sends nothing.
/// Errors: the archive's stanza error with a sentence a person understands (describe_error: e.g.
/// feature-not-implemented for a room without archive, forbidden for a members-only room), kind
/// remote; no answer: kind temporary "timeout"; a malformed result from the archive, a <fin/>
/// missing, or a <fin/> neither complete nor carrying an RSM <last/> to continue from (on a page
/// that had results): kind protocol. An error on a later page fails the whole read. Contexts name
/// the archive ("message archive of coven@chat.example (page 2): ...").
awaitable<Result<Archive>> query(stream::Session& session, std::optional<Jid> archive,
                                 Filter filter, std::optional<std::size_t> max,
                                 std::chrono::milliseconds timeout,
                                 std::size_t page_size = k_default_page_size);

/// The last `count` messages of `archive` matching `filter`, oldest first: asks for the last page
/// (RSM <before/> empty, <max/> = count, §4.3.3), and while the archive sends fewer and is not
/// complete, the page before it (<before/> = the <fin/>'s <first/>), at most `page_size` per
/// page. `complete` then means the read reached the archive's oldest matching message. Errors,
/// `timeout` and repeated pages (by <first/>) as query(). A `count` of 0 sends nothing.
awaitable<Result<Archive>> last(stream::Session& session, std::optional<Jid> archive, Filter filter,
                                std::size_t count, std::chrono::milliseconds timeout,
                                std::size_t page_size = k_default_page_size);

/// Whether `archive` (nullopt = our own account, asked at our bare JID) advertises urn:xmpp:mam:2
/// in its disco#info (§7). Errors: those of disco::info (a stanza error, e.g. item-not-found for a
/// room that does not exist, stays an error: it does not mean "no archive").
awaitable<Result<bool>> archive_supported(stream::Session& session, std::optional<Jid> archive,
                                          std::chrono::milliseconds timeout);

}  // namespace xmpp::mam
