// The progress display of `xmpp jingle-file send|receive` (CLI.md "jingle-file", issue 9): a
// one-line bar on stderr when it is a terminal (bytes, rate, ETA; redrawn with '\r') and, with
// --json, NDJSON progress events and a final result per file. Pure: fed with (now, bytes done),
// the clock is the caller's; nothing is printed here.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace xmpp::cli {

using ProgressClock = std::chrono::steady_clock;

/// Binary units with one decimal from KiB on: "0 B", "1023 B", "1.0 KiB", "12.3 MiB",
/// "27.0 GiB", up to EiB.
std::string format_bytes(std::uint64_t bytes);
/// format_bytes of a rate, per second: "5.2 MiB/s"; "-- B/s" for a negative or not finite one.
std::string format_rate(double bytes_per_second);
/// "0:03", "12:34", "1:02:03" (hours only when needed).
std::string format_duration(std::chrono::seconds duration);

struct ProgressOptions {
  /// The rate is measured over the last `window` (smooths bursts, follows real changes).
  std::chrono::milliseconds window{5000};
  /// Redraw throttle: at most this many redraws per second (the final state always draws).
  int max_redraws_per_second = 10;
};

/// One file's progress. `name` is the peer's or ours: it is escaped for the terminal
/// (SECURITY.md row 51) when rendered, and JSON-escaped in events.
class TransferProgress {
 public:
  /// `size`: the bytes to transfer (nullopt when unknown: no percentage, no ETA).
  TransferProgress(std::string name, std::optional<std::uint64_t> size,
                   ProgressClock::time_point start, ProgressOptions options = {});

  /// `bytes` done at `now` (a running total, not a delta).
  void update(ProgressClock::time_point now, std::uint64_t bytes);
  /// The transfer ended (complete or not) with `bytes` done: the next redraw_due() is true once
  /// more, whatever the throttle says, and the line shows the average rate and the duration.
  void finish(ProgressClock::time_point now, std::uint64_t bytes);

  /// Whether to redraw now, and if so counts it as drawn: true for the first call, then at most
  /// max_redraws_per_second times a second, and exactly once after finish().
  bool redraw_due(ProgressClock::time_point now);

  const std::string& name() const { return m_name; }
  std::uint64_t bytes() const { return m_bytes; }
  std::optional<std::uint64_t> size() const { return m_size; }
  bool finished() const { return m_finished; }
  /// Seconds from start to the last update or finish.
  double elapsed_seconds() const;
  /// Bytes per second over the sliding window; 0 until two samples at different times exist.
  double rate() const;
  /// Bytes per second over the whole transfer.
  double average_rate() const;
  /// Time left at the current rate, rounded up; nullopt when the size or the rate is unknown,
  /// or when finished.
  std::optional<std::chrono::seconds> eta() const;

  /// The human line for a terminal `width` columns wide, exactly width - 1 columns (padded with
  /// spaces; the last column stays free so the terminal never wraps): name (shortened in the
  /// middle when too long), bar when there is room, percent, "12.3 MiB / 27.0 MiB", "5.2 MiB/s",
  /// "ETA 0:03" (finished: the average rate and "in 0:05"). When the width is small the bar,
  /// then ETA, rate and sizes are left out. The caller writes '\r' + line, and '\n' after the
  /// final one. Columns are counted per code point, two for U+1100 and above (wide CJK, emoji).
  std::string render_line(std::size_t width) const;

  /// The NDJSON progress event: {"kind":"progress","file":NAME,"bytes":N,"size":N|null,
  /// "rate":BYTES_PER_SECOND (integer),"eta":SECONDS|null,"elapsed":SECONDS (ms precision)}.
  nlohmann::ordered_json progress_json() const;
  /// The start of the final NDJSON result of a file: {"kind":"result","file":NAME,"bytes":N,
  /// "size":N|null,"seconds":S,"rate":AVERAGE}; the command adds what it knows ("status",
  /// "path", "hash", "error").
  nlohmann::ordered_json result_json() const;

 private:
  struct Sample {
    ProgressClock::time_point at;
    std::uint64_t bytes;
  };

  std::string m_name;
  std::optional<std::uint64_t> m_size;
  ProgressClock::time_point m_start;
  ProgressClock::time_point m_last;
  ProgressOptions m_options;
  std::uint64_t m_bytes = 0;
  std::deque<Sample> m_samples;
  bool m_finished = false;
  bool m_drawn = false;
  bool m_final_drawn = false;
  ProgressClock::time_point m_last_draw;
};

}  // namespace xmpp::cli
