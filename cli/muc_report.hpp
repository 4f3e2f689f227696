// What `xmpp muc` prints for the subcommands every occupant uses (CLI.md "muc"; XEP-0045 v1.35
// §6.3-§6.4 rooms and their info, §7.2 joining, §7.2.15 and §8.1 the subject; XEP-0313 v1.1.3
// the room archive): list, info, occupants, subject and history as one report each, and the
// events `join` prints as they come (one human line or one NDJSON object each). The JSON keys
// below are part of the contract (xmpp-muc(1) OUTPUT). Every remote string printed for people
// goes through escape_terminal (SECURITY.md row 51); origin rules are those of row 53.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "listen_message.hpp"
#include "output.hpp"
#include "xep/mam/mam.hpp"
#include "xep/muc/admin.hpp"
#include "xep/muc/admin_ops.hpp"
#include "xep/muc/muc.hpp"
#include "xep/muc/muc_ops.hpp"
#include "xep/time/time.hpp"
#include "xml/element.hpp"

namespace xmpp::cli {

// ---- pieces shared by several reports -----------------------------------------------------------

/// FLAGS: {"members_only","moderated","password_protected","persistent","public","non_anonymous"},
/// each true, false or null (the room announces neither feature of the pair, XEP-0045 §6.4).
nlohmann::ordered_json room_flags_json(const muc::RoomInfo& info);
/// The flags the room announces, for people: "members-only" or "open", "moderated" or
/// "unmoderated", "password-protected" or "unsecured", "persistent" or "temporary", "public" or
/// "hidden", "non-anonymous" or "semi-anonymous"; unknown ones are left out.
std::vector<std::string> room_flags_human(const muc::RoomInfo& info);

/// OCCUPANT: {"nick","role","affiliation","jid","show","status","self"}: role and affiliation as
/// XEP-0045 §5 spells them, "jid" the real JID where the room shows it; what the room left out is
/// null; "self" is true for us.
nlohmann::ordered_json occupant_json(const muc::Occupant& occupant);

/// SUBJECT: {"text","set_by","from_room"}: "text" "" = no subject; "set_by" the nick of the
/// occupant whose JID the subject came from (null when it came from the room's bare JID);
/// "from_room" true when it came from the room's bare JID (SECURITY.md row 53: only that origin
/// passes the strict rule; Prosody sends it from the setter's occupant JID, which §8.1 allows).
nlohmann::ordered_json subject_json(const muc::RoomSubject& subject);

// ---- reports ------------------------------------------------------------------------------------

/// `muc list [SERVICE]`: {"service","rooms":[ROOM...],"count","truncated","skipped"}.
/// ROOM: {"jid","name","occupants","description","flags":FLAGS|null,"error":ERROR|null}: "name"
/// the service's item name, else the room's own name; "occupants" the count the room gives in its
/// muc#roominfo form (null when it does not say: never guessed from a name); "flags" null when the
/// room's info was not answered, "error" then says why ({"code","condition","message"}).
/// "count": the XEP-0059 count the service announced (null when none); "truncated": paging stopped
/// before the service said the list ended; "skipped": items without a usable JID.
struct MucListReport : Report {
  muc::RoomList list;
  nlohmann::ordered_json to_json() const override;
  /// One line per room: `jid  "name"  N occupants  flags` (or the info error), "(no rooms)".
  void print_human(std::ostream& out) const override;
};

/// `muc info ROOM`: {"room","is_room","name","description","subject","occupants","language",
/// "logs","contacts":[JID...],"subject_changeable","flags":FLAGS,"features":[VAR...],
/// "form":{"VAR":[values]}}: the room's disco#info (XEP-0045 §6.4) with its muc#roominfo form
/// (XEP-0128); "form" holds every field of that form. Absent values are null.
struct MucInfoReport : Report {
  muc::RoomInfo info;
  nlohmann::ordered_json to_json() const override;
  /// "room:", "name:", ..., "flags:", "features:", then "form:" with one "  VAR: values" line each.
  void print_human(std::ostream& out) const override;
};

/// `muc occupants ROOM`: {"room","nick","occupants":[OCCUPANT...],"subject":SUBJECT|null}: "nick"
/// is ours (as the room confirmed it); the occupants in the room's order, us included ("self").
struct MucOccupantsReport : Report {
  Jid room;
  std::string nick;
  std::vector<muc::Occupant> occupants;
  std::optional<muc::RoomSubject> subject;
  nlohmann::ordered_json to_json() const override;
  /// Aligned columns: nick, role, affiliation, real JID (or "-"), "(you)"; then "N occupants".
  void print_human(std::ostream& out) const override;
};

/// `muc subject ROOM [TEXT]`: {"room","subject":SUBJECT|null,"changed"}: without TEXT the subject
/// the room sent while we were in it (null when it sent none in time), "changed" false; with TEXT
/// the subject as we set it ("set_by" our nick, "from_room" false), "changed" true.
struct MucSubjectReport : Report {
  Jid room;
  std::optional<muc::RoomSubject> subject;
  bool changed = false;
  nlohmann::ordered_json to_json() const override;
  /// The subject text and "(set by NICK)", "(no subject)", or "subject of ROOM set" / "cleared".
  void print_human(std::ostream& out) const override;
};

/// `muc history ROOM`: {"room","messages":[MESSAGE...],"complete","count"}. MESSAGE:
/// {"id","stamp","from","nick","body","subject"}: "id" the archive's id of the message, "stamp"
/// when the room archived it (XEP-0082 UTC, null when the archive gave none), "from" the sender's
/// occupant JID and "nick" its resource, "body" and "subject" the message's (null when absent, and
/// both null for a message the archive withheld, XEP-0313 §3.2). Oldest first. "complete": the
/// read reached the oldest message matching --since (false when --max cut it short); "count":
/// how many messages match in all, when the archive says (null otherwise).
struct MucHistoryReport : Report {
  Jid room;
  std::vector<mam::ArchivedMessage> messages;
  bool complete = false;
  std::optional<std::size_t> count;
  nlohmann::ordered_json to_json() const override;
  /// "[STAMP] NICK: BODY" per message (further lines of the body indented by four spaces; a
  /// subject change as "NICK set the subject: S"), "(no messages)" when there are none.
  void print_human(std::ostream& out) const override;
};

// ---- `muc join`: the events ---------------------------------------------------------------------

/// The first event: {"kind":"joined","room","nick","occupant","created","status_codes":[N...]}.
/// "nick" is the nick the room confirmed (another than asked with --nick-fallback or when the room
/// assigned one, status 210); "created": our join created the room (status 201); "status_codes"
/// those of our self-presence (100 non-anonymous: everyone sees our JID; 170 logged; ...).
struct JoinedEvent {
  muc::Joined joined;
};
nlohmann::ordered_json to_json(const JoinedEvent& event);
/// "joined ROOM as NICK" and, in parentheses, "new room", "non-anonymous: everyone sees your JID",
/// "logged".
std::string human_line(const JoinedEvent& event);

/// What happened to an occupant (from the room's presence, XEP-0045 §7.2.2-§7.2.4, §7.6, §7.14,
/// §8.2, §9.1, §10.9).
enum class OccupantChange {
  present,   ///< already in the room when we joined (the presences before our self-presence)
  joined,    ///< came in after us
  changed,   ///< new presence of an occupant: show/status, role or affiliation
  left,      ///< left (or was removed for another reason: 321, 322, 332)
  renamed,   ///< changed nick (303): "new_nick"
  kicked,    ///< 307
  banned,    ///< 301
  destroyed  ///< the room was destroyed (§10.9): "reason", "alternate"
};
std::string_view to_string(OccupantChange change);

/// {"kind":"occupant","event","room", the OCCUPANT keys ("nick","role","affiliation","jid","show",
/// "status","self"), "new_nick","reason","alternate","status_codes":[N...]}: "event" one of present,
/// joined, changed, left, renamed, kicked, banned, destroyed; "new_nick" (renamed), "reason"
/// (kicked, banned, destroyed, left with a reason) and "alternate" (destroyed: the room to go to)
/// are null otherwise. The occupant fields are those of the presence (for left and the like: the
/// last ones the room gave).
struct OccupantEvent {
  Jid room;
  OccupantChange change = OccupantChange::present;
  muc::Occupant occupant;
  std::optional<std::string> new_nick, reason;
  std::optional<Jid> alternate;
  std::vector<int> status_codes;
};
nlohmann::ordered_json to_json(const OccupantEvent& event);
/// "[CLOCK] ROOM: NICK is here (ROLE, AFFILIATION, JID)", "... joined (...)", "... changed (...)",
/// "... left", "... is now NEW", "... was kicked: REASON", "... was banned: REASON", "ROOM was
/// destroyed: REASON (go to ALT)"; "NICK (you)" for us; show and status follow the parentheses.
std::string human_line(const OccupantEvent& event, std::string_view clock);

/// {"kind":"subject","room", the SUBJECT keys ("text","set_by","from_room")}: the subject the room
/// sends at the end of the join (§7.2.15) and every later change (§8.1).
struct SubjectEvent {
  Jid room;
  muc::RoomSubject subject;
};
nlohmann::ordered_json to_json(const SubjectEvent& event);
/// "[CLOCK] ROOM subject: TEXT (set by NICK)" or "[CLOCK] ROOM has no subject".
std::string human_line(const SubjectEvent& event, std::string_view clock);

/// Messages are listen's: {"kind":"message",...} (to_json(ListenMessage) in listen_message.hpp),
/// "history" true for discussion history (§7.2.13: stamped by the room), with "room" and "nick".
using JoinEvent = std::variant<OccupantEvent, SubjectEvent, ListenMessage>;
nlohmann::ordered_json to_json(const JoinEvent& event);
std::string human_line(const JoinEvent& event, std::string_view clock);

/// Turns what a room sends into join events (sans-I/O: `muc join` feeds it the stanzas it queued
/// from the session, in order). Only stanzas from the room (its bare JID or an occupant JID) count;
/// anything else is ignored (SECURITY.md row 53: stanzas for rooms we did not join), and so are
/// presence errors and messages with nothing to show.
class JoinTracker {
 public:
  /// `own`: our bound JID; `joined`: what muc::join confirmed.
  JoinTracker(Jid own, muc::Joined joined);

  /// The event `stanza` makes, if any.
  std::optional<JoinEvent> apply(const xml::Element& stanza);

  /// True once the room has sent its subject after our self-presence (§7.2.15: the end of the
  /// join burst).
  bool burst_over() const { return m_burst_over; }
  /// Set when our own occupant was removed (kicked, banned, the room destroyed, removed as a
  /// non-member, 321/322/332): kind remote, code "removed_from_room", condition empty.
  const std::optional<Error>& removed() const { return m_removed; }
  /// Our occupant JID, following our own nick changes (303).
  const Jid& occupant() const { return m_joined.occupant; }

 private:
  std::optional<JoinEvent> apply_presence(const xml::Element& presence);
  std::optional<JoinEvent> apply_message(const xml::Element& message);

  ListenScope m_scope;
  muc::Joined m_joined;
  muc::OccupantTable m_table;
  bool m_self_seen = false;
  bool m_burst_over = false;
  std::optional<Error> m_removed;
};

// ---- arguments ----------------------------------------------------------------------------------

/// --since TIME of `muc history`: an XEP-0082 dateTime ("2026-11-26T10:00:00Z", any offset) or a
/// duration before `now`: digits and one unit, s, m, h or d ("90s", "30m", "2h", "7d"). Errors:
/// kind usage, code "bad_time", naming the accepted forms.
Result<time::Timestamp> parse_since(std::string_view text, std::chrono::system_clock::time_point now);

/// ROOM: a bare JID with a localpart (room@service). Errors: kind usage, code "bad_jid".
Result<Jid> parse_room(std::string_view text);
/// SERVICE of `muc list`: a JID with neither localpart nor resource. Errors: usage "bad_jid".
Result<Jid> parse_service(std::string_view text);

}  // namespace xmpp::cli
