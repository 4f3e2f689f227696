// --persist (man xmpp, PERSISTENT CONNECTIONS): its value, the socket's name and directory and
// their permission checks, the wire format between client and master, which commands share.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <variant>

#include "app.hpp"
#include "cli_support.hpp"
#include "persist_client.hpp"
#include "persist_path.hpp"
#include "persist_wire.hpp"

using namespace xmpp;
using namespace xmpp::cli;
using namespace xmpp::cli::persist;

namespace {

Settings settings_for(std::vector<std::string> args) {
  args.push_back("ping");
  args.push_back("example.org");
  auto parsed = parse_command_line(args, Environment{});
  if (auto* early = std::get_if<EarlyExit>(&parsed)) FAIL("exited early: " << early->err);
  return std::get<Invocation>(parsed).settings;
}

/// A UNIX socket file at `path` with `mode` (bound, then closed: the file stays).
void make_socket_file(const std::string& path, mode_t mode) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  REQUIRE(path.size() < sizeof addr.sun_path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  ::close(fd);
  REQUIRE(::chmod(path.c_str(), mode) == 0);
}

}  // namespace

TEST_CASE("--persist: durations, no/off, the control words; anything else is a usage error") {
  CHECK(parse_persist("60")->idle == std::chrono::seconds(60));
  CHECK(parse_persist("60s")->idle == std::chrono::seconds(60));
  CHECK(parse_persist("10m")->idle == std::chrono::seconds(600));
  CHECK(parse_persist("2h")->idle == std::chrono::seconds(7200));
  CHECK(parse_persist("2s")->action == Persist::Action::run);
  CHECK(parse_persist("no")->action == Persist::Action::none);
  CHECK(parse_persist("off")->action == Persist::Action::none);
  CHECK(parse_persist("stop")->action == Persist::Action::stop);
  CHECK(parse_persist("check")->action == Persist::Action::check);
  for (const char* bad : {"", "0", "-5", "5x", "5ms", "s", "1.5m", "yes", "99999999h"}) {
    CAPTURE(bad);
    auto p = parse_persist(bad);
    REQUIRE_FALSE(p);
    CHECK(p.error().kind == ErrorKind::usage);
  }
}

TEST_CASE("--persist on the command line and `persist` in the config file") {
  CHECK(settings_for({}).persist.action == Persist::Action::none);
  const auto s = settings_for({"--persist", "5m"});
  CHECK(s.persist.action == Persist::Action::run);
  CHECK(s.persist.idle == std::chrono::seconds(300));

  auto bad = parse_command_line({"--persist", "soon", "ping", "example.org"}, Environment{});
  REQUIRE(std::holds_alternative<EarlyExit>(bad));
  CHECK(std::get<EarlyExit>(bad).code == 64);

  test::TempDir dir;
  const auto config =
      dir.write("config", "[account.default]\njid = alice@example.org\npersist = 30s\n");
  auto from_config = settings_for({"--config", config});
  CHECK(from_config.persist.action == Persist::Action::run);
  CHECK(from_config.persist.idle == std::chrono::seconds(30));
  // The command line overrides the key, and `no` turns it off.
  CHECK(settings_for({"--config", config, "--persist", "no"}).persist.action ==
        Persist::Action::none);
  const auto wrong = dir.write("wrong", "[account.default]\njid = a@example.org\npersist = stop\n");
  auto refused = parse_command_line({"--config", wrong, "ping", "example.org"}, Environment{});
  REQUIRE(std::holds_alternative<EarlyExit>(refused));
  CHECK(std::get<EarlyExit>(refused).code == 78);
}

TEST_CASE("`xmpp --persist stop` and `check` need no command") {
  for (const char* word : {"stop", "check"}) {
    auto parsed = parse_command_line({"-j", "alice@example.org", "--persist", word}, Environment{});
    REQUIRE(std::holds_alternative<Invocation>(parsed));
    const auto& inv = std::get<Invocation>(parsed);
    CHECK(inv.command.empty());
    CHECK(inv.settings.persist.action ==
          (std::string_view(word) == "stop" ? Persist::Action::stop : Persist::Action::check));
  }
  // Without --persist, a missing command is still a usage error.
  auto none = parse_command_line({"-j", "alice@example.org"}, Environment{});
  REQUIRE(std::holds_alternative<EarlyExit>(none));
  CHECK(std::get<EarlyExit>(none).code == 64);
}

TEST_CASE("the socket name depends on everything that decides the connection, not the password") {
  const auto base = settings_for({"-j", "alice@example.org"});
  const auto name = socket_name(base, "/home/a");
  CHECK(name.size() == 32 + 5);
  CHECK(name.substr(32) == ".sock");
  CHECK(name.find_first_not_of("0123456789abcdef") == 32);
  CHECK(socket_name(base, "/elsewhere") == name);  // no relative path in it
  CHECK(socket_name(settings_for({"-j", "alice@example.org", "--password-file", "/x"}),
                    "/home/a") == name);
  const std::vector<std::vector<std::string>> different = {
      {"-j", "bob@example.org"},
      {"-j", "alice@example.org/laptop"},
      {"-j", "alice@example.org", "--host", "127.0.0.1"},
      {"-j", "alice@example.org", "--port", "5223"},
      {"-j", "alice@example.org", "--tls", "direct"},
      {"-j", "alice@example.org", "--ca-file", "/etc/ca.pem"},
      {"-j", "alice@example.org", "--pin", "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY="},
      {"-j", "alice@example.org", "--insecure"},
      {"-j", "alice@example.org", "--sasl", "PLAIN"},
      {"-j", "alice@example.org", "--resource", "r"},
  };
  for (const auto& args : different) {
    CAPTURE(args);
    CHECK(socket_name(settings_for(args), "/home/a") != name);
  }
  // A relative CA file means a different file in another directory.
  const auto ca = settings_for({"-j", "alice@example.org", "--ca-file", "ca.pem"});
  CHECK(socket_name(ca, "/a") != socket_name(ca, "/b"));
}

TEST_CASE("the socket directory: $XDG_RUNTIME_DIR/xmpp, else /tmp/xmpp-UID") {
  CHECK(socket_dir(std::string("/run/user/1000"), 1000) == "/run/user/1000/xmpp");
  CHECK(socket_dir(std::nullopt, 1000) == "/tmp/xmpp-1000");
  CHECK(socket_dir(std::string("relative"), 7) == "/tmp/xmpp-7");
}

TEST_CASE("the socket directory is created 0700 and refused when others could use it") {
  test::TempDir tmp;
  const uid_t uid = ::geteuid();
  const auto dir = tmp.file("xmpp");
  REQUIRE(ensure_private_dir(dir, uid));
  struct stat st {};
  REQUIRE(::stat(dir.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0700);
  CHECK(ensure_private_dir(dir, uid));  // again: it exists and is fine

  REQUIRE(::chmod(dir.c_str(), 0755) == 0);
  auto open_dir = check_private_dir(dir, uid);
  REQUIRE_FALSE(open_dir);
  CHECK(open_dir.error().kind == ErrorKind::config);
  CHECK(open_dir.error().message.find("chmod 700") != std::string::npos);
  REQUIRE(::chmod(dir.c_str(), 0700) == 0);

  auto other = check_private_dir(dir, uid + 1);
  REQUIRE_FALSE(other);
  CHECK(other.error().message.find("owned by uid") != std::string::npos);

  const auto link = tmp.file("link");
  REQUIRE(::symlink(dir.c_str(), link.c_str()) == 0);
  auto linked = check_private_dir(link, uid);
  REQUIRE_FALSE(linked);
  CHECK(linked.error().message.find("symbolic link") != std::string::npos);

  const auto file = tmp.write("file", "x");
  CHECK_FALSE(check_private_dir(file, uid));
  CHECK_FALSE(ensure_private_dir(tmp.file("missing/parent"), uid));
}

TEST_CASE("the socket file: missing is fine; a non-socket, another owner or a wide mode is not") {
  test::TempDir tmp;
  const uid_t uid = ::geteuid();
  CHECK(check_socket_file(tmp.file("none.sock"), uid).value() == false);
  const auto good = tmp.file("good.sock");
  make_socket_file(good, 0600);
  CHECK(check_socket_file(good, uid).value() == true);
  CHECK_FALSE(check_socket_file(good, uid + 1));
  const auto wide = tmp.file("wide.sock");
  make_socket_file(wide, 0666);
  auto refused = check_socket_file(wide, uid);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("0666") != std::string::npos);
  CHECK_FALSE(check_socket_file(tmp.write("plain.sock", "x"), uid));
}

TEST_CASE("wire: a request round-trips, with descriptors, and the password is never in it") {
  Environment env;
  env.jid = "alice@example.org";
  env.password = "secret";
  env.home = "/home/a";
  Request request;
  request.action = Persist::Action::run;
  request.cwd = "/home/a/work";
  request.env = environment_entries(env);
  request.args = {"send", "bob@example.org", "", "two words"};
  const auto bytes = encode_request(request);
  CHECK(bytes.find("secret") == std::string::npos);
  auto decoded = decode_request(bytes);
  REQUIRE(decoded);
  CHECK(decoded->cwd == request.cwd);
  CHECK(decoded->args == request.args);
  const auto back = environment_of(*decoded);
  CHECK(back.jid == env.jid);
  CHECK(back.home == env.home);
  CHECK_FALSE(back.password);

  CHECK_FALSE(decode_request("v2\0run\0/\0\0"));
  CHECK_FALSE(decode_request(std::string_view("v1\0jump\0/\0\0", 11)));
  CHECK_FALSE(decode_request(std::string_view("v1\0run\0/\0X=1\0", 13)));

  int pair[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  REQUIRE(send_request(pair[0], request, {pipe_fds[1], 1, 2}));
  auto received = receive_request(pair[1]);
  REQUIRE(received);
  CHECK(received->request.args == request.args);
  REQUIRE(received->fds.size() == 3);
  // The passed descriptor is the pipe's write end: what is written there arrives.
  REQUIRE(::write(received->fds[0], "ok", 2) == 2);
  char buf[2];
  REQUIRE(::read(pipe_fds[0], buf, 2) == 2);
  CHECK(std::string(buf, 2) == "ok");
  for (int f : received->fds)
    ::close(f);

  REQUIRE(send_reply(pair[1], Reply{'X', 75, 1234}));
  auto reply = receive_reply(pair[0]);
  REQUIRE(reply);
  CHECK(reply->code == 75);
  CHECK(reply->pid == 1234);
  ::close(pair[1]);
  auto lost = receive_reply(pair[0]);
  REQUIRE_FALSE(lost);
  CHECK(lost.error().code == "master_lost");
  ::close(pair[0]);
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
}

TEST_CASE("which commands share the master's stream") {
  CHECK(shareable({"send", "bob@example.org", "hi"}, "send"));
  CHECK(shareable({"disco", "info", "example.org"}, "disco"));
  CHECK(shareable({"ping", "example.org"}, "ping"));
  CHECK(shareable({"version", "example.org"}, "version"));
  CHECK(shareable({"--persist", "1m", "pubsub", "publish", "n", "x"}, "pubsub"));
  CHECK_FALSE(shareable({"pubsub", "subscribe", "n"}, "pubsub"));
  CHECK_FALSE(shareable({"listen"}, "listen"));
  CHECK_FALSE(shareable({"muc", "join", "r@x"}, "muc"));
  CHECK_FALSE(shareable({"roster", "list"}, "roster"));
}
