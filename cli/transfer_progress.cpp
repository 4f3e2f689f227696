#include "transfer_progress.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "output.hpp"

namespace xmpp::cli {
namespace {

/// Samples closer together than window / k_samples_per_window are merged, which bounds the
/// sample queue however often update() is called (once per received chunk, say).
constexpr int k_samples_per_window = 50;
/// The narrowest bar worth drawing, brackets included, and the widest.
constexpr std::size_t k_min_bar = 8;
constexpr std::size_t k_max_bar = 40;
/// A name is not shortened below this many columns while statistics can still be dropped.
constexpr std::size_t k_min_name = 12;
constexpr std::string_view k_ellipsis = "...";

/// The code point starting at s[i] (valid UTF-8: escape_terminal's output), and its length.
std::pair<char32_t, std::size_t> decode(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t size = 1;
  char32_t cp = b0;
  if (b0 >= 0xF0) {
    size = 4;
    cp = b0 & 0x07;
  } else if (b0 >= 0xE0) {
    size = 3;
    cp = b0 & 0x0F;
  } else if (b0 >= 0xC0) {
    size = 2;
    cp = b0 & 0x1F;
  }
  size = std::min(size, s.size() - i);
  for (std::size_t k = 1; k < size; ++k)
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return {cp, size};
}

/// Columns of one code point: 2 from U+1100 on (Hangul, CJK, emoji are wide; the few narrow
/// ones there only make us shorten a name a little more than needed), else 1.
std::size_t columns_of(char32_t cp) {
  return cp >= 0x1100 ? 2 : 1;
}

std::size_t columns(std::string_view s) {
  std::size_t total = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto [cp, size] = decode(s, i);
    total += columns_of(cp);
    i += size;
  }
  return total;
}

/// The longest prefix of `s` that fits `room` columns.
std::string_view head(std::string_view s, std::size_t room) {
  std::size_t used = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto [cp, size] = decode(s, i);
    if (used + columns_of(cp) > room) break;
    used += columns_of(cp);
    i += size;
  }
  return s.substr(0, i);
}

/// The longest suffix of `s` that fits `room` columns.
std::string_view tail(std::string_view s, std::size_t room) {
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i < s.size();) {
    starts.push_back(i);
    i += decode(s, i).second;
  }
  std::size_t used = 0;
  std::size_t from = s.size();
  for (auto it = starts.rbegin(); it != starts.rend(); ++it) {
    const std::size_t cols = columns_of(decode(s, *it).first);
    if (used + cols > room) break;
    used += cols;
    from = *it;
  }
  return s.substr(from);
}

/// `name` in at most `room` columns: whole, or its start and end around "..." (the end keeps
/// the extension, which says most about a file).
std::string shorten(std::string_view name, std::size_t room) {
  if (columns(name) <= room) return std::string(name);
  if (room <= k_ellipsis.size() + 2) return std::string(head(name, room));
  const std::size_t budget = room - k_ellipsis.size();
  const std::string_view front = head(name, budget / 2);
  std::string out(front);
  out += k_ellipsis;
  out += tail(name, budget - columns(front));
  return out;
}

double round_to_ms(double seconds) {
  return std::round(seconds * 1000.0) / 1000.0;
}

}  // namespace

std::string format_bytes(std::uint64_t bytes) {
  static constexpr std::array<const char*, 7> k_units{"B",   "KiB", "MiB", "GiB",
                                                      "TiB", "PiB", "EiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  // Move up while the value would print as 1024.0 or more in this unit.
  while (unit + 1 < k_units.size() && value >= 1023.95) {
    value /= 1024.0;
    ++unit;
  }
  std::array<char, 64> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%.1f %s", value, k_units[unit]);
  return buffer.data();
}

std::string format_rate(double bytes_per_second) {
  if (!std::isfinite(bytes_per_second) || bytes_per_second < 0) return "-- B/s";
  // Saturate instead of overflowing the conversion (no real link is that fast).
  const double capped = std::min(bytes_per_second, 9.0e18);
  return format_bytes(static_cast<std::uint64_t>(std::llround(capped))) + "/s";
}

std::string format_duration(std::chrono::seconds duration) {
  const long long total = std::max<long long>(0, duration.count());
  const long long hours = total / 3600;
  const long long minutes = (total % 3600) / 60;
  const long long seconds = total % 60;
  std::array<char, 96> buffer{};
  if (hours > 0)
    std::snprintf(buffer.data(), buffer.size(), "%lld:%02lld:%02lld", hours, minutes, seconds);
  else
    std::snprintf(buffer.data(), buffer.size(), "%lld:%02lld", minutes, seconds);
  return buffer.data();
}

TransferProgress::TransferProgress(std::string name, std::optional<std::uint64_t> size,
                                   ProgressClock::time_point start, ProgressOptions options)
    : m_name(std::move(name)), m_size(size), m_start(start), m_last(start),
      m_options(options), m_samples{Sample{start, 0}} {}

void TransferProgress::update(ProgressClock::time_point now, std::uint64_t bytes) {
  m_bytes = bytes;
  m_last = std::max(m_last, now);
  const auto granularity = m_options.window / k_samples_per_window;
  if (m_samples.size() >= 2 && now - m_samples[m_samples.size() - 2].at < granularity)
    m_samples.back() = Sample{now, bytes};
  else
    m_samples.push_back(Sample{now, bytes});
  // Keep one sample at or before the window's start, so the window is always covered.
  while (m_samples.size() > 2 && m_samples[1].at <= now - m_options.window)
    m_samples.pop_front();
}

void TransferProgress::finish(ProgressClock::time_point now, std::uint64_t bytes) {
  update(now, bytes);
  m_finished = true;
}

bool TransferProgress::redraw_due(ProgressClock::time_point now) {
  if (m_finished) {
    if (m_final_drawn) return false;
    m_final_drawn = true;
  } else {
    const auto interval =
        std::chrono::duration_cast<ProgressClock::duration>(std::chrono::seconds(1)) /
        std::max(1, m_options.max_redraws_per_second);
    if (m_drawn && now - m_last_draw < interval) return false;
  }
  m_drawn = true;
  m_last_draw = now;
  return true;
}

double TransferProgress::elapsed_seconds() const {
  return std::chrono::duration<double>(m_last - m_start).count();
}

double TransferProgress::rate() const {
  if (m_samples.size() < 2) return 0;
  const auto& first = m_samples.front();
  const auto& last = m_samples.back();
  const double seconds = std::chrono::duration<double>(last.at - first.at).count();
  if (seconds <= 0 || last.bytes < first.bytes) return 0;
  return static_cast<double>(last.bytes - first.bytes) / seconds;
}

double TransferProgress::average_rate() const {
  const double seconds = elapsed_seconds();
  return seconds > 0 ? static_cast<double>(m_bytes) / seconds : 0;
}

std::optional<std::chrono::seconds> TransferProgress::eta() const {
  if (!m_size || m_finished) return std::nullopt;
  const double speed = rate();
  if (speed <= 0) return std::nullopt;
  const std::uint64_t left = m_bytes >= *m_size ? 0 : *m_size - m_bytes;
  return std::chrono::seconds(static_cast<long long>(std::ceil(static_cast<double>(left) / speed)));
}

std::string TransferProgress::render_line(std::size_t width) const {
  if (width <= 1) return {};
  const std::size_t usable = width - 1;

  // The statistics, most important first: they are dropped from the end when space is short.
  std::vector<std::string> fields;
  double fraction = 0;
  if (m_size) {
    fraction = *m_size == 0
                   ? 1.0
                   : std::min(1.0, static_cast<double>(m_bytes) / static_cast<double>(*m_size));
    std::array<char, 16> percent{};
    std::snprintf(percent.data(), percent.size(), "%3d%%",
                  static_cast<int>(std::floor(fraction * 100.0)));
    fields.emplace_back(percent.data());
    fields.push_back(format_bytes(m_bytes) + " / " + format_bytes(*m_size));
  } else {
    fields.push_back(format_bytes(m_bytes));
  }
  const bool rate_known = m_samples.size() >= 2 && m_samples.back().at > m_samples.front().at;
  if (m_finished)
    fields.push_back(format_rate(average_rate()));
  else
    fields.push_back(rate_known ? format_rate(rate()) : "-- B/s");
  if (m_finished) {
    fields.push_back("in " + format_duration(std::chrono::seconds(
                                 static_cast<long long>(std::llround(elapsed_seconds())))));
  } else if (m_size) {
    const auto left = eta();
    fields.push_back("ETA " + (left ? format_duration(*left) : std::string("--:--")));
  }

  const std::string name = escape_terminal(m_name);
  const std::size_t name_want = std::min(columns(name), k_min_name);
  std::string stats = fmt::to_string(fmt::join(fields, "  "));
  while (fields.size() > 1 && columns(stats) + 2 + name_want > usable) {
    fields.pop_back();
    stats = fmt::to_string(fmt::join(fields, "  "));
  }

  std::string line;
  const std::size_t stats_cols = columns(stats);
  if (stats_cols + 2 + 1 > usable) {
    // Not even one column of name fits: the statistics alone, cut.
    line = std::string(head(stats, usable));
  } else {
    const std::size_t name_room = usable - stats_cols - 2;
    line = shorten(name, name_room);
    std::size_t left = name_room - columns(line);
    if (m_size && left >= k_min_bar + 1) {
      const std::size_t inner = std::min(left - 1, k_max_bar) - 2;
      const auto filled =
          static_cast<std::size_t>(std::floor(fraction * static_cast<double>(inner)));
      std::string bar = " [" + std::string(filled, '=');
      if (filled < inner) bar += '>' + std::string(inner - filled - 1, ' ');
      bar += ']';
      line += bar;
      left -= columns(bar);
    }
    line += std::string(left + 2, ' ');
    line += stats;
  }
  const std::size_t cols = columns(line);
  if (cols < usable) line += std::string(usable - cols, ' ');
  return line;
}

nlohmann::ordered_json TransferProgress::progress_json() const {
  nlohmann::ordered_json out;
  out["kind"] = "progress";
  out["file"] = m_name;
  out["bytes"] = m_bytes;
  out["size"] = m_size ? nlohmann::ordered_json(*m_size) : nlohmann::ordered_json(nullptr);
  out["rate"] = std::llround(rate());
  const auto left = eta();
  out["eta"] = left ? nlohmann::ordered_json(left->count()) : nlohmann::ordered_json(nullptr);
  out["elapsed"] = round_to_ms(elapsed_seconds());
  return out;
}

nlohmann::ordered_json TransferProgress::result_json() const {
  nlohmann::ordered_json out;
  out["kind"] = "result";
  out["file"] = m_name;
  out["bytes"] = m_bytes;
  out["size"] = m_size ? nlohmann::ordered_json(*m_size) : nlohmann::ordered_json(nullptr);
  out["seconds"] = round_to_ms(elapsed_seconds());
  out["rate"] = std::llround(average_rate());
  return out;
}

}  // namespace xmpp::cli
