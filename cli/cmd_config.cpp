#include "cmd_config.hpp"

#include <memory>

#include <fmt/format.h>

#include "commands.hpp"
#include "probe_report.hpp"

namespace xmpp::cli {

namespace {

Check ok(std::string name, std::string detail) {
  return {std::move(name), true, std::move(detail)};
}
Check failed(std::string name, const Error& error) {
  return {std::move(name), false, error.message};
}

std::string config_detail(const Settings& s, const SettingsSources& src) {
  if (!s.config_path) return "none; using options and environment";
  std::string detail = *s.config_path + ": permissions checked";
  if (src.account)
    detail += fmt::format(", [account.{}] at line {}", src.account->name, src.account->line);
  else
    detail += ", no account section used";
  return detail;
}

std::string server_detail(const stream::SessionInfo& info) {
  std::string detail =
      fmt::format("{} ({})", info.address, info.direct_tls ? "direct TLS" : "STARTTLS");
  if (!info.tls.active) return detail + ", no TLS";
  detail += fmt::format(", {} {}, certificate {}", info.tls.version, info.tls.cipher,
                        info.tls.verified ? "verified" : "NOT verified (--insecure)");
  if (!info.tls.chain.empty()) {
    const auto& leaf = info.tls.chain.front();
    detail += fmt::format(": subject {}, issuer {}, expires {}", leaf.subject, leaf.issuer,
                          format_utc(leaf.not_after));
  }
  return detail;
}

}  // namespace

Result<SettingsSources> settings_sources(const Settings& settings,
                                         const std::set<std::string>& options) {
  SettingsSources src;
  src.options = options;
  src.config_path = settings.config_path;
  if (!settings.config_path) {
    // What resolve_settings looked at: the default location (an explicit --config must exist).
    const auto env = Environment::from_process();
    src.searched_path = default_config_path(env.xdg_config_home, env.home);
    return src;
  }
  auto loaded = load_config(*settings.config_path, true);
  if (!loaded) return fail(loaded.error());
  auto config = std::make_shared<const Config>(std::move(**loaded));
  if (!settings.account.empty()) src.account = config->find(settings.account);
  src.config = std::move(config);
  return src;
}

awaitable<Outcome> run_config_show(Context& ctx, ConfigArgs args) {
  auto sources = settings_sources(ctx.settings(), args.options);
  if (!sources) co_return Outcome::failure(sources.error());
  co_return Outcome::success(
      std::make_unique<ConfigShowReport>(describe_settings(ctx.settings(), *sources)));
}

awaitable<Outcome> run_config_check(Context& ctx, ConfigArgs args) {
  auto report = std::make_unique<ConfigCheckReport>();
  auto& checks = report->checks;
  const auto& s = ctx.settings();
  const auto failure = [&](std::string name, Error error) {
    checks.push_back(failed(std::move(name), error));
    return Outcome::failure(std::move(error), std::move(report));
  };

  // 1. The config file (a refused one never gets here: resolve_settings exits 78 first).
  auto sources = settings_sources(s, args.options);
  if (!sources) co_return failure("config", sources.error());
  checks.push_back(ok("config", config_detail(s, *sources)));

  // 2. A password source that gives a non-empty password (read once, kept for the login).
  const auto shown = describe_settings(s, *sources);
  const auto& source = shown.password;
  const std::string from =
      source.origin.from == Origin::From::none ? "" : " (" + source.origin.human() + ")";
  if (!s.jid) {
    auto session = co_await ctx.session();  // fails at once: no account, nothing sent
    co_return failure("password", session ? make_error(ErrorKind::software, "internal", "",
                                                       "a session without a JID")
                                          : session.error());
  }
  if (s.anonymous) {
    checks.push_back(ok("password", "none needed (--anonymous)"));
  } else {
    auto read = ctx.read_password();
    if (!read) co_return failure("password", read.error());
    if (!*read)
      co_return failure("password", make_error(ErrorKind::config, "empty_password", "",
                                               source.text + from + " gave an empty password"));
    checks.push_back(ok("password", source.text + from + " gave a password"));
  }

  // 3 and 4. One Session::open does both: a failure is the stage its error names.
  auto session = co_await ctx.session();
  if (!session) {
    const auto stage = failed_stage(session.error());
    if (stage == "login")  // SASL comes after TLS (RFC 6120 §6.1): the server step passed
      checks.push_back(ok("server", "reached, TLS established"));
    co_return failure(std::string(stage), session.error());
  }
  const auto& info = (*session)->info();
  checks.push_back(ok("server", server_detail(info)));
  checks.push_back(
      ok("login", fmt::format("{}, bound as {}", info.mechanism.empty() ? "?" : info.mechanism,
                              (*session)->jid().str())));
  co_return Outcome::success(std::move(report));
}

Runner setup_config(CLI::App& command) {
  auto args = std::make_shared<ConfigArgs>();
  command.require_subcommand(1);
  auto* show = command.add_subcommand(
      "show", "print the settings a command would use and where each came from; no network");
  auto* check = command.add_subcommand(
      "check", "check config file, password, server (DNS, TLS) and login, in order");
  CLI::App* root = command.get_parent();
  for (auto* sub : {show, check}) {
    sub->footer("The global options (see xmpp --help) may stand before or after the command.\n"
                "More: man xmpp-config");
    // After the whole line is parsed (global options may follow): the app is gone when the
    // runner runs, so the subcommand and the options given are recorded now.
    sub->callback([args, root, name = sub->get_name()] {
      args->action = name;
      for (const auto* option : root->get_options())
        if (option->count() > 0)
          for (const auto& long_name : option->get_lnames())
            args->options.insert("--" + long_name);
    });
  }
  return [args](Context& ctx) {
    return args->action == "check" ? run_config_check(ctx, *args) : run_config_show(ctx, *args);
  };
}

}  // namespace xmpp::cli
