// The config file (CLI.md "Config file", SECURITY.md (c) "Config file checks"): INI-style
// [account.NAME] sections with keys named like the long options, read through an O_NOFOLLOW fd
// whose fstat decides whether the file may be trusted.
//
//     # comment (whole lines only: '#' or ';' first)
//     [account.default]
//     jid = alice@example.org
//     password_command = pass show xmpp/alice
//     pin = "YWJj..."          # not a comment: a quoted value must end the line
//
// Values are taken verbatim after the '=' (surrounding blanks trimmed); "double quotes" allow
// \" and \\ escapes and keep blanks; 'single quotes' are literal. `pin` may repeat.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "credentials.hpp"

namespace xmpp::cli {

/// One [account.NAME] section, values as written (validated for form, not resolved).
struct Account {
  std::string name;
  int line = 0;  ///< where the section starts, for messages
  std::optional<std::string> jid, password_file, password_command, host, tls, ca_file, resource,
      persist;  ///< `persist = 60s`: as --persist (validated by resolve_settings)
  std::shared_ptr<Secret> password;  ///< the `password` key (wiped when the last owner lets go)
  std::optional<unsigned short> port;
  std::optional<double> timeout;  ///< seconds
  std::vector<std::string> pins;
  /// key -> the line it is on (the first one for `pin`), for `xmpp config show`.
  std::map<std::string, int, std::less<>> key_lines;
};

struct Config {
  std::string path;
  std::vector<Account> accounts;  ///< in file order
  bool holds_password = false;    ///< some section has a `password` key

  const Account* find(std::string_view name) const;
};

/// Parses config text. Errors: kind config, code "config", message "PATH:LINE: what is wrong" —
/// unknown keys and sections are named, never ignored (a typo must not silently drop a setting).
Result<Config> parse_config(std::string_view text, std::string path);

/// The default location: $XDG_CONFIG_HOME/xmpp/config when that is an absolute path, else
/// $HOME/.config/xmpp/config; nullopt without either.
std::optional<std::string> default_config_path(const std::optional<std::string>& xdg_config_home,
                                               const std::optional<std::string>& home);
/// The cache directory (XDG Base Directory): $XDG_CACHE_HOME/xmpp when that is an absolute path,
/// else $HOME/.cache/xmpp; nullopt without either.
std::optional<std::string> default_cache_dir(const std::optional<std::string>& xdg_cache_home,
                                             const std::optional<std::string>& home);

/// Reads and checks `path` (SECURITY.md (c)): the file is opened with O_NOFOLLOW through its
/// directory and judged by fstat of the open fd. Refused (kind config, the message says the exact
/// command to fix it): a symbolic link or non-regular file; a file owned by neither us (euid) nor
/// root; a group/other-writable file; a file holding a `password` with any group/other bit; a
/// parent directory owned by another user, or group/other-writable without the sticky bit.
/// A missing file is nullopt unless `must_exist` (an explicit --config), then kind config.
Result<std::optional<Config>> load_config(const std::string& path, bool must_exist);

/// The exact shell command that fixes a too permissive file (quoted when needed).
std::string shell_quote(std::string_view word);

}  // namespace xmpp::cli
