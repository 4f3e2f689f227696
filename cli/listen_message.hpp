// What `xmpp listen` prints (CLI.md "listen"): inbound messages and presence judged by the
// stanza-origin rules (SECURITY.md rule 6, rows 36 and 53), decoded into plain structs and
// rendered as one human line or one NDJSON object. Pure: no session, no clock.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "jid/jid.hpp"
#include "xep/carbons/carbons.hpp"
#include "xep/time/time.hpp"
#include "xml/element.hpp"

namespace xmpp::cli {

/// What listen knows when it judges where a stanza may come from.
struct ListenScope {
  Jid own;               ///< our bound full JID
  std::set<Jid> rooms;   ///< bare JIDs of the rooms we joined or are joining (--muc)
  bool carbons = false;  ///< we enabled XEP-0280 carbons (--carbons)
};

/// A stanza error carried by a message or presence of type 'error' (RFC 6120 §8.3).
struct ShownError {
  std::string type;       ///< cancel, modify, auth, wait, continue
  std::string condition;  ///< the defined condition
  std::optional<std::string> text;
};

/// A message ready to print. `from` is the sender as normalised JID text (for a carbon: the
/// forwarded message's sender); `to` is the addressee as written.
struct ListenMessage {
  Jid sender;
  std::string from;
  std::optional<std::string> to;
  std::string type;  ///< chat, normal, headline, groupchat or error (RFC 6121 §5.2.2 defaulting)
  std::optional<std::string> id, body, subject, thread, origin_id;
  std::optional<time::Timestamp> delay;  ///< XEP-0203 stamp
  bool history = false;  ///< room discussion history (groupchat with a delay, XEP-0045 §7.2.15)
  std::optional<carbons::Direction> carbon;
  std::optional<std::string> room, nick;  ///< when the sender is a room we joined / an occupant
  std::optional<std::string> oob_url, oob_desc;  ///< XEP-0066
  std::optional<ShownError> error;
  bool receipt_requested = false;  ///< XEP-0184 <request/> (answered by the caller)
};

/// A presence ready to print (--presence).
struct ListenPresence {
  Jid sender;
  std::string from;
  std::optional<std::string> to;
  std::string type;  ///< available, unavailable, subscribe, ..., error
  std::optional<std::string> show, status;
  std::optional<int> priority;
  std::optional<time::Timestamp> delay;
  std::optional<std::string> room, nick;
  std::optional<ShownError> error;
};

/// Why a stanza is not shown (said on stderr with -v).
struct Ignored {
  std::string reason;
};

/// Judges and decodes an inbound message:
/// - a carbon copy (XEP-0280) is unwrapped only when `scope.carbons` and it comes from our own
///   account (row 36); any other carbon is ignored as a whole, never shown as its outer message;
/// - groupchat only from rooms in `scope.rooms` (row 53); a <subject/> in a groupchat message
///   only from the room's bare JID (an occupant's is dropped, row 53); groupchat with a delay is
///   history;
/// - a message without 'from' is from our own account (RFC 6120 §8.1.2.1); one whose 'from'
///   is no valid JID is ignored;
/// - a message with nothing to show (no body, subject or OOB URL: chat states, receipts,
///   markers) is ignored, except errors.
std::variant<ListenMessage, Ignored> decode_message(const xml::Element& message,
                                                    const ListenScope& scope);

/// Judges and decodes an inbound presence: ignored when 'from' is no valid JID or the type is
/// unknown (RFC 6121 §4.7.1).
std::variant<ListenPresence, Ignored> decode_presence(const xml::Element& presence,
                                                      const ListenScope& scope);

/// {"kind":"message","from","to","type","id","body","subject","thread","delay","history",
///  "carbon","origin_id","room","nick","oob","error"}: absent values are null; "delay" is the
/// XEP-0082 UTC stamp, "carbon" "received"/"sent", "oob" the URL, "error"
/// {"type","condition","text"}.
nlohmann::ordered_json to_json(const ListenMessage& message);
/// {"kind":"presence","from","to","type","show","status","priority","delay","room","nick","error"}.
nlohmann::ordered_json to_json(const ListenPresence& presence);
/// {"kind":"ready","jid":..,"rooms":[..]}: printed with --json once listening (again after a
/// reconnection), so a script knows when to start sending.
nlohmann::ordered_json ready_json(const Jid& jid, const std::set<Jid>& rooms);

/// "[CLOCK] FROM (TAGS): TEXT" and, for more lines of text, each further line indented by four
/// spaces; no trailing newline. Tags: the type when not chat/groupchat, "history STAMP" or
/// "delayed STAMP", "carbon received" / "carbon sent to TO", "subject: S" when a body is also
/// there. TEXT is the body, else the subject, else the error; an OOB URL not already in the body
/// follows on its own indented line. Every remote string goes through escape_terminal.
std::string human_line(const ListenMessage& message, std::string_view clock);
/// "[CLOCK] FROM (presence TYPE[, SHOW][, priority N][, delayed STAMP]): STATUS".
std::string human_line(const ListenPresence& presence, std::string_view clock);

/// "HH:MM:SS" in local time, for human lines.
std::string clock_text(std::chrono::system_clock::time_point now);

}  // namespace xmpp::cli
