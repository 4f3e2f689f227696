#include "stdin_lines.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace xmpp::cli {

namespace {

constexpr std::size_t k_chunk = 64 * 1024;

Error read_error(int err) {
  return make_error(ErrorKind::no_input, "stdin_unreadable", "",
                    std::string("cannot read standard input: ") + std::strerror(err));
}

}  // namespace

Result<std::string> read_all(int fd, std::size_t limit) {
  std::string data;
  char buffer[k_chunk];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(read_error(errno));
    if (n == 0) return data;
    if (data.size() + static_cast<std::size_t>(n) > limit)
      return fail(ErrorKind::data, "input_too_large", "",
                  "standard input is larger than " + std::to_string(limit / (1024 * 1024)) +
                      " MiB");
    data.append(buffer, static_cast<std::size_t>(n));
  }
}

struct LineReader::Impl {
  int fd;
  int saved_flags = -1;
  std::optional<asio::posix::stream_descriptor> pipe;  // empty for a regular file
  std::string buffer;
  std::size_t start = 0;    // buffer[0, start) was returned already
  std::size_t scanned = 0;  // buffer[start, scanned) has no '\n'
  bool eof = false;
  bool skipping = false;  // inside a line that was too long
  bool cancelled = false;

  Impl(asio::any_io_executor executor, int descriptor) : fd(descriptor) {
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) return;
    saved_flags = ::fcntl(fd, F_GETFL);
    const int copy = ::dup(fd);  // the stream_descriptor owns (and closes) its own descriptor
    if (copy >= 0) pipe.emplace(executor, copy);
  }

  ~Impl() {
    if (pipe) {
      boost::system::error_code ignored;
      pipe->close(ignored);
    }
    if (saved_flags >= 0) (void)::fcntl(fd, F_SETFL, saved_flags);
  }

  awaitable<Result<std::size_t>> fill() {
    char chunk[k_chunk];
    if (!pipe) {
      for (;;) {
        const ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) co_return fail(read_error(errno));
        buffer.append(chunk, static_cast<std::size_t>(n));
        co_return static_cast<std::size_t>(n);
      }
    }
    boost::system::error_code ec;
    const std::size_t n = co_await pipe->async_read_some(
        asio::buffer(chunk, sizeof chunk), asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::eof || ec == asio::error::operation_aborted) co_return std::size_t{0};
    if (ec) co_return fail(read_error(ec.value()));
    buffer.append(chunk, n);
    co_return n;
  }
};

LineReader::LineReader(asio::any_io_executor executor, int fd)
    : m_impl(std::make_unique<Impl>(std::move(executor), fd)) {}

LineReader::~LineReader() = default;

void LineReader::cancel() {
  m_impl->cancelled = true;
  if (m_impl->pipe) {
    boost::system::error_code ignored;
    m_impl->pipe->cancel(ignored);
  }
}

awaitable<Result<std::optional<std::string>>> LineReader::next() {
  Impl& s = *m_impl;
  if (s.cancelled) s.eof = true;
  for (;;) {
    const auto newline = s.buffer.find('\n', s.scanned);
    if (newline != std::string::npos) {
      // Lines are cut from the front by moving `start`, not by erasing each one: a 64 KiB chunk
      // of short lines would otherwise be moved once per line.
      std::string line = s.buffer.substr(s.start, newline - s.start);
      s.start = newline + 1;
      s.scanned = s.start;
      if (s.skipping) {
        s.skipping = false;
        continue;
      }
      if (!line.empty() && line.back() == '\r') line.pop_back();
      co_return std::optional<std::string>(std::move(line));
    }
    // No complete line left: drop what was returned before reading more.
    s.buffer.erase(0, s.start);
    s.start = 0;
    s.scanned = s.buffer.size();
    if (s.buffer.size() > k_max_line_bytes) {
      s.buffer.clear();
      s.scanned = 0;
      const bool first = !s.skipping;
      s.skipping = true;
      if (first)
        co_return fail(ErrorKind::data, "line_too_long", "",
                       "a line is longer than " + std::to_string(k_max_line_bytes / 1024) +
                           " KiB");
    }
    if (s.eof) {
      if (s.buffer.empty() || s.skipping) co_return std::optional<std::string>();
      std::string line = std::move(s.buffer);
      s.buffer.clear();
      s.scanned = 0;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      co_return std::optional<std::string>(std::move(line));
    }
    auto n = co_await s.fill();
    if (!n) co_return fail(n.error());
    if (*n == 0) s.eof = true;
  }
}

}  // namespace xmpp::cli
