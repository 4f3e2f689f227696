// How `xmpp jingle-file` shows a file on its way (issue 9): the TransferProgress line redrawn on
// stderr when stderr is a terminal (and not --quiet, not --json), or with --json the NDJSON
// progress events on stdout, a few a second. Also the NDJSON lines of the command's other events.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "context.hpp"
#include "event_lines.hpp"
#include "transfer_progress.hpp"

namespace xmpp::cli {

class TransferDisplay {
 public:
  explicit TransferDisplay(Context& ctx);

  /// Starts a file: `name` as it will be shown (the peer's, escaped when drawn).
  void start(std::string name, std::optional<std::uint64_t> size);
  /// Forgets the previous file: result_json() is empty until the next start().
  void reset() { m_progress.reset(); }
  /// `bytes` of the current file are done (a running total).
  void update(std::uint64_t bytes);
  /// The current file ended with `bytes` done: the final line (and its newline) on a terminal.
  void finish(std::uint64_t bytes);
  /// The NDJSON result object of the current file, to complete and pass to emit().
  nlohmann::ordered_json result_json() const;

  /// One NDJSON line on stdout (--json only; a no-op otherwise).
  void emit(const nlohmann::ordered_json& event);
  /// A human line on stdout (without --json), after clearing a progress line in the way.
  void say(std::string_view line);

 private:
  void draw(bool last);

  Context& m_ctx;
  bool m_terminal = false;  ///< draw the line on stderr
  EventLines m_lines;
  std::optional<TransferProgress> m_progress;
};

}  // namespace xmpp::cli
