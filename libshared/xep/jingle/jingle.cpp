#include "xep/jingle/jingle.hpp"

#include <array>
#include <utility>

#include "stanza/iq.hpp"
#include "stanza/namespaces.hpp"

namespace xmpp::jingle {
namespace {

template <class E, std::size_t N> using Names = std::array<std::pair<E, std::string_view>, N>;

constexpr Names<Action, 15> k_actions{{
    {Action::content_accept, "content-accept"},
    {Action::content_add, "content-add"},
    {Action::content_modify, "content-modify"},
    {Action::content_reject, "content-reject"},
    {Action::content_remove, "content-remove"},
    {Action::description_info, "description-info"},
    {Action::security_info, "security-info"},
    {Action::session_accept, "session-accept"},
    {Action::session_info, "session-info"},
    {Action::session_initiate, "session-initiate"},
    {Action::session_terminate, "session-terminate"},
    {Action::transport_accept, "transport-accept"},
    {Action::transport_info, "transport-info"},
    {Action::transport_reject, "transport-reject"},
    {Action::transport_replace, "transport-replace"},
}};

constexpr Names<Role, 2> k_roles{{{Role::initiator, "initiator"}, {Role::responder, "responder"}}};

constexpr Names<Senders, 4> k_senders{{
    {Senders::both, "both"},
    {Senders::initiator, "initiator"},
    {Senders::none, "none"},
    {Senders::responder, "responder"},
}};

constexpr Names<ReasonCondition, 17> k_reasons{{
    {ReasonCondition::alternative_session, "alternative-session"},
    {ReasonCondition::busy, "busy"},
    {ReasonCondition::cancel, "cancel"},
    {ReasonCondition::connectivity_error, "connectivity-error"},
    {ReasonCondition::decline, "decline"},
    {ReasonCondition::expired, "expired"},
    {ReasonCondition::failed_application, "failed-application"},
    {ReasonCondition::failed_transport, "failed-transport"},
    {ReasonCondition::general_error, "general-error"},
    {ReasonCondition::gone, "gone"},
    {ReasonCondition::incompatible_parameters, "incompatible-parameters"},
    {ReasonCondition::media_error, "media-error"},
    {ReasonCondition::security_error, "security-error"},
    {ReasonCondition::success, "success"},
    {ReasonCondition::timeout, "timeout"},
    {ReasonCondition::unsupported_applications, "unsupported-applications"},
    {ReasonCondition::unsupported_transports, "unsupported-transports"},
}};

constexpr Names<Condition, 5> k_conditions{{
    {Condition::out_of_order, "out-of-order"},
    {Condition::tie_break, "tie-break"},
    {Condition::unknown_session, "unknown-session"},
    {Condition::unsupported_info, "unsupported-info"},
    {Condition::security_required, "security-required"},
}};

template <class E, std::size_t N> std::string_view name_of(const Names<E, N>& names, E value) {
  for (const auto& [v, n] : names)
    if (v == value) return n;
  return {};
}

template <class E, std::size_t N>
std::optional<E> value_of(const Names<E, N>& names, std::string_view text) {
  for (const auto& [v, n] : names)
    if (n == text) return v;
  return std::nullopt;
}

xml::Element element(std::string_view name, std::string_view ns = k_ns) {
  return xml::Element(std::string(name), std::string(ns));
}

tl::unexpected<Error> bad_jingle(std::string message) {
  return fail(ErrorKind::protocol, "bad_jingle", "bad-request", std::move(message));
}

xml::Element content_element(const Content& c) {
  auto e = element("content");
  e.set_attr("creator", std::string(to_string(c.creator)));
  e.set_attr("name", c.name);
  if (c.senders) e.set_attr("senders", std::string(to_string(*c.senders)));
  if (c.disposition) e.set_attr("disposition", *c.disposition);
  if (c.description) e.add_child(*c.description);
  if (c.transport) e.add_child(*c.transport);
  if (c.security) e.add_child(*c.security);
  return e;
}

xml::Element reason_element(const Reason& r) {
  auto e = element("reason");
  auto& condition = e.add_child(element(to_string(r.condition)));
  if (r.condition == ReasonCondition::alternative_session && r.alternative_sid)
    condition.add_child(element("sid")).add_text(*r.alternative_sid);
  if (r.text) e.add_child(element("text")).add_text(*r.text);
  if (r.detail) e.add_child(*r.detail);
  return e;
}

Result<Content> parse_content(const xml::Element& e) {
  Content c;
  const auto creator = e.attr("creator");
  const auto role = creator ? parse_role(*creator) : std::nullopt;
  if (!role) return bad_jingle("a <content/> has no valid 'creator'");
  c.creator = *role;
  auto name = e.attr("name");
  if (!name || name->empty()) return bad_jingle("a <content/> has no 'name'");
  c.name = std::move(*name);
  if (const auto senders = e.attr("senders")) {
    c.senders = parse_senders(*senders);
    if (!c.senders) return bad_jingle("a <content/> has an unknown 'senders' '" + *senders + "'");
  }
  if (auto disposition = e.attr("disposition")) c.disposition = std::move(*disposition);
  // §7.3: description, transport and security are of other namespaces; each is identified by its
  // local name, the first of each kept (a content carries one of each, §6.2).
  for (const auto* child : e.elements()) {
    if (child->ns() == k_ns) continue;
    if (child->name() == "description" && !c.description)
      c.description = *child;
    else if (child->name() == "transport" && !c.transport)
      c.transport = *child;
    else if (child->name() == "security" && !c.security)
      c.security = *child;
  }
  return c;
}

Reason parse_reason(const xml::Element& e) {
  Reason r{ReasonCondition::general_error, std::nullopt, std::nullopt, std::nullopt};
  bool have_condition = false;
  for (const auto* child : e.elements()) {
    if (child->ns() != k_ns) {
      if (!r.detail) r.detail = *child;
      continue;
    }
    if (child->name() == "text") {
      if (!r.text) r.text = child->text();
      continue;
    }
    if (have_condition) continue;
    if (const auto condition = parse_reason_condition(child->name())) {
      r.condition = *condition;
      have_condition = true;
      if (*condition == ReasonCondition::alternative_session)
        r.alternative_sid = child->child_text("sid", k_ns);
    }
  }
  return r;
}

bool carries_contents(Action action) {
  switch (action) {
  case Action::content_accept:
  case Action::content_add:
  case Action::content_modify:
  case Action::content_reject:
  case Action::content_remove:
  case Action::transport_accept:
  case Action::transport_reject:
  case Action::transport_replace:
    return true;
  default:
    return false;
  }
}

}  // namespace

std::string_view to_string(Action action) {
  return name_of(k_actions, action);
}
std::optional<Action> parse_action(std::string_view text) {
  return value_of(k_actions, text);
}
std::string_view to_string(Role role) {
  return name_of(k_roles, role);
}
std::optional<Role> parse_role(std::string_view text) {
  return value_of(k_roles, text);
}
Role other(Role role) {
  return role == Role::initiator ? Role::responder : Role::initiator;
}
std::string_view to_string(Senders senders) {
  return name_of(k_senders, senders);
}
std::optional<Senders> parse_senders(std::string_view text) {
  return value_of(k_senders, text);
}
std::string_view to_string(ReasonCondition condition) {
  return name_of(k_reasons, condition);
}
std::optional<ReasonCondition> parse_reason_condition(std::string_view text) {
  return value_of(k_reasons, text);
}
std::string_view to_string(Condition condition) {
  return name_of(k_conditions, condition);
}
std::optional<Condition> parse_condition(std::string_view text) {
  return value_of(k_conditions, text);
}

// ---- the element ----

xml::Element to_element(const Jingle& jingle) {
  auto e = element("jingle");
  e.set_attr("action", std::string(to_string(jingle.action)));
  if (jingle.initiator) e.set_attr("initiator", *jingle.initiator);
  if (jingle.responder) e.set_attr("responder", *jingle.responder);
  e.set_attr("sid", jingle.sid);
  for (const auto& c : jingle.contents)
    e.add_child(content_element(c));
  if (jingle.reason) e.add_child(reason_element(*jingle.reason));
  for (const auto& p : jingle.payloads)
    e.add_child(p);
  return e;
}

Result<Jingle> parse(const xml::Element& e) {
  if (!e.is("jingle", k_ns)) return bad_jingle("expected a <jingle/> in " + std::string(k_ns));
  Jingle j;
  const auto action_text = e.attr("action");
  if (!action_text) return bad_jingle("the <jingle/> has no 'action'");
  const auto action = parse_action(*action_text);
  if (!action) return bad_jingle("unknown Jingle action '" + *action_text + "'");
  j.action = *action;
  auto sid = e.attr("sid");
  if (!sid || sid->empty()) return bad_jingle("the <jingle/> has no 'sid'");
  j.sid = std::move(*sid);
  j.initiator = e.attr("initiator");
  j.responder = e.attr("responder");
  for (const auto* child : e.elements()) {
    if (child->is("content", k_ns)) {
      auto c = parse_content(*child);
      if (!c) return fail(c.error());
      j.contents.push_back(std::move(*c));
    } else if (child->is("reason", k_ns)) {
      if (!j.reason) j.reason = parse_reason(*child);
    } else if (child->ns() != k_ns) {
      j.payloads.push_back(*child);
    }
  }
  return j;
}

Result<void> validate(const Jingle& j) {
  const auto action = std::string(to_string(j.action));
  if (j.action == Action::session_initiate) {
    if (j.contents.empty()) return bad_jingle("a session-initiate without content");
    // §7.2.10: at least one content has the disposition "session" (the default).
    bool session = false;
    for (const auto& c : j.contents)
      session = session || c.disposition.value_or("session") == "session";
    if (!session) return bad_jingle("a session-initiate without a content of disposition session");
  }
  if (j.action == Action::session_accept) {
    if (j.contents.empty()) return bad_jingle("a session-accept without content");
    for (const auto& c : j.contents)
      if (!c.description || !c.transport)
        return bad_jingle("the session-accept content '" + c.name +
                          "' lacks a description or a transport");
  }
  if (carries_contents(j.action) && j.contents.empty())
    return bad_jingle("a " + action + " without content");
  if (j.action == Action::content_modify)
    for (const auto& c : j.contents)
      if (!c.senders) return bad_jingle("a content-modify without 'senders'");
  return {};
}

xml::Element make_iq(const Jid& to, const Jingle& jingle, std::string id) {
  return stanza::make_iq(stanza::IqType::set, to.str(), to_element(jingle), std::move(id));
}

// ---- builders ----

Jingle make_session_initiate(std::string sid, const Jid& initiator, std::vector<Content> contents) {
  Jingle j;
  j.action = Action::session_initiate;
  j.sid = std::move(sid);
  j.initiator = initiator.str();
  j.contents = std::move(contents);
  return j;
}

Jingle make_session_accept(std::string sid, const Jid& responder, std::vector<Content> contents) {
  Jingle j;
  j.action = Action::session_accept;
  j.sid = std::move(sid);
  j.responder = responder.str();
  j.contents = std::move(contents);
  return j;
}

Jingle make_session_terminate(std::string sid, Reason reason) {
  Jingle j;
  j.action = Action::session_terminate;
  j.sid = std::move(sid);
  j.reason = std::move(reason);
  return j;
}

Jingle make_session_info(std::string sid, std::optional<xml::Element> payload) {
  Jingle j;
  j.action = Action::session_info;
  j.sid = std::move(sid);
  if (payload) j.payloads.push_back(std::move(*payload));
  return j;
}

Jingle make_content_action(Action action, std::string sid, std::vector<Content> contents,
                           std::optional<Reason> reason) {
  Jingle j;
  j.action = action;
  j.sid = std::move(sid);
  j.contents = std::move(contents);
  j.reason = std::move(reason);
  return j;
}

Reason make_reason(ReasonCondition condition, std::optional<std::string> text) {
  return Reason{condition, std::move(text), std::nullopt, std::nullopt};
}

Content transport_content(const Content& existing, xml::Element transport) {
  Content c;
  c.creator = existing.creator;
  c.name = existing.name;
  c.senders = existing.senders;
  c.transport = std::move(transport);
  return c;
}

// ---- incoming ----

Result<Incoming> parse_iq(const xml::Element& iq) {
  if (!stanza::is_iq(iq) || stanza::iq_type(iq) != stanza::IqType::set)
    return bad_jingle("a Jingle request is an iq of type set");
  const auto from_text = iq.attr("from");
  auto from = from_text ? Jid::parse(*from_text) : tl::unexpected<Error>(Error{});
  if (!from) return bad_jingle("a Jingle request without a valid 'from'");
  const auto* payload = stanza::iq_payload(iq);
  if (payload == nullptr || !payload->is("jingle", k_ns))
    return bad_jingle("the iq carries no <jingle/>");
  auto jingle = parse(*payload);
  if (!jingle) return fail(jingle.error());
  if (auto ok = validate(*jingle); !ok) return fail(ok.error());
  return Incoming{std::move(*from), iq.attr("id").value_or(""), std::move(*jingle)};
}

const Jid& session_peer(const Incoming& incoming) {
  return incoming.from;
}

bool claims_other_party(const Incoming& incoming) {
  const auto& claimed = incoming.jingle.action == Action::session_accept
                            ? incoming.jingle.responder
                            : incoming.jingle.initiator;
  if (!claimed) return false;
  const auto jid = Jid::parse(*claimed);
  return !jid || !(*jid == incoming.from);
}

// ---- errors ----

stanza::StanzaError make_error(Condition condition) {
  std::string xmpp_condition;
  switch (condition) {
  case Condition::out_of_order:
    xmpp_condition = "unexpected-request";
    break;
  case Condition::tie_break:
    xmpp_condition = "conflict";
    break;
  case Condition::unknown_session:
    xmpp_condition = "item-not-found";
    break;
  case Condition::unsupported_info:
    xmpp_condition = "feature-not-implemented";
    break;
  case Condition::security_required:
    xmpp_condition = "not-acceptable";
    break;
  }
  auto error = stanza::make_stanza_error(xmpp_condition);
  // The examples give feature-not-implemented type modify (example 31), the others cancel.
  error.type = condition == Condition::unsupported_info ? stanza::ErrorType::modify
                                                        : stanza::ErrorType::cancel;
  error.application = element(to_string(condition), k_ns_errors);
  return error;
}

std::optional<Condition> error_condition(const xml::Element& error_iq) {
  const auto* error = error_iq.child("error", stanza::k_ns_client);
  if (error == nullptr) return std::nullopt;
  const auto* app = error->child_in(k_ns_errors);
  if (app == nullptr) return std::nullopt;
  return parse_condition(app->name());
}

stanza::StanzaError make_resource_constraint() {
  return stanza::make_stanza_error("resource-constraint");
}

// ---- state machine ----

std::string_view to_string(State state) {
  switch (state) {
  case State::pending:
    return "pending";
  case State::active:
    return "active";
  case State::ended:
    return "ended";
  }
  return {};
}

std::optional<Condition> SessionState::check_incoming(Action action) const {
  if (m_state == State::ended) return Condition::unknown_session;
  switch (action) {
  case Action::session_initiate:
    return Condition::out_of_order;
  case Action::session_accept:
    // Only the responder accepts, once (§5.1).
    if (m_role == Role::responder || m_state != State::pending) return Condition::out_of_order;
    return std::nullopt;
  case Action::transport_accept:
  case Action::transport_reject:
    if (!m_replace_sent) return Condition::out_of_order;
    return std::nullopt;
  case Action::transport_replace:
    // §7.2.16 "Existing session": both sent transport-replace; the initiator's overrules.
    if (m_replace_sent && m_role == Role::initiator) return Condition::tie_break;
    return std::nullopt;
  default:
    return std::nullopt;
  }
}

bool SessionState::may_send(Action action) const {
  if (m_state == State::ended) return false;
  switch (action) {
  case Action::session_initiate:
    return false;
  case Action::session_accept:
    return m_role == Role::responder && m_state == State::pending;
  case Action::transport_accept:
  case Action::transport_reject:
    return m_replace_received;
  case Action::transport_replace:
    return !m_replace_sent;
  default:
    return true;
  }
}

void SessionState::apply(Action action, bool outgoing) {
  switch (action) {
  case Action::session_accept:
    if (m_state == State::pending) m_state = State::active;
    break;
  case Action::session_terminate:
    m_state = State::ended;
    break;
  case Action::transport_replace:
    if (outgoing) {
      m_replace_sent = true;
    } else {
      m_replace_received = true;
      // Accepting the peer's replacement means ours (the responder's, overruled) is void.
      m_replace_sent = false;
    }
    break;
  case Action::transport_accept:
  case Action::transport_reject:
    if (outgoing)
      m_replace_received = false;
    else
      m_replace_sent = false;
    break;
  default:
    break;
  }
}

bool our_initiate_wins(std::string_view our_sid, const Jid& us, std::string_view their_sid,
                       const Jid& them) {
  // i;octet (RFC 4790 §9.3) compares unsigned octets; std::string_view::compare uses
  // char_traits<char>::compare, which compares as unsigned char.
  if (our_sid != their_sid) return our_sid.compare(their_sid) < 0;
  return us.str() < them.str();
}

}  // namespace xmpp::jingle
