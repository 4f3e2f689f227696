// The jingle-file progress display (CLI.md "jingle-file", issue 9): byte, rate and duration
// formats, the sliding-window rate and ETA, the redraw throttle, the terminal line at several
// widths (goldens), terminal escaping of the name (SECURITY.md row 51) and the NDJSON events.
// The clock is fixed time points: nothing here sleeps.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>

#include "output.hpp"
#include "transfer_progress.hpp"

using namespace xmpp::cli;
using namespace std::chrono_literals;

namespace {

const ProgressClock::time_point t0{};
constexpr std::uint64_t k_mib = 1024 * 1024;

/// report.pdf, 27 MiB, 20 MiB done after 4 s: 5 MiB/s, 7 MiB left, ETA 1.4 s -> 2 s.
TransferProgress report_at_4s() {
  TransferProgress p("report.pdf", 27 * k_mib, t0);
  p.update(t0 + 4s, 20 * k_mib);
  return p;
}

}  // namespace

TEST_CASE("format_bytes, format_rate, format_duration") {
  CHECK(format_bytes(0) == "0 B");
  CHECK(format_bytes(1023) == "1023 B");
  CHECK(format_bytes(1024) == "1.0 KiB");
  CHECK(format_bytes(1536) == "1.5 KiB");
  CHECK(format_bytes(12897485) == "12.3 MiB");
  CHECK(format_bytes(k_mib - 1) == "1.0 MiB");  // never "1024.0 KiB"
  CHECK(format_bytes(27ULL * 1024 * k_mib) == "27.0 GiB");
  CHECK(format_bytes(std::numeric_limits<std::uint64_t>::max()) == "16.0 EiB");

  CHECK(format_rate(5.2 * k_mib) == "5.2 MiB/s");
  CHECK(format_rate(0) == "0 B/s");
  CHECK(format_rate(-1) == "-- B/s");
  CHECK(format_rate(std::numeric_limits<double>::quiet_NaN()) == "-- B/s");
  CHECK(format_rate(std::numeric_limits<double>::infinity()) == "-- B/s");

  CHECK(format_duration(3s) == "0:03");
  CHECK(format_duration(754s) == "12:34");
  CHECK(format_duration(3723s) == "1:02:03");
  CHECK(format_duration(-5s) == "0:00");
}

TEST_CASE("TransferProgress: the rate follows the last window, the ETA the rate") {
  TransferProgress p("f", 46'000'000, t0);
  CHECK(p.rate() == 0);
  CHECK_FALSE(p.eta());
  // 10 s at 1 MB/s, then 10 s at 3 MB/s, one update every 10 ms (samples are merged).
  std::uint64_t bytes = 0;
  for (int ms = 10; ms <= 20'000; ms += 10) {
    bytes += ms <= 10'000 ? 10'000 : 30'000;
    p.update(t0 + std::chrono::milliseconds(ms), bytes);
    if (ms == 10'000) CHECK(p.rate() == doctest::Approx(1e6));
  }
  CHECK(p.bytes() == 40'000'000);
  CHECK(p.rate() == doctest::Approx(3e6));          // the last 5 s only
  CHECK(p.average_rate() == doctest::Approx(2e6));  // the whole 20 s
  CHECK(p.elapsed_seconds() == doctest::Approx(20.0));
  REQUIRE(p.eta());
  CHECK(*p.eta() == 2s);  // 6 MB left at 3 MB/s

  // A stall reported by the caller's timer brings the rate down and the ETA up.
  p.update(t0 + 24s, bytes);
  CHECK(p.rate() < 1e6);
  CHECK(*p.eta() > 6s);

  p.finish(t0 + 30s, 46'000'000);
  CHECK(p.finished());
  CHECK_FALSE(p.eta());
}

TEST_CASE("TransferProgress: at most N redraws a second, the final state always drawn once") {
  TransferProgress p("f", 100, t0, ProgressOptions{.max_redraws_per_second = 10});
  CHECK(p.redraw_due(t0));
  CHECK_FALSE(p.redraw_due(t0 + 50ms));
  CHECK_FALSE(p.redraw_due(t0 + 99ms));
  CHECK(p.redraw_due(t0 + 100ms));
  CHECK_FALSE(p.redraw_due(t0 + 150ms));
  p.finish(t0 + 160ms, 100);
  CHECK(p.redraw_due(t0 + 160ms));  // within the interval, but final
  CHECK_FALSE(p.redraw_due(t0 + 160ms));
  CHECK_FALSE(p.redraw_due(t0 + 10s));
}

TEST_CASE("TransferProgress: the terminal line, wide and narrow (goldens)") {
  const auto p = report_at_4s();
  CHECK(p.rate() == doctest::Approx(5.0 * k_mib));
  CHECK(*p.eta() == 2s);

  // 80 columns: name, bar, percent, sizes, rate, ETA; 79 columns used.
  // The bar gets the 21 columns the name leaves: " [" 13 '=' '>' 4 ' ' "]" (74% of 18).
  const std::string wide = p.render_line(80);
  CHECK(wide == "report.pdf [" + std::string(13, '=') + ">" + std::string(4, ' ') + "]" +
                    "   74%  20.0 MiB / 27.0 MiB  5.0 MiB/s  ETA 0:02");
  CHECK(wide.size() == 79);

  // 40 columns: no bar, ETA and rate left out; the statistics stay right-aligned.
  CHECK(p.render_line(40) == "report.pdf" + std::string(5, ' ') + "74%  20.0 MiB / 27.0 MiB");
  // Tiny terminals: the name cut, then the percentage alone.
  CHECK(p.render_line(10) == "rep" + std::string(3, ' ') + "74%");
  CHECK(p.render_line(5) == " 74%");
  CHECK(p.render_line(1).empty());
  CHECK(p.render_line(0).empty());
}

TEST_CASE("TransferProgress: a long name is shortened in the middle, keeping its extension") {
  TransferProgress p("a_very_long_file_name_from_the_peer_2026-11-27.tar.gz", 27 * k_mib, t0);
  p.update(t0 + 4s, 20 * k_mib);
  CHECK(p.render_line(60) == "a_very_lo...27.tar.gz   74%  20.0 MiB / 27.0 MiB  5.0 MiB/s");
}

TEST_CASE("TransferProgress: a hostile name cannot drive the terminal (row 51)") {
  TransferProgress p("evil\x1b[2J\rname.txt", 10, t0);
  p.update(t0 + 1s, 5);
  const std::string line = p.render_line(100);
  CHECK(line.find('\x1b') == std::string::npos);
  CHECK(line.find('\r') == std::string::npos);
  CHECK(line.rfind("evil\\x1b[2J\\rname.txt", 0) == 0);
  CHECK(line.size() == 99);
}

TEST_CASE("TransferProgress: wide characters count two columns and are never split") {
  std::string name;
  for (int i = 0; i < 30; ++i)
    name += "\xe6\x97\xa5";  // U+65E5, two columns each
  TransferProgress p(name, std::nullopt, t0);
  p.update(t0 + 2s, 3 * k_mib);
  // 40 columns: "3.0 MiB  1.5 MiB/s" (18), two spaces, 20 for the name: 4 characters, "...",
  // 4 characters (19 columns: a fifth character would need 21) and one space of padding.
  const std::string line = p.render_line(41);
  std::string expected;
  for (int i = 0; i < 4; ++i)
    expected += "\xe6\x97\xa5";
  expected += "...";
  for (int i = 0; i < 4; ++i)
    expected += "\xe6\x97\xa5";
  expected += std::string(3, ' ') + "3.0 MiB  1.5 MiB/s";
  CHECK(line == expected);
}

TEST_CASE("TransferProgress: unknown size and the finished line") {
  TransferProgress unknown("stream", std::nullopt, t0);
  // No rate before two samples; no bar, percentage or ETA without a size.
  CHECK(unknown.render_line(40) == "stream" + std::string(22, ' ') + "0 B  -- B/s");
  unknown.update(t0 + 2s, 3 * k_mib);
  const std::string line = unknown.render_line(40);
  CHECK(line == "stream" + std::string(15, ' ') + "3.0 MiB  1.5 MiB/s");
  CHECK(line.find('%') == std::string::npos);
  CHECK(line.find("ETA") == std::string::npos);

  auto done = report_at_4s();
  done.finish(t0 + 5s, 27 * k_mib);
  CHECK(done.render_line(80) == "report.pdf [" + std::string(19, '=') + "]" +
                                    "  100%  27.0 MiB / 27.0 MiB  5.4 MiB/s  in 0:05");
}

TEST_CASE("TransferProgress: NDJSON progress and result events") {
  const auto p = report_at_4s();
  CHECK(dump_json(p.progress_json()) ==
        R"({"kind":"progress","file":"report.pdf","bytes":20971520,"size":28311552,)"
        R"("rate":5242880,"eta":2,"elapsed":4.0})");

  auto done = report_at_4s();
  done.finish(t0 + 5s, 27 * k_mib);
  CHECK(dump_json(done.result_json()) ==
        R"({"kind":"result","file":"report.pdf","bytes":28311552,"size":28311552,)"
        R"("seconds":5.0,"rate":5662310})");

  TransferProgress unknown("a\"b", std::nullopt, t0);
  CHECK(dump_json(unknown.progress_json()) ==
        R"({"kind":"progress","file":"a\"b","bytes":0,"size":null,"rate":0,"eta":null,)"
        R"("elapsed":0.0})");
}
