#include "trace.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "output.hpp"

namespace xmpp::cli {

namespace {

/// Owns the trace fd; shared by the sink's copies.
class TraceFile {
 public:
  explicit TraceFile(int fd, bool owned) : m_fd(fd), m_owned(owned) {}
  TraceFile(const TraceFile&) = delete;
  TraceFile& operator=(const TraceFile&) = delete;
  ~TraceFile() {
    if (m_owned) ::close(m_fd);
  }
  void write_line(std::string line) {
    line += '\n';
    // One write per line keeps lines whole when stderr is shared with diagnostics.
    std::size_t done = 0;
    while (done < line.size()) {
      const auto n = ::write(m_fd, line.data() + done, line.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // a broken trace must not break the session
      done += static_cast<std::size_t>(n);
    }
  }

 private:
  int m_fd;
  bool m_owned;
};

}  // namespace

std::string trace_line(std::chrono::system_clock::time_point when, std::string_view direction,
                       std::string_view data) {
  using namespace std::chrono;
  const auto ms = time_point_cast<milliseconds>(when);
  const auto day = floor<days>(ms);
  const year_month_day ymd{day};
  const hh_mm_ss<milliseconds> tod{ms - day};
  std::string dir(direction);
  for (auto& c : dir)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z {} {}",
                     static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()), tod.hours().count(), tod.minutes().count(),
                     tod.seconds().count(), tod.subseconds().count(), dir, escape_terminal(data));
}

Result<stream::TraceSink> open_trace(const std::string& path) {
  std::shared_ptr<TraceFile> file;
  if (path == "-") {
    file = std::make_shared<TraceFile>(STDERR_FILENO, false);
  } else {
    const int fd =
        ::open(path.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0)
      return fail(ErrorKind::cant_create, "cant_create", "",
                  fmt::format("cannot create trace file {}: {}", path, std::strerror(errno)));
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
      // Never write what was said on the stream into someone else's file.
      if (st.st_uid != ::geteuid()) {
        ::close(fd);
        return fail(
            ErrorKind::cant_create, "cant_create", "",
            fmt::format("trace file {} belongs to another user; refusing to write to it", path));
      }
      // A file that already existed keeps its mode through O_CREAT: tighten it, then truncate
      // (like curl --trace).
      if ((st.st_mode & 077) != 0) ::fchmod(fd, 0600);
      if (::ftruncate(fd, 0) != 0) {
        const int e = errno;
        ::close(fd);
        return fail(ErrorKind::cant_create, "cant_create", "",
                    fmt::format("cannot truncate trace file {}: {}", path, std::strerror(e)));
      }
    }
    file = std::make_shared<TraceFile>(fd, true);
  }
  return stream::TraceSink([file](std::string_view direction, std::string_view data) {
    file->write_line(trace_line(std::chrono::system_clock::now(), direction, data));
  });
}

}  // namespace xmpp::cli
