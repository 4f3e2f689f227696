// What `xmpp config show` and `xmpp config check` print (man xmpp-config): the resolved settings,
// each with where it came from (like `git config --show-origin`, `ssh -G`), and the set-up checks.
// Never holds a password: only where one would come from.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "config.hpp"
#include "options.hpp"
#include "output.hpp"

namespace xmpp::cli {

/// Where a value came from.
struct Origin {
  enum class From { option, environment, config, none };
  From from = From::none;
  std::string where;  ///< "--host", "XMPP_JID", "PATH:LINE"; empty for the default

  static Origin option(std::string name) { return {From::option, std::move(name)}; }
  static Origin environment(std::string name) { return {From::environment, std::move(name)}; }
  static Origin config(std::string where) { return {From::config, std::move(where)}; }
  static Origin fallback() { return {From::none, {}}; }
  /// "option", "environment", "config", "default" (the JSON `from`).
  std::string_view from_name() const;
  /// "--host", "environment XMPP_JID", "PATH:LINE", "default" (the human column).
  std::string human() const;
};

/// One resolved setting: its JSON value, its text for people and its origin.
struct ShownSetting {
  std::string name;  ///< the JSON key: jid, resource, host, port, tls, ...
  nlohmann::ordered_json value;
  std::string text;
  Origin origin;
};

/// The password source, never the password.
struct ShownPassword {
  std::string kind;    ///< file, command, config, environment, prompt, none
  std::string detail;  ///< file: the path; command: the command; else empty
  std::string text;    ///< one line for people
  Origin origin;
};

/// What the settings came from besides `Settings`: the options given on the command line (long
/// names, "--host"), the account section that was used, and the line of each of its keys.
struct SettingsSources {
  std::set<std::string> options;
  std::shared_ptr<const Config> config;      ///< the file read again; keeps `account` valid
  std::optional<std::string> config_path;    ///< the file read (nullopt: none)
  std::optional<std::string> searched_path;  ///< the default location looked at when none was read
  const Account* account = nullptr;
};

/// `xmpp config show`.
struct ConfigShowReport : Report {
  std::optional<std::string> config_path;
  std::optional<std::string> searched_path;
  Origin config_origin;
  std::optional<std::string> account;
  int account_line = 0;
  std::string account_rule;  ///< --account, jid, default, only (how the section was chosen)
  std::optional<std::string> domain;  ///< the JID's domain, for the SRV names
  std::vector<ShownSetting> settings;
  ShownPassword password;

  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
  /// The row named `name` (every name exists: describe_settings adds them all).
  const ShownSetting& setting(std::string_view name) const;
};

/// Builds the show report from the resolved settings and their sources (pure; unit-tested).
ConfigShowReport describe_settings(const Settings& settings, const SettingsSources& sources);

/// One set-up check of `xmpp config check`.
struct Check {
  std::string name;  ///< config, password, server, login
  bool ok = false;
  std::string detail;
};

/// `xmpp config check`: the checks run, in order, up to the first failure.
struct ConfigCheckReport : Report {
  std::vector<Check> checks;

  bool ok() const;
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

/// `config check` when the settings cannot even be resolved (a refused config file: exit 78
/// before any command runs): the report of its one failed check, as printed on stdout.
std::string refused_config_check(const Error& error, bool json);

/// The check a failure of opening the session belongs to: "login" for SASL and resource binding
/// errors, "server" for DNS, connection, TLS and everything before authentication.
std::string_view failed_stage(const Error& error);

}  // namespace xmpp::cli
