// The standard output of the streaming commands (`listen`, `muc join --listen`, `pubsub listen`):
// one line per event, flushed so a pipe reader sees each as it comes, and the two ways such a run
// ends that are not errors of the protocol: the reader went away, or --timeout was reached.
#pragma once

#include <chrono>
#include <optional>
#include <ostream>
#include <string_view>

#include "output.hpp"

namespace xmpp::cli {

class EventLines {
 public:
  explicit EventLines(std::ostream& out) : m_out(out) {}

  /// Writes `line` and a newline, flushed. False once stdout failed (write_failed says how).
  bool emit(std::string_view line);
  bool failed() const { return m_write_error != 0; }
  /// After emit() failed: a closed pipe (`... | head -3`) is success, the reader has what it
  /// wanted (as git log does); any other error (a full disk) loses output and says so (73).
  Outcome write_failed() const;

 private:
  std::ostream& m_out;
  int m_write_error = 0;
};

/// --timeout reached while streaming: the normal end, unless --count asked for more `what`
/// ("messages", "events") than the `got` that came (75 "timeout").
Outcome deadline_outcome(std::chrono::milliseconds timeout, std::optional<long> count, long got,
                         std::string_view what);

}  // namespace xmpp::cli
