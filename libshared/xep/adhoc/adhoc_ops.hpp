// XEP-0050 Ad-Hoc Commands (version 1.3.0) over a session, for `xmpp cmd`: listing an entity's
// commands (§2.2, §5), executing one (§2.4.1), walking its stages with next/prev/complete
// (§2.4.2, §3.4) and canceling it (§2.4.3), so that no session is left open (§3.3).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "net/asio.hpp"
#include "stream/session.hpp"
#include "xep/adhoc/adhoc.hpp"
#include "xep/forms/form.hpp"

namespace xmpp::adhoc {

// Errors of every operation below: the responder's stanza error rewritten by describe_error
// (kind remote, code "stanza_error", the condition kept, the context "command NODE at JID", e.g.
// "command http://jabber.org/protocol/admin#add-user at localhost: you are not allowed to run
// this command (forbidden: You don't have permission to execute this command)"); no answer within
// `timeout`: kind temporary "timeout"; a result without a usable <command/> (parse_response), or
// one for another node, or (on a later stage) with another sessionid than ours: kind protocol,
// code "bad_reply"; a failed session: its error. `timeout` bounds each request.
//
// Session::request turns an error reply into an Error and keeps only the general condition, so
// the §4.4 specific conditions (bad-action, session-expired, ...) are explained from the general
// one and the operation (describe_error without `specific`).
//
// After an error the responder may or may not still hold the session (§4.4 does not say): a
// caller that must leave nothing open sends cancel() and ignores its outcome.

/// The commands `jid` offers (disco#items on k_node, every XEP-0059 page): only the items whose
/// 'jid' is `jid` (commands_from_items, SECURITY.md row 39). Errors: those of disco::items_all
/// (context "disco#items to JID"), with a sentence for the usual refusals: item-not-found /
/// service-unavailable / feature-not-implemented "JID does not offer ad-hoc commands",
/// forbidden "JID does not show you its commands".
awaitable<Result<CommandList>> list(stream::Session& session, Jid jid,
                                    std::chrono::milliseconds timeout);

/// Sends one <command/> to `jid` as given (make_request) and reads the answer (parse_response),
/// checking that it is for `request.node` and, when `request.sessionid` is set, for that session
/// (a response without sessionid keeps ours). The building block of the others.
awaitable<Result<Response>> send(stream::Session& session, Jid jid, Request request,
                                 std::chrono::milliseconds timeout);

/// Starts command `node` at `jid` (§2.4.1: action execute, no sessionid): the first stage, or the
/// whole result of a single-stage command. `form` submits data with the first request (rarely
/// useful; most responders answer the first request with the form to fill). `lang` becomes
/// xml:lang on the iq (§3.7). An empty node is usage, nothing sent.
awaitable<Result<Response>> execute(stream::Session& session, Jid jid, std::string node,
                                    std::chrono::milliseconds timeout,
                                    std::optional<forms::Form> form = std::nullopt,
                                    std::optional<std::string> lang = std::nullopt);

/// Continues the session of `stage` (the last response) with `action` and the submitted `form`
/// (§2.4.2): next, prev, complete, or execute, which is sent as stage.resolve(execute) (the
/// concrete action; responders differ in what a bare "execute" means on a later stage). cancel
/// is cancel() (the form is not sent). Usage errors, nothing sent: the stage is finished or has
/// no sessionid ("the command session is over"), or stage.allows(action) is false ("the command
/// offers next, complete or cancel at this stage", listing stage.offered()).
awaitable<Result<Response>> proceed(stream::Session& session, Response stage, Action action,
                                    std::optional<forms::Form> form,
                                    std::chrono::milliseconds timeout);

/// The same by name, for callers that kept only the session's identity: sends `action` as given
/// (execute is sent as "execute") with `sessionid`. An empty node or sessionid is usage.
awaitable<Result<Response>> proceed(stream::Session& session, Jid jid, std::string node,
                                    std::string sessionid, Action action,
                                    std::optional<forms::Form> form,
                                    std::chrono::milliseconds timeout);

/// Cancels the session `sessionid` of command `node` at `jid` (§2.4.3, example 18): the
/// responder's answer (status canceled, normally). An empty node or sessionid is usage.
awaitable<Result<Response>> cancel(stream::Session& session, Jid jid, std::string node,
                                   std::string sessionid, std::chrono::milliseconds timeout);

/// Ends what `stage` left open: cancel() when stage.open(), nothing otherwise (the session is
/// finished, or the responder gave no sessionid to cancel). For cleanup on errors, timeouts and
/// SIGINT; the result says whether the cancel was answered.
awaitable<Result<void>> close(stream::Session& session, Response stage,
                              std::chrono::milliseconds timeout);

}  // namespace xmpp::adhoc
