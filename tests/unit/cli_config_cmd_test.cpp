// `xmpp config show` and `xmpp config check` end to end with a scripted session instead of a
// network: where each value came from, the password never printed (text and JSON), a refused
// config file exits 78 as other commands do, and each check failing with its step's exit code.
#include <doctest/doctest.h>

#include <sstream>

#include "app.hpp"
#include "cli_support.hpp"
#include "cmd_config.hpp"
#include "config_report.hpp"
#include "xep_fake_session.hpp"

using namespace xmpp;
using namespace xmpp::cli;

namespace {

constexpr std::string_view k_secret = "s3cr3t-Pa55";

struct ConfigHarness {
  std::ostringstream out, err;
  int opened = 0;
  int prompts = 0;
  std::string password_seen;
  std::optional<Error> open_error;  ///< the opener fails with this
  std::optional<asio::any_io_executor> executor;
  Io io{out, err,
        [this](std::string_view) -> Result<std::optional<Secret>> {
          ++prompts;
          return std::optional<Secret>(Secret("typed"));
        },
        [this](stream::SessionOptions o) -> awaitable<Result<std::unique_ptr<stream::Session>>> {
          executor = co_await asio::this_coro::executor;
          ++opened;
          password_seen = o.password;
          if (open_error) co_return fail(*open_error);
          co_return std::unique_ptr<stream::Session>(
              std::make_unique<test::FakeSession>(*executor, o.jid.with_resource("fake")));
        },
        false};

  int run(std::vector<std::string> args, Environment env = {}) {
    return cli::run_main(args, env, io);
  }
  nlohmann::json json() const { return nlohmann::json::parse(out.str()); }
};

/// A config with a `password` key on line 4 and a jid on line 3.
std::string password_config(const test::TempDir& dir, mode_t mode = 0600) {
  return dir.write("config",
                   "# test\n"
                   "[account.default]\n"
                   "jid = alice@example.test\n"
                   "password = " +
                       std::string(k_secret) +
                       "\n"
                       "timeout = 12\n"
                       "\n"
                       "[account.bob]\n"
                       "jid = bob@example.test\n"
                       "password_command = pass show xmpp/bob\n"
                       "host = xmpp.example.test\n",
                   mode);
}

bool mentions_secret(const ConfigHarness& h) {
  return h.out.str().find(k_secret) != std::string::npos ||
         h.err.str().find(k_secret) != std::string::npos;
}

}  // namespace

TEST_CASE("config show --json: origins from the config file by line; the password redacted") {
  test::TempDir dir;
  ConfigHarness h;
  const auto path = password_config(dir);
  REQUIRE(h.run({"--config", path, "config", "show", "--json", "--host", "127.0.0.1"}) == 0);
  CHECK_FALSE(mentions_secret(h));
  CHECK(h.opened == 0);
  const auto doc = h.json();
  CHECK(doc["config"]["path"] == path);
  CHECK(doc["config"]["exists"] == true);
  CHECK(doc["config"]["from"] == "option");
  CHECK(doc["config"]["where"] == "--config");
  CHECK(doc["account"]["name"] == "default");
  CHECK(doc["account"]["line"] == 2);
  CHECK(doc["account"]["chosen_by"] == "default");
  const auto& s = doc["settings"];
  CHECK(s["jid"]["value"] == "alice@example.test");
  CHECK(s["jid"]["from"] == "config");
  CHECK(s["jid"]["where"] == path + ":3");
  CHECK(s["timeout"]["value"] == 12.0);
  CHECK(s["timeout"]["where"] == path + ":5");
  CHECK(s["host"]["value"] == "127.0.0.1");
  CHECK(s["host"]["from"] == "option");
  CHECK(s["host"]["where"] == "--host");
  CHECK(s["tls"]["value"] == "auto");
  CHECK(s["tls"]["from"] == "default");
  CHECK(s["tls"]["where"].is_null());
  CHECK(s["ca_file"]["value"].is_null());
  CHECK(doc["server"]["method"] == "host");
  CHECK(doc["password"]["kind"] == "config");
  CHECK(doc["password"]["detail"].is_null());
  CHECK(doc["password"]["where"] == path + ":4");
}

TEST_CASE("config show: human text names each origin; the password key is redacted") {
  test::TempDir dir;
  ConfigHarness h;
  const auto path = password_config(dir);
  REQUIRE(h.run({"--config", path, "config", "show"}) == 0);
  const auto text = h.out.str();
  CHECK_FALSE(mentions_secret(h));
  CHECK(text.find("the password key in the config file (redacted)") != std::string::npos);
  CHECK(text.find(path + ":4") != std::string::npos);
  CHECK(text.find("alice@example.test") != std::string::npos);
  CHECK(text.find("DNS SRV _xmpp-client._tcp.example.test / _xmpps-client._tcp.example.test") !=
        std::string::npos);
  CHECK(text.find("(system trust store)") != std::string::npos);
}

TEST_CASE("config show: XMPP_JID picks the account; a password_command is shown with its line") {
  test::TempDir dir;
  ConfigHarness h;
  const auto path = password_config(dir);
  Environment env;
  env.jid = "bob@example.test";
  REQUIRE(h.run({"--config", path, "--json", "config", "show"}, env) == 0);
  const auto doc = h.json();
  CHECK(doc["account"]["name"] == "bob");
  CHECK(doc["account"]["chosen_by"] == "jid");
  CHECK(doc["settings"]["jid"]["from"] == "environment");
  CHECK(doc["settings"]["jid"]["where"] == "XMPP_JID");
  CHECK(doc["settings"]["host"]["value"] == "xmpp.example.test");
  CHECK(doc["settings"]["host"]["where"] == path + ":10");
  CHECK(doc["password"]["kind"] == "command");
  CHECK(doc["password"]["detail"] == "pass show xmpp/bob");
  CHECK(doc["password"]["where"] == path + ":9");
}

TEST_CASE("config show: XMPP_JID naming the default account's own JID is still the environment") {
  test::TempDir dir;
  ConfigHarness h;
  const auto path = password_config(dir);
  Environment env;
  env.jid = "alice@example.test";
  REQUIRE(h.run({"--config", path, "--json", "config", "show"}, env) == 0);
  const auto doc = h.json();
  CHECK(doc["account"]["name"] == "default");
  CHECK(doc["settings"]["jid"]["where"] == "XMPP_JID");
  // Without XMPP_JID the same JID comes from the account's `jid` key.
  ConfigHarness plain;
  REQUIRE(plain.run({"--config", path, "--json", "config", "show"}) == 0);
  CHECK(plain.json()["settings"]["jid"]["where"] == path + ":3");
}

TEST_CASE("config show: options and environment without a config file") {
  ConfigHarness h;
  Environment env;
  env.password = std::string(k_secret);
  env.dns_server = "127.0.0.1:5300";
  REQUIRE(h.run({"-j", "carol@example.test", "--resource", "r1", "--pin",
                 "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "--json", "config", "show"},
                env) == 0);
  CHECK_FALSE(mentions_secret(h));
  const auto doc = h.json();
  CHECK(doc["config"]["path"].is_null());
  CHECK(doc["config"]["exists"] == false);
  CHECK(doc["account"]["name"].is_null());
  CHECK(doc["settings"]["jid"]["where"] == "--jid");
  CHECK(doc["settings"]["resource"]["value"] == "r1");
  CHECK(doc["settings"]["pins"]["value"].size() == 1);
  CHECK(doc["settings"]["pins"]["where"] == "--pin");
  CHECK(doc["settings"]["dns_server"]["where"] == "XMPP_DNS_SERVER");
  CHECK(doc["server"]["method"] == "srv");
  CHECK(doc["server"]["srv"][0] == "_xmpps-client._tcp.example.test");
  CHECK(doc["password"]["kind"] == "environment");
  CHECK(doc["password"]["where"] == "XMPP_PASSWORD");
}

TEST_CASE("config show and check: a refused config file exits 78 with the message of others") {
  test::TempDir dir;
  const auto path = password_config(dir, 0640);
  ConfigHarness other;
  const int other_code = other.run({"--config", path, "ping", "example.test"});
  CHECK(other_code == 78);
  for (const std::string action : {"show", "check"}) {
    ConfigHarness h;
    CHECK(h.run({"--config", path, "config", action}) == 78);
    CHECK(h.err.str() == other.err.str());
    // check reports it as its failed first step; show has nothing to show.
    if (action == "check")
      CHECK(h.out.str().starts_with("FAIL config   config file " + path + " holds a password"));
    else
      CHECK(h.out.str().empty());
    CHECK(h.opened == 0);
    CHECK_FALSE(mentions_secret(h));
  }
  ConfigHarness json;
  CHECK(json.run({"--config", path, "--json", "config", "check"}) == 78);
  const auto doc = json.json();
  CHECK(doc["ok"] == false);
  REQUIRE(doc["checks"].size() == 1);
  CHECK(doc["checks"][0]["check"] == "config");
  CHECK(doc["checks"][0]["ok"] == false);
}

TEST_CASE("config check: four ok lines; the password is read once and handed to the login") {
  test::TempDir dir;
  ConfigHarness h;
  const auto path = password_config(dir);
  REQUIRE(h.run({"--config", path, "--json", "config", "check"}) == 0);
  CHECK_FALSE(mentions_secret(h));
  CHECK(h.opened == 1);
  CHECK(h.password_seen == k_secret);
  const auto doc = h.json();
  CHECK(doc["ok"] == true);
  REQUIRE(doc["checks"].size() == 4);
  const char* names[] = {"config", "password", "server", "login"};
  for (int i = 0; i < 4; ++i) {
    CHECK(doc["checks"][i]["check"] == names[i]);
    CHECK(doc["checks"][i]["ok"] == true);
    CHECK(doc["checks"][i]["detail"].is_string());
  }
  CHECK(doc["checks"][3]["detail"] == "SCRAM-SHA-256, bound as alice@example.test/fake");
}

TEST_CASE("config check: a prompt is asked once for both the password check and the login") {
  ConfigHarness h;
  REQUIRE(h.run({"-j", "alice@example.test", "config", "check"}) == 0);
  CHECK(h.prompts == 1);
  CHECK(h.password_seen == "typed");
  const auto text = h.out.str();
  CHECK(text.find("ok   config   none; using options and environment\n") == 0);
  CHECK(text.find("ok   password prompt on the terminal (no echo) gave a password\n") !=
        std::string::npos);
  CHECK(text.find("ok   login    SCRAM-SHA-256") != std::string::npos);
}

TEST_CASE("config check: a refused login is the login step, exit 77") {
  ConfigHarness h;
  h.open_error = make_error(ErrorKind::no_perm, "auth_failed", "not-authorized",
                            "authentication failed for alice@example.test: not-authorized");
  Environment env;
  env.password = "wrong";
  CHECK(h.run({"-j", "alice@example.test", "--json", "config", "check"}, env) == 77);
  const auto doc = h.json();
  CHECK(doc["ok"] == false);
  REQUIRE(doc["checks"].size() == 4);
  CHECK(doc["checks"][2]["check"] == "server");
  CHECK(doc["checks"][2]["ok"] == true);
  CHECK(doc["checks"][3]["check"] == "login");
  CHECK(doc["checks"][3]["ok"] == false);
  CHECK(h.err.str().find("\"exit\":77") != std::string::npos);
}

TEST_CASE("config check: an unreachable server is the server step, with its exit code") {
  ConfigHarness h;
  h.open_error =
      make_error(ErrorKind::unavailable, "connect_failed", "", "127.0.0.1:1: connection refused");
  Environment env;
  env.password = "pw";
  CHECK(h.run({"-j", "alice@example.test", "config", "check"}, env) == 69);
  const auto text = h.out.str();
  CHECK(text.find("FAIL server   127.0.0.1:1: connection refused\n") != std::string::npos);
  CHECK(text.find("login") == std::string::npos);
}

TEST_CASE("config check: an empty password or no account stops at the password step, exit 78") {
  SUBCASE("empty password") {
    test::TempDir dir;
    ConfigHarness h;
    const auto path = dir.write("config", "[account.default]\njid = a@example.test\n"
                                          "password_command = true\n");
    CHECK(h.run({"--config", path, "config", "check"}) == 78);
    CHECK(h.out.str().find("FAIL password") != std::string::npos);
    CHECK(h.opened == 0);
  }
  SUBCASE("no account") {
    ConfigHarness h;
    CHECK(h.run({"config", "check"}) == 78);
    CHECK(h.out.str().find("FAIL password no account") != std::string::npos);
    CHECK(h.opened == 0);
  }
}

TEST_CASE("parse_config: the first line of each key of a section") {
  const auto config = parse_config("[account.a]\njid = a@x\n# c\n[account.b]\n  jid=b@y\npin = 1\n"
                                   "pin = 2\n",
                                   "config");
  REQUIRE(config);
  const auto& lines = config->find("b")->key_lines;
  CHECK(lines.size() == 2);
  CHECK(lines.at("jid") == 5);
  CHECK(lines.at("pin") == 6);
}

TEST_CASE("failed_stage: SASL and binding errors are the login, the rest the server") {
  CHECK(failed_stage(make_error(ErrorKind::no_perm, "auth_failed", "", "")) == "login");
  CHECK(failed_stage(make_error(ErrorKind::protocol, "bind_failed", "", "")) == "login");
  CHECK(failed_stage(make_error(ErrorKind::no_perm, "no_mechanism", "", "")) == "login");
  CHECK(failed_stage(make_error(ErrorKind::no_perm, "cert_untrusted", "", "")) == "server");
  CHECK(failed_stage(make_error(ErrorKind::no_host, "no_host", "", "")) == "server");
  CHECK(failed_stage(make_error(ErrorKind::temporary, "dns_timeout", "", "")) == "server");
}
