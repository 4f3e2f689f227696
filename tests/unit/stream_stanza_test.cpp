// Stanza and stream errors (RFC 6120 §8.3, §4.9) and the iq/message/presence builders.
#include <doctest/doctest.h>

#include "stanza/error.hpp"
#include "stanza/iq.hpp"
#include "stanza/message.hpp"
#include "stanza/presence.hpp"
#include "stanza/stream_error.hpp"
#include "stream_support.hpp"

using namespace xmpp;
using namespace xmpp::stanza;
using xmpp::test::parse;
using xmpp::test::str;

TEST_CASE("stanza error: RFC 6120 §8.3.2 example parses") {
  const auto e = parse_stanza_error(parse(
      "<iq from='im.example.com' id='ixc61v69' to='juliet@im.example.com/balcony' type='error'>"
      "<error by='im.example.com' type='cancel'>"
      "<service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
      "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='en'>[ ... application text ... "
      "]</text>"
      "<my-app xmlns='urn:example:app'/></error></iq>"));
  CHECK(e.type == ErrorType::cancel);
  CHECK(e.condition == "service-unavailable");
  CHECK(e.text == "[ ... application text ... ]");
  CHECK(e.by == "im.example.com");
  REQUIRE(e.application);
  CHECK(e.application->is("my-app", "urn:example:app"));
}

TEST_CASE("stanza error: tolerant parsing") {
  SUBCASE("no <error/> child") {
    const auto e = parse_stanza_error(parse("<iq type='error' id='1'/>"));
    CHECK(e.condition == "undefined-condition");
  }
  SUBCASE("unknown condition") {
    const auto e = parse_stanza_error(parse("<iq type='error' id='1'><error type='modify'><made-up "
                                            "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
                                            "</error></iq>"));
    CHECK(e.condition == "undefined-condition");
    CHECK(e.type == ErrorType::modify);
  }
  SUBCASE("unknown type") {
    const auto e =
        parse_stanza_error(parse("<iq type='error' id='1'><error type='sometimes'><conflict "
                                 "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
                                 "</error></iq>"));
    CHECK(e.type == ErrorType::cancel);
    CHECK(e.condition == "conflict");
  }
  SUBCASE("condition in the wrong namespace is application-specific, not the condition") {
    const auto e =
        parse_stanza_error(parse("<iq type='error' id='1'><error type='cancel'><item-not-found "
                                 "xmlns='urn:not-stanzas'/></error></iq>"));
    CHECK(e.condition == "undefined-condition");
    CHECK(e.application);
  }
  SUBCASE("gone carries its new address") {
    const auto e =
        parse_stanza_error(parse("<message type='error'><error type='cancel'><gone "
                                 "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>"
                                 "xmpp:romeo@afterlife.example.net</gone></error></message>"));
    CHECK(e.condition == "gone");
    CHECK(e.alternate == "xmpp:romeo@afterlife.example.net");
  }
}

TEST_CASE("stanza error: build and parse round-trip") {
  StanzaError e = make_stanza_error("item-not-found", "no such node");
  e.by = "pubsub.example.org";
  e.application = xml::Element("invalid-jid", "http://jabber.org/protocol/pubsub#errors");
  const xml::Element built = make_error_element(e);
  CHECK(str(built) ==
        "<error type='cancel' by='pubsub.example.org'><item-not-found "
        "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
        "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='en'>no such node</text>"
        "<invalid-jid xmlns='http://jabber.org/protocol/pubsub#errors'/></error>");
  xml::Element iq("iq", "jabber:client");
  iq.set_attr("type", "error");
  iq.add_child(built);
  const auto back = parse_stanza_error(iq);
  CHECK(back.type == e.type);
  CHECK(back.condition == e.condition);
  CHECK(back.text == e.text);
  CHECK(back.by == e.by);
  CHECK(back.application == e.application);
}

TEST_CASE("stanza error: default types follow RFC 6120 §8.3.3") {
  CHECK(default_type("bad-request") == ErrorType::modify);
  CHECK(default_type("forbidden") == ErrorType::auth);
  CHECK(default_type("item-not-found") == ErrorType::cancel);
  CHECK(default_type("resource-constraint") == ErrorType::wait);
  CHECK(default_type("service-unavailable") == ErrorType::cancel);
  CHECK(is_stanza_condition("policy-violation"));
  CHECK_FALSE(is_stanza_condition("not-well-formed"));
  for (auto t : {ErrorType::auth, ErrorType::cancel, ErrorType::continue_, ErrorType::modify,
                 ErrorType::wait})
    CHECK(parse_error_type(to_string(t)) == t);
  CHECK_FALSE(parse_error_type("later"));
}

TEST_CASE(
    "stanza error: to_error gives kind remote, code stanza_error, the condition and the text") {
  const xml::Element reply =
      parse("<iq type='error' id='1' from='pubsub.example.org'><error type='cancel'>"
            "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
            "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>node 'x' does not "
            "exist</text></error></iq>");
  const Error e = to_error(reply, "disco#info to pubsub.example.org");
  CHECK(e.kind == ErrorKind::remote);
  CHECK(e.code == "stanza_error");
  CHECK(e.condition == "item-not-found");
  CHECK(e.message == "disco#info to pubsub.example.org: item-not-found (node 'x' does not exist)");
  CHECK(to_error(reply, "").message == "item-not-found (node 'x' does not exist)");
  const Error bare = to_error(parse("<iq type='error' id='2'/>"), "ping");
  CHECK(bare.condition == "undefined-condition");
  CHECK(bare.message.find("without an <error/>") != std::string::npos);
}

TEST_CASE("stream error: parse and classify (RFC 6120 §4.9, SECURITY.md (b))") {
  auto classify = [](const char* condition) {
    const std::string text = std::string("<stream:error><") + condition +
                             " xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>";
    const xml::Element e = parse(text);
    REQUIRE(is_stream_error(e));
    return to_error(parse_stream_error(e));
  };
  for (const char* c : {"system-shutdown", "reset", "connection-timeout", "conflict"}) {
    CAPTURE(c);
    const Error e = classify(c);
    CHECK(e.kind == ErrorKind::temporary);
    CHECK(e.code == "stream_error");
    CHECK(e.condition == c);
  }
  for (const char* c : {"not-well-formed", "policy-violation", "host-unknown",
                        "undefined-condition", "not-authorized", "invalid-namespace"}) {
    CAPTURE(c);
    CHECK(classify(c).kind == ErrorKind::protocol);
  }
  CHECK(classify("made-up-condition").condition == "undefined-condition");
}

TEST_CASE("cve_2022_22787_see_other_host stream error: see-other-host is unavailable and says we do not follow it (row 41)") {
  const Error e = to_error(parse_stream_error(parse(
      "<stream:error><see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>evil.example:443"
      "</see-other-host></stream:error>")));
  CHECK(e.kind == ErrorKind::unavailable);
  CHECK(e.condition == "see-other-host");
  CHECK(e.message.find("evil.example:443") != std::string::npos);
  CHECK(e.message.find("not followed") != std::string::npos);
}

TEST_CASE("stream error: the text is kept (the printer escapes it)") {
  const auto parsed = parse_stream_error(
      parse("<stream:error><system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
            "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'>back in 5 min &amp; "
            "&lt;b&gt;</text>"
            "<app xmlns='urn:example'/></stream:error>"));
  CHECK(parsed.text == "back in 5 min & <b>");
  CHECK(parsed.application);
  const Error e = to_error(parsed);
  CHECK(e.message == "server closed the stream: system-shutdown (back in 5 min & <b>)");
}

TEST_CASE("stream error: the one we send") {
  CHECK(str(make_stream_error("not-well-formed")) ==
        "<stream:error xmlns:stream='http://etherx.jabber.org/streams'>"
        "<not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
  const std::string with_app = str(make_stream_error(
      "undefined-condition", "too high", xml::Element("handled-count-too-high", "urn:xmpp:sm:3")));
  CHECK(with_app.find(
            "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'>too high</text>") !=
        std::string::npos);
  CHECK(with_app.find("<handled-count-too-high xmlns='urn:xmpp:sm:3'/>") != std::string::npos);
  CHECK(is_stream_condition("see-other-host"));
  CHECK_FALSE(is_stream_condition("item-not-found"));
}

TEST_CASE("iq builders") {
  CHECK(str(make_iq(IqType::get, "example.test", xml::Element("ping", "urn:xmpp:ping"), "p1")) ==
        "<iq type='get' to='example.test' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>");
  CHECK(str(make_iq(IqType::set, "", std::nullopt)) == "<iq type='set'/>");
  const xml::Element request = parse("<iq type='get' id='v1' from='bob@example.test/phone'>"
                                     "<query xmlns='jabber:iq:version'/></iq>");
  CHECK(str(make_result(request)) == "<iq type='result' id='v1' to='bob@example.test/phone'/>");
  CHECK(str(make_result(parse("<iq type='get' id='s'/>"))) == "<iq type='result' id='s'/>");
  CHECK(str(make_error_reply(request, make_stanza_error("feature-not-implemented"))) ==
        "<iq type='error' id='v1' to='bob@example.test/phone'><error type='cancel'>"
        "<feature-not-implemented xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
  // Message errors keep the element name.
  CHECK(
      make_error_reply(parse("<message id='m' from='a@b/c'/>"), make_stanza_error("not-acceptable"))
          .name() == "message");
}

TEST_CASE("iq helpers: types, payload, must_not_reply") {
  CHECK(iq_type(parse("<iq type='result'/>")) == IqType::result);
  CHECK_FALSE(iq_type(parse("<iq type='other'/>")));
  CHECK_FALSE(iq_type(parse("<iq/>")));
  CHECK(iq_payload(parse("<iq type='get'><q xmlns='urn:q'/></iq>")));
  CHECK_FALSE(iq_payload(parse("<iq type='get'/>")));
  CHECK_FALSE(iq_payload(parse("<iq type='get'><a xmlns='urn:a'/><b xmlns='urn:b'/></iq>")));
  CHECK(must_not_reply(parse("<iq type='result'/>")));
  CHECK(must_not_reply(parse("<iq type='error'/>")));
  CHECK(must_not_reply(parse("<message type='error'/>")));
  CHECK_FALSE(must_not_reply(parse("<iq type='get'/>")));
  CHECK_FALSE(must_not_reply(parse("<message type='chat'/>")));
  CHECK(is_iq(parse("<iq/>")));
  CHECK_FALSE(is_iq(xml::Element("iq", "jabber:server")));
}

TEST_CASE("message builders and accessors") {
  CHECK(str(make_message("bob@example.test", MessageType::chat, "hi <3", "m1")) ==
        "<message to='bob@example.test' type='chat' id='m1'><body>hi &lt;3</body></message>");
  CHECK(str(make_message("bob@example.test", MessageType::normal, "")) ==
        "<message to='bob@example.test' type='normal'/>");
  CHECK(message_type(parse("<message/>")) == MessageType::normal);
  CHECK(message_type(parse("<message type='weird'/>")) == MessageType::normal);
  CHECK(message_type(parse("<message type='groupchat'/>")) == MessageType::groupchat);
  CHECK(message_body(
            parse("<message><body xml:lang='de'>Hallo</body><body>Hello</body></message>")) ==
        std::string("Hello"));
  CHECK(message_body(parse("<message><body xml:lang='de'>Hallo</body></message>")) ==
        std::string("Hallo"));
  CHECK_FALSE(message_body(parse("<message/>")));
  CHECK(is_message(parse("<message/>")));
}

TEST_CASE("presence builders and accessors") {
  CHECK(str(make_presence()) == "<presence/>");
  CHECK(str(make_presence(PresenceType::subscribe, "bob@example.test")) ==
        "<presence to='bob@example.test' type='subscribe'/>");
  CHECK(presence_type(parse("<presence/>")) == PresenceType::available);
  CHECK(presence_type(parse("<presence type='unavailable'/>")) == PresenceType::unavailable);
  CHECK_FALSE(presence_type(parse("<presence type='bogus'/>")));
  CHECK(is_presence(parse("<presence/>")));
}
