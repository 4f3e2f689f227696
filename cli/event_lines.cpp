#include "event_lines.hpp"

#include <cerrno>
#include <cstring>
#include <string>

#include <fmt/format.h>

namespace xmpp::cli {

bool EventLines::emit(std::string_view line) {
  errno = 0;
  m_out << line << '\n';
  m_out.flush();
  if (m_out) return true;
  m_write_error = errno != 0 ? errno : EIO;
  return false;
}

Outcome EventLines::write_failed() const {
  if (m_write_error == EPIPE) return Outcome::success(nullptr);
  return Outcome::failure(
      make_error(ErrorKind::cant_create, "write_failed", "",
                 std::string("cannot write to standard output: ") + std::strerror(m_write_error)));
}

Outcome deadline_outcome(std::chrono::milliseconds timeout, std::optional<long> count, long got,
                         std::string_view what) {
  if (count && got < *count)
    return Outcome::failure(
        make_error(ErrorKind::temporary, "timeout", "",
                   fmt::format("timed out after {:g} s with {} of {} {}",
                               static_cast<double>(timeout.count()) / 1000.0, got, *count, what)));
  return Outcome::success(nullptr);
}

}  // namespace xmpp::cli
