// The roster file: what `roster export` writes and `roster import` reads, and the copy of the
// roster kept for RFC 6121 §2.6 versioning in the cache directory. JSON, documented in
// xmpp-roster(1) FILES:
//   {"format":"xmpp-roster","version":1,"account":"alice@example.org",
//    "items":[{"jid":..,"name":..|null,"groups":[..],"subscription":"both"}]}
// The cache adds "roster_version" and each item's "ask" and "approved".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "xep/roster/roster.hpp"

namespace xmpp::cli {

inline constexpr std::string_view k_roster_format = "xmpp-roster";
inline constexpr int k_roster_format_version = 1;

/// One item as `roster list --json` shows it: jid, name (null when none), subscription, ask,
/// approved, groups.
nlohmann::ordered_json roster_item_json(const roster::Item& item);

/// The export document for `account` (jid, name, groups, subscription of each item).
nlohmann::ordered_json roster_export_json(const Jid& account, const roster::Roster& roster);

/// Reads a roster file: the export format, the cache, or the output of `roster list --json` (an
/// object with "items"). Errors (kind data, code "bad_roster_file", naming `where` and the item):
/// not JSON, another format or a newer version, no "items" array, an item without a valid "jid",
/// a "name" that is not a string, "groups" that is not an array of strings, an unknown
/// subscription. Subscription, ask and approved are read when present (defaults none/false).
Result<roster::Roster> parse_roster_file(std::string_view text, std::string_view where);

/// Where the versioning copy of `account`'s roster lives: CACHE_DIR/roster/BARE-JID.json.
std::string roster_cache_path(const std::string& cache_dir, const Jid& account);
/// The cached roster, or nullopt when there is none or it cannot be read (a cache is never an
/// error: the roster is then fetched whole).
std::optional<roster::Roster> load_roster_cache(const std::string& path);
/// Writes the cache (directory 0700, file 0600, through a temporary file and rename). Errors
/// (kind cant_create) are for the caller to report as a warning.
Result<void> save_roster_cache(const std::string& path, const Jid& account,
                               const roster::Roster& roster);

/// Writes `content` to `path` through a temporary file in the same directory and rename(2), so a
/// reader never sees half a file. Errors: kind cant_create, naming the path.
Result<void> write_file_replacing(const std::string& path, std::string_view content,
                                  unsigned mode = 0644);

}  // namespace xmpp::cli
