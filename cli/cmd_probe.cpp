#include "cmd_probe.hpp"

#include <algorithm>
#include <memory>

#include <fmt/format.h>

#include "commands.hpp"
#include "nagios.hpp"
#include "probe_report.hpp"
#include "stream/probe.hpp"
#include "xep/disco/disco_ops.hpp"
#include "xep/last/last_ops.hpp"
#include "xep/ping/ping_ops.hpp"
#include "xep/upload/upload.hpp"
#include "xep/version/version_ops.hpp"

namespace xmpp::cli {

namespace {

using std::chrono::milliseconds;

/// Each logged-in query waits at most this long (a component that does not answer must not eat
/// the whole --timeout).
constexpr milliseconds k_query_timeout{10000};
/// Queries stop this long before the overall deadline, so the report is still printed.
constexpr milliseconds k_probe_deadline_margin{200};

double to_ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// DOMAIN is a domainpart alone (RFC 7622 §3.2): "example.org", not "alice@example.org".
Result<Jid> parse_domain(const std::string& text) {
  auto jid = Jid::parse(text);
  if (!jid) return fail(jid.error().with_context("DOMAIN"));
  if (jid->has_local() || !jid->is_bare())
    return fail(ErrorKind::usage, "bad_domain", "",
                "DOMAIN must be a domain such as example.org, not the JID " + jid->str());
  return jid;
}

stream::ProbeOptions probe_options(const Settings& s, const Jid& domain, milliseconds remaining) {
  stream::ProbeOptions o;
  o.domain = domain.ascii_domain();
  o.host = s.host;
  o.port = s.port;
  o.tls = s.tls;
  o.ca_file = s.ca_file;
  o.pins = s.pins;
  o.insecure = s.insecure;
  o.dns_server = s.dns_server;
  // Each step within what is left of --timeout, so the deadline rarely has to cut a step short.
  o.dns_timeout = std::min(o.dns_timeout, remaining);
  o.attempt_timeout = std::min(o.attempt_timeout, remaining);
  o.step_timeout = std::min(o.step_timeout, remaining);
  return o;
}

/// Why the probe does not log in, or nullopt when it does (man xmpp-probe, LOGIN).
std::optional<std::string> skip_reason(const Context& ctx, const Jid& domain,
                                       const stream::ProbeReport& probe) {
  const auto& account = *ctx.settings().jid;
  if (ctx.credentials() == Context::Credentials::prompt)
    return "no password source for " + account.bare_str() +
           " (--password-file, --password-command, XMPP_PASSWORD or the config file): "
           "xmpp probe never prompts";
  if (account.domain() != domain.domain())
    return "the account " + account.bare_str() + " is not on " + domain.domain();
  const bool usable =
      std::any_of(probe.endpoints.begin(), probe.endpoints.end(),
                  [&](const auto& e) { return endpoint_usable(e, ctx.settings().insecure); });
  if (!usable) return "no endpoint completed TLS with a trusted certificate";
  return std::nullopt;
}

/// What is left for one query, or a timeout error when nothing is.
Result<milliseconds> query_budget(const Context& ctx, std::string_view what) {
  const auto left = ctx.remaining() - k_probe_deadline_margin;
  if (left.count() <= 0)
    return fail(ErrorKind::temporary, "timeout", "",
                fmt::format("{}: no time left before the deadline", what));
  return std::min(k_query_timeout, left);
}

awaitable<ComponentReport> probe_component(Context& ctx, stream::Session& session,
                                           disco::DiscoItem item) {
  ComponentReport c;
  c.jid = item.jid.str();
  c.node = item.node;
  c.name = item.name;
  auto budget = query_budget(ctx, "disco#info to " + c.jid);
  if (!budget) {
    c.error = budget.error();
    co_return c;
  }
  auto info = co_await disco::info(session, item.jid, std::nullopt, *budget);
  if (!info) {
    c.error = info.error();
    co_return c;
  }
  c.kind = classify(*info);
  if (c.kind == "upload") c.max_file_size = upload::max_file_size(*info);
  c.info = std::move(*info);
  co_return c;
}

}  // namespace

awaitable<ServerReport> query_server(Context& ctx, stream::Session& session, Jid server) {
  ServerReport s;
  s.jid = server.str();
  const auto record = [&s](std::string query, Error e) {
    s.errors.emplace_back(std::move(query), std::move(e));
  };

  if (auto budget = query_budget(ctx, "disco#info to " + s.jid); !budget) {
    record("info", budget.error());
  } else if (auto info = co_await disco::info(session, server, std::nullopt, *budget); !info) {
    record("info", info.error());
  } else {
    s.contacts = contacts::read(*info);
    s.info = std::move(*info);
  }

  if (auto budget = query_budget(ctx, "disco#items to " + s.jid); !budget) {
    record("items", budget.error());
  } else if (auto items = co_await disco::items_all(session, server, std::nullopt, *budget);
             !items) {
    record("items", items.error());
  } else {
    s.items = std::move(items->items);
  }
  for (const auto& item : s.items) {
    // Components are the domain JIDs among the server's items (XEP-0030 §4.1); nodes and
    // accounts are listed, not asked.
    if (item.jid.has_local() || !item.jid.is_bare() || item.node || item.jid == server) continue;
    s.components.push_back(co_await probe_component(ctx, session, item));
  }

  if (auto budget = query_budget(ctx, "software version of " + s.jid); !budget) {
    record("version", budget.error());
  } else if (auto v = co_await version::query(session, server, *budget); !v) {
    record("version", v.error());
  } else {
    s.version = std::move(*v);
  }

  if (auto budget = query_budget(ctx, "last activity of " + s.jid); !budget) {
    record("uptime", budget.error());
  } else if (auto up = co_await last::uptime(session, server, *budget); !up) {
    record("uptime", up.error());
  } else {
    s.uptime_s = static_cast<std::uint64_t>(up->count());
  }

  if (auto budget = query_budget(ctx, "ping " + s.jid); !budget) {
    record("ping", budget.error());
  } else if (auto rtt = co_await ping::ping(session, server, *budget); !rtt) {
    record("ping", rtt.error());
  } else {
    s.rtt_ms = std::chrono::duration<double, std::milli>(*rtt).count();
  }
  co_return s;
}

namespace {

struct LoggedIn {
  LoginReport login;
  std::optional<ServerReport> server;
};

awaitable<LoggedIn> log_in(Context& ctx) {
  LoggedIn out;
  out.login.jid = ctx.settings().jid->str();
  auto session = co_await ctx.session();
  if (!session) {
    out.login.error = session.error();
    co_return out;
  }
  auto& s = **session;
  out.login.ok = true;
  out.login.jid = s.jid().str();
  out.login.login_ms =
      to_ms(ctx.session_open_time().value_or(std::chrono::steady_clock::duration{}));
  out.login.address = s.info().address;
  out.login.direct_tls = s.info().direct_tls;
  out.login.mechanism = s.info().mechanism;
  out.server = co_await query_server(ctx, s, s.jid().domain_jid());
  co_return out;
}

/// Plugin output goes straight to stdout: one line, and nothing else (--json does not apply).
Outcome plugin_outcome(Context& ctx, const NagiosCheck& check) {
  ctx.out() << check.line() << '\n';
  ctx.out().flush();
  return Outcome::with_exit_code(nullptr, check.exit_code());
}

}  // namespace

awaitable<Outcome> run_probe(Context& ctx, ProbeArgs args) {
  if (args.nagios) {
    // The deadline, a signal or a bug still end in one plugin line and a plugin exit code.
    ctx.on_abort([&ctx, domain = args.domain](const Error& e) {
      const auto check = nagios_error(domain, e);
      ctx.out() << check.line() << '\n';
      ctx.out().flush();
      return check.exit_code();
    });
  }
  const auto failed = [&](const Error& e) {
    return args.nagios ? plugin_outcome(ctx, nagios_error(args.domain, e)) : Outcome::failure(e);
  };

  auto domain = parse_domain(args.domain);
  if (!domain) co_return failed(domain.error());

  auto options = probe_options(ctx.settings(), *domain, ctx.remaining());
  auto trace = ctx.trace_sink();
  if (!trace) co_return failed(trace.error());
  options.trace = std::move(*trace);
  auto probe = co_await stream::probe_server(std::move(options));
  if (!probe) co_return failed(probe.error());

  ProbeResult result;
  result.domain = domain->domain();
  result.probe = std::move(*probe);
  result.now = unix_now();
  if (ctx.credentials() != Context::Credentials::none) {
    if (auto why = skip_reason(ctx, *domain, result.probe)) {
      ctx.note("not logging in: " + *why);
      result.login = LoginReport{};
      result.login->jid = ctx.settings().jid->str();
      result.login->skipped = std::move(why);
    } else {
      auto logged_in = co_await log_in(ctx);
      result.login = std::move(logged_in.login);
      result.server = std::move(logged_in.server);
    }
  }

  const bool insecure = ctx.settings().insecure;
  if (args.nagios)
    co_return plugin_outcome(
        ctx, nagios_check(result, NagiosThresholds{args.warn_days, args.crit_days}, insecure));
  auto verdict = probe_verdict(result, insecure);
  auto report = std::make_unique<ProbeReport>(std::move(result));
  if (verdict) co_return Outcome::failure(std::move(*verdict), std::move(report));
  co_return Outcome::success(std::move(report));
}

Runner setup_probe(CLI::App& command) {
  auto args = std::make_shared<ProbeArgs>();
  command.add_option("DOMAIN", args->domain, "the server's domain")->required();
  command.add_flag("--nagios", args->nagios,
                   "Nagios/Icinga plugin output: one status line with perfdata, exit 0-3");
  command
      .add_option("--warn-days", args->warn_days,
                  "WARNING when the certificate expires within N days (default 14)")
      ->type_name("N")
      ->check(CLI::Range(0, 3650).description(""));
  command
      .add_option("--crit-days", args->crit_days,
                  "CRITICAL when the certificate expires within N days (default 7)")
      ->type_name("N")
      ->check(CLI::Range(0, 3650).description(""));
  return [args](Context& ctx) { return run_probe(ctx, *args); };
}

}  // namespace xmpp::cli
