// The session driver negotiating against a scripted server: STARTTLS, SASL (PLAIN, SCRAM-SHA-1
// with the RFC 5802 vector, SCRAM-SHA-1-PLUS), bind, XEP-0198 enable, and every failure path of
// SECURITY.md rows 23-25, 29 and table (b).
#include "harness.hpp"

#include "core/base64.hpp"

using namespace xmpp;
using namespace xmpp::stream;
using namespace xmpp::test;
using namespace std::chrono_literals;

namespace {

const char* const k_tls_features =
    "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
    "</stream:features>";
const char* const k_plain_features =
    "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
    "<mechanism>PLAIN</mechanism></mechanisms></stream:features>";

/// Server side up to (and including) the client's <auth/>, over STARTTLS.
awaitable<xml::Element> until_auth(Peer& peer) {
  co_await peer.open(k_tls_features);
  co_await peer.expect("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  peer.send("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  peer.restart();
  co_await peer.open(k_plain_features);
  co_return co_await peer.expect(
      "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>*</auth>");
}

/// The server's side of a stream the client ends after a failure: its </stream:stream>, ours, then
/// the server closes the connection as servers do.
awaitable<void> client_gives_up(Peer& peer) {
  co_await peer.expect_end();
  peer.send("</stream:stream>");
  peer.close();
  co_await peer.expect_shutdown();
}

}  // namespace

TEST_CASE("session: happy path over STARTTLS with PLAIN, bind, SM, an iq round trip and close") {
  Scenario t;
  std::vector<std::string> headers;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        REQUIRE_MESSAGE(s, (s ? "" : s.error().message));
        auto& session = **s;
        CHECK(session.jid().str() == "alice@example.test/res1");
        CHECK(session.info().mechanism == "PLAIN");
        CHECK(session.info().stream_management);
        CHECK(session.info().tls.active);
        CHECK_FALSE(session.info().direct_tls);
        CHECK(session.info().address == "fake:5222");
        CHECK(session.info().stream_features ==
              std::vector<std::string>{"urn:ietf:params:xml:ns:xmpp-bind", "urn:xmpp:sm:3"});
        CHECK(session.resumable());
        auto reply = co_await session.request(
            parse_xml("<iq type='get' to='example.test'><query xmlns='jabber:iq:version'/></iq>"),
            2s);
        REQUIRE_MESSAGE(reply, (reply ? "" : reply.error().message));
        CHECK(reply->child("query", "jabber:iq:version")->child_text("name", "jabber:iq:version") ==
              std::string("Prosody"));
        auto closed = co_await session.close();
        CHECK_MESSAGE(closed, (closed ? "" : closed.error().message));
        CHECK(co_await session.close());  // idempotent
      },
      [&]() -> awaitable<void> {
        auto h1 = co_await t.peer.open(k_tls_features);
        CHECK(h1.from.empty());  // no 'from' before TLS (RFC 6120 §4.7.1)
        co_await t.peer.expect("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        t.peer.send("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        t.peer.restart();
        auto h2 = co_await t.peer.open(k_plain_features);
        CHECK(h2.from == "alice@example.test");
        CHECK(t.pipe->start_tls_calls == 1);
        auto auth = co_await t.peer.expect(
            "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>*</auth>");
        CHECK(base64_decode(auth.text()) == std::string("\0alice\0secret", 13));
        t.peer.send("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
        t.peer.restart();
        co_await t.peer.open("<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
                             "<sm xmlns='urn:xmpp:sm:3'/></stream:features>");
        auto bind = co_await t.peer.expect(
            "<iq type='set' id='*'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
        CHECK_FALSE(bind.child("bind", "urn:ietf:params:xml:ns:xmpp-bind")
                        ->child("resource", "urn:ietf:params:xml:ns:xmpp-bind"));
        t.peer.send("<iq type='result' id='" + *bind.attr("id") +
                    "'><bind "
                    "xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@example.test/res1</jid></"
                    "bind></iq>");
        co_await t.peer.expect("<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
        t.peer.send("<enabled xmlns='urn:xmpp:sm:3' id='sm-1' resume='true'/>");
        auto iq = co_await t.peer.expect(
            "<iq type='get' to='example.test' id='*'><query xmlns='jabber:iq:version'/></iq>");
        CHECK(iq.attr("id")->size() >= 16);  // a CSPRNG id (SECURITY.md (c))
        t.peer.send("<iq type='result' from='example.test' id='" + *iq.attr("id") +
                    "'><query xmlns='jabber:iq:version'><name>Prosody</name></query></iq>");
        co_await t.peer.expect(
            "<a xmlns='urn:xmpp:sm:3' h='1'/>");  // XEP-0198 §4: ack before closing
        co_await t.peer.expect_end();
        t.peer.send("</stream:stream>");
        co_await t.peer.expect_shutdown();
      });
}

TEST_CASE("session: SCRAM-SHA-1 with the RFC 5802 §5 example exchange") {
  Scenario t;
  t.options.jid = Jid::parse("user@example.test").value();
  t.options.password = "pencil";
  t.options.sasl_mechanisms = {"SCRAM-SHA-1"};
  t.options.sasl_nonce = [] { return std::string("fyko+d2lbbFgONRv9qkxdawL"); };
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(true), true, t.options);
        REQUIRE_MESSAGE(s, (s ? "" : s.error().message));
        CHECK((*s)->info().mechanism == "SCRAM-SHA-1");
        CHECK((*s)->info().direct_tls);
        CHECK((*s)->jid().str() == "user@example.test/r");
        co_await (*s)->close();
      },
      [&]() -> awaitable<void> {
        // Direct TLS: no STARTTLS step, even though it is offered.
        co_await t.peer.open(
            "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
            "<mechanisms "
            "xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism>"
            "<mechanism>PLAIN</mechanism></mechanisms></stream:features>");
        auto auth = co_await t.peer.expect(
            "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>*</auth>");
        CHECK(base64_decode(auth.text()) == std::string("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"));
        t.peer.send("<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" +
                    base64_encode(
                        "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096") +
                    "</challenge>");
        auto response = co_await t.peer.expect(
            "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>*</response>");
        CHECK(base64_decode(response.text()) ==
              std::string("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p="
                          "v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="));
        t.peer.send("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" +
                    base64_encode("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=") + "</success>");
        t.peer.restart();
        co_await t.peer.open(
            "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>");
        auto bind = co_await t.peer.expect(
            "<iq type='set' id='*'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
        t.peer.send(
            "<iq type='result' id='" + *bind.attr("id") +
            "'><bind "
            "xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>user@example.test/r</jid></bind></iq>");
        co_await client_gives_up(t.peer);
      });
}

TEST_CASE("session: SCRAM-SHA-1-PLUS binds to the TLS channel (tls-exporter, XEP-0440)") {
  Scenario t;
  t.options.sasl_nonce = [] { return std::string("clientnonce123456789012"); };
  ScramServer scram("secret", "saltsaltsalt", 4096, "servernonce", k_fake_exporter);
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        REQUIRE_MESSAGE(s, (s ? "" : s.error().message));
        CHECK((*s)->info().mechanism == "SCRAM-SHA-1-PLUS");
        co_await (*s)->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.open(k_tls_features);
        co_await t.peer.expect("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        t.peer.send("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        t.peer.restart();
        co_await t.peer.open(
            "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
            "<mechanism>SCRAM-SHA-1-PLUS</mechanism><mechanism>SCRAM-SHA-1</mechanism>"
            "<mechanism>PLAIN</mechanism></mechanisms><sasl-channel-binding "
            "xmlns='urn:xmpp:sasl-cb:0'><channel-binding type='tls-exporter'/>"
            "</sasl-channel-binding></stream:features>");
        auto auth = co_await t.peer.expect(
            "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1-PLUS'>*</auth>");
        const std::string client_first = *base64_decode(auth.text());
        CHECK(client_first.rfind("p=tls-exporter,,n=alice,r=clientnonce", 0) == 0);
        t.peer.send("<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" +
                    base64_encode(scram.first(client_first)) + "</challenge>");
        auto response = co_await t.peer.expect(
            "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>*</response>");
        // Throws (failing the script) when the proof or the channel binding data is wrong.
        const std::string server_final = scram.final(*base64_decode(response.text()));
        t.peer.send("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" +
                    base64_encode(server_final) + "</success>");
        t.peer.restart();
        co_await t.peer.open(
            "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>");
        auto bind = co_await t.peer.expect(
            "<iq type='set' id='*'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
        t.peer.send(
            "<iq type='result' id='" + *bind.attr("id") +
            "'><bind "
            "xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@example.test/r</jid></bind></iq>");
        co_await client_gives_up(t.peer);
      });
}

TEST_CASE("session: a wrong SCRAM server signature aborts with 77 (row 29)") {
  Scenario t;
  t.options.sasl_mechanisms = {"SCRAM-SHA-1"};
  t.options.sasl_nonce = [] { return std::string("clientnonce123456789012"); };
  ScramServer scram("secret", "saltsaltsalt", 4096, "servernonce");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(true), true, t.options);
        REQUIRE_FALSE(s);
        CHECK(s.error().kind == ErrorKind::no_perm);
      },
      [&]() -> awaitable<void> {
        co_await t.peer.open(
            "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
            "<mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>");
        auto auth = co_await t.peer.expect(
            "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>*</auth>");
        t.peer.send("<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" +
                    base64_encode(scram.first(*base64_decode(auth.text()))) + "</challenge>");
        co_await t.peer.expect("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>*</response>");
        t.peer.send("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" +
                    base64_encode("v=AAAAAAAAAAAAAAAAAAAAAAAAAAA=") + "</success>");
        co_await client_gives_up(t.peer);
      });
}

TEST_CASE("session: <failure/> to <starttls/> -> 77 (row 25)") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        REQUIRE_FALSE(s);
        CHECK(s.error().kind == ErrorKind::no_perm);
        CHECK(s.error().code == "starttls_failed");
      },
      [&]() -> awaitable<void> {
        co_await t.peer.open(k_tls_features);
        co_await t.peer.expect("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        t.peer.send("<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>");
        co_await t.peer.expect_end();
        co_await t.peer.expect_shutdown();
        CHECK(t.pipe->start_tls_calls == 0);
      });
}

TEST_CASE("cve_2016_10027_starttls_stripped session: features without <starttls/> -> 77, nothing sent in the clear (row 24)") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        REQUIRE_FALSE(s);
        CHECK(s.error().kind == ErrorKind::no_perm);
        CHECK(s.error().code == "starttls_missing");
        CHECK(s.error().message == "server did not offer TLS (possible downgrade)");
      },
      [&]() -> awaitable<void> {
        co_await t.peer.open(k_plain_features);
        co_await client_gives_up(t.peer);  // no <auth/>: the password never left
      });
}

TEST_CASE("session: bytes after <proceed/> abort before TLS (row 23)") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        REQUIRE_FALSE(s);
        CHECK(s.error().kind == ErrorKind::protocol);
        CHECK(s.error().code == "starttls_injection");
      },
      [&]() -> awaitable<void> {
        co_await t.peer.open(k_tls_features);
        co_await t.peer.expect("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        t.peer.send("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
                    "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
        co_await t.peer.expect_shutdown();  // "abort": closed without anything more
        CHECK(t.pipe->start_tls_calls == 0);
      });
}

TEST_CASE("session: a failed TLS handshake -> 77, no plaintext fallback") {
  Scenario t;
  t.pipe->fail_tls = true;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        REQUIRE_FALSE(s);
        CHECK(s.error().kind == ErrorKind::no_perm);
        CHECK(s.error().code == "certificate");
      },
      [&]() -> awaitable<void> {
        co_await t.peer.open(k_tls_features);
        co_await t.peer.expect("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        t.peer.send("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        co_await t.peer.expect_shutdown();
      });
}

TEST_CASE("session: SASL not-authorized -> 77, no second attempt") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        REQUIRE_FALSE(s);
        CHECK(s.error().kind == ErrorKind::no_perm);
        CHECK(s.error().code == "auth_failed");
        CHECK(s.error().condition == "not-authorized");
        CHECK(s.error().message == "authentication failed for alice@example.test: not-authorized");
      },
      [&]() -> awaitable<void> {
        co_await until_auth(t.peer);
        t.peer.send(
            "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>");
        co_await client_gives_up(t.peer);  // </stream:stream>, not another <auth/>
      });
}

TEST_CASE("session: SASL temporary-auth-failure -> 75") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        REQUIRE_FALSE(s);
        CHECK(s.error().kind == ErrorKind::temporary);
        CHECK(s.error().condition == "temporary-auth-failure");
      },
      [&]() -> awaitable<void> {
        co_await until_auth(t.peer);
        t.peer.send("<failure "
                    "xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><temporary-auth-failure/></failure>");
        co_await client_gives_up(t.peer);
      });
}

TEST_CASE("session: bind error -> the bind failure, stream closed") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        REQUIRE_FALSE(s);
        CHECK(s.error().code == "bind_failed");
        CHECK(s.error().kind == ErrorKind::no_perm);
        CHECK(s.error().condition == "not-allowed");
      },
      [&]() -> awaitable<void> {
        co_await until_auth(t.peer);
        t.peer.send("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
        t.peer.restart();
        co_await t.peer.open(
            "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>");
        auto bind = co_await t.peer.expect(
            "<iq type='set' id='*'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
        t.peer.send("<iq type='error' id='" + *bind.attr("id") +
                    "'><error type='cancel'><not-allowed "
                    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
        co_await client_gives_up(t.peer);
      });
}

TEST_CASE("session: bind conflict, then success with a random resource") {
  Scenario t;
  t.options.resource = "cli";
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        REQUIRE_MESSAGE(s, (s ? "" : s.error().message));
        CHECK((*s)->jid().resource().rfind("xmpp-", 0) == 0);
        co_await (*s)->close();
      },
      [&]() -> awaitable<void> {
        co_await until_auth(t.peer);
        t.peer.send("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
        t.peer.restart();
        co_await t.peer.open(
            "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>");
        auto first = co_await t.peer.expect(
            "<iq type='set' id='*'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
            "<resource>cli</resource></bind></iq>");
        t.peer.send("<iq type='error' id='" + *first.attr("id") +
                    "'><error type='cancel'><conflict "
                    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
        auto second = co_await t.peer.expect(
            "<iq type='set' id='*'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
            "<resource>*</resource></bind></iq>");
        const std::string resource =
            *second.child("bind", "urn:ietf:params:xml:ns:xmpp-bind")
                 ->child_text("resource", "urn:ietf:params:xml:ns:xmpp-bind");
        CHECK(resource != "cli");
        CHECK(resource.size() >= 16);
        t.peer.send("<iq type='result' id='" + *second.attr("id") +
                    "'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@example.test/" +
                    resource + "</jid></bind></iq>");
        co_await client_gives_up(t.peer);
      });
}

TEST_CASE("session: a step that never completes times out naming the step (75)") {
  Scenario t;
  t.options.step_timeout = 100ms;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        REQUIRE_FALSE(s);
        CHECK(s.error().kind == ErrorKind::temporary);
        CHECK(s.error().code == "timeout");
        CHECK(s.error().message == "timed out waiting for stream features");
      },
      [&]() -> awaitable<void> {
        co_await t.peer.expect_header();
        t.peer.send(Peer::header());  // header, then silence
        co_await t.peer.expect_shutdown();
      });
}

TEST_CASE("session: server closes during negotiation -> 75 connection_lost") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        REQUIRE_FALSE(s);
        CHECK(s.error().kind == ErrorKind::temporary);
        CHECK(s.error().code == "connection_lost");
      },
      [&]() -> awaitable<void> {
        co_await until_auth(t.peer);
        t.peer.close();
        co_await t.peer.expect_shutdown();
      });
}

TEST_CASE("session: stream error during negotiation -> its class (see-other-host -> 69)") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        REQUIRE_FALSE(s);
        CHECK(s.error().kind == ErrorKind::unavailable);
        CHECK(s.error().condition == "see-other-host");
      },
      [&]() -> awaitable<void> {
        co_await t.peer.expect_header();
        t.peer.send(Peer::header() +
                    "<stream:error><see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>"
                    "evil.example:443</see-other-host></stream:error>");
        co_await client_gives_up(t.peer);
      });
}

TEST_CASE("session: not-well-formed XML during negotiation -> SE(not-well-formed), 76") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        REQUIRE_FALSE(s);
        CHECK(s.error().kind == ErrorKind::protocol);
        CHECK(s.error().condition == "not-well-formed");
      },
      [&]() -> awaitable<void> {
        co_await t.peer.expect_header();
        t.peer.send(Peer::header() + "<stream:features><a></b></stream:features>");
        co_await t.peer.expect(
            "<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
            "</stream:error>");
        co_await client_gives_up(t.peer);
      });
}

TEST_CASE("session: a server without XMPP 1.0 gets SE(unsupported-version)") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        REQUIRE_FALSE(s);
        CHECK(s.error().condition == "unsupported-version");
      },
      [&]() -> awaitable<void> {
        co_await t.peer.expect_header();
        t.peer.send(
            "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
            "xmlns:stream='http://etherx.jabber.org/streams' id='old' from='example.test'>");
        co_await t.peer.expect(
            "<stream:error><unsupported-version xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
            "</stream:error>");
        co_await client_gives_up(t.peer);
      });
}

TEST_CASE("session: trace shows both directions, redacts SASL, never shows the password") {
  Scenario t;
  t.options.password = "hunter2-very-secret";
  std::vector<std::pair<std::string, std::string>> lines;
  t.options.trace = [&](std::string_view dir, std::string_view data) {
    lines.emplace_back(std::string(dir), std::string(data));
  };
  LoginScript script;
  script.password = t.options.password;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        REQUIRE_MESSAGE(s, (s ? "" : s.error().message));
        co_await (*s)->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(script);
        co_await t.peer.expect("<a xmlns='urn:xmpp:sm:3' h='0'/>");
        co_await t.peer.expect_end();
        t.peer.send("</stream:stream>");
        co_await t.peer.expect_shutdown();
      });
  const std::string plain_payload = base64_encode(std::string("\0alice\0", 7) + t.options.password);
  bool saw_auth = false, saw_header_out = false, saw_features_in = false, saw_end_in = false;
  for (const auto& line : lines) {
    const std::string& dir = line.first;
    const std::string& data = line.second;
    CAPTURE(data);
    CHECK(data.find(t.options.password) == std::string::npos);
    CHECK(data.find(plain_payload) == std::string::npos);
    if (dir == "out" && data.find("<auth ") != std::string::npos) {
      saw_auth = true;
      CHECK(data.find("[redacted]") != std::string::npos);
    }
    if (dir == "out" && data.find("<stream:stream") != std::string::npos) saw_header_out = true;
    if (dir == "in" && data.find("<stream:features") != std::string::npos) saw_features_in = true;
    if (dir == "in" && data == "</stream:stream>") saw_end_in = true;
  }
  CHECK(saw_auth);
  CHECK(saw_header_out);
  CHECK(saw_features_in);
  CHECK(saw_end_in);
}
