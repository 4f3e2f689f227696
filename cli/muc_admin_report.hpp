// What the owner and moderator subcommands of `xmpp muc` print (xmpp-muc(1) OUTPUT, XEP-0045
// §8-§10): create, config (the form or the changes), destroy, invite, affiliation (lists or a
// change), role. Every JSON key below is part of the contract; man/xmpp-muc.1 documents them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "output.hpp"
#include "xep/forms/form.hpp"
#include "xep/muc/admin.hpp"
#include "xep/muc/config.hpp"

namespace xmpp::cli {

/// One changed configuration field, as JSON:
///   {"var":..,"label":..|null,"before":[..],"after":[..],"secret":bool}
/// A secret (text-private) field shows "before":[] and "after":[] and "secret":true.
/// Human: "VAR: OLD -> NEW" ("(empty)" for no value, "(secret changed)" for a secret).
nlohmann::ordered_json config_change_json(const muc::ConfigChange& change);

/// `muc create ROOM`. JSON:
///   {"room":"r@svc","created":bool,"instant":bool,"persistent":bool|null,
///    "changes":[CHANGE..]}
/// created: false only with --exist-ok (the room existed; nothing was changed). instant: new with
/// the service's default configuration (nothing to set). persistent: the room outlives its last
/// occupant (muc#roomconfig_persistentroom as read back; null when unknown). changes: what the
/// given settings changed from the service's defaults (config_change_json each; [] for an instant
/// room or an existing one). Human: "created room R (reserved|instant)" or "room R already exists;
/// nothing changed", the changes, and a note when the room is temporary.
struct MucCreateReport : Report {
  std::string room;
  bool created = false;
  bool instant = false;
  std::optional<bool> persistent;
  std::vector<muc::ConfigChange> changes;
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

/// `muc config ROOM` without a change: the owner form. JSON:
///   {"room":"r@svc","form":FORM}
/// FORM is the form as form_json (cli/form_report.hpp) writes it: "type", "title",
/// "instructions", "fields" [{"var","type","label","desc","required","values","options"}],
/// "table"; text-private values are never shown. Human: print_form.
struct MucConfigFormReport : Report {
  std::string room;
  forms::Form form;
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

/// `muc config ROOM --set ...` (or a shorthand): the submission. JSON:
///   {"room":"r@svc","changes":[CHANGE..]}
/// changes: the fields whose values differ between the form before and the form read back after
/// the submission (config_change_json each; [] when the room kept everything as it was). Human:
/// "configured room R" and one "VAR: OLD -> NEW" line per change, or "nothing changed".
struct MucConfigChangeReport : Report {
  std::string room;
  std::vector<muc::ConfigChange> changes;
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

/// `muc destroy ROOM`. JSON:
///   {"room":"r@svc","destroyed":true,"reason":..|null,"alternate":"r2@svc"|null}
struct MucDestroyReport : Report {
  std::string room;
  std::optional<std::string> reason;
  std::optional<std::string> alternate;
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

/// `muc invite ROOM JID...`. JSON:
///   {"room":"r@svc","kind":"mediated"|"direct","invited":["jid",..],"reason":..|null}
/// mediated: through the room (XEP-0045 §7.8.2); direct: XEP-0249, one message per invitee.
struct MucInviteReport : Report {
  std::string room;
  muc::InvitationKind kind = muc::InvitationKind::mediated;
  std::vector<std::string> invited;
  std::optional<std::string> reason;
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

/// `muc affiliation ROOM JID AFFILIATION`. JSON:
///   {"room":"r@svc","jid":"user@host","affiliation":"owner|admin|member|outcast|none",
///    "reason":..|null}
struct MucAffiliationSetReport : Report {
  std::string room;
  std::string jid;
  muc::Affiliation affiliation = muc::Affiliation::none;
  std::optional<std::string> reason;
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

/// One affiliation list as the room answered it (§9.2, §9.5, §10.5, §10.8).
struct AffiliationList {
  muc::Affiliation affiliation = muc::Affiliation::member;
  std::vector<muc::Item> items;
  std::optional<Error> error;  ///< the room refused this list
};

/// `muc affiliation ROOM [--list AFFIL]`. JSON:
///   {"room":"r@svc","lists":[{"affiliation":"owner","items":[{"jid":..,"nick":..|null,
///    "reason":..|null}],"error":ERROR|null}]}
/// One entry per list asked for (owner, admin, member, outcast without --list), in that order;
/// ERROR is {"code","condition","message"} when the room refused that list (its "items" then []).
/// Human: one block per list ("owner (2):" then one "  JID [nick N] [reason]" line each, or the
/// refusal).
struct MucAffiliationListReport : Report {
  std::string room;
  std::vector<AffiliationList> lists;
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

/// `muc role ROOM NICK ROLE`. JSON:
///   {"room":"r@svc","nick":..,"role":"moderator|participant|visitor|none","reason":..|null}
/// role none: the occupant was kicked (§8.2).
struct MucRoleReport : Report {
  std::string room;
  std::string nick;
  muc::Role role = muc::Role::none;
  std::optional<std::string> reason;
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

}  // namespace xmpp::cli
