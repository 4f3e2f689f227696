// XEP-0198 §5 resumption over a new transport, driven by the scripted peer: resumed (with
// retransmission of what the server had not handled), refused (fresh session, the unacknowledged
// stanzas handed back), and not resumable.
#include "harness.hpp"

#include "core/base64.hpp"
#include "stanza/message.hpp"

using namespace xmpp;
using namespace xmpp::stream;
using namespace xmpp::test;
using namespace std::chrono_literals;

namespace {

xml::Element chat_with_body(const std::string& body) {
  return stanza::make_message("bob@example.test", stanza::MessageType::chat, body);
}

}  // namespace

TEST_CASE("session: XEP-0198 resumption retransmits what the server had not handled") {
  Scenario t;
  auto pipe2 = std::make_shared<Pipe>();
  Peer peer2(pipe2);
  bool first_connection_done = false;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        REQUIRE(s);
        auto& session = **s;
        CHECK(co_await session.send(chat_with_body("one")));
        CHECK(co_await session.send(chat_with_body("two")));
        // Wait for the connection to drop (the server acked "one" and then vanished).
        auto lost = co_await session.wait_for([](const xml::Element&) { return false; }, 2s);
        REQUIRE_FALSE(lost);
        CHECK(lost.error().code == "connection_lost");
        REQUIRE(session.resumable());
        auto outcome = co_await session.resume_on(std::make_unique<FakeTransport>(pipe2), false);
        REQUIRE_MESSAGE(outcome, (outcome ? "" : outcome.error().message));
        CHECK(outcome->resumed);
        CHECK(outcome->retransmitted == 1);
        CHECK(outcome->not_acknowledged.empty());
        CHECK_FALSE(session.failure());
        CHECK(session.jid().str() == "alice@example.test/res1");
        auto r = co_await session.request(
            parse_xml("<iq type='get' to='example.test'><ping xmlns='urn:xmpp:ping'/></iq>"), 2s);
        CHECK_MESSAGE(r, (r ? "" : r.error().message));
        CHECK(co_await session.flush(2s));
        co_await session.close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        t.peer.send("<message from='bob@example.test/phone'><body>in</body></message>");
        co_await t.peer.expect("<message><body>one</body></message>");
        co_await t.peer.expect("<message><body>two</body></message>");
        t.peer.send("<a xmlns='urn:xmpp:sm:3' h='1'/>");
        t.peer.close();  // no </stream:stream>: an unfinished stream (XEP-0198 §7)
        first_connection_done = true;

        co_await reauthenticate(peer2);
        // h=1: the client handled the one message we sent it.
        co_await peer2.expect("<resume xmlns='urn:xmpp:sm:3' previd='sm-1' h='1'/>");
        peer2.send("<resumed xmlns='urn:xmpp:sm:3' previd='sm-1' h='1'/>");
        co_await peer2.expect("<message><body>two</body></message>");  // "one" was handled
        auto ping =
            co_await peer2.expect("<iq type='get' id='*'><ping xmlns='urn:xmpp:ping'/></iq>");
        peer2.send("<iq type='result' id='" + *ping.attr("id") + "' from='example.test'/>");
        co_await peer2.expect("<r xmlns='urn:xmpp:sm:3'/>");
        // Sequence numbers carry over: "two" is 2 and the ping 3.
        peer2.send("<a xmlns='urn:xmpp:sm:3' h='3'/>");
        co_await peer2.expect("<a xmlns='urn:xmpp:sm:3' h='2'/>");
        co_await peer2.expect_end();
        peer2.send("</stream:stream>");
        co_await peer2.expect_shutdown();
      });
  CHECK(first_connection_done);
}

TEST_CASE("session: refused resumption binds a fresh session and hands back the unacknowledged") {
  Scenario t;
  auto pipe2 = std::make_shared<Pipe>();
  Peer peer2(pipe2);
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        REQUIRE(s);
        auto& session = **s;
        CHECK(co_await session.send(chat_with_body("lost?")));
        auto lost = co_await session.wait_for([](const xml::Element&) { return false; }, 2s);
        REQUIRE_FALSE(lost);
        auto outcome = co_await session.resume_on(std::make_unique<FakeTransport>(pipe2), false);
        REQUIRE_MESSAGE(outcome, (outcome ? "" : outcome.error().message));
        CHECK_FALSE(outcome->resumed);
        REQUIRE(outcome->not_acknowledged.size() == 1);
        CHECK(stanza::message_body(outcome->not_acknowledged[0]) == std::string("lost?"));
        CHECK(session.jid().str() == "alice@example.test/res2");
        CHECK(session.info().stream_management);
        CHECK(session.resumable());
        co_await session.close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        co_await t.peer.expect("<message><body>lost?</body></message>");
        t.peer.close();

        co_await reauthenticate(peer2);
        co_await peer2.expect("<resume xmlns='urn:xmpp:sm:3' previd='sm-1' h='0'/>");
        peer2.send("<failed xmlns='urn:xmpp:sm:3' h='0'><item-not-found "
                   "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>");
        // XEP-0198 §5: bind again on the same stream; the previous resource is asked for.
        auto bind = co_await peer2.expect(
            "<iq type='set' id='*'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
            "<resource>res1</resource></bind></iq>");
        peer2.send("<iq type='result' id='" + *bind.attr("id") +
                   "'><bind "
                   "xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@example.test/res2</jid></"
                   "bind></iq>");
        co_await peer2.expect("<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
        peer2.send("<enabled xmlns='urn:xmpp:sm:3' id='sm-2' resume='true'/>");
        co_await peer2.expect("<a xmlns='urn:xmpp:sm:3' h='0'/>");
        co_await peer2.expect_end();
        peer2.send("</stream:stream>");
        co_await peer2.expect_shutdown();
      });
}

TEST_CASE("session: a session without resumption cannot be resumed") {
  Scenario t;
  LoginScript script;
  script.sm_resume = false;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        REQUIRE(s);
        CHECK((*s)->info().stream_management);
        CHECK_FALSE((*s)->resumable());
        auto outcome = co_await (*s)->resume_on(
            std::make_unique<FakeTransport>(std::make_shared<Pipe>()), false);
        REQUIRE_FALSE(outcome);
        CHECK(outcome.error().code == "not_resumable");
        CHECK_FALSE((*s)->failure());  // nothing happened to the live session
        co_await (*s)->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(script);
        co_await t.peer.expect("<a xmlns='urn:xmpp:sm:3' h='0'/>");
        co_await t.peer.expect_end();
        t.peer.send("</stream:stream>");
        co_await t.peer.expect_shutdown();
      });
}

TEST_CASE("session: <resumed h/> above what was sent is handled-count-too-high") {
  Scenario t;
  auto pipe2 = std::make_shared<Pipe>();
  Peer peer2(pipe2);
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        REQUIRE(s);
        auto lost = co_await (*s)->wait_for([](const xml::Element&) { return false; }, 2s);
        REQUIRE_FALSE(lost);
        auto outcome = co_await (*s)->resume_on(std::make_unique<FakeTransport>(pipe2), false);
        REQUIRE_FALSE(outcome);
        CHECK(outcome.error().kind == ErrorKind::protocol);
        CHECK(outcome.error().condition == "undefined-condition");
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        t.peer.close();
        co_await reauthenticate(peer2);
        co_await peer2.expect("<resume xmlns='urn:xmpp:sm:3' previd='sm-1' h='0'/>");
        peer2.send("<resumed xmlns='urn:xmpp:sm:3' previd='sm-1' h='5'/>");
        co_await peer2.expect(
            "<stream:error><undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
            "<handled-count-too-high xmlns='urn:xmpp:sm:3' h='5' send-count='0'/></stream:error>");
        co_await peer2.expect_end();
        peer2.send("</stream:stream>");
        peer2.close();
        co_await peer2.expect_shutdown();
      });
}
