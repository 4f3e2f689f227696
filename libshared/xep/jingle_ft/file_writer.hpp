// The receiving side of XEP-0234 Jingle File Transfer (version 0.19.1) on disk: a peer's file is
// written under a private temporary name inside the download directory, capped at its declared
// size, hashed as it arrives (XEP-0300), and renamed to its sanitised name only once complete and
// verified (SECURITY.md rows 47 and 48, CVE-2021-33896). POSIX only; no printing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "xep/hashes/hashes.hpp"

namespace xmpp::jingle_ft {

/// The suffix of a kept partial file: "NAME.part" (cut to fit NAME_MAX, like the final name).
inline constexpr std::string_view k_partial_suffix = ".part";

struct WriterOptions {
  /// Replace an existing file of the final name (--overwrite). The rename replaces the directory
  /// entry itself: a symlink planted there is replaced, never followed.
  bool overwrite = false;
  /// abort() keeps what arrived as "NAME.part" instead of removing it, so a later run can resume.
  bool keep_partial = false;
  /// Continue an existing "NAME.part": its bytes are hashed again and offset() says where the
  /// transfer must start (<range offset=.../>). No "NAME.part": a fresh transfer (offset 0).
  /// A resumed partial file is never removed by abort() (it was there before us), only by a hash
  /// mismatch, which proves its content bad.
  bool resume = false;
};

/// What finish() produced.
struct ReceivedFile {
  std::filesystem::path path;  ///< dir / name
  std::string name;            ///< the sanitised final name (one path component)
  std::uint64_t size = 0;
  hashes::Hash hash;      ///< our digest of the whole file (the expected algorithm, or sha-256)
  bool verified = false;  ///< true when an expected hash was given and matched
};

/// One file being received. Move-only. Destroying it without a successful finish() is abort().
///
/// On disk: the data goes to ".NAME.xmpp-RANDOM" (96 random bits, unguessable), created in the
/// download directory with openat(dirfd, O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, 0600); every later
/// step (rename, unlink) is relative to that directory's descriptor, so replacing the directory
/// by a symlink mid-transfer changes nothing. The directory itself is opened following symlinks:
/// it is the user's choice (--dir, "~/Downloads" may well be a link), never the peer's. The final
/// file keeps mode 0600.
class IncomingFile {
 public:
  /// Prepares to receive `declared_size` bytes of the peer's `offered_name` into `dir`.
  /// `expected`: the offer's hash to verify (pick it with hashes::strongest_usable); nullopt
  /// receives unverified and computes sha-256 for the report.
  /// Errors:
  ///   - those of safe_file_name (kind data, "bad_file_name");
  ///   - kind data "too_large": declared_size above k_max_size;
  ///   - kind data "hash_unsupported": `expected` names an algorithm we cannot compute, or its
  ///     digest has the wrong length;
  ///   - kind cant_create "file_exists" (exit 73): NAME exists and not overwrite (checked again
  ///     at the final rename);
  ///   - kind cant_create "bad_partial": resume found a "NAME.part" that is not a plain regular
  ///     file (a symlink, a directory, a hard link) or that is longer than declared_size;
  ///   - kind cant_create "cannot_open_dir" / "cannot_create": the system said no (errno text).
  static Result<IncomingFile> create(const std::filesystem::path& dir,
                                     std::string_view offered_name, std::uint64_t declared_size,
                                     std::optional<hashes::Hash> expected,
                                     WriterOptions options = {});

  IncomingFile(IncomingFile&& other) noexcept;
  IncomingFile& operator=(IncomingFile&& other) noexcept;
  IncomingFile(const IncomingFile&) = delete;
  IncomingFile& operator=(const IncomingFile&) = delete;
  ~IncomingFile();

  /// The sanitised final name.
  const std::string& name() const { return m_name; }
  std::uint64_t declared_size() const { return m_declared; }
  /// Bytes already on disk before the first write(): the size of a resumed "NAME.part", else 0.
  /// Ask the sender for <range offset=offset()/>.
  std::uint64_t offset() const { return m_offset; }
  /// Bytes on disk now (offset() plus what write() took).
  std::uint64_t size() const { return m_size; }

  /// Appends `bytes` and hashes them. Errors (after any error the file is failed: every later
  /// write() and finish() repeats it; call abort() or drop the object):
  ///   - kind data "too_much_data": `bytes` would go past the declared size (SECURITY.md row
  ///     48); nothing of them is written. The caller cancels the stream;
  ///   - kind cant_create "write_failed": the system said no (disk full, I/O error);
  ///   - kind software "finished": finish() or abort() already ran.
  Result<void> write(std::span<const char> bytes);

  /// Completes the file: every declared byte must be there, the hash must match, the data is
  /// fsync'd, then renamed to NAME (without replacing an existing NAME unless overwrite) and the
  /// directory fsync'd. Errors:
  ///   - kind data "short_file" ("N bytes of M"): fewer bytes than declared; nothing changes on
  ///     disk, so abort() (or the destructor) can still keep the partial file;
  ///   - kind data "hash_mismatch" (exit 65): the data is removed at once, even with keep_partial
  ///     or resume;
  ///   - kind cant_create "file_exists": NAME appeared meanwhile (not overwrite); the data stays
  ///     and abort() decides its fate as for an interrupted transfer;
  ///   - kind cant_create "write_failed": fsync or rename failed;
  ///   - the error of a failed write(); kind software "finished" when already finished.
  Result<ReceivedFile> finish();

  /// Gives up: removes the data, or with keep_partial (or when resumed) keeps it as "NAME.part"
  /// and returns that path (a fresh transfer that got no byte keeps nothing). When "NAME.part"
  /// exists already (and this is not a resume of it, and not overwrite) the data stays under its
  /// temporary name, which is returned: nothing is clobbered, nothing lost. Idempotent; a no-op
  /// after finish(). Errors: kind cant_create "write_failed" when the rename or unlink failed.
  Result<std::optional<std::filesystem::path>> abort();

 private:
  IncomingFile() = default;
  void close_all() noexcept;
  Result<void> open_partial(const std::string& part_name, bool& found);
  Result<void> open_temporary();
  Result<void> rename_noreplace(const std::string& from, const std::string& to);

  std::filesystem::path m_dir;
  std::string m_name;
  std::string m_partial_name;  ///< "NAME.part", cut to fit
  std::string m_data_name;     ///< where the bytes are now: the temporary or the resumed partial
  int m_dir_fd = -1;
  int m_fd = -1;
  std::uint64_t m_declared = 0;
  std::uint64_t m_offset = 0;
  std::uint64_t m_size = 0;
  std::optional<hashes::Hash> m_expected;
  std::optional<hashes::Hasher> m_hasher;
  WriterOptions m_options;
  bool m_resumed = false;
  bool m_done = false;  ///< finished or aborted: the descriptors are closed
  std::optional<Error> m_failure;
};

/// The partial-file name for a final name: NAME + ".part", NAME cut on a UTF-8 boundary when
/// needed so that the result fits 255 bytes.
std::string partial_file_name(std::string_view name);

}  // namespace xmpp::jingle_ft
