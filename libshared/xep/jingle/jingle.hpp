// XEP-0166 Jingle (version 1.1.2, namespace urn:xmpp:jingle:1): the <jingle/> envelope with its
// action, sid, initiator and responder (§7.1, §7.2), <content/> (§7.3) carrying an application
// <description/>, a <transport/> and a <security/> as opaque elements (the transport specs,
// xep/s5b and xep/ibb, read them), <reason/> (§7.4), builders for the actions a file transfer
// uses, the Jingle error conditions (§10) and the rules of §6 and §7.2 as pure functions: the
// session state machine (§5.1: pending, active, ended), tie-breaks (§7.2.16), unknown-session and
// out-of-order answers, and the defences of SECURITY.md row 50 ('initiator' ignored for 'from',
// a cap on parallel sessions). No I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "stanza/error.hpp"
#include "xml/element.hpp"

namespace xmpp::jingle {

inline constexpr std::string_view k_ns = "urn:xmpp:jingle:1";
/// §10: the Jingle-specific error conditions beside the stanza error condition.
inline constexpr std::string_view k_ns_errors = "urn:xmpp:jingle:errors:1";

/// §7.2: the 15 actions. An unknown action is answered with bad-request (§7.2).
enum class Action {
  content_accept,
  content_add,
  content_modify,
  content_reject,
  content_remove,
  description_info,
  security_info,
  session_accept,
  session_info,
  session_initiate,
  session_terminate,
  transport_accept,
  transport_info,
  transport_reject,
  transport_replace,
};
std::string_view to_string(Action action);
std::optional<Action> parse_action(std::string_view text);

/// The two parties of a session (§7.3 'creator', XEP-0234 §3.1).
enum class Role { initiator, responder };
std::string_view to_string(Role role);
std::optional<Role> parse_role(std::string_view text);
/// The other party.
Role other(Role role);

/// §7.3 'senders': who sends application data for a content.
enum class Senders { both, initiator, none, responder };
std::string_view to_string(Senders senders);
std::optional<Senders> parse_senders(std::string_view text);

/// One <content/> (§7.3). The description, transport and security elements are kept whole: their
/// own specs parse them.
struct Content {
  Role creator = Role::initiator;           ///< REQUIRED
  std::string name;                         ///< REQUIRED, unique per creator
  std::optional<Senders> senders;           ///< nullopt: absent (meaning both, §7.3)
  std::optional<std::string> disposition;   ///< nullopt: absent (meaning "session", §7.3)
  std::optional<xml::Element> description;  ///< the application format
  std::optional<xml::Element> transport;    ///< the transport method
  std::optional<xml::Element> security;     ///< a security precondition (§9)
  /// The effective 'senders' (both when absent).
  Senders effective_senders() const { return senders.value_or(Senders::both); }
  bool operator==(const Content&) const = default;
};

/// §7.4 defined conditions.
enum class ReasonCondition {
  alternative_session,
  busy,
  cancel,
  connectivity_error,
  decline,
  expired,
  failed_application,
  failed_transport,
  general_error,
  gone,
  incompatible_parameters,
  media_error,
  security_error,
  success,
  timeout,
  unsupported_applications,
  unsupported_transports,
};
std::string_view to_string(ReasonCondition condition);
std::optional<ReasonCondition> parse_reason_condition(std::string_view text);

/// A <reason/> (§7.4): condition, optional <text/>, the <sid/> of <alternative-session/>, and an
/// optional element of another namespace (XEP-0234 §9: <file-not-available/>, <file-too-large/>).
struct Reason {
  ReasonCondition condition = ReasonCondition::success;
  std::optional<std::string> text;
  std::optional<std::string> alternative_sid;  ///< only with alternative_session
  std::optional<xml::Element> detail;          ///< the element of another namespace
  bool operator==(const Reason&) const = default;
};

/// A <jingle/> element.
struct Jingle {
  Action action = Action::session_info;
  std::string sid;  ///< REQUIRED (§7.1)
  /// As written; SECURITY.md row 50 and §7.1: never trusted, the session's initiator is the iq's
  /// 'from' (see Incoming::peer).
  std::optional<std::string> initiator;
  std::optional<std::string> responder;  ///< as written; likewise never trusted
  std::vector<Content> contents;
  std::optional<Reason> reason;
  /// Child elements of other namespaces (§6.8: the informational payload of session-info, e.g.
  /// XEP-0234's <received/> and <checksum/>, or a transport's payload).
  std::vector<xml::Element> payloads;
  bool operator==(const Jingle&) const = default;
};

/// The <jingle/> element for `jingle`.
xml::Element to_element(const Jingle& jingle);
/// Reads a <jingle/>. Errors, kind protocol, code "bad_jingle", condition "bad-request" (§7.2:
/// the answer to a malformed request): not a {urn:xmpp:jingle:1}jingle; a missing or unknown
/// 'action' (§7.2); a missing or empty 'sid'; a <content/> without a valid 'creator' or a 'name',
/// or with an unknown 'senders'. A <reason/> whose condition is unknown or missing is read as
/// general-error (a terminate is honoured whatever its reason).
Result<Jingle> parse(const xml::Element& jingle);
/// The rules of §7.2 a well-formed element must also meet for its action. Errors as parse:
/// session-initiate without content, or without one whose disposition is "session" (§7.2.10);
/// session-accept without content, or a content without a description and a transport (§7.2.8);
/// content-add, content-accept, content-reject, content-remove, content-modify, transport-replace,
/// transport-accept, transport-reject without content; content-modify without 'senders'
/// (§7.3).
Result<void> validate(const Jingle& jingle);

/// `<iq type='set' to=TO [id]>JINGLE</iq>`. An empty `id` is left to Session::request.
xml::Element make_iq(const Jid& to, const Jingle& jingle, std::string id = {});

// ---- builders for the actions a file transfer uses ----

/// session-initiate (§6.2) with 'initiator' = our full JID (§7.1: RECOMMENDED).
Jingle make_session_initiate(std::string sid, const Jid& initiator, std::vector<Content> contents);
/// session-accept (§6.5) with 'responder' = our full JID.
Jingle make_session_accept(std::string sid, const Jid& responder, std::vector<Content> contents);
/// session-terminate (§6.7) with a reason.
Jingle make_session_terminate(std::string sid, Reason reason);
/// session-info (§6.8): a payload, or nullopt for the empty "ping".
Jingle make_session_info(std::string sid, std::optional<xml::Element> payload = std::nullopt);
/// An action about contents: content-add/-accept/-reject/-remove, transport-replace/-accept/
/// -reject/-info, description-info. A reason, when given, rides along (§7.4: any action may carry
/// one).
Jingle make_content_action(Action action, std::string sid, std::vector<Content> contents,
                           std::optional<Reason> reason = std::nullopt);
/// A <reason/> with a condition and optional text.
Reason make_reason(ReasonCondition condition, std::optional<std::string> text = std::nullopt);

/// A content that names an existing one and carries only `transport`: what transport-info,
/// transport-replace, transport-accept and transport-reject send (§7.2.12-§7.2.15).
Content transport_content(const Content& existing, xml::Element transport);

// ---- incoming requests (§6.3, §7.1, SECURITY.md row 50) ----

/// A jingle iq-set received from a peer.
struct Incoming {
  Jid from;        ///< the iq's 'from': the peer, whatever 'initiator' or 'responder' say
  std::string id;  ///< the iq's id, for the answer
  Jingle jingle;
};
/// Reads a jingle iq-set. Errors, kind protocol, code "bad_jingle", condition "bad-request":
/// not an iq set, no 'from' that parses as a JID (the router sets it for every inbound stanza),
/// no <jingle/>, or what parse() and validate() refuse.
Result<Incoming> parse_iq(const xml::Element& iq);

/// The peer that initiated a session from a session-initiate: always the iq's 'from'.
/// §7.1: "the responder SHOULD simply ignore the 'initiator' attribute and treat the 'from' JID
/// as the initiating entity"; SECURITY.md row 50.
const Jid& session_peer(const Incoming& incoming);
/// True when the session-initiate's 'initiator' (or a session-accept's 'responder') names
/// someone other than 'from': ignored, but worth a line in a trace.
bool claims_other_party(const Incoming& incoming);

// ---- errors (§10) ----

/// §10 Jingle error conditions (and §9's security-required).
enum class Condition {
  out_of_order,
  tie_break,
  unknown_session,
  unsupported_info,
  security_required
};
std::string_view to_string(Condition condition);
std::optional<Condition> parse_condition(std::string_view text);

/// The stanza error that carries `condition` (§10): out-of-order with unexpected-request,
/// tie-break with conflict, unknown-session with item-not-found, unsupported-info with
/// feature-not-implemented, security-required with not-acceptable. Reply with
/// stanza::make_error_reply.
stanza::StanzaError make_error(Condition condition);
/// The Jingle condition of an error reply (a {urn:xmpp:jingle:errors:1} child of its <error/>),
/// nullopt when it carries none.
std::optional<Condition> error_condition(const xml::Element& error_iq);

// ---- the session state machine (§5.1) and the answers of §6.3, §6.7, §7.2.16 ----

enum class State { pending, active, ended };
std::string_view to_string(State state);

/// One session as one side sees it. Created when the session-initiate is sent or acknowledged
/// (pending); session-accept makes it active and session-terminate ends it (§5.1). It says which
/// actions are legal now; it does no I/O and keeps no contents.
class SessionState {
 public:
  explicit SessionState(Role our_role) : m_role(our_role) {}

  State state() const { return m_state; }
  Role role() const { return m_role; }

  /// nullopt when an incoming `action` is legal now, else the condition to answer with:
  ///   - ended (we sent or received session-terminate): unknown-session (§6.7);
  ///   - session-initiate inside a session: out-of-order (§10);
  ///   - session-accept from the initiator, or when already active: out-of-order;
  ///   - transport-accept/-reject when we sent no transport-replace: out-of-order;
  ///   - a transport-replace from the responder while ours is unanswered: tie-break when we are
  ///     the initiator (§7.2.16 "Existing session": the initiator's action overrules).
  std::optional<Condition> check_incoming(Action action) const;
  /// True when we may send `action` now (the same rules from our side; nothing once ended, no
  /// second transport-replace while one is unanswered).
  bool may_send(Action action) const;
  /// Records an action we sent (`outgoing`) or accepted from the peer: session-accept -> active,
  /// session-terminate -> ended (§6.7: at once, before the ack), transport-replace opens and
  /// transport-accept/-reject closes a replacement. Call only for legal actions.
  void apply(Action action, bool outgoing);
  /// True while a transport-replace we sent awaits transport-accept or -reject.
  bool awaiting_transport_answer() const { return m_replace_sent; }
  /// True while a transport-replace we received awaits our answer.
  bool transport_answer_due() const { return m_replace_received; }

 private:
  Role m_role;
  State m_state = State::pending;
  bool m_replace_sent = false;
  bool m_replace_received = false;
};

/// §7.2.16 "No existing session": both sides sent a session-initiate for the same purpose at
/// once. True when ours overrules theirs: our sid sorts first in i;octet order (RFC 4790 §9.3,
/// bytewise), or, when the sids are equal, our full JID sorts first. The loser answers the
/// winner's session-initiate normally; the winner answers the loser's with make_error(tie_break).
bool our_initiate_wins(std::string_view our_sid, const Jid& us, std::string_view their_sid,
                       const Jid& them);

/// SECURITY.md row 50 and §13.2: whether one more session may start while `open` are live, with
/// at most `max_sessions` at once. When not, answer the session-initiate with
/// make_resource_constraint() (§6.3.2: "does not have sufficient resources").
inline bool admit_session(std::size_t open, std::size_t max_sessions) {
  return open < max_sessions;
}
/// A default for the cap of admit_session.
inline constexpr std::size_t k_default_max_sessions = 8;
/// resource-constraint, type wait (§6.3.2, example 15).
stanza::StanzaError make_resource_constraint();

}  // namespace xmpp::jingle
