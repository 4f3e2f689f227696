// The established session against a scripted server: iq tracking (SECURITY.md rows 31-34),
// inbound dispatch, XEP-0198 acks and flush (row 42, table (b) "send"), stream errors, EOF,
// malformed input (rows 19, 21), close.
#include "harness.hpp"

#include "stanza/message.hpp"
#include "stream/router.hpp"
#include "stream/signal.hpp"

using namespace xmpp;
using namespace xmpp::stream;
using namespace xmpp::test;
using namespace std::chrono_literals;

namespace {

awaitable<std::unique_ptr<Session>> login(Scenario& t) {
  auto s = co_await Session::open_on(t.transport(), false, t.options);
  REQUIRE_MESSAGE(s, (s ? "" : s.error().message));
  co_return std::move(*s);
}

xml::Element version_request(const std::string& to) {
  return parse_xml("<iq type='get' to='" + to + "'><query xmlns='jabber:iq:version'/></iq>");
}

/// The server's side of a clean close (with or without a final XEP-0198 <a/>).
awaitable<void> clean_close(Peer& peer, std::string final_ack) {
  if (!final_ack.empty()) co_await peer.expect(final_ack);
  co_await peer.expect_end();
  peer.send("</stream:stream>");
  co_await peer.expect_shutdown();
}

/// After a stream error or violation: the client ends its stream; the server closes.
awaitable<void> client_ends(Peer& peer) {
  co_await peer.expect_end();
  peer.send("</stream:stream>");
  peer.close();
  co_await peer.expect_shutdown();
}

}  // namespace

TEST_CASE("session: an iq error reply is kind remote with its condition (exit 1)") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await login(t);
        auto r = co_await s->request(version_request("bob@example.test/phone"), 2s);
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == ErrorKind::remote);
        CHECK(r.error().code == "stanza_error");
        CHECK(r.error().condition == "service-unavailable");
        CHECK(r.error().message == "service-unavailable (not here)");
        CHECK_FALSE(s->failure());  // a stanza error does not end the session
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        auto iq = co_await t.peer.expect("<iq type='get' id='*' to='bob@example.test/phone'/>");
        t.peer.send("<iq type='error' id='" + *iq.attr("id") +
                    "' from='bob@example.test/phone'><error type='cancel'><service-unavailable "
                    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text "
                    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>not here</text></error></iq>");
        co_await clean_close(t.peer, "<a xmlns='urn:xmpp:sm:3' h='1'/>");
      });
}

TEST_CASE("session: an iq timeout is temporary 'timeout' and the session stays usable") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await login(t);
        auto r = co_await s->request(version_request("bob@example.test/phone"), 100ms);
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == ErrorKind::temporary);
        CHECK(r.error().code == "timeout");
        CHECK(r.error().message == "no reply from bob@example.test/phone within 100 ms");
        auto again = co_await s->request(version_request("example.test"), 2s);
        CHECK(again);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        auto first = co_await t.peer.expect("<iq type='get' id='*' to='bob@example.test/phone'/>");
        auto second = co_await t.peer.expect("<iq type='get' id='*' to='example.test'/>");
        // The late answer to the first is ignored; the second is answered.
        t.peer.send("<iq type='result' id='" + *first.attr("id") +
                    "' from='bob@example.test/phone'/>");
        t.peer.send("<iq type='result' id='" + *second.attr("id") + "' from='example.test'/>");
        co_await clean_close(t.peer, "<a xmlns='urn:xmpp:sm:3' h='2'/>");
      });
}

TEST_CASE("session: a reply from another JID is ignored, then the request times out (row 31)") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await login(t);
        auto r = co_await s->request(version_request("bob@example.test/phone"), 300ms);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == "timeout");
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        auto iq = co_await t.peer.expect("<iq type='get' id='*' to='bob@example.test/phone'/>");
        const std::string id = *iq.attr("id");
        t.peer.send("<iq type='result' id='" + id +
                    "' from='mallory@evil.example/x'>"
                    "<query xmlns='jabber:iq:version'><name>spoofed</name></query></iq>");
        t.peer.send("<iq type='result' id='" + id + "'/>");  // no from: not bob
        t.peer.send("<iq type='result' id='" + id +
                    "' from='example.test'/>");  // the server: not bob
        t.peer.send("<iq type='result' id='" + id +
                    "' from='bob@example.test'/>");  // bare: not bob/phone
        co_await clean_close(t.peer, "<a xmlns='urn:xmpp:sm:3' h='4'/>");
      });
}

TEST_CASE("session: replies for the account come from nobody, the bare JID or the domain") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await login(t);
        auto roster = parse_xml("<iq type='get'><query xmlns='jabber:iq:roster'/></iq>");
        CHECK(co_await s->request(roster, 2s));
        CHECK(co_await s->request(roster, 2s));
        CHECK(co_await s->request(
            parse_xml("<iq type='get' to='alice@example.test'><vCard xmlns='vcard-temp'/></iq>"),
            2s));
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        auto a =
            co_await t.peer.expect("<iq type='get' id='*'><query xmlns='jabber:iq:roster'/></iq>");
        CHECK_FALSE(a.attr("to"));
        t.peer.send("<iq type='result' id='" + *a.attr("id") + "'/>");
        auto b =
            co_await t.peer.expect("<iq type='get' id='*'><query xmlns='jabber:iq:roster'/></iq>");
        t.peer.send("<iq type='result' id='" + *b.attr("id") + "' from='alice@example.test'/>");
        auto c = co_await t.peer.expect("<iq type='get' id='*' to='alice@example.test'/>");
        t.peer.send("<iq type='result' id='" + *c.attr("id") + "' from='example.test'/>");
        co_await clean_close(t.peer, "<a xmlns='urn:xmpp:sm:3' h='3'/>");
      });
}

TEST_CASE("session: an iq get carrying our pending id is a request to us (row 32)") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await login(t);
        auto r = co_await s->request(version_request("example.test"), 2s);
        REQUIRE(r);
        CHECK(r->attr("type") == "result");
        CHECK(r->child("query", "jabber:iq:version"));  // the real answer, not the injected get
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        auto iq = co_await t.peer.expect("<iq type='get' id='*' to='example.test'/>");
        const std::string id = *iq.attr("id");
        t.peer.send(
            "<iq type='set' id='" + id +
            "' from='example.test'>"
            "<query xmlns='jabber:iq:roster'><item jid='mallory@evil.example'/></query></iq>");
        co_await t.peer.expect(
            "<iq type='error' id='" + id +
            "' to='example.test'><error type='cancel'>"
            "<service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
        t.peer.send("<iq type='result' id='" + id +
                    "' from='example.test'><query xmlns='jabber:iq:version'/></iq>");
        co_await clean_close(t.peer, "<a xmlns='urn:xmpp:sm:3' h='2'/>");
      });
}

TEST_CASE(
    "session: inbound iq: pings from the server answered, everything else refused, results never") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await login(t);
        // The server script drives everything; the client just waits for its last stanza.
        auto done =
            co_await s->wait_for([](const xml::Element& e) { return e.name() == "message"; }, 3s);
        CHECK(done);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        t.peer.send(
            "<iq type='get' id='p1' from='example.test'><ping xmlns='urn:xmpp:ping'/></iq>");
        co_await t.peer.expect("<iq type='result' id='p1' to='example.test'/>");
        t.peer.send("<iq type='get' id='p2' from='stranger@else.example/x'><ping "
                    "xmlns='urn:xmpp:ping'/></iq>");
        co_await t.peer.expect(
            "<iq type='error' id='p2' to='stranger@else.example/x'><error type='cancel'>"
            "<service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
        t.peer.send("<iq type='get' id='c1' from='boss@corp.example/x'>"
                    "<command xmlns='http://jabber.org/protocol/commands' node='x' "
                    "action='execute'/></iq>");
        co_await t.peer.expect("<iq type='error' id='c1'><error><service-unavailable "
                               "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
        t.peer.send("<iq type='get' id='z' from='example.test'/>");
        co_await t.peer.expect("<iq type='error' id='z'><error type='modify'><bad-request "
                               "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
        // Results and errors with unknown ids, and an iq without an id, get no answer (rows 33,
        // 34): the next thing the client sends is its answer to the ping after them.
        t.peer.send("<iq type='result' id='unknown'/><iq type='error' id='unknown2'/>"
                    "<iq type='get' from='example.test'><ping xmlns='urn:xmpp:ping'/></iq>"
                    "<iq type='get' id='p3'><ping xmlns='urn:xmpp:ping'/></iq>");
        co_await t.peer.expect("<iq type='result' id='p3'/>");
        t.peer.send("<message from='bob@example.test/phone'><body>bye</body></message>");
        co_await clean_close(t.peer, "<a xmlns='urn:xmpp:sm:3' h='9'/>");
      });
}

TEST_CASE("session: router handlers and wait_for see messages and presence") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await login(t);
        std::vector<std::string> bodies;
        int presences = 0;
        auto on_chat = s->router().on({"message", "", "chat"}, [&](const xml::Element& m) {
          bodies.push_back(stanza::message_body(m).value_or(""));
        });
        auto on_presence =
            s->router().on({"presence", "", ""}, [&](const xml::Element&) { ++presences; });
        // A handler replying without co_await (XEP-0184 style) through post().
        auto echo = s->router().on({"message", "urn:example:echo", ""}, [&](const xml::Element& m) {
          s->post(stanza::make_message(*m.attr("from"), stanza::MessageType::chat, "echo"));
        });
        s->post(parse_xml("<presence/>"));
        auto last = co_await s->wait_for(
            [](const xml::Element& e) { return stanza::message_body(e) == std::string("three"); },
            3s);
        REQUIRE(last);
        CHECK(last->attr("from") == "bob@example.test/phone");
        CHECK(bodies == std::vector<std::string>{"one", "two", "three"});
        CHECK(presences == 1);
        auto nothing = co_await s->wait_for([](const xml::Element&) { return false; }, 50ms);
        REQUIRE_FALSE(nothing);
        CHECK(nothing.error().code == "timeout");
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        co_await t.peer.expect("<presence/>");
        t.peer.send("<presence from='bob@example.test/phone'/>"
                    "<message from='bob@example.test/phone' type='chat'><body>one</body></message>"
                    "<message from='bob@example.test/phone' type='chat'><body>two</body>"
                    "<e xmlns='urn:example:echo'/></message>");
        co_await t.peer.expect(
            "<message to='bob@example.test/phone' type='chat'><body>echo</body></message>");
        t.peer.send(
            "<message from='bob@example.test/phone' type='chat'><body>three</body></message>");
        co_await clean_close(t.peer, "<a xmlns='urn:xmpp:sm:3' h='4'/>");
      });
}

TEST_CASE("session: nested stream elements inside a stanza are payload (rows 19, 20)") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await login(t);
        int messages = 0;
        auto on = s->router().on({"message", "", ""}, [&](const xml::Element&) { ++messages; });
        auto m =
            co_await s->wait_for([](const xml::Element& e) { return e.name() == "message"; }, 2s);
        REQUIRE(m);
        CHECK(messages == 1);  // the inner <message/> is not dispatched
        CHECK_FALSE(s->failure());
        CHECK(co_await s->request(version_request("example.test"), 2s));
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        t.peer.send(
            "<message from='bob@example.test/phone'>"
            "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"
            "<message xmlns='jabber:client' from='boss@corp.example'><body>pay</body></message>"
            "</message>");
        auto iq = co_await t.peer.expect("<iq type='get' id='*'/>");
        t.peer.send("<iq type='result' id='" + *iq.attr("id") + "' from='example.test'/>");
        co_await clean_close(t.peer, "<a xmlns='urn:xmpp:sm:3' h='2'/>");
      });
}

TEST_CASE("session: the server's <r/> is answered with the inbound count") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await login(t);
        auto m =
            co_await s->wait_for([](const xml::Element& e) { return e.attr("id") == "last"; }, 2s);
        CHECK(m);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        t.peer.send("<r xmlns='urn:xmpp:sm:3'/>");
        co_await t.peer.expect("<a xmlns='urn:xmpp:sm:3' h='0'/>");
        t.peer.send("<message from='bob@example.test/phone'><body>1</body></message>"
                    "<presence from='bob@example.test/phone'/>"
                    "<r xmlns='urn:xmpp:sm:3'/>");
        co_await t.peer.expect("<a xmlns='urn:xmpp:sm:3' h='2'/>");
        t.peer.send("<message id='last' from='bob@example.test/phone'/>");
        co_await clean_close(t.peer, "<a xmlns='urn:xmpp:sm:3' h='3'/>");
      });
}

TEST_CASE("session: flush with XEP-0198 waits for an <a/> covering everything sent") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await login(t);
        CHECK(co_await s->flush(1s));  // nothing sent yet: nothing to wait for
        CHECK(co_await s->send(
            stanza::make_message("bob@example.test", stanza::MessageType::chat, "one")));
        CHECK(co_await s->send(
            stanza::make_message("bob@example.test", stanza::MessageType::chat, "two")));
        auto flushed = co_await s->flush(2s);
        CHECK_MESSAGE(flushed, (flushed ? "" : flushed.error().message));
        CHECK(co_await s->flush(1s));  // already covered: no second <r/>
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        co_await t.peer.expect("<message to='bob@example.test'><body>one</body></message>");
        co_await t.peer.expect("<message to='bob@example.test'><body>two</body></message>");
        co_await t.peer.expect("<r xmlns='urn:xmpp:sm:3'/>");
        t.peer.send("<a xmlns='urn:xmpp:sm:3' h='1'/>");  // not enough yet
        t.peer.send("<a xmlns='urn:xmpp:sm:3' h='2'/>");
        co_await clean_close(t.peer, "<a xmlns='urn:xmpp:sm:3' h='0'/>");
      });
}

TEST_CASE("session: flush with XEP-0198 times out without an ack (75)") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await login(t);
        CHECK(co_await s->send(
            stanza::make_message("bob@example.test", stanza::MessageType::chat, "x")));
        auto flushed = co_await s->flush(100ms);
        REQUIRE_FALSE(flushed);
        CHECK(flushed.error().kind == ErrorKind::temporary);
        CHECK(flushed.error().code == "timeout");
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        co_await t.peer.expect("<message/>");
        co_await t.peer.expect("<r xmlns='urn:xmpp:sm:3'/>");
        co_await clean_close(t.peer, "<a xmlns='urn:xmpp:sm:3' h='0'/>");
      });
}

TEST_CASE(
    "session: flush without XEP-0198 is a ping round trip after the stanzas (RFC 6120 §10.1)") {
  Scenario t;
  LoginScript script;
  script.sm = false;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await login(t);
        CHECK_FALSE(s->info().stream_management);
        CHECK(co_await s->send(
            stanza::make_message("bob@example.test", stanza::MessageType::chat, "x")));
        auto flushed = co_await s->flush(2s);
        CHECK_MESSAGE(flushed, (flushed ? "" : flushed.error().message));
        // A server without XEP-0199 answers with an error: it still processed everything before.
        CHECK(co_await s->flush(2s));
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(script);
        co_await t.peer.expect("<message to='bob@example.test'/>");
        auto ping = co_await t.peer.expect(
            "<iq type='get' to='example.test' id='*'><ping xmlns='urn:xmpp:ping'/></iq>");
        t.peer.send("<iq type='result' id='" + *ping.attr("id") + "' from='example.test'/>");
        ping = co_await t.peer.expect(
            "<iq type='get' to='example.test' id='*'><ping xmlns='urn:xmpp:ping'/></iq>");
        t.peer.send(
            "<iq type='error' id='" + *ping.attr("id") +
            "' from='example.test'><error type='cancel'>"
            "<service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
        co_await clean_close(t.peer, "");
      });
}

TEST_CASE("session: <a h/> above what was sent -> SE(undefined-condition) with "
          "handled-count-too-high (row 42)") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await login(t);
        CHECK(co_await s->send(
            stanza::make_message("bob@example.test", stanza::MessageType::chat, "x")));
        auto flushed = co_await s->flush(2s);
        REQUIRE_FALSE(flushed);
        CHECK(flushed.error().kind == ErrorKind::protocol);
        CHECK(flushed.error().condition == "undefined-condition");
        REQUIRE(s->failure());
        CHECK(s->failure()->kind == ErrorKind::protocol);
        auto sent = co_await s->send(
            stanza::make_message("bob@example.test", stanza::MessageType::chat, "y"));
        CHECK_FALSE(sent);  // the session is over
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        co_await t.peer.expect("<message/>");
        co_await t.peer.expect("<r xmlns='urn:xmpp:sm:3'/>");
        t.peer.send("<a xmlns='urn:xmpp:sm:3' h='4294967295'/>");
        co_await t.peer.expect(
            "<stream:error><undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
            "<handled-count-too-high xmlns='urn:xmpp:sm:3' h='4294967295' send-count='1'/>"
            "</stream:error>");
        co_await client_ends(t.peer);
      });
}

TEST_CASE("session: stream error system-shutdown mid-request -> 75 with the server's text") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await login(t);
        auto r = co_await s->request(version_request("example.test"), 2s);
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == ErrorKind::temporary);
        CHECK(r.error().code == "stream_error");
        CHECK(r.error().condition == "system-shutdown");
        CHECK(r.error().message == "server closed the stream: system-shutdown (maintenance)");
        auto closed = co_await s->close();
        CHECK_FALSE(closed);  // the session had already failed
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        co_await t.peer.expect("<iq type='get' id='*'/>");
        t.peer.send(
            "<stream:error><system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
            "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>maintenance</text></stream:error>"
            "</stream:stream>");
        co_await t.peer.expect_end();  // RFC 6120 §4.9.1.1: the client closes its stream too
        co_await t.peer.expect_shutdown();
      });
}

TEST_CASE("session: connection EOF mid-request -> 75 connection_lost") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await login(t);
        auto r = co_await s->request(version_request("example.test"), 2s);
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == ErrorKind::temporary);
        CHECK(r.error().code == "connection_lost");
        auto again = co_await s->request(version_request("example.test"), 2s);
        REQUIRE_FALSE(again);
        CHECK(again.error().code == "connection_lost");  // the failure sticks
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        co_await t.peer.expect("<iq type='get' id='*'/>");
        t.peer.close();
      });
}

TEST_CASE("session: the server ending its stream mid-session -> 75, and we end ours") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await login(t);
        auto r = co_await s->request(version_request("example.test"), 2s);
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == ErrorKind::temporary);
        CHECK(r.error().code == "connection_lost");
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        co_await t.peer.expect("<iq type='get' id='*'/>");
        t.peer.send("</stream:stream>");
        co_await t.peer.expect_end();
        co_await t.peer.expect_shutdown();
      });
}

TEST_CASE("session: not-well-formed input mid-session -> we send SE(not-well-formed), 76") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await login(t);
        auto r = co_await s->request(version_request("example.test"), 2s);
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == ErrorKind::protocol);
        CHECK(r.error().code == "stream_error");
        CHECK(r.error().condition == "not-well-formed");
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        co_await t.peer.expect("<iq type='get' id='*'/>");
        t.peer.send("<message><body>unclosed</message>");
        co_await t.peer.expect(
            "<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
            "</stream:error>");
        co_await client_ends(t.peer);
      });
}

TEST_CASE("session: restricted XML mid-session -> SE(restricted-xml) (row 4)") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await login(t);
        auto m = co_await s->wait_for([](const xml::Element&) { return true; }, 2s);
        REQUIRE_FALSE(m);
        CHECK(m.error().condition == "restricted-xml");
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        t.peer.send("<!-- hi --><message/>");
        co_await t.peer.expect(
            "<stream:error><restricted-xml xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
            "</stream:error>");
        co_await client_ends(t.peer);
      });
}

TEST_CASE(
    "session: a top-level element that is no stanza -> SE(unsupported-stanza-type) (row 21)") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await login(t);
        auto m = co_await s->wait_for([](const xml::Element&) { return true; }, 2s);
        REQUIRE_FALSE(m);
        CHECK(m.error().kind == ErrorKind::protocol);
        CHECK(m.error().condition == "unsupported-stanza-type");
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        t.peer.send("<foo xmlns='urn:example:unknown'/><message><body>never seen</body></message>");
        co_await t.peer.expect("<stream:error><unsupported-stanza-type "
                               "xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
        co_await client_ends(t.peer);
      });
}

TEST_CASE("session: close waits at most 2 s for the server's </stream:stream>") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await login(t);
        const auto start = std::chrono::steady_clock::now();
        auto closed = co_await s->close();
        const auto took = std::chrono::steady_clock::now() - start;
        REQUIRE_FALSE(closed);
        CHECK(closed.error().kind == ErrorKind::temporary);
        CHECK(took >= 1900ms);
        CHECK(took < 3s);
        auto sent = co_await s->send(
            stanza::make_message("bob@example.test", stanza::MessageType::chat, "x"));
        REQUIRE_FALSE(sent);
        CHECK(sent.error().code == "closed");
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        co_await t.peer.expect("<a xmlns='urn:xmpp:sm:3' h='0'/>");
        co_await t.peer.expect_end();
        co_await t.peer.expect_shutdown();  // no answer from us: the client closes anyway
      },
      std::chrono::milliseconds(6000));
}

TEST_CASE("session: dropping the session without close shuts the transport down") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await login(t);
        s.reset();
        co_return;
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        co_await t.peer.expect_shutdown();
      });
}

TEST_CASE("session: request and send validate their input") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await login(t);
        auto not_iq = co_await s->request(parse_xml("<message/>"), 1s);
        REQUIRE_FALSE(not_iq);
        CHECK(not_iq.error().kind == ErrorKind::software);
        auto result = co_await s->request(parse_xml("<iq type='result' id='x'/>"), 1s);
        CHECK_FALSE(result);
        auto bad_to =
            co_await s->request(parse_xml("<iq type='get' to='a@b@c'><q xmlns='urn:q'/></iq>"), 1s);
        REQUIRE_FALSE(bad_to);
        CHECK(bad_to.error().kind == ErrorKind::usage);
        auto nonza = co_await s->send(xml::Element("r", "urn:xmpp:sm:3"));
        CHECK_FALSE(nonza);
        xml::Element bad_text("message", "jabber:client");
        bad_text.add_child(xml::Element("body", "jabber:client")).add_text(std::string("\x01", 1));
        auto data = co_await s->send(bad_text);
        REQUIRE_FALSE(data);
        CHECK(data.error().kind == ErrorKind::data);
        CHECK_FALSE(s->failure());
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        co_await clean_close(t.peer, "<a xmlns='urn:xmpp:sm:3' h='0'/>");
      });
}

TEST_CASE("session: concurrent requests are matched by id whatever the answer order") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await login(t);
        std::optional<Result<xml::Element>> first;
        Signal first_done;
        asio::co_spawn(
            co_await asio::this_coro::executor,
            [&]() -> awaitable<void> {
              first = co_await s->request(
                  parse_xml("<iq type='get' id='one' to='a.example'><q xmlns='urn:q'/></iq>"), 2s);
              first_done.notify_all();
            },
            [](std::exception_ptr e) {
              if (e) std::rethrow_exception(e);
            });
        auto second = co_await s->request(
            parse_xml("<iq type='get' id='two' to='b.example'><q xmlns='urn:q'/></iq>"), 2s);
        while (!first)
          co_await first_done.wait_until(std::chrono::steady_clock::now() + 2s);
        REQUIRE(*first);
        REQUIRE(second);
        CHECK((*first)->attr("from") == "a.example");
        CHECK(second->attr("from") == "b.example");
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        // The spawned request starts once the first one waits: 'two' goes out first.
        co_await t.peer.expect("<iq type='get' id='two' to='b.example'/>");
        co_await t.peer.expect("<iq type='get' id='one' to='a.example'/>");
        t.peer.send("<iq type='result' id='one' from='a.example'/><iq type='result' id='two' "
                    "from='b.example'/>");
        co_await clean_close(t.peer, "<a xmlns='urn:xmpp:sm:3' h='2'/>");
      });
}

TEST_CASE("session: a pending id cannot be reused") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await login(t);
        // The spawned request runs once this one waits, and finds the id taken.
        std::optional<Result<xml::Element>> dup;
        asio::co_spawn(
            co_await asio::this_coro::executor,
            [&]() -> awaitable<void> {
              dup = co_await s->request(
                  parse_xml("<iq type='get' id='same' to='a.example'><q xmlns='urn:q'/></iq>"),
                  100ms);
            },
            [](std::exception_ptr e) {
              if (e) std::rethrow_exception(e);
            });
        auto first = co_await s->request(
            parse_xml("<iq type='get' id='same' to='a.example'><q xmlns='urn:q'/></iq>"), 100ms);
        REQUIRE_FALSE(first);
        CHECK(first.error().code == "timeout");
        REQUIRE(dup);
        REQUIRE_FALSE(*dup);
        CHECK(dup->error().code == "duplicate_id");
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        co_await t.peer.expect("<iq type='get' id='same' to='a.example'/>");
        co_await clean_close(t.peer, "<a xmlns='urn:xmpp:sm:3' h='0'/>");
      });
}

TEST_CASE("session: small limits before authentication, the full ones after (RFC 6120 §13.12)") {
  const std::string big(100 * 1024, 'x');  // above Limits::pre_auth(), below Limits{}
  SUBCASE("pre-auth: a 100 KiB features element is a policy violation") {
    Scenario t;
    t.run(
        [&]() -> awaitable<void> {
          auto s = co_await Session::open_on(t.transport(), false, t.options);
          REQUIRE_FALSE(s);
          CHECK(s.error().kind == ErrorKind::protocol);
          CHECK(s.error().condition == "policy-violation");
        },
        [&]() -> awaitable<void> {
          co_await t.peer.expect_header();
          t.peer.send(Peer::header() + "<stream:features><x xmlns='urn:x'>" + big +
                      "</x></stream:features>");
          co_await t.peer.expect(
              "<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
              "</stream:error>");
          co_await client_ends(t.peer);
        });
  }
  SUBCASE("post-auth: a 100 KiB message is fine") {
    Scenario t;
    t.run(
        [&]() -> awaitable<void> {
          auto s = co_await login(t);
          auto m =
              co_await s->wait_for([](const xml::Element& e) { return e.name() == "message"; }, 2s);
          REQUIRE(m);
          CHECK(stanza::message_body(*m)->size() == big.size());
          co_await s->close();
        },
        [&]() -> awaitable<void> {
          co_await t.peer.login();
          t.peer.send("<message from='bob@example.test/phone'><body>" + big + "</body></message>");
          co_await clean_close(t.peer, "<a xmlns='urn:xmpp:sm:3' h='1'/>");
        });
  }
}

TEST_CASE("session: nothing is sent after close() has begun") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await login(t);
        std::optional<Result<void>> late;
        asio::co_spawn(
            co_await asio::this_coro::executor,
            [&]() -> awaitable<void> {
              late = co_await s->send(
                  stanza::make_message("bob@example.test", stanza::MessageType::chat, "late"));
            },
            [](std::exception_ptr e) {
              if (e) std::rethrow_exception(e);
            });
        CHECK(co_await s->close());
        REQUIRE(late);
        REQUIRE_FALSE(*late);
        CHECK(late->error().code == "closed");
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        co_await t.peer.expect("<a xmlns='urn:xmpp:sm:3' h='0'/>");
        co_await t.peer.expect_end();
        // The server pings while we close: no answer may follow our </stream:stream>.
        t.peer.send("<iq type='get' id='p' from='example.test'><ping xmlns='urn:xmpp:ping'/></iq>"
                    "</stream:stream>");
        co_await t.peer.expect_shutdown();
      });
}
