// The command line (CLI.md "Shape", "Global options"): parsed and resolved without a network.
#include <doctest/doctest.h>

#include <variant>

#include "app.hpp"
#include "cli_support.hpp"
#include "commands.hpp"

using namespace xmpp;
using namespace xmpp::cli;

namespace {

Parsed parse(std::vector<std::string> args, const Environment& env = {}) {
  return parse_command_line(args, env);
}

Invocation invocation(std::vector<std::string> args, const Environment& env = {}) {
  auto p = parse(args, env);
  if (auto* early = std::get_if<EarlyExit>(&p))
    FAIL("exited early with " << early->code << ": " << early->err);
  return std::get<Invocation>(std::move(p));
}

EarlyExit early(std::vector<std::string> args, const Environment& env = {}) {
  auto p = parse(args, env);
  REQUIRE(std::holds_alternative<EarlyExit>(p));
  return std::get<EarlyExit>(p);
}

}  // namespace

TEST_CASE("global options before and after the command mean the same") {
  const std::vector<std::vector<std::string>> spellings = {
      {"--json", "-j", "alice@example.org", "--timeout", "5", "ping", "example.org"},
      {"ping", "example.org", "--json", "-j", "alice@example.org", "--timeout", "5"},
      {"ping", "--json", "example.org", "--timeout=5", "--jid=alice@example.org"},
      {"-j", "alice@example.org", "ping", "--timeout", "5", "example.org", "--json"},
  };
  for (const auto& args : spellings) {
    CAPTURE(args);
    const auto inv = invocation(args);
    CHECK(inv.command == "ping");
    CHECK(inv.settings.json);
    REQUIRE(inv.settings.jid.has_value());
    CHECK(inv.settings.jid->str() == "alice@example.org");
    CHECK(inv.settings.timeout == std::chrono::seconds(5));
  }
}

TEST_CASE("every global option is parsed into the settings") {
  const auto inv = invocation({"version",
                               "example.org",
                               "-j",
                               "alice@example.org/desk",
                               "--host",
                               "127.0.0.1",
                               "--port",
                               "5223",
                               "--tls",
                               "direct",
                               "--ca-file",
                               "/ca.pem",
                               "--pin",
                               "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
                               "--pin",
                               "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=",
                               "--insecure",
                               "--sasl",
                               "scram-sha-256,PLAIN",
                               "--resource",
                               "bench",
                               "--retries",
                               "3",
                               "--timeout",
                               "0",
                               "-v",
                               "-v",
                               "--trace",
                               "-"});
  const auto& s = inv.settings;
  CHECK(s.jid->str() == "alice@example.org/desk");
  CHECK(s.host == "127.0.0.1");
  CHECK(s.port == 5223);
  CHECK(s.tls == net::TlsMode::direct);
  CHECK(s.ca_file == "/ca.pem");
  CHECK(s.pins.size() == 2);
  CHECK(s.insecure);
  CHECK(s.sasl == std::vector<std::string>{"SCRAM-SHA-256", "PLAIN"});
  CHECK(s.resource == "bench");
  CHECK(s.retries == 3);
  CHECK(s.timeout == std::chrono::milliseconds(0));
  CHECK(s.verbose == 2);
  CHECK(s.trace == "-");
  CHECK(s.password.kind == PasswordSource::Kind::prompt);
  CHECK_FALSE(s.json);

  const auto d = Context::session_options(s);
  CHECK(d.jid == *s.jid);
  CHECK(d.host == "127.0.0.1");
  CHECK(d.port == 5223);
  CHECK(d.tls == net::TlsMode::direct);
  CHECK(d.ca_file == "/ca.pem");
  CHECK(d.pins == s.pins);
  CHECK(d.insecure);
  CHECK(d.sasl_mechanisms == s.sasl);
  CHECK(d.resource == "bench");
  CHECK(d.retries == 3);
  CHECK(d.password.empty());
}

TEST_CASE("--pin also takes curl's sha256//BASE64 spelling, stored without the prefix") {
  const auto s = invocation({"ping", "example.org", "--pin",
                             "sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "--pin",
                             "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="})
                     .settings;
  CHECK(s.pins == std::vector<std::string>{"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
                                           "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="});
  CHECK(early({"ping", "example.org", "--pin", "sha256//"}).code == 64);
  CHECK(early({"ping", "example.org", "--pin", "sha1//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="})
            .code == 64);
}

TEST_CASE("defaults: 30 s timeout, automatic TLS, no account") {
  const auto s = invocation({"ping", "example.org"}).settings;
  CHECK(s.timeout == std::chrono::seconds(30));
  CHECK(s.tls == net::TlsMode::automatic);
  CHECK_FALSE(s.jid.has_value());
  CHECK_FALSE(s.config_path.has_value());
  CHECK(s.retries == 0);
}

TEST_CASE("there is no --password option: exit 64 with CLI11's message and a hint") {
  const auto e = early({"ping", "example.org", "--password", "hunter2"});
  CHECK(e.code == 64);
  CHECK(e.out.empty());
  CHECK(e.err.find("xmpp: ") == 0);
  CHECK(e.err.find("--password") != std::string::npos);
  CHECK(e.err.find("--help") != std::string::npos);
  CHECK(early({"--password=x", "ping", "example.org"}).code == 64);
}

TEST_CASE("usage errors are exit 64, and with --json also one JSON line") {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {},
           {"frobnicate"},
           {"ping"},
           {"ping", "a@@b"},
           {"ping", "example.org", "--count", "0"},
           {"ping", "example.org", "--count", "x"},
           {"ping", "example.org", "--port", "70000"},
           {"ping", "example.org", "--tls", "plain"},
           {"ping", "example.org", "--pin", "not-a-pin"},
           {"ping", "example.org", "--sasl", "BAD MECH"},
           {"ping", "example.org", "--timeout", "-1"},
           {"ping", "example.org", "-j", "@example.org"},
           {"ping", "example.org", "--password-file", "a", "--password-command", "b"},
           {"ping", "example.org", "-q", "-v"},
           {"ping", "example.org", "--anonymous", "-j", "alice@example.org"},
           {"help", "nosuchcommand"},
       }) {
    CAPTURE(args);
    auto e = early(args);
    auto with_json = args;
    CHECK(e.code == 64);
    CHECK(e.err.find("xmpp: ") == 0);
    with_json.push_back("--json");
    e = early(with_json);
    CHECK(e.code == 64);
    CHECK(e.err.find("{\"error\":{\"code\":\"usage\"") != std::string::npos);
    CHECK(e.err.find("\"exit\":64}}") != std::string::npos);
  }
}

TEST_CASE(
    "help: xmpp help COMMAND is xmpp COMMAND --help; every option appears with its long name") {
  for (const auto& command : k_commands) {
    CAPTURE(command.name);
    const auto a = early({"help", std::string(command.name)});
    const auto b = early({std::string(command.name), "--help"});
    CHECK(a.code == 0);
    CHECK(b.code == 0);
    CHECK(a.out == b.out);
    CHECK(a.out.find("Usage: xmpp " + std::string(command.name)) != std::string::npos);
  }
  const auto top = early({"--help"});
  CHECK(top.code == 0);
  CHECK(top.out == early({"help"}).out);
  for (const char* option : {"--account",   "--jid",      "--password-file", "--password-command",
                             "--host",      "--port",     "--tls",           "--ca-file",
                             "--pin",       "--insecure", "--sasl",          "--resource",
                             "--anonymous", "--retries",  "--timeout",       "--json",
                             "--quiet",     "--verbose",  "--trace",         "--timing",
                             "--config",    "--version",  "--help"})
    CHECK_MESSAGE(top.out.find(option) != std::string::npos, option);
  for (const auto& command : k_commands)
    CHECK(top.out.find(std::string(command.name)) != std::string::npos);
  CHECK(top.out.find("EX_CONFIG") != std::string::npos);
  const auto ping = early({"ping", "--help"}).out;
  CHECK(ping.find("--count") != std::string::npos);
  CHECK(ping.find("--interval") != std::string::npos);
}

TEST_CASE("--version") {
  const auto v = early({"--version"});
  CHECK(v.code == 0);
  CHECK(v.out.find("xmpp ") == 0);
}

TEST_CASE("environment: XMPP_JID and XMPP_DNS_SERVER; the command line wins") {
  Environment env;
  env.jid = "env@example.org";
  env.dns_server = "127.0.0.1:5353";
  auto s = invocation({"ping", "example.org"}, env).settings;
  CHECK(s.jid->str() == "env@example.org");
  CHECK(s.dns_server == "127.0.0.1:5353");
  CHECK(Context::session_options(s).dns_server == "127.0.0.1:5353");
  s = invocation({"ping", "example.org", "-j", "cli@example.org"}, env).settings;
  CHECK(s.jid->str() == "cli@example.org");

  env.jid = "not a jid@";
  const auto bad = early({"ping", "example.org"}, env);
  CHECK(bad.code == 64);
  CHECK(bad.err.find("XMPP_JID") != std::string::npos);
}

TEST_CASE("config: values apply below the command line; account selection") {
  test::TempDir dir;
  const auto path = dir.write("config", "[account.default]\n"
                                        "jid = alice@example.org\n"
                                        "host = config-host\n"
                                        "port = 5000\n"
                                        "tls = starttls\n"
                                        "ca_file = ~/ca.pem\n"
                                        "pin = 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
                                        "resource = cfg\n"
                                        "timeout = 12\n"
                                        "[account.work]\n"
                                        "jid = bob@work.example\n"
                                        "password_command = echo work\n");
  Environment env;
  env.home = "/home/alice";

  auto s = invocation({"--config", path, "ping", "example.org"}, env).settings;
  CHECK(s.account == "default");
  CHECK(s.config_path == path);
  CHECK(s.jid->str() == "alice@example.org");
  CHECK(s.host == "config-host");
  CHECK(s.port == 5000);
  CHECK(s.tls == net::TlsMode::starttls);
  CHECK(s.ca_file == "/home/alice/ca.pem");
  CHECK(s.pins.size() == 1);
  CHECK(s.resource == "cfg");
  CHECK(s.timeout == std::chrono::seconds(12));

  s = invocation({"--config", path, "ping", "example.org", "--host", "cli-host", "--port", "6000",
                  "--tls", "auto", "--resource", "cli", "--timeout", "3"},
                 env)
          .settings;
  CHECK(s.host == "cli-host");
  CHECK(s.port == 6000);
  CHECK(s.tls == net::TlsMode::automatic);
  CHECK(s.resource == "cli");
  CHECK(s.timeout == std::chrono::seconds(3));

  s = invocation({"-a", "work", "--config", path, "ping", "example.org"}, env).settings;
  CHECK(s.account == "work");
  CHECK(s.jid->str() == "bob@work.example");
  CHECK(s.password.kind == PasswordSource::Kind::command);
  CHECK_FALSE(s.host.has_value());

  // A JID without -a picks the account with that bare JID, or none at all.
  s = invocation({"--config", path, "-j", "bob@work.example/phone", "ping", "example.org"}, env)
          .settings;
  CHECK(s.account == "work");
  CHECK(s.jid->str() == "bob@work.example/phone");
  s = invocation({"--config", path, "-j", "carol@example.org", "ping", "example.org"}, env)
          .settings;
  CHECK(s.account.empty());
  CHECK(s.password.kind == PasswordSource::Kind::prompt);
  CHECK_FALSE(s.host.has_value());

  const auto missing = early({"-a", "nope", "--config", path, "ping", "example.org"}, env);
  CHECK(missing.code == 78);
  CHECK(missing.err.find("no [account.nope]") != std::string::npos);
}

TEST_CASE("config: the only account is the default; several without [account.default] need -a") {
  test::TempDir dir;
  auto s = invocation({"--config", dir.write("one", "[account.solo]\njid = solo@example.org\n"),
                       "ping", "x.org"})
               .settings;
  CHECK(s.account == "solo");
  const auto several = early(
      {"--config",
       dir.write("two", "[account.a]\njid = a@example.org\n[account.b]\njid = b@example.org\n"),
       "ping", "x.org"});
  CHECK(several.code == 78);
  CHECK(several.err.find("-a NAME") != std::string::npos);
}

TEST_CASE("config: found at the XDG default; a missing explicit file, a bad file or a bad value is "
          "exit 78") {
  test::TempDir dir;
  REQUIRE(::mkdir(dir.file("xmpp").c_str(), 0700) == 0);
  dir.write("xmpp/config", "[account.default]\njid = xdg@example.org\n");
  Environment env;
  env.xdg_config_home = dir.path();
  CHECK(invocation({"ping", "x.org"}, env).settings.jid->str() == "xdg@example.org");

  CHECK(early({"--config", dir.file("absent"), "ping", "x.org"}).code == 78);
  const auto bad_key = early(
      {"--config", dir.write("bad", "[account.a]\nusername = x\n"), "ping", "x.org", "--json"});
  CHECK(bad_key.code == 78);
  CHECK(bad_key.err.find("unknown key 'username'") != std::string::npos);
  CHECK(bad_key.err.find("\"exit\":78") != std::string::npos);
  CHECK(early({"--config", dir.write("badjid", "[account.a]\njid = @@\n"), "ping", "x.org"}).code ==
        78);
  CHECK(early({"--config", dir.write("badpin", "[account.a]\njid = a@b.org\npin = xyz\n"), "ping",
               "x.org"})
            .code == 78);
  CHECK(early({"--config", dir.write("open", "[account.a]\njid = a@b.org\npassword = x\n", 0644),
               "ping", "x.org"})
            .code == 78);
}

TEST_CASE("--anonymous takes a domain and needs no password") {
  const auto s =
      invocation({"--anonymous", "-j", "anon.example.org", "ping", "anon.example.org"}).settings;
  CHECK(s.anonymous);
  CHECK(Context::session_options(s).anonymous);
}
