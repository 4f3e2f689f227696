// XEP-0045 Multi-User Chat (version 1.35) administration codecs: affiliation and role lists and
// changes over muc#admin (§8.2-§8.5, §9.1-§9.8, §10.3-§10.8), room destruction (§10.9), the
// subject change (§8.1), mediated invitations (§7.8.2) and XEP-0249 Direct MUC Invitations
// (version 1.2), room information (§6.4) and the occupant table built from presence (§7.2.2,
// §7.14). No I/O: the operations are in admin_ops.hpp.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "xep/disco/disco.hpp"
#include "xep/muc/muc.hpp"
#include "xml/element.hpp"

namespace xmpp::muc {

/// XEP-0249 direct invitations.
inline constexpr std::string_view k_ns_conference = "jabber:x:conference";
/// The FORM_TYPE of the room information form a room adds to its disco#info (§6.4, §15.5.4).
inline constexpr std::string_view k_form_roominfo = "http://jabber.org/protocol/muc#roominfo";

// ---- affiliation and role lists and changes (muc#admin) ------------------------------------

/// One affiliation change (§9.1 ban, §9.3/§9.4 membership, §10.3/§10.4 owner, §10.6/§10.7 admin;
/// several at once as in §9.2, §9.5, §10.5, §10.8). Affiliations belong to bare JIDs (or, for a
/// ban, a whole domain); `Affiliation::none` removes the JID from every list.
struct AffiliationChange {
  Jid jid;
  Affiliation affiliation = Affiliation::none;
  std::optional<std::string> nick;  ///< the reserved nick to go with it (§9.3, example 120)
  std::optional<std::string> reason;
};

/// One role change of an occupant, by nick (§8.2 kick = Role::none, §8.3/§8.4 voice,
/// §9.6/§9.7 moderator; several at once as in §8.5 and §9.8).
struct RoleChange {
  std::string nick;
  Role role = Role::none;
  std::optional<std::string> reason;
};

/// `<iq type='get' to=ROOM><query xmlns='...#admin'><item affiliation=A/></query></iq>`: the list
/// of one affiliation (§9.2 outcast, §9.5 member, §10.5 owner, §10.8 admin). An empty `id` is left
/// to Session::request.
xml::Element make_affiliation_list_request(const Jid& room, Affiliation affiliation,
                                           std::string id = {});
/// `<iq type='get' to=ROOM><query xmlns='...#admin'><item role=R/></query></iq>`: the occupants
/// with one role (§8.5 voice list = participant, §9.8 moderator list = moderator).
xml::Element make_role_list_request(const Jid& room, Role role, std::string id = {});

/// `<iq type='set' to=ROOM><query xmlns='...#admin'>` with one `<item affiliation= jid= [nick=]>
/// [<reason/>]</item>` per change, in order. Callers check texts with xml::is_xml_text.
xml::Element make_affiliation_request(const Jid& room,
                                      const std::vector<AffiliationChange>& changes,
                                      std::string id = {});
/// `<iq type='set' to=ROOM><query xmlns='...#admin'>` with one `<item nick= role=>[<reason/>]
/// </item>` per change, in order.
xml::Element make_role_request(const Jid& room, const std::vector<RoleChange>& changes,
                               std::string id = {});

/// The <item/>s of the muc#admin <query/> of `iq` (a list result, or a request), in order; values
/// that do not parse are left out of each Item as muc::parse_user_x does. Errors: kind protocol,
/// code "bad_reply", when there is no muc#admin <query/>.
Result<std::vector<Item>> parse_admin_items(const xml::Element& iq);

// ---- destroying a room (§10.9) -------------------------------------------------------------

/// What an owner asks for when destroying a room; every part is optional.
struct DestroyRequest {
  std::optional<std::string> reason;
  std::optional<Jid> alternate;         ///< a room to go to instead
  std::optional<std::string> password;  ///< the alternate room's password
  bool operator==(const DestroyRequest&) const = default;
};

/// `<iq type='set' to=ROOM><query xmlns='...#owner'><destroy [jid=ALT]>[<reason/>][<password/>]
/// </destroy></query></iq>` (§10.9, example 201).
xml::Element make_destroy_request(const Jid& room, const DestroyRequest& request,
                                  std::string id = {});
/// The <destroy/> of a muc#owner query (for responders and tests); nullopt when there is none.
std::optional<DestroyRequest> parse_destroy_request(const xml::Element& iq);

// ---- the subject (§8.1) --------------------------------------------------------------------

/// `<message to=ROOM type='groupchat' [id=ID]><subject>TEXT</subject></message>`; an empty `text`
/// clears the subject (`<subject/>`, example 88). No <body/>: §8.1 says a subject with a body is
/// not a subject change.
xml::Element make_subject_message(const Jid& room, const std::string& text, std::string id = {});

/// True when `message` is the room reflecting a subject change that we made: a groupchat from
/// the room's bare JID or from `our_occupant` (Prosody reflects it from the changer's occupant
/// JID, which §8.1 allows), with a <subject/> equal to `text` and neither <body/> nor <thread/>.
/// A subject from any other occupant, or from another room, is not ours (SECURITY.md row 53).
bool is_own_subject_reflection(const xml::Element& message, const Jid& our_occupant,
                               std::string_view text);

/// The room's current subject as a subject message shows it (§7.2.15, §8.1).
struct RoomSubject {
  std::string text;  ///< "" = no subject
  Jid from;          ///< the room's bare JID, or the occupant JID of whoever set it
  /// True when it came from the room's bare JID: only such a subject passes the strict origin
  /// rule of SECURITY.md row 53 (muc::room_subject). Prosody sends it from the setter's occupant
  /// JID, which §7.2.15 and §8.1 allow and which only the room can send from on a service that
  /// refuses private groupchat messages (§7.5).
  bool from_room_itself = false;
  bool operator==(const RoomSubject&) const = default;
};

/// The subject of a groupchat message from `room` (its bare JID or one of its occupant JIDs) with
/// a <subject/> and neither <body/> nor <thread/> (§8.1); nullopt for anything else.
std::optional<RoomSubject> read_subject(const xml::Element& message, const Jid& room);

// ---- invitations (§7.8, XEP-0249) ----------------------------------------------------------

/// How an invitation travels.
enum class InvitationKind {
  mediated,  ///< through the room (§7.8.2): the room checks the inviter and may add the password
  direct,    ///< straight to the invitee (XEP-0249)
};

std::string_view to_string(InvitationKind kind);

/// An invitation we received (parse_invitation), or the optional parts of one we send.
struct Invitation {
  InvitationKind kind = InvitationKind::direct;
  Jid room;                 ///< the room's bare JID
  std::optional<Jid> from;  ///< who invites: <invite from=> (mediated) or the message's sender
  std::optional<std::string> reason;
  std::optional<std::string> password;
  bool continues = false;             ///< it continues a one-to-one chat (§7.9, XEP-0249 §2)
  std::optional<std::string> thread;  ///< that chat's thread
  bool operator==(const Invitation&) const = default;
};

/// §7.8.2: `<message to=ROOM [id=ID]><x xmlns='...#user'>` with one `<invite to=JID>[<reason/>]
/// [<continue [thread=]/>]</invite>` per invitee (several at once, example 63). No type
/// attribute: the message is implicitly "normal" as §7.8.2 requires. `invitation.password` is not
/// sent (the room adds its own); `invitation.room` is the addressee.
xml::Element make_mediated_invitation(const Invitation& invitation,
                                      const std::vector<Jid>& invitees, std::string id = {});
/// XEP-0249 §2: `<message to=INVITEE [id=ID]><x xmlns='jabber:x:conference' jid=ROOM [password=]
/// [reason=] [continue='true' [thread=]]/></message>`, the <x/> being the only child.
xml::Element make_direct_invitation(const Invitation& invitation, const Jid& invitee,
                                    std::string id = {});

/// Reads an invitation from a message we received, either kind; nullopt when there is none or it
/// breaks the origin rule (SECURITY.md row 53):
/// - mediated: a muc#user <invite from=INVITER/> is only believed from a room's bare JID (§7.8.2:
///   the room itself sends it); from an occupant JID or a user's JID it is ignored, and so is a
///   jabber:x:conference <x/> in the same message (a legacy copy some rooms add, §7.8.2 note).
/// - direct: a jabber:x:conference <x/> whose 'jid' is a room address (bare, with a localpart);
///   `from` is the sender.
/// Error messages are never invitations. Whether to act on an invitation from this sender is the
/// caller's policy (`--accept-invites-from`).
std::optional<Invitation> parse_invitation(const xml::Element& message);

// ---- room information (§6.3, §6.4) ---------------------------------------------------------

/// What a room says about itself in disco#info: its identity name, its muc_* features (§6.4,
/// registry §16.2), and the muc#roominfo form (§15.5.4). Each flag is nullopt when the room
/// announces neither of the two features that decide it.
struct RoomInfo {
  Jid room;
  bool is_room = false;  ///< identity conference/text or the MUC feature: it is a MUC room
  std::optional<std::string> name;    ///< the conference identity's name
  std::vector<std::string> features;  ///< every feature, as announced

  std::optional<bool> members_only;        ///< muc_membersonly / muc_open
  std::optional<bool> moderated;           ///< muc_moderated / muc_unmoderated
  std::optional<bool> password_protected;  ///< muc_passwordprotected / muc_unsecured
  std::optional<bool> persistent;          ///< muc_persistent / muc_temporary
  std::optional<bool> is_public;           ///< muc_public / muc_hidden (listed in disco#items)
  /// muc_nonanonymous: everyone sees real JIDs; muc_semianonymous: only moderators do.
  std::optional<bool> non_anonymous;

  // muc#roominfo (§6.4 example 10), when the room sends the form:
  std::optional<std::string> description;  ///< muc#roominfo_description
  std::optional<std::string> subject;      ///< muc#roominfo_subject
  std::optional<std::size_t> occupants;    ///< muc#roominfo_occupants
  std::optional<std::string> language;     ///< muc#roominfo_lang
  std::optional<std::string> logs;         ///< muc#roominfo_logs (a URL)
  std::vector<std::string> contacts;       ///< muc#roominfo_contactjid (every value)
  std::optional<bool>
      subject_changeable;  ///< muc#roominfo_subjectmod or muc#roomconfig_changesubject
  /// Every field of the muc#roominfo form by var, values in order (what the named members above do
  /// not cover: muc#roominfo_ldapgroup, muc#maxhistoryfetch, muc#roomconfig_pubsub, ...).
  std::map<std::string, std::vector<std::string>> form;
};

/// Reads `info` (the disco#info of `room`) into a RoomInfo. Pure: the unit tests feed it §6.4's
/// examples 9 and 10.
RoomInfo room_info_from_disco(const Jid& room, const disco::DiscoInfo& info);

/// One room of a service's disco#items (§6.3).
struct RoomListEntry {
  Jid jid;
  /// The room's name: from its disco#info identity when the info was asked for and names it,
  /// else the item's name as the service gave it (ejabberd's items say "Name (N)").
  std::optional<std::string> name;
  /// The occupant count, from the room's muc#roominfo_occupants (only when the list was made
  /// with the rooms' info). Never guessed from the item name: "(3)" in a name is not a count.
  std::optional<std::size_t> occupants;
  std::optional<RoomInfo> info;     ///< the room's info, when asked for and answered
  std::optional<Error> info_error;  ///< the info was asked for and failed
};

// ---- occupants (§7.2.2, §7.14) -------------------------------------------------------------

/// An occupant as the room's presence shows it.
struct Occupant {
  std::string nick;
  Jid occupant_jid;  ///< room@service/nick
  std::optional<Affiliation> affiliation;
  std::optional<Role> role;
  std::optional<Jid> jid;  ///< the real JID, where the room shows it (non-anonymous, moderators)
  std::optional<std::string> show;    ///< <show/> (away, chat, dnd, xa); nullopt = available
  std::optional<std::string> status;  ///< <status/> text
  bool self = false;                  ///< this is us (filled in by whoever knows our nick)
  bool operator==(const Occupant&) const = default;
};

/// The occupants of one room, kept from the presences the room sends (sans-I/O: OccupantList in
/// admin_ops.hpp feeds it from the session). Only presence from an occupant JID of this room
/// counts (SECURITY.md row 53); available presence adds or updates the nick, unavailable presence
/// removes it (a nick change, 303, is a removal followed by the new nick's presence, §7.6).
class OccupantTable {
 public:
  explicit OccupantTable(Jid room) : m_room(room.bare()) {}

  /// Applies `presence`; true when it was an occupant presence of this room (and changed the
  /// table), false when it was ignored (another room, the bare room JID, an error, no presence).
  bool apply(const xml::Element& presence);
  /// The occupants in the order the room first announced them.
  const std::vector<Occupant>& occupants() const { return m_occupants; }
  const Jid& room() const { return m_room; }

 private:
  Jid m_room;
  std::vector<Occupant> m_occupants;
};

}  // namespace xmpp::muc
