#include "muc_report.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

#include <fmt/format.h>

#include "output.hpp"
#include "stanza/message.hpp"
#include "stanza/namespaces.hpp"
#include "stanza/presence.hpp"

namespace xmpp::cli {

namespace {

using Json = nlohmann::ordered_json;

Json jid_or_null(const std::optional<Jid>& jid) {
  return jid ? Json(jid->str()) : Json(nullptr);
}

template <class E>
Json enum_or_null(const std::optional<E>& value) {
  return value ? Json(std::string(muc::to_string(*value))) : Json(nullptr);
}

Json codes_json(const std::vector<int>& codes) {
  auto list = Json::array();
  for (int code : codes)
    list.push_back(code);
  return list;
}

/// Each value escaped, joined by ", ".
std::string escaped_list(const std::vector<std::string>& values) {
  std::vector<std::string> escaped;
  escaped.reserve(values.size());
  for (const auto& v : values)
    escaped.push_back(escape_terminal(v));
  return fmt::to_string(fmt::join(escaped, ", "));
}

/// `text` escaped (newlines kept), every line after the first indented by four spaces.
std::string indented(std::string_view text) {
  const auto escaped = escape_terminal(text, true);
  std::string out;
  for (char c : escaped) {
    out += c;
    if (c == '\n') out += "    ";
  }
  return out;
}

/// The nick of a subject's setter: the resource of an occupant JID, none for the room itself.
std::optional<std::string> setter_nick(const muc::RoomSubject& subject) {
  if (subject.from_room_itself || subject.from.is_bare()) return std::nullopt;
  return subject.from.resource();
}

/// "moderator, owner, crone1@shakespeare.lit/desktop": what the room says of an occupant.
std::string occupant_details(const muc::Occupant& o) {
  std::vector<std::string> parts;
  if (o.role) parts.emplace_back(muc::to_string(*o.role));
  if (o.affiliation) parts.emplace_back(muc::to_string(*o.affiliation));
  if (o.jid) parts.push_back(escape_terminal(o.jid->str()));
  return fmt::to_string(fmt::join(parts, ", "));
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

}  // namespace

// ---- shared pieces ------------------------------------------------------------------------------

Json room_flags_json(const muc::RoomInfo& info) {
  return Json{{"members_only", or_null(info.members_only)},
              {"moderated", or_null(info.moderated)},
              {"password_protected", or_null(info.password_protected)},
              {"persistent", or_null(info.persistent)},
              {"public", or_null(info.is_public)},
              {"non_anonymous", or_null(info.non_anonymous)}};
}

std::vector<std::string> room_flags_human(const muc::RoomInfo& info) {
  std::vector<std::string> flags;
  const auto add = [&flags](const std::optional<bool>& value, const char* yes, const char* no) {
    if (value) flags.emplace_back(*value ? yes : no);
  };
  add(info.members_only, "members-only", "open");
  add(info.moderated, "moderated", "unmoderated");
  add(info.password_protected, "password-protected", "unsecured");
  add(info.persistent, "persistent", "temporary");
  add(info.is_public, "public", "hidden");
  add(info.non_anonymous, "non-anonymous", "semi-anonymous");
  return flags;
}

Json occupant_json(const muc::Occupant& o) {
  return Json{{"nick", o.nick},
              {"role", enum_or_null(o.role)},
              {"affiliation", enum_or_null(o.affiliation)},
              {"jid", jid_or_null(o.jid)},
              {"show", or_null(o.show)},
              {"status", or_null(o.status)},
              {"self", o.self}};
}

Json subject_json(const muc::RoomSubject& subject) {
  return Json{{"text", subject.text},
              {"set_by", or_null(setter_nick(subject))},
              {"from_room", subject.from_room_itself}};
}

// ---- list ---------------------------------------------------------------------------------------

Json MucListReport::to_json() const {
  auto rooms = Json::array();
  for (const auto& entry : list.rooms) {
    std::optional<std::string> name = entry.name;
    if (!name && entry.info) name = entry.info->name;
    rooms.push_back(Json{
        {"jid", entry.jid.str()},
        {"name", or_null(name)},
        {"occupants", or_null(entry.occupants)},
        {"description", entry.info ? or_null(entry.info->description) : Json(nullptr)},
        {"flags", entry.info ? room_flags_json(*entry.info) : Json(nullptr)},
        {"error", entry.info_error ? error_object(*entry.info_error) : Json(nullptr)}});
  }
  return Json{{"service", list.service.str()},
              {"rooms", std::move(rooms)},
              {"count", or_null(list.count)},
              {"truncated", list.truncated},
              {"skipped", list.skipped}};
}

void MucListReport::print_human(std::ostream& out) const {
  if (list.rooms.empty()) {
    out << "(no rooms)\n";
    return;
  }
  std::size_t width = 0;
  for (const auto& entry : list.rooms)
    width = std::max(width, escape_terminal(entry.jid.str()).size());
  for (const auto& entry : list.rooms) {
    const auto jid = escape_terminal(entry.jid.str());
    std::string line = jid + std::string(width - jid.size(), ' ');
    std::optional<std::string> name = entry.name;
    if (!name && entry.info) name = entry.info->name;
    if (name) line += "  \"" + escape_terminal(*name) + "\"";
    if (entry.occupants) line += "  " + plural(*entry.occupants, "occupant", "occupants");
    if (entry.info) {
      const auto flags = room_flags_human(*entry.info);
      if (!flags.empty()) line += "  " + fmt::to_string(fmt::join(flags, ", "));
    }
    if (entry.info_error) line += "  (info: " + escape_terminal(entry.info_error->message) + ")";
    out << line << '\n';
  }
  if (list.truncated) out << "(the service kept paging; the list may be incomplete)\n";
}

// ---- info ---------------------------------------------------------------------------------------

Json MucInfoReport::to_json() const {
  auto contacts = Json::array();
  for (const auto& c : info.contacts)
    contacts.push_back(c);
  auto features = Json::array();
  for (const auto& f : info.features)
    features.push_back(f);
  auto form = Json::object();
  for (const auto& [var, values] : info.form)
    form[var] = values;
  return Json{{"room", info.room.str()},
              {"is_room", info.is_room},
              {"name", or_null(info.name)},
              {"description", or_null(info.description)},
              {"subject", or_null(info.subject)},
              {"occupants", or_null(info.occupants)},
              {"language", or_null(info.language)},
              {"logs", or_null(info.logs)},
              {"contacts", std::move(contacts)},
              {"subject_changeable", or_null(info.subject_changeable)},
              {"flags", room_flags_json(info)},
              {"features", std::move(features)},
              {"form", std::move(form)}};
}

void MucInfoReport::print_human(std::ostream& out) const {
  const auto line = [&out](std::string_view label, const std::string& value) {
    out << fmt::format("{:<13}{}\n", std::string(label) + ":", value);
  };
  line("room", escape_terminal(info.room.str()));
  if (!info.is_room) line("kind", "not a multi-user chat room");
  if (info.name) line("name", escape_terminal(*info.name));
  if (info.description) line("description", indented(*info.description));
  if (info.subject) line("subject", indented(*info.subject));
  if (info.occupants) line("occupants", std::to_string(*info.occupants));
  if (info.language) line("language", escape_terminal(*info.language));
  if (info.logs) line("logs", escape_terminal(*info.logs));
  if (!info.contacts.empty()) line("contacts", escaped_list(info.contacts));
  if (info.subject_changeable)
    line("subject", *info.subject_changeable ? "occupants may change it"
                                             : "only moderators may change it");
  const auto flags = room_flags_human(info);
  if (!flags.empty()) line("flags", fmt::to_string(fmt::join(flags, ", ")));
  if (!info.features.empty()) {
    out << "features:\n";
    for (const auto& f : info.features)
      out << "  " << escape_terminal(f) << '\n';
  }
  if (!info.form.empty()) {
    out << "form:\n";
    for (const auto& [var, values] : info.form)
      out << "  " << escape_terminal(var) << ": " << escaped_list(values) << '\n';
  }
}

// ---- occupants ----------------------------------------------------------------------------------

Json MucOccupantsReport::to_json() const {
  auto list = Json::array();
  for (const auto& o : occupants)
    list.push_back(occupant_json(o));
  return Json{{"room", room.str()},
              {"nick", nick},
              {"occupants", std::move(list)},
              {"subject", subject ? subject_json(*subject) : Json(nullptr)}};
}

void MucOccupantsReport::print_human(std::ostream& out) const {
  std::vector<std::array<std::string, 5>> rows;
  std::array<std::size_t, 5> width{};
  for (const auto& o : occupants) {
    std::array<std::string, 5> row{
        escape_terminal(o.nick),
        o.role ? std::string(muc::to_string(*o.role)) : "-",
        o.affiliation ? std::string(muc::to_string(*o.affiliation)) : "-",
        o.jid ? escape_terminal(o.jid->str()) : "-",
        o.self ? "(you)" : ""};
    for (std::size_t i = 0; i < row.size(); ++i)
      width[i] = std::max(width[i], row[i].size());
    rows.push_back(std::move(row));
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i > 0 && !row[i].empty()) line += "  ";
      line += row[i];
      if (i + 1 < row.size() && !row[i + 1].empty())
        line += std::string(width[i] - row[i].size(), ' ');
    }
    out << line << '\n';
  }
  out << plural(occupants.size(), "occupant", "occupants") << " in "
      << escape_terminal(room.str()) << '\n';
}

// ---- subject ------------------------------------------------------------------------------------

Json MucSubjectReport::to_json() const {
  return Json{{"room", room.str()},
              {"subject", subject ? subject_json(*subject) : Json(nullptr)},
              {"changed", changed}};
}

void MucSubjectReport::print_human(std::ostream& out) const {
  const auto r = escape_terminal(room.str());
  if (changed) {
    if (subject && !subject->text.empty())
      out << "subject of " << r << " set: " << indented(subject->text) << '\n';
    else
      out << "subject of " << r << " cleared\n";
    return;
  }
  if (!subject) {
    out << r << " sent no subject\n";
    return;
  }
  if (subject->text.empty()) {
    out << "(no subject)\n";
    return;
  }
  out << indented(subject->text);
  if (const auto nick = setter_nick(*subject)) out << "  (set by " << escape_terminal(*nick) << ")";
  out << '\n';
}

// ---- history ------------------------------------------------------------------------------------

namespace {

std::optional<std::string> archived_subject(const mam::ArchivedMessage& m) {
  if (!m.message) return std::nullopt;
  return m.message->child_text("subject", stanza::k_ns_client);
}

}  // namespace

Json MucHistoryReport::to_json() const {
  auto list = Json::array();
  for (const auto& m : messages) {
    list.push_back(Json{
        {"id", m.id},
        {"stamp", m.stamp ? Json(time::format_utc(*m.stamp)) : Json(nullptr)},
        {"from", jid_or_null(m.from)},
        {"nick", m.from && !m.from->is_bare() ? Json(m.from->resource()) : Json(nullptr)},
        {"body", or_null(m.body)},
        {"subject", or_null(archived_subject(m))}});
  }
  return Json{{"room", room.str()},
              {"messages", std::move(list)},
              {"complete", complete},
              {"count", or_null(count)}};
}

void MucHistoryReport::print_human(std::ostream& out) const {
  if (messages.empty()) {
    out << "(no messages)\n";
    return;
  }
  for (const auto& m : messages) {
    const std::string stamp = m.stamp ? time::format_utc(*m.stamp) : std::string("?");
    std::string who = "?";
    if (m.from) who = escape_terminal(m.from->is_bare() ? m.from->str() : m.from->resource());
    out << '[' << stamp << "] " << who;
    const auto subject = archived_subject(m);
    if (m.body)
      out << ": " << indented(*m.body);
    else if (subject)
      out << " set the subject: " << indented(*subject);
    else
      out << ": (withheld by the archive)";
    out << '\n';
  }
}

// ---- join events --------------------------------------------------------------------------------

Json to_json(const JoinedEvent& event) {
  const auto& j = event.joined;
  return Json{{"kind", "joined"},
              {"room", j.room.str()},
              {"nick", j.occupant.resource()},
              {"occupant", j.occupant.str()},
              {"created", j.created},
              {"status_codes", codes_json(j.status_codes)}};
}

std::string human_line(const JoinedEvent& event) {
  const auto& j = event.joined;
  std::string line = "joined " + escape_terminal(j.room.str()) + " as " +
                     escape_terminal(j.occupant.resource());
  std::vector<std::string> tags;
  const auto has = [&j](int code) {
    return std::find(j.status_codes.begin(), j.status_codes.end(), code) != j.status_codes.end();
  };
  if (j.created) tags.emplace_back("new room");
  if (has(muc::k_status_non_anonymous)) tags.emplace_back("non-anonymous: everyone sees your JID");
  if (has(muc::k_status_logged)) tags.emplace_back("logged");
  if (!tags.empty()) line += " (" + fmt::to_string(fmt::join(tags, ", ")) + ")";
  return line;
}

std::string_view to_string(OccupantChange change) {
  switch (change) {
  case OccupantChange::present: return "present";
  case OccupantChange::joined: return "joined";
  case OccupantChange::changed: return "changed";
  case OccupantChange::left: return "left";
  case OccupantChange::renamed: return "renamed";
  case OccupantChange::kicked: return "kicked";
  case OccupantChange::banned: return "banned";
  case OccupantChange::destroyed: return "destroyed";
  }
  return "changed";
}

Json to_json(const OccupantEvent& event) {
  Json doc{{"kind", "occupant"}, {"event", std::string(to_string(event.change))},
           {"room", event.room.str()}};
  const auto occupant = occupant_json(event.occupant);
  for (const auto& [key, value] : occupant.items())
    doc[key] = value;
  doc["new_nick"] = or_null(event.new_nick);
  doc["reason"] = or_null(event.reason);
  doc["alternate"] = jid_or_null(event.alternate);
  doc["status_codes"] = codes_json(event.status_codes);
  return doc;
}

std::string human_line(const OccupantEvent& event, std::string_view clock) {
  const auto& o = event.occupant;
  const auto room = escape_terminal(event.room.str());
  std::string who = escape_terminal(o.nick) + (o.self ? " (you)" : "");
  const auto details = occupant_details(o);
  const auto with_details = [&](std::string_view verb) {
    std::string s = who + " " + std::string(verb);
    if (!details.empty()) s += " (" + details + ")";
    if (o.show) s += " [" + escape_terminal(*o.show) + "]";
    if (o.status && !o.status->empty()) s += ": " + escape_terminal(*o.status);
    return s;
  };
  const auto with_reason = [&](std::string s) {
    if (event.reason && !event.reason->empty()) s += ": " + escape_terminal(*event.reason);
    return s;
  };
  std::string text;
  switch (event.change) {
  case OccupantChange::present: text = with_details("is here"); break;
  case OccupantChange::joined: text = with_details("joined"); break;
  case OccupantChange::changed: text = with_details("changed"); break;
  case OccupantChange::left: text = with_reason(who + " left"); break;
  case OccupantChange::renamed:
    text = who + " is now " + escape_terminal(event.new_nick.value_or("?"));
    break;
  case OccupantChange::kicked: text = with_reason(who + " was kicked"); break;
  case OccupantChange::banned: text = with_reason(who + " was banned"); break;
  case OccupantChange::destroyed:
    text = with_reason("the room was destroyed");
    if (event.alternate) text += " (go to " + escape_terminal(event.alternate->str()) + ")";
    break;
  }
  return fmt::format("[{}] {}: {}", clock, room, text);
}

Json to_json(const SubjectEvent& event) {
  Json doc{{"kind", "subject"}, {"room", event.room.str()}};
  const auto subject = subject_json(event.subject);
  for (const auto& [key, value] : subject.items())
    doc[key] = value;
  return doc;
}

std::string human_line(const SubjectEvent& event, std::string_view clock) {
  const auto room = escape_terminal(event.room.str());
  if (event.subject.text.empty()) return fmt::format("[{}] {} has no subject", clock, room);
  std::string line = fmt::format("[{}] {} subject: {}", clock, room, indented(event.subject.text));
  if (const auto nick = setter_nick(event.subject))
    line += " (set by " + escape_terminal(*nick) + ")";
  return line;
}

Json to_json(const JoinEvent& event) {
  return std::visit([](const auto& e) -> Json { return to_json(e); }, event);
}

std::string human_line(const JoinEvent& event, std::string_view clock) {
  return std::visit([clock](const auto& e) { return human_line(e, clock); }, event);
}

// ---- JoinTracker --------------------------------------------------------------------------------

JoinTracker::JoinTracker(Jid own, muc::Joined joined)
    : m_joined(std::move(joined)), m_table(m_joined.room) {
  m_scope.own = std::move(own);
  m_scope.rooms.insert(m_joined.room);
}

std::optional<JoinEvent> JoinTracker::apply(const xml::Element& stanza) {
  // Row 53: only the room we joined speaks here.
  if (!muc::is_from_room(stanza, m_joined.room)) return std::nullopt;
  if (stanza::is_presence(stanza)) return apply_presence(stanza);
  if (stanza.name() == "message") return apply_message(stanza);
  return std::nullopt;
}

std::optional<JoinEvent> JoinTracker::apply_presence(const xml::Element& presence) {
  const auto type = stanza::presence_type(presence);
  if (type != stanza::PresenceType::available && type != stanza::PresenceType::unavailable)
    return std::nullopt;
  auto from = Jid::parse(presence.attr("from").value_or(""));
  if (!from || from->is_bare()) return std::nullopt;
  const std::string nick = from->resource();
  const bool self = *from == m_joined.occupant;
  const auto& list = m_table.occupants();
  const auto it = std::find_if(list.begin(), list.end(),
                               [&nick](const muc::Occupant& o) { return o.nick == nick; });
  const std::optional<muc::Occupant> before =
      it != list.end() ? std::optional<muc::Occupant>(*it) : std::nullopt;
  const auto info = muc::parse_user_x(presence);

  OccupantEvent event;
  event.room = m_joined.room;
  if (info) event.status_codes = info->status_codes;
  const muc::Item* item = info && !info->items.empty() ? &info->items.front() : nullptr;
  if (item) event.reason = item->reason;

  if (type == stanza::PresenceType::unavailable) {
    m_table.apply(presence);
    if (before) {
      event.occupant = *before;
    } else {
      event.occupant.nick = nick;
      event.occupant.occupant_jid = *from;
      if (item) {
        event.occupant.role = item->role;
        event.occupant.affiliation = item->affiliation;
        event.occupant.jid = item->jid;
      }
    }
    event.occupant.self = self;
    if (info && info->destroy) {
      event.change = OccupantChange::destroyed;
      event.reason = info->destroy->reason.empty() ? std::nullopt
                                                   : std::optional(info->destroy->reason);
      event.alternate = info->destroy->alternate;
    } else if (info && info->has_status(muc::k_status_banned)) {
      event.change = OccupantChange::banned;
    } else if (info && info->has_status(muc::k_status_kicked)) {
      event.change = OccupantChange::kicked;
    } else if (info && info->has_status(muc::k_status_nick_changed) && item && item->nick) {
      event.change = OccupantChange::renamed;
      event.new_nick = item->nick;
      event.reason.reset();
    } else {
      event.change = OccupantChange::left;
    }
    if (self && event.change == OccupantChange::renamed) {
      // §7.6: our next presence comes from the new nick; follow it (the resource was prepared
      // by the room, but a value that is no resourcepart leaves us where we were).
      if (auto moved = m_joined.room.try_with_resource(*event.new_nick)) m_joined.occupant = *moved;
    } else if (self) {
      const auto room = m_joined.room.str();
      std::string why;
      switch (event.change) {
      case OccupantChange::banned: why = "banned from room " + room; break;
      case OccupantChange::kicked: why = "kicked from room " + room; break;
      case OccupantChange::destroyed: why = "room " + room + " was destroyed"; break;
      default: why = "removed from room " + room; break;
      }
      if (event.reason && !event.reason->empty()) why += " (" + *event.reason + ")";
      m_removed = make_error(ErrorKind::remote, "removed_from_room", "", why);
    }
    return event;
  }

  m_table.apply(presence);
  const auto now = std::find_if(m_table.occupants().begin(), m_table.occupants().end(),
                                [&nick](const muc::Occupant& o) { return o.nick == nick; });
  if (now == m_table.occupants().end()) return std::nullopt;
  event.occupant = *now;
  event.occupant.self = self;
  event.reason.reset();
  if (before)
    event.change = OccupantChange::changed;
  else
    event.change = m_self_seen ? OccupantChange::joined : OccupantChange::present;
  // Our own presence ends the list of those already here (§7.2.2).
  if (self) m_self_seen = true;
  return event;
}

std::optional<JoinEvent> JoinTracker::apply_message(const xml::Element& message) {
  if (auto subject = muc::read_subject(message, m_joined.room)) {
    // §7.2.15: the subject ends the join burst (it follows our self-presence and the history).
    if (m_self_seen) m_burst_over = true;
    return SubjectEvent{m_joined.room, std::move(*subject)};
  }
  auto decoded = decode_message(message, m_scope);
  if (auto* shown = std::get_if<ListenMessage>(&decoded)) return std::move(*shown);
  return std::nullopt;
}

// ---- arguments ----------------------------------------------------------------------------------

Result<time::Timestamp> parse_since(std::string_view text,
                                    std::chrono::system_clock::time_point now) {
  const auto bad = [text](std::string_view why) {
    return fail(ErrorKind::usage, "bad_time", "",
                fmt::format("--since {}: {}; give a time such as 2026-11-26T10:00:00Z (XEP-0082) "
                            "or a duration ago: 90s, 30m, 2h, 7d",
                            escape_terminal(text), why));
  };
  if (text.empty()) return bad("empty");
  if (text.find('T') != std::string_view::npos || text.find('-') != std::string_view::npos) {
    auto stamp = time::parse_datetime(text);
    if (!stamp) return bad("not an XEP-0082 date and time");
    return *stamp;
  }
  const char unit = text.back();
  std::int64_t scale = 0;
  switch (unit) {
  case 's': scale = 1; break;
  case 'm': scale = 60; break;
  case 'h': scale = 3600; break;
  case 'd': scale = 86400; break;
  default: return bad("not a time or a duration (the unit is s, m, h or d)");
  }
  const auto digits = text.substr(0, text.size() - 1);
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(),
                                     [](char c) { return c >= '0' && c <= '9'; }))
    return bad("a duration is digits and one unit");
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  // A century is more than any archive holds; beyond it the arithmetic could overflow.
  constexpr std::int64_t k_max_seconds = 100LL * 366 * 86400;
  if (ec != std::errc() || ptr != digits.data() + digits.size() || value > k_max_seconds / scale)
    return bad("too long ago");
  const auto at = now - std::chrono::seconds(value * scale);
  return std::chrono::time_point_cast<std::chrono::microseconds>(at);
}

Result<Jid> parse_room(std::string_view text) {
  auto jid = Jid::parse(text);
  if (!jid) return fail(jid.error().with_context("ROOM"));
  if (!jid->has_local() || !jid->is_bare())
    return fail(ErrorKind::usage, "bad_jid", "",
                fmt::format("{}: a room is a bare JID, room@service", escape_terminal(text)));
  return *jid;
}

Result<Jid> parse_service(std::string_view text) {
  auto jid = Jid::parse(text);
  if (!jid) return fail(jid.error().with_context("SERVICE"));
  if (jid->has_local() || !jid->is_bare())
    return fail(ErrorKind::usage, "bad_jid", "",
                fmt::format("{}: a MUC service is a domain such as conference.example.org",
                            escape_terminal(text)));
  return *jid;
}

}  // namespace xmpp::cli
