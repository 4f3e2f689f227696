#include "muc_admin_report.hpp"

#include <ostream>

#include "form_report.hpp"
#include "output.hpp"

namespace xmpp::cli {
namespace {

using Json = nlohmann::ordered_json;

std::string values_text(const std::vector<std::string>& values) {
  if (values.empty()) return "(empty)";
  std::string out;
  for (const auto& value : values) {
    if (!out.empty()) out += ", ";
    out += escape_terminal(value);
  }
  return out;
}

void print_changes(std::ostream& out, const std::vector<muc::ConfigChange>& changes) {
  for (const auto& change : changes) {
    out << "  " << escape_terminal(change.var) << ": ";
    if (change.secret)
      out << "(secret changed)";
    else
      out << values_text(change.before) << " -> " << values_text(change.after);
    out << '\n';
  }
}

Json changes_json(const std::vector<muc::ConfigChange>& changes) {
  Json out = Json::array();
  for (const auto& change : changes) out.push_back(config_change_json(change));
  return out;
}

}  // namespace

Json config_change_json(const muc::ConfigChange& change) {
  Json out;
  out["var"] = change.var;
  out["label"] = or_null(change.label);
  out["before"] = change.secret ? Json::array() : Json(change.before);
  out["after"] = change.secret ? Json::array() : Json(change.after);
  out["secret"] = change.secret;
  return out;
}

Json MucCreateReport::to_json() const {
  Json out;
  out["room"] = room;
  out["created"] = created;
  out["instant"] = instant;
  out["persistent"] = persistent ? Json(*persistent) : Json(nullptr);
  out["changes"] = changes_json(changes);
  return out;
}

void MucCreateReport::print_human(std::ostream& out) const {
  if (!created) {
    out << "room " << room << " already exists; nothing changed\n";
    return;
  }
  out << "created room " << room << (instant ? " (instant: the default configuration)" : "")
      << '\n';
  print_changes(out, changes);
  if (persistent == false)
    out << "note: the room is temporary: destroyed when its last occupant leaves "
           "(--persistent keeps it)\n";
}

Json MucConfigFormReport::to_json() const {
  Json out;
  out["room"] = room;
  out["form"] = form_json(form);
  return out;
}

void MucConfigFormReport::print_human(std::ostream& out) const {
  print_form(out, form);
}

Json MucConfigChangeReport::to_json() const {
  Json out;
  out["room"] = room;
  out["changes"] = changes_json(changes);
  return out;
}

void MucConfigChangeReport::print_human(std::ostream& out) const {
  if (changes.empty()) {
    out << "room " << room << ": nothing changed\n";
    return;
  }
  out << "configured room " << room << '\n';
  print_changes(out, changes);
}

Json MucDestroyReport::to_json() const {
  Json out;
  out["room"] = room;
  out["destroyed"] = true;
  out["reason"] = or_null(reason);
  out["alternate"] = or_null(alternate);
  return out;
}

void MucDestroyReport::print_human(std::ostream& out) const {
  out << "destroyed room " << room;
  if (alternate) out << " (occupants sent to " << *alternate << ")";
  out << '\n';
}

Json MucInviteReport::to_json() const {
  Json out;
  out["room"] = room;
  out["kind"] = std::string(muc::to_string(kind));
  out["invited"] = invited;
  out["reason"] = or_null(reason);
  return out;
}

void MucInviteReport::print_human(std::ostream& out) const {
  for (const auto& jid : invited)
    out << "invited " << jid << " to " << room
        << (kind == muc::InvitationKind::direct ? " (direct invitation)" : "") << '\n';
}

Json MucAffiliationSetReport::to_json() const {
  Json out;
  out["room"] = room;
  out["jid"] = jid;
  out["affiliation"] = std::string(muc::to_string(affiliation));
  out["reason"] = or_null(reason);
  return out;
}

void MucAffiliationSetReport::print_human(std::ostream& out) const {
  if (affiliation == muc::Affiliation::none)
    out << jid << " has no affiliation with room " << room << " any more\n";
  else
    out << jid << " is now " << muc::to_string(affiliation) << " of room " << room << '\n';
}

Json MucAffiliationListReport::to_json() const {
  Json out;
  out["room"] = room;
  Json all = Json::array();
  for (const auto& list : lists) {
    Json entry;
    entry["affiliation"] = std::string(muc::to_string(list.affiliation));
    Json items = Json::array();
    for (const auto& item : list.items) {
      Json i;
      i["jid"] = item.jid ? Json(item.jid->str()) : Json(nullptr);
      i["nick"] = or_null(item.nick);
      i["reason"] = or_null(item.reason);
      items.push_back(std::move(i));
    }
    entry["items"] = std::move(items);
    entry["error"] = list.error ? error_object(*list.error) : Json(nullptr);
    all.push_back(std::move(entry));
  }
  out["lists"] = std::move(all);
  return out;
}

void MucAffiliationListReport::print_human(std::ostream& out) const {
  for (const auto& list : lists) {
    out << muc::to_string(list.affiliation);
    if (list.error) {
      out << ": " << escape_terminal(list.error->message) << '\n';
      continue;
    }
    out << " (" << list.items.size() << ")" << (list.items.empty() ? "" : ":") << '\n';
    for (const auto& item : list.items) {
      out << "  " << (item.jid ? escape_terminal(item.jid->str()) : std::string("?"));
      if (item.nick) out << "  nick " << escape_terminal(*item.nick);
      if (item.reason && !item.reason->empty())
        out << "  (" << escape_terminal(*item.reason) << ")";
      out << '\n';
    }
  }
}

Json MucRoleReport::to_json() const {
  Json out;
  out["room"] = room;
  out["nick"] = nick;
  out["role"] = std::string(muc::to_string(role));
  out["reason"] = or_null(reason);
  return out;
}

void MucRoleReport::print_human(std::ostream& out) const {
  if (role == muc::Role::none)
    out << "kicked " << escape_terminal(nick) << " from room " << room << '\n';
  else
    out << escape_terminal(nick) << " is now " << muc::to_string(role) << " in room " << room
        << '\n';
}

}  // namespace xmpp::cli
