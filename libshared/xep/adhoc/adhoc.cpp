#include "xep/adhoc/adhoc.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "stanza/error.hpp"
#include "stanza/iq.hpp"
#include "stanza/namespaces.hpp"

namespace xmpp::adhoc {
namespace {

tl::unexpected<Error> bad_reply(std::string message) {
  return fail(ErrorKind::protocol, "bad_reply", "", std::move(message));
}

tl::unexpected<Error> bad_request(std::string message) {
  return fail(ErrorKind::protocol, "bad_request", "", std::move(message));
}

/// xml:lang of `e`, read either as the namespaced attribute or as written.
std::optional<std::string> lang_of(const xml::Element& e) {
  if (auto lang = e.attr_ns(xml::k_ns_xml, "lang")) return lang;
  return e.attr("xml:lang");
}

constexpr std::array<std::pair<CommandError, std::string_view>, 6> k_command_errors{{
    {CommandError::malformed_action, "malformed-action"},
    {CommandError::bad_action, "bad-action"},
    {CommandError::bad_locale, "bad-locale"},
    {CommandError::bad_payload, "bad-payload"},
    {CommandError::bad_sessionid, "bad-sessionid"},
    {CommandError::session_expired, "session-expired"},
}};

}  // namespace

// ---- enumerations ----------------------------------------------------------------------------

std::string_view to_string(Action action) {
  switch (action) {
    case Action::execute: return "execute";
    case Action::cancel: return "cancel";
    case Action::prev: return "prev";
    case Action::next: return "next";
    case Action::complete: return "complete";
  }
  return "execute";
}

std::optional<Action> parse_action(std::string_view text) {
  for (Action a : {Action::execute, Action::cancel, Action::prev, Action::next, Action::complete})
    if (to_string(a) == text) return a;
  return std::nullopt;
}

std::string_view to_string(Status status) {
  switch (status) {
    case Status::executing: return "executing";
    case Status::completed: return "completed";
    case Status::canceled: return "canceled";
  }
  return "executing";
}

std::optional<Status> parse_status(std::string_view text) {
  for (Status s : {Status::executing, Status::completed, Status::canceled})
    if (to_string(s) == text) return s;
  return std::nullopt;
}

std::string_view to_string(NoteType type) {
  switch (type) {
    case NoteType::info: return "info";
    case NoteType::warn: return "warn";
    case NoteType::error: return "error";
  }
  return "info";
}

std::optional<NoteType> parse_note_type(std::string_view text) {
  for (NoteType t : {NoteType::info, NoteType::warn, NoteType::error})
    if (to_string(t) == text) return t;
  return std::nullopt;
}

// ---- the command list ------------------------------------------------------------------------

xml::Element make_list_request(const Jid& to, std::string id) {
  return disco::make_items_request(to, std::string(k_node), std::move(id));
}

CommandList commands_from_items(const Jid& responder, const disco::DiscoItems& items) {
  CommandList out;
  out.jid = responder;
  out.skipped = items.skipped;
  for (const auto& item : items.items) {
    // §5: a command node reported for any JID but the responder's is suspicious and ignored
    // (SECURITY.md row 39): executing it would send our data to whoever the item names.
    if (item.jid != responder) {
      ++out.spoofed;
      continue;
    }
    // §3.2: the node identifies the command; without one there is nothing to execute.
    if (!item.node || item.node->empty()) {
      ++out.skipped;
      continue;
    }
    out.commands.push_back(CommandItem{item.jid, *item.node, item.name});
  }
  return out;
}

// ---- requests --------------------------------------------------------------------------------

xml::Element make_request(const Jid& to, const Request& request, std::string id) {
  xml::Element command("command", std::string(k_ns));
  command.set_attr("node", request.node);
  if (request.sessionid) command.set_attr("sessionid", *request.sessionid);
  command.set_attr("action", std::string(to_string(request.action)));
  if (request.form) command.add_child(forms::to_element(*request.form));
  xml::Element iq = stanza::make_iq(stanza::IqType::set, to.str(), std::move(command), std::move(id));
  // §3.7: the locale goes on the <iq/> (RECOMMENDED) rather than on the <command/>.
  if (request.lang) iq.set_attr_ns(std::string(xml::k_ns_xml), "lang", *request.lang);
  return iq;
}

Result<Request> parse_request(const xml::Element& iq) {
  const xml::Element* command = iq.child("command", k_ns);
  if (!command) return bad_request("the request carries no <command/>");
  Request out;
  const auto node = command->attr("node");
  if (!node || node->empty()) return bad_request("the <command/> has no 'node'");
  out.node = *node;
  if (auto sid = command->attr("sessionid"); sid && !sid->empty()) out.sessionid = *sid;
  if (auto action = command->attr("action")) {
    auto parsed = parse_action(*action);
    if (!parsed) return bad_request("the <command/> has an unknown action '" + *action + "'");
    out.action = *parsed;
  }
  if (const xml::Element* x = forms::find(*command)) {
    auto form = forms::parse(*x);
    if (!form) return fail(form.error());
    out.form = std::move(*form);
  }
  if (auto lang = lang_of(iq)) out.lang = std::move(lang);
  else if (auto command_lang = lang_of(*command))
    out.lang = std::move(command_lang);
  return out;
}

// ---- responses -------------------------------------------------------------------------------

bool Response::has_error_note() const {
  return std::any_of(notes.begin(), notes.end(),
                     [](const Note& n) { return n.type == NoteType::error; });
}

Action Response::default_action() const {
  // §3.4: without <actions/> execute is complete; with it, the 'execute' attribute, else next.
  if (!actions) return Action::complete;
  if (actions->execute) return *actions->execute;
  // Responders (slixmpp's xep_0050 among them) write <actions><complete/></actions> with no
  // 'execute' on a last stage, where next is not allowed: the one forward action listed is then
  // what executing the stage means.
  const auto listed = [&](Action a) {
    return std::find(actions->allowed.begin(), actions->allowed.end(), a) != actions->allowed.end();
  };
  if (!listed(Action::next) && listed(Action::complete)) return Action::complete;
  return Action::next;
}

Action Response::resolve(Action action) const {
  return action == Action::execute ? default_action() : action;
}

bool Response::allows(Action action) const {
  if (finished()) return false;
  if (action == Action::cancel) return true;  // §3.4: cancel is always allowed
  const Action concrete = resolve(action);
  // An 'execute' attribute naming execute or cancel (§4.2 forbids neither outright) gives no
  // stage action to take.
  if (concrete == Action::cancel) return true;
  if (concrete == Action::execute) return false;
  if (!actions) return concrete == Action::complete;
  return std::find(actions->allowed.begin(), actions->allowed.end(), concrete) !=
         actions->allowed.end();
}

std::vector<Action> Response::offered() const {
  std::vector<Action> out;
  if (finished()) return out;
  if (actions)
    out = actions->allowed;
  else
    out.push_back(Action::complete);
  out.push_back(Action::cancel);
  return out;
}

Result<Response> parse_response(const xml::Element& iq) {
  const xml::Element* command = iq.child("command", k_ns);
  if (!command) return bad_reply("the answer carries no ad-hoc <command/>");
  Response out;
  if (auto from = iq.attr("from")) {
    if (auto jid = Jid::parse(*from)) out.from = std::move(*jid);
  }
  const auto node = command->attr("node");
  if (!node || node->empty()) return bad_reply("the answer's <command/> has no 'node'");
  out.node = *node;
  // §4.1: the sessionid MUST NOT be empty; an empty one is no sessionid.
  if (auto sid = command->attr("sessionid"); sid && !sid->empty()) out.sessionid = *sid;
  const auto status_text = command->attr("status");
  if (!status_text)
    return bad_reply("the answer's <command/> has no 'status', so whether the session is open "
                     "is unknown");
  auto status = parse_status(*status_text);
  if (!status) return bad_reply("the answer's <command/> has an unknown status '" + *status_text + "'");
  out.status = *status;
  if (auto lang = lang_of(*command)) out.lang = std::move(lang);
  else if (auto iq_lang = lang_of(iq))
    out.lang = std::move(iq_lang);

  bool have_form = false;
  for (const xml::Element* child : command->elements()) {
    if (child->is("actions", k_ns)) {
      if (out.actions) continue;  // §4.2 allows one; the first counts
      Actions actions;
      // §4.2: 'execute' MUST be one of the action values; anything else is read as absent.
      if (auto execute = child->attr("execute")) actions.execute = parse_action(*execute);
      for (const xml::Element* a : child->elements()) {
        if (a->ns() != k_ns) continue;
        auto parsed = parse_action(a->name());
        // §4.2: only prev, next and complete may be listed.
        if (!parsed || *parsed == Action::execute || *parsed == Action::cancel) continue;
        if (std::find(actions.allowed.begin(), actions.allowed.end(), *parsed) ==
            actions.allowed.end())
          actions.allowed.push_back(*parsed);
      }
      out.actions = std::move(actions);
    } else if (child->is("note", k_ns)) {
      // §4.3: the type is OPTIONAL and implies info.
      const auto type = child->attr("type");
      out.notes.push_back(
          Note{type ? parse_note_type(*type).value_or(NoteType::info) : NoteType::info,
               child->text()});
    } else if (!have_form && child->is("x", forms::k_ns)) {
      auto form = forms::parse(*child);
      if (!form)
        return bad_reply("the answer's data form cannot be read: " + form.error().message);
      // §2.4.1: a completed command's data is a result form. ejabberd 23.01 sends its
      // completed data as type='form'; nothing is left to fill, so it is read as the result.
      if (out.status == Status::completed && form->type == forms::FormType::form)
        form->type = forms::FormType::result;
      out.form = std::move(*form);
      have_form = true;
    } else {
      out.payloads.push_back(*child);
    }
  }
  return out;
}

xml::Element to_element(const Response& response) {
  xml::Element command("command", std::string(k_ns));
  command.set_attr("node", response.node);
  if (response.sessionid) command.set_attr("sessionid", *response.sessionid);
  command.set_attr("status", std::string(to_string(response.status)));
  if (response.lang) command.set_attr_ns(std::string(xml::k_ns_xml), "lang", *response.lang);
  if (response.actions) {
    xml::Element actions("actions", std::string(k_ns));
    if (response.actions->execute)
      actions.set_attr("execute", std::string(to_string(*response.actions->execute)));
    for (Action a : response.actions->allowed)
      actions.add_child(xml::Element(std::string(to_string(a)), std::string(k_ns)));
    command.add_child(std::move(actions));
  }
  for (const Note& note : response.notes) {
    xml::Element n("note", std::string(k_ns));
    n.set_attr("type", std::string(to_string(note.type)));
    n.add_text(note.text);
    command.add_child(std::move(n));
  }
  if (response.form) command.add_child(forms::to_element(*response.form));
  for (const xml::Element& payload : response.payloads) command.add_child(payload);
  return command;
}

// ---- errors ----------------------------------------------------------------------------------

std::string_view to_string(CommandError error) {
  for (const auto& [e, name] : k_command_errors)
    if (e == error) return name;
  return "bad-payload";
}

std::optional<CommandError> parse_command_error(std::string_view condition) {
  for (const auto& [e, name] : k_command_errors)
    if (name == condition) return e;
  return std::nullopt;
}

std::optional<CommandError> command_error(const xml::Element& error_iq) {
  const xml::Element* error = error_iq.child("error", stanza::k_ns_client);
  if (!error) return std::nullopt;
  for (const xml::Element* child : error->elements())
    if (child->ns() == k_ns)
      if (auto parsed = parse_command_error(child->name())) return parsed;
  return std::nullopt;
}

std::string_view general_condition(CommandError error) {
  return error == CommandError::session_expired ? "not-allowed" : "bad-request";
}

std::string explain(CommandError error, Action action) {
  const std::string a(to_string(action));
  switch (error) {
    case CommandError::malformed_action:
      return "the command does not understand the action '" + a + "'";
    case CommandError::bad_action:
      return "the command does not accept the action '" + a + "' at this stage";
    case CommandError::bad_locale:
      return "the command cannot use the language asked for";
    case CommandError::bad_payload:
      return "the command refused the submitted data (a required field may be missing or a "
             "value invalid)";
    case CommandError::bad_sessionid:
      return "the command does not know this session";
    case CommandError::session_expired:
      return "the command session has expired; start the command again";
  }
  return "the command failed";
}

Error describe_error(const Error& error, const Jid& jid, std::string_view node, Action action,
                     std::optional<CommandError> specific) {
  const std::string context = "command " + std::string(node) + " at " + jid.str();
  if (error.code != "stanza_error") return error.with_context(context);
  const std::string& c = error.condition;
  std::string sentence;
  if (specific)
    sentence = explain(*specific, action);
  else if (c == "forbidden")
    sentence = "you are not allowed to run this command";
  else if (c == "item-not-found")
    sentence = action == Action::execute ? "no such command" : "no such command or session";
  else if (c == "feature-not-implemented" || c == "service-unavailable")
    sentence = jid.str() + " does not offer ad-hoc commands";
  else if (c == "not-allowed")
    // §4.4 session-expired, or §3.3: a responder refusing a second session of the same command.
    sentence = action == Action::execute
                   ? "the command may not be run now (another session of it may be running)"
                   : "the command session has expired or is not allowed to continue";
  else if (c == "bad-request")
    // §4.4: bad-action, bad-payload, bad-sessionid, bad-locale and malformed-action all come as
    // bad-request; without the specific condition we can only say which of them it can be.
    sentence = "the command refused the action '" + std::string(to_string(action)) +
               "' or the submitted data";
  else if (c == "not-authorized")
    sentence = "you must be authorized to run this command";
  else if (c == "remote-server-not-found" || c == "remote-server-timeout")
    sentence = jid.str() + " cannot be reached";
  else
    sentence = "the command failed";
  Error out = error;
  out.message = context + ": " + sentence + " (" + error.message + ")";
  return out;
}

xml::Element make_error_reply(const xml::Element& request_iq, CommandError condition) {
  stanza::StanzaError error = stanza::make_stanza_error(std::string(general_condition(condition)));
  error.application = xml::Element(std::string(to_string(condition)), std::string(k_ns));
  return stanza::make_error_reply(request_iq, error);
}

}  // namespace xmpp::adhoc
