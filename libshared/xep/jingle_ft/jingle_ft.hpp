// XEP-0234 Jingle File Transfer (version 0.19.1, namespace urn:xmpp:jingle:apps:file-transfer:5):
// the <description><file/></description> application format (§5) with date, desc, media-type,
// name, size, range and XEP-0300 hashes, the session-info <checksum/> (§8.2) and <received/>
// (§8.1), the file-transfer error conditions (§9), offer versus request (§4.1), and the size
// checks of SECURITY.md row 48. The file-name sanitiser of row 47 is in file_name.hpp. No I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "xep/hashes/hashes.hpp"
#include "xep/jingle/jingle.hpp"
#include "xml/element.hpp"

namespace xmpp::jingle_ft {

inline constexpr std::string_view k_ns = "urn:xmpp:jingle:apps:file-transfer:5";
/// §9: the application-specific reasons.
inline constexpr std::string_view k_ns_errors = "urn:xmpp:jingle:apps:file-transfer:errors:0";
/// The largest size or offset we accept: what an off_t holds (SECURITY.md row 48).
inline constexpr std::uint64_t k_max_size = 0x7fffffffffffffffULL;

/// A <range/> (§5): where a transfer starts and how much it carries, with hashes of that part
/// (§8.2, example 15).
struct Range {
  std::optional<std::uint64_t> offset;  ///< nullopt: absent (0)
  std::optional<std::uint64_t> length;  ///< nullopt: to the end of the file
  std::vector<hashes::Hash> hashes;
  bool operator==(const Range&) const = default;
};

/// A <file/> (§5). Every field is optional on the wire; an offer SHOULD carry size and MUST carry
/// a hash or hash-used.
struct File {
  std::optional<std::string> date;  ///< XEP-0082 DateTime, as written
  std::optional<std::string> desc;  ///< the first <desc/> (others, in other languages, dropped)
  std::optional<std::string> media_type;  ///< absent means application/octet-stream
  /// As the peer wrote it: never a path. Pass it through safe_file_name() before any use.
  std::optional<std::string> name;
  std::optional<std::uint64_t> size;
  std::optional<Range> range;
  std::vector<hashes::Hash> hashes;
  std::vector<std::string> hash_used;  ///< the algorithms of <hash-used/> elements
  bool operator==(const File&) const = default;
};

/// `<file>...</file>` in k_ns.
xml::Element make_file(const File& file);
/// Reads a <file/>. Errors, kind protocol, code "bad_file", condition "bad-request": not a
/// {k_ns}file; a <size/>, 'offset' or 'length' that is not a decimal number from 0 to
/// k_max_size (negative, signed, empty, not a number, above 2^63-1: SECURITY.md row 48); a
/// <hash/> that parse_hash refuses.
Result<File> parse_file(const xml::Element& file);
/// `<description xmlns=k_ns><file/></description>`.
xml::Element make_description(const File& file);
/// The <file/> of a <description/>. Errors as parse_file, or "bad_file" when `description` is
/// not a {k_ns}description or has no <file/>.
Result<File> parse_description(const xml::Element& description);
/// The file of a Jingle content whose description is ours; nullopt when the content carries none
/// or another application's; an error when ours does not parse.
std::optional<Result<File>> file_of(const jingle::Content& content);

/// A strict non-negative decimal up to k_max_size, XML whitespace around it allowed (xs:integer
/// collapses it). Errors, kind protocol, code "bad_file": anything else, named `what` in the
/// message.
Result<std::uint64_t> parse_size(std::string_view text, std::string_view what = "size");

/// §4.1: a File Offer when the content's senders are its creator (the creator sends the file), a
/// File Request when they are the other party.
bool is_offer(const jingle::Content& content);

// ---- informational messages (§8) ----

/// `<checksum creator name><file>...</file></checksum>` (§8.2, examples 14, 15).
struct Checksum {
  jingle::Role creator = jingle::Role::initiator;
  std::string name;
  File file;
  bool operator==(const Checksum&) const = default;
};
xml::Element make_checksum(const Checksum& checksum);
/// Errors, kind protocol, code "bad_file": not a {k_ns}checksum, a missing or invalid 'creator',
/// a missing 'name', no <file/> or one parse_file refuses.
Result<Checksum> parse_checksum(const xml::Element& e);

/// `<received creator name/>` (§8.1, example 13).
struct Received {
  jingle::Role creator = jingle::Role::initiator;
  std::string name;
  bool operator==(const Received&) const = default;
};
xml::Element make_received(const Received& received);
/// Errors as parse_checksum.
Result<Received> parse_received(const xml::Element& e);

// ---- errors (§9) ----

enum class FtCondition { file_not_available, file_too_large };
std::string_view to_string(FtCondition condition);
/// The reason of §9: failed-application with <file-not-available/> (example 17), media-error
/// with <file-too-large/> (example 18).
jingle::Reason make_reason(FtCondition condition, std::optional<std::string> text = std::nullopt);
/// The §9 condition of a reason's detail element, nullopt when none.
std::optional<FtCondition> ft_condition(const jingle::Reason& reason);

// ---- size checks (SECURITY.md row 48) ----

/// How many bytes the transfer of `file` carries: range length when given, else size minus
/// offset. Errors, kind data: code "no_size" when the offer declares no size (we never write an
/// unbounded stream), "bad_range" when the offset is past the size or offset + length is past it.
Result<std::uint64_t> expected_bytes(const File& file);
/// Whether an offer of `declared` bytes fits under `max_size` (the CLI's --max-size; nullopt: no
/// limit). Errors, kind data, code "too_large": it does not (answer with make_reason(
/// file_too_large)).
Result<void> check_max_size(std::uint64_t declared, std::optional<std::uint64_t> max_size);

}  // namespace xmpp::jingle_ft
