// Router: dispatch by (name, namespace, type), subscriptions, and the default iq answers
// (RFC 6120 §8.2.3, §8.4; SECURITY.md rows 32, 34, 40).
#include <doctest/doctest.h>

#include "stanza/iq.hpp"
#include "stream/router.hpp"
#include "stream_support.hpp"

using namespace xmpp;
using namespace xmpp::stream;
using xmpp::test::parse;
using xmpp::test::str;

TEST_CASE("router: message and presence by name, namespace and type") {
  Router router;
  int chats = 0, receipts = 0, any_message = 0, presences = 0, normal = 0, available = 0;
  auto s1 = router.on({"message", "", "chat"}, [&](const xml::Element&) { ++chats; });
  auto s2 =
      router.on({"message", "urn:xmpp:receipts", ""}, [&](const xml::Element&) { ++receipts; });
  auto s3 = router.on({"message", "", ""}, [&](const xml::Element&) { ++any_message; });
  auto s4 = router.on({"presence", "", ""}, [&](const xml::Element&) { ++presences; });
  auto s5 = router.on({"message", "", "normal"}, [&](const xml::Element&) { ++normal; });
  auto s6 = router.on({"presence", "", "available"}, [&](const xml::Element&) { ++available; });

  CHECK(router.dispatch(parse("<message type='chat'><body>x</body></message>")) == 2);
  CHECK(router.dispatch(parse(
            "<message type='chat'><received xmlns='urn:xmpp:receipts' id='1'/></message>")) == 3);
  CHECK(router.dispatch(parse("<message><body>no type means normal</body></message>")) == 2);
  CHECK(router.dispatch(parse("<presence/>")) == 2);
  CHECK(router.dispatch(parse("<presence type='unavailable'/>")) == 1);
  CHECK(chats == 2);
  CHECK(receipts == 1);
  CHECK(any_message == 3);
  CHECK(normal == 1);
  CHECK(presences == 2);
  CHECK(available == 1);
}

TEST_CASE("router: only jabber:client stanzas are dispatched") {
  Router router;
  int n = 0;
  auto s = router.on({"message", "", ""}, [&](const xml::Element&) { ++n; });
  CHECK(router.dispatch(xml::Element("message", "urn:other")) == 0);
  CHECK(n == 0);
}

TEST_CASE("router: a namespace match needs a child in that namespace, not a nested one") {
  Router router;
  int n = 0;
  auto s = router.on({"message", "urn:xmpp:receipts", ""}, [&](const xml::Element&) { ++n; });
  router.dispatch(
      parse("<message><x xmlns='urn:other'><received xmlns='urn:xmpp:receipts'/></x></message>"));
  CHECK(n == 0);
}

TEST_CASE("router: subscriptions unregister on destruction, reset and move") {
  Router router;
  int n = 0;
  {
    auto s = router.on({"message", "", ""}, [&](const xml::Element&) { ++n; });
    router.dispatch(parse("<message/>"));
    CHECK(s.active());
  }
  router.dispatch(parse("<message/>"));
  CHECK(n == 1);

  auto a = router.on({"message", "", ""}, [&](const xml::Element&) { ++n; });
  Subscription b = std::move(a);
  CHECK_FALSE(a.active());
  router.dispatch(parse("<message/>"));
  CHECK(n == 2);
  b.reset();
  router.dispatch(parse("<message/>"));
  CHECK(n == 2);

  auto kept = router.on({"message", "", ""}, [&](const xml::Element&) { ++n; });
  kept.release();
  router.dispatch(parse("<message/>"));
  CHECK(n == 3);
}

TEST_CASE("router: a subscription may outlive its router") {
  Subscription s;
  {
    Router router;
    s = router.on({"message", "", ""}, [](const xml::Element&) {});
  }
  CHECK_FALSE(s.active());
  s.reset();  // must not touch freed memory (ASan would tell)
}

TEST_CASE("router: handlers may unregister themselves and add others while dispatched") {
  Router router;
  int first = 0, second = 0;
  Subscription self;
  Subscription added;
  self = router.on({"message", "", ""}, [&](const xml::Element&) {
    ++first;
    self.reset();
    added = router.on({"message", "", ""}, [&](const xml::Element&) { ++second; });
  });
  router.dispatch(parse("<message/>"));
  CHECK(first == 1);
  CHECK(second == 0);  // added during this dispatch: sees the next stanza only
  router.dispatch(parse("<message/>"));
  CHECK(first == 1);
  CHECK(second == 1);
}

TEST_CASE("cve_2016_10376_unsolicited_command router: unknown iq get/set gets service-unavailable (rows 34, 40)") {
  Router router;
  auto reply =
      router.answer_iq(parse("<iq type='get' id='q1' from='mallory@evil.example/x'>"
                             "<command xmlns='http://jabber.org/protocol/commands'/></iq>"));
  REQUIRE(reply);
  CHECK(str(*reply) ==
        "<iq type='error' id='q1' to='mallory@evil.example/x'><error type='cancel'>"
        "<service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
  // Row 40 as the CVE had it: a stranger asks our client to execute a command.
  auto execute = router.answer_iq(
      parse("<iq type='set' id='q2' from='mallory@evil.example/x'><command "
            "xmlns='http://jabber.org/protocol/commands' node='config' action='execute'/></iq>"));
  REQUIRE(execute);
  CHECK(execute->attr("type") == "error");
  CHECK(execute->child("error", "jabber:client")
            ->child("service-unavailable", "urn:ietf:params:xml:ns:xmpp-stanzas"));
}

TEST_CASE("router: iq with zero or two payloads gets bad-request (row 34)") {
  Router router;
  auto zero = router.answer_iq(parse("<iq type='get' id='a'/>"));
  REQUIRE(zero);
  CHECK(zero->child("error", "jabber:client")
            ->child("bad-request", "urn:ietf:params:xml:ns:xmpp-stanzas"));
  auto two =
      router.answer_iq(parse("<iq type='set' id='b'><a xmlns='urn:a'/><b xmlns='urn:b'/></iq>"));
  REQUIRE(two);
  CHECK(two->child("error", "jabber:client")
            ->child("bad-request", "urn:ietf:params:xml:ns:xmpp-stanzas"));
}

TEST_CASE("router: results, errors, unknown types and id-less iqs are never answered") {
  Router router;
  CHECK_FALSE(router.answer_iq(parse("<iq type='result' id='a'/>")));
  CHECK_FALSE(router.answer_iq(parse("<iq type='error' id='a'><error type='cancel'/></iq>")));
  CHECK_FALSE(router.answer_iq(parse("<iq type='bogus' id='a'><q xmlns='urn:q'/></iq>")));
  CHECK_FALSE(router.answer_iq(parse("<iq type='get'><q xmlns='urn:q'/></iq>")));
  CHECK_FALSE(router.answer_iq(parse("<message/>")));
}

TEST_CASE("router: iq responders by type, name and namespace; the newest wins") {
  Router router;
  auto old = router.on_iq("get", "query", "jabber:iq:version", [](const xml::Element& iq) {
    return stanza::make_result(iq, xml::Element("old", "urn:t"));
  });
  auto any_name = router.on_iq("get", "", "urn:xmpp:time", [](const xml::Element& iq) {
    return stanza::make_result(iq, xml::Element("time", "urn:xmpp:time"));
  });
  auto newer = router.on_iq("get", "query", "jabber:iq:version", [](const xml::Element& iq) {
    return stanza::make_result(iq, xml::Element("new", "urn:t"));
  });
  auto r = router.answer_iq(
      parse("<iq type='get' id='v' from='a@b/c'><query xmlns='jabber:iq:version'/></iq>"));
  REQUIRE(r);
  CHECK(r->child("new", "urn:t"));
  CHECK(r->attr("to") == "a@b/c");
  // A set is not a get.
  r = router.answer_iq(parse("<iq type='set' id='v'><query xmlns='jabber:iq:version'/></iq>"));
  REQUIRE(r);
  CHECK(r->attr("type") == "error");
  // Name filter: 'other' in the version namespace does not match 'query'.
  r = router.answer_iq(parse("<iq type='get' id='v'><other xmlns='jabber:iq:version'/></iq>"));
  CHECK(r->attr("type") == "error");
  // Empty name matches any element in the namespace.
  r = router.answer_iq(parse("<iq type='get' id='t'><whatever xmlns='urn:xmpp:time'/></iq>"));
  CHECK(r->child("time", "urn:xmpp:time"));
  newer.reset();
  r = router.answer_iq(parse("<iq type='get' id='v'><query xmlns='jabber:iq:version'/></iq>"));
  CHECK(r->child("old", "urn:t"));
}

TEST_CASE("router: message handlers never see iq and iq responders never see messages") {
  Router router;
  int n = 0;
  auto s = router.on({"message", "", ""}, [&](const xml::Element&) { ++n; });
  CHECK(router.dispatch(parse("<iq type='get' id='x'><q xmlns='urn:q'/></iq>")) == 0);
  CHECK(n == 0);
}
