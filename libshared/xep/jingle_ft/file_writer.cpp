#include "xep/jingle_ft/file_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>  // renameat2, RENAME_NOREPLACE (glibc 2.28)
#include <system_error>
#include <utility>
#include <vector>

#include "core/random.hpp"
#include "core/text.hpp"
#include "xep/jingle_ft/file_name.hpp"
#include "xep/jingle_ft/jingle_ft.hpp"

namespace xmpp::jingle_ft {
namespace {

/// ".NAME" + ".xmpp-" + 16 random characters (96 bits of random_id's base64url alphabet).
constexpr std::string_view k_temp_infix = ".xmpp-";
constexpr std::size_t k_temp_random_chars = 16;
/// How often a fresh random name is tried when one exists (only by a 2^-96 accident or an
/// attacker who can read the directory).
constexpr int k_temp_attempts = 8;
/// The buffer that re-hashes a resumed partial file.
constexpr std::size_t k_rehash_buffer = 64 * 1024;

/// The first `max` bytes of `s` at most, cut before a UTF-8 continuation byte so that no
/// character is split.
std::string_view cut_utf8(std::string_view s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80)
    --end;
  return s.substr(0, end);
}

tl::unexpected<Error> cant_create(std::string code, std::string message) {
  return fail(ErrorKind::cant_create, std::move(code), "", std::move(message));
}

tl::unexpected<Error> finished_error() {
  return fail(ErrorKind::software, "finished", "", "the file was already finished or aborted");
}

/// write(2) until all of `bytes` is written, across short writes and signals.
bool write_all(int fd, std::span<const char> bytes, int& err) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      return false;
    }
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

std::string partial_file_name(std::string_view name) {
  std::string out(cut_utf8(name, k_max_name_bytes - k_partial_suffix.size()));
  out += k_partial_suffix;
  return out;
}

Result<IncomingFile> IncomingFile::create(const std::filesystem::path& dir,
                                          std::string_view offered_name,
                                          std::uint64_t declared_size,
                                          std::optional<hashes::Hash> expected,
                                          WriterOptions options) {
  auto name = safe_file_name(offered_name);
  if (!name) return fail(name.error());
  if (declared_size > k_max_size)
    return fail(ErrorKind::data, "too_large", "",
                "the declared size " + std::to_string(declared_size) + " is not a file size");

  hashes::Algorithm algo = hashes::Algorithm::sha_256;
  if (expected) {
    const auto parsed = hashes::parse_algorithm(expected->algo);
    if (!parsed || expected->digest.size() != hashes::digest_size(*parsed))
      return fail(ErrorKind::data, "hash_unsupported", "",
                  "cannot verify a " + expected->algo + " hash of " +
                      std::to_string(expected->digest.size()) + " bytes");
    algo = *parsed;
  }
  auto hasher = hashes::Hasher::create(algo);
  if (!hasher) return fail(hasher.error());

  // From here on `file` owns what it opened: an early return closes and removes it.
  IncomingFile file;
  file.m_dir = dir;
  file.m_name = std::move(*name);
  file.m_partial_name = partial_file_name(file.m_name);
  file.m_declared = declared_size;
  file.m_expected = std::move(expected);
  file.m_hasher.emplace(std::move(*hasher));
  file.m_options = options;

  // The directory is the user's (--dir), so a symlink to it is followed; see the class comment.
  file.m_dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (file.m_dir_fd < 0)
    return cant_create("cannot_open_dir",
                       "cannot open the directory " + dir.string() + ": " + errno_text(errno));

  // Fail before receiving anything when the name is taken; the rename checks again.
  struct stat st {};
  if (!options.overwrite &&
      ::fstatat(file.m_dir_fd, file.m_name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0)
    return cant_create("file_exists", file.m_name + " already exists in " + dir.string() +
                                          " (--overwrite replaces it)");

  bool found = false;
  if (options.resume) {
    if (auto opened = file.open_partial(file.m_partial_name, found); !opened)
      return fail(opened.error());
  }
  if (!found) {
    if (auto opened = file.open_temporary(); !opened) return fail(opened.error());
  }
  return file;
}

Result<void> IncomingFile::open_partial(const std::string& part_name, bool& found) {
  // O_NONBLOCK: a FIFO planted under the name must not block the open (it is refused below).
  const int fd =
      ::openat(m_dir_fd, part_name.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return {};
    if (errno == ELOOP)
      return cant_create("bad_partial", part_name + " is a symbolic link, not resumed");
    return cant_create("bad_partial", "cannot open " + part_name + ": " + errno_text(errno));
  }
  m_fd = fd;
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return cant_create("bad_partial", "cannot stat " + part_name + ": " + errno_text(errno));
  // A hard link would let us append to (and later rename) a file that lives elsewhere too.
  if (!S_ISREG(st.st_mode) || st.st_nlink != 1)
    return cant_create("bad_partial", part_name + " is not a plain regular file, not resumed");
  const auto existing = static_cast<std::uint64_t>(st.st_size);
  if (existing > m_declared)
    return cant_create("bad_partial", part_name + " has " + std::to_string(existing) +
                                          " bytes, more than the offered " +
                                          std::to_string(m_declared));

  // The final hash covers the whole file, so the bytes already there are hashed again.
  std::vector<char> buffer(k_rehash_buffer);
  std::uint64_t read_total = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return cant_create("bad_partial", "cannot read " + part_name + ": " + errno_text(errno));
    }
    if (n == 0) break;
    m_hasher->update(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    read_total += static_cast<std::uint64_t>(n);
    if (read_total > existing) break;
  }
  if (read_total != existing)
    return cant_create("bad_partial", part_name + " changed while it was read");
  // The read left the position at the end, where write() appends.
  found = true;
  m_resumed = true;
  m_data_name = part_name;
  m_offset = existing;
  m_size = existing;
  return {};
}

Result<void> IncomingFile::open_temporary() {
  const std::size_t room = k_max_name_bytes - 1 - k_temp_infix.size() - k_temp_random_chars;
  const std::string stem = "." + std::string(cut_utf8(m_name, room)) + std::string(k_temp_infix);
  int err = 0;
  for (int attempt = 0; attempt < k_temp_attempts; ++attempt) {
    std::string temp = stem + random_id().substr(0, k_temp_random_chars);
    const int fd = ::openat(m_dir_fd, temp.c_str(),
                            O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) {
      m_fd = fd;
      m_data_name = std::move(temp);
      return {};
    }
    err = errno;
    if (err != EEXIST) break;
  }
  return cant_create("cannot_create", "cannot create a temporary file in " + m_dir.string() + ": " +
                                          errno_text(err));
}

IncomingFile::IncomingFile(IncomingFile&& other) noexcept
    : m_dir(std::move(other.m_dir)), m_name(std::move(other.m_name)),
      m_partial_name(std::move(other.m_partial_name)), m_data_name(std::move(other.m_data_name)),
      m_dir_fd(std::exchange(other.m_dir_fd, -1)), m_fd(std::exchange(other.m_fd, -1)),
      m_declared(other.m_declared), m_offset(other.m_offset), m_size(other.m_size),
      m_expected(std::move(other.m_expected)), m_hasher(std::move(other.m_hasher)),
      m_options(other.m_options), m_resumed(other.m_resumed),
      m_done(std::exchange(other.m_done, true)), m_failure(std::move(other.m_failure)) {}

IncomingFile& IncomingFile::operator=(IncomingFile&& other) noexcept {
  if (this != &other) {
    if (!m_done) (void)abort();
    close_all();
    m_dir = std::move(other.m_dir);
    m_name = std::move(other.m_name);
    m_partial_name = std::move(other.m_partial_name);
    m_data_name = std::move(other.m_data_name);
    m_dir_fd = std::exchange(other.m_dir_fd, -1);
    m_fd = std::exchange(other.m_fd, -1);
    m_declared = other.m_declared;
    m_offset = other.m_offset;
    m_size = other.m_size;
    m_expected = std::move(other.m_expected);
    m_hasher = std::move(other.m_hasher);
    m_options = other.m_options;
    m_resumed = other.m_resumed;
    m_done = std::exchange(other.m_done, true);
    m_failure = std::move(other.m_failure);
  }
  return *this;
}

IncomingFile::~IncomingFile() {
  if (!m_done) (void)abort();
  close_all();
}

void IncomingFile::close_all() noexcept {
  if (m_fd >= 0) ::close(std::exchange(m_fd, -1));
  if (m_dir_fd >= 0) ::close(std::exchange(m_dir_fd, -1));
}

Result<void> IncomingFile::write(std::span<const char> bytes) {
  if (m_done) return finished_error();
  if (m_failure) return fail(*m_failure);
  if (bytes.size() > m_declared - m_size) {
    // SECURITY.md row 48: never more than declared; the caller cancels the stream.
    m_failure = make_error(ErrorKind::data, "too_much_data", "",
                           m_name + ": more data than the declared size of " +
                               std::to_string(m_declared) + " bytes");
    return fail(*m_failure);
  }
  int err = 0;
  if (!write_all(m_fd, bytes, err)) {
    m_failure = make_error(ErrorKind::cant_create, "write_failed", "",
                           "cannot write " + m_name + ": " + errno_text(err));
    return fail(*m_failure);
  }
  m_hasher->update(std::string_view(bytes.data(), bytes.size()));
  m_size += bytes.size();
  return {};
}

Result<void> IncomingFile::rename_noreplace(const std::string& from, const std::string& to) {
  if (::renameat2(m_dir_fd, from.c_str(), m_dir_fd, to.c_str(), RENAME_NOREPLACE) == 0) return {};
  int err = errno;
  // File systems without RENAME_NOREPLACE: link() refuses an existing name just the same.
  if (err == EINVAL || err == ENOSYS) {
    if (::linkat(m_dir_fd, from.c_str(), m_dir_fd, to.c_str(), 0) == 0) {
      ::unlinkat(m_dir_fd, from.c_str(), 0);
      return {};
    }
    err = errno;
  }
  if (err == EEXIST)
    return cant_create("file_exists",
                       to + " already exists in " + m_dir.string() + " (--overwrite replaces it)");
  return cant_create("write_failed", "cannot rename to " + to + ": " + errno_text(err));
}

Result<ReceivedFile> IncomingFile::finish() {
  if (m_done) return finished_error();
  if (m_failure) return fail(*m_failure);
  if (m_size != m_declared)
    return fail(ErrorKind::data, "short_file", "",
                m_name + ": " + std::to_string(m_size) + " bytes of " + std::to_string(m_declared));

  const hashes::Algorithm algo = m_hasher->algorithm();
  ReceivedFile result;
  result.name = m_name;
  result.path = m_dir / m_name;
  result.size = m_size;
  result.hash = hashes::Hash{std::string(hashes::to_string(algo)), m_hasher->final()};
  // The hasher is spent: whatever fails from here on is final for this object.
  if (m_expected) {
    if (auto ok = hashes::verify(algo, result.hash.digest, *m_expected); !ok) {
      // SECURITY.md row 48: a file that fails its hash is deleted, partial or not.
      ::unlinkat(m_dir_fd, m_data_name.c_str(), 0);
      m_done = true;
      close_all();
      return fail(ok.error().with_context(m_name));
    }
    result.verified = true;
  }

  if (::fsync(m_fd) != 0) {
    m_failure = make_error(ErrorKind::cant_create, "write_failed", "",
                           "cannot write " + m_name + ": " + errno_text(errno));
    return fail(*m_failure);
  }
  Result<void> renamed;
  if (m_options.overwrite) {
    // renameat replaces the directory entry itself: a symlink there is replaced, not followed.
    if (::renameat(m_dir_fd, m_data_name.c_str(), m_dir_fd, m_name.c_str()) != 0)
      renamed =
          cant_create("write_failed", "cannot rename to " + m_name + ": " + errno_text(errno));
  } else {
    renamed = rename_noreplace(m_data_name, m_name);
  }
  if (!renamed) {
    m_failure = renamed.error();
    return fail(*m_failure);
  }
  // Durability of the rename; best effort (some file systems refuse fsync on a directory).
  (void)::fsync(m_dir_fd);
  m_done = true;
  close_all();
  return result;
}

Result<std::optional<std::filesystem::path>> IncomingFile::abort() {
  if (m_done) return std::optional<std::filesystem::path>{};
  m_done = true;
  if (m_fd >= 0) ::close(std::exchange(m_fd, -1));
  Result<std::optional<std::filesystem::path>> result = std::optional<std::filesystem::path>{};
  if (m_data_name.empty()) {
    // Nothing was created.
  } else if (m_resumed) {
    result = std::optional{m_dir / m_data_name};  // it was NAME.part before us and stays so
  } else if (!m_options.keep_partial || m_size == 0) {
    if (::unlinkat(m_dir_fd, m_data_name.c_str(), 0) != 0 && errno != ENOENT)
      result =
          cant_create("write_failed", "cannot remove " + m_data_name + ": " + errno_text(errno));
  } else {
    Result<void> renamed;
    if (m_options.overwrite) {
      if (::renameat(m_dir_fd, m_data_name.c_str(), m_dir_fd, m_partial_name.c_str()) != 0)
        renamed = cant_create("write_failed",
                              "cannot rename to " + m_partial_name + ": " + errno_text(errno));
    } else {
      renamed = rename_noreplace(m_data_name, m_partial_name);
    }
    if (renamed)
      result = std::optional{m_dir / m_partial_name};
    else if (renamed.error().code == "file_exists")
      result = std::optional{m_dir / m_data_name};  // keep it where it is: nothing clobbered
    else
      result = fail(renamed.error());
  }
  close_all();
  return result;
}

}  // namespace xmpp::jingle_ft
