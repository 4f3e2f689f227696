// Where the password comes from (CLI.md "Global options", SECURITY.md (c) "Passwords never on
// argv", "Memory hygiene"): a file, a command, the environment, the config file or a no-echo
// prompt — never a command-line argument. Secrets are wiped with OPENSSL_cleanse.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace xmpp::cli {

/// A string that is wiped (OPENSSL_cleanse) when it is cleared or destroyed. Move-only.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : m_value(std::move(value)) {}
  Secret(Secret&& other) noexcept;
  Secret& operator=(Secret&& other) noexcept;
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  ~Secret();

  const std::string& str() const { return m_value; }
  bool empty() const { return m_value.empty(); }
  void clear();

 private:
  std::string m_value;
};

/// Wipes every byte of `s`'s buffer, then empties it.
void cleanse(std::string& s);

/// One place a password may come from, chosen when the command line is resolved (nothing is
/// read or run until the password is needed).
struct PasswordSource {
  enum class Kind { file, command, value, prompt };
  Kind kind = Kind::prompt;
  std::string detail;  ///< file: the path; command: the shell command; value/prompt: empty
  std::string
      origin;  ///< for messages: "--password-file", "XMPP_PASSWORD", "config FILE [account.NAME]"
  std::shared_ptr<Secret> value;  ///< Kind::value (XMPP_PASSWORD, a config `password`)
};

/// Asks for the password without echo; nullopt when there is no terminal to ask on.
using Prompter = std::function<Result<std::optional<Secret>>(std::string_view prompt)>;

/// The no-echo prompt on /dev/tty (termios, like ssh and sudo). SIGINT/SIGTERM while prompting
/// restore the terminal and give kind interrupted.
Result<std::optional<Secret>> tty_prompt(std::string_view prompt);

/// Marks the process as holding a secret: PR_SET_DUMPABLE 0 and RLIMIT_CORE 0 (no core dumps,
/// no ptrace by other processes of the user).
void protect_process();

/// Reads the password from `source`: the first line of the file, the first stdout line of
/// `sh -c COMMAND` (non-zero exit is an error), the value, or the prompt for `jid`.
/// Errors are kind config ("password_file", "password_command", "no_password") with a message
/// naming the source; kind interrupted when the prompt was interrupted.
Result<Secret> obtain_password(const PasswordSource& source, std::string_view jid,
                               const Prompter& prompter);

/// The first line of `text` without its line end (\n or \r\n).
std::string_view first_line(std::string_view text);

}  // namespace xmpp::cli
