#include "xep/muc/admin.hpp"

#include <algorithm>
#include <charconv>

#include "stanza/iq.hpp"
#include "stanza/message.hpp"
#include "stanza/namespaces.hpp"
#include "stanza/presence.hpp"

namespace xmpp::muc {
namespace {

using stanza::k_ns_client;

std::optional<Jid> parse_jid(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  auto jid = Jid::parse(*text);
  if (!jid) return std::nullopt;
  return std::move(*jid);
}

xml::Element admin_element(std::string_view name) {
  return xml::Element(std::string(name), std::string(k_ns_admin));
}

xml::Element user_element(std::string_view name) {
  return xml::Element(std::string(name), std::string(k_ns_user));
}

void add_text_child(xml::Element& parent, std::string_view name, const std::string& text) {
  parent.add_child(xml::Element(std::string(name), parent.ns())).add_text(text);
}

xml::Element admin_iq(stanza::IqType type, const Jid& room, xml::Element query, std::string id) {
  return stanza::make_iq(type, room.bare_str(), std::move(query), std::move(id));
}

// XML Schema boolean (XEP-0249 §2 'continue', XEP-0004 boolean fields): "true"/"1" or
// "false"/"0"; anything else is no value.
std::optional<bool> parse_boolean(std::string_view text) {
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  return std::nullopt;
}

std::optional<std::size_t> parse_count(std::string_view text) {
  std::size_t n = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, n);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return n;
}

/// A room address: a bare JID with a localpart (room@service).
bool is_room_address(const Jid& jid) {
  return jid.has_local() && jid.is_bare();
}

}  // namespace

// ---- affiliation and role lists and changes ----------------------------------------------------

xml::Element make_affiliation_list_request(const Jid& room, Affiliation affiliation,
                                           std::string id) {
  auto query = admin_element("query");
  query.add_child(admin_element("item"))
      .set_attr("affiliation", std::string(to_string(affiliation)));
  return admin_iq(stanza::IqType::get, room, std::move(query), std::move(id));
}

xml::Element make_role_list_request(const Jid& room, Role role, std::string id) {
  auto query = admin_element("query");
  query.add_child(admin_element("item")).set_attr("role", std::string(to_string(role)));
  return admin_iq(stanza::IqType::get, room, std::move(query), std::move(id));
}

xml::Element make_affiliation_request(const Jid& room,
                                      const std::vector<AffiliationChange>& changes,
                                      std::string id) {
  auto query = admin_element("query");
  for (const auto& change : changes) {
    auto item = admin_element("item");
    item.set_attr("affiliation", std::string(to_string(change.affiliation)));
    item.set_attr("jid", change.jid.str());
    if (change.nick) item.set_attr("nick", *change.nick);
    if (change.reason) add_text_child(item, "reason", *change.reason);
    query.add_child(std::move(item));
  }
  return admin_iq(stanza::IqType::set, room, std::move(query), std::move(id));
}

xml::Element make_role_request(const Jid& room, const std::vector<RoleChange>& changes,
                               std::string id) {
  auto query = admin_element("query");
  for (const auto& change : changes) {
    auto item = admin_element("item");
    item.set_attr("nick", change.nick);
    item.set_attr("role", std::string(to_string(change.role)));
    if (change.reason) add_text_child(item, "reason", *change.reason);
    query.add_child(std::move(item));
  }
  return admin_iq(stanza::IqType::set, room, std::move(query), std::move(id));
}

Result<std::vector<Item>> parse_admin_items(const xml::Element& iq) {
  const xml::Element* query = iq.child("query", k_ns_admin);
  if (!query)
    return fail(ErrorKind::protocol, "bad_reply", "",
                "the reply has no <query xmlns='" + std::string(k_ns_admin) + "'/>");
  std::vector<Item> items;
  for (const xml::Element* e : query->children("item", k_ns_admin)) {
    Item item;
    if (auto a = e->attr("affiliation")) item.affiliation = parse_affiliation(*a);
    if (auto r = e->attr("role")) item.role = parse_role(*r);
    item.jid = parse_jid(e->attr("jid"));
    item.nick = e->attr("nick");
    item.reason = e->child_text("reason", k_ns_admin);
    items.push_back(std::move(item));
  }
  return items;
}

// ---- destroy -----------------------------------------------------------------------------------

xml::Element make_destroy_request(const Jid& room, const DestroyRequest& request, std::string id) {
  xml::Element destroy("destroy", std::string(k_ns_owner));
  if (request.alternate) destroy.set_attr("jid", request.alternate->str());
  if (request.reason) add_text_child(destroy, "reason", *request.reason);
  if (request.password) add_text_child(destroy, "password", *request.password);
  xml::Element query("query", std::string(k_ns_owner));
  query.add_child(std::move(destroy));
  return stanza::make_iq(stanza::IqType::set, room.bare_str(), std::move(query), std::move(id));
}

std::optional<DestroyRequest> parse_destroy_request(const xml::Element& iq) {
  const xml::Element* query = iq.child("query", k_ns_owner);
  const xml::Element* destroy = query ? query->child("destroy", k_ns_owner) : nullptr;
  if (!destroy) return std::nullopt;
  DestroyRequest request;
  request.alternate = parse_jid(destroy->attr("jid"));
  request.reason = destroy->child_text("reason", k_ns_owner);
  request.password = destroy->child_text("password", k_ns_owner);
  return request;
}

// ---- subject -----------------------------------------------------------------------------------

xml::Element make_subject_message(const Jid& room, const std::string& text, std::string id) {
  auto message =
      stanza::make_message(room.bare_str(), stanza::MessageType::groupchat, "", std::move(id));
  xml::Element subject("subject", std::string(k_ns_client));
  if (!text.empty()) subject.add_text(text);
  message.add_child(std::move(subject));
  return message;
}

std::optional<RoomSubject> read_subject(const xml::Element& message, const Jid& room) {
  if (!stanza::is_message(message) ||
      stanza::message_type(message) != stanza::MessageType::groupchat)
    return std::nullopt;
  auto from = parse_jid(message.attr("from"));
  if (!from || from->bare() != room.bare()) return std::nullopt;
  if (message.child("body", k_ns_client) || message.child("thread", k_ns_client))
    return std::nullopt;
  auto text = message.child_text("subject", k_ns_client);
  if (!text) return std::nullopt;
  RoomSubject subject;
  subject.text = std::move(*text);
  subject.from_room_itself = from->is_bare();
  subject.from = std::move(*from);
  return subject;
}

bool is_own_subject_reflection(const xml::Element& message, const Jid& our_occupant,
                               std::string_view text) {
  // §8.1: the room's bare JID, or the changer's occupant JID, which must then be ours.
  const auto subject = read_subject(message, our_occupant.bare());
  return subject && subject->text == text &&
         (subject->from_room_itself || subject->from == our_occupant);
}

// ---- invitations -------------------------------------------------------------------------------

std::string_view to_string(InvitationKind kind) {
  return kind == InvitationKind::mediated ? "mediated" : "direct";
}

xml::Element make_mediated_invitation(const Invitation& invitation,
                                      const std::vector<Jid>& invitees, std::string id) {
  // §7.8.2: "MUST be explicitly or implicitly of type normal": no type attribute.
  xml::Element message("message", std::string(k_ns_client));
  message.set_attr("to", invitation.room.bare_str());
  if (!id.empty()) message.set_attr("id", std::move(id));
  auto x = user_element("x");
  for (const Jid& invitee : invitees) {
    auto invite = user_element("invite");
    invite.set_attr("to", invitee.str());
    if (invitation.reason) add_text_child(invite, "reason", *invitation.reason);
    if (invitation.continues) {
      auto& cont = invite.add_child(user_element("continue"));
      if (invitation.thread) cont.set_attr("thread", *invitation.thread);
    }
    x.add_child(std::move(invite));
  }
  message.add_child(std::move(x));
  return message;
}

xml::Element make_direct_invitation(const Invitation& invitation, const Jid& invitee,
                                    std::string id) {
  xml::Element message("message", std::string(k_ns_client));
  message.set_attr("to", invitee.str());
  if (!id.empty()) message.set_attr("id", std::move(id));
  xml::Element x("x", std::string(k_ns_conference));
  x.set_attr("jid", invitation.room.bare_str());
  if (invitation.password) x.set_attr("password", *invitation.password);
  if (invitation.reason) x.set_attr("reason", *invitation.reason);
  if (invitation.continues) {
    x.set_attr("continue", "true");
    if (invitation.thread) x.set_attr("thread", *invitation.thread);
  }
  message.add_child(std::move(x));
  return message;
}

std::optional<Invitation> parse_invitation(const xml::Element& message) {
  if (!stanza::is_message(message) || stanza::message_type(message) == stanza::MessageType::error)
    return std::nullopt;
  const auto sender = parse_jid(message.attr("from"));
  if (!sender) return std::nullopt;

  const auto user_xs = message.children("x", k_ns_user);
  const bool has_invite = std::any_of(user_xs.begin(), user_xs.end(), [](const xml::Element* x) {
    return x->child("invite", k_ns_user) != nullptr;
  });
  if (has_invite) {
    // Row 53: only the room itself (its bare JID) relays invitations; §7.8.2 example 64 shows
    // one from an occupant JID, which anybody in the room could send as a private message.
    // One muc#user <x/> only, as parse_user_x insists (§7.2.2).
    if (!is_room_address(*sender) || user_xs.size() != 1) return std::nullopt;
    const xml::Element* invite = user_xs.front()->child("invite", k_ns_user);
    Invitation inv;
    inv.kind = InvitationKind::mediated;
    inv.room = *sender;
    inv.from = parse_jid(invite->attr("from"));
    inv.reason = invite->child_text("reason", k_ns_user);
    inv.password = user_xs.front()->child_text("password", k_ns_user);
    if (const xml::Element* cont = invite->child("continue", k_ns_user)) {
      inv.continues = true;
      inv.thread = cont->attr("thread");
    }
    return inv;
  }

  const auto conference = message.children("x", k_ns_conference);
  if (conference.size() != 1) return std::nullopt;
  const xml::Element& x = *conference.front();
  auto room = parse_jid(x.attr("jid"));
  // XEP-0249 §2: 'jid' is REQUIRED and is the room's address.
  if (!room || !room->has_local()) return std::nullopt;
  Invitation inv;
  inv.kind = InvitationKind::direct;
  inv.room = room->bare();
  inv.from = sender;
  inv.reason = x.attr("reason");
  inv.password = x.attr("password");
  inv.continues = parse_boolean(x.attr("continue").value_or("")).value_or(false);
  if (inv.continues) inv.thread = x.attr("thread");
  return inv;
}

// ---- room information --------------------------------------------------------------------------

RoomInfo room_info_from_disco(const Jid& room, const disco::DiscoInfo& info) {
  RoomInfo out;
  out.room = room.bare();
  out.features = info.features;
  out.is_room = info.has_identity("conference", "text") || info.has_feature(k_ns);
  for (const auto& identity : info.identities) {
    if (identity.category == "conference" && identity.name) {
      out.name = identity.name;
      break;
    }
  }
  // §16.2 registers the features in pairs; a room that announces both of a pair is
  // contradicting itself and gets no answer for that flag.
  const auto flag = [&](std::string_view yes, std::string_view no) -> std::optional<bool> {
    const bool y = info.has_feature(yes);
    const bool n = info.has_feature(no);
    if (y == n) return std::nullopt;
    return y;
  };
  out.members_only = flag("muc_membersonly", "muc_open");
  out.moderated = flag("muc_moderated", "muc_unmoderated");
  out.password_protected = flag("muc_passwordprotected", "muc_unsecured");
  out.persistent = flag("muc_persistent", "muc_temporary");
  out.is_public = flag("muc_public", "muc_hidden");
  out.non_anonymous = flag("muc_nonanonymous", "muc_semianonymous");

  const disco::ExtensionForm* form = info.form(k_form_roominfo);
  if (!form) return out;
  out.form = form->fields;
  const auto first = [&](const char* var) -> std::optional<std::string> {
    auto it = form->fields.find(var);
    if (it == form->fields.end() || it->second.empty()) return std::nullopt;
    return it->second.front();
  };
  out.description = first("muc#roominfo_description");
  out.subject = first("muc#roominfo_subject");
  out.language = first("muc#roominfo_lang");
  out.logs = first("muc#roominfo_logs");
  if (auto n = first("muc#roominfo_occupants")) out.occupants = parse_count(*n);
  if (auto it = form->fields.find("muc#roominfo_contactjid"); it != form->fields.end())
    out.contacts = it->second;
  // §15.5.4 names muc#roominfo_subjectmod; example 10 shows muc#roomconfig_changesubject.
  auto changeable = first("muc#roominfo_subjectmod");
  if (!changeable) changeable = first("muc#roomconfig_changesubject");
  if (changeable) out.subject_changeable = parse_boolean(*changeable);
  return out;
}

// ---- occupants ---------------------------------------------------------------------------------

bool OccupantTable::apply(const xml::Element& presence) {
  if (!stanza::is_presence(presence)) return false;
  const auto type = stanza::presence_type(presence);
  if (type != stanza::PresenceType::available && type != stanza::PresenceType::unavailable)
    return false;
  auto from = parse_jid(presence.attr("from"));
  // Row 53: only an occupant JID of this room speaks about an occupant.
  if (!from || from->is_bare() || from->bare() != m_room) return false;
  const std::string& nick = from->resource();
  auto it = std::find_if(m_occupants.begin(), m_occupants.end(),
                         [&](const Occupant& o) { return o.nick == nick; });
  if (type == stanza::PresenceType::unavailable) {
    if (it != m_occupants.end()) m_occupants.erase(it);
    return true;
  }
  Occupant occupant;
  occupant.nick = nick;
  occupant.occupant_jid = std::move(*from);
  if (auto info = parse_user_x(presence); info && !info->items.empty()) {
    Item& item = info->items.front();
    occupant.affiliation = item.affiliation;
    occupant.role = item.role;
    occupant.jid = std::move(item.jid);
  }
  occupant.show = presence.child_text("show", k_ns_client);
  occupant.status = presence.child_text("status", k_ns_client);
  if (it != m_occupants.end()) {
    occupant.self = it->self;
    *it = std::move(occupant);
  } else {
    m_occupants.push_back(std::move(occupant));
  }
  return true;
}

}  // namespace xmpp::muc
