#include "xep/jingle_ft/file_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <system_error>
#include <utility>
#include <vector>

#include "core/text.hpp"
#include "xep/jingle_ft/file_name.hpp"
#include "xep/time/time.hpp"

namespace xmpp::jingle_ft {
namespace {

/// The buffer describe_file hashes through.
constexpr std::size_t k_hash_buffer = 64 * 1024;

struct MediaType {
  std::string_view extension;
  std::string_view type;
};

// IANA media types of the files people most often send; the rest are octet streams.
constexpr std::array<MediaType, 40> k_media_types{{
    {"txt", "text/plain"},
    {"log", "text/plain"},
    {"md", "text/markdown"},
    {"csv", "text/csv"},
    {"html", "text/html"},
    {"htm", "text/html"},
    {"css", "text/css"},
    {"ics", "text/calendar"},
    {"vcf", "text/vcard"},
    {"json", "application/json"},
    {"xml", "application/xml"},
    {"pdf", "application/pdf"},
    {"zip", "application/zip"},
    {"tar", "application/x-tar"},
    {"gz", "application/gzip"},
    {"tgz", "application/gzip"},
    {"bz2", "application/x-bzip2"},
    {"xz", "application/x-xz"},
    {"zst", "application/zstd"},
    {"7z", "application/x-7z-compressed"},
    {"odt", "application/vnd.oasis.opendocument.text"},
    {"ods", "application/vnd.oasis.opendocument.spreadsheet"},
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"svg", "image/svg+xml"},
    {"mp3", "audio/mpeg"},
    {"ogg", "audio/ogg"},
    {"opus", "audio/ogg"},
    {"flac", "audio/flac"},
    {"wav", "audio/wav"},
    {"m4a", "audio/mp4"},
    {"mp4", "video/mp4"},
    {"webm", "video/webm"},
    {"mkv", "video/x-matroska"},
    {"mov", "video/quicktime"},
}};

constexpr std::string_view k_octet_stream = "application/octet-stream";

std::string_view file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

tl::unexpected<Error> not_a_file(const std::filesystem::path& path, mode_t mode) {
  return fail(ErrorKind::usage, "not_a_file", "",
              path.string() + " is " + std::string(file_kind(mode)) +
                  "; only regular files can be sent");
}

tl::unexpected<Error> open_error(const std::filesystem::path& path, int err) {
  return fail(ErrorKind::no_input, err == ENOENT ? "no_such_file" : "unreadable", "",
              path.string() + ": " + errno_text(err));
}

tl::unexpected<Error> changed(const std::filesystem::path& path, std::string what) {
  return fail(ErrorKind::data, "file_changed", "", path.string() + " " + what);
}

/// An open regular file and what fstat said when it was opened.
struct Opened {
  int fd = -1;
  struct stat st {};
};

/// Opens `path` for reading when it is a regular file (following symlinks: the user named it).
/// stat() first so that a FIFO or device is refused without being opened (opening a tape device
/// can rewind it); O_NONBLOCK in case one is swapped in between; fstat() decides.
Result<Opened> open_regular(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return open_error(path, errno);
  if (!S_ISREG(st.st_mode)) return not_a_file(path, st.st_mode);
  Opened opened;
  opened.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (opened.fd < 0) return open_error(path, errno);
  if (::fstat(opened.fd, &opened.st) != 0) {
    const int err = errno;
    ::close(opened.fd);
    return open_error(path, err);
  }
  if (!S_ISREG(opened.st.st_mode)) {
    ::close(opened.fd);
    return not_a_file(path, opened.st.st_mode);
  }
  return opened;
}

bool same_time(const std::timespec& a, const std::timespec& b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/// pread(2) until `buffer` is full or the file ends; the count read, or -1 with errno.
ssize_t pread_full(int fd, std::span<char> buffer, std::uint64_t position) {
  std::size_t got = 0;
  while (got < buffer.size()) {
    const ssize_t n =
        ::pread(fd, buffer.data() + got, buffer.size() - got, static_cast<off_t>(position + got));
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  return static_cast<ssize_t>(got);
}

}  // namespace

std::string_view media_type_for(std::string_view name) {
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return k_octet_stream;
  const std::string_view extension = name.substr(dot + 1);
  for (const auto& entry : k_media_types)
    if (ascii_iequals(entry.extension, extension)) return entry.type;
  return k_octet_stream;
}

Result<File> describe_file(const std::filesystem::path& path, DescribeOptions options) {
  auto name = safe_file_name(path.filename().string());
  if (!name)
    return fail(ErrorKind::usage, "bad_file_name", "", path.string() + ": " + name.error().message);
  auto opened = open_regular(path);
  if (!opened) return fail(opened.error());
  const int fd = opened->fd;
  const struct stat& st = opened->st;

  File file;
  file.media_type = std::string(media_type_for(*name));
  file.name = std::move(*name);
  file.size = static_cast<std::uint64_t>(st.st_size);
  const std::chrono::sys_seconds mtime{std::chrono::seconds{st.st_mtim.tv_sec}};
  file.date = time::format_utc(time::Timestamp{mtime});

  if (options.hash) {
    auto hasher = hashes::Hasher::create(options.algorithm);
    if (!hasher) {
      ::close(fd);
      return fail(hasher.error());
    }
    std::vector<char> buffer(k_hash_buffer);
    std::uint64_t total = 0;
    for (;;) {
      const ssize_t n = ::read(fd, buffer.data(), buffer.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        const int err = errno;
        ::close(fd);
        return fail(ErrorKind::no_input, "unreadable", "", path.string() + ": " + errno_text(err));
      }
      if (n == 0) break;
      hasher->update(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
      total += static_cast<std::uint64_t>(n);
    }
    struct stat after {};
    const bool stat_ok = ::fstat(fd, &after) == 0;
    ::close(fd);
    // The hash must describe the size and date we offer.
    if (!stat_ok || total != *file.size || after.st_size != st.st_size ||
        !same_time(after.st_mtim, st.st_mtim))
      return changed(path, "changed while it was hashed");
    file.hashes.push_back(
        hashes::Hash{std::string(hashes::to_string(options.algorithm)), hasher->final()});
  } else {
    ::close(fd);
  }
  return file;
}

Result<OutgoingFile> OutgoingFile::open(const std::filesystem::path& path, ReadRange range,
                                        std::optional<std::uint64_t> expected_size,
                                        hashes::Algorithm algorithm) {
  auto hasher = hashes::Hasher::create(algorithm);
  if (!hasher) return fail(hasher.error());
  auto opened = open_regular(path);
  if (!opened) return fail(opened.error());

  OutgoingFile file;  // owns the descriptor from here on
  file.m_path = path;
  file.m_fd = opened->fd;
  file.m_file_size = static_cast<std::uint64_t>(opened->st.st_size);
  file.m_mtime = opened->st.st_mtim;
  file.m_hasher.emplace(std::move(*hasher));

  if (expected_size && *expected_size != file.m_file_size)
    return changed(path, "has " + std::to_string(file.m_file_size) + " bytes now, " +
                             std::to_string(*expected_size) + " when it was offered");
  if (range.offset > file.m_file_size)
    return fail(ErrorKind::data, "bad_range", "",
                "the range starts at " + std::to_string(range.offset) + ", past the end of " +
                    path.string() + " (" + std::to_string(file.m_file_size) + " bytes)");
  const std::uint64_t rest = file.m_file_size - range.offset;
  if (range.length && *range.length > rest)
    return fail(ErrorKind::data, "bad_range", "",
                "the range of " + std::to_string(*range.length) + " bytes at " +
                    std::to_string(range.offset) + " ends past the end of " + path.string() + " (" +
                    std::to_string(file.m_file_size) + " bytes)");
  file.m_offset = range.offset;
  file.m_length = range.length.value_or(rest);
  return file;
}

OutgoingFile::OutgoingFile(OutgoingFile&& other) noexcept
    : m_path(std::move(other.m_path)), m_fd(std::exchange(other.m_fd, -1)),
      m_file_size(other.m_file_size), m_mtime(other.m_mtime), m_offset(other.m_offset),
      m_length(other.m_length), m_done(other.m_done), m_hasher(std::move(other.m_hasher)),
      m_hash(std::move(other.m_hash)), m_failure(std::move(other.m_failure)) {}

OutgoingFile& OutgoingFile::operator=(OutgoingFile&& other) noexcept {
  if (this != &other) {
    if (m_fd >= 0) ::close(m_fd);
    m_path = std::move(other.m_path);
    m_fd = std::exchange(other.m_fd, -1);
    m_file_size = other.m_file_size;
    m_mtime = other.m_mtime;
    m_offset = other.m_offset;
    m_length = other.m_length;
    m_done = other.m_done;
    m_hasher = std::move(other.m_hasher);
    m_hash = std::move(other.m_hash);
    m_failure = std::move(other.m_failure);
  }
  return *this;
}

OutgoingFile::~OutgoingFile() {
  if (m_fd >= 0) ::close(m_fd);
}

Result<void> OutgoingFile::check_unchanged() {
  struct stat st {};
  if (::fstat(m_fd, &st) != 0)
    return fail(ErrorKind::no_input, "unreadable", "", m_path.string() + ": " + errno_text(errno));
  if (static_cast<std::uint64_t>(st.st_size) != m_file_size || !same_time(st.st_mtim, m_mtime))
    return changed(m_path, "changed while it was being sent");
  return {};
}

Result<std::size_t> OutgoingFile::read(std::span<char> buffer) {
  if (m_failure) return fail(*m_failure);
  const std::uint64_t remaining = m_length - m_done;
  if (remaining == 0 || buffer.empty()) return std::size_t{0};
  const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), remaining));
  const ssize_t got = pread_full(m_fd, buffer.first(want), m_offset + m_done);
  if (got < 0) {
    m_failure = make_error(ErrorKind::no_input, "unreadable", "",
                           m_path.string() + ": " + errno_text(errno));
    return fail(*m_failure);
  }
  const auto n = static_cast<std::size_t>(got);
  if (n < want) {
    m_failure = make_error(ErrorKind::data, "file_changed", "",
                           m_path.string() + " shrank while it was being sent");
    return fail(*m_failure);
  }
  m_hasher->update(std::string_view(buffer.data(), n));
  m_done += n;
  // At the end of the range: what we sent must be the file we offered.
  if (m_done == m_length) {
    if (auto same = check_unchanged(); !same) {
      m_failure = same.error();
      return fail(*m_failure);
    }
  }
  return n;
}

Result<hashes::Hash> OutgoingFile::hash() {
  if (m_failure) return fail(*m_failure);
  if (!m_hash) {
    if (!at_end())
      return fail(ErrorKind::software, "not_at_end", "",
                  "the hash of " + m_path.string() + " asked before all of it was read");
    m_hash = hashes::Hash{std::string(hashes::to_string(m_hasher->algorithm())), m_hasher->final()};
  }
  return *m_hash;
}

}  // namespace xmpp::jingle_ft
