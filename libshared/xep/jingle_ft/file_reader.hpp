// The sending side of XEP-0234 Jingle File Transfer (version 0.19.1) on disk: the <file/>
// description of a local file for an offer (§5: name, size, date, media-type, XEP-0300 hash), and
// an OutgoingFile that reads it, or a <range/> of it (§7), while hashing what it sent (the §8.2
// session-info <checksum/>). POSIX only; no printing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "xep/hashes/hashes.hpp"
#include "xep/jingle_ft/jingle_ft.hpp"

namespace xmpp::jingle_ft {

/// The media type for a file name, from its extension (ASCII case-insensitive): a small table of
/// common types ("report.PDF" -> "application/pdf"); "application/octet-stream" for the rest.
std::string_view media_type_for(std::string_view name);

struct DescribeOptions {
  /// Compute the hash (reads the whole file once); false leaves File::hashes empty.
  bool hash = true;
  hashes::Algorithm algorithm = hashes::Algorithm::sha_256;
};

/// The offer's <file/> for a local file: name = its last path component (through safe_file_name,
/// so the peer sees what it would save), size, date = its mtime as an XEP-0082 UTC DateTime
/// ("2026-11-27T03:10:07Z", whole seconds), media_type = media_type_for(name), and one hash.
/// Errors:
///   - kind no_input "no_such_file" / "unreadable" (exit 66): missing, or permission denied;
///   - kind usage "not_a_file" (exit 64): a directory, FIFO, device or socket, named in the
///     message ("/tmp is a directory"); only regular files are sent (symlinks to them are fine);
///   - kind usage "bad_file_name": a name safe_file_name refuses (invalid UTF-8);
///   - kind data "file_changed": its size or mtime changed while it was hashed;
///   - those of hashes::Hasher::create.
Result<File> describe_file(const std::filesystem::path& path, DescribeOptions options = {});

/// Which part of the file to send: all of it, or the <range offset length/> a peer asked for.
struct ReadRange {
  std::uint64_t offset = 0;
  std::optional<std::uint64_t> length;  ///< nullopt: to the end
};

/// A local file being sent. Move-only; closes the file when destroyed.
class OutgoingFile {
 public:
  /// Opens `path` and checks `range` against its size. `expected_size`: the size in the offer
  /// (from describe_file); a different size now means the file changed since. Errors: those of
  /// describe_file for the path; kind data "file_changed" (size differs from expected_size),
  /// "bad_range" (offset past the end, or offset + length past it).
  static Result<OutgoingFile> open(const std::filesystem::path& path, ReadRange range = {},
                                   std::optional<std::uint64_t> expected_size = std::nullopt,
                                   hashes::Algorithm algorithm = hashes::Algorithm::sha_256);

  OutgoingFile(OutgoingFile&& other) noexcept;
  OutgoingFile& operator=(OutgoingFile&& other) noexcept;
  OutgoingFile(const OutgoingFile&) = delete;
  OutgoingFile& operator=(const OutgoingFile&) = delete;
  ~OutgoingFile();

  /// The file's size when opened.
  std::uint64_t file_size() const { return m_file_size; }
  std::uint64_t offset() const { return m_offset; }
  /// Bytes the range carries.
  std::uint64_t length() const { return m_length; }
  /// Bytes read so far (a progress count).
  std::uint64_t done() const { return m_done; }
  bool at_end() const { return m_done == m_length; }

  /// Fills `buffer` with the next bytes of the range (fewer only at its end) straight from the
  /// file, without allocating, and hashes them. 0 at the end of the range (or for an empty
  /// buffer). Errors (repeated by every later call): kind data "file_changed" when the file
  /// shrank, or when at the end of the range its size or mtime differ from when it was opened;
  /// kind no_input "unreadable" for an I/O error.
  Result<std::size_t> read(std::span<char> buffer);

  /// The digest of the range's bytes, once all were read (for the §8.2 <checksum/>). Errors:
  /// kind software "not_at_end" before that; the error of a failed read().
  Result<hashes::Hash> hash();

 private:
  OutgoingFile() = default;
  Result<void> check_unchanged();

  std::filesystem::path m_path;
  int m_fd = -1;
  std::uint64_t m_file_size = 0;
  std::timespec m_mtime{};
  std::uint64_t m_offset = 0;
  std::uint64_t m_length = 0;
  std::uint64_t m_done = 0;
  std::optional<hashes::Hasher> m_hasher;
  std::optional<hashes::Hash> m_hash;
  std::optional<Error> m_failure;
};

}  // namespace xmpp::jingle_ft
