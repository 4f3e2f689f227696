#include "muc_admin_cmds.hpp"

#include <cstdlib>
#include <memory>
#include <utility>

#include <fmt/format.h>

#include "form_report.hpp"
#include "muc_admin_report.hpp"
#include "options.hpp"
#include "xep/muc/admin_ops.hpp"
#include "xep/muc/config_ops.hpp"

namespace xmpp::cli {
namespace {

/// ROOM: a bare room@service (CLI.md "muc").
Result<Jid> room_jid(const std::string& text) {
  auto jid = Jid::parse(text);
  if (!jid) return fail(jid.error());
  if (!jid->has_local() || !jid->is_bare())
    return fail(
        usage_error(fmt::format("{}: not a room address (room@service, without /resource)", text)));
  return *jid;
}

/// Our nick: --nick, else our JID's localpart (as `send --muc`).
std::string our_nick(const Context& ctx, const MucAdminArgs& args) {
  if (args.nick) return *args.nick;
  const auto& jid = ctx.settings().jid;
  return jid && jid->has_local() ? jid->local() : "xmpp";
}

/// The password to enter a room: --password, else XMPP_ROOM_PASSWORD (kept off argv).
std::optional<std::string> room_password(const MucAdminArgs& args) {
  if (args.password) return args.password;
  if (const char* env = std::getenv("XMPP_ROOM_PASSWORD")) return std::string(env);
  return std::nullopt;
}

muc::JoinOptions join_options(const Context& ctx, const MucAdminArgs& args) {
  muc::JoinOptions options;
  options.nick = our_nick(ctx, args);
  options.password = room_password(args);
  options.history_stanzas = 0;  // §7.2.14: an administrator's visit needs no history
  options.timeout = ctx.remaining();
  return options;
}

void add_room(CLI::App* sub, MucAdminArgs& args) {
  sub->add_option("ROOM", args.room, "the room's bare JID (room@service)")
      ->required()
      ->check(jid_validator());
}

/// The owner-form shorthands shared by create and config (§10.1.3, §15.5.3 muc#roomconfig).
void add_config_options(CLI::App* sub, MucAdminArgs& args) {
  sub->add_option("--set", args.sets,
                  "set a configuration field (VAR=@FILE: the value from a file; repeatable)")
      ->type_name("VAR=VALUE");
  sub->add_option("--name", args.name, "the room's name (muc#roomconfig_roomname)")->type_name("N");
  sub->add_option("--description", args.description,
                  "the room's description (muc#roomconfig_roomdesc)")
      ->type_name("D");
  sub->add_flag("--persistent", args.persistent, "keep the room when its last occupant leaves");
  sub->add_flag("--members-only", args.members_only, "only members may enter");
  sub->add_option("--password", args.password,
                  "room password to enter (visible in ps; XMPP_ROOM_PASSWORD is read otherwise)")
      ->type_name("P");
  auto* pub = sub->add_flag("--public", args.is_public, "list the room in the service's directory");
  sub->add_flag("--hidden", args.hidden, "keep the room out of the service's directory")
      ->excludes(pub);
  sub->add_flag("--moderated", args.moderated, "only participants (voice) may speak");
}

muc::ConfigShorthands shorthands(const MucAdminArgs& args) {
  muc::ConfigShorthands s;
  s.name = args.name;
  s.description = args.description;
  s.persistent = args.persistent;
  s.members_only = args.members_only;
  s.moderated = args.moderated;
  if (args.is_public) s.is_public = true;
  if (args.hidden) s.is_public = false;
  // The room secret to set: only --password (XMPP_ROOM_PASSWORD is for entering rooms; reading it
  // here would password-protect a room nobody asked to protect).
  s.password = args.password;
  return s;
}

/// The answers for the owner form: the shorthands, with --set over them; secrets only from files.
muc::ConfigAnswers config_answers(muc::ConfigShorthands s,
                                  std::vector<forms::Assignment> assignments) {
  if (s.empty() && assignments.empty()) return nullptr;
  return [s = std::move(s), assignments = std::move(assignments)](
             const forms::Form& form) -> Result<forms::Answers> {
    if (auto checked = check_no_private_on_argv(form, assignments); !checked)
      return fail(checked.error());
    return forms::overlay(muc::shorthand_answers(s, form), forms::collect(assignments));
  };
}

awaitable<Outcome> run_create(Context& ctx, stream::Session& session, Jid room,
                              MucAdminArgs args, muc::ConfigAnswers answers) {
  muc::CreateOptions options;
  options.join = join_options(ctx, args);
  options.join.password = args.password;  // a new room has none; an existing one may
  options.answers = std::move(answers);
  options.exist_ok = args.exist_ok;
  auto created = co_await muc::create_room(session, room, std::move(options));
  if (!created) co_return Outcome::failure(created.error());
  auto report = std::make_unique<MucCreateReport>();
  report->room = room.bare_str();
  report->created = created->created;
  report->instant = created->instant;
  report->persistent = created->persistent;
  if (created->configured) report->changes = created->configured->changes;
  co_return Outcome::success(std::move(report));
}

awaitable<Outcome> run_config(Context& ctx, stream::Session& session, Jid room,
                              muc::ConfigAnswers answers) {
  if (!answers) {
    auto form = co_await muc::get_config(session, room, ctx.remaining());
    if (!form) co_return Outcome::failure(form.error());
    auto report = std::make_unique<MucConfigFormReport>();
    report->room = room.bare_str();
    report->form = std::move(*form);
    co_return Outcome::success(std::move(report));
  }
  auto configured = co_await muc::configure(session, room, std::move(answers), ctx.remaining());
  if (!configured) co_return Outcome::failure(configured.error());
  auto report = std::make_unique<MucConfigChangeReport>();
  report->room = room.bare_str();
  report->changes = std::move(configured->changes);
  co_return Outcome::success(std::move(report));
}

awaitable<Outcome> run_destroy(Context& ctx, stream::Session& session, Jid room,
                               MucAdminArgs args, std::optional<Jid> alternate) {
  muc::DestroyRequest request;
  request.reason = args.reason;
  request.alternate = alternate;
  request.password = args.password;
  if (auto destroyed = co_await muc::destroy(session, room, request, ctx.remaining()); !destroyed)
    co_return Outcome::failure(destroyed.error());
  auto report = std::make_unique<MucDestroyReport>();
  report->room = room.bare_str();
  report->reason = args.reason;
  if (alternate) report->alternate = alternate->bare_str();
  co_return Outcome::success(std::move(report));
}

awaitable<Outcome> run_invite(Context& ctx, stream::Session& session, Jid room,
                              MucAdminArgs args, std::vector<Jid> invitees) {
  muc::Invitation invitation;
  invitation.kind = args.direct ? muc::InvitationKind::direct : muc::InvitationKind::mediated;
  invitation.room = room;
  invitation.reason = args.reason;
  std::optional<muc::Joined> joined;
  if (args.direct) {
    invitation.password = room_password(args);
  } else {
    // §7.8.2 lets any user ask the room to invite; Prosody only relays from occupants.
    auto entered = co_await muc::join(session, room, join_options(ctx, args));
    if (!entered) co_return Outcome::failure(entered.error());
    joined = std::move(*entered);
  }
  auto sent = co_await muc::invite(session, invitation, invitees, ctx.remaining());
  if (joined) (void)co_await muc::leave(session, *joined, ctx.remaining());
  if (!sent) co_return Outcome::failure(sent.error());
  auto report = std::make_unique<MucInviteReport>();
  report->room = room.bare_str();
  report->kind = invitation.kind;
  for (const auto& jid : invitees) report->invited.push_back(jid.str());
  report->reason = args.reason;
  co_return Outcome::success(std::move(report));
}

awaitable<Outcome> run_affiliation_set(Context& ctx, stream::Session& session, Jid room,
                                       MucAdminArgs args, Jid jid,
                                       muc::Affiliation affiliation) {
  std::vector<muc::AffiliationChange> changes;
  changes.push_back(muc::AffiliationChange{jid, affiliation, std::nullopt, args.reason});
  if (auto set = co_await muc::set_affiliations(session, room, std::move(changes), ctx.remaining());
      !set)
    co_return Outcome::failure(set.error());
  auto report = std::make_unique<MucAffiliationSetReport>();
  report->room = room.bare_str();
  report->jid = jid.str();
  report->affiliation = affiliation;
  report->reason = args.reason;
  co_return Outcome::success(std::move(report));
}

awaitable<Outcome> run_affiliation_list(Context& ctx, stream::Session& session, Jid room,
                                        std::vector<muc::Affiliation> which) {
  auto report = std::make_unique<MucAffiliationListReport>();
  report->room = room.bare_str();
  std::optional<Error> refused;
  for (const auto affiliation : which) {
    AffiliationList list;
    list.affiliation = affiliation;
    auto items = co_await muc::affiliations(session, room, affiliation, ctx.remaining());
    if (items) {
      list.items = std::move(*items);
    } else if (items.error().code == "stanza_error") {
      // Each refusal shows in place (an admin may read the member list but not the owners').
      list.error = items.error();
      if (!refused) refused = items.error();
    } else {
      co_return Outcome::failure(items.error(), std::move(report));
    }
    report->lists.push_back(std::move(list));
  }
  if (refused) co_return Outcome::failure(*refused, std::move(report));
  co_return Outcome::success(std::move(report));
}

awaitable<Outcome> run_role(Context& ctx, stream::Session& session, Jid room,
                            MucAdminArgs args, muc::Role role) {
  // Role changes come from a moderator in the room (§8.2 ff.): enter, change, leave.
  auto joined = co_await muc::join(session, room, join_options(ctx, args));
  if (!joined) co_return Outcome::failure(joined.error());
  auto set = co_await muc::set_role(session, room, args.target_nick, role, args.reason,
                                    ctx.remaining());
  (void)co_await muc::leave(session, *joined, ctx.remaining());
  if (!set) co_return Outcome::failure(set.error());
  auto report = std::make_unique<MucRoleReport>();
  report->room = room.bare_str();
  report->nick = args.target_nick;
  report->role = role;
  report->reason = args.reason;
  co_return Outcome::success(std::move(report));
}

}  // namespace

Result<MucAdminPlan> plan_muc_admin(const MucAdminArgs& args) {
  MucAdminPlan plan;
  auto room = room_jid(args.room);
  if (!room) return fail(room.error());
  plan.room = *room;
  const std::string& a = args.action;
  if (a == "create" || a == "config") {
    auto assignments = read_assignments(args.sets);
    if (!assignments) return fail(assignments.error());
    plan.answers = config_answers(shorthands(args), std::move(*assignments));
  } else if (a == "destroy") {
    if (args.alternate) {
      auto alternate = room_jid(*args.alternate);
      if (!alternate) return fail(alternate.error().with_context("--alternate"));
      plan.alternate = *alternate;
    }
  } else if (a == "invite") {
    for (const auto& text : args.invitees) {
      auto jid = Jid::parse(text);
      if (!jid) return fail(jid.error());
      plan.invitees.push_back(*jid);
    }
  } else if (a == "affiliation") {
    if (args.target_jid.empty() != args.affiliation.empty())
      return fail(usage_error("affiliation: give a JID and an AFFILIATION to set, or neither to list"));
    if (!args.target_jid.empty()) {
      if (args.list) return fail(usage_error("affiliation: --list only without JID and AFFILIATION"));
      auto jid = Jid::parse(args.target_jid);
      if (!jid) return fail(jid.error());
      if (!jid->is_bare())
        return fail(usage_error(fmt::format("{}: affiliations belong to bare JIDs; drop the /resource",
                                      args.target_jid)));
      plan.jid = *jid;
      plan.affiliation = muc::parse_affiliation(args.affiliation);
      if (!plan.affiliation)
        return fail(usage_error(fmt::format(
            "{}: not an affiliation (owner, admin, member, outcast, none)", args.affiliation)));
    } else if (args.list) {
      plan.lists.push_back(*muc::parse_affiliation(*args.list));
    } else {
      plan.lists = {muc::Affiliation::owner, muc::Affiliation::admin, muc::Affiliation::member,
                    muc::Affiliation::outcast};
    }
  } else if (a == "role") {
    plan.role = muc::parse_role(args.role);
    if (!plan.role)
      return fail(usage_error(fmt::format("{}: not a role (moderator, participant, visitor, none)",
                                    args.role)));
    if (args.target_nick.empty()) return fail(usage_error("role: the NICK is empty"));
  } else {
    return fail(usage_error("muc: unknown subcommand " + a));
  }
  return plan;
}

awaitable<Outcome> run_muc_admin(Context& ctx, MucAdminArgs args) {
  // Everything the arguments decide is checked before logging in (exit 64, 66 without a login).
  auto plan = plan_muc_admin(args);
  if (!plan) co_return Outcome::failure(plan.error());
  auto opened = co_await ctx.session();
  if (!opened) co_return Outcome::failure(opened.error());
  auto& session = **opened;
  const Jid& room = plan->room;
  const std::string& a = args.action;
  if (a == "create") co_return co_await run_create(ctx, session, room, args, plan->answers);
  if (a == "config") co_return co_await run_config(ctx, session, room, plan->answers);
  if (a == "destroy") co_return co_await run_destroy(ctx, session, room, args, plan->alternate);
  if (a == "invite") co_return co_await run_invite(ctx, session, room, args, plan->invitees);
  if (a == "affiliation") {
    if (plan->jid)
      co_return co_await run_affiliation_set(ctx, session, room, args, *plan->jid,
                                             *plan->affiliation);
    co_return co_await run_affiliation_list(ctx, session, room, plan->lists);
  }
  co_return co_await run_role(ctx, session, room, args, *plan->role);
}

void add_muc_admin_subcommands(CLI::App& muc, const std::function<void(Runner)>& select) {
  auto args = std::make_shared<MucAdminArgs>();
  const auto footer = [](CLI::App* sub) {
    sub->footer("The global options (see xmpp --help) may stand before or after the command.\n"
                "More: man xmpp-muc");
  };

  auto* create = muc.add_subcommand("create", "create a room (reserved with settings, or instant)");
  add_room(create, *args);
  add_config_options(create, *args);
  create->add_flag("--exist-ok", args->exist_ok, "succeed without change if the room exists");
  create->add_option("--nick", args->nick, "our nick while creating (default: our localpart)")
      ->type_name("N");

  auto* config = muc.add_subcommand("config", "show the room configuration form, or change it");
  add_room(config, *args);
  add_config_options(config, *args);

  auto* destroy = muc.add_subcommand("destroy", "destroy a room (owner)");
  add_room(destroy, *args);
  destroy->add_option("--reason", args->reason, "why, told to the occupants")->type_name("R");
  destroy->add_option("--alternate", args->alternate, "a room the occupants may go to instead")
      ->type_name("JID")
      ->check(jid_validator());
  destroy->add_option("--password", args->password, "the alternate room's password")
      ->type_name("P");

  auto* invite = muc.add_subcommand("invite", "invite people to a room");
  add_room(invite, *args);
  invite->add_option("JID", args->invitees, "who to invite (bare JIDs)")
      ->required()
      ->check(jid_validator());
  invite->add_option("--reason", args->reason, "a note for the invitees")->type_name("R");
  invite->add_flag("--direct", args->direct,
                   "send the invitation straight to each invitee (XEP-0249), not through the room");
  invite->add_option("--password", args->password,
                     "the room's password (sent with --direct; used to enter otherwise)")
      ->type_name("P");
  invite->add_option("--nick", args->nick, "our nick in the room (default: our localpart)")
      ->type_name("N");

  auto* affiliation =
      muc.add_subcommand("affiliation", "list affiliations, or set one (owner/admin)");
  add_room(affiliation, *args);
  affiliation->add_option("JID", args->target_jid, "the bare JID whose affiliation to set");
  affiliation->add_option("AFFILIATION", args->affiliation,
                          "owner|admin|member|outcast|none (none removes it)");
  affiliation->add_option("--list", args->list, "list only this affiliation")
      ->type_name("AFFIL")
      ->check(CLI::IsMember({"owner", "admin", "member", "outcast"}));
  affiliation->add_option("--reason", args->reason, "why (with a change)")->type_name("R");

  auto* role = muc.add_subcommand("role", "change an occupant's role (moderator; none kicks)");
  add_room(role, *args);
  role->add_option("NICK", args->target_nick, "the occupant's nick")->required();
  role->add_option("ROLE", args->role, "moderator|participant|visitor|none (none kicks)")
      ->required()
      ->check(CLI::IsMember({"moderator", "participant", "visitor", "none"}));
  role->add_option("--reason", args->reason, "why, told to the occupant")->type_name("R");
  role->add_option("--nick", args->nick, "our nick in the room (default: our localpart)")
      ->type_name("N");
  role->add_option("--password", args->password,
                   "the room's password (visible in ps; XMPP_ROOM_PASSWORD is read otherwise)")
      ->type_name("P");

  for (auto* sub : {create, config, destroy, invite, affiliation, role}) {
    footer(sub);
    // The app is gone when the runner runs: the subcommand is recorded while parsing.
    sub->parse_complete_callback([args, select, name = sub->get_name()] {
      args->action = name;
      select([args](Context& ctx) { return run_muc_admin(ctx, *args); });
    });
  }
}

}  // namespace xmpp::cli
