// stream::Outbox against the scripted peer: the window of unconfirmed messages, confirmation by
// XEP-0198 acks and by an iq round trip, bounces (and spoofed bounces), resumption, and a fresh
// session after a refused resumption where only the unconfirmed messages are sent again.
#include "harness.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "stanza/message.hpp"
#include "stream/outbox.hpp"

using namespace xmpp;
using namespace xmpp::stream;
using namespace xmpp::test;
using namespace std::chrono_literals;

namespace {

xml::Element chat(const std::string& id, const std::string& to = "bob@example.test") {
  return stanza::make_message(to, stanza::MessageType::chat, "body " + id, id);
}

/// What a serving loop saw.
struct Served {
  std::vector<std::string> ids;  ///< message ids in arrival order
  std::size_t max_unacked = 0;   ///< the most messages that were ever unacknowledged at once
  std::vector<std::size_t> requests;  ///< for each <r/>: how many messages had arrived before it
};

/// A server loop after login: counts stanzas for XEP-0198, answers <r/> with <a/> (unless
/// `ack_upto` caps it), answers pings, and stops at </stream:stream> (answering it) or after
/// `stop_after` messages (then closing the connection without a stream end, as a crash would).
awaitable<void> serve(Peer& peer, Served& served, std::size_t stop_after = SIZE_MAX,
                      std::uint32_t h_base = 0, std::function<void(const xml::Element&)> on = {}) {
  std::uint32_t h = h_base;
  std::uint32_t acked = h_base;
  std::size_t messages = 0;
  for (;;) {
    auto e = co_await peer.next();
    if (!e) {
      peer.send("</stream:stream>");
      peer.close();
      co_return;
    }
    if (e->name() == "r") {
      served.requests.push_back(served.ids.size());
      acked = h;
      peer.send("<a xmlns='urn:xmpp:sm:3' h='" + std::to_string(h) + "'/>");
      continue;
    }
    if (e->name() == "a") continue;
    ++h;
    if (e->name() == "iq" && e->attr("type") == "get") {
      peer.send("<iq type='result' id='" + e->attr("id").value_or("") + "' from='example.test'/>");
      continue;
    }
    if (e->name() == "message") {
      served.ids.push_back(e->attr("id").value_or(""));
      served.max_unacked = std::max<std::size_t>(served.max_unacked, h - acked);
      if (on) on(*e);
      if (++messages == stop_after) {
        peer.close();
        co_return;
      }
    }
  }
}

/// Takes `count` messages without acknowledging any, then closes the connection as a crash would.
awaitable<void> take_and_die(Peer& peer, Served& served, int count) {
  for (int i = 0; i < count;) {
    auto e = co_await peer.next();
    REQUIRE(e);
    if (e->name() == "message") {
      served.ids.push_back(e->attr("id").value_or(""));
      ++i;
    }
  }
  peer.close();
}

std::map<std::string, DeliveryState> states(const Outbox& outbox) {
  std::map<std::string, DeliveryState> m;
  for (const auto& d : outbox.deliveries()) m[d.id] = d.state;
  return m;
}

}  // namespace

TEST_CASE("outbox: XEP-0198 acks confirm every message; the window bounds what is in flight") {
  Scenario t;
  Served served;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        REQUIRE(s);
        OutboxOptions options;
        options.window = 3;
        Outbox outbox(t.io.get_executor(), **s, options);
        const auto deadline = std::chrono::steady_clock::now() + 3s;
        for (int i = 1; i <= 20; ++i)
          REQUIRE(co_await outbox.submit(chat("m" + std::to_string(i)), deadline));
        auto drained = co_await outbox.drain(deadline);
        CHECK_MESSAGE(drained, (drained ? "" : drained.error().message));
        REQUIRE(outbox.deliveries().size() == 20);
        for (const auto& d : outbox.deliveries()) {
          CHECK(d.state == DeliveryState::acked);
          CHECK(d.transmissions == 1);
        }
        co_await (*s)->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        co_await serve(t.peer, served);
      });
  CHECK(served.ids.size() == 20);
  CHECK(served.max_unacked <= 3);
  CHECK(served.ids.front() == "m1");
  CHECK(served.ids.back() == "m20");
}

TEST_CASE("outbox: acks are requested before the window is full, and the window stays full") {
  Scenario t;
  Served served;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        REQUIRE(s);
        OutboxOptions options;
        options.window = 16;
        options.ack_every = 4;
        Outbox outbox(t.io.get_executor(), **s, options);
        const auto deadline = std::chrono::steady_clock::now() + 3s;
        for (int i = 1; i <= 200; ++i)
          REQUIRE(co_await outbox.submit(chat("m" + std::to_string(i)), deadline));
        CHECK(co_await outbox.drain(deadline));
        co_await (*s)->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        co_await serve(t.peer, served);
      });
  REQUIRE(served.ids.size() == 200);
  REQUIRE_FALSE(served.requests.empty());
  // The first request follows the first ack_every messages, not the whole window (stop and wait).
  CHECK(served.requests.front() <= 4);
  // More requests than windows: the messages after a request went out before its <a/> came back.
  CHECK(served.requests.size() > 200 / 16);
  CHECK(served.max_unacked <= 16);
  CHECK(served.max_unacked > 4);
}

TEST_CASE("outbox: what it holds stays bounded by the window over many settled messages") {
  Scenario t;
  Served served;
  std::size_t most_held = 0, updates = 0;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        REQUIRE(s);
        OutboxOptions options;
        options.window = 8;
        options.settled_kept = 16;
        options.on_update = [&](const Delivery& d) {
          CHECK(d.state == DeliveryState::acked);
          ++updates;
        };
        Outbox outbox(t.io.get_executor(), **s, options);
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        for (int i = 1; i <= 3000; ++i) {
          REQUIRE(co_await outbox.submit(chat("m" + std::to_string(i)), deadline));
          most_held = std::max(most_held, outbox.deliveries().size());
        }
        CHECK(co_await outbox.drain(deadline));
        most_held = std::max(most_held, outbox.deliveries().size());
        CHECK(outbox.submitted() == 3000);
        REQUIRE_FALSE(outbox.deliveries().empty());
        CHECK(outbox.deliveries().back().id == "m3000");
        CHECK(outbox.deliveries().back().index == 2999);
        co_await (*s)->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        co_await serve(t.peer, served);
      });
  CHECK(served.ids.size() == 3000);
  CHECK(updates == 3000);  // every message was reported before it was forgotten
  CHECK(most_held <= 8 + 16 + 1);
}

TEST_CASE("outbox: without stream management an iq round trip confirms what was sent before it") {
  Scenario t;
  Served served;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        REQUIRE(s);
        Outbox outbox(t.io.get_executor(), **s, OutboxOptions{});
        const auto deadline = std::chrono::steady_clock::now() + 3s;
        for (int i = 1; i <= 5; ++i)
          REQUIRE(co_await outbox.submit(chat("m" + std::to_string(i)), deadline));
        CHECK(co_await outbox.drain(deadline));
        for (const auto& d : outbox.deliveries()) CHECK(d.state == DeliveryState::acked);
        co_await (*s)->close();
      },
      [&]() -> awaitable<void> {
        LoginScript script;
        script.sm = false;
        co_await t.peer.login(script);
        co_await serve(t.peer, served);
      });
  CHECK(served.ids.size() == 5);
}

TEST_CASE("outbox: a bounce from the addressee fails its message; a spoofed one is ignored") {
  Scenario t;
  Served served;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        REQUIRE(s);
        Outbox outbox(t.io.get_executor(), **s, OutboxOptions{});
        const auto deadline = std::chrono::steady_clock::now() + 3s;
        REQUIRE(co_await outbox.submit(chat("m1"), deadline));
        REQUIRE(co_await outbox.submit(chat("m2", "nobody@example.test"), deadline));
        REQUIRE(co_await outbox.submit(chat("m3"), deadline));
        CHECK(co_await outbox.drain(deadline));
        auto st = states(outbox);
        CHECK(st["m1"] == DeliveryState::acked);
        CHECK(st["m2"] == DeliveryState::bounced);
        CHECK(st["m3"] == DeliveryState::acked);  // only a spoofed bounce came for m3
        const auto& m2 = outbox.deliveries()[1];
        REQUIRE(m2.error);
        CHECK(m2.error->kind == ErrorKind::remote);
        CHECK(m2.error->condition == "service-unavailable");
        co_await (*s)->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        co_await serve(t.peer, served, SIZE_MAX, 0, [&](const xml::Element& m) {
          const auto id = m.attr("id").value_or("");
          // The server bounces before it acks (it handles stanzas in order).
          if (id == "m2")
            t.peer.send("<message type='error' id='m2' from='example.test'><error type='cancel'>"
                        "<service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
                        "</error></message>");
          if (id == "m3")
            t.peer.send("<message type='error' id='m3' from='mallory@evil.test'>"
                        "<error type='cancel'><item-not-found "
                        "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>");
        });
      });
}

TEST_CASE("outbox: bounce_from_matches accepts the addressee and servers, nobody else") {
  CHECK(bounce_from_matches("bob@example.test", "bob@example.test/phone", "example.test"));
  CHECK(bounce_from_matches("bob@example.test", "example.test", "example.test"));
  CHECK(bounce_from_matches("bob@remote.test", "remote.test", "example.test"));
  CHECK(bounce_from_matches("room@conference.example.test", "room@conference.example.test",
                            "example.test"));
  CHECK(bounce_from_matches("bob@remote.test", "", "example.test"));  // from our server
  CHECK_FALSE(bounce_from_matches("bob@example.test", "mallory@example.test", "example.test"));
  CHECK_FALSE(bounce_from_matches("bob@example.test", "evil.test", "example.test"));
  CHECK_FALSE(bounce_from_matches("bob@example.test", "example.test/res", "example.test"));
}

TEST_CASE("outbox: a refused resumption gives a fresh session; only unconfirmed messages are resent") {
  Scenario t;
  auto pipe2 = std::make_shared<Pipe>();
  Peer peer2(pipe2);
  Served first, second;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        REQUIRE(s);
        OutboxOptions options;
        options.window = 2;
        options.reconnect_attempts = 2;
        options.resume = [&](Session& session) {
          return session.resume_on(std::make_unique<FakeTransport>(pipe2), false);
        };
        Outbox outbox(t.io.get_executor(), **s, options);
        const auto deadline = std::chrono::steady_clock::now() + 4s;
        for (int i = 1; i <= 6; ++i)
          REQUIRE(co_await outbox.submit(chat("m" + std::to_string(i)), deadline));
        auto drained = co_await outbox.drain(deadline);
        CHECK_MESSAGE(drained, (drained ? "" : drained.error().message));
        std::map<std::string, int> sent;
        for (const auto& d : outbox.deliveries()) {
          CHECK(d.state == DeliveryState::acked);
          sent[d.id] = d.transmissions;
        }
        CHECK(sent.size() == 6);
        co_await (*s)->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        // Acks as asked, then the connection dies after the third message arrived.
        co_await serve(t.peer, first, 3);
        // The new connection: authentication, a refused <resume/>, a fresh bind.
        co_await reauthenticate(peer2);
        co_await peer2.expect("<resume xmlns='urn:xmpp:sm:3' previd='sm-1' h='*'/>");
        peer2.send("<failed xmlns='urn:xmpp:sm:3'><item-not-found "
                   "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>");
        auto bind = co_await peer2.expect("<iq type='set'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
        peer2.send("<iq type='result' id='" + bind.attr("id").value_or("") +
                   "'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@example.test/res2"
                   "</jid></bind></iq>");
        co_await peer2.expect("<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
        peer2.send("<enabled xmlns='urn:xmpp:sm:3' id='sm-2' resume='true'/>");
        co_await serve(peer2, second);
      });
  // Whatever the first server acknowledged was not sent again; everything arrived at least once.
  REQUIRE(first.ids.size() == 3);
  std::set<std::string> all(first.ids.begin(), first.ids.end());
  all.insert(second.ids.begin(), second.ids.end());
  CHECK(all.size() == 6);
  for (const auto& id : second.ids)
    CHECK_MESSAGE(std::count(first.ids.begin(), first.ids.end(), id) <= 1, id);
  CHECK(second.ids.size() >= 3);
  CHECK(second.ids.size() <= 5);
}

TEST_CASE("outbox: with resumption the server's <resumed h=/> decides what is sent again") {
  Scenario t;
  auto pipe2 = std::make_shared<Pipe>();
  Peer peer2(pipe2);
  Served first, second;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        REQUIRE(s);
        OutboxOptions options;
        options.window = 8;
        options.reconnect_attempts = 1;
        options.resume = [&](Session& session) {
          return session.resume_on(std::make_unique<FakeTransport>(pipe2), false);
        };
        Outbox outbox(t.io.get_executor(), **s, options);
        const auto deadline = std::chrono::steady_clock::now() + 4s;
        for (int i = 1; i <= 4; ++i)
          REQUIRE(co_await outbox.submit(chat("m" + std::to_string(i)), deadline));
        auto drained = co_await outbox.drain(deadline);
        CHECK_MESSAGE(drained, (drained ? "" : drained.error().message));
        for (const auto& d : outbox.deliveries()) {
          CHECK(d.state == DeliveryState::acked);
          CHECK(d.transmissions == 1);  // the session retransmitted, not the outbox
        }
        co_await (*s)->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        co_await take_and_die(t.peer, first, 4);
        co_await reauthenticate(peer2);
        co_await peer2.expect("<resume xmlns='urn:xmpp:sm:3' previd='sm-1' h='0'/>");
        // The server had handled two of the four.
        peer2.send("<resumed xmlns='urn:xmpp:sm:3' previd='sm-1' h='2'/>");
        co_await serve(peer2, second, SIZE_MAX, 2);
      });
  CHECK(first.ids == std::vector<std::string>{"m1", "m2", "m3", "m4"});
  CHECK(second.ids == std::vector<std::string>{"m3", "m4"});
}

TEST_CASE("outbox: a failed attempt to get the connection back is said, then tried again") {
  Scenario t;
  auto pipe2 = std::make_shared<Pipe>();
  Peer peer2(pipe2);
  Served first, second;
  std::vector<std::string> notes;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        REQUIRE(s);
        OutboxOptions options;
        options.window = 8;
        options.reconnect_attempts = 3;
        int resumes = 0;
        options.resume = [&](Session& session) -> awaitable<Result<ResumeOutcome>> {
          // The first attempt finds no server (as with a node that is gone); the second works.
          if (++resumes == 1)
            co_return fail(ErrorKind::temporary, "connection_refused", "", "node1 refused");
          co_return co_await session.resume_on(std::make_unique<FakeTransport>(pipe2), false);
        };
        options.on_note = [&](std::string_view text) { notes.emplace_back(text); };
        Outbox outbox(t.io.get_executor(), **s, options);
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        for (int i = 1; i <= 2; ++i)
          REQUIRE(co_await outbox.submit(chat("m" + std::to_string(i)), deadline));
        auto drained = co_await outbox.drain(deadline);
        CHECK_MESSAGE(drained, (drained ? "" : drained.error().message));
        CHECK(resumes == 2);
        co_await (*s)->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        co_await take_and_die(t.peer, first, 2);
        co_await reauthenticate(peer2);
        co_await peer2.expect("<resume xmlns='urn:xmpp:sm:3' previd='sm-1' h='0'/>");
        peer2.send("<resumed xmlns='urn:xmpp:sm:3' previd='sm-1' h='2'/>");
        co_await serve(peer2, second, SIZE_MAX, 2);
      });
  REQUIRE(notes.size() == 2);
  CHECK(notes[0].find("attempt 1 of 3 to get it back failed (node1 refused), trying again in ") !=
        std::string::npos);
  CHECK(notes[1].find("stream resumed, 0 stanzas sent again") != std::string::npos);
  CHECK(second.ids.empty());
}

TEST_CASE("outbox: after a resumption that timed out, the next attempt logs in afresh") {
  Scenario t;
  auto pipe2 = std::make_shared<Pipe>();
  Peer peer2(pipe2);
  Served first, second;
  std::vector<std::string> notes;
  int resumes = 0, reconnects = 0;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        REQUIRE(s);
        std::unique_ptr<Session> fresh;
        OutboxOptions options;
        options.window = 8;
        options.reconnect_attempts = 3;
        // As a server that holds the <resume/> until our step timeout would answer.
        options.resume = [&](Session&) -> awaitable<Result<ResumeOutcome>> {
          ++resumes;
          co_return fail(ErrorKind::temporary, "timeout", "", "timed out waiting for <resumed/>");
        };
        options.reconnect = [&]() -> awaitable<Result<Session*>> {
          ++reconnects;
          auto opened = co_await Session::open_on(std::make_unique<FakeTransport>(pipe2), false,
                                                  t.options);
          if (!opened) co_return fail(opened.error());
          fresh = std::move(*opened);
          co_return fresh.get();
        };
        options.on_note = [&](std::string_view text) { notes.emplace_back(text); };
        Outbox outbox(t.io.get_executor(), **s, options);
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        for (int i = 1; i <= 2; ++i)
          REQUIRE(co_await outbox.submit(chat("m" + std::to_string(i)), deadline));
        auto drained = co_await outbox.drain(deadline);
        CHECK_MESSAGE(drained, (drained ? "" : drained.error().message));
        for (const auto& d : outbox.deliveries()) CHECK(d.state == DeliveryState::acked);
        REQUIRE(fresh);
        co_await fresh->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login();
        co_await take_and_die(t.peer, first, 2);
        co_await peer2.login();
        co_await serve(peer2, second);
      });
  CHECK(resumes == 1);
  CHECK(reconnects == 1);
  REQUIRE(notes.size() == 2);
  CHECK(notes[0].find("failed (timed out waiting for <resumed/>)") != std::string::npos);
  CHECK(notes[1].find("; logged in again") != std::string::npos);
  // Nothing was acknowledged on the first stream: both messages again, once each.
  CHECK(second.ids == std::vector<std::string>{"m1", "m2"});
}

TEST_CASE("outbox: when the connection cannot come back, what was not confirmed is unconfirmed") {
  Scenario t;
  Served first;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        REQUIRE(s);
        OutboxOptions options;
        options.reconnect_attempts = 0;
        Outbox outbox(t.io.get_executor(), **s, options);
        const auto deadline = std::chrono::steady_clock::now() + 3s;
        for (int i = 1; i <= 3; ++i)
          (void)co_await outbox.submit(chat("m" + std::to_string(i)), deadline);
        auto drained = co_await outbox.drain(deadline);
        REQUIRE_FALSE(drained);
        CHECK(drained.error().kind == ErrorKind::temporary);
        std::size_t unconfirmed = 0;
        for (const auto& d : outbox.deliveries())
          if (d.state == DeliveryState::unconfirmed) ++unconfirmed;
        CHECK(unconfirmed >= 1);
        CHECK(outbox.deliveries().back().state == DeliveryState::unconfirmed);
      },
      [&]() -> awaitable<void> {
        LoginScript script;
        script.sm_resume = false;
        co_await t.peer.login(script);
        co_await serve(t.peer, first, 3);
      });
}
