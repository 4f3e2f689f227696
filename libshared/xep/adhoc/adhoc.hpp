// XEP-0050 Ad-Hoc Commands (version 1.3.0) codecs: the command list read from disco#items on the
// node http://jabber.org/protocol/commands (§2.2, with the §5 spoofing rule, SECURITY.md row 39),
// the <command/> request (§2.4, §4.1), the responder's answer with its status, sessionid,
// <actions/> (§3.4, §4.2), <note/>s (§4.3) and payloads (§3.5, the data form read with
// xep/forms), and the command-specific error conditions of §4.4 turned into sentences. No I/O:
// the operations are in adhoc_ops.hpp.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/result.hpp"
#include "jid/jid.hpp"
#include "xep/disco/disco.hpp"
#include "xep/forms/form.hpp"
#include "xml/element.hpp"

namespace xmpp::adhoc {

/// The namespace of <command/> and of the §4.4 specific error conditions.
inline constexpr std::string_view k_ns = "http://jabber.org/protocol/commands";
/// The disco#items node under which an entity lists its commands (§2.2); the same string.
inline constexpr std::string_view k_node = "http://jabber.org/protocol/commands";

// ---- enumerations ----------------------------------------------------------------------------

/// The 'action' of a request (§4.1). `execute` is the default; it means whatever the stage's
/// <actions execute=.../> says (resolve() below), or "complete" when the stage has no <actions/>.
enum class Action { execute, cancel, prev, next, complete };
/// "execute", "cancel", "prev", "next", "complete".
std::string_view to_string(Action action);
/// The action named `text`, or nullopt for a name §4.1 does not define.
std::optional<Action> parse_action(std::string_view text);

/// The 'status' of a response (§4.1). completed and canceled end the session.
enum class Status { executing, completed, canceled };
std::string_view to_string(Status status);  ///< "executing", "completed", "canceled"
std::optional<Status> parse_status(std::string_view text);

/// The 'type' of a <note/> (§4.3); a note without one is info.
enum class NoteType { info, warn, error };
std::string_view to_string(NoteType type);  ///< "info", "warn", "error"
std::optional<NoteType> parse_note_type(std::string_view text);

// ---- the command list (§2.2, §5) -------------------------------------------------------------

/// One command an entity offers: an item of its disco#items on k_node.
struct CommandItem {
  Jid jid;                          ///< the responder (always the entity asked, see below)
  std::string node;                 ///< the command's node, to pass to execute (§3.2)
  std::optional<std::string> name;  ///< the label, as the responder gave it
  bool operator==(const CommandItem&) const = default;
};

/// The commands of one entity.
struct CommandList {
  Jid jid;                            ///< the entity asked
  std::vector<CommandItem> commands;  ///< in the responder's order
  /// Items ignored because their 'jid' is not the entity asked (§5: "suspicious", SECURITY.md
  /// row 39): a responder may only offer its own commands.
  std::size_t spoofed = 0;
  /// Items ignored because they had no usable 'jid' (disco's own count) or no 'node'.
  std::size_t skipped = 0;
  bool operator==(const CommandList&) const = default;
};

/// `<iq type='get' to=TO><query xmlns='...disco#items' node='http://jabber.org/protocol/commands'/>
/// </iq>` (§2.2, example 3). An empty `id` is left to Session::request.
xml::Element make_list_request(const Jid& to, std::string id = {});

/// The commands of `responder` from its disco#items result on k_node: keeps only the items whose
/// 'jid' equals `responder` exactly (full JID compared, as disco::DiscoItem holds it, normalised)
/// and that carry a 'node'; the others are counted in `spoofed` or `skipped`. Pure.
CommandList commands_from_items(const Jid& responder, const disco::DiscoItems& items);

// ---- requests (§2.4, §4.1) -------------------------------------------------------------------

/// What a requester sends in one <command/>.
struct Request {
  std::string node;
  /// Absent on the first request of a session (§3.3: the responder assigns it); present, and
  /// the responder's, on every later one.
  std::optional<std::string> sessionid;
  Action action = Action::execute;
  /// The submitted form (§3.5.1: type submit; a caller sends forms::cancel_form() or nothing on
  /// cancel). Callers check user text with xml::is_xml_text (forms/answers.hpp does).
  std::optional<forms::Form> form;
  /// xml:lang on the <iq/> (§3.7 RECOMMENDED): the locale asked for.
  std::optional<std::string> lang;
  bool operator==(const Request&) const = default;
};

/// `<iq type='set' to=TO [xml:lang=LANG]><command xmlns='...commands' node=NODE
/// [sessionid=SID] action=ACTION>[<x type='submit'/>]</command></iq>` (examples 8, 10, 12, 14,
/// 16, 18, 20). The action attribute is always written, execute included (examples 8 and 10
/// write it; 12 and 14 leave it implied, which means the same, §4.1).
xml::Element make_request(const Jid& to, const Request& request, std::string id = {});

/// The <command/> of a request iq (for responders: the test bot and the session tests).
/// Errors: kind protocol, code "bad_request", when there is no <command/>, no 'node', or an
/// 'action' §4.1 does not define (the responder's malformed-action, §4.4); a form that does not
/// parse keeps forms::parse's error.
Result<Request> parse_request(const xml::Element& iq);

// ---- responses (§2.4, §4.1-§4.3) -------------------------------------------------------------

/// The <actions/> of a stage (§4.2): what the requester may do next besides cancel.
struct Actions {
  /// The 'execute' attribute: what "execute" means here; nullopt = absent (§3.4: then "next").
  std::optional<Action> execute;
  /// The <prev/>, <next/>, <complete/> children in document order, each once; other names are
  /// ignored.
  std::vector<Action> allowed;
  bool operator==(const Actions&) const = default;
};

/// A <note/> (§4.3).
struct Note {
  NoteType type = NoteType::info;
  std::string text;  ///< as sent (the CLI escapes it for the terminal)
  bool operator==(const Note&) const = default;
};

/// One stage of a command as the responder answered it.
struct Response {
  Jid from;                             ///< the responder (the iq's 'from')
  std::string node;                     ///< the <command/>'s 'node'
  std::optional<std::string> sessionid;  ///< nullopt when the responder sent none
  Status status = Status::executing;
  /// The stage's <actions/> (§4.2); nullopt when absent (§3.4: a single-stage dialog, where
  /// execute means complete).
  std::optional<Actions> actions;
  std::vector<Note> notes;           ///< in document order
  /// The first jabber:x:data child (a form, or a result). In a completed stage a type='form'
  /// payload (ejabberd 23.01) is read as type result: nothing is left to fill.
  std::optional<forms::Form> form;
  /// Every other child element (a later data form, jabber:x:oob, anything else), in document
  /// order (§3.5: earlier children take precedence).
  std::vector<xml::Element> payloads;
  std::optional<std::string> lang;   ///< xml:lang of the <command/> or the <iq/> (§3.7)

  /// True once the session is over: completed or canceled (§4.1).
  bool finished() const { return status != Status::executing; }
  /// True when the responder still holds a session we must end: executing with a sessionid.
  bool open() const { return status == Status::executing && sessionid.has_value(); }
  /// True when any note is an error note (§3.6: a command that completed but failed MUST send
  /// one; the CLI turns it into exit 1).
  bool has_error_note() const;
  /// What "execute" amounts to at this stage (§3.4): <actions execute=X/> gives X, <actions/>
  /// without it gives next (complete when only complete is listed, as slixmpp writes last
  /// stages), no <actions/> gives complete. An 'execute' attribute naming an
  /// action the stage does not allow is returned as written (allows() then says no).
  Action default_action() const;
  /// The concrete action `action` stands for here: default_action() for execute, else itself.
  Action resolve(Action action) const;
  /// Whether the requester may send `action` now (§3.4): cancel always while executing; execute
  /// when what it resolves to is allowed; prev/next/complete when listed in <actions/>, or, with
  /// no <actions/>, complete only. Nothing is allowed once the session is finished.
  bool allows(Action action) const;
  /// The actions the user may choose from at this stage, for messages and prompts: the listed
  /// ones (or complete with no <actions/>) in document order, then cancel; empty when finished.
  std::vector<Action> offered() const;
};

/// Reads the <command/> of a result iq. Errors: kind protocol, code "bad_reply", with a sentence
/// saying what is wrong: no <command/>, no 'node', a missing or unknown 'status' (without it
/// nobody knows whether the session is still open), or a first data form forms::parse refuses.
/// Unknown note types are read as info; unknown <actions/> children are ignored; an unknown
/// 'execute' attribute is read as absent.
Result<Response> parse_response(const xml::Element& iq);

/// The <command/> element of `response` (for responders: the test bot, the session tests);
/// parse_response of an iq result carrying it gives `response` back (`from` aside).
xml::Element to_element(const Response& response);

// ---- errors (§4.4) ---------------------------------------------------------------------------

/// The command-specific conditions of §4.4 (namespace k_ns, beside the general condition).
enum class CommandError {
  malformed_action,  ///< bad-request: the responder does not understand the action
  bad_action,        ///< bad-request: the responder cannot accept the action now
  bad_locale,        ///< bad-request: the responder cannot use the language asked for
  bad_payload,       ///< bad-request: the payload (e.g. a required field) was refused
  bad_sessionid,     ///< bad-request: the responder does not accept the sessionid
  session_expired,   ///< not-allowed: the session is over (completed, canceled, timed out)
};
std::string_view to_string(CommandError error);  ///< "malformed-action", ...
std::optional<CommandError> parse_command_error(std::string_view condition);

/// The §4.4 specific condition in the <error/> of an error iq, or nullopt when there is none.
std::optional<CommandError> command_error(const xml::Element& error_iq);

/// The general condition §4.4 pairs with each specific one (bad-request or not-allowed).
std::string_view general_condition(CommandError error);

/// A sentence a person understands for the specific condition, e.g. "the command does not
/// accept the action 'prev' at this stage" (bad-action) or "the command session has expired;
/// start the command again" (session-expired).
std::string explain(CommandError error, Action action);

/// Rewrites an error of a command request (from Session::request: kind remote, code
/// "stanza_error") so a person understands it, with the context "command NODE at JID":
/// forbidden "you are not allowed to run this command", item-not-found "no such command",
/// feature-not-implemented / service-unavailable "JID does not offer ad-hoc commands",
/// not-allowed "the command session has expired or another one is running", bad-request "the
/// command refused the action or the submitted data", followed by the condition and the
/// responder's <text/>. `specific`, when known (command_error of the raw stanza), takes
/// precedence with explain(). Other errors (timeout, lost session) keep their kind and code and
/// only gain the context. The condition and kind of `error` are kept.
Error describe_error(const Error& error, const Jid& jid, std::string_view node, Action action,
                     std::optional<CommandError> specific = std::nullopt);

/// Builds the error reply a responder sends for `condition` (one of §4.4), with the general
/// condition and type of §4.4 and the specific element (for the test bot and session tests).
xml::Element make_error_reply(const xml::Element& request_iq, CommandError condition);

}  // namespace xmpp::adhoc
