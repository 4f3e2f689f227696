// `xmpp muc` (CLI.md "muc", issue 6; XEP-0045 v1.35, XEP-0313 v1.1.3 for history): the app and
// the subcommands every occupant uses (list, info, join, send, occupants, subject, history); the
// owner and moderator subcommands come from muc_admin_cmds.
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>

#include <fmt/format.h>

#include "cmd_send.hpp"
#include "commands.hpp"
#include "event_lines.hpp"
#include "muc_admin_cmds.hpp"
#include "muc_report.hpp"
#include "stream/router.hpp"
#include "xep/disco/disco_ops.hpp"
#include "xep/mam/mam_ops.hpp"
#include "xep/muc/admin_ops.hpp"
#include "xep/muc/muc_ops.hpp"
#include "xml/writer.hpp"

namespace xmpp::cli {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

/// How long leaving may take before the stream is closed anyway (the server then removes us,
/// XEP-0045 §7.14 / RFC 6121 §4.6).
constexpr milliseconds k_leave_wait{2000};
/// More tries with --nick-fallback: NICK_2, NICK_3, NICK_4.
constexpr int k_nick_retries = 3;
constexpr int k_default_max = 50;

/// What CLI11 parsed (the App is gone when the runner runs).
struct MucArgs {
  std::string action;  ///< the subcommand; empty for `xmpp muc` alone
  std::string target;  ///< ROOM, or SERVICE for list
  std::optional<std::string> nick, password;
  /// XMPP_ROOM_PASSWORD, read when the runner starts (--password wins).
  std::optional<std::string> env_password;
  bool nick_fallback = false;
  std::optional<int> history;
  bool listen = false;
  std::optional<int> count;
  std::optional<std::string> message;  ///< send -m
  bool lines = false;                  ///< send --lines
  std::optional<std::string> text;     ///< subject TEXT
  int max = k_default_max;             ///< history --max
  std::optional<std::string> since;    ///< history --since
  std::string subcommands;             ///< "list, info, ...", for `xmpp muc` alone
  Runner admin;                        ///< set when an owner/moderator subcommand was chosen
};

milliseconds step_timeout(const Context& ctx) {
  return std::clamp(ctx.remaining(), milliseconds(1), k_step_timeout);
}

/// Everything checked before connecting: a mistake costs no login (exit 64, nothing sent).
struct CheckedMuc {
  Jid target;
  std::optional<std::string> password;
  std::string nick;
  std::optional<time::Timestamp> since;
};

Result<CheckedMuc> check(const Context& ctx, const MucArgs& args) {
  CheckedMuc c;
  if (args.action == "list") {
    if (!args.target.empty()) {
      auto service = parse_service(args.target);
      if (!service) return fail(service.error());
      c.target = *service;
    }
  } else {
    auto room = parse_room(args.target);
    if (!room) return fail(room.error());
    c.target = *room;
  }
  c.password = args.password ? args.password : args.env_password;
  if (c.password && !xml::is_xml_text(*c.password))
    return fail(ErrorKind::usage, "bad_value", "",
                "--password contains characters XML cannot carry");
  // As `send --muc`: the JID's local part (an anonymous login has none we could know now).
  const auto& jid = ctx.settings().jid;
  c.nick = args.nick ? *args.nick : (jid && jid->has_local() ? jid->local() : "xmpp");
  if (args.action != "list" && args.action != "info" && args.action != "history") {
    if (c.nick.empty()) return fail(usage_error("--nick needs a nick"));
    if (auto occupant = c.target.try_with_resource(c.nick); !occupant)
      return fail(ErrorKind::usage, "bad_nick", "",
                  "--nick: \"" + escape_terminal(c.nick) +
                      "\" cannot be a nick: " + occupant.error().message);
  }
  if (args.count && !args.listen) return fail(usage_error("--count needs --listen"));
  if (args.since) {
    auto since = parse_since(*args.since, std::chrono::system_clock::now());
    if (!since) return fail(since.error());
    c.since = *since;
  }
  return c;
}

muc::JoinOptions join_options(const Context& ctx, const CheckedMuc& c, int nick_retries) {
  muc::JoinOptions options;
  options.nick = c.nick;
  options.password = c.password;
  options.history_stanzas = 0;  // only `join` shows history
  options.nick_retries = nick_retries;
  options.allow_create = false;  // only `muc create` creates rooms
  options.timeout = step_timeout(ctx);
  return options;
}

// ---- list, info ---------------------------------------------------------------------------------

/// The first MUC service our server lists (disco#items of our domain, an item whose disco#info has
/// the identity conference/text, XEP-0045 §6.1).
awaitable<Result<Jid>> find_muc_service(Context& ctx, stream::Session& session) {
  const auto domain = session.jid().domain_jid();
  auto items = co_await disco::items(session, domain, std::nullopt, step_timeout(ctx));
  if (!items) co_return fail(items.error());
  for (const auto& item : items->items) {
    if (item.node || item.jid.has_local() || !item.jid.is_bare()) continue;
    auto info = co_await disco::info(session, item.jid, std::nullopt, step_timeout(ctx));
    if (!info) {
      ctx.note("looking for a MUC service: " + escape_terminal(info.error().message));
      continue;
    }
    if (info->has_identity("conference", "text")) co_return item.jid;
  }
  co_return fail(ErrorKind::remote, "no_muc_service", "item-not-found",
                 domain.str() +
                     " lists no multi-user chat service; name one: xmpp muc list SERVICE");
}

awaitable<Outcome> run_list(Context& ctx, stream::Session& session, CheckedMuc c) {
  Jid service = c.target;
  if (service.empty()) {
    auto found = co_await find_muc_service(ctx, session);
    if (!found) co_return Outcome::failure(found.error());
    service = *found;
    ctx.note("MUC service: " + service.str());
  }
  muc::ListOptions options;
  options.with_info = true;  // names and occupant counts come from each room's info
  options.timeout = step_timeout(ctx);
  auto list = co_await muc::list_rooms(session, service, options);
  if (!list) co_return Outcome::failure(list.error());
  if (list->truncated) ctx.warn("the service kept paging; the list may be incomplete");
  auto report = std::make_unique<MucListReport>();
  report->list = std::move(*list);
  co_return Outcome::success(std::move(report));
}

awaitable<Outcome> run_info(Context& ctx, stream::Session& session, CheckedMuc c) {
  auto info = co_await muc::room_info(session, c.target, step_timeout(ctx));
  if (!info) co_return Outcome::failure(info.error());
  auto report = std::make_unique<MucInfoReport>();
  report->info = std::move(*info);
  if (!report->info.is_room)
    co_return Outcome::failure(
        make_error(ErrorKind::remote, "not_a_room", "",
                   c.target.str() + " is not a multi-user chat room (no conference identity)"),
        std::move(report));
  co_return Outcome::success(std::move(report));
}

// ---- join ---------------------------------------------------------------------------------------

/// `muc join`: the events of the join and, with --listen, what follows, printed as they come.
class Joiner {
 public:
  Joiner(Context& ctx, const MucArgs& args, CheckedMuc checked)
      : m_ctx(ctx), m_args(args), m_checked(std::move(checked)) {}

  awaitable<Outcome> run(stream::Session& session) {
    if (m_args.listen) {
      // As `listen`: no deadline unless --timeout asks for one, and Ctrl-C is the normal end.
      m_ctx.drop_default_deadline();
      m_ctx.set_sigint_ends_normally(true);
      m_ctx.on_interrupt([this] { m_ctx.close_session_soon(); });
    }
    struct Unregister {
      Context& context;
      ~Unregister() { context.on_interrupt(nullptr); }
    } unregister{m_ctx};
    // Before the join: the occupants' presence and the history come before join() returns
    // (§7.2.2, §7.2.15), and only the tracker decides what of it counts.
    auto& router = session.router();
    stream::Subscription messages =
        router.on({"message", "", ""}, [this](const xml::Element& s) { m_queue.push_back(s); });
    stream::Subscription presences =
        router.on({"presence", "", ""}, [this](const xml::Element& s) { m_queue.push_back(s); });

    auto options = join_options(m_ctx, m_checked, m_args.nick_fallback ? k_nick_retries : 0);
    if (m_args.history)
      options.history_stanzas = *m_args.history;
    else
      options.history_stanzas.reset();  // the room's default: printed, flagged as history
    auto joined = co_await muc::join(session, m_checked.target, std::move(options));
    if (!joined) {
      if (m_args.listen && m_ctx.interrupted()) co_return Outcome::success(nullptr);
      auto error = joined.error();
      if (error.condition == "conflict" && !m_args.nick_fallback)
        error.message += "; choose another with --nick, or let --nick-fallback try " +
                         m_checked.nick + "_2 to " + m_checked.nick + "_4";
      co_return Outcome::failure(std::move(error));
    }
    JoinTracker tracker(session.jid(), *joined);
    if (!m_lines.emit(m_ctx.json() ? dump_json(to_json(JoinedEvent{*joined}))
                                   : human_line(JoinedEvent{*joined})))
      co_return m_lines.write_failed();

    const auto burst_end = Clock::now() + step_timeout(m_ctx);
    int live = 0;
    for (;;) {
      while (!m_queue.empty()) {
        const xml::Element stanza = std::move(m_queue.front());
        m_queue.pop_front();
        auto event = tracker.apply(stanza);
        if (!event) continue;
        const auto* message = std::get_if<ListenMessage>(&*event);
        if (message && !message->history) ++live;
        if (!m_lines.emit(m_ctx.json()
                              ? dump_json(to_json(*event))
                              : human_line(*event, clock_text(std::chrono::system_clock::now()))))
          co_return m_lines.write_failed();
        if (tracker.removed()) co_return Outcome::failure(*tracker.removed());
        // Without --listen the subject ends it (§7.2.15); with it, --count does.
        if ((m_args.count && live >= *m_args.count) || (!m_args.listen && tracker.burst_over())) {
          co_await leave(session, *joined, tracker);
          co_return Outcome::success(nullptr);
        }
      }
      milliseconds left{0};
      if (m_args.listen) {
        left = m_ctx.remaining() - k_deadline_margin;
      } else {
        left = std::min(m_ctx.remaining(),
                        std::chrono::duration_cast<milliseconds>(burst_end - Clock::now()));
      }
      if (left.count() <= 0) {
        if (!m_args.listen) m_ctx.note("the room sent no subject; leaving");
        co_await leave(session, *joined, tracker);
        co_return deadline_reached(live);
      }
      auto woke =
          co_await session.wait_for([this](const xml::Element&) { return !m_queue.empty(); }, left);
      if (woke || !session.failure()) continue;  // a wait's own timeout: the checks above decide
      if (!m_queue.empty()) continue;            // what came before the end still counts
      if (m_ctx.interrupted()) co_return Outcome::success(nullptr);
      co_return Outcome::failure(*session.failure());
    }
  }

 private:
  awaitable<void> leave(stream::Session& session, const muc::Joined& joined,
                        const JoinTracker& tracker) {
    muc::Joined now = joined;
    now.occupant = tracker.occupant();
    // A missing confirmation is no error: closing the stream leaves the room too.
    (void)co_await muc::leave(session, now, std::min(k_leave_wait, m_ctx.remaining()));
  }

  Outcome deadline_reached(int live) const {
    return deadline_outcome(m_ctx.settings().timeout,
                            m_args.count ? std::optional<long>(*m_args.count) : std::nullopt, live,
                            "messages");
  }

  Context& m_ctx;
  const MucArgs& m_args;
  CheckedMuc m_checked;
  std::deque<xml::Element> m_queue;
  EventLines m_lines{m_ctx.out()};
};

// ---- occupants, subject, history ----------------------------------------------------------------

awaitable<Outcome> run_occupants(Context& ctx, stream::Session& session, CheckedMuc c) {
  auto seen = co_await muc::occupants(session, c.target, join_options(ctx, c, k_nick_retries));
  if (!seen) co_return Outcome::failure(seen.error());
  auto report = std::make_unique<MucOccupantsReport>();
  report->room = c.target;
  report->nick = seen->joined.occupant.resource();
  report->occupants = std::move(seen->occupants);
  report->subject = std::move(seen->subject);
  co_return Outcome::success(std::move(report));
}

awaitable<Outcome> run_subject(Context& ctx, stream::Session& session, CheckedMuc c,
                               std::optional<std::string> text) {
  auto report = std::make_unique<MucSubjectReport>();
  report->room = c.target;
  if (!text) {
    auto seen = co_await muc::occupants(session, c.target, join_options(ctx, c, k_nick_retries));
    if (!seen) co_return Outcome::failure(seen.error());
    report->subject = std::move(seen->subject);
    co_return Outcome::success(std::move(report));
  }
  // Our own nick exactly (no fallback): the report names who set the subject.
  auto set = co_await muc::set_room_subject(session, c.target, join_options(ctx, c, 0), *text);
  if (!set) co_return Outcome::failure(set.error());
  report->subject = muc::RoomSubject{*text, c.target.with_resource(c.nick), false};
  report->changed = true;
  co_return Outcome::success(std::move(report));
}

awaitable<Outcome> run_history(Context& ctx, stream::Session& session, CheckedMuc c, int max) {
  auto supported = co_await mam::archive_supported(session, c.target, step_timeout(ctx));
  if (!supported) {
    auto error = supported.error();
    if (error.condition == "item-not-found")
      error.message = "room " + c.target.str() + " does not exist (item-not-found)";
    co_return Outcome::failure(std::move(error));
  }
  if (!*supported)
    co_return Outcome::failure(
        make_error(ErrorKind::remote, "not_supported", "feature-not-implemented",
                   c.target.str() + " keeps no message archive (XEP-0313): no history to read"));
  mam::Filter filter;
  filter.start = c.since;
  // The last --max messages (since --since), oldest first: what scrolling back in a room shows.
  auto archive = co_await mam::last(session, c.target, std::move(filter),
                                    static_cast<std::size_t>(max), step_timeout(ctx));
  if (!archive) co_return Outcome::failure(archive.error());
  if (archive->ignored > 0)
    ctx.note(fmt::format("ignored {} archive results not from {} or not ours (SECURITY.md row 37)",
                         archive->ignored, c.target.str()));
  auto report = std::make_unique<MucHistoryReport>();
  report->room = c.target;
  report->messages = std::move(archive->messages);
  report->complete = archive->complete;
  report->count = archive->count;
  co_return Outcome::success(std::move(report));
}

awaitable<Outcome> run_muc(Context& ctx, MucArgs args) {
  if (args.action.empty())
    co_return Outcome::failure(usage_error("xmpp muc needs a subcommand: " + args.subcommands));
  auto checked = check(ctx, args);
  if (!checked) co_return Outcome::failure(checked.error());
  if (args.action == "send") {
    SendArgs send;
    send.recipients = {checked->target.str()};
    send.message = args.message;
    send.lines = args.lines;
    send.muc = true;
    send.nick = args.nick;
    send.room_password = checked->password;
    co_return co_await run_send(ctx, std::move(send));
  }
  auto opened = co_await ctx.session();
  if (!opened) co_return Outcome::failure(opened.error());
  auto& session = **opened;
  if (args.action == "list") co_return co_await run_list(ctx, session, std::move(*checked));
  if (args.action == "info") co_return co_await run_info(ctx, session, std::move(*checked));
  if (args.action == "join") {
    Joiner joiner(ctx, args, std::move(*checked));
    co_return co_await joiner.run(session);
  }
  if (args.action == "occupants")
    co_return co_await run_occupants(ctx, session, std::move(*checked));
  if (args.action == "subject")
    co_return co_await run_subject(ctx, session, std::move(*checked), args.text);
  co_return co_await run_history(ctx, session, std::move(*checked), args.max);
}

}  // namespace

Runner setup_muc(CLI::App& command) {
  auto args = std::make_shared<MucArgs>();
  // `xmpp muc` alone is a usage error naming the subcommands (from the runner, exit 64).
  command.require_subcommand(0, 1);
  std::vector<CLI::App*> subs;
  const auto add_room = [&args](CLI::App* sub) {
    sub->add_option("ROOM", args->target, "the room: room@service")->required();
  };
  const auto add_nick = [&args](CLI::App* sub) {
    sub->add_option("--nick", args->nick, "our nick in the room (default: the JID's local part)")
        ->type_name("NICK");
  };
  const auto add_password = [&args](CLI::App* sub) {
    sub->add_option("--password", args->password,
                    "the room's password (visible in ps; default: $XMPP_ROOM_PASSWORD)")
        ->type_name("PASSWORD");
  };

  auto* list = command.add_subcommand("list", "the rooms of a MUC service, with occupant counts");
  list->add_option("SERVICE", args->target,
                   "the MUC service (default: the first one our server lists)");
  subs.push_back(list);

  auto* info = command.add_subcommand("info", "a room's name, description, features and form");
  add_room(info);
  subs.push_back(info);

  auto* join = command.add_subcommand("join", "join and print history, subject and occupants");
  add_room(join);
  add_nick(join);
  join->add_flag("--nick-fallback", args->nick_fallback,
                 "when the nick is taken, try NICK_2, NICK_3, NICK_4");
  add_password(join);
  join->add_option("--history", args->history, "ask for at most N messages of history")
      ->type_name("N")
      ->check(CLI::Range(0, 1000000).description(""));
  join->add_flag("--listen", args->listen,
                 "stay: print messages and occupant changes until Ctrl-C or --timeout");
  join->add_option("--count", args->count, "with --listen: leave after N live messages")
      ->type_name("N")
      ->check(CLI::Range(1, 1000000000).description(""));
  subs.push_back(join);

  auto* send = command.add_subcommand("send", "send to a room (as xmpp send --muc)");
  add_room(send);
  send->add_option("-m,--message", args->message, "the message body (default: all of stdin)")
      ->type_name("TEXT");
  send->add_flag("--lines", args->lines, "send each stdin line as its own message");
  add_nick(send);
  add_password(send);
  subs.push_back(send);

  auto* occupants =
      command.add_subcommand("occupants", "who is in a room: nick, role, affiliation");
  add_room(occupants);
  add_nick(occupants);
  add_password(occupants);
  subs.push_back(occupants);

  auto* subject = command.add_subcommand("subject", "print a room's subject, or set it");
  add_room(subject);
  subject->add_option("TEXT", args->text, "the new subject (\"\" clears it)");
  add_nick(subject);
  add_password(subject);
  subs.push_back(subject);

  auto* history = command.add_subcommand("history", "a room's archived messages (XEP-0313)");
  add_room(history);
  history->add_option("--max", args->max, "at most N messages, the latest (default 50)")
      ->type_name("N")
      ->check(CLI::Range(1, 1000000).description(""));
  history
      ->add_option("--since", args->since,
                   "only messages since TIME: 2026-11-26T10:00:00Z, or ago: 90s, 30m, 2h, 7d")
      ->type_name("TIME");
  subs.push_back(history);

  for (auto* sub : subs) {
    sub->footer("The global options (see xmpp --help) may stand before or after the command.\n"
                "More: man xmpp-muc");
    // The app is gone when the runner runs: the subcommand is recorded while parsing.
    sub->parse_complete_callback([args, name = sub->get_name()] { args->action = name; });
  }
  add_muc_admin_subcommands(command, [args](Runner runner) { args->admin = std::move(runner); });

  for (const auto* sub : command.get_subcommands({})) {
    if (!args->subcommands.empty()) args->subcommands += ", ";
    args->subcommands += sub->get_name();
  }
  return [args](Context& ctx) -> awaitable<Outcome> {
    if (args->admin) return args->admin(ctx);
    MucArgs copy = *args;
    if (const char* env = std::getenv("XMPP_ROOM_PASSWORD"); env && !copy.password)
      copy.env_password = std::string(env);
    return run_muc(ctx, std::move(copy));
  };
}

}  // namespace xmpp::cli
