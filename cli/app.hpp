// The command line of `xmpp` (CLI.md "Shape"): the CLI11 app with the global options and every
// command of commands.hpp, parsed and resolved without touching the network, and run_main.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <CLI/CLI.hpp>

#include "context.hpp"
#include "options.hpp"

namespace xmpp::cli {

/// A command ready to run.
struct Invocation {
  Settings settings;
  std::string command;  ///< its name in commands.hpp
  Runner runner;
};

/// The program ends before running a command: help, --version, or a usage/config error
/// (already formatted: "xmpp: message", a hint, and the JSON line with --json).
struct EarlyExit {
  int code = 0;
  std::string out;
  std::string err;
};

using Parsed = std::variant<Invocation, EarlyExit>;

/// Parses `args` (without the program name) and resolves the settings against `env` and the
/// config file. Global options may stand before or after the command. Never connects.
Parsed parse_command_line(const std::vector<std::string>& args, const Environment& env);

/// Builds the CLI11 app (global options, commands, `help`) bound to `options`; `runners`
/// receives each command's run function in the order of k_commands. For parse_command_line
/// and for tests that inspect --help.
std::unique_ptr<CLI::App> build_app(GlobalOptions& options, std::vector<Runner>& runners);

/// The same, but only the commands `wanted` names get their arguments and options (and a
/// runner); the others keep their name and summary, all `xmpp --help` lists, and an empty
/// runner.
std::unique_ptr<CLI::App> build_app(GlobalOptions& options, std::vector<Runner>& runners,
                                    const std::function<bool(std::string_view)>& wanted);

/// True when --json appears before any "--" (for errors found before or while parsing).
bool wants_json(const std::vector<std::string>& args);

/// The whole program after xml::initialize(): parse, run, exit code.
int run_main(const std::vector<std::string>& args, const Environment& env, Io& io);

}  // namespace xmpp::cli
