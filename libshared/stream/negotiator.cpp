#include "stream/negotiator.hpp"

#include <openssl/crypto.h>

#include "core/base64.hpp"
#include "core/random.hpp"
#include "stanza/error.hpp"
#include "stanza/iq.hpp"
#include "stanza/namespaces.hpp"
#include "stanza/stream_error.hpp"
#include "stream/namespaces.hpp"
#include "stream/sasl2.hpp"
#include "stream/sm.hpp"
#include "xml/whitespace.hpp"

namespace xmpp::stream {
namespace {

// XEP-0115 Entity Capabilities; xep/caps cannot be used here (it builds on this library).
constexpr std::string_view k_ns_caps = "http://jabber.org/protocol/caps";

enum class State {
  header,         // waiting for the server's stream header
  features,       // waiting for <stream:features/>
  tls_proceed,    // sent <starttls/>
  tls_handshake,  // got <proceed/>, the driver runs the handshake
  sasl,           // sent <auth/> (or SASL2 <authenticate/>), exchanging challenges
  bind,           // sent the bind iq
  session,        // sent the legacy session iq
  sm_enable,      // sent <enable/>
  sm_resume,      // sent <resume/>
  done,
};

tl::unexpected<Error> stream_violation(std::string condition, std::string message) {
  return fail(ErrorKind::protocol, "stream_error", std::move(condition), std::move(message));
}

// SASL payloads are base64 (RFC 6120 §6.4.2); "=" stands for a present but empty payload.
std::optional<std::string> decode_sasl(const std::string& text) {
  if (text.empty() || text == "=") return std::string();
  return base64_decode(text);
}

bool is_true(const std::optional<std::string>& v) {
  return v == "true" || v == "1";
}

// SECURITY.md (c) "Memory hygiene": password copies are overwritten once they are not needed.
void wipe(std::string& secret) {
  OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
}

}  // namespace

sasl::TlsState tls_state(const net::TlsInfo& tls) {
  sasl::TlsState s;
  s.active = tls.active;
  s.verified = tls.verified;
  s.tls13 = tls.version == "TLSv1.3";
  s.exporter = tls.exporter;
  s.server_end_point = tls.server_end_point;
  s.unique = tls.unique;
  return s;
}

Error sasl_failure_error(const xml::Element& failure, const Jid& jid) {
  std::string condition;
  std::string text;
  for (const xml::Element* child : failure.elements()) {
    // SASL2 (XEP-0388 "Failure") keeps RFC 6120's conditions, with <text/> in its namespace.
    if (child->is("text", k_ns_sasl) || child->is("text", k_ns_sasl2)) {
      if (text.empty()) text = child->text();
    } else if (child->ns() == k_ns_sasl && condition.empty()) {
      condition = child->name();
    }
  }
  if (condition.empty()) condition = "not-authorized";  // RFC 6120 §6.5: a condition is required
  const std::string who = jid.has_local() ? jid.bare_str() : jid.domain();
  std::string message = "authentication failed for " + who + ": " + condition;
  if (!text.empty()) message += " (" + text + ")";
  // RFC 6120 §6.5.10: temporary-auth-failure is the only condition worth retrying; every other
  // one would repeat the failure (and a retry loop risks an account lockout, SECURITY.md (b)).
  const ErrorKind kind =
      condition == "temporary-auth-failure" ? ErrorKind::temporary : ErrorKind::no_perm;
  return make_error(kind, "auth_failed", condition, std::move(message));
}

struct Negotiator::Impl {
  ~Impl() { wipe(options.password); }

  NegotiatorOptions options;
  State state = State::header;
  net::TlsInfo tls;
  bool authenticated = false;
  std::unique_ptr<sasl::Mechanism> mechanism;
  NegotiationResult result;
  // Post-authentication features.
  bool sm_offered = false;
  bool session_required = false;
  bool bind_offered = false;
  std::string pending_id;     // id of the bind or session iq in flight
  bool sasl2 = false;         // authenticating with XEP-0388 (no stream restart)
  bool bound_inline = false;  // XEP-0386 Bind 2 bound the resource inside SASL2
  bool sm_inline = false;     // XEP-0198 was answered inside Bind 2 (<enabled/> or <failed/>)
  bool bind_retried = false;
  std::string resource;

  std::string new_id() { return options.random_id ? options.random_id() : random_id(); }

  tl::unexpected<Error> unexpected(const xml::Element& e, std::string_view waiting) {
    if (e.ns() == k_ns_sasl || e.ns() == k_ns_sasl2) {
      // A SASL outcome nobody asked for (e.g. <success/> before <auth/>) is an attack on the
      // authentication exchange (SECURITY.md row 29), not a mere protocol slip.
      return fail(ErrorKind::no_perm, "sasl_unexpected", "",
                  "server sent " + xml::describe(e) + " outside SASL negotiation (possible attack)");
    }
    return stream_violation("unsupported-stanza-type", "unexpected " + xml::describe(e) +
                                                           " while waiting for " +
                                                           std::string(waiting));
  }

  Result<Action> on_features(const xml::Element& f) {
    if (!tls.active) {
      // RFC 6120 §5.3.1: we never continue in the clear; a server that does not offer TLS is
      // either misconfigured or has had <starttls/> stripped (CVE-2016-10027, SECURITY.md row 24).
      if (!f.child("starttls", k_ns_tls))
        return fail(ErrorKind::no_perm, "starttls_missing", "",
                    "server did not offer TLS (possible downgrade)");
      state = State::tls_proceed;
      return Action{{xml::Element("starttls", std::string(k_ns_tls))}, Action::Next::read};
    }
    if (!authenticated) return start_sasl(f);
    return on_post_auth_features(f);
  }

  Result<std::unique_ptr<sasl::Mechanism>> choose(const sasl::Offer& offer) {
    sasl::Policy policy;
    policy.allowed = options.sasl_mechanisms;
    policy.anonymous = options.anonymous;
    sasl::Credentials credentials;
    if (!options.anonymous) {
      credentials.authcid = options.jid.local();
      credentials.password = options.password;
    }
    auto chosen = options.choose
                      ? options.choose(offer, policy, credentials, tls_state(tls), options.nonce)
                      : sasl::choose(offer, policy, credentials, tls_state(tls), options.nonce);
    wipe(credentials.password);
    return chosen;
  }

  Result<Action> start_sasl(const xml::Element& f) {
    sasl::Offer offer;
    const xml::Element* mechs = f.child("mechanisms", k_ns_sasl);
    if (mechs)
      for (const xml::Element* m : mechs->children("mechanism", k_ns_sasl))
        offer.mechanisms.push_back(std::string(xml::trim_space(m->text())));
    if (const xml::Element* cb = f.child("sasl-channel-binding", k_ns_sasl_cb)) {
      offer.cb_types_advertised = true;
      for (const xml::Element* t : cb->children("channel-binding", k_ns_sasl_cb))
        if (auto type = t->attr("type")) offer.cb_types.push_back(*type);
    }
    // XEP-0388: SASL2 saves the stream restart (and, with Bind 2, the bind round trip). Its
    // mechanisms go through the same choice and XEP-0440 checks; and where the server also lists
    // RFC 6120 mechanisms, SASL2 is used only when it yields the very mechanism the RFC 6120 list
    // would: a SASL2 list with -PLUS (or SCRAM) stripped never leads to a weaker choice.
    if (auto offer2 = parse_sasl2_offer(f)) {
      sasl::Offer sasl2_offer = offer;
      sasl2_offer.mechanisms = offer2->mechanisms;
      auto chosen2 = choose(sasl2_offer);
      if (!mechs) {
        if (!chosen2) return fail(chosen2.error());
        return start_sasl2(std::move(*chosen2), *offer2);
      }
      auto chosen1 = choose(offer);
      if (chosen1 && chosen2 && (*chosen1)->name() == (*chosen2)->name())
        return start_sasl2(std::move(*chosen2), *offer2);
      return start_sasl1(std::move(chosen1));
    }
    return start_sasl1(choose(offer));
  }

  Result<Action> start_sasl1(Result<std::unique_ptr<sasl::Mechanism>> chosen) {
    if (!chosen) return fail(chosen.error());
    mechanism = std::move(*chosen);
    auto initial = mechanism->initial_response();
    if (!initial) return fail(initial.error());
    xml::Element auth("auth", std::string(k_ns_sasl));
    auth.set_attr("mechanism", mechanism->name());
    if (*initial) auth.add_text((*initial)->empty() ? std::string("=") : base64_encode(**initial));
    state = State::sasl;
    return Action{{std::move(auth)}, Action::Next::read};
  }

  Result<Action> start_sasl2(std::unique_ptr<sasl::Mechanism> chosen, const Sasl2Offer& offer) {
    mechanism = std::move(chosen);
    auto initial = mechanism->initial_response();
    if (!initial) return fail(initial.error());
    Sasl2Request request;
    request.mechanism = mechanism->name();
    request.initial_response = std::move(*initial);
    // Bind 2 lets the server pick the resource (XEP-0386 "Resource identifier generation"): a
    // requested --resource, or a resumption (done after authentication, as without SASL2), keeps
    // RFC 6120 binding.
    request.bind2 = offer.bind2 && resource.empty() && !options.resume;
    request.enable_sm = request.bind2 && offer.bind2_sm && options.stream_management;
    sasl2 = true;
    result.sasl2 = true;
    state = State::sasl;
    return Action{{make_authenticate(request)}, Action::Next::read};
  }

  Result<Action> on_sasl(const xml::Element& e) {
    const std::string_view ns = sasl2 ? k_ns_sasl2 : k_ns_sasl;
    if (e.is("challenge", ns)) {
      // XEP-0388 asks for no whitespace in SASL2 data but its own examples wrap it: trimmed.
      auto data = decode_sasl(sasl2 ? std::string(xml::trim_space(e.text())) : e.text());
      if (!data) return stream_violation("bad-format", "SASL challenge is not valid base64");
      auto answer = mechanism->respond(*data);
      if (!answer) return fail(answer.error());
      xml::Element response("response", std::string(ns));
      if (!answer->empty()) response.add_text(base64_encode(*answer));
      return Action{{std::move(response)}, Action::Next::read};
    }
    if (sasl2) return on_sasl2_outcome(e);
    if (e.is("success", k_ns_sasl)) {
      std::optional<std::string> additional;
      if (!e.text().empty()) {
        additional = decode_sasl(e.text());
        if (!additional)
          return stream_violation("bad-format", "SASL success data is not valid base64");
      }
      if (auto ok = mechanism->verify_success(additional); !ok) return fail(ok.error());
      authenticated = true;
      wipe(options.password);
      result.mechanism = mechanism->name();
      mechanism.reset();
      state = State::header;  // RFC 6120 §6.4.6: the stream restarts after <success/>
      return Action{{}, Action::Next::restart};
    }
    if (e.is("failure", k_ns_sasl)) return fail(sasl_failure_error(e, options.jid));
    return unexpected(e, "the SASL result");
  }

  // XEP-0388 "Completing Authentication": <success/> (then the authenticated stream's features, no
  // restart), <failure/>, or <continue/> with tasks (none of which we implement).
  Result<Action> on_sasl2_outcome(const xml::Element& e) {
    if (e.is("failure", k_ns_sasl2)) return fail(sasl_failure_error(e, options.jid));
    if (e.is("continue", k_ns_sasl2)) {
      const auto tasks = sasl2_tasks(e);
      std::string names;
      for (const auto& t : tasks)
        names += (names.empty() ? "" : ", ") + t;
      return fail(ErrorKind::no_perm, "auth_failed", "",
                  "the server requires further authentication steps we do not support (" +
                      (names.empty() ? std::string("no task named") : names) + ")");
    }
    if (!e.is("success", k_ns_sasl2)) return unexpected(e, "the SASL result");
    auto success = parse_sasl2_success(e);
    if (!success) return fail(success.error());
    if (auto ok = mechanism->verify_success(success->additional_data); !ok) return fail(ok.error());
    auto identity = Jid::parse(success->authorization_identifier);
    if (!identity)
      return stream_violation("bad-format", "SASL2 authorization identifier '" +
                                                success->authorization_identifier +
                                                "' is not a JID");
    // The server names the account it authenticated: it must be ours (anonymous logins get a
    // generated local part on our domain), as for RFC 6120 binding.
    const bool same_account = options.anonymous ? identity->domain() == options.jid.domain()
                                                : identity->bare() == options.jid.bare();
    if (!same_account)
      return fail(ErrorKind::protocol, "bind_failed", "",
                  "server authenticated '" + identity->str() + "', which is not our account");
    if (success->bound) {
      if (identity->is_bare())
        return fail(ErrorKind::protocol, "bind_failed", "",
                    "server reported a Bind 2 resource but no full JID ('" + identity->str() +
                        "')");
      result.jid = std::move(*identity);
      result.bind2 = true;
      bound_inline = true;
      if (success->sm_result) {
        sm_inline = true;
        if (auto ok = take_sm_result(*success->sm_result); !ok) return fail(ok.error());
      }
    }
    authenticated = true;
    wipe(options.password);
    result.mechanism = mechanism->name();
    mechanism.reset();
    state = State::features;  // XEP-0388 "Success": <features/> follow at once, no restart
    return Action{{}, Action::Next::read};
  }

  Result<Action> on_post_auth_features(const xml::Element& f) {
    record_features(f);
    if (bound_inline) {
      // Bind 2 bound the resource; XEP-0198 is enabled here only if Bind 2 did not answer it.
      if (sm_inline) sm_offered = false;
      return after_bind();
    }
    if (options.resume) {
      if (sm_offered) {
        state = State::sm_resume;
        xml::Element r("resume", std::string(k_ns_sm));
        r.set_attr("previd", options.resume->previd);
        r.set_attr("h", std::to_string(options.resume->h));
        return Action{{std::move(r)}, Action::Next::read};
      }
      result.resume_failure = "feature-not-implemented";
    }
    return start_bind();
  }

  void record_features(const xml::Element& f) {
    result.features.clear();
    for (const xml::Element* c : f.elements())
      result.features.push_back(c->ns());
    // XEP-0115 §6.3: a server may announce its own capabilities in the stream features.
    result.caps.reset();
    if (const xml::Element* caps = f.child("c", k_ns_caps)) result.caps = *caps;
    sm_offered = f.child("sm", k_ns_sm) != nullptr;
    bind_offered = f.child("bind", k_ns_bind) != nullptr;
    const xml::Element* session = f.child("session", k_ns_session);
    // RFC 6121 Appendix E / draft-cridland-xmpp-session: only a session feature without
    // <optional/> still needs the RFC 3921 iq.
    session_required = session && !session->child("optional", k_ns_session);
  }

  Result<Action> start_bind() {
    if (!bind_offered)
      return fail(ErrorKind::protocol, "bind_failed", "", "server did not offer resource binding");
    xml::Element bind("bind", std::string(k_ns_bind));
    if (!resource.empty()) {
      xml::Element r("resource", std::string(k_ns_bind));
      r.add_text(resource);
      bind.add_child(std::move(r));
    }
    pending_id = new_id();
    state = State::bind;
    return Action{{stanza::make_iq(stanza::IqType::set, "", std::move(bind), pending_id)},
                  Action::Next::read};
  }

  bool is_our_reply(const xml::Element& e) const {
    return stanza::is_iq(e) && e.attr("id") == pending_id &&
           (e.attr("type") == "result" || e.attr("type") == "error");
  }

  Result<Action> on_bind(const xml::Element& e) {
    if (!is_our_reply(e)) return unexpected(e, "the resource binding result");
    if (e.attr("type") == "error") {
      const auto error = stanza::parse_stanza_error(e);
      if (error.condition == "conflict" && !bind_retried) {
        // RFC 6120 §7.7.2.2: the resource is in use; one more try with a random one, so two
        // concurrent runs with the same --resource do not kick each other forever.
        bind_retried = true;
        resource = "xmpp-" + new_id();
        return start_bind();
      }
      ErrorKind kind = ErrorKind::protocol;
      std::string code = "bind_failed";
      if (error.condition == "conflict") {
        kind = ErrorKind::temporary;
        code = "bind_conflict";
      } else if (error.condition == "resource-constraint" ||
                 error.type == stanza::ErrorType::wait) {
        kind = ErrorKind::temporary;
      } else if (error.condition == "not-allowed" || error.condition == "forbidden" ||
                 error.condition == "not-authorized") {
        kind = ErrorKind::no_perm;
      }
      std::string message = "resource binding failed: " + error.condition;
      if (!error.text.empty()) message += " (" + error.text + ")";
      return fail(kind, code, error.condition, std::move(message));
    }
    const xml::Element* bind = e.child("bind", k_ns_bind);
    const auto jid_text = bind ? bind->child_text("jid", k_ns_bind) : std::nullopt;
    if (!jid_text) return fail(ErrorKind::protocol, "bind_failed", "", "bind result without a JID");
    auto bound = Jid::parse(*jid_text);
    if (!bound || bound->is_bare())
      return fail(ErrorKind::protocol, "bind_failed", "",
                  "server bound an invalid full JID '" + *jid_text + "'");
    // RFC 6120 §7.6.3: the server picks the resource, never the account (anonymous logins get
    // a generated local part on our domain).
    const bool same_account = options.anonymous ? bound->domain() == options.jid.domain()
                                                : bound->bare() == options.jid.bare();
    if (!same_account)
      return fail(ErrorKind::protocol, "bind_failed", "",
                  "server bound '" + bound->str() + "', which is not our account");
    result.jid = std::move(*bound);
    if (session_required) {
      pending_id = new_id();
      state = State::session;
      return Action{
          {stanza::make_iq(stanza::IqType::set, "",
                           xml::Element("session", std::string(k_ns_session)), pending_id)},
          Action::Next::read};
    }
    return after_bind();
  }

  Result<Action> on_session(const xml::Element& e) {
    if (!is_our_reply(e)) return unexpected(e, "the session establishment result");
    if (e.attr("type") == "error") {
      const auto error = stanza::parse_stanza_error(e);
      return fail(ErrorKind::protocol, "session_failed", error.condition,
                  "session establishment failed: " + error.condition);
    }
    return after_bind();
  }

  Result<Action> after_bind() {
    if (options.stream_management && sm_offered) {
      state = State::sm_enable;
      return Action{{StreamManagement::make_enable()}, Action::Next::read};
    }
    state = State::done;
    return Action{{}, Action::Next::done};
  }

  Result<Action> on_sm_enable(const xml::Element& e) {
    if (auto ok = take_sm_result(e); !ok) return fail(ok.error());
    state = State::done;
    return Action{{}, Action::Next::done};
  }

  // XEP-0198 §3 <enabled/> or <failed/> (as a nonza, or inside Bind 2's <bound/>).
  Result<void> take_sm_result(const xml::Element& e) {
    if (e.is("enabled", k_ns_sm)) {
      result.sm_enabled = true;
      result.sm_id = e.attr("id").value_or("");
      result.sm_resumable = is_true(e.attr("resume")) && !result.sm_id.empty();
      if (auto max = e.attr("max")) result.sm_max = parse_h(*max);
      result.sm_location = e.attr("location").value_or("");
    } else if (!e.is("failed", k_ns_sm)) {
      return unexpected(e, "the stream management result");
    }
    // <failed/> is not fatal (XEP-0198 §3): the session simply has no acknowledgements.
    return {};
  }

  Result<Action> on_sm_resume(const xml::Element& e) {
    if (e.is("resumed", k_ns_sm) && e.attr("previd") == options.resume->previd) {
      auto h = parse_h(e.attr("h").value_or(""));
      if (!h) return stream_violation("undefined-condition", "<resumed/> without a valid 'h'");
      result.resumed = true;
      result.resumed_h = *h;
      result.sm_enabled = true;
      result.sm_resumable = true;
      result.sm_id = options.resume->previd;
      state = State::done;
      return Action{{}, Action::Next::done};
    }
    if (e.is("resumed", k_ns_sm)) {
      // SECURITY.md row 42: a <resumed/> for a session we did not ask about resumes nothing.
      result.resume_failure = "item-not-found";
      return start_bind();
    }
    if (e.is("failed", k_ns_sm)) {
      // XEP-0198 §5: after a refused resumption the server lets us bind a fresh resource.
      const xml::Element* condition = e.child_in(stanza::k_ns_stanzas);
      result.resume_failure = condition ? condition->name() : "undefined-condition";
      return start_bind();
    }
    return unexpected(e, "the stream resumption result");
  }
};

Negotiator::Negotiator(NegotiatorOptions options) : m_impl(std::make_unique<Impl>()) {
  m_impl->options = std::move(options);
  m_impl->resource = m_impl->options.resource;
}
Negotiator::~Negotiator() = default;
Negotiator::Negotiator(Negotiator&&) noexcept = default;
Negotiator& Negotiator::operator=(Negotiator&&) noexcept = default;

void Negotiator::set_tls(const net::TlsInfo& tls) {
  m_impl->tls = tls;
  if (m_impl->state == State::tls_handshake) m_impl->state = State::header;
}

Result<void> Negotiator::on_header(const xml::StreamHeader& header) {
  if (m_impl->state != State::header)
    return stream_violation("not-well-formed", "unexpected stream header while waiting for " +
                                                   std::string(waiting_for()));
  // RFC 6120 §4.7.5: without version='1.0' the server does not do XMPP 1.0 (no TLS, no SASL).
  const auto dot = header.version.find('.');
  const std::string major = header.version.substr(0, dot);
  if (major.empty() || major.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(major.substr(0, 3)) < 1)
    return stream_violation("unsupported-version",
                            "server does not support XMPP 1.0 (stream version '" + header.version +
                                "')");
  m_impl->result.stream_id = header.id;
  m_impl->state = State::features;
  return {};
}

Result<Action> Negotiator::on_element(const xml::Element& e) {
  Impl& d = *m_impl;
  if (stanza::is_stream_error(e)) return fail(stanza::to_error(stanza::parse_stream_error(e)));
  // SECURITY.md row 42: XEP-0198 nonzas we did not ask for (an <enabled/> before authentication,
  // an <r/> before <enabled/>) are ignored, not acted on.
  if (e.ns() == k_ns_sm && d.state != State::sm_enable && d.state != State::sm_resume)
    return Action{{}, Action::Next::read};
  switch (d.state) {
  case State::features:
    if (!e.is("features", stanza::k_ns_streams)) return d.unexpected(e, waiting_for());
    return d.on_features(e);
  case State::tls_proceed:
    if (e.is("proceed", k_ns_tls)) {
      d.state = State::tls_handshake;
      return Action{{}, Action::Next::start_tls};
    }
    if (e.is("failure", k_ns_tls))
      return fail(ErrorKind::no_perm, "starttls_failed", "", "server refused STARTTLS");
    return d.unexpected(e, waiting_for());
  case State::sasl:
    return d.on_sasl(e);
  case State::bind:
    return d.on_bind(e);
  case State::session:
    return d.on_session(e);
  case State::sm_enable:
    return d.on_sm_enable(e);
  case State::sm_resume:
    return d.on_sm_resume(e);
  case State::header:
  case State::tls_handshake:
  case State::done:
    break;
  }
  return d.unexpected(e, waiting_for());
}

std::string_view Negotiator::waiting_for() const {
  switch (m_impl->state) {
  case State::header:
    return "the stream header";
  case State::features:
    return "stream features";
  case State::tls_proceed:
    return "the STARTTLS answer";
  case State::tls_handshake:
    return "the TLS handshake";
  case State::sasl:
    return "the SASL result";
  case State::bind:
    return "the resource binding result";
  case State::session:
    return "the session establishment result";
  case State::sm_enable:
    return "the stream management result";
  case State::sm_resume:
    return "the stream resumption result";
  case State::done:
    return "nothing";
  }
  return "nothing";
}

bool Negotiator::tls_active() const {
  return m_impl->tls.active;
}
bool Negotiator::authenticated() const {
  return m_impl->authenticated;
}
bool Negotiator::done() const {
  return m_impl->state == State::done;
}
const NegotiationResult& Negotiator::result() const {
  return m_impl->result;
}

}  // namespace xmpp::stream
