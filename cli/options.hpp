// The global options (CLI.md "Global options"), the environment variables and the config file,
// merged into one Settings struct: command line > environment > config file.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/result.hpp"
#include "credentials.hpp"
#include "jid/jid.hpp"
#include "net/connect.hpp"

namespace xmpp::cli {

inline constexpr double k_default_timeout_s = 30;

/// The global options as given on the command line (nothing resolved yet).
struct GlobalOptions {
  std::optional<std::string> account, jid, password_file, password_command, host, tls, ca_file,
      resource, trace, config, sasl,  ///< sasl: "MECH,MECH" as given
      persist;                        ///< --persist as given (cli/persist_path.hpp)
  std::optional<int> port;
  std::vector<std::string> pins;
  bool insecure = false, anonymous = false, json = false, quiet = false, timing = false;
  int verbose = 0;
  std::optional<int> retries;
  std::optional<double> timeout;
};

/// The environment the program reads (injected so tests never depend on the real one).
struct Environment {
  std::optional<std::string> jid;       ///< XMPP_JID
  std::optional<std::string> password;  ///< XMPP_PASSWORD
  std::optional<std::string>
      dns_server;  ///< XMPP_DNS_SERVER: "IP" or "IP:PORT" (tests, diagnostics)
  std::optional<std::string> xdg_config_home, xdg_cache_home, home;
  std::optional<std::string> xdg_runtime_dir;  ///< where --persist puts its sockets

  static Environment from_process();
};

/// --persist DURATION or the config key `persist` (man xmpp, PERSISTENT CONNECTIONS).
struct Persist {
  enum class Action {
    none,   ///< a fresh login, as always
    run,    ///< run the command through a master, starting one if none runs
    stop,   ///< ask the master to close its stream and exit (ssh -O stop)
    check,  ///< say whether a master runs (ssh -O check)
  };
  Action action = Action::none;
  std::chrono::seconds idle{0};  ///< with run: how long a master waits for the next command
};

/// Everything a command needs to know about how to connect and how to speak.
struct Settings {
  std::optional<Jid> jid;  ///< nullopt: no account given (an error only once a session is needed)
  PasswordSource password;
  std::optional<std::string> host;
  std::optional<unsigned short> port;
  net::TlsMode tls = net::TlsMode::automatic;
  std::optional<std::string> ca_file;
  std::vector<std::string> pins;
  bool insecure = false;
  std::vector<std::string> sasl;
  std::string resource;
  bool anonymous = false;
  int retries = 0;
  std::chrono::milliseconds timeout{30000};  ///< 0 = none
  /// --timeout or a config 'timeout' was given: streaming commands (listen, send --lines) have no
  /// deadline unless one was asked for (CLI.md: "0 = none for listening commands").
  bool timeout_given = false;
  bool json = false, quiet = false;
  int verbose = 0;
  std::optional<std::string> trace;  ///< a path, or "-" for stderr
  bool timing = false;               ///< --timing: the phase breakdown on stderr at exit
  std::optional<std::string> dns_server;
  std::optional<std::string> config_path;  ///< the config file that was read, if any
  /// Where the JID came from: "--jid", "XMPP_JID", or "" (the account's `jid` key, or none).
  std::string jid_origin;
  /// $XDG_CACHE_HOME/xmpp or ~/.cache/xmpp (the roster cache); nullopt without either variable.
  std::optional<std::string> cache_dir;
  std::string account;                     ///< the [account.NAME] used, empty if none
  Persist persist;
  std::optional<std::string> runtime_dir;  ///< $XDG_RUNTIME_DIR
};

/// A CLI11 check that an argument is a JID (RFC 7622): bad ones are usage errors (exit 64).
CLI::Validator jid_validator();

/// Adds the global options to the top-level app, bound to `options`.
void add_global_options(CLI::App& app, GlobalOptions& options);

/// Merges command line, environment and config file (read and permission-checked here).
/// Account: -a NAME; else, with a JID from -j/XMPP_JID, the account with that bare JID (if any);
/// else [account.default]; else the only account. Errors: usage (bad JID or value on the
/// command line or in XMPP_JID) and config (the config file, or a bad value in it).
Result<Settings> resolve_settings(const GlobalOptions& options, const Environment& env);

}  // namespace xmpp::cli
