#include "xep/adhoc/adhoc_ops.hpp"

#include <utility>

#include "xep/disco/disco_ops.hpp"

namespace xmpp::adhoc {
namespace {

std::string context(const Jid& jid, const std::string& node) {
  return "command " + node + " at " + jid.str();
}

/// "next, complete or cancel".
std::string list_actions(const std::vector<Action>& actions) {
  std::string out;
  for (std::size_t i = 0; i < actions.size(); ++i) {
    if (i > 0) out += i + 1 == actions.size() ? " or " : ", ";
    out += to_string(actions[i]);
  }
  return out;
}

}  // namespace

awaitable<Result<CommandList>> list(stream::Session& session, Jid jid,
                                    std::chrono::milliseconds timeout) {
  auto items = co_await disco::items_all(session, jid, std::string(k_node), timeout);
  if (!items) {
    Error e = items.error();
    if (e.code == "stanza_error") {
      const std::string& c = e.condition;
      std::string sentence;
      if (c == "item-not-found" || c == "service-unavailable" || c == "feature-not-implemented")
        sentence = jid.str() + " does not offer ad-hoc commands";
      else if (c == "forbidden" || c == "not-authorized")
        sentence = jid.str() + " does not show you its commands";
      if (!sentence.empty()) e.message = sentence + " (" + e.message + ")";
    }
    co_return fail(std::move(e));
  }
  co_return commands_from_items(jid, *items);
}

awaitable<Result<Response>> send(stream::Session& session, Jid jid, Request request,
                                 std::chrono::milliseconds timeout) {
  const std::string what = context(jid, request.node);
  if (request.node.empty()) co_return fail(usage_error("an ad-hoc command needs a node"));
  if (request.sessionid && request.sessionid->empty())
    co_return fail(usage_error(what + ": an empty sessionid names no session"));
  auto reply = co_await session.request(make_request(jid, request), timeout);
  // Session::request keeps only the general condition of an error reply, so the §4.4 specific
  // one is explained from it and the action (see adhoc_ops.hpp).
  if (!reply) co_return fail(describe_error(reply.error(), jid, request.node, request.action));
  auto response = parse_response(*reply);
  if (!response) co_return fail(response.error().with_context(what));
  // The session only hands us the addressee's answer (RFC 6120 §8.2.3); name it as we asked it.
  response->from = jid;
  // §3.2: the node of the answer is the node asked for; an answer for another command is not
  // about the session we hold.
  if (response->node != request.node)
    co_return fail(ErrorKind::protocol, "bad_reply", "",
                   what + ": the answer is for another command (" + response->node + ")");
  if (request.sessionid) {
    // §3.3: once given, the sessionid stays the same for the session's lifetime.
    if (response->sessionid && *response->sessionid != *request.sessionid)
      co_return fail(ErrorKind::protocol, "bad_reply", "",
                     what + ": the answer is for another session (" + *response->sessionid +
                         " instead of " + *request.sessionid + ")");
    if (!response->sessionid) response->sessionid = request.sessionid;
  }
  co_return std::move(*response);
}

awaitable<Result<Response>> execute(stream::Session& session, Jid jid, std::string node,
                                    std::chrono::milliseconds timeout,
                                    std::optional<forms::Form> form,
                                    std::optional<std::string> lang) {
  Request request;
  request.node = std::move(node);
  request.action = Action::execute;
  request.form = std::move(form);
  request.lang = std::move(lang);
  co_return co_await send(session, std::move(jid), std::move(request), timeout);
}

awaitable<Result<Response>> proceed(stream::Session& session, Response stage, Action action,
                                    std::optional<forms::Form> form,
                                    std::chrono::milliseconds timeout) {
  const std::string what = context(stage.from, stage.node);
  if (!stage.open())
    co_return fail(usage_error(what + ": the command session is over (" +
                         std::string(to_string(stage.status)) +
                         (stage.sessionid ? "" : ", no sessionid") + ")"));
  if (!stage.allows(action)) {
    std::string message = what + ": the command offers " + list_actions(stage.offered()) +
                          " at this stage, not " + std::string(to_string(action));
    if (action == Action::execute)
      message += " (which means " + std::string(to_string(stage.default_action())) + " here)";
    co_return fail(usage_error(std::move(message)));
  }
  if (action == Action::cancel)
    co_return co_await cancel(session, stage.from, stage.node, *stage.sessionid, timeout);
  // §3.4: execute stands for the stage's default; responders differ in what a bare execute means
  // on a later stage (some take it as next whatever the stage said), so send the concrete one.
  co_return co_await proceed(session, stage.from, stage.node, *stage.sessionid,
                             stage.resolve(action), std::move(form), timeout);
}

awaitable<Result<Response>> proceed(stream::Session& session, Jid jid, std::string node,
                                    std::string sessionid, Action action,
                                    std::optional<forms::Form> form,
                                    std::chrono::milliseconds timeout) {
  if (sessionid.empty())
    co_return fail(usage_error(context(jid, node) + ": continuing a command needs its sessionid"));
  Request request;
  request.node = std::move(node);
  request.sessionid = std::move(sessionid);
  request.action = action;
  if (action != Action::cancel) request.form = std::move(form);
  co_return co_await send(session, std::move(jid), std::move(request), timeout);
}

awaitable<Result<Response>> cancel(stream::Session& session, Jid jid, std::string node,
                                   std::string sessionid, std::chrono::milliseconds timeout) {
  co_return co_await proceed(session, std::move(jid), std::move(node), std::move(sessionid),
                             Action::cancel, std::nullopt, timeout);
}

awaitable<Result<void>> close(stream::Session& session, Response stage,
                              std::chrono::milliseconds timeout) {
  if (!stage.open()) co_return Result<void>{};
  auto answer =
      co_await cancel(session, stage.from, stage.node, std::move(*stage.sessionid), timeout);
  if (!answer) co_return fail(answer.error());
  co_return Result<void>{};
}

}  // namespace xmpp::adhoc
