#include "cmd_roster.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "commands.hpp"
#include "roster_file.hpp"
#include "roster_report.hpp"
#include "stdin_lines.hpp"
#include "xep/roster/presence_ops.hpp"
#include "xep/roster/roster_ops.hpp"
#include "xep/roster/subscription.hpp"
#include "xep/roster/sync.hpp"

namespace xmpp::cli {
namespace {

using roster::SubscriptionAction;
using roster::SubscriptionState;

/// The roster, through the versioning cache when there is a cache directory: the copy from the
/// last run is sent as known (RFC 6121 §2.6.2) and the answer is stored for the next run.
class RosterStore {
 public:
  RosterStore(Context& ctx, stream::Session& session) : m_ctx(ctx), m_session(session) {
    if (const auto& dir = ctx.settings().cache_dir) {
      m_cache_path = roster_cache_path(*dir, session.jid());
      m_current = load_roster_cache(*m_cache_path);
    }
    // Pushes outside a fetch (after a change we made) keep our copy current and are answered.
    m_pushes = roster::accept_pushes(session, [this](const roster::Push& push) {
      if (m_current) roster::apply(*m_current, push);
    });
  }

  /// Fetches the roster (the whole one, or the cached copy with the changes since).
  awaitable<Result<roster::Roster>> fetch() {
    auto fetched = co_await roster::fetch(m_session, m_current, m_ctx.remaining());
    if (!fetched) co_return fail(fetched.error().with_context("roster"));
    if (fetched->from_cache) m_ctx.note("roster: the server confirmed the cached copy (RFC 6121 §2.6)");
    m_current = fetched->roster;
    save();
    co_return fetched->roster;
  }

 private:
  void save() {
    if (!m_cache_path) return;
    if (!m_current->version) {
      ::unlink(m_cache_path->c_str());  // a copy without version could never be confirmed
      return;
    }
    if (auto saved = save_roster_cache(*m_cache_path, m_session.jid(), *m_current); !saved)
      m_ctx.note("roster cache not written: " + saved.error().message);
  }

  Context& m_ctx;
  stream::Session& m_session;
  std::optional<std::string> m_cache_path;
  std::optional<roster::Roster> m_current;
  stream::Subscription m_pushes;
};

std::optional<roster::Item> find_item(const roster::Roster& roster, const Jid& jid) {
  if (const auto* item = roster::find(roster, jid)) return *item;
  return std::nullopt;
}

/// True when a contact on another domain is in the roster: their presence comes through their
/// server, later than our own server's answer.
bool has_remote_contacts(const roster::Roster& roster, const Jid& own) {
  return std::any_of(roster.items.begin(), roster.items.end(), [&](const roster::Item& item) {
    return item.jid.domain() != own.domain();
  });
}

awaitable<Outcome> run_list(Context& ctx, stream::Session& session, const RosterArgs& args) {
  RosterStore store(ctx, session);
  auto current = co_await store.fetch();
  if (!current) co_return Outcome::failure(current.error());
  auto report = std::make_unique<RosterListReport>();
  if (args.presence) {
    roster::SnapshotOptions options;
    options.remote_domains = has_remote_contacts(*current, session.jid());
    // RFC 6121 §4.3: the server probes the contacts whose presence we may see.
    for (const auto& item : current->items)
      if (item.subscription == SubscriptionState::to ||
          item.subscription == SubscriptionState::both)
        options.expected.push_back(item.jid);
    options.timeout = ctx.remaining();
    auto snapshot = co_await roster::announce_and_collect(session, options);
    if (!snapshot) co_return Outcome::failure(snapshot.error().with_context("presence"));
    report->presence = std::move(*snapshot);
  }
  report->roster = std::move(*current);
  co_return Outcome::success(std::move(report));
}

awaitable<Outcome> run_add_or_set(Context& ctx, stream::Session& session, const RosterArgs& args,
                                  const Jid& jid) {
  RosterStore store(ctx, session);
  auto before = co_await store.fetch();
  if (!before) co_return Outcome::failure(before.error());
  const auto* existing = roster::find(*before, jid);
  const bool adding = args.action == "add";
  if (adding && existing)
    co_return Outcome::failure(make_error(
        ErrorKind::remote, "already_exists", "conflict",
        fmt::format("{} is already in your roster; `xmpp roster set {}` changes it", jid.str(),
                    jid.str())));
  if (!adding && !existing)
    co_return Outcome::failure(
        make_error(ErrorKind::remote, "not_in_roster", "item-not-found",
                   fmt::format("{} is not in your roster; `xmpp roster add {}` adds it",
                               jid.str(), jid.str())));
  roster::Item item = existing ? *existing : roster::Item{};
  item.jid = jid;
  if (args.name) item.name = args.name->empty() ? std::nullopt : args.name;
  if (args.no_groups) item.groups.clear();
  if (!args.groups.empty()) item.groups = args.groups;
  if (auto set = co_await roster::set_item(session, item, ctx.remaining()); !set)
    co_return Outcome::failure(set.error().with_context("roster " + args.action + " " + jid.str()));
  auto report = std::make_unique<RosterChangeReport>();
  report->jid = jid.str();
  report->action = args.action;
  if (adding && args.subscribe) {
    if (auto sent = co_await session.send(roster::make_request(jid, SubscriptionAction::subscribe));
        !sent)
      co_return Outcome::failure(sent.error());
    report->subscription_requested = true;
  }
  // Read back: the server's copy is what the report shows (and the request's ask, if any).
  auto after = co_await store.fetch();
  if (!after) co_return Outcome::failure(after.error());
  report->item = find_item(*after, jid);
  co_return Outcome::success(std::move(report));
}

awaitable<Outcome> run_remove(Context& ctx, stream::Session& session, const Jid& jid) {
  // RFC 6121 §2.5.3 says the server answers item-not-found, but not every server does (ejabberd
  // 23.01 answers success): the roster we fetch decides, so the answer is the same everywhere.
  RosterStore store(ctx, session);
  auto current = co_await store.fetch();
  if (!current) co_return Outcome::failure(current.error());
  if (!roster::find(*current, jid))
    co_return Outcome::failure(make_error(ErrorKind::remote, "not_in_roster", "item-not-found",
                                          jid.str() + " is not in your roster")
                                   .with_context("roster remove"));
  if (auto removed = co_await roster::remove_item(session, jid, ctx.remaining()); !removed) {
    auto error = removed.error();
    if (error.condition == "item-not-found")
      error.message = jid.str() + " is not in your roster";
    co_return Outcome::failure(error.with_context("roster remove"));
  }
  auto report = std::make_unique<RosterChangeReport>();
  report->jid = jid.str();
  report->action = "remove";
  co_return Outcome::success(std::move(report));
}

bool approves(const std::optional<roster::Item>& item) {
  return item && (item->subscription == SubscriptionState::from ||
                  item->subscription == SubscriptionState::both || item->approved);
}

awaitable<Outcome> run_subscription(Context& ctx, stream::Session& session,
                                    SubscriptionAction action, const Jid& jid) {
  RosterStore store(ctx, session);
  auto before = co_await store.fetch();
  if (!before) co_return Outcome::failure(before.error());
  auto report = std::make_unique<SubscriptionReport>();
  report->jid = jid.str();
  report->action = action;
  report->before = find_item(*before, jid);
  if (auto sent = co_await session.send(roster::make_request(jid, action)); !sent)
    co_return Outcome::failure(sent.error());
  // The server handles our stanzas in order: the roster read after the presence shows its effect.
  auto after = co_await store.fetch();
  if (!after) co_return Outcome::failure(after.error());
  report->after = find_item(*after, jid);
  if (action == SubscriptionAction::approve && !approves(report->before) &&
      !(report->after && report->after->subscription != (report->before
                                                              ? report->before->subscription
                                                              : SubscriptionState::none))) {
    // No request was waiting (the subscription did not change): the presence was a pre-approval,
    // which only a server offering it stores (RFC 6121 §3.4; it need not show it in the roster).
    if (!roster::server_offers(session.info().stream_features, roster::k_ns_preapproval) && !approves(report->after))
      co_return Outcome::failure(
          make_error(ErrorKind::remote, "nothing_to_approve", "item-not-found",
                     fmt::format("{} has not asked to see your presence, and your server does not "
                                 "offer pre-approval (RFC 6121 section 3.4)",
                                 jid.str())),
          std::move(report));
    report->preapproval = true;
  }
  co_return Outcome::success(std::move(report));
}

awaitable<Outcome> run_pending(Context& ctx, stream::Session& session) {
  roster::SnapshotOptions options;
  options.timeout = ctx.remaining();
  auto snapshot = co_await roster::announce_and_collect(session, options);
  if (!snapshot) co_return Outcome::failure(snapshot.error().with_context("pending requests"));
  auto report = std::make_unique<PendingReport>();
  report->pending = std::move(snapshot->pending);
  co_return Outcome::success(std::move(report));
}

awaitable<Outcome> run_export(Context& ctx, stream::Session& session, const RosterArgs& args) {
  RosterStore store(ctx, session);
  auto current = co_await store.fetch();
  if (!current) co_return Outcome::failure(current.error());
  auto document = roster_export_json(session.jid(), *current);
  if (!args.file || *args.file == "-") {
    auto report = std::make_unique<ExportReport>();
    report->document = std::move(document);
    co_return Outcome::success(std::move(report));
  }
  ExportReport pretty;
  pretty.document = std::move(document);
  std::ostringstream text;
  pretty.print_human(text);
  if (auto written = write_file_replacing(*args.file, text.str(), 0600); !written)
    co_return Outcome::failure(written.error());
  ctx.inform(fmt::format("exported {} items to {}", current->items.size(), *args.file));
  auto report = std::make_unique<ExportedReport>();
  report->file = *args.file;
  report->items = current->items.size();
  co_return Outcome::success(std::move(report));
}

/// Reads the import file before anything is sent: a bad file costs no login (exit 65 or 66).
Result<roster::Roster> read_import_file(const std::string& path) {
  if (path == "-") {
    auto text = read_all(STDIN_FILENO);
    if (!text) return fail(text.error());
    return parse_roster_file(*text, "stdin");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return fail(ErrorKind::no_input, "file_unreadable", "", path + ": not a readable file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    return fail(ErrorKind::no_input, "file_unreadable", "", path + ": read error");
  return parse_roster_file(text.str(), path);
}

awaitable<Outcome> run_import(Context& ctx, stream::Session& session, const RosterArgs& args,
                              const roster::Roster& wanted) {
  RosterStore store(ctx, session);
  auto current = co_await store.fetch();
  if (!current) co_return Outcome::failure(current.error());
  const auto plan = roster::plan_sync(*current, wanted.items, {args.prune, args.subscribe});
  auto report = std::make_unique<ImportReport>();
  report->dry_run = args.dry_run;
  report->unchanged = plan.unchanged;
  for (const auto& item : plan.add) report->added.push_back(item.jid.str());
  for (const auto& item : plan.update) report->updated.push_back(item.jid.str());
  for (const auto& jid : plan.remove) report->removed.push_back(jid.str());
  for (const auto& jid : plan.subscribe) report->subscribed.push_back(jid.str());
  if (args.dry_run) co_return Outcome::success(std::move(report));
  // On a failure the report says what was planned; the error says where it stopped.
  for (const auto* list : {&plan.add, &plan.update}) {
    for (const auto& item : *list) {
      if (auto set = co_await roster::set_item(session, item, ctx.remaining()); !set)
        co_return Outcome::failure(set.error().with_context("import: roster set " + item.jid.str()),
                                   std::move(report));
    }
  }
  for (const auto& jid : plan.remove) {
    if (auto removed = co_await roster::remove_item(session, jid, ctx.remaining()); !removed)
      co_return Outcome::failure(removed.error().with_context("import: roster remove " + jid.str()),
                                 std::move(report));
  }
  for (const auto& jid : plan.subscribe) {
    if (auto sent = co_await session.send(roster::make_request(jid, SubscriptionAction::subscribe));
        !sent)
      co_return Outcome::failure(sent.error(), std::move(report));
  }
  // Exit 0 means the server took every change: the subscription requests too.
  if (!plan.subscribe.empty()) {
    if (auto flushed = co_await session.flush(ctx.remaining()); !flushed)
      co_return Outcome::failure(flushed.error(), std::move(report));
  }
  co_return Outcome::success(std::move(report));
}

std::optional<SubscriptionAction> subscription_action(std::string_view name) {
  if (name == "subscribe") return SubscriptionAction::subscribe;
  if (name == "unsubscribe") return SubscriptionAction::unsubscribe;
  if (name == "approve") return SubscriptionAction::approve;
  if (name == "deny") return SubscriptionAction::deny;
  return std::nullopt;
}

/// The JID argument: roster items and subscriptions are about bare JIDs (RFC 6121 §2.1.2.1, §3.1.1).
Result<Jid> contact_jid(const std::string& text) {
  auto jid = Jid::parse(text);
  if (!jid) return fail(jid.error());
  if (!jid->is_bare())
    return fail(usage_error(fmt::format("{}: the roster holds bare JIDs; drop the /resource", text)));
  return *jid;
}

}  // namespace

awaitable<Outcome> run_roster(Context& ctx, RosterArgs args) {
  for (const auto& group : args.groups) {
    if (group.empty()) co_return Outcome::failure(usage_error("--group needs a name"));
  }
  std::optional<Jid> jid;
  if (!args.jid.empty()) {
    auto parsed = contact_jid(args.jid);
    if (!parsed) co_return Outcome::failure(parsed.error());
    jid = *parsed;
  }
  std::optional<roster::Roster> wanted;
  if (args.action == "import") {
    auto read = read_import_file(*args.file);
    if (!read) co_return Outcome::failure(read.error());
    wanted = std::move(*read);
  }
  auto opened = co_await ctx.session();
  if (!opened) co_return Outcome::failure(opened.error());
  auto& session = **opened;
  if (args.action == "list") co_return co_await run_list(ctx, session, args);
  if (args.action == "add" || args.action == "set")
    co_return co_await run_add_or_set(ctx, session, args, *jid);
  if (args.action == "remove") co_return co_await run_remove(ctx, session, *jid);
  if (const auto action = subscription_action(args.action))
    co_return co_await run_subscription(ctx, session, *action, *jid);
  if (args.action == "pending") co_return co_await run_pending(ctx, session);
  if (args.action == "export") co_return co_await run_export(ctx, session, args);
  co_return co_await run_import(ctx, session, args, *wanted);
}

Runner setup_roster(CLI::App& command) {
  auto args = std::make_shared<RosterArgs>();
  command.require_subcommand(0, 1);
  const auto footer = [](CLI::App* sub) {
    sub->footer("The global options (see xmpp --help) may stand before or after the command.\n"
                "More: man xmpp-roster");
  };
  const auto add_jid = [&](CLI::App* sub, const std::string& what) {
    sub->add_option("JID", args->jid, what)->required()->check(jid_validator());
  };
  command.add_flag("--presence", args->presence, "list: also show who is online now");

  auto* list = command.add_subcommand("list", "list the contacts (the default)");
  list->add_flag("--presence", args->presence,
                 "also show who is online now (we are briefly online, priority -1)");

  auto* add = command.add_subcommand("add", "add a contact");
  add_jid(add, "the contact's bare JID");
  add->add_option("--name", args->name, "the contact's name in your roster")->type_name("N");
  add->add_option("--group", args->groups, "put the contact in group G (repeatable)")
      ->type_name("G");
  add->add_flag("--subscribe", args->subscribe, "also ask to see the contact's presence");

  auto* set = command.add_subcommand("set", "change a contact's name or groups");
  add_jid(set, "the contact's bare JID");
  set->add_option("--name", args->name, "the new name (\"\" removes it)")->type_name("N");
  auto* group = set->add_option("--group", args->groups, "the new groups (repeatable)")
                    ->type_name("G");
  set->add_flag("--no-groups", args->no_groups, "take the contact out of every group")
      ->excludes(group);

  auto* remove = command.add_subcommand("remove", "remove a contact (and both subscriptions)");
  add_jid(remove, "the contact's bare JID");

  std::vector<CLI::App*> subs{list, add, set, remove};
  for (const auto& [name, summary] :
       {std::pair{"subscribe", "ask to see a contact's presence"},
        std::pair{"unsubscribe", "stop seeing a contact's presence"},
        std::pair{"approve", "let a contact see your presence (or pre-approve it)"},
        std::pair{"deny", "refuse a contact's request, or revoke what you approved"}}) {
    auto* sub = command.add_subcommand(name, summary);
    add_jid(sub, "the contact's bare JID");
    subs.push_back(sub);
  }

  auto* pending = command.add_subcommand("pending", "subscription requests waiting for you");
  auto* exp = command.add_subcommand("export", "write the roster as JSON (to FILE or stdout)");
  exp->add_option("FILE", args->file, "where to write (default or -: stdout)");
  auto* imp = command.add_subcommand("import", "make the roster hold a file's contacts");
  imp->add_option("FILE", args->file, "a file written by roster export (-: stdin)")->required();
  imp->add_flag("--dry-run", args->dry_run, "only say what would change");
  imp->add_flag("--prune", args->prune, "also remove contacts the file does not have");
  imp->add_flag("--subscribe", args->subscribe,
                "also ask to see the presence of the file's to/both contacts");
  subs.insert(subs.end(), {pending, exp, imp});
  for (auto* sub : subs) {
    footer(sub);
    // The app is gone when the runner runs: the subcommand is recorded while parsing.
    sub->parse_complete_callback([args, name = sub->get_name()] { args->action = name; });
  }

  return [args](Context& ctx) { return run_roster(ctx, *args); };
}

}  // namespace xmpp::cli
