// `xmpp config show` and `xmpp config check` (man xmpp-config): the settings a command would use,
// with where each came from, and the set-up checks (config file, password, server, login).
#pragma once

#include <set>
#include <string>

#include "config_report.hpp"
#include "context.hpp"

namespace xmpp::cli {

struct ConfigArgs {
  std::string action;             ///< "show" or "check"
  std::set<std::string> options;  ///< the global options given on the command line ("--host")
};

/// Reads the sources of `settings` again (the config file it was resolved from, through
/// load_config's checks, and the line of each key of its account). Errors: kind config.
Result<SettingsSources> settings_sources(const Settings& settings,
                                         const std::set<std::string>& options);

awaitable<Outcome> run_config_show(Context& ctx, ConfigArgs args);
awaitable<Outcome> run_config_check(Context& ctx, ConfigArgs args);

}  // namespace xmpp::cli
