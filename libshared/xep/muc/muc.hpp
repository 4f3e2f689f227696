// XEP-0045 Multi-User Chat (version 1.35) codecs: the join and leave presences (§7.2.1, §7.2.5,
// §7.2.14, §7.14), the muc#user extension (§7.2.2, §12 status codes), the instant-room request
// (§10.1.2), refused-join errors (§7.2.17) and the origin rules of SECURITY.md row 53. No I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "jid/jid.hpp"
#include "xml/element.hpp"

namespace xmpp::muc {

inline constexpr std::string_view k_ns = "http://jabber.org/protocol/muc";
inline constexpr std::string_view k_ns_user = "http://jabber.org/protocol/muc#user";
inline constexpr std::string_view k_ns_owner = "http://jabber.org/protocol/muc#owner";
inline constexpr std::string_view k_ns_admin = "http://jabber.org/protocol/muc#admin";
/// XEP-0203 Delayed Delivery: how a room stamps discussion history (§7.2.13).
inline constexpr std::string_view k_ns_delay = "urn:xmpp:delay";
/// XEP-0004 Data Forms: the (empty) instant-room form (§10.1.2).
inline constexpr std::string_view k_ns_data = "jabber:x:data";

// Status codes (§12, registry §16.6) the join and leave paths look at.
inline constexpr int k_status_non_anonymous = 100;  ///< everyone sees our real JID
inline constexpr int k_status_self = 110;           ///< this presence is about us
inline constexpr int k_status_logged = 170;         ///< the room is publicly logged
inline constexpr int k_status_created = 201;        ///< our join created the room
inline constexpr int k_status_nick_assigned = 210;  ///< the room changed the nick we asked for
inline constexpr int k_status_banned = 301;
inline constexpr int k_status_nick_changed = 303;
inline constexpr int k_status_kicked = 307;

/// §5.2 affiliations.
enum class Affiliation { owner, admin, member, outcast, none };
/// §5.1 roles.
enum class Role { moderator, participant, visitor, none };

std::string_view to_string(Affiliation affiliation);
std::string_view to_string(Role role);
std::optional<Affiliation> parse_affiliation(std::string_view text);
std::optional<Role> parse_role(std::string_view text);

/// One <item/> of a muc#user <x/> (§7.2.2, §7.2.3). Unknown affiliation or role values and a
/// 'jid' that is no valid JID are left out (nullopt) rather than failing the whole stanza.
struct Item {
  std::optional<Affiliation> affiliation;
  std::optional<Role> role;
  std::optional<Jid> jid;           ///< the occupant's real JID (non-anonymous rooms, moderators)
  std::optional<std::string> nick;  ///< the new nick (303) or an affiliation list entry's nick
  std::optional<std::string> reason;
};

/// A <destroy/> announcement (§10.9): the room is gone, perhaps with a successor.
struct Destroy {
  std::optional<Jid> alternate;
  std::string reason;
};

/// The muc#user <x/> of a presence or message.
struct UserInfo {
  std::vector<int> status_codes;  ///< in document order; unparsable codes are dropped
  std::vector<Item> items;
  std::optional<Destroy> destroy;

  bool has_status(int code) const;
};

/// Parses the muc#user <x/> child of `stanza`. nullopt when there is none, or when there is more
/// than one: §7.2.2 forbids that, and choosing one of them would let a reflected payload compete
/// with the room's own.
std::optional<UserInfo> parse_user_x(const xml::Element& stanza);

// ---- builders ----------------------------------------------------------------------------------

/// Usage error (code bad_jid) unless `room` is a room address: room@service, no resource.
std::optional<Error> check_room_address(const Jid& room);

/// The join presence to `occupant` (room@service/nick, §7.2.1):
/// `<presence to=OCCUPANT><x xmlns='http://jabber.org/protocol/muc'>[<password/>][<history/>]</x>`.
/// `password` goes in cleartext (§7.2.5). `history_stanzas` (§7.2.14): nullopt or negative = the
/// room's default (no <history/>), 0 = none (maxchars='0', which §7.2.14 requires, and
/// maxstanzas='0'), N = at most N messages (maxstanzas='N'). Callers check `password` with
/// xml::is_xml_text (the writer throws on invalid text).
xml::Element make_join_presence(const Jid& occupant, const std::optional<std::string>& password,
                                std::optional<int> history_stanzas);

/// `<presence to=OCCUPANT type='unavailable'/>` (§7.14).
xml::Element make_leave_presence(const Jid& occupant);

/// The owner's request to accept the default configuration of a room it just created (§10.1.2):
/// `<iq type='set' to=ROOM><query xmlns='...muc#owner'><x xmlns='jabber:x:data' type='submit'/>`.
xml::Element make_instant_room_request(const Jid& room);

/// The owner's cancellation of the initial configuration (§10.1.1 step 5): a compliant service
/// destroys the still-locked room (Prosody only answers it; the room goes when its owner leaves).
xml::Element make_cancel_configuration(const Jid& room);

// ---- origin rules (SECURITY.md row 53) ---------------------------------------------------------

/// True when the stanza's 'from' is the room itself or one of its occupant JIDs (bare part equal
/// to `room`'s). Stanzas from rooms we did not join are ignored by the caller.
bool is_from_room(const xml::Element& stanza, const Jid& room);
/// True when the stanza's 'from' is exactly the room's bare JID: only the room itself speaks
/// from there, while anything from room/nick may carry what an occupant wrote.
bool is_from_room_itself(const xml::Element& stanza, const Jid& room);

/// True for a presence from exactly `our_occupant` (room@service/nick) whose muc#user <x/> has
/// status 110. A 110 on any other occupant JID is not about us (row 53) and gives false.
bool is_self_presence(const xml::Element& presence, const Jid& our_occupant);

/// While joining as `requested` (room@service/nick): the occupant JID the room confirmed when
/// `presence` is our self-presence, else nullopt. That is `requested` itself with status 110, or
/// another nick of the same room with 110 AND 210, the room telling us it assigned that nick
/// (§7.2.2: a service that rewrites nicks MUST say so with 210). Any type (an unavailable
/// self-presence is a refusal the caller handles).
std::optional<Jid> join_self_presence(const xml::Element& presence, const Jid& requested);

/// True for a presence of type 'error' answering a join to `occupant`: from the occupant JID we
/// asked for (as §7.2.5-§7.2.10 show) or from the room's bare JID (§7.2.1, jid-malformed).
bool is_join_error(const xml::Element& presence, const Jid& occupant);

/// True for a subject change (§8.1, §7.2.15): a groupchat message from the room's BARE JID with a
/// <subject/> and neither <body/> nor <thread/>. A <subject/> from room/nick is not a subject
/// change here (row 53), though §7.2.15 and §8.1 allow a room to send it that way.
bool is_room_subject_change(const xml::Element& message, const Jid& room);
/// The <subject/> text of a subject change ("" for a cleared subject), else nullopt.
std::optional<std::string> room_subject(const xml::Element& message, const Jid& room);

/// True for discussion history (§7.2.13): a groupchat message from the room (bare or an occupant
/// JID) carrying a XEP-0203 <delay/> whose 'from' is the room's bare JID. The subject message
/// may carry the room's <delay/> too (§7.2.15): test is_room_subject_change first.
bool is_history(const xml::Element& message, const Jid& room);
/// The 'stamp' of the room's own <delay/> (XEP-0082 DateTime text, unparsed) when is_history.
std::optional<std::string> history_stamp(const xml::Element& message, const Jid& room);

/// Status codes of a message (room notices: 104 configuration changed, 170 logging on, ...),
/// only when it comes from the room's bare JID (row 53); empty otherwise.
std::vector<int> room_status_codes(const xml::Element& message, const Jid& room);

// ---- refused joins ----------------------------------------------------------------------------

/// What a refused join means, for a person (§7.2.17): Error{kind remote, code "stanza_error",
/// condition = the defined condition, message}. Messages: not-authorized "room R needs a
/// password" (or "wrong password for room R" when `gave_password`), registration-required "room R
/// is members-only", forbidden "banned from room R", conflict "nick N is taken in room R",
/// service-unavailable "room R is full or does not accept new occupants", item-not-found "room R
/// does not exist", not-allowed "room R cannot be created here", not-acceptable "room R only
/// accepts your reserved nick", jid-malformed "nick N is not acceptable in room R", gone "room R
/// was destroyed" (Prosody's answer for a destroyed room, with its successor if any); anything else
/// "cannot join room R: CONDITION". The error's <text/>, when present, follows in parentheses.
Error join_error(const xml::Element& error_presence, const Jid& room, std::string_view nick,
                 bool gave_password);

}  // namespace xmpp::muc
