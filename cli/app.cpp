#include "app.hpp"

#include <algorithm>
#include <sstream>

#include <fmt/format.h>

#include "commands.hpp"
#include "config_report.hpp"
#include "exit_codes.hpp"
#include "help_formatter.hpp"
#include "persist_client.hpp"
#include "version_info.hpp"

namespace xmpp::cli {

bool wants_json(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "--") break;
    if (a == "--json") return true;
  }
  return false;
}

namespace {

EarlyExit error_exit(const Error& error, bool json, std::string_view hint = {}) {
  std::ostringstream err;
  print_error(error, json, err);
  if (!hint.empty()) err << hint << '\n';
  return EarlyExit{exit_code(error.kind), "", err.str()};
}

EarlyExit usage_exit(std::string message, bool json, const std::string& command) {
  const auto hint = command.empty()
                        ? std::string("Try 'xmpp --help' for more information.")
                        : fmt::format("Try 'xmpp {} --help' for more information.", command);
  return error_exit(make_error(ErrorKind::usage, "usage", "", std::move(message)), json, hint);
}

std::string selected_command(const CLI::App& app) {
  const auto subs = app.get_subcommands();
  return subs.empty() ? std::string() : subs.front()->get_name();
}

}  // namespace

std::unique_ptr<CLI::App> build_app(GlobalOptions& options, std::vector<Runner>& runners) {
  return build_app(options, runners, [](std::string_view) { return true; });
}

std::unique_ptr<CLI::App> build_app(GlobalOptions& options, std::vector<Runner>& runners,
                                    const std::function<bool(std::string_view)>& wanted) {
  auto app = std::make_unique<CLI::App>("A command-line XMPP client: messages, rooms, pubsub, "
                                        "discovery, ad-hoc commands, file transfer "
                                        "and probes, for people and for scripts.",
                                        "xmpp");
  // Set before any subcommand is added: each inherits its parent's formatter.
  app->formatter(std::make_shared<HelpFormatter>());
  // Global options may also follow the command: a subcommand hands what it does not know to
  // its parent (CLI.md "Shape").
  app->fallthrough();
  app->require_subcommand(1);
  app->set_help_flag("-h,--help", "print this help and exit");
  app->set_version_flag("--version", version_text, "print the version and exit");
  add_global_options(*app, options);
  for (const auto& command : k_commands) {
    auto* sub = app->add_subcommand(std::string(command.name), std::string(command.summary));
    runners.push_back(wanted(command.name) ? command.setup(*sub) : Runner());
    sub->footer(
        fmt::format("The global options (see xmpp --help) may stand before or after the command.\n"
                    "More: man xmpp-{}",
                    command.name));
  }
  auto* help =
      app->add_subcommand("help", "print help for a command (same as xmpp COMMAND --help)");
  help->add_option("COMMAND", "the command to explain");
  help->footer("");
  app->footer(exit_codes_help() + "\nMore: man xmpp, man xmpp-COMMAND");
  return app;
}

Parsed parse_command_line(const std::vector<std::string>& args, const Environment& env) {
  GlobalOptions options;
  std::vector<Runner> runners;
  // Only a command named somewhere in args can be the one that runs or whose help is asked
  // for; the others need no options (most of what a short run would spend before it
  // connects: bench/PROFILE.md, `xmpp --help`). A name that is only an option's value costs
  // that command's set-up, nothing more.
  auto app = build_app(options, runners, [&args](std::string_view name) {
    return std::find(args.begin(), args.end(), name) != args.end();
  });
  const bool json = wants_json(args);
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes them reversed
  try {
    app->parse(reversed);
  } catch (const CLI::Success& e) {  // --help, --version
    std::ostringstream out, err;
    app->exit(e, out, err);
    return EarlyExit{k_exit_ok, out.str(), err.str()};
  } catch (const CLI::ParseError& e) {
    // `xmpp --persist stop|check` (ssh -O stop|check) needs no command.
    if (options.persist && (*options.persist == "stop" || *options.persist == "check") &&
        selected_command(*app).empty()) {
      auto settings = resolve_settings(options, env);
      if (settings) return Invocation{std::move(*settings), "", nullptr};
      return error_exit(settings.error(), json);
    }
    return usage_exit(e.what(), json, selected_command(*app));
  }

  const auto name = selected_command(*app);
  if (name == "help") {
    auto* topic = app->get_subcommand("help")->get_option("COMMAND");
    // app->help() would describe the selected subcommand, `help` itself.
    if (topic->count() == 0)
      return EarlyExit{
          k_exit_ok,
          app->get_formatter()->make_help(app.get(), app->get_name(), CLI::AppFormatMode::Normal),
          ""};
    const auto wanted = topic->as<std::string>();
    for (const auto* sub : app->get_subcommands({})) {
      if (sub->get_name() == wanted && wanted != "help")
        return EarlyExit{k_exit_ok, sub->help(app->get_name()), ""};
    }
    return usage_exit(fmt::format("no command named '{}'", wanted), json, "");
  }

  const auto it = std::find_if(std::begin(k_commands), std::end(k_commands),
                               [&](const Command& c) { return c.name == name; });
  auto settings = resolve_settings(options, env);
  if (!settings) {
    const bool usage = settings.error().kind == ErrorKind::usage;
    auto early = error_exit(settings.error(), json,
                            usage ? "Try 'xmpp --help' for more information." : std::string_view());
    // `config check` exists to explain this: its report shows the config check failing.
    if (name == "config" && !usage && app->get_subcommand("config")->got_subcommand("check"))
      early.out = refused_config_check(settings.error(), json);
    return early;
  }
  const auto index = static_cast<std::size_t>(it - std::begin(k_commands));
  return Invocation{std::move(*settings), name, runners.at(index)};
}

int run_main(const std::vector<std::string>& args, const Environment& env, Io& io) {
  auto parsed = parse_command_line(args, env);
  if (auto* early = std::get_if<EarlyExit>(&parsed)) {
    io.out << early->out;
    io.err << early->err;
    io.out.flush();
    io.err.flush();
    return early->code;
  }
  auto& invocation = std::get<Invocation>(parsed);
  if (invocation.settings.persist.action != Persist::Action::none)
    return persist::run_persistent(args, invocation, env, io);
  return run(invocation.settings, invocation.runner, io);
}

}  // namespace xmpp::cli
