// Standard input for `send` (CLI.md "send"): all of it for one message, or line by line as it
// arrives for --lines, read asynchronously so the stream keeps being served while a pipe is quiet.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "net/asio.hpp"

namespace xmpp::cli {

/// The most `send` reads from stdin for one message, or for one line of --lines (bytes).
inline constexpr std::size_t k_max_stdin_bytes = 16 * 1024 * 1024;
inline constexpr std::size_t k_max_line_bytes = 1024 * 1024;

/// Reads all of `fd` (blocking; before any connection is made). Errors: kind no_input when it
/// cannot be read, kind data when it is larger than `limit`.
Result<std::string> read_all(int fd, std::size_t limit = k_max_stdin_bytes);

/// One line after another from a file descriptor: a pipe or terminal is read through the event
/// loop, a regular file directly (epoll cannot wait on files). The descriptor's flags are put
/// back when the reader is destroyed (Asio makes it non-blocking, which a shell sharing the
/// terminal would otherwise inherit).
class LineReader {
 public:
  LineReader(asio::any_io_executor executor, int fd);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  /// The next line without its "\n" (and without a "\r" before it); nullopt at end of input. A
  /// last line without "\n" is still a line. Errors: kind data for a line longer than
  /// k_max_line_bytes (the rest of that line is skipped, reading can go on), kind no_input when
  /// reading fails.
  awaitable<Result<std::optional<std::string>>> next();
  /// Ends the input early (Ctrl-C): a pending next() and every later one return what is left
  /// of the current line, then end of input.
  void cancel();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace xmpp::cli
