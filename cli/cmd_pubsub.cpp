// `xmpp pubsub` (CLI.md "pubsub", issue 7; XEP-0060 version 1.30.0, PEP XEP-0163 version 1.2.2):
// nodes, info, create, configure, delete, purge, publish, items, retract, subscribe,
// unsubscribe, subscriptions, affiliations and listen. Everything the arguments decide (SERVICE,
// NODE, --set, the payload) is checked before logging in; the service is resolved once logged in.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "commands.hpp"
#include "event_lines.hpp"
#include "form_report.hpp"
#include "pubsub_publish.hpp"
#include "pubsub_report.hpp"
#include "stdin_lines.hpp"
#include "xep/forms/answers.hpp"
#include "xep/muc/config.hpp"
#include "xep/pubsub/node_config.hpp"
#include "xep/pubsub/payloads.hpp"
#include "xep/pubsub/pubsub_ops.hpp"

namespace xmpp::cli {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

/// Each request waits at most this long (a silent service with --timeout 0 still ends).
constexpr milliseconds k_request_timeout{60000};
/// Unsubscribing when `listen` ends (its own deadline: the run loop's is dropped by then).
constexpr milliseconds k_stop_timeout{5000};
/// `listen` looks at Ctrl-C and its deadline at least this often while no event comes.
constexpr milliseconds k_listen_tick{200};

milliseconds request_timeout(const Context& ctx) {
  return std::clamp(ctx.remaining(), milliseconds(1), k_request_timeout);
}

/// Everything checked before connecting: a mistake costs no login and sends nothing.
struct Plan {
  ServiceArg service;
  std::vector<forms::Assignment> sets;  ///< --set, files read
  forms::Answers config;                ///< --set, collected
  forms::Answers options;               ///< publish --option
  std::optional<forms::Form> options_form;
  std::optional<xml::Element> payload;
  std::optional<Jid> jid;
  std::vector<pubsub::AffiliationChange> changes;
};

/// Reads stdin or the --payload-file for `source`. Errors: no_input (66), data (65, too large).
Result<std::optional<std::string>> read_input(const PubsubArgs& args, PayloadSource source) {
  if (source == PayloadSource::standard_input ||
      (source == PayloadSource::file && *args.payload_file == "-"))
    return read_all(STDIN_FILENO);
  if (source != PayloadSource::file) return std::optional<std::string>();
  const int fd = ::open(args.payload_file->c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail(ErrorKind::no_input, "no_input", "",
                "--payload-file " + *args.payload_file + ": " + std::strerror(errno));
  auto content = read_all(fd);
  ::close(fd);
  if (!content) return fail(content.error().with_context("--payload-file " + *args.payload_file));
  return std::optional<std::string>(std::move(*content));
}

bool needs_node(const std::string& action) {
  return action != "nodes" && action != "subscriptions" && action != "affiliations";
}

Result<Plan> plan_pubsub(const PubsubArgs& args) {
  Plan plan;
  auto service = parse_service_arg(args.service);
  if (!service) return fail(service.error());
  plan.service = std::move(*service);
  const std::string& a = args.action;
  if (needs_node(a) && args.node.empty()) return fail(usage_error(a + ": NODE is empty"));
  if (!args.sets.empty()) {
    auto sets = read_assignments(args.sets);
    if (!sets) return fail(sets.error());
    plan.sets = std::move(*sets);
    plan.config = forms::collect(plan.sets);
  }
  if (args.jid) {
    auto jid = Jid::parse(*args.jid);
    if (!jid) return fail(jid.error().with_context("--jid"));
    plan.jid = std::move(*jid);
  }
  if ((a == "subscriptions" || a == "affiliations") && args.owner && args.node.empty())
    return fail(usage_error(a + " --owner lists one node's " +
                      (a == "subscriptions" ? "subscribers (XEP-0060 §8.8.1)"
                                            : "affiliated entities (XEP-0060 §8.9.1)") +
                      ": give NODE"));
  if (a == "affiliations" && !args.affiliation_sets.empty()) {
    if (args.node.empty()) return fail(usage_error("affiliations --set changes one node's: give NODE"));
    for (const auto& text : args.affiliation_sets) {
      auto change = pubsub::parse_affiliation_change(text);
      if (!change) return fail(change.error().with_context("--set"));
      plan.changes.push_back(std::move(*change));
    }
  }
  if (a == "publish") {
    auto source = check_publish(args, ::isatty(STDIN_FILENO) == 1);
    if (!source) return fail(source.error());
    if (!args.options.empty()) {
      auto options = read_assignments(args.options);
      if (!options) return fail(options.error().with_context("--option"));
      plan.options = forms::collect(*options);
      auto form = pubsub::publish_options_submit(plan.options);
      if (!form) return fail(form.error().with_context("--option"));
      plan.options_form = std::move(*form);
    }
    if (auto checked = pubsub::node_config_submit(plan.config); !checked)
      return fail(checked.error().with_context("--set"));
    auto input = read_input(args, *source);
    if (!input) return fail(input.error());
    auto payload = build_payload(
        args, *source, *input,
        std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()));
    if (!payload) return fail(payload.error());
    plan.payload = std::move(*payload);
  }
  return plan;
}

/// The service a request goes to, and its name in reports (our PEP service: our bare JID).
struct Resolved {
  pubsub::Service service;
  std::string name;
};

awaitable<Result<Resolved>> resolve(Context& ctx, stream::Session& session, ServiceArg arg) {
  const Jid own = session.jid().bare();
  if (arg.kind == ServiceArg::Kind::pep) co_return Resolved{std::nullopt, own.str()};
  if (arg.kind == ServiceArg::Kind::jid) {
    // Our own bare JID is our PEP service: asked without 'to', as `pep` is (XEP-0163 §3).
    if (arg.jid.is_bare() && is_same_bare(arg.jid, own))
      co_return Resolved{std::nullopt, own.str()};
    co_return Resolved{arg.jid, arg.jid.str()};
  }
  auto found = co_await pubsub::find_service(session, arg.jid, request_timeout(ctx));
  if (!found) co_return fail(found.error());
  if (*found != arg.jid) ctx.note("the pubsub service of " + arg.jid.str() + " is " + found->str());
  co_return Resolved{*found, found->str()};
}

/// Checks --set against the service's default node configuration (§8.3) before a node is
/// created: Prosody ignores fields it does not know, so a typo would pass unnoticed. A field
/// registered for pubsub#node_config (§16.4.4) passes even when the default form leaves it out
/// (ejabberd's has no pubsub#title), checked by its registered type; the service says
/// bad-request if it minds. A service that cannot tell its defaults leaves the check to the
/// create itself.
awaitable<Result<void>> check_config(Context& ctx, stream::Session& session,
                                     const Resolved& service, const forms::Answers& config) {
  if (config.empty()) co_return Result<void>{};
  auto defaults =
      co_await pubsub::default_configuration(session, service.service, request_timeout(ctx));
  if (!defaults) {
    if (defaults.error().kind != ErrorKind::remote) co_return fail(defaults.error());
    ctx.note("--set not checked: " + escape_terminal(defaults.error().message));
    co_return Result<void>{};
  }
  auto filled = forms::fill(pubsub::with_registered_node_config(std::move(*defaults)), config,
                            forms::SubmitOptions{forms::Carry::answered, true});
  if (filled) co_return Result<void>{};
  std::vector<forms::Problem> problems;
  for (auto& problem : filled.error())
    if (problem.kind != forms::ProblemKind::missing_required) problems.push_back(problem);
  if (problems.empty()) co_return Result<void>{};
  co_return fail(forms::to_error(problems).with_context("--set"));
}

// ---- nodes, info, create, configure, delete, purge ----------------------------------------------

awaitable<Outcome> run_nodes(Context& ctx, stream::Session& session, Resolved service,
                             std::optional<std::string> parent) {
  auto items = co_await pubsub::nodes(session, service.service, parent, request_timeout(ctx));
  if (!items) co_return Outcome::failure(items.error());
  auto report = std::make_unique<PubsubNodesReport>();
  report->service = service.name;
  report->parent = parent;
  for (auto& item : items->items)
    if (item.node) report->nodes.push_back(std::move(item));
  co_return Outcome::success(std::move(report));
}

awaitable<Outcome> run_info(Context& ctx, stream::Session& session, Resolved service,
                            std::string node) {
  auto info = co_await pubsub::node_info(session, service.service, node, request_timeout(ctx));
  if (!info) co_return Outcome::failure(info.error());
  auto report = std::make_unique<PubsubInfoReport>();
  report->service = service.name;
  report->node = node;
  report->info = std::move(*info);
  co_return Outcome::success(std::move(report));
}

awaitable<Outcome> run_create(Context& ctx, stream::Session& session, Resolved service,
                              std::string node, forms::Answers config) {
  if (auto checked = co_await check_config(ctx, session, service, config); !checked)
    co_return Outcome::failure(checked.error());
  auto created =
      co_await pubsub::create(session, service.service, node, config, request_timeout(ctx));
  if (!created) co_return Outcome::failure(created.error());
  auto report = std::make_unique<PubsubCreateReport>();
  report->service = service.name;
  report->node = *created;
  report->config = std::move(config);
  co_return Outcome::success(std::move(report));
}

awaitable<Outcome> run_configure(Context& ctx, stream::Session& session, Resolved service,
                                 std::string node, Plan plan) {
  auto before =
      co_await pubsub::configuration(session, service.service, node, request_timeout(ctx));
  if (!before) co_return Outcome::failure(before.error());
  if (plan.config.empty()) {
    auto report = std::make_unique<PubsubConfigFormReport>();
    report->service = service.name;
    report->node = node;
    report->form = std::move(*before);
    co_return Outcome::success(std::move(report));
  }
  if (auto checked = check_no_private_on_argv(*before, plan.sets); !checked)
    co_return Outcome::failure(checked.error());
  auto submitted =
      co_await pubsub::configure(session, service.service, node, plan.config, request_timeout(ctx));
  if (!submitted) co_return Outcome::failure(submitted.error());
  // The changes are what the service reports now against what it reported before.
  auto after = co_await pubsub::configuration(session, service.service, node, request_timeout(ctx));
  if (!after) co_return Outcome::failure(after.error());
  auto report = std::make_unique<PubsubConfigChangeReport>();
  report->service = service.name;
  report->node = node;
  report->changes = muc::config_changes(*before, *after);
  co_return Outcome::success(std::move(report));
}

awaitable<Outcome> run_delete_or_purge(Context& ctx, stream::Session& session, Resolved service,
                                       std::string node, bool purge,
                                       std::optional<std::string> redirect) {
  Result<void> done;
  if (purge)
    done = co_await pubsub::purge(session, service.service, node, request_timeout(ctx));
  else
    done = co_await pubsub::delete_node(session, service.service, node, std::move(redirect),
                                        request_timeout(ctx));
  if (!done) co_return Outcome::failure(done.error());
  auto report = std::make_unique<PubsubNodeDoneReport>();
  report->verb = purge ? "purged" : "deleted";
  report->service = service.name;
  report->node = node;
  co_return Outcome::success(std::move(report));
}

// ---- publish, items, retract --------------------------------------------------------------------

std::string options_text(const forms::Answers& options) {
  std::string out;
  for (const auto& option : options)
    for (const auto& value : option.values) {
      if (!out.empty()) out += ", ";
      out += option.var + "=" + value;
    }
  return out;
}

awaitable<Outcome> run_publish(Context& ctx, stream::Session& session, Resolved service,
                               PubsubArgs args, Plan plan) {
  if (args.create_if_missing) {
    if (auto checked = co_await check_config(ctx, session, service, plan.config); !checked)
      co_return Outcome::failure(checked.error());
  }
  pubsub::PublishRequest request;
  request.node = args.node;
  request.item_id = args.item_id;
  request.payload = std::move(plan.payload);
  request.options = std::move(plan.options_form);
  Result<pubsub::Published> published;
  if (args.create_if_missing)
    published = co_await pubsub::publish_or_create(session, service.service, std::move(request),
                                                   plan.config, request_timeout(ctx));
  else
    published = co_await pubsub::publish(session, service.service, std::move(request),
                                         request_timeout(ctx));
  if (!published) {
    auto error = published.error();
    // §7.1.5: name what the node's configuration did not match.
    if (error.code == "precondition_not_met")
      error.message += "; the publish-options were " + options_text(plan.options);
    co_return Outcome::failure(std::move(error));
  }
  auto report = std::make_unique<PubsubPublishReport>();
  report->service = service.name;
  report->node = published->node.empty() ? args.node : published->node;
  report->id = published->item_id;
  report->created = published->created;
  co_return Outcome::success(std::move(report));
}

awaitable<Outcome> run_items(Context& ctx, stream::Session& session, Resolved service,
                             PubsubArgs args) {
  pubsub::ItemsRequest request;
  request.node = args.node;
  if (args.max) request.max_items = static_cast<std::size_t>(*args.max);
  request.item_ids = args.item_ids;
  auto items = co_await pubsub::items(session, service.service, request, request_timeout(ctx));
  if (!items) co_return Outcome::failure(items.error());
  if (items->extra_payloads > 0)
    ctx.warn(fmt::format("{} item(s) carried more than one payload element; only the first is "
                         "shown (XEP-0060 §7.1.1)",
                         items->extra_payloads));
  if (!items->complete) ctx.warn("the service kept paging; the list may be incomplete");
  auto report = std::make_unique<PubsubItemsReport>();
  report->service = service.name;
  report->node = args.node;
  report->complete = items->complete;
  report->items = std::move(items->items);
  report->quiet = ctx.settings().quiet;
  co_return Outcome::success(std::move(report));
}

awaitable<Outcome> run_retract(Context& ctx, stream::Session& session, Resolved service,
                               PubsubArgs args) {
  auto report = std::make_unique<PubsubRetractReport>();
  report->service = service.name;
  report->node = args.node;
  // §7.2.1: one item per request; a refusal stops there, what was retracted is reported.
  for (const auto& id : args.item_ids) {
    auto done = co_await pubsub::retract(session, service.service, args.node, id, args.notify,
                                         request_timeout(ctx));
    if (!done) co_return Outcome::failure(done.error(), std::move(report));
    report->retracted.push_back(id);
  }
  co_return Outcome::success(std::move(report));
}

// ---- subscriptions, affiliations ----------------------------------------------------------------

awaitable<Outcome> run_subscribe(Context& ctx, stream::Session& session, Resolved service,
                                 std::string node, std::optional<Jid> jid) {
  auto sub = co_await pubsub::subscribe(session, service.service, node, jid, request_timeout(ctx));
  if (!sub) co_return Outcome::failure(sub.error());
  auto report = std::make_unique<PubsubSubscribeReport>();
  report->service = service.name;
  report->node = node;
  report->subscription = std::move(*sub);
  co_return Outcome::success(std::move(report));
}

awaitable<Outcome> run_unsubscribe(Context& ctx, stream::Session& session, Resolved service,
                                   std::string node, std::optional<Jid> jid) {
  const Jid who = jid ? *jid : session.jid().bare();
  auto done = co_await pubsub::unsubscribe(session, service.service, node, who, std::nullopt,
                                           request_timeout(ctx));
  if (!done) co_return Outcome::failure(done.error());
  auto report = std::make_unique<PubsubUnsubscribeReport>();
  report->service = service.name;
  report->node = node;
  report->jid = who.str();
  co_return Outcome::success(std::move(report));
}

std::optional<std::string> optional_node(const std::string& node) {
  return node.empty() ? std::nullopt : std::optional<std::string>(node);
}

awaitable<Outcome> run_subscriptions(Context& ctx, stream::Session& session, Resolved service,
                                     std::string node, bool owner) {
  auto list = co_await pubsub::subscriptions(session, service.service, optional_node(node), owner,
                                             request_timeout(ctx));
  if (!list) co_return Outcome::failure(list.error());
  auto report = std::make_unique<PubsubSubscriptionsReport>();
  report->service = service.name;
  report->node = optional_node(node);
  report->owner = owner;
  report->subscriptions = std::move(*list);
  co_return Outcome::success(std::move(report));
}

awaitable<Outcome> run_affiliations(Context& ctx, stream::Session& session, Resolved service,
                                    std::string node, bool owner,
                                    std::vector<pubsub::AffiliationChange> changes) {
  if (!changes.empty()) {
    auto done = co_await pubsub::set_affiliations(session, service.service, node, changes,
                                                  request_timeout(ctx));
    if (!done) co_return Outcome::failure(done.error());
    auto report = std::make_unique<PubsubAffiliationsSetReport>();
    report->service = service.name;
    report->node = node;
    report->set = std::move(changes);
    co_return Outcome::success(std::move(report));
  }
  auto list = co_await pubsub::affiliations(session, service.service, optional_node(node), owner,
                                            request_timeout(ctx));
  if (!list) co_return Outcome::failure(list.error());
  auto report = std::make_unique<PubsubAffiliationsReport>();
  report->service = service.name;
  report->node = optional_node(node);
  report->owner = owner;
  report->affiliations = std::move(*list);
  co_return Outcome::success(std::move(report));
}

// ---- listen -------------------------------------------------------------------------------------

/// `listen`: subscribes unless already subscribed, prints each event as it comes, unsubscribes at
/// the end if it subscribed: after --count events, at --timeout, on Ctrl-C (exit 130) or when the
/// node is deleted (nothing left to unsubscribe from).
class PubsubListen {
 public:
  PubsubListen(Context& ctx, stream::Session& session, Resolved service, std::string node,
               std::optional<int> count)
      : m_ctx(ctx), m_session(session), m_service(std::move(service)), m_node(std::move(node)),
        m_count(count) {}

  awaitable<Outcome> run() {
    // CLI.md: listening has no deadline unless --timeout asks for one. A first Ctrl-C (or
    // SIGTERM) lets us unsubscribe before the exit (130, 143); a second one ends at once.
    m_ctx.drop_default_deadline();
    m_ctx.on_interrupt([] {});
    struct Unregister {
      Context& context;
      ~Unregister() { context.on_interrupt(nullptr); }
    } unregister{m_ctx};

    auto started = co_await pubsub::listen(m_session, m_service.service, m_node, std::nullopt,
                                           request_timeout(m_ctx));
    if (!started) co_return Outcome::failure(started.error());
    pubsub::Listener listener = std::move(*started);
    m_ctx.inform("listening to node " + escape_terminal(m_node) + " at " +
                 escape_terminal(m_service.name) +
                 (listener.made ? " (subscribed)" : " (already subscribed)"));
    // From here on the end at --timeout is ours, so that unsubscribing still fits in.
    const auto until = m_ctx.deadline();
    m_ctx.set_deadline(std::nullopt);

    Outcome end = co_await listen(listener, until);
    if (listener.made && !m_session.failure()) {
      auto stopped = co_await pubsub::stop(m_session, listener, k_stop_timeout);
      if (!stopped)
        m_ctx.warn("could not unsubscribe: " + escape_terminal(stopped.error().message));
      else
        m_ctx.note("unsubscribed from node " + escape_terminal(m_node));
    }
    co_return end;
  }

 private:
  awaitable<Outcome> listen(pubsub::Listener& listener, std::optional<Clock::time_point> until) {
    for (;;) {
      if (m_ctx.interrupted()) co_return Outcome::success(nullptr);  // the run loop says 130
      milliseconds wait = k_listen_tick;
      if (until) {
        const auto left = std::chrono::duration_cast<milliseconds>(*until - Clock::now());
        if (left.count() <= 0) co_return deadline_reached();
        wait = std::min(wait, left);
      }
      auto event = co_await listener.next(wait);
      note_ignored(listener);
      if (!event) {
        if (auto failure = m_session.failure()) {
          if (m_ctx.interrupted()) co_return Outcome::success(nullptr);
          co_return Outcome::failure(*failure);
        }
        if (event.error().code == "timeout") continue;
        if (event.error().code == "bad_event") {
          m_ctx.warn(escape_terminal(event.error().message));
          continue;
        }
        co_return Outcome::failure(event.error());
      }
      if (!m_lines.emit(m_ctx.json() ? dump_json(event_json(m_service.name, *event))
                                     : event_line(*event)))
        co_return m_lines.write_failed();
      ++m_printed;
      if (event->kind == pubsub::EventKind::deleted) {
        // §8.4.2: the node and its subscriptions are gone.
        listener.made.reset();
        co_return Outcome::success(nullptr);
      }
      if (m_count && m_printed >= *m_count) co_return Outcome::success(nullptr);
    }
  }

  void note_ignored(const pubsub::Listener& listener) {
    if (listener.ignored() == m_ignored) return;
    m_ignored = listener.ignored();
    m_ctx.note(fmt::format("ignored {} event message(s) not from {} or for other nodes "
                           "(SECURITY.md row 38)",
                           m_ignored, escape_terminal(m_service.name)));
  }

  Outcome deadline_reached() const {
    // As `xmpp listen`: --timeout bounds how long to listen, reaching it is the normal end,
    // unless --count asked for more events than came.
    return deadline_outcome(m_ctx.settings().timeout,
                            m_count ? std::optional<long>(*m_count) : std::nullopt, m_printed,
                            "events");
  }

  Context& m_ctx;
  stream::Session& m_session;
  Resolved m_service;
  std::string m_node;
  std::optional<int> m_count;
  int m_printed = 0;
  std::size_t m_ignored = 0;
  EventLines m_lines{m_ctx.out()};
};

// ---- the command --------------------------------------------------------------------------------

awaitable<Outcome> run_pubsub(Context& ctx, PubsubArgs args) {
  if (args.action.empty())
    co_return Outcome::failure(usage_error("xmpp pubsub needs a subcommand: " + args.subcommands));
  auto plan = plan_pubsub(args);
  if (!plan) co_return Outcome::failure(plan.error());
  auto opened = co_await ctx.session();
  if (!opened) co_return Outcome::failure(opened.error());
  auto& session = **opened;
  auto resolved = co_await resolve(ctx, session, plan->service);
  if (!resolved) co_return Outcome::failure(resolved.error());
  Resolved service = std::move(*resolved);
  const std::string& a = args.action;
  if (a == "nodes") co_return co_await run_nodes(ctx, session, service, args.parent);
  if (a == "info") co_return co_await run_info(ctx, session, service, args.node);
  if (a == "create")
    co_return co_await run_create(ctx, session, service, args.node, std::move(plan->config));
  if (a == "configure")
    co_return co_await run_configure(ctx, session, service, args.node, std::move(*plan));
  if (a == "delete" || a == "purge")
    co_return co_await run_delete_or_purge(ctx, session, service, args.node, a == "purge",
                                           args.redirect);
  if (a == "publish") co_return co_await run_publish(ctx, session, service, args, std::move(*plan));
  if (a == "items") co_return co_await run_items(ctx, session, service, args);
  if (a == "retract") co_return co_await run_retract(ctx, session, service, args);
  if (a == "subscribe")
    co_return co_await run_subscribe(ctx, session, service, args.node, plan->jid);
  if (a == "unsubscribe")
    co_return co_await run_unsubscribe(ctx, session, service, args.node, plan->jid);
  if (a == "subscriptions")
    co_return co_await run_subscriptions(ctx, session, service, args.node, args.owner);
  if (a == "affiliations")
    co_return co_await run_affiliations(ctx, session, service, args.node, args.owner,
                                        std::move(plan->changes));
  PubsubListen listen(ctx, session, std::move(service), args.node, args.count);
  co_return co_await listen.run();
}

}  // namespace

Runner setup_pubsub(CLI::App& command) {
  auto args = std::make_shared<PubsubArgs>();
  // `xmpp pubsub` alone is a usage error naming the subcommands (from the runner, exit 64).
  command.require_subcommand(0, 1);
  std::vector<CLI::App*> subs;
  const auto add = [&](std::string name, std::string summary) {
    auto* sub = command.add_subcommand(std::move(name), std::move(summary));
    subs.push_back(sub);
    return sub;
  };
  const auto add_service = [&args](CLI::App* sub) {
    sub->add_option("SERVICE", args->service,
                    "pep (our own PEP service), an account's bare JID, a domain, or a service JID")
        ->required();
  };
  const auto add_node = [&args](CLI::App* sub) {
    sub->add_option("NODE", args->node, "the node")->required();
  };
  const auto add_sets = [&args](CLI::App* sub, const std::string& what) {
    sub->add_option("--set", args->sets, what + " (VAR=@FILE: the value from a file; repeatable)")
        ->type_name("VAR=VALUE");
  };

  auto* nodes = add("nodes", "the nodes of a service (default: our PEP service)");
  nodes->add_option("SERVICE", args->service,
                    "pep (default), an account's bare JID, a domain, or a service JID");
  nodes->add_option("--node", args->parent, "the children of this collection node")
      ->type_name("PARENT");

  auto* info = add("info", "a node's type, features and meta-data");
  add_service(info);
  add_node(info);

  auto* create = add("create", "create a node, configured with --set");
  add_service(create);
  add_node(create);
  add_sets(create, "set a node configuration field, e.g. pubsub#access_model=open");

  auto* configure = add("configure", "show a node's configuration form, or change it");
  add_service(configure);
  add_node(configure);
  add_sets(configure, "change a node configuration field");

  auto* del = add("delete", "delete a node (owner)");
  add_service(del);
  add_node(del);
  del->add_option("--redirect", args->redirect, "tell subscribers to go to this node URI instead")
      ->type_name("URI");

  auto* purge = add("purge", "remove every item of a node (owner)");
  add_service(purge);
  add_node(purge);

  auto* publish = add("publish", "publish an item (payload from stdin, a file or the options)");
  add_service(publish);
  add_node(publish);
  publish->add_option("--id", args->item_id, "the item id (default: the service assigns one)")
      ->type_name("ID");
  publish
      ->add_option("--text", args->text,
                   "publish TEXT (in <data xmlns='https://prosody.im/protocol/data'/>); "
                   "with --geoloc, the location's description")
      ->type_name("TEXT");
  publish
      ->add_option("--payload-file", args->payload_file,
                   "the payload from FILE (one XML element; - = stdin)")
      ->type_name("FILE");
  publish->add_flag("--json-payload", args->json_payload,
                    "stdin or the file is JSON, published in <json xmlns='urn:xmpp:json:0'/>");
  publish->add_flag("--atom", args->atom, "publish an Atom entry (with --title)");
  publish->add_option("--title", args->title, "the Atom entry's title")->type_name("T");
  publish->add_option("--link", args->link, "the Atom entry's link")->type_name("URL");
  publish->add_option("--summary", args->summary, "the Atom entry's summary")->type_name("S");
  publish->add_option("--geoloc", args->geoloc, "publish a location (XEP-0080), decimal degrees")
      ->type_name("LAT,LON");
  publish->add_option("--accuracy", args->accuracy, "the location's accuracy in meters")
      ->type_name("M");
  publish
      ->add_option("--option", args->options,
                   "a publish-option: the node's configuration must match (repeatable)")
      ->type_name("VAR=VALUE");
  publish->add_flag("--create-if-missing", args->create_if_missing,
                    "create the node if it does not exist (configured with --set)");
  add_sets(publish, "with --create-if-missing: configure the new node");

  auto* items = add("items", "read a node's items (all pages)");
  add_service(items);
  add_node(items);
  items->add_option("--max", args->max, "the N most recent items")
      ->type_name("N")
      ->check(CLI::Range(1, 1000000).description(""));
  items->add_option("--id", args->item_ids, "only the item with this id (repeatable)")
      ->type_name("ID");

  auto* retract = add("retract", "delete items from a node");
  add_service(retract);
  add_node(retract);
  retract->add_option("ID", args->item_ids, "the items to retract")->required();
  retract->add_flag("--notify", args->notify, "ask the service to tell the subscribers");

  auto* subscribe = add("subscribe", "subscribe to a node");
  add_service(subscribe);
  add_node(subscribe);
  subscribe->add_option("--jid", args->jid, "subscribe this JID (default: our bare JID)")
      ->type_name("JID")
      ->check(jid_validator());

  auto* unsubscribe = add("unsubscribe", "cancel a subscription to a node");
  add_service(unsubscribe);
  add_node(unsubscribe);
  unsubscribe->add_option("--jid", args->jid, "unsubscribe this JID (default: our bare JID)")
      ->type_name("JID")
      ->check(jid_validator());

  auto* subscriptions = add("subscriptions", "our subscriptions, or a node's subscribers");
  add_service(subscriptions);
  subscriptions->add_option("NODE", args->node, "only at this node");
  subscriptions->add_flag("--owner", args->owner, "the node's subscribers (owner; needs NODE)");

  auto* affiliations = add("affiliations", "our affiliations, or a node's (owner): list or set");
  add_service(affiliations);
  affiliations->add_option("NODE", args->node, "only at this node");
  affiliations->add_flag("--owner", args->owner,
                         "the node's affiliated entities (owner; needs NODE)");
  affiliations
      ->add_option("--set", args->affiliation_sets,
                   "set an affiliation at NODE: owner, publisher, publish-only, member, none, "
                   "outcast (repeatable)")
      ->type_name("JID=AFFILIATION");

  auto* listen = add("listen", "subscribe and print a node's events until Ctrl-C or --count");
  add_service(listen);
  add_node(listen);
  listen->add_option("--count", args->count, "exit after N events")
      ->type_name("N")
      ->check(CLI::Range(1, 1000000000).description(""));

  for (auto* sub : subs) {
    sub->footer("The global options (see xmpp --help) may stand before or after the command.\n"
                "More: man xmpp-pubsub");
    // The app is gone when the runner runs: the subcommand is recorded while parsing.
    sub->parse_complete_callback([args, name = sub->get_name()] { args->action = name; });
    if (!args->subcommands.empty()) args->subcommands += ", ";
    args->subcommands += sub->get_name();
  }
  return [args](Context& ctx) -> awaitable<Outcome> { return run_pubsub(ctx, *args); };
}

}  // namespace xmpp::cli
