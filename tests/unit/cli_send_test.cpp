// `send` pieces without a network: the compact log of acknowledged messages, the report written
// piece by piece (byte for byte what the JSON tree dumps), and the stdin line reader.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <sstream>

#include "cmd_send.hpp"
#include "output.hpp"
#include "stdin_lines.hpp"

using namespace xmpp;
using namespace xmpp::cli;

namespace {

SentMessage acked_message(std::size_t index, std::optional<std::size_t> line, std::string to,
                          std::string id) {
  SentMessage m;
  m.index = index;
  m.line = line;
  m.to = std::move(to);
  m.id = std::move(id);
  m.state = stream::DeliveryState::acked;
  return m;
}

std::string streamed_json(const Report& r) {
  std::ostringstream out;
  print_report(r, true, out);
  return out.str();
}

}  // namespace

TEST_CASE("send: SentLog gives back what it was given, short and long ids, several recipients") {
  SentLog log;
  const std::string long_id(40, 'x');
  log.push_back(acked_message(0, 1, "bob@example.test", "AAAAAAAAAAAAAAAAAAAAAA"));
  log.push_back(acked_message(1, 1, "carol@example.test", long_id));
  log.push_back(acked_message(2, std::nullopt, "bob@example.test", "id-3"));
  auto withreceipt = acked_message(3, 2, "dave@example.test", "r");
  withreceipt.receipt = true;
  log.push_back(withreceipt);
  REQUIRE(log.size() == 4);
  CHECK(log.at(0).id == "AAAAAAAAAAAAAAAAAAAAAA");
  CHECK(log.at(0).to == "bob@example.test");
  CHECK(log.at(0).line == std::optional<std::size_t>(1));
  CHECK_FALSE(log.at(0).receipt.has_value());
  CHECK(log.at(1).id == long_id);
  CHECK(log.at(1).to == "carol@example.test");
  CHECK_FALSE(log.at(2).line.has_value());
  CHECK(log.at(2).to == "bob@example.test");
  CHECK(log.at(3).receipt == std::optional<bool>(true));
  CHECK(log.at(3).index == 3);
  log.erase_index(1);
  REQUIRE(log.size() == 3);
  CHECK(log.at(1).id == "id-3");
  log.erase_index(99);  // not there: nothing happens
  CHECK(log.size() == 3);
}

TEST_CASE("send: the report written piece by piece is the document to_json() dumps") {
  SendReport report;
  CHECK(streamed_json(report) == dump_json(report.to_json()) + "\n");
  CHECK(streamed_json(report) == "{\"sent\":[],\"failed\":[],\"resent\":0}\n");
  for (std::size_t i = 0; i < 50; ++i)
    report.sent.push_back(acked_message(i, i + 1, "bob@example.test", "id-" + std::to_string(i)));
  SentMessage bounced = acked_message(50, 51, "nobody@example.test", "q7\u202Ew");
  bounced.state = stream::DeliveryState::bounced;
  bounced.error = make_error(ErrorKind::remote, "stanza_error", "service-unavailable",
                             "message to nobody@example.test: service-unavailable \"quoted\"");
  report.failed.push_back(bounced);
  SentMessage invalid;
  invalid.line = 52;
  invalid.to = "bob@example.test";
  invalid.state = stream::DeliveryState::unconfirmed;
  invalid.error = make_error(ErrorKind::data, "bad_text", "", "not valid UTF-8 text");
  report.failed.push_back(invalid);
  report.resent = 3;
  report.url = "https://upload.example.test/a\"b";
  const std::string streamed = streamed_json(report);
  CHECK(streamed == dump_json(report.to_json()) + "\n");
  CHECK(streamed.find("\\u202e") != std::string::npos);  // still escaped for the terminal

  SendReport dry;
  dry.dry_run = std::vector<std::string>{"<message/>"};
  CHECK(streamed_json(dry) == dump_json(dry.to_json()) + "\n");
}

TEST_CASE("send: LineReader cuts many short lines, a last line without newline, CRLF") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  std::string input;
  for (int i = 1; i <= 20000; ++i)
    input += "line " + std::to_string(i) + (i % 2 ? "\n" : "\r\n");
  input += "tail";
  // Written by a child so that a full pipe cannot block the test.
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(fds[0]);
    std::size_t done = 0;
    while (done < input.size()) {
      const ssize_t n = ::write(fds[1], input.data() + done, input.size() - done);
      if (n <= 0) ::_exit(1);
      done += static_cast<std::size_t>(n);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  asio::io_context io;
  std::vector<std::string> lines;
  bool ended = false;
  asio::co_spawn(
      io,
      [&]() -> awaitable<void> {
        LineReader reader(io.get_executor(), fds[0]);
        for (;;) {
          auto line = co_await reader.next();
          REQUIRE(line);
          if (!*line) break;
          lines.push_back(std::move(**line));
        }
        ended = true;
      },
      asio::detached);
  io.run_for(std::chrono::seconds(20));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  CHECK(ended);
  REQUIRE(lines.size() == 20001);
  CHECK(lines[0] == "line 1");
  CHECK(lines[1] == "line 2");
  CHECK(lines[19999] == "line 20000");
  CHECK(lines[20000] == "tail");
}
