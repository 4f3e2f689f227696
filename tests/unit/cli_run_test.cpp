// The run loop and the commands end to end, with a scripted session instead of a network: exit
// codes, stdout/stderr, deadline, signals, credentials and trace. Every run is bounded by --timeout
// or by the responder; doctest's own timeout guards the rest.
#include <doctest/doctest.h>

#include <csignal>
#include <sstream>
#include <thread>
#include <variant>

#include <sys/stat.h>

#include "app.hpp"
#include "cli_support.hpp"
#include "stanza/iq.hpp"
#include "xep/ping/ping.hpp"
#include "xep/time/time.hpp"
#include "xep/version/version.hpp"
#include "xep_fake_session.hpp"

using namespace xmpp;
using namespace xmpp::cli;
using namespace std::chrono;

namespace {

struct RunHarness {
  std::ostringstream out, err;
  test::FakeSession::Responder responder;
  milliseconds delay{0};
  test::FakeSession::Log log;  ///< outlives the session, which the run loop destroys
  int opened = 0;
  std::string password_seen;
  stream::TraceSink trace_seen;
  std::optional<asio::any_io_executor> executor;
  Prompter prompter = [](std::string_view) -> Result<std::optional<Secret>> {
    return std::optional<Secret>{};
  };
  Io io{out, err, [this](std::string_view p) { return prompter(p); },
        [this](stream::SessionOptions o) -> awaitable<Result<std::unique_ptr<stream::Session>>> {
          executor = co_await asio::this_coro::executor;
          ++opened;
          password_seen = o.password;
          trace_seen = o.trace;
          auto s = std::make_unique<test::FakeSession>(*executor, o.jid.with_resource("fake"));
          s->responder = responder;
          s->delay = delay;
          s->log = &log;
          co_return std::unique_ptr<stream::Session>(std::move(s));
        },
        false};

  int run(std::vector<std::string> args, Environment env = {}) {
    if (!env.password) env.password = "pw";
    return cli::run_main(args, env, io);
  }
};

std::optional<xml::Element> pong(const xml::Element& iq) {
  return ping::make_result(iq);
}

}  // namespace

TEST_CASE("ping --json: exit 0, one JSON document, the session closed, the password handed over") {
  RunHarness h;
  h.responder = pong;
  CHECK(h.run({"-j", "alice@example.test", "--json", "ping", "example.test"}) == 0);
  const auto doc = nlohmann::json::parse(h.out.str());
  CHECK(doc["jid"] == "example.test");
  CHECK(doc["sent"] == 1);
  CHECK(doc["received"] == 1);
  CHECK(doc["lost"] == 0);
  CHECK(doc["replies"][0]["seq"] == 1);
  CHECK(doc["min_ms"].is_number());
  CHECK(h.err.str().empty());
  CHECK(h.log.close_calls == 1);
  CHECK(h.opened == 1);
  CHECK(h.password_seen == "pw");
}

TEST_CASE("ping human: one line per reply, then the summary") {
  RunHarness h;
  h.responder = pong;
  CHECK(h.run({"-j", "alice@example.test", "ping", "example.test", "--count", "3", "--interval",
               "0"}) == 0);
  const auto text = h.out.str();
  CHECK(text.find("PING example.test: seq=1 time=") == 0);
  CHECK(text.find("PING example.test: seq=2 time=") != std::string::npos);
  CHECK(text.find("PING example.test: seq=3 time=") != std::string::npos);
  CHECK(text.find("3 sent, 3 received, 0% lost, rtt min/avg/max = ") != std::string::npos);
  CHECK(h.log.requests.size() == 3);
}

TEST_CASE("ping: an error reply means no XEP-0199 support: exit 1, nothing on stdout") {
  RunHarness h;
  h.responder = [](const xml::Element& iq) {
    return std::optional(
        stanza::make_error_reply(iq, stanza::make_stanza_error("service-unavailable")));
  };
  CHECK(h.run({"-j", "alice@example.test", "--json", "ping", "bob@example.test/phone"}) == 1);
  CHECK(h.out.str().empty());
  CHECK(h.err.str().find("xmpp: ping bob@example.test/phone") == 0);
  CHECK(h.err.str().find("does not support XEP-0199") != std::string::npos);
  CHECK(h.err.str().find(R"("condition":"service-unavailable")") != std::string::npos);
  CHECK(h.err.str().find(R"("exit":1)") != std::string::npos);
}

TEST_CASE("ping: a ping left unanswered at the deadline still prints the summary; exit 75") {
  RunHarness h;
  int calls = 0;
  h.responder = [&](const xml::Element& iq) -> std::optional<xml::Element> {
    return ++calls == 1 ? pong(iq) : std::nullopt;
  };
  CHECK(h.run({"-j", "alice@example.test", "--timeout", "0.5", "--json", "ping", "example.test",
               "--count", "3", "--interval", "0"}) == 75);
  const auto doc = nlohmann::json::parse(h.out.str());
  CHECK(doc["sent"] == 2);
  CHECK(doc["received"] == 1);
  CHECK(doc["lost"] == 1);
  CHECK(h.err.str().find(R"("code":"timeout")") != std::string::npos);
}

TEST_CASE("version and time: JSON reports") {
  RunHarness h;
  h.responder = [](const xml::Element& iq) -> std::optional<xml::Element> {
    if (version::is_request(iq)) return version::make_result(iq, {"Prosody", "0.12.4", "Linux"});
    const auto now = time_point_cast<microseconds>(system_clock::now());
    return time::make_result(iq, time::EntityTime{now + seconds(2), minutes(60)});
  };
  CHECK(h.run({"-j", "alice@example.test", "version", "example.test", "--json"}) == 0);
  CHECK(h.out.str() == R"({"jid":"example.test","name":"Prosody","version":"0.12.4","os":"Linux"})"
                       "\n");
  h.out.str("");
  CHECK(h.run({"-j", "alice@example.test", "time", "example.test", "--json"}) == 0);
  const auto doc = nlohmann::json::parse(h.out.str());
  CHECK(doc["tzo"] == "+01:00");
  CHECK(doc["offset_ms"].get<double>() > 1000.0);
  CHECK(doc["offset_ms"].get<double>() < 3000.0);
  CHECK(doc["utc"].get<std::string>().back() == 'Z');
}

TEST_CASE("no answer before --timeout: exit 75, 'timed out' on stderr, session closed") {
  RunHarness h;
  CHECK(h.run({"-j", "alice@example.test", "--timeout", "0.2", "version", "example.test"}) == 75);
  CHECK(h.out.str().empty());
  CHECK(h.err.str().find("xmpp: ") == 0);
  CHECK(h.log.close_calls == 1);
}

TEST_CASE("the deadline also bounds connecting: a hanging open ends with exit 75") {
  RunHarness h;
  h.io.open_session =
      [](stream::SessionOptions) -> awaitable<Result<std::unique_ptr<stream::Session>>> {
    asio::steady_timer forever(co_await asio::this_coro::executor, hours(1));
    co_await forever.async_wait(asio::use_awaitable);
    co_return fail(ErrorKind::software, "unreachable", "", "unreachable");
  };
  const auto started = steady_clock::now();
  CHECK(h.run({"-j", "alice@example.test", "--timeout", "0.2", "--json", "ping", "example.test"}) ==
        75);
  CHECK(steady_clock::now() - started < seconds(5));
  CHECK(
      h.err.str() ==
      "xmpp: timed out after 0.2 s\n"
      R"({"error":{"code":"timeout","condition":null,"message":"timed out after 0.2 s","exit":75}})"
      "\n");
}

TEST_CASE("after --timeout, a server that never answers our close costs half a second, not two") {
  RunHarness h;
  const auto close_delay = seconds(30);
  h.io.open_session = [&](stream::SessionOptions o)
      -> awaitable<Result<std::unique_ptr<stream::Session>>> {
    auto s = std::make_unique<test::FakeSession>(co_await asio::this_coro::executor,
                                                 o.jid.with_resource("fake"));
    s->close_delay = close_delay;
    co_return std::unique_ptr<stream::Session>(std::move(s));
  };
  const auto started = steady_clock::now();
  CHECK(h.run({"-j", "alice@example.test", "--timeout", "0.3", "ping", "example.test"}) == 75);
  const auto took = steady_clock::now() - started;
  CHECK(took > k_close_grace_after_deadline);                             // we did wait for it
  CHECK(took < milliseconds(300) + k_close_grace_after_deadline + milliseconds(700));  // not 2.3 s
}

TEST_CASE("session errors keep their exit class") {
  for (auto [kind, code] :
       {std::pair{ErrorKind::no_host, 68}, std::pair{ErrorKind::unavailable, 69},
        std::pair{ErrorKind::no_perm, 77}, std::pair{ErrorKind::protocol, 76}}) {
    RunHarness h;
    h.io.open_session =
        [kind =
             kind](stream::SessionOptions) -> awaitable<Result<std::unique_ptr<stream::Session>>> {
      co_return fail(kind, "x", "", "could not log in");
    };
    CHECK(h.run({"-j", "alice@example.test", "ping", "example.test"}) == code);
    CHECK(h.err.str() == "xmpp: could not log in\n");
  }
}

TEST_CASE("no account, no password: exit 78 before anything is sent") {
  RunHarness h;
  CHECK(h.run({"ping", "example.test"}) == 78);
  CHECK(h.err.str().find("no account") != std::string::npos);
  CHECK(h.opened == 0);

  RunHarness none;
  Environment env;
  env.password = std::nullopt;
  auto parsed = parse_command_line({"-j", "alice@example.test", "ping", "example.test"}, env);
  auto& inv = std::get<Invocation>(parsed);
  CHECK(cli::run(inv.settings, inv.runner, none.io) == 78);
  CHECK(none.err.str().find("no password source") != std::string::npos);
  CHECK(none.opened == 0);
}

TEST_CASE("--anonymous opens without asking for a password") {
  RunHarness h;
  h.responder = pong;
  h.prompter = [](std::string_view) -> Result<std::optional<Secret>> {
    FAIL("asked for a password");
    return std::optional<Secret>{};
  };
  Environment env;
  env.password = std::nullopt;
  auto parsed =
      parse_command_line({"--anonymous", "-j", "anon.example.test", "ping", "example.test"}, env);
  auto& inv = std::get<Invocation>(parsed);
  CHECK(cli::run(inv.settings, inv.runner, h.io) == 0);
  CHECK(h.password_seen.empty());
}

TEST_CASE("time spent at the password prompt does not count against --timeout") {
  RunHarness h;
  h.responder = pong;
  h.prompter = [](std::string_view) -> Result<std::optional<Secret>> {
    std::this_thread::sleep_for(milliseconds(400));  // a person typing
    return std::optional<Secret>(Secret{std::string("typed")});
  };
  Environment env;
  env.password = std::nullopt;
  auto parsed = parse_command_line(
      {"-j", "alice@example.test", "--timeout", "0.3", "ping", "example.test"}, env);
  auto& inv = std::get<Invocation>(parsed);
  CHECK(cli::run(inv.settings, inv.runner, h.io) == 0);
  CHECK(h.password_seen == "typed");
}

TEST_CASE("SIGINT and SIGTERM close the session gracefully: exit 130 and 143") {
  for (const auto& [signal_number, expected] : {std::pair{SIGINT, 130}, std::pair{SIGTERM, 143}}) {
    const int sig = signal_number;
    const int code = expected;
    CAPTURE(sig);
    RunHarness h;
    h.responder = [sig = sig](const xml::Element&) -> std::optional<xml::Element> {
      std::raise(sig);  // arrives while the request is pending
      return std::nullopt;
    };
    CHECK(h.run({"-j", "alice@example.test", "--timeout", "20", "--json", "version",
                 "example.test"}) == code);
    CHECK(h.log.close_calls == 1);
    CHECK(h.out.str().empty());
    CHECK(h.err.str().find("\"exit\":" + std::to_string(code)) != std::string::npos);
  }
}

TEST_CASE("Ctrl-C while waiting for the next ping: the summary is printed, exit 130") {
  RunHarness h;
  h.responder = [&](const xml::Element& iq) -> std::optional<xml::Element> {
    // The pong comes at once; the signal comes while waiting for the second ping's turn.
    auto later = std::make_shared<asio::steady_timer>(*h.executor, milliseconds(100));
    later->async_wait([later](const boost::system::error_code&) { std::raise(SIGINT); });
    return pong(iq);
  };
  const auto started = steady_clock::now();
  CHECK(h.run({"-j", "alice@example.test", "--timeout", "20", "ping", "example.test", "--count",
               "100", "--interval", "10"}) == 130);
  CHECK(steady_clock::now() - started < seconds(5));  // not after the 10 s interval
  CHECK(h.out.str().find("PING example.test: seq=1 time=") == 0);
  CHECK(h.out.str().find("1 sent, 1 received, 0% lost") != std::string::npos);
  CHECK(h.err.str() == "xmpp: interrupted\n");
  CHECK(h.log.requests.size() == 1);
}

TEST_CASE("Ctrl-C while a ping is pending: it is cut short, the summary is printed, exit 130") {
  RunHarness h;
  int calls = 0;
  h.responder = [&](const xml::Element& iq) -> std::optional<xml::Element> {
    if (++calls < 3) return pong(iq);
    std::raise(SIGINT);  // while the third ping waits for its pong, which never comes
    return std::nullopt;
  };
  CHECK(h.run({"-j", "alice@example.test", "--timeout", "20", "--json", "ping", "example.test",
               "--count", "100", "--interval", "0"}) == 130);
  const auto doc = nlohmann::json::parse(h.out.str());
  CHECK(doc["sent"] == 3);
  CHECK(doc["received"] == 2);
  CHECK(h.err.str().find("xmpp: interrupted\n") == 0);
  CHECK(h.err.str().find(R"("exit":130)") != std::string::npos);
  CHECK(h.log.requests.size() == 3);
}

TEST_CASE("an exception in a command is a bug: exit 70") {
  RunHarness h;
  Settings settings;
  const Runner boom = [](Context&) -> awaitable<Outcome> {
    throw std::logic_error("boom");
    co_return Outcome{};
  };
  CHECK(cli::run(settings, boom, h.io) == 70);
  CHECK(h.err.str() == "xmpp: internal error (a bug): boom\n");
}

TEST_CASE("--insecure warns even with --quiet; -v prints the connection facts") {
  RunHarness h;
  h.responder = pong;
  CHECK(h.run({"-j", "alice@example.test", "--insecure", "-q", "ping", "example.test"}) == 0);
  CHECK(h.err.str().find("xmpp: warning: --insecure") == 0);

  RunHarness v;
  v.responder = pong;
  CHECK(v.run({"-j", "alice@example.test", "-v", "ping", "example.test"}) == 0);
  CHECK(v.err.str().find("xmpp: connected to 127.0.0.1:5222 (STARTTLS)") != std::string::npos);
  CHECK(v.err.str().find("authenticated with SCRAM-SHA-256, bound as alice@example.test/fake") !=
        std::string::npos);
}

TEST_CASE("--trace FILE: created 0600, one line per entry; an uncreatable file is exit 73") {
  test::TempDir dir;
  {
    RunHarness h;
    h.responder = pong;
    const auto path = dir.file("trace.log");
    CHECK(h.run({"-j", "alice@example.test", "--trace", path, "ping", "example.test"}) == 0);
    REQUIRE(h.trace_seen);
    h.trace_seen("out", "<iq/>");
    h.trace_seen("in", "<iq\ntype='result'/>");
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    std::ifstream in(path);
    std::string first, second;
    std::getline(in, first);
    std::getline(in, second);
    CHECK(first.size() == 24 + 10);
    CHECK(first.substr(24) == " OUT <iq/>");
    CHECK(second.substr(24) == " IN <iq\\ntype='result'/>");
  }
  {
    // An existing file of ours is truncated and tightened to 0600.
    RunHarness h;
    h.responder = pong;
    const auto path = dir.write("old.log", "old secrets\n", 0644);
    CHECK(h.run({"-j", "alice@example.test", "--trace", path, "ping", "example.test"}) == 0);
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(st.st_size == 0);
  }
  {
    RunHarness h;
    const auto link = dir.file("link.log");
    REQUIRE(::symlink(dir.file("elsewhere").c_str(), link.c_str()) == 0);
    CHECK(h.run({"-j", "alice@example.test", "--trace", link, "ping", "example.test"}) == 73);
    CHECK(h.opened == 0);
    RunHarness nodir;
    CHECK(nodir.run({"-j", "alice@example.test", "--trace", dir.file("no/such/dir"), "ping",
                     "example.test"}) == 73);
  }
}
