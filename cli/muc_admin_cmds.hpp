// The room-owner and moderator subcommands of `xmpp muc` (CLI.md "muc", XEP-0045 §8-§10):
// create, config, destroy, invite, affiliation, role. cmd_muc.cpp adds them beside the
// subcommands every occupant uses.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "context.hpp"
#include "jid/jid.hpp"
#include "xep/muc/config_ops.hpp"
#include "xep/muc/muc.hpp"

namespace xmpp::cli {

/// Adds create, config, destroy, invite, affiliation and role as subcommands of `muc` (the
/// `xmpp muc` CLI11 app). When CLI11 has parsed one of them, `select` is called with its runner
/// (bound to the parsed values; it must not refer to any CLI::App, which is gone by then).
void add_muc_admin_subcommands(CLI::App& muc, const std::function<void(Runner)>& select);

/// What the admin subcommands were given (one struct for all six; each reads its own part).
struct MucAdminArgs {
  std::string action;  ///< create, config, destroy, invite, affiliation, role
  std::string room;    ///< ROOM as given (checked by the runner: bare room@service)
  std::optional<std::string> nick;      ///< --nick: our nick (default: our JID's localpart)
  std::optional<std::string> password;  ///< --password (room secret, or the alternate's password)
  // create, config: the owner form (§10.1.3, §10.2)
  std::vector<std::string> sets;  ///< --set VAR=VALUE (VAR=@FILE reads the file)
  std::optional<std::string> name, description;
  bool persistent = false, members_only = false, is_public = false, hidden = false,
       moderated = false;
  bool exist_ok = false;  ///< create
  // destroy, invite, affiliation, role
  std::optional<std::string> reason;
  std::optional<std::string> alternate;  ///< destroy --alternate JID
  std::vector<std::string> invitees;     ///< invite JID...
  bool direct = false;                   ///< invite --direct (XEP-0249)
  std::string target_jid;                ///< affiliation JID ("" = none given)
  std::string affiliation;               ///< affiliation AFFILIATION ("" = none given)
  std::optional<std::string> list;       ///< affiliation --list AFFIL
  std::string target_nick;               ///< role NICK
  std::string role;                      ///< role ROLE
};

/// What the arguments of one admin subcommand decide, checked before anything is sent (unit
/// tested): the room, the parsed JIDs and names, the owner-form answers.
struct MucAdminPlan {
  Jid room;
  /// create/config: nullptr = nothing to set (an instant room; print the form). Else the
  /// shorthands with --set over them, refusing text-private values given on the command line.
  muc::ConfigAnswers answers;
  std::optional<Jid> alternate;                ///< destroy --alternate
  std::vector<Jid> invitees;                   ///< invite
  std::optional<Jid> jid;                      ///< affiliation JID AFFILIATION: set
  std::optional<muc::Affiliation> affiliation;  ///< with jid
  std::vector<muc::Affiliation> lists;         ///< affiliation without JID: the lists to read
  std::optional<muc::Role> role;               ///< role
};

/// Checks `args` (args.action names the subcommand): ROOM a bare room@service; --set read
/// (VAR=@FILE files included); the JIDs, affiliation and role parsed. Errors: usage (64), a
/// missing --set file (66).
Result<MucAdminPlan> plan_muc_admin(const MucAdminArgs& args);

/// Runs one admin subcommand (args.action) against the context's session.
awaitable<Outcome> run_muc_admin(Context& ctx, MucAdminArgs args);

}  // namespace xmpp::cli
