#include "xep/muc/muc.hpp"

#include <charconv>

#include "stanza/error.hpp"
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

std::optional<Jid> sender(const xml::Element& stanza) {
  return parse_jid(stanza.attr("from"));
}

std::optional<int> parse_code(std::string_view text) {
  int code = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, code);
  // §12: status codes are three-digit numbers.
  if (ec != std::errc() || ptr != end || code < 100 || code > 999) return std::nullopt;
  return code;
}

Item parse_item(const xml::Element& e) {
  Item item;
  if (auto a = e.attr("affiliation")) item.affiliation = parse_affiliation(*a);
  if (auto r = e.attr("role")) item.role = parse_role(*r);
  item.jid = parse_jid(e.attr("jid"));
  item.nick = e.attr("nick");
  item.reason = e.child_text("reason", k_ns_user);
  return item;
}

bool is_groupchat(const xml::Element& message) {
  return stanza::is_message(message) &&
         stanza::message_type(message) == stanza::MessageType::groupchat;
}

const xml::Element* room_delay(const xml::Element& message, const Jid& room) {
  const Jid bare = room.bare();
  for (const xml::Element* delay : message.children("delay", k_ns_delay))
    if (parse_jid(delay->attr("from")) == bare) return delay;
  return nullptr;
}

}  // namespace

std::string_view to_string(Affiliation affiliation) {
  switch (affiliation) {
  case Affiliation::owner:
    return "owner";
  case Affiliation::admin:
    return "admin";
  case Affiliation::member:
    return "member";
  case Affiliation::outcast:
    return "outcast";
  case Affiliation::none:
    return "none";
  }
  return "none";
}

std::string_view to_string(Role role) {
  switch (role) {
  case Role::moderator:
    return "moderator";
  case Role::participant:
    return "participant";
  case Role::visitor:
    return "visitor";
  case Role::none:
    return "none";
  }
  return "none";
}

std::optional<Affiliation> parse_affiliation(std::string_view text) {
  for (auto a : {Affiliation::owner, Affiliation::admin, Affiliation::member, Affiliation::outcast,
                 Affiliation::none})
    if (to_string(a) == text) return a;
  return std::nullopt;
}

std::optional<Role> parse_role(std::string_view text) {
  for (auto r : {Role::moderator, Role::participant, Role::visitor, Role::none})
    if (to_string(r) == text) return r;
  return std::nullopt;
}

bool UserInfo::has_status(int code) const {
  for (int c : status_codes)
    if (c == code) return true;
  return false;
}

std::optional<UserInfo> parse_user_x(const xml::Element& stanza) {
  const auto xs = stanza.children("x", k_ns_user);
  if (xs.size() != 1) return std::nullopt;
  UserInfo info;
  for (const xml::Element* child : xs.front()->elements()) {
    if (child->ns() != k_ns_user) continue;
    if (child->name() == "status") {
      if (auto code = parse_code(child->attr("code").value_or("")))
        info.status_codes.push_back(*code);
    } else if (child->name() == "item") {
      info.items.push_back(parse_item(*child));
    } else if (child->name() == "destroy" && !info.destroy) {
      Destroy destroy;
      destroy.alternate = parse_jid(child->attr("jid"));
      destroy.reason = child->child_text("reason", k_ns_user).value_or("");
      info.destroy = std::move(destroy);
    }
  }
  return info;
}

// ---- builders ----------------------------------------------------------------------------------

xml::Element make_join_presence(const Jid& occupant, const std::optional<std::string>& password,
                                std::optional<int> history_stanzas) {
  auto presence = stanza::make_presence(stanza::PresenceType::available, occupant.str());
  xml::Element x("x", std::string(k_ns));
  if (password) x.add_child(xml::Element("password", std::string(k_ns))).add_text(*password);
  if (history_stanzas && *history_stanzas >= 0) {
    xml::Element history("history", std::string(k_ns));
    // §7.2.14: "If the client wishes to receive no history, it MUST set the 'maxchars' attribute
    // to a value of '0'"; maxstanzas='0' as well for services that only look at that one.
    if (*history_stanzas == 0) history.set_attr("maxchars", "0");
    history.set_attr("maxstanzas", std::to_string(*history_stanzas));
    x.add_child(std::move(history));
  }
  presence.add_child(std::move(x));
  return presence;
}

xml::Element make_leave_presence(const Jid& occupant) {
  return stanza::make_presence(stanza::PresenceType::unavailable, occupant.str());
}

namespace {

xml::Element owner_form(const Jid& room, const char* form_type) {
  xml::Element query("query", std::string(k_ns_owner));
  query.add_child(xml::Element("x", std::string(k_ns_data))).set_attr("type", form_type);
  return stanza::make_iq(stanza::IqType::set, room.bare_str(), std::move(query));
}

}  // namespace

xml::Element make_instant_room_request(const Jid& room) {
  return owner_form(room, "submit");
}

xml::Element make_cancel_configuration(const Jid& room) {
  return owner_form(room, "cancel");
}

// ---- origin rules ------------------------------------------------------------------------------

bool is_from_room(const xml::Element& stanza, const Jid& room) {
  const auto from = sender(stanza);
  return from && from->bare() == room.bare();
}

bool is_from_room_itself(const xml::Element& stanza, const Jid& room) {
  const auto from = sender(stanza);
  return from && *from == room.bare();
}

bool is_self_presence(const xml::Element& presence, const Jid& our_occupant) {
  if (!stanza::is_presence(presence) || our_occupant.is_bare()) return false;
  if (sender(presence) != our_occupant) return false;
  const auto info = parse_user_x(presence);
  return info && info->has_status(k_status_self);
}

std::optional<Jid> join_self_presence(const xml::Element& presence, const Jid& requested) {
  if (!stanza::is_presence(presence) || requested.is_bare()) return std::nullopt;
  auto from = sender(presence);
  if (!from || from->is_bare() || from->bare() != requested.bare()) return std::nullopt;
  const auto info = parse_user_x(presence);
  if (!info || !info->has_status(k_status_self)) return std::nullopt;
  if (*from != requested && !info->has_status(k_status_nick_assigned)) return std::nullopt;
  return from;
}

bool is_join_error(const xml::Element& presence, const Jid& occupant) {
  if (!stanza::is_presence(presence) ||
      stanza::presence_type(presence) != stanza::PresenceType::error)
    return false;
  const auto from = sender(presence);
  return from && (*from == occupant || *from == occupant.bare());
}

bool is_room_subject_change(const xml::Element& message, const Jid& room) {
  // §8.1: a <subject/> with a <body/> or a <thread/> is an ordinary message.
  return is_groupchat(message) && is_from_room_itself(message, room) &&
         message.child("subject", k_ns_client) != nullptr &&
         message.child("body", k_ns_client) == nullptr &&
         message.child("thread", k_ns_client) == nullptr;
}

std::optional<std::string> room_subject(const xml::Element& message, const Jid& room) {
  if (!is_room_subject_change(message, room)) return std::nullopt;
  return message.child_text("subject", k_ns_client);
}

bool is_history(const xml::Element& message, const Jid& room) {
  return is_groupchat(message) && is_from_room(message, room) &&
         room_delay(message, room) != nullptr;
}

std::optional<std::string> history_stamp(const xml::Element& message, const Jid& room) {
  if (!is_history(message, room)) return std::nullopt;
  return room_delay(message, room)->attr("stamp");
}

std::vector<int> room_status_codes(const xml::Element& message, const Jid& room) {
  if (!stanza::is_message(message) || !is_from_room_itself(message, room)) return {};
  auto info = parse_user_x(message);
  if (!info) return {};
  return std::move(info->status_codes);
}

// ---- refused joins ----------------------------------------------------------------------------

Error join_error(const xml::Element& error_presence, const Jid& room, std::string_view nick,
                 bool gave_password) {
  const auto error = stanza::parse_stanza_error(error_presence);
  const std::string r = room.bare_str();
  const std::string n(nick);
  const std::string& c = error.condition;
  std::string message;
  if (c == "not-authorized")
    message = gave_password ? "wrong password for room " + r : "room " + r + " needs a password";
  else if (c == "registration-required")
    message = "room " + r + " is members-only";
  else if (c == "forbidden")
    message = "banned from room " + r;
  else if (c == "conflict")
    message = "nick " + n + " is taken in room " + r;
  else if (c == "service-unavailable")
    message = "room " + r + " is full or does not accept new occupants";
  else if (c == "item-not-found")
    message = "room " + r + " does not exist";
  else if (c == "not-allowed")
    message = "room " + r + " cannot be created here";
  else if (c == "not-acceptable")
    message = "room " + r + " only accepts your reserved nick";
  else if (c == "gone")
    message = "room " + r + " was destroyed" +
              (error.alternate.empty() ? "" : " (successor: " + error.alternate + ")");
  else if (c == "jid-malformed")
    message = "nick " + n + " is not acceptable in room " + r;
  else
    message = "cannot join room " + r + ": " + c;
  if (!error.text.empty()) message += " (" + error.text + ")";
  return make_error(ErrorKind::remote, "stanza_error", c, std::move(message));
}

std::optional<Error> check_room_address(const Jid& room) {
  if (!room.has_local() || !room.is_bare())
    return make_error(ErrorKind::usage, "bad_jid", "",
                      room.str() + " is not a room address (room@service, no resource)");
  return std::nullopt;
}

}  // namespace xmpp::muc
