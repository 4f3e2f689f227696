// Output (STYLE.md "Errors and output", SECURITY.md row 51): terminal escaping, JSON goldens of
// every Report and of the error line, human goldens.
#include <doctest/doctest.h>

#include <sstream>

#include "cmd_ping.hpp"
#include "cmd_time.hpp"
#include "cmd_version.hpp"
#include "output.hpp"
#include "trace.hpp"

using namespace xmpp;
using namespace xmpp::cli;
using namespace std::chrono;

namespace {
std::string printed(const Report& r) {
  std::ostringstream out;
  print_report(r, false, out);
  return out.str();
}
std::string json(const Report& r) {
  std::ostringstream out;
  print_report(r, true, out);
  return out.str();
}
}  // namespace

TEST_CASE("escape_terminal: control characters, DEL and line ends") {
  CHECK(escape_terminal("plain text, ünïcödé, 日本") == "plain text, ünïcödé, 日本");
  CHECK(escape_terminal("\x1b]0;pwned\x07") == "\\x1b]0;pwned\\x07");
  CHECK(escape_terminal("\x1b[2J") == "\\x1b[2J");
  CHECK(escape_terminal("ok\rEVIL") == "ok\\rEVIL");
  CHECK(escape_terminal("a\nb") == "a\\nb");
  CHECK(escape_terminal("a\nb", true) == "a\nb");
  CHECK(escape_terminal("a\tb") == "a\\tb");
  CHECK(escape_terminal(std::string("a\0b", 3)) == "a\\x00b");
  CHECK(escape_terminal("\x7f") == "\\x7f");
  // OSC 8 hyperlink: ESC ] 8 ; ; url ESC \ text ESC ] 8 ; ; ESC backslash
  CHECK(escape_terminal("\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\") ==
        "\\x1b]8;;http://evil\\x1b\\click\\x1b]8;;\\x1b\\");
}

TEST_CASE("escape_terminal: C1 controls, bidi overrides and isolates, line separators") {
  CHECK(escape_terminal("\xc2\x9b"
                        "2J") == "\\u009b2J");  // U+009B CSI
  CHECK(escape_terminal("abc\xe2\x80\xae"
                        "fed") == "abc\\u202efed");  // U+202E RLO
  CHECK(escape_terminal("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad") ==
        "\\u202a\\u202b\\u202c\\u202d");
  CHECK(escape_terminal("\xe2\x81\xa6x\xe2\x81\xa9") == "\\u2066x\\u2069");  // LRI, PDI
  CHECK(escape_terminal("\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c") == "\\u200e\\u200f\\u061c");
  CHECK(escape_terminal("\xe2\x80\xa8\xe2\x80\xa9") == "\\u2028\\u2029");
  CHECK(escape_terminal("\xe2\x80\x8b") == "\xe2\x80\x8b");  // zero-width space is harmless
}

TEST_CASE("escape_terminal: invalid UTF-8 bytes are shown as bytes, never passed through") {
  CHECK(escape_terminal("\xc0\xaf") == "\\xc0\\xaf");                    // overlong '/'
  CHECK(escape_terminal("\x80") == "\\x80");                             // lone continuation
  CHECK(escape_terminal("\xeb\x3c\x3e") == "\\xeb<>");                   // truncated sequence
  CHECK(escape_terminal("\xed\xa0\x80") == "\\xed\\xa0\\x80");           // surrogate
  CHECK(escape_terminal("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80");  // > U+10FFFF
  CHECK(escape_terminal("\xff") == "\\xff");
  CHECK(escape_terminal("\xf0\x9f\x98\x80") == "\xf0\x9f\x98\x80");  // U+1F600 is fine
}

TEST_CASE("dump_json: characters that act on a terminal are \\u escapes, other text is kept") {
  const nlohmann::ordered_json doc = {
      {"text", "a\x1b[2J b\xc2\x9b" "2J c\xe2\x80\xae" "d M\xc3\xbcnchen \xf0\x9f\x98\x80 \xe2\x80\xa8"}};
  const std::string out = dump_json(doc);
  CHECK(out ==
        "{\"text\":\"a\\u001b[2J b\\u009b2J c\\u202ed M\xc3\xbcnchen \xf0\x9f\x98\x80 \\u2028\"}");
  CHECK(nlohmann::json::parse(out)["text"] == doc["text"]);
}

TEST_CASE("error line: human and JSON") {
  const auto e = make_error(ErrorKind::no_perm, "auth_failed", "not-authorized",
                            "login as a@b: not-authorized");
  CHECK(
      error_json(e) ==
      R"({"error":{"code":"auth_failed","condition":"not-authorized","message":"login as a@b: not-authorized","exit":77}})");
  CHECK(
      error_json(make_error(ErrorKind::temporary, "timeout", "", "timed out after 30 s")) ==
      R"({"error":{"code":"timeout","condition":null,"message":"timed out after 30 s","exit":75}})");
  CHECK(error_json(make_error(ErrorKind::interrupted, "interrupted", "", "terminated"), 143) ==
        R"({"error":{"code":"interrupted","condition":null,"message":"terminated","exit":143}})");

  std::ostringstream err;
  print_error(make_error(ErrorKind::remote, "stanza_error", "forbidden",
                         "ping x: forbidden (\x1b[31mred\xe2\x80\xae)"),
              false, err);
  CHECK(err.str() == "xmpp: ping x: forbidden (\\x1b[31mred\\u202e)\n");
  std::ostringstream both;
  print_error(make_error(ErrorKind::remote, "stanza_error", "forbidden", "no \x1b"), true, both);
  CHECK(
      both.str() ==
      "xmpp: no \\x1b\n"
      R"({"error":{"code":"stanza_error","condition":"forbidden","message":"no \u001b","exit":1}})"
      "\n");
}

TEST_CASE("ping report: JSON and human") {
  PingReport r;
  r.jid = "example.test";
  r.sent = 3;
  r.replies = {{1, 0.4204}, {2, 12.3456}, {3, 1.5}};
  CHECK(
      json(r) ==
      R"({"jid":"example.test","replies":[{"seq":1,"rtt_ms":0.42},{"seq":2,"rtt_ms":12.346},{"seq":3,"rtt_ms":1.5}],)"
      R"("sent":3,"received":3,"lost":0,"min_ms":0.42,"avg_ms":4.755,"max_ms":12.346})"
      "\n");
  CHECK(printed(r) == "PING example.test: seq=1 time=0.420 ms\n"
                    "PING example.test: seq=2 time=12.3 ms\n"
                    "PING example.test: seq=3 time=1.50 ms\n"
                    "3 sent, 3 received, 0% lost, rtt min/avg/max = 0.420/4.755/12.346 ms\n");
  r.streamed = 2;  // lines already printed as the replies came
  CHECK(printed(r) == "PING example.test: seq=3 time=1.50 ms\n"
                    "3 sent, 3 received, 0% lost, rtt min/avg/max = 0.420/4.755/12.346 ms\n");

  PingReport lost;
  lost.jid = "example.test";
  lost.sent = 2;
  CHECK(
      json(lost) ==
      R"({"jid":"example.test","replies":[],"sent":2,"received":0,"lost":2,"min_ms":null,"avg_ms":null,"max_ms":null})"
      "\n");
  CHECK(printed(lost) == "2 sent, 0 received, 100% lost\n");
  lost.replies = {{1, 250.0}};
  CHECK(printed(lost) ==
        "PING example.test: seq=1 time=250 ms\n2 sent, 1 received, 50% lost, rtt min/avg/max = "
        "250.000/250.000/250.000 ms\n");
}

TEST_CASE("version report: JSON with nulls, human with escaping") {
  VersionReport r;
  r.jid = "juliet@capulet.com/balcony";
  r.info = {"Exodus", "0.7.0.4", "Windows-XP 5.01.2600"};
  CHECK(
      json(r) ==
      R"({"jid":"juliet@capulet.com/balcony","name":"Exodus","version":"0.7.0.4","os":"Windows-XP 5.01.2600"})"
      "\n");
  CHECK(printed(r) == "name:    Exodus\nversion: 0.7.0.4\nos:      Windows-XP 5.01.2600\n");

  r.info = {"evil\x1b[2J\r", std::nullopt, std::nullopt};
  CHECK(json(r) ==
        R"({"jid":"juliet@capulet.com/balcony","name":"evil\u001b[2J\r","version":null,"os":null})"
        "\n");
  CHECK(printed(r) == "name:    evil\\x1b[2J\\r\nversion: (not given)\n");
}

TEST_CASE("time report: JSON and human") {
  TimeReport r;
  r.jid = "juliet@capulet.com/balcony";
  r.clock = time::EntityTime{time::Timestamp{seconds(1166551115)}, minutes(-360)};
  r.offset = microseconds(-1234567);
  CHECK(json(r) ==
        R"({"jid":"juliet@capulet.com/balcony","utc":"2006-12-19T17:58:35Z","tzo":"-06:00",)"
        R"("local":"2006-12-19T11:58:35-06:00","offset_ms":-1234.567})"
        "\n");
  CHECK(printed(r) == "local:  2006-12-19T11:58:35-06:00\n"
                    "utc:    2006-12-19T17:58:35Z\n"
                    "offset: -1234.567 ms (their clock minus ours)\n");
}

TEST_CASE("trace lines: UTC with milliseconds, direction upper-cased, one line per entry") {
  const system_clock::time_point t{milliseconds(1795608000123)};  // 2026-11-25T12:00:00.123Z
  CHECK(trace_line(t, "out", "<iq type='get'/>") ==
        "2026-11-25T12:00:00.123Z OUT <iq type='get'/>");
  CHECK(trace_line(t, "in", "<a>\n\x1b</a>") == "2026-11-25T12:00:00.123Z IN <a>\\n\\x1b</a>");
}

TEST_CASE("round_ms keeps microseconds") {
  CHECK(round_ms(0.4204) == 0.42);
  CHECK(round_ms(1.0006) == 1.001);
  CHECK(round_ms(-2.5) == -2.5);
}
