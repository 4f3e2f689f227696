// XEP-0045 Multi-User Chat (version 1.35) room administration over a session, for `xmpp muc`:
// room lists and information (§6.3, §6.4), occupants (§7.2.2), the subject (§8.1), invitations
// (§7.8.2, XEP-0249 version 1.2), roles (§8.2-§8.5, §9.6-§9.8), affiliations (§9.1-§9.5,
// §10.3-§10.8) and destruction (§10.9). Room creation and configuration forms are elsewhere.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "net/asio.hpp"
#include "stream/router.hpp"
#include "stream/session.hpp"
#include "xep/muc/admin.hpp"
#include "xep/muc/muc.hpp"
#include "xep/muc/muc_ops.hpp"

namespace xmpp::muc {

// Errors of every operation below: a room address without localpart or with a resource, an
// empty nick, a text that cannot be XML, or a list that cannot exist: kind usage, nothing sent.
// A stanza error from the room: kind remote, code "stanza_error", the condition kept, and a
// message a person understands, e.g. "room r@svc: you are not an owner (forbidden)" or
// "room r@svc does not exist (item-not-found)" (the room's <text/> follows the condition). No
// answer within `timeout`: kind temporary "timeout"; a failed session: its error.

/// The list of one affiliation (§9.2 outcast, §9.5 member, §10.5 owner, §10.8 admin): the JIDs
/// (with nick and reason where the room gives them). Affiliation::none is no list (usage).
awaitable<Result<std::vector<Item>>> affiliations(stream::Session& session, const Jid& room,
                                                  Affiliation affiliation,
                                                  std::chrono::milliseconds timeout);

/// The occupants with one role (§8.5 voice list = participant, §9.8 moderator list = moderator);
/// visitor and none are no lists (usage).
awaitable<Result<std::vector<Item>>> roles(stream::Session& session, const Jid& room, Role role,
                                           std::chrono::milliseconds timeout);

/// Changes affiliations, one request per change in order, stopping at the first refusal, whose
/// error then says how many changes were made before it. §9.2 and §9.5 allow several items in one
/// request, but Prosody 0.12 applies only the first and answers success for all. Each JID must
/// be bare (a domain JID bans a whole server); an empty list is usage.
awaitable<Result<void>> set_affiliations(stream::Session& session, const Jid& room,
                                         std::vector<AffiliationChange> changes,
                                         std::chrono::milliseconds timeout);

/// Changes roles by nick (§8.5, §9.8), one request per change as set_affiliations does.
awaitable<Result<void>> set_roles(stream::Session& session, const Jid& room,
                                  std::vector<RoleChange> changes,
                                  std::chrono::milliseconds timeout);

/// One role change: Role::none kicks (§8.2), participant/visitor grants/revokes voice (§8.3,
/// §8.4), moderator/participant grants/revokes moderator status (§9.6, §9.7).
awaitable<Result<void>> set_role(stream::Session& session, const Jid& room, std::string nick,
                                 Role role, std::optional<std::string> reason,
                                 std::chrono::milliseconds timeout);

/// Destroys the room (§10.9); success is the room's iq result.
awaitable<Result<void>> destroy(stream::Session& session, const Jid& room, DestroyRequest request,
                                std::chrono::milliseconds timeout);

/// Sets the subject of a room we are in ("" clears it) and waits until the room reflects it: a
/// groupchat with that <subject/> from the room's bare JID or from our own occupant JID
/// (is_own_subject_reflection; a subject from another occupant or room does not count). A message
/// error from the room answering ours (same id) fails: forbidden = "you may not change the
/// subject". The room also reflects the change to every other occupant: callers that listen see it
/// as muc::room_subject only when it comes from the room's bare JID.
awaitable<Result<void>> set_subject(stream::Session& session, const Joined& joined,
                                    std::string text, std::chrono::milliseconds timeout);

/// Joins `room`, sets its subject to `text` unless the room already shows exactly that subject
/// as set by us (Prosody 0.12 reflects nothing for a change that changes nothing, so waiting for
/// it would time out), and leaves. `options.timeout` bounds the join, the change and the leave.
/// Errors: those of muc::join and set_subject.
awaitable<Result<void>> set_room_subject(stream::Session& session, const Jid& room,
                                         JoinOptions options, std::string text);

/// Invites `invitees` to `invitation.room`: mediated (one message to the room with one <invite/>
/// each, §7.8.2; the room adds its password itself, so `invitation.password` is not sent) or
/// direct (one XEP-0249 message to each invitee, with `invitation.password`). Neither has a reply:
/// success means the server took the messages (Session::flush within `timeout`). A room's later
/// error to a mediated invitation (§9.5 example 135: a mere member in a members-only room) is not
/// waited for. No invitees is usage.
awaitable<Result<void>> invite(stream::Session& session, Invitation invitation,
                               std::vector<Jid> invitees, std::chrono::milliseconds timeout);

/// The room's disco#info read into a RoomInfo (§6.4). A reply that is no room (no conference
/// identity, no MUC feature) is still returned, with is_room false: the caller decides.
awaitable<Result<RoomInfo>> room_info(stream::Session& session, const Jid& room,
                                      std::chrono::milliseconds timeout);

struct ListOptions {
  /// Also ask each room for its disco#info (names, flags, occupant count). Without it the
  /// occupant counts stay unknown: they are never parsed out of item names.
  bool with_info = false;
  std::size_t concurrency = 8;               ///< info queries in flight at most (at least 1)
  std::chrono::milliseconds timeout{15000};  ///< per request
};

/// The rooms of a MUC service (§6.3).
struct RoomList {
  Jid service;
  std::vector<RoomListEntry> rooms;  ///< in the service's order, each JID once
  std::size_t skipped = 0;           ///< items without a usable JID
  std::optional<std::size_t> count;  ///< the XEP-0059 <count/> the service announced, if any
  bool truncated = false;            ///< paging stopped before the service said the list ended
};

/// Lists the rooms of `service` through every XEP-0059 page (disco::items_all); with
/// `options.with_info`, asks each room for its info (at most `concurrency` at once); a room whose
/// info fails keeps its entry with info_error. Errors: those of the items query, with the context
/// "disco#items to SERVICE"; a service JID with a localpart or resource is usage.
awaitable<Result<RoomList>> list_rooms(stream::Session& session, const Jid& service,
                                       ListOptions options);

/// Collects the occupants of one room from the session's presence (§7.2.2: the room sends every
/// occupant's presence before our self-presence), and the room's latest subject message
/// (§7.2.15: it follows our self-presence and the history), from the moment it is constructed
/// until it is destroyed or stop() is called. Construct it BEFORE muc::join so that nothing is
/// missed:
///
///     muc::OccupantList list(session, room);
///     auto joined = co_await muc::join(session, room, options);
///     auto who = list.occupants(*joined);  // everyone, ourselves marked self
class OccupantList {
 public:
  OccupantList(stream::Session& session, const Jid& room);
  OccupantList(const OccupantList&) = delete;
  OccupantList& operator=(const OccupantList&) = delete;

  /// The occupants so far, in the room's order, with `self` set on `joined.occupant`.
  std::vector<Occupant> occupants(const Joined& joined) const;
  /// The occupants so far, nobody marked self.
  const std::vector<Occupant>& occupants() const { return m_table.occupants(); }
  /// The latest subject message from the room (read_subject), if one came.
  const std::optional<RoomSubject>& subject() const { return m_subject; }
  /// Waits until a subject message has come (at once if one has), at most `timeout`: §7.2.15 has
  /// the room send the subject, empty or not, right after our self-presence and the history, but
  /// it can still be on its way when muc::join returns. False when none came (or the session
  /// failed, which the next operation reports).
  awaitable<bool> wait_subject(stream::Session& session, std::chrono::milliseconds timeout);
  /// Stops listening (the list keeps what it has).
  void stop() {
    m_presence.reset();
    m_message.reset();
  }

 private:
  OccupantTable m_table;
  std::optional<RoomSubject> m_subject;
  // After what they fill: unregistered before it goes.
  stream::Subscription m_presence;
  stream::Subscription m_message;
};

/// What occupants() saw.
struct RoomOccupants {
  Joined joined;
  std::vector<Occupant> occupants;  ///< everyone in the room, us included (self)
  /// The subject the room sent while we were in it (from its bare JID or an occupant JID; see
  /// RoomSubject::from_room_itself). Nullopt when it sent none before we left.
  std::optional<RoomSubject> subject;
};

/// Joins `room` (muc::join with `options`), takes the occupant list at our self-presence, waits
/// for the subject (OccupantList::wait_subject, within `options.timeout`: a room that sends none
/// costs that time, not an error), and leaves again (waiting up to `options.timeout` for the room's
/// confirmation; a missing one is not an error). Errors: those of muc::join.
awaitable<Result<RoomOccupants>> occupants(stream::Session& session, const Jid& room,
                                           JoinOptions options);

}  // namespace xmpp::muc
