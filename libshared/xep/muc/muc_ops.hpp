// XEP-0045 Multi-User Chat (version 1.35) over a session: entering a room (§7.2) and leaving it
// (§7.14), as `send --muc` and `listen --muc` need them. Room administration is issue 6.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "net/asio.hpp"
#include "stream/session.hpp"

namespace xmpp::muc {

struct JoinOptions {
  std::string nick;                     ///< the nick we ask for (resourceprep'd by the caller)
  std::optional<std::string> password;  ///< room password (§7.2.5)
  /// Discussion history to ask for (§7.2.14): nullopt = the room's default, 0 = none.
  std::optional<int> history_stanzas;
  /// On <conflict/> (§7.2.8), try NICK_2, NICK_3, ... up to this many more times; 0 = fail.
  int nick_retries = 0;
  /// When the room did not exist (status 201, §10.1.1): false = leave at once (the room is then
  /// destroyed) and fail with item-not-found "room ... does not exist"; true = accept the default
  /// configuration (instant room, §10.1.2) and stay.
  bool allow_create = false;
  /// With allow_create, when the join created the room: true = accept the default configuration
  /// at once (instant room, §10.1.2); false = return with the room still locked (Joined::created
  /// set), for the caller to configure (§10.1.3-§10.1.4) or cancel (§10.1.6) it.
  bool instant_room = true;
  std::chrono::milliseconds timeout{15000};
};

/// A room we are in.
struct Joined {
  Jid room;      ///< the room's bare JID
  Jid occupant;  ///< room@service/nick: our occupant JID as the room confirmed it (status 110)
  bool created = false;           ///< status 201: the join created the room
  std::vector<int> status_codes;  ///< of our self-presence (100 non-anonymous, 170 logged, ...)
  std::optional<std::string> subject;  ///< the room subject if it arrived during the join
                                       ///< (from the room's bare JID only, SECURITY.md row 53)
};

/// Sends the join presence (<x xmlns='http://jabber.org/protocol/muc'/> with password and history)
/// and waits for OUR self-presence: from room/nick with status 110 (SECURITY.md row 53: a 110 on
/// any other occupant JID is ignored, unless it also carries 210, the room saying it gave us that
/// nick, §7.2.2). An error presence from the room fails with its condition
/// (kind remote: not-authorized = password required or wrong, registration-required = members
/// only, forbidden = banned, conflict = nick taken, service-unavailable = room full, ...), with a
/// message a person understands (muc::join_error). No answer within the timeout (one deadline
/// for all nick retries): kind temporary, "timeout"; a failed session: its error. An empty nick
/// or one that is no valid resourcepart, or a room JID without localpart: kind usage.
/// Stanzas the room sends right after our self-presence (history, subject, live messages) can be
/// dispatched before this returns: whoever wants them registers a Router handler BEFORE joining.
awaitable<Result<Joined>> join(stream::Session& session, const Jid& room, JoinOptions options);

/// Sends unavailable presence to our occupant JID and waits (up to `timeout`) for the room's
/// unavailable self-presence (status 110). A missing answer is not an error for a leave that is
/// followed by closing the stream (the server leaves for us, RFC 6121 §4.6 / XEP-0045 §7.14):
/// it is kind temporary "timeout", which such callers ignore; a zero `timeout` only sends.
awaitable<Result<void>> leave(stream::Session& session, const Joined& room,
                              std::chrono::milliseconds timeout);

}  // namespace xmpp::muc
