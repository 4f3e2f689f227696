#include "cmd_disco.hpp"

#include <algorithm>
#include <chrono>
#include <memory>

#include "commands.hpp"
#include "disco_report.hpp"
#include "stanza/namespaces.hpp"
#include "stanza/presence.hpp"
#include "stream/router.hpp"
#include "xep/caps/caps.hpp"
#include "xep/disco/disco_ops.hpp"
#include "xep/disco/tree.hpp"

namespace xmpp::cli {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

/// Tree queries end this much before the overall deadline, so the tree walked so far is printed.
constexpr milliseconds k_tree_deadline_margin{200};

/// RFC 6121 §4.2 initial presence with priority -1: the server then sends us our contacts'
/// presence (with their XEP-0115 <c/>), and §8.5.2.1.1 routes no message for our bare JID to a
/// resource of negative priority (Prosody does not hand it offline messages either).
xml::Element initial_presence() {
  auto presence = stanza::make_presence();
  xml::Element priority("priority", std::string(stanza::k_ns_client));
  priority.add_text("-1");
  presence.add_child(std::move(priority));
  return presence;
}

awaitable<Outcome> run_info(Context& ctx, stream::Session& session, Jid target,
                            std::optional<std::string> node) {
  std::optional<CapsCheck> check;
  // XEP-0115 §6.3: our own server announces its caps in the stream features.
  if (!node && target == session.jid().domain_jid() && session.info().caps_feature) {
    xml::Element features("features", std::string(stanza::k_ns_streams));
    features.add_child(*session.info().caps_feature);
    if (auto c = caps::parse(features))
      check = CapsCheck{*c, caps::Verdict::mismatch, "stream-features"};
  }
  // A client's caps come with its presence (§4), which reaches us only once we are available.
  std::optional<caps::Caps> presence_caps;
  stream::Subscription watch;
  if (!node && target.has_local() && !target.is_bare()) {
    watch =
        session.router().on(stream::StanzaMatch{"presence", std::string(caps::k_ns), "available"},
                            [&presence_caps, target](const xml::Element& presence) {
                              auto from = Jid::parse(presence.attr("from").value_or(""));
                              if (!from || *from != target) return;
                              presence_caps = caps::parse(presence);
                            });
    if (auto sent = co_await session.send(initial_presence()); !sent)
      co_return Outcome::failure(sent.error());
  }
  auto info = co_await disco::info(session, target, node, ctx.remaining());
  if (!info) co_return Outcome::failure(info.error());
  // Whatever presence came before the result counts; we do not wait for more.
  if (presence_caps) check = CapsCheck{*presence_caps, caps::Verdict::mismatch, "presence"};
  if (!check && !node && target.has_local() && !target.is_bare())
    ctx.note("no presence with XEP-0115 caps from " + target.str() + " arrived before the result");
  if (check) check->verdict = caps::verify(check->caps, *info);
  auto report = std::make_unique<DiscoInfoReport>();
  report->jid = target.str();
  report->node = std::move(node);
  report->info = std::move(*info);
  report->caps = std::move(check);
  co_return Outcome::success(std::move(report));
}

awaitable<Outcome> run_items(Context& ctx, stream::Session& session, Jid target,
                             std::optional<std::string> node) {
  auto items = co_await disco::items_all(session, target, node, ctx.remaining());
  if (!items) co_return Outcome::failure(items.error());
  if (items->truncated)
    ctx.warn("disco#items to " + target.str() + ": the entity kept paging; showing the first " +
             std::to_string(items->pages) + " pages");
  auto report = std::make_unique<DiscoItemsReport>();
  report->jid = target.str();
  report->node = std::move(node);
  report->items = std::move(*items);
  co_return Outcome::success(std::move(report));
}

awaitable<Outcome> run_tree(Context& ctx, stream::Session& session, Jid target, DiscoArgs args) {
  // Each query waits k_query_timeout at most, so one silent entity is shown as "timeout" in place
  // instead of holding the walk to the overall deadline; queries the deadline cut short are
  // counted, and make the exit 75.
  std::size_t cut_short = 0;
  const auto budget = [&ctx, &cut_short]() -> Result<milliseconds> {
    const auto left = ctx.remaining() - k_tree_deadline_margin;
    if (left <= milliseconds(0)) {
      ++cut_short;
      return fail(ErrorKind::temporary, "timeout", "", "not asked: the deadline came");
    }
    return std::min(left, k_query_timeout);
  };
  const auto note_timeout = [&ctx, &cut_short](const Error& error) {
    if (error.code == "timeout" && ctx.remaining() <= k_tree_deadline_margin) ++cut_short;
  };
  disco::InfoQuery info = [&](Jid jid,
                              std::optional<std::string> n) -> awaitable<Result<disco::DiscoInfo>> {
    auto wait = budget();
    if (!wait) co_return fail(wait.error());
    auto result = co_await disco::info(session, std::move(jid), std::move(n), *wait);
    if (!result) note_timeout(result.error());
    co_return result;
  };
  disco::ItemsQuery items =
      [&](Jid jid, std::optional<std::string> n) -> awaitable<Result<disco::DiscoItems>> {
    auto wait = budget();
    if (!wait) co_return fail(wait.error());
    auto result = co_await disco::items_all(session, std::move(jid), std::move(n), *wait);
    if (!result) note_timeout(result.error());
    co_return result;
  };
  disco::TreeOptions options;
  options.depth = args.depth.value_or(k_default_depth);
  options.concurrency = static_cast<std::size_t>(args.concurrency.value_or(k_default_concurrency));
  options.max_entities = k_max_entities;
  const auto started = Clock::now();
  auto tree =
      co_await disco::walk_tree(target, args.node, std::move(info), std::move(items), options);
  auto report = std::make_unique<DiscoTreeReport>();
  report->depth = options.depth;
  report->concurrency = options.concurrency;
  report->max_entities = options.max_entities;
  report->elapsed_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  report->tree = std::move(tree);
  // The target's own failure decides the exit; errors below it are shown in place only.
  const auto& root = report->tree.root;
  std::optional<Error> error;
  if (root.info_error)
    error = root.info_error;
  else if (root.items_error)
    error = root.items_error;
  else if (auto lost = session.failure())
    error = std::move(lost);
  else if (cut_short > 0)
    error =
        make_error(ErrorKind::temporary, "timeout", "",
                   "disco tree " + target.str() + ": the deadline came before the walk ended (" +
                       std::to_string(cut_short) + (cut_short == 1 ? " query" : " queries") +
                       " not answered)");
  if (error) co_return Outcome::failure(std::move(*error), std::move(report));
  co_return Outcome::success(std::move(report));
}

}  // namespace

awaitable<Outcome> run_disco(Context& ctx, DiscoArgs args) {
  if (args.action != "tree" && (args.depth || args.concurrency))
    co_return Outcome::failure(
        usage_error(std::string(args.depth ? "--depth" : "--concurrency") + " is for `disco tree` only"));
  auto target = Jid::parse(args.target);
  if (!target) co_return Outcome::failure(target.error());
  auto session = co_await ctx.session();
  if (!session) co_return Outcome::failure(session.error());
  if (args.action == "info") co_return co_await run_info(ctx, **session, *target, args.node);
  if (args.action == "items") co_return co_await run_items(ctx, **session, *target, args.node);
  co_return co_await run_tree(ctx, **session, *target, std::move(args));
}

Runner setup_disco(CLI::App& command) {
  auto args = std::make_shared<DiscoArgs>();
  command.require_subcommand(1);
  const auto add_target = [&args](CLI::App* sub, const std::string& node_help) {
    sub->add_option("JID", args->target, "the entity to ask: a server, a component or a full JID")
        ->required()
        ->check(jid_validator());
    sub->add_option("--node", args->node, node_help)->type_name("NODE");
    sub->footer("The global options (see xmpp --help) may stand before or after the command.\n"
                "More: man xmpp-disco");
    // The app is gone when the runner runs: the subcommand is recorded while parsing.
    sub->parse_complete_callback([args, name = sub->get_name()] { args->action = name; });
  };
  add_target(command.add_subcommand("info", "identities, features and extension forms"),
             "the node to ask about (XEP-0030 node)");
  add_target(command.add_subcommand("items", "the items, every page (XEP-0059)"),
             "the node whose items to list");
  auto* tree = command.add_subcommand("tree", "walk the items recursively, info for each");
  add_target(tree, "start the walk at this node of JID");
  tree->add_option("--depth", args->depth, "levels of items below JID (default 2)")
      ->type_name("N")
      ->check(CLI::Range(0, 64).description(""));
  tree->add_option("--concurrency", args->concurrency, "requests in flight (default 8)")
      ->type_name("K")
      ->check(CLI::Range(1, 64).description(""));
  return [args](Context& ctx) { return run_disco(ctx, *args); };
}

}  // namespace xmpp::cli
