// The config file (CLI.md "Config file", SECURITY.md (c) "Config file checks"): syntax, and the
// checks made on the open file descriptor.
#include <doctest/doctest.h>

#include <unistd.h>

#include "cli_support.hpp"
#include "config.hpp"

using namespace xmpp;
using namespace xmpp::cli;

namespace {
Config parse_ok(std::string_view text) {
  auto c = parse_config(text, "cfg");
  REQUIRE_MESSAGE(c.has_value(), (c ? std::string() : c.error().message));
  return *c;
}
Error parse_error(std::string_view text) {
  auto c = parse_config(text, "cfg");
  REQUIRE_FALSE(c.has_value());
  CHECK(c.error().kind == ErrorKind::config);
  return c.error();
}
}  // namespace

TEST_CASE("config: sections, keys, comments, blank lines, CRLF") {
  const auto c = parse_ok("# a comment\n"
                          "; another\n"
                          "\n"
                          "[account.default]\r\n"
                          "jid = alice@example.org\n"
                          "  password_command=pass show xmpp/alice  \n"
                          "host = xmpp.example.org\n"
                          "port = 5223\n"
                          "tls = direct\n"
                          "ca_file = ca.pem\n"
                          "pin = AAAA\n"
                          "pin = BBBB\n"
                          "resource = laptop\n"
                          "timeout = 2.5\n"
                          "[ account.work ]\n"
                          "jid = bob@work.example\n"
                          "password_file = ~/secret");
  REQUIRE(c.accounts.size() == 2);
  const auto& a = c.accounts[0];
  CHECK(a.name == "default");
  CHECK(a.line == 4);
  CHECK(a.jid == "alice@example.org");
  CHECK(a.password_command == "pass show xmpp/alice");
  CHECK(a.host == "xmpp.example.org");
  CHECK(a.port == 5223);
  CHECK(a.tls == "direct");
  CHECK(a.ca_file == "ca.pem");
  CHECK(a.pins == std::vector<std::string>{"AAAA", "BBBB"});
  CHECK(a.resource == "laptop");
  CHECK(a.timeout == 2.5);
  CHECK(c.find("work") != nullptr);
  CHECK(c.find("work")->password_file == "~/secret");
  CHECK(c.find("nope") == nullptr);
  CHECK_FALSE(c.holds_password);
}

TEST_CASE("config: quoting") {
  const auto c = parse_ok("[account.a]\n"
                          "password = \"  spaced \\\"quoted\\\" back\\\\slash \"\n"
                          "resource = 'single # not a comment \\n'\n"
                          "host = plain # this is part of the value\n");
  const auto& a = c.accounts.at(0);
  REQUIRE(a.password);
  CHECK(a.password->str() == "  spaced \"quoted\" back\\slash ");
  CHECK(a.resource == "single # not a comment \\n");
  CHECK(a.host == "plain # this is part of the value");
  CHECK(c.holds_password);
  CHECK(parse_error("[account.a]\npassword = \"open\n").message.find("unterminated") !=
        std::string::npos);
  CHECK(
      parse_error("[account.a]\npassword = \"x\" tail\n").message.find("after the closing quote") !=
      std::string::npos);
  CHECK(parse_error("[account.a]\npassword = \"a\\tb\"\n").message.find("escapes") !=
        std::string::npos);
}

TEST_CASE("config: unknown keys and sections are named, with file and line") {
  const auto e = parse_error("[account.a]\njid = a@b\npasword = x\n");
  CHECK(e.code == "config");
  CHECK(e.message.find("cfg:3") == 0);
  CHECK(e.message.find("unknown key 'pasword'") != std::string::npos);
  CHECK(parse_error("[general]\n").message.find("unknown section [general]") != std::string::npos);
  CHECK(parse_error("jid = a@b\n").message.find("outside an [account.NAME] section") !=
        std::string::npos);
  CHECK(parse_error("[account.]\n").message.find("cfg:1") == 0);
  CHECK(parse_error("[account.a b]\n").message.find("account name") != std::string::npos);
  CHECK(parse_error("[account.a\n").message.find("']'") != std::string::npos);
  CHECK(parse_error("[account.a]\n[account.a]\n").message.find("twice") != std::string::npos);
  CHECK(parse_error("[account.a]\npassword = x\npassword = y\n").message.find("twice") !=
        std::string::npos);
  CHECK(parse_error("[account.a]\njid = a@b\njid = c@d\n").message.find("twice") !=
        std::string::npos);
  CHECK(parse_error("[account.a]\njust text\n").message.find("key = value") != std::string::npos);
}

TEST_CASE("config: values are checked") {
  CHECK(parse_error("[account.a]\nport = 0\n").message.find("port") != std::string::npos);
  CHECK(parse_error("[account.a]\nport = 65536\n").message.find("port") != std::string::npos);
  CHECK(parse_error("[account.a]\nport = 52x\n").message.find("port") != std::string::npos);
  CHECK(parse_error("[account.a]\ntls = plain\n").message.find("tls") != std::string::npos);
  CHECK(parse_error("[account.a]\ntimeout = -1\n").message.find("timeout") != std::string::npos);
  CHECK(parse_error("[account.a]\ntimeout = soon\n").message.find("timeout") != std::string::npos);
  CHECK(parse_ok("[account.a]\ntimeout = 0\n").accounts[0].timeout == 0.0);
}

TEST_CASE("config: an empty file has no accounts") {
  CHECK(parse_ok("").accounts.empty());
  CHECK(parse_ok("\n# only comments\n").accounts.empty());
}

TEST_CASE("config: default path follows XDG") {
  CHECK(default_config_path(std::string("/x/conf"), std::string("/home/a")) ==
        "/x/conf/xmpp/config");
  CHECK(default_config_path(std::string("relative"), std::string("/home/a")) ==
        "/home/a/.config/xmpp/config");
  CHECK(default_config_path(std::nullopt, std::string("/home/a")) == "/home/a/.config/xmpp/config");
  CHECK_FALSE(default_config_path(std::nullopt, std::nullopt).has_value());
}

TEST_CASE("config: a missing default file is no config; a missing explicit one is exit 78") {
  test::TempDir dir;
  auto none = load_config(dir.file("config"), false);
  REQUIRE(none.has_value());
  CHECK_FALSE(none->has_value());
  auto none_dir = load_config(dir.file("nodir/config"), false);
  REQUIRE(none_dir.has_value());
  CHECK_FALSE(none_dir->has_value());
  auto missing = load_config(dir.file("config"), true);
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().kind == ErrorKind::config);
  CHECK(missing.error().message.find("No such file") != std::string::npos);
}

TEST_CASE("config: permissions of a file holding a password") {
  test::TempDir dir;
  const std::string secret = "[account.a]\njid = a@example.org\npassword = hunter2\n";
  SUBCASE("0600 is accepted") {
    auto c = load_config(dir.write("config", secret, 0600), true);
    REQUIRE(c.has_value());
    REQUIRE(c->has_value());
    CHECK((*c)->accounts.at(0).password->str() == "hunter2");
  }
  SUBCASE("0644 and 0640 are refused with the chmod to run") {
    for (mode_t mode : {mode_t(0644), mode_t(0640), mode_t(0604), mode_t(0610)}) {
      CAPTURE(mode);
      const auto path = dir.write("config", secret, mode);
      auto c = load_config(path, true);
      REQUIRE_FALSE(c.has_value());
      CHECK(c.error().kind == ErrorKind::config);
      CHECK(c.error().message.find("run: chmod 600 " + path) != std::string::npos);
    }
  }
}

TEST_CASE("config: without a password a readable file is fine, a writable one is not") {
  test::TempDir dir;
  const std::string plain = "[account.a]\njid = a@example.org\npassword_command = echo x\n";
  auto ok = load_config(dir.write("config", plain, 0644), true);
  REQUIRE(ok.has_value());
  CHECK(ok->has_value());
  for (mode_t mode : {mode_t(0664), mode_t(0646)}) {
    auto bad = load_config(dir.write("config", plain, mode), true);
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().message.find("chmod go-w") != std::string::npos);
  }
}

TEST_CASE("config: a symbolic link is refused, even to a good file") {
  test::TempDir dir;
  const auto target = dir.write("real", "[account.a]\njid = a@example.org\n", 0600);
  const auto link = dir.file("config");
  REQUIRE(::symlink(target.c_str(), link.c_str()) == 0);
  for (bool must_exist : {true, false}) {
    auto c = load_config(link, must_exist);
    REQUIRE_FALSE(c.has_value());
    CHECK(c.error().kind == ErrorKind::config);
    CHECK(c.error().message.find("symbolic link") != std::string::npos);
  }
}

TEST_CASE(
    "config: a directory, or a group/world-writable parent without the sticky bit, is refused") {
  test::TempDir dir;
  REQUIRE(::mkdir(dir.file("sub").c_str(), 0700) == 0);
  auto not_file = load_config(dir.file("sub"), true);
  REQUIRE_FALSE(not_file.has_value());

  const auto path = dir.write("sub/config", "[account.a]\njid = a@example.org\n", 0600);
  REQUIRE(::chmod(dir.file("sub").c_str(), 0777) == 0);
  auto open_dir = load_config(path, true);
  REQUIRE_FALSE(open_dir.has_value());
  CHECK(open_dir.error().message.find("chmod go-w " + dir.file("sub")) != std::string::npos);

  REQUIRE(::chmod(dir.file("sub").c_str(), 01777) ==
          0);  // like /tmp: others cannot replace our file
  auto sticky = load_config(path, true);
  REQUIRE(sticky.has_value());
  CHECK(sticky->has_value());
}

TEST_CASE("config: a syntax error in the file is reported with its path and line") {
  test::TempDir dir;
  const auto path = dir.write("config", "[account.a]\nbogus = 1\n", 0600);
  auto c = load_config(path, true);
  REQUIRE_FALSE(c.has_value());
  CHECK(c.error().message.find(path + ":2: unknown key 'bogus'") == 0);
}

TEST_CASE("shell_quote quotes only when needed") {
  CHECK(shell_quote("/home/a/.config/xmpp/config") == "/home/a/.config/xmpp/config");
  CHECK(shell_quote("/tmp/my config") == "'/tmp/my config'");
  CHECK(shell_quote("it's") == "'it'\\''s'");
  CHECK(shell_quote("") == "''");
}

TEST_CASE("config: a file or directory owned by another user is refused (needs root to set up)") {
  if (::geteuid() != 0)
    return;  // only root can give a file away; the check itself is covered by the code path
  test::TempDir dir;
  const uid_t nobody = 65534;
  const auto path = dir.write("config", "[account.a]\njid = a@example.org\n", 0600);
  REQUIRE(::chown(path.c_str(), nobody, nobody) == 0);
  auto c = load_config(path, true);
  REQUIRE_FALSE(c.has_value());
  CHECK(c.error().message.find("belongs to uid 65534") != std::string::npos);

  REQUIRE(::chown(path.c_str(), 0, 0) == 0);
  REQUIRE(::chown(dir.path().c_str(), nobody, nobody) == 0);
  auto d = load_config(path, true);
  REQUIRE_FALSE(d.has_value());
  CHECK(d.error().message.find("directory") != std::string::npos);
}
