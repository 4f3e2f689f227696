// XEP-0166 Jingle: the envelope against the spec's numbered examples (tests/fixtures/xep0166-*):
// requests read and built back equal to examples 1, 2, 3, 10, 17, 19-27, 30, 32, 35, 36; the
// Jingle error conditions of examples 29, 31, 34, 37; the malformed cases of §7.2 and §7.3; the
// state machine of §5.1, tie-breaks (§7.2.16), unknown-session (§6.7) and SECURITY.md row 50.
#include <doctest/doctest.h>

#include "stanza/iq.hpp"
#include "xep/jingle/jingle.hpp"
#include "xep_examples.hpp"

using namespace xmpp;
using test::canonical;
using test::example;
using test::jid;
using test::with_from;

namespace {

std::string jingle_example(int number, const char* slug) {
  return "xep0166-ex" + std::to_string(number) + "-" + slug + ".xml";
}

const xml::Element& jingle_element_of(const xml::Element& iq) {
  const auto* j = iq.child("jingle", jingle::k_ns);
  REQUIRE(j != nullptr);
  return *j;
}

/// Reads the example's <jingle/>, builds the iq back from the struct and compares.
jingle::Jingle round_trip(const std::string& name) {
  const auto ex = example(name);
  auto parsed = jingle::parse(jingle_element_of(ex));
  REQUIRE_MESSAGE(parsed, (parsed ? "" : parsed.error().message));
  CHECK(jingle::validate(*parsed));
  const auto built = jingle::make_iq(jid(*ex.attr("to")), *parsed, *ex.attr("id"));
  CHECK(canonical(with_from(built, ex)) == canonical(ex));
  // And the incoming view of it.
  const auto incoming = jingle::parse_iq(ex);
  REQUIRE(incoming);
  CHECK(incoming->from == jid(*ex.attr("from")));
  CHECK(incoming->id == *ex.attr("id"));
  CHECK(incoming->jingle == *parsed);
  return *parsed;
}

std::string app_condition(const xml::Element& error_reply) {
  const auto* error = error_reply.child("error", "jabber:client");
  REQUIRE(error != nullptr);
  const auto* app = error->child_in(jingle::k_ns_errors);
  return app ? app->name() : std::string();
}

}  // namespace

TEST_CASE("XEP-0166 §6.2 session-initiate: example 10 read, and built from the builder") {
  const auto j = round_trip(jingle_example(10, "session-initiate"));
  CHECK(j.action == jingle::Action::session_initiate);
  CHECK(j.sid == "a73sjjvkla37jfea");
  CHECK(j.initiator == "romeo@montague.lit/orchard");
  REQUIRE(j.contents.size() == 1);
  const auto& c = j.contents[0];
  CHECK(c.creator == jingle::Role::initiator);
  CHECK(c.name == "voice");
  CHECK_FALSE(c.senders);
  CHECK(c.effective_senders() == jingle::Senders::both);
  REQUIRE(c.description);
  CHECK(c.description->ns() == "urn:xmpp:jingle:apps:rtp:1");
  REQUIRE(c.transport);
  CHECK(c.transport->ns() == "urn:xmpp:jingle:transports:ice-udp:1");
  CHECK(c.transport->children("candidate", c.transport->ns()).size() == 2);

  const auto ex = example(jingle_example(10, "session-initiate"));
  const auto built = jingle::make_session_initiate("a73sjjvkla37jfea",
                                                   jid("romeo@montague.lit/orchard"), j.contents);
  CHECK(canonical(with_from(jingle::make_iq(jid("juliet@capulet.lit/balcony"), built, "xs51r0k4"),
                            ex)) == canonical(ex));
}

TEST_CASE("XEP-0166 stub examples 1-3 and the security precondition stub 35, security-info 36") {
  CHECK(round_trip(jingle_example(1, "initiate-stub")).contents.at(0).name == "this-is-a-stub");
  const auto accept = round_trip(jingle_example(2, "accept-stub"));
  CHECK(accept.action == jingle::Action::session_accept);
  CHECK(accept.responder == "juliet@capulet.lit/balcony");
  CHECK(round_trip(jingle_example(3, "terminate-stub")).reason->condition ==
        jingle::ReasonCondition::success);
  const auto secured = round_trip(jingle_example(35, "initiate-security-stub"));
  REQUIRE(secured.contents.at(0).security);
  CHECK(secured.contents[0].security->ns() == "urn:xmpp:jingle:security:stub:0");
  const auto info = round_trip(jingle_example(36, "security-info"));
  CHECK(info.action == jingle::Action::security_info);
  CHECK(info.contents.at(0).security.has_value());
}

TEST_CASE("XEP-0166 §6.5 session-accept: example 17 read and built") {
  const auto j = round_trip(jingle_example(17, "session-accept"));
  const auto ex = example(jingle_example(17, "session-accept"));
  const auto built =
      jingle::make_session_accept(j.sid, jid("juliet@capulet.lit/balcony"), j.contents);
  CHECK(canonical(with_from(jingle::make_iq(jid("romeo@montague.lit/orchard"), built, "jd82f517"),
                            ex)) == canonical(ex));
}

TEST_CASE("XEP-0166 §6.7 session-terminate: examples 19-27, each reason built back") {
  const std::vector<std::tuple<int, const char*, jingle::ReasonCondition>> cases{
      {19, "terminate-success", jingle::ReasonCondition::success},
      {20, "terminate-busy", jingle::ReasonCondition::busy},
      {21, "terminate-decline", jingle::ReasonCondition::decline},
      {23, "terminate-unsupported-transports", jingle::ReasonCondition::unsupported_transports},
      {24, "terminate-failed-transport", jingle::ReasonCondition::failed_transport},
      {26, "terminate-failed-application", jingle::ReasonCondition::failed_application},
      {27, "terminate-incompatible", jingle::ReasonCondition::incompatible_parameters},
  };
  for (const auto& item : cases) {
    const auto& [number, slug, condition] = item;
    const int shown = std::get<0>(item);  // clang 14 cannot capture a structured binding
    CAPTURE(shown);
    const auto j = round_trip(jingle_example(number, slug));
    REQUIRE(j.reason);
    CHECK(j.reason->condition == condition);
    const auto ex = example(jingle_example(number, slug));
    const auto built = jingle::make_session_terminate(j.sid, jingle::make_reason(condition));
    CHECK(canonical(with_from(jingle::make_iq(jid(*ex.attr("to")), built, *ex.attr("id")), ex)) ==
          canonical(ex));
  }
  // Example 22: alternative-session names the other session.
  const auto alt = round_trip(jingle_example(22, "terminate-alternative"));
  CHECK(alt.reason->condition == jingle::ReasonCondition::alternative_session);
  CHECK(alt.reason->alternative_sid == "b84tkkwlmb48kgfb");
}

TEST_CASE("XEP-0166 §7.4 reason: text, a detail element, unknown conditions") {
  auto reason = jingle::make_reason(jingle::ReasonCondition::decline, "no thanks");
  reason.detail = xml::Element("file-too-large", "urn:xmpp:jingle:apps:file-transfer:errors:0");
  const auto j = jingle::make_session_terminate("s1", reason);
  const auto back = jingle::parse(jingle::to_element(j));
  REQUIRE(back);
  CHECK(*back == j);

  // An unknown condition is read as general-error: a terminate is honoured whatever its reason.
  auto e = jingle::to_element(
      jingle::make_session_terminate("s1", jingle::make_reason(jingle::ReasonCondition::busy)));
  e.nodes().clear();
  e.add_child(xml::Element("reason", std::string(jingle::k_ns)))
      .add_child(xml::Element("bored", std::string(jingle::k_ns)));
  const auto odd = jingle::parse(e);
  REQUIRE(odd);
  CHECK(odd->reason->condition == jingle::ReasonCondition::general_error);
}

TEST_CASE("XEP-0166 §6.8 session-info: ringing payload (example 30) and the ping (example 32)") {
  const auto ringing = round_trip(jingle_example(30, "session-info-ringing"));
  REQUIRE(ringing.payloads.size() == 1);
  CHECK(ringing.payloads[0].is("ringing", "urn:xmpp:jingle:apps:rtp:1:info"));
  const auto ex = example(jingle_example(30, "session-info-ringing"));
  const auto built = jingle::make_session_info(ringing.sid, ringing.payloads[0]);
  CHECK(canonical(with_from(jingle::make_iq(jid(*ex.attr("to")), built, *ex.attr("id")), ex)) ==
        canonical(ex));

  const auto ping = round_trip(jingle_example(32, "session-ping"));
  CHECK(ping.payloads.empty());
  const auto ping_ex = example(jingle_example(32, "session-ping"));
  CHECK(
      canonical(with_from(jingle::make_iq(jid(*ping_ex.attr("to")),
                                          jingle::make_session_info(ping.sid), *ping_ex.attr("id")),
                          ping_ex)) == canonical(ping_ex));
}

TEST_CASE("XEP-0166 §10 errors: examples 29, 31, 34, 37 built and read") {
  const std::vector<std::tuple<int, const char*, jingle::Condition>> cases{
      {29, "unknown-session", jingle::Condition::unknown_session},
      {31, "unsupported-info", jingle::Condition::unsupported_info},
      {34, "tie-break", jingle::Condition::tie_break},
      {37, "security-required", jingle::Condition::security_required},
  };
  for (const auto& item : cases) {
    const auto& [number, slug, condition] = item;
    const int shown = std::get<0>(item);  // clang 14 cannot capture a structured binding
    CAPTURE(shown);
    const auto ex = example(jingle_example(number, slug));
    CHECK(jingle::error_condition(ex) == condition);
    // The request the example answers, rebuilt from the example's addresses.
    auto request =
        stanza::make_iq(stanza::IqType::set, *ex.attr("from"), std::nullopt, *ex.attr("id"));
    request.set_attr("from", *ex.attr("to"));
    const auto reply = stanza::make_error_reply(request, jingle::make_error(condition));
    CHECK(canonical(with_from(reply, ex)) == canonical(ex));
    CHECK(app_condition(reply) == jingle::to_string(condition));
  }
  // Examples 12 and 16 carry no Jingle condition.
  CHECK_FALSE(jingle::error_condition(example(jingle_example(12, "unknown-initiator"))));
  CHECK_FALSE(jingle::error_condition(example(jingle_example(16, "malformed"))));
  CHECK(stanza::make_error_reply(example(jingle_example(10, "session-initiate")),
                                 jingle::make_resource_constraint())
            .child("error", "jabber:client")
            ->attr("type") == "wait");
}

TEST_CASE("XEP-0166 §7.2, §7.3: malformed requests are bad-request") {
  const auto good = jingle_element_of(example(jingle_example(10, "session-initiate")));
  auto check_bad = [](const xml::Element& e) {
    const auto r = jingle::parse(e);
    if (r) {
      const auto v = jingle::validate(*r);
      REQUIRE_FALSE(v);
      CHECK(v.error().condition == "bad-request");
      return;
    }
    CHECK(r.error().code == "bad_jingle");
    CHECK(r.error().condition == "bad-request");
    CHECK(r.error().kind == ErrorKind::protocol);
  };
  auto e = good;
  e.set_attr("action", "session-dance");
  check_bad(e);
  e = good;
  e.remove_attr("action");
  check_bad(e);
  e = good;
  e.remove_attr("sid");
  check_bad(e);
  e = good;
  e.set_attr("sid", "");
  check_bad(e);
  e = good;
  e.nodes().clear();  // session-initiate without content
  check_bad(e);
  e = good;
  e.child("content", jingle::k_ns)->set_attr("creator", "bystander");
  check_bad(e);
  e = good;
  e.child("content", jingle::k_ns)->remove_attr("name");
  check_bad(e);
  e = good;
  e.child("content", jingle::k_ns)->set_attr("senders", "everyone");
  check_bad(e);
  e = good;
  e.child("content", jingle::k_ns)->set_attr("disposition", "early-session");
  check_bad(e);  // §7.2.10: one content, not of disposition session
  // session-accept whose content lacks a transport.
  auto accept = jingle_element_of(example(jingle_example(17, "session-accept")));
  auto& content = *accept.child("content", jingle::k_ns);
  REQUIRE(content.child("description", "urn:xmpp:jingle:apps:rtp:1") != nullptr);
  const auto kept_description = *content.child("description", "urn:xmpp:jingle:apps:rtp:1");
  content.nodes().clear();
  content.add_child(kept_description);
  check_bad(accept);
  // content-modify needs senders.
  jingle::Content modify;
  modify.name = "voice";
  check_bad(jingle::to_element(
      jingle::make_content_action(jingle::Action::content_modify, "s1", {modify})));
  // transport-replace needs a content.
  check_bad(
      jingle::to_element(jingle::make_content_action(jingle::Action::transport_replace, "s1", {})));
  check_bad(xml::Element("jingle", "urn:xmpp:jingle:0"));

  // parse_iq: a get, a missing 'from', no <jingle/>.
  auto iq = example(jingle_example(10, "session-initiate"));
  iq.set_attr("type", "get");
  CHECK_FALSE(jingle::parse_iq(iq));
  iq = example(jingle_example(10, "session-initiate"));
  iq.remove_attr("from");
  CHECK_FALSE(jingle::parse_iq(iq));
  CHECK_FALSE(jingle::parse_iq(example(jingle_example(11, "initiate-ack"))));
}

TEST_CASE("SECURITY.md row 50: the session's peer is 'from', never 'initiator'") {
  auto iq = example(jingle_example(10, "session-initiate"));
  auto incoming = jingle::parse_iq(iq);
  REQUIRE(incoming);
  CHECK_FALSE(jingle::claims_other_party(*incoming));
  CHECK(jingle::session_peer(*incoming) == jid("romeo@montague.lit/orchard"));

  iq.child("jingle", jingle::k_ns)->set_attr("initiator", "admin@capulet.lit/console");
  incoming = jingle::parse_iq(iq);
  REQUIRE(incoming);
  CHECK(jingle::claims_other_party(*incoming));
  CHECK(jingle::session_peer(*incoming) == jid("romeo@montague.lit/orchard"));

  // A responder that names someone else in session-accept.
  auto accept = example(jingle_example(17, "session-accept"));
  accept.child("jingle", jingle::k_ns)->set_attr("responder", "nurse@capulet.lit/x");
  incoming = jingle::parse_iq(accept);
  REQUIRE(incoming);
  CHECK(jingle::claims_other_party(*incoming));
  CHECK(jingle::session_peer(*incoming) == jid("juliet@capulet.lit/balcony"));

  // The cap on parallel sessions.
  CHECK(jingle::admit_session(0, jingle::k_default_max_sessions));
  CHECK(jingle::admit_session(7, 8));
  CHECK_FALSE(jingle::admit_session(8, 8));
  CHECK_FALSE(jingle::admit_session(100, 8));
}

TEST_CASE("XEP-0166 §5.1 state machine: initiator side") {
  jingle::SessionState s(jingle::Role::initiator);
  CHECK(s.state() == jingle::State::pending);
  CHECK_FALSE(s.may_send(jingle::Action::session_accept));
  CHECK_FALSE(s.may_send(jingle::Action::session_initiate));
  CHECK(s.may_send(jingle::Action::transport_info));
  CHECK(s.check_incoming(jingle::Action::session_initiate) == jingle::Condition::out_of_order);
  CHECK_FALSE(s.check_incoming(jingle::Action::transport_info));
  CHECK_FALSE(s.check_incoming(jingle::Action::session_info));
  // transport-accept without our transport-replace is out of order.
  CHECK(s.check_incoming(jingle::Action::transport_accept) == jingle::Condition::out_of_order);

  CHECK_FALSE(s.check_incoming(jingle::Action::session_accept));
  s.apply(jingle::Action::session_accept, false);
  CHECK(s.state() == jingle::State::active);
  CHECK(s.check_incoming(jingle::Action::session_accept) == jingle::Condition::out_of_order);

  // We fall back to IBB: transport-replace, then the answer.
  REQUIRE(s.may_send(jingle::Action::transport_replace));
  s.apply(jingle::Action::transport_replace, true);
  CHECK(s.awaiting_transport_answer());
  CHECK_FALSE(s.may_send(jingle::Action::transport_replace));
  // §7.2.16: the responder's simultaneous transport-replace loses to ours.
  CHECK(s.check_incoming(jingle::Action::transport_replace) == jingle::Condition::tie_break);
  CHECK_FALSE(s.check_incoming(jingle::Action::transport_accept));
  s.apply(jingle::Action::transport_accept, false);
  CHECK_FALSE(s.awaiting_transport_answer());

  s.apply(jingle::Action::session_terminate, true);
  CHECK(s.state() == jingle::State::ended);
  // §6.7: after our terminate every request is unknown-session.
  CHECK(s.check_incoming(jingle::Action::transport_info) == jingle::Condition::unknown_session);
  CHECK(s.check_incoming(jingle::Action::session_terminate) == jingle::Condition::unknown_session);
  CHECK_FALSE(s.may_send(jingle::Action::session_info));
  CHECK(jingle::to_string(s.state()) == "ended");
}

TEST_CASE("XEP-0166 §5.1 state machine: responder side") {
  jingle::SessionState s(jingle::Role::responder);
  CHECK(s.may_send(jingle::Action::session_accept));
  CHECK(s.check_incoming(jingle::Action::session_accept) == jingle::Condition::out_of_order);
  s.apply(jingle::Action::session_accept, true);
  CHECK(s.state() == jingle::State::active);
  CHECK_FALSE(s.may_send(jingle::Action::session_accept));

  // The initiator replaces the transport; we answer.
  CHECK_FALSE(s.may_send(jingle::Action::transport_accept));
  CHECK_FALSE(s.check_incoming(jingle::Action::transport_replace));
  s.apply(jingle::Action::transport_replace, false);
  CHECK(s.transport_answer_due());
  CHECK(s.may_send(jingle::Action::transport_reject));
  s.apply(jingle::Action::transport_reject, true);
  CHECK_FALSE(s.transport_answer_due());

  // Both replace at once: the responder accepts the initiator's (no tie-break from our side).
  s.apply(jingle::Action::transport_replace, true);
  CHECK_FALSE(s.check_incoming(jingle::Action::transport_replace));
  s.apply(jingle::Action::transport_replace, false);
  CHECK_FALSE(s.awaiting_transport_answer());
  CHECK(s.transport_answer_due());

  // The peer terminates.
  CHECK_FALSE(s.check_incoming(jingle::Action::session_terminate));
  s.apply(jingle::Action::session_terminate, false);
  CHECK(s.check_incoming(jingle::Action::session_info) == jingle::Condition::unknown_session);
}

TEST_CASE("XEP-0166 §7.2.16 tie-break of simultaneous session-initiates") {
  const auto romeo = jid("romeo@montague.lit/orchard");
  const auto juliet = jid("juliet@capulet.lit/balcony");
  CHECK(jingle::our_initiate_wins("a73sjjvkla37jfea", romeo, "b84tkkwlmb48kgfb", juliet));
  CHECK_FALSE(jingle::our_initiate_wins("b84tkkwlmb48kgfb", juliet, "a73sjjvkla37jfea", romeo));
  // i;octet: uppercase sorts before lowercase, and bytes compare unsigned.
  CHECK(jingle::our_initiate_wins("Zed", romeo, "abc", juliet));
  CHECK(jingle::our_initiate_wins("abc", romeo, "ab\xc3\xa9", juliet));
  // Equal sids: the lower JID wins, and exactly one side wins.
  CHECK(jingle::our_initiate_wins("same", juliet, "same", romeo));
  CHECK_FALSE(jingle::our_initiate_wins("same", romeo, "same", juliet));
}

TEST_CASE("XEP-0166 names: every action, role, senders, reason and condition round-trips") {
  for (int i = 0; i <= static_cast<int>(jingle::Action::transport_replace); ++i) {
    const auto a = static_cast<jingle::Action>(i);
    CHECK(jingle::parse_action(jingle::to_string(a)) == a);
  }
  for (int i = 0; i <= static_cast<int>(jingle::ReasonCondition::unsupported_transports); ++i) {
    const auto r = static_cast<jingle::ReasonCondition>(i);
    CHECK(jingle::parse_reason_condition(jingle::to_string(r)) == r);
  }
  for (int i = 0; i <= static_cast<int>(jingle::Condition::security_required); ++i) {
    const auto c = static_cast<jingle::Condition>(i);
    CHECK(jingle::parse_condition(jingle::to_string(c)) == c);
  }
  for (auto s : {jingle::Senders::both, jingle::Senders::initiator, jingle::Senders::none,
                 jingle::Senders::responder})
    CHECK(jingle::parse_senders(jingle::to_string(s)) == s);
  CHECK(jingle::other(jingle::Role::initiator) == jingle::Role::responder);
  CHECK_FALSE(jingle::parse_action("Session-Initiate"));
}

TEST_CASE("transport_content keeps the content's identity and carries only the transport") {
  const auto j = round_trip(jingle_example(10, "session-initiate"));
  const xml::Element ibb("transport", "urn:xmpp:jingle:transports:ibb:1");
  const auto c = jingle::transport_content(j.contents[0], ibb);
  CHECK(c.name == "voice");
  CHECK(c.creator == jingle::Role::initiator);
  CHECK_FALSE(c.description);
  CHECK(c.transport == ibb);
  const auto replace = jingle::make_content_action(jingle::Action::transport_replace, j.sid, {c});
  CHECK(jingle::validate(replace));
  CHECK(jingle::parse(jingle::to_element(replace)) == replace);
}
