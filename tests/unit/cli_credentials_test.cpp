// Password sources (CLI.md "Global options", SECURITY.md (c)): files, commands, the environment,
// the config file and the prompt, in that order; none is exit 78.
#include <doctest/doctest.h>

#include "cli_support.hpp"
#include "credentials.hpp"
#include "options.hpp"

using namespace xmpp;
using namespace xmpp::cli;

namespace {
Prompter no_tty() {
  return [](std::string_view) -> Result<std::optional<Secret>> { return std::optional<Secret>{}; };
}
Prompter answers(std::string password, std::string* asked = nullptr) {
  return [password, asked](std::string_view prompt) -> Result<std::optional<Secret>> {
    if (asked) *asked = std::string(prompt);
    return std::optional<Secret>(Secret{password});
  };
}
PasswordSource source(PasswordSource::Kind kind, std::string detail) {
  return PasswordSource{kind, std::move(detail), "test", nullptr};
}
}  // namespace

TEST_CASE("first_line drops the line end and everything after") {
  CHECK(first_line("secret\nsecond\n") == "secret");
  CHECK(first_line("secret\r\n") == "secret");
  CHECK(first_line("secret") == "secret");
  CHECK(first_line(" spaced \n") == " spaced ");
  CHECK(first_line("") == "");
}

TEST_CASE("Secret wipes and moves") {
  Secret a{std::string("a long password that is not a short string")};
  Secret b = std::move(a);
  CHECK(a.empty());
  CHECK(b.str() == "a long password that is not a short string");
  b.clear();
  CHECK(b.empty());
  std::string s = "short";
  cleanse(s);
  CHECK(s.empty());
  CHECK(std::string(s.data(), 5) == std::string(5, '\0'));  // the buffer itself is wiped
}

TEST_CASE("password file: the first line") {
  test::TempDir dir;
  const auto path = dir.write("pw", "hunter2\nignored\n");
  auto pw = obtain_password(source(PasswordSource::Kind::file, path), "a@b", no_tty());
  REQUIRE(pw.has_value());
  CHECK(pw->str() == "hunter2");

  auto missing =
      obtain_password(source(PasswordSource::Kind::file, dir.file("nope")), "a@b", no_tty());
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().kind == ErrorKind::config);
  CHECK(missing.error().code == "password_file");
  CHECK(missing.error().message.find(dir.file("nope")) != std::string::npos);

  auto empty = obtain_password(source(PasswordSource::Kind::file, dir.write("empty", "\nx\n")),
                               "a@b", no_tty());
  REQUIRE_FALSE(empty.has_value());
  CHECK(empty.error().message.find("empty") != std::string::npos);
}

TEST_CASE("password command: the first line of its output; a failure is exit 78") {
  auto pw = obtain_password(
      source(PasswordSource::Kind::command, "printf 'from command\\nsecond\\n'"), "a@b", no_tty());
  REQUIRE(pw.has_value());
  CHECK(pw->str() == "from command");

  auto echo =
      obtain_password(source(PasswordSource::Kind::command, "echo s3cret"), "a@b", no_tty());
  REQUIRE(echo.has_value());
  CHECK(echo->str() == "s3cret");

  auto failed = obtain_password(source(PasswordSource::Kind::command, "echo partial; exit 3"),
                                "a@b", no_tty());
  REQUIRE_FALSE(failed.has_value());
  CHECK(failed.error().kind == ErrorKind::config);
  CHECK(failed.error().code == "password_command");
  CHECK(failed.error().message.find("status 3") != std::string::npos);

  auto killed =
      obtain_password(source(PasswordSource::Kind::command, "kill -9 $$"), "a@b", no_tty());
  REQUIRE_FALSE(killed.has_value());
  CHECK(killed.error().message.find("signal 9") != std::string::npos);

  auto silent = obtain_password(source(PasswordSource::Kind::command, "true"), "a@b", no_tty());
  REQUIRE_FALSE(silent.has_value());
  CHECK(silent.error().message.find("empty") != std::string::npos);

  // A command that prints a lot must not block us or be cut short by a full pipe.
  auto big = obtain_password(
      source(PasswordSource::Kind::command, "echo first; yes | head -c 300000"), "a@b", no_tty());
  REQUIRE(big.has_value());
  CHECK(big->str() == "first");
}

TEST_CASE("prompt: asked for the JID; no terminal is exit 78 naming the sources") {
  std::string asked;
  auto pw = obtain_password(PasswordSource{}, "alice@example.org", answers("typed", &asked));
  REQUIRE(pw.has_value());
  CHECK(pw->str() == "typed");
  CHECK(asked == "Password for alice@example.org: ");

  auto none = obtain_password(PasswordSource{}, "alice@example.org", no_tty());
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().kind == ErrorKind::config);
  CHECK(none.error().message == "no password source: use --password-file, --password-command, "
                                "XMPP_PASSWORD or a config file");

  auto empty = obtain_password(PasswordSource{}, "alice@example.org", answers(""));
  REQUIRE_FALSE(empty.has_value());
}

TEST_CASE("value source (XMPP_PASSWORD, config password)") {
  PasswordSource s{PasswordSource::Kind::value, "", "XMPP_PASSWORD",
                   std::make_shared<Secret>(std::string("env"))};
  auto pw = obtain_password(s, "a@b", no_tty());
  REQUIRE(pw.has_value());
  CHECK(pw->str() == "env");
}

namespace {
Settings resolve(GlobalOptions o, Environment env = {}) {
  auto s = resolve_settings(o, env);
  REQUIRE_MESSAGE(s.has_value(), (s ? std::string() : s.error().message));
  return *s;
}
}  // namespace

TEST_CASE("precedence: --password-file > --password-command > XMPP_PASSWORD > config > prompt") {
  test::TempDir dir;
  const auto config =
      dir.write("config", "[account.default]\njid = alice@example.org\npassword_file = pw.txt\n");
  Environment env;
  env.password = "from-env";

  GlobalOptions o;
  o.config = config;
  o.password_file = "/run/pw";
  auto s = resolve(o, env);
  CHECK(s.password.kind == PasswordSource::Kind::file);
  CHECK(s.password.detail == "/run/pw");

  o.password_file.reset();
  o.password_command = "pass show x";
  s = resolve(o, env);
  CHECK(s.password.kind == PasswordSource::Kind::command);
  CHECK(s.password.detail == "pass show x");

  o.password_command.reset();
  s = resolve(o, env);
  CHECK(s.password.kind == PasswordSource::Kind::value);
  CHECK(s.password.origin == "XMPP_PASSWORD");
  CHECK(s.password.value->str() == "from-env");

  s = resolve(o, Environment{});
  CHECK(s.password.kind == PasswordSource::Kind::file);
  CHECK(s.password.detail == dir.file("pw.txt"));  // relative to the config file
  CHECK(s.password.origin.find("[account.default] password_file") != std::string::npos);

  GlobalOptions bare;
  bare.config = dir.write("empty", "");
  CHECK(resolve(bare).password.kind == PasswordSource::Kind::prompt);
}

TEST_CASE("config password sources: one only; a config password is a value") {
  test::TempDir dir;
  GlobalOptions o;
  o.config = dir.write(
      "config", "[account.a]\njid = a@example.org\npassword = p\npassword_command = echo q\n");
  auto both = resolve_settings(o, {});
  REQUIRE_FALSE(both.has_value());
  CHECK(both.error().kind == ErrorKind::config);
  CHECK(both.error().message.find("only one of") != std::string::npos);

  o.config = dir.write("config2", "[account.a]\njid = a@example.org\npassword = \"p w\"\n");
  const auto s = resolve(o);
  CHECK(s.password.kind == PasswordSource::Kind::value);
  CHECK(s.password.value->str() == "p w");

  o.config = dir.write("config3", "[account.a]\njid = a@example.org\npassword_command = echo q\n");
  auto pw = obtain_password(resolve(o).password, "a@example.org", no_tty());
  REQUIRE(pw.has_value());
  CHECK(pw->str() == "q");
}
