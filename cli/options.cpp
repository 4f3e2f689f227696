#include "options.hpp"

#include <cctype>
#include <cstdlib>

#include <fmt/format.h>

#include "config.hpp"
#include "core/base64.hpp"
#include "persist_path.hpp"

namespace xmpp::cli {

namespace {

std::optional<std::string> env_var(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

/// An empty string when `pin` is a base64 SHA-256 (32 bytes), else what is wrong. curl's
/// --pinnedpubkey spelling "sha256//BASE64" is accepted too: the prefix is removed.
std::string check_pin(std::string& pin) {
  constexpr std::string_view k_curl_prefix = "sha256//";
  if (pin.rfind(k_curl_prefix, 0) == 0) pin.erase(0, k_curl_prefix.size());
  const auto bytes = base64_decode(pin);
  if (!bytes || bytes->size() != 32)
    return "a pin is the base64 SHA-256 of the server's SPKI (44 characters)";
  return {};
}

/// RFC 4422 §3.1: mechanism names are 1-20 characters of A-Z, 0-9, '-' and '_'.
std::string check_mechanism(const std::string& name) {
  if (name.empty() || name.size() > 20) return "a SASL mechanism name has 1 to 20 characters";
  for (char c : name)
    if (!(std::isupper(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '_'))
      return "'" + name + "' is not a SASL mechanism name";
  return {};
}

net::TlsMode tls_mode(const std::string& text) {
  if (text == "starttls") return net::TlsMode::starttls;
  if (text == "direct") return net::TlsMode::direct;
  return net::TlsMode::automatic;
}

/// A path from the config file: "~/x" is under $HOME, a relative path is relative to the
/// config file's directory (so the file means the same wherever `xmpp` runs).
std::string config_path_value(const std::string& value, const std::string& config_path,
                              const std::optional<std::string>& home) {
  if (value.size() >= 2 && value[0] == '~' && value[1] == '/' && home)
    return *home + value.substr(1);
  if (!value.empty() && value.front() == '/') return value;
  const auto slash = config_path.rfind('/');
  if (slash == std::string::npos) return value;
  return config_path.substr(0, slash + 1) + value;
}

std::chrono::milliseconds seconds_to_ms(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0 + 0.5));
}

}  // namespace

Environment Environment::from_process() {
  Environment env;
  env.jid = env_var("XMPP_JID");
  env.password = env_var("XMPP_PASSWORD");
  env.dns_server = env_var("XMPP_DNS_SERVER");
  env.xdg_config_home = env_var("XDG_CONFIG_HOME");
  env.xdg_cache_home = env_var("XDG_CACHE_HOME");
  env.home = env_var("HOME");
  env.xdg_runtime_dir = env_var("XDG_RUNTIME_DIR");
  return env;
}

CLI::Validator jid_validator() {
  return CLI::Validator(
      [](const std::string& text) -> std::string {
        auto jid = Jid::parse(text);
        return jid ? std::string() : jid.error().message;
      },
      "", "jid");
}

void add_global_options(CLI::App& app, GlobalOptions& o) {
  app.add_option("-a,--account", o.account, "use the [account.NAME] section of the config file")
      ->type_name("NAME");
  app.add_option("-j,--jid", o.jid, "log in as this JID (bare or full)")
      ->type_name("JID")
      ->check(jid_validator());
  app.add_option("--password-file", o.password_file, "the first line of FILE is the password")
      ->type_name("FILE");
  app.add_option("--password-command", o.password_command,
                 "run CMD with sh -c; the first line of its output is the password")
      ->type_name("CMD");
  app.add_option("--host", o.host, "connect to HOST instead of resolving SRV records")
      ->type_name("HOST");
  app.add_option("--port", o.port, "connect to PORT (default: from SRV, else 5222)")
      ->type_name("PORT")
      ->check(CLI::Range(1, 65535).description(""));
  app.add_option("--tls", o.tls, "auto (default), starttls or direct; plaintext is never used")
      ->type_name("MODE")
      ->check(CLI::IsMember({"auto", "starttls", "direct"}).description(""));
  app.add_option("--ca-file", o.ca_file, "trust this CA bundle instead of the system store")
      ->type_name("FILE");
  app.add_option("--pin", o.pins,
                 "accept only a server key with this SPKI SHA-256, base64 (repeatable)")
      ->type_name("SHA256")
      ->transform(CLI::Validator(check_pin, "", "pin"));
  app.add_flag("--insecure", o.insecure, "skip certificate verification (warns every time)");
  app.add_option("--sasl", o.sasl, "allow only these SASL mechanisms")->type_name("MECH,...");
  app.add_option("--resource", o.resource, "resource to bind (default: server-assigned)")
      ->type_name("RES");
  app.add_flag("--anonymous", o.anonymous, "SASL ANONYMOUS login to the domain given by -j");
  app.add_option("--retries", o.retries, "retry connection failures N times, with back-off")
      ->type_name("N")
      ->check(CLI::Range(0, 100).description(""));
  app.add_option("--timeout", o.timeout, "overall deadline in seconds (default 30; 0 = none)")
      ->type_name("SECONDS")
      ->check(CLI::Range(0.0, 86400.0 * 365).description(""));
  app.add_flag("--json", o.json, "machine output: JSON on stdout");
  app.add_flag("-q,--quiet", o.quiet, "no warnings on stderr");
  app.add_flag("-v,--verbose", o.verbose, "connection details on stderr (repeatable)");
  app.add_option("--trace", o.trace, "write the XML sent and received to FILE (- = stderr)")
      ->type_name("FILE");
  app.add_flag("--timing", o.timing,
               "at exit, how long each phase took (DNS, TCP, TLS, login, ...) on stderr");
  app.add_option("--persist", o.persist,
                 "keep the stream in a background master for DURATION and reuse it; "
                 "stop or check the master")
      ->type_name("DURATION");
  app.add_option("--config", o.config, "config file (default ~/.config/xmpp/config)")
      ->type_name("FILE");
}

Result<Settings> resolve_settings(const GlobalOptions& o, const Environment& env) {
  const auto usage = [](std::string message) {
    return fail(ErrorKind::usage, "usage", "", std::move(message));
  };
  if (o.password_file && o.password_command)
    return usage("--password-file and --password-command exclude each other");
  if (o.anonymous && (o.password_file || o.password_command))
    return usage("--anonymous needs no password: drop --password-file / --password-command");
  if (o.quiet && o.verbose > 0) return usage("--quiet and --verbose exclude each other");
  Settings s;
  s.json = o.json;
  s.quiet = o.quiet;
  s.verbose = o.verbose;
  s.trace = o.trace;
  s.timing = o.timing;
  s.dns_server = env.dns_server;
  s.cache_dir = default_cache_dir(env.xdg_cache_home, env.home);
  s.insecure = o.insecure;
  s.anonymous = o.anonymous;
  if (o.sasl) {
    // RFC 4422 §3.1 names are upper case; accept any case on the command line.
    std::string_view rest = *o.sasl;
    while (true) {
      const auto comma = rest.find(',');
      std::string name(rest.substr(0, comma));
      for (auto& c : name)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (auto why = check_mechanism(name); !why.empty()) return usage("--sasl: " + why);
      s.sasl.push_back(std::move(name));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  s.retries = o.retries.value_or(0);

  // The config file: an explicit one must exist, the default one may not.
  std::optional<Config> config;
  std::optional<std::string> path = o.config;
  if (!path) path = default_config_path(env.xdg_config_home, env.home);
  if (path) {
    auto loaded = load_config(*path, o.config.has_value());
    if (!loaded) return fail(loaded.error());
    config = std::move(*loaded);
    if (config) s.config_path = *path;
  }

  std::optional<std::string> jid_text;
  std::string jid_origin;
  if (o.jid) {
    jid_text = o.jid, jid_origin = "--jid";
  } else if (env.jid) {
    jid_text = env.jid, jid_origin = "XMPP_JID";
  }
  std::optional<Jid> jid;
  if (jid_text) {
    auto parsed = Jid::parse(*jid_text);
    if (!parsed) return fail(parsed.error().with_context(jid_origin));
    jid = std::move(*parsed);
  }

  // Which [account.NAME]: a JID given without -a only takes the account that has that JID, so
  // `-j bob@x` never logs in as bob with alice's password.
  const Account* account = nullptr;
  if (o.account) {
    if (!config)
      return fail(ErrorKind::config, "config", "",
                  fmt::format("-a {}: there is no config file ({})", *o.account,
                              path.value_or("no $HOME")));
    account = config->find(*o.account);
    if (account == nullptr)
      return fail(ErrorKind::config, "config", "",
                  fmt::format("no [account.{}] in {}", *o.account, config->path));
  } else if (config) {
    if (jid) {
      for (const auto& a : config->accounts) {
        if (!a.jid) continue;
        auto other = Jid::parse(*a.jid);
        if (other && other->bare() == jid->bare()) {
          account = &a;
          break;
        }
      }
    } else if (const auto* d = config->find("default")) {
      account = d;
    } else if (config->accounts.size() == 1) {
      account = &config->accounts.front();
    } else if (config->accounts.size() > 1) {
      return fail(
          ErrorKind::config, "config", "",
          fmt::format(
              "{} has several accounts and none is [account.default]: choose one with -a NAME",
              config->path));
    }
  }
  const std::string where =
      account ? fmt::format("{} [account.{}]", config->path, account->name) : std::string();
  if (account) s.account = account->name;

  if (!jid && account && account->jid) {
    auto parsed = Jid::parse(*account->jid);
    if (!parsed) {
      auto e = parsed.error().with_context(where + " jid");
      e.kind = ErrorKind::config;
      return fail(e);
    }
    jid = std::move(*parsed);
  }
  s.jid = jid;
  s.jid_origin = jid_origin;

  // The password: first source wins (CLI.md: never on argv).
  if (o.password_file) {
    s.password =
        PasswordSource{PasswordSource::Kind::file, *o.password_file, "--password-file", nullptr};
  } else if (o.password_command) {
    s.password = PasswordSource{PasswordSource::Kind::command, *o.password_command,
                                "--password-command", nullptr};
  } else if (env.password) {
    s.password = PasswordSource{PasswordSource::Kind::value, "", "XMPP_PASSWORD",
                                std::make_shared<Secret>(*env.password)};
  } else if (account) {
    const int sources = (account->password ? 1 : 0) + (account->password_file ? 1 : 0) +
                        (account->password_command ? 1 : 0);
    if (sources > 1)
      return fail(ErrorKind::config, "config", "",
                  where + ": give only one of password, password_file and password_command");
    if (account->password)
      s.password =
          PasswordSource{PasswordSource::Kind::value, "", where + " password", account->password};
    else if (account->password_file)
      s.password =
          PasswordSource{PasswordSource::Kind::file,
                         config_path_value(*account->password_file, config->path, env.home),
                         where + " password_file", nullptr};
    else if (account->password_command)
      s.password = PasswordSource{PasswordSource::Kind::command, *account->password_command,
                                  where + " password_command", nullptr};
  }

  s.host = o.host;
  if (!s.host && account) s.host = account->host;
  if (o.port)
    s.port = static_cast<unsigned short>(*o.port);
  else if (account)
    s.port = account->port;
  s.tls =
      tls_mode(o.tls ? *o.tls : (account && account->tls ? *account->tls : std::string("auto")));
  s.ca_file = o.ca_file;
  if (!s.ca_file && account && account->ca_file)
    s.ca_file = config_path_value(*account->ca_file, config->path, env.home);
  s.pins = o.pins;
  if (s.pins.empty() && account) {
    for (auto pin : account->pins) {
      if (auto why = check_pin(pin); !why.empty())
        return fail(ErrorKind::config, "config", "",
                    fmt::format("{} pin '{}': {}", where, pin, why));
      s.pins.push_back(pin);
    }
  }
  s.resource =
      o.resource.value_or(account && account->resource ? *account->resource : std::string());
  const double timeout =
      o.timeout ? *o.timeout
                : (account && account->timeout ? *account->timeout : k_default_timeout_s);
  s.timeout = seconds_to_ms(timeout);
  s.timeout_given = o.timeout.has_value() || (account && account->timeout.has_value());
  s.runtime_dir = env.xdg_runtime_dir;
  if (o.persist) {
    auto persist = persist::parse_persist(*o.persist);
    if (!persist) return fail(persist.error().with_context("--persist"));
    s.persist = *persist;
  } else if (account && account->persist) {
    auto persist = persist::parse_persist(*account->persist);
    if (!persist || persist->action == Persist::Action::stop ||
        persist->action == Persist::Action::check)
      return fail(ErrorKind::config, "config", "",
                  fmt::format("{} persist: a duration (60s, 10m, 1h) or no, not '{}'", where,
                              *account->persist));
    s.persist = *persist;
  }

  if (s.anonymous && s.jid && s.jid->has_local())
    return usage(fmt::format("--anonymous logs in to a domain: give -j {}, not a user's JID",
                             s.jid->domain()));
  return s;
}

}  // namespace xmpp::cli
