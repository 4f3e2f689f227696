#include "xep/muc/config_ops.hpp"

#include <utility>

#include "xep/muc/admin_ops.hpp"
#include "xep/muc/muc.hpp"

namespace xmpp::muc {
namespace {

using std::chrono::milliseconds;

/// A refusal turned into a sentence about the room; other failures get the context.
Error explain(const Error& e, const Jid& room, const std::string& what) {
  const std::string r = room.bare_str();
  if (e.code != "stanza_error") return e.with_context("room " + r + ": " + what);
  const std::string& c = e.condition;
  std::string sentence;
  if (c == "forbidden")
    sentence = "room " + r + ": you are not its owner";
  else if (c == "item-not-found")
    sentence = "room " + r + " does not exist";
  else if (c == "not-acceptable" || c == "bad-request")
    sentence = "room " + r + ": the room did not accept " + what;
  else if (c == "service-unavailable" || c == "feature-not-implemented")
    sentence = r + " is not a room, or does not support " + what;
  else
    sentence = "room " + r + ": " + what + " failed";
  Error out = e;
  out.message = sentence + " (" + e.message + ")";
  return out;
}

awaitable<Result<forms::Form>> read_config(stream::Session& session, Jid room,
                                           milliseconds timeout) {
  if (auto e = check_room_address(room)) co_return fail(*e);
  auto reply = co_await session.request(make_config_request(room), timeout);
  if (!reply) co_return fail(explain(reply.error(), room, "reading the configuration"));
  auto form = parse_config_form(*reply);
  if (!form) co_return fail(form.error().with_context("room " + room.bare_str()));
  co_return std::move(*form);
}

awaitable<Result<void>> send_config(stream::Session& session, Jid room, forms::Form form,
                                    milliseconds timeout) {
  if (auto e = check_room_address(room)) co_return fail(*e);
  const bool cancel = form.type == forms::FormType::cancel;
  auto reply = co_await session.request(make_config_submit(room, form), timeout);
  if (!reply)
    co_return fail(explain(reply.error(), room,
                           cancel ? "cancelling the configuration" : "the configuration"));
  co_return Result<void>{};
}

/// What a submission asks to change, when the room's answer cannot be read back.
std::vector<ConfigChange> asked_changes(const forms::Form& before, const forms::Form& submitted) {
  forms::Form as_form = submitted;
  // Fields the submission leaves out keep their values (§3.5): compare only what it carries.
  forms::Form base;
  for (const auto& field : before.fields) {
    if (submitted.field(field.var)) base.fields.push_back(field);
  }
  for (auto& field : as_form.fields) {
    if (const auto* old = before.field(field.var)) {
      field.type = old->type;
      field.label = old->label;
    }
  }
  return config_changes(base, as_form);
}

awaitable<Result<Configured>> configure_room(stream::Session& session, Jid room,
                                             ConfigAnswers answers, milliseconds timeout) {
  auto form = co_await read_config(session, room, timeout);
  if (!form) co_return fail(form.error());
  auto given = answers ? answers(*form) : Result<forms::Answers>(forms::Answers{});
  if (!given) co_return fail(given.error());
  auto filled = forms::fill(*form, *given, forms::SubmitOptions{forms::Carry::all, true});
  if (!filled)
    co_return fail(forms::to_error(filled.error()).with_context("room " + room.bare_str()));
  if (auto sent = co_await send_config(session, room, *filled, timeout); !sent)
    co_return fail(sent.error());
  Configured out;
  out.before = std::move(*form);
  out.submitted = std::move(*filled);
  // §10.2: the room applies the form; reading it back shows what it made of our values.
  if (auto after = co_await read_config(session, room, timeout)) {
    out.changes = config_changes(out.before, *after);
    out.after = std::move(*after);
  } else {
    out.changes = asked_changes(out.before, out.submitted);
  }
  co_return out;
}

awaitable<Result<Created>> create(stream::Session& session, Jid room, CreateOptions options) {
  if (auto e = check_room_address(room)) co_return fail(*e);
  const milliseconds timeout = options.join.timeout;
  JoinOptions join_options = options.join;
  join_options.allow_create = true;
  join_options.instant_room = false;
  auto joined = co_await join(session, room, join_options);
  if (!joined) co_return fail(joined.error());
  Created out;
  out.joined = *joined;
  out.created = joined->created;
  if (!out.created) {
    (void)co_await leave(session, *joined, timeout);
    if (!options.exist_ok)
      co_return fail(ErrorKind::remote, "room_exists", "conflict",
                     "room " + room.bare_str() +
                         " already exists (--exist-ok accepts that and changes nothing)");
    co_return out;
  }
  if (!options.answers) {
    // §10.1.2: the service's default configuration.
    if (auto sent = co_await session.request(make_instant_room_request(room), timeout); !sent) {
      (void)co_await leave(session, *joined, milliseconds(0));
      co_return fail(explain(sent.error(), room, "creating an instant room"));
    }
    out.instant = true;
    if (auto config = co_await read_config(session, room, timeout)) {
      out.persistent = boolean_value(*config, k_var_persistent);
      out.config = std::move(*config);
    }
  } else {
    auto configured = co_await configure_room(session, room, options.answers, timeout);
    if (!configured) {
      // §10.1.6: the owner cancels; a compliant service then destroys the room. Prosody only
      // answers the cancel and keeps the room until its owner leaves, persistent or not: destroy
      // it (§10.9) so that no half-made room stays behind. Both answers no longer matter.
      (void)co_await send_config(session, room, forms::cancel_form(), timeout);
      auto destroyed = co_await destroy(session, room, DestroyRequest{}, timeout);
      (void)co_await leave(session, *joined, destroyed ? milliseconds(0) : timeout);
      co_return fail(configured.error());
    }
    const forms::Form& now = configured->after ? *configured->after : configured->submitted;
    out.persistent = boolean_value(now, k_var_persistent);
    out.configured = std::move(*configured);
  }
  // A missing confirmation of the leave is no failure (muc::leave): the room was made.
  (void)co_await leave(session, *joined, timeout);
  co_return out;
}

}  // namespace

awaitable<Result<forms::Form>> get_config(stream::Session& session, const Jid& room,
                                          std::chrono::milliseconds timeout) {
  return read_config(session, room, timeout);
}

awaitable<Result<void>> submit_config(stream::Session& session, const Jid& room, forms::Form form,
                                      std::chrono::milliseconds timeout) {
  return send_config(session, room, std::move(form), timeout);
}

awaitable<Result<Configured>> configure(stream::Session& session, const Jid& room,
                                        ConfigAnswers answers, std::chrono::milliseconds timeout) {
  return configure_room(session, room, std::move(answers), timeout);
}

awaitable<Result<Created>> create_room(stream::Session& session, const Jid& room,
                                       CreateOptions options) {
  return create(session, room, std::move(options));
}

}  // namespace xmpp::muc
