// The session driver logging in with XEP-0388 SASL2 against a scripted server: Bind 2 (XEP-0386)
// and XEP-0198 enable inside <authenticate/>, no stream restart, the RFC 6120 bind when Bind 2 is
// absent or a resource is asked for, SCRAM challenges and channel binding, failures, <continue/>,
// and the downgrade rules of sasl::choose applied to the SASL2 list (SECURITY.md row 30).
#include "harness.hpp"

#include "core/base64.hpp"
#include "stream/phases.hpp"

using namespace xmpp;
using namespace xmpp::stream;
using namespace xmpp::test;
using namespace std::chrono_literals;

namespace {

const char* const k_sasl2_cb =
    "<sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'><channel-binding type='tls-exporter'/>"
    "</sasl-channel-binding>";

/// "<mechanism>A</mechanism><mechanism>B</mechanism>" for "A B".
std::string sasl2_mechanism_list(const std::string& names) {
  std::string out;
  std::size_t start = 0;
  while (start < names.size()) {
    std::size_t end = names.find(' ', start);
    if (end == std::string::npos) end = names.size();
    out += "<mechanism>" + names.substr(start, end - start) + "</mechanism>";
    start = end + 1;
  }
  return out;
}

/// Direct-TLS stream features offering `legacy` RFC 6120 mechanisms (space-separated; empty: no
/// <mechanisms/>), SASL2 with `sasl2` mechanisms, Bind 2 (with XEP-0198 inline when `bind2_sm`),
/// and `extra`. (Strings, not initializer lists: GCC 12 rejects an initializer list's array
/// inside a co_await expression.)
std::string sasl2_features(const std::string& legacy, const std::string& sasl2, bool bind2,
                           bool bind2_sm, const std::string& extra = "") {
  std::string f = "<stream:features>";
  if (!legacy.empty())
    f += "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" + sasl2_mechanism_list(legacy) +
         "</mechanisms>";
  f += "<authentication xmlns='urn:xmpp:sasl:2'>" + sasl2_mechanism_list(sasl2);
  f += "<inline><sm xmlns='urn:xmpp:sm:3'/>";
  if (bind2) {
    f += "<bind xmlns='urn:xmpp:bind:0'><inline><feature var='urn:xmpp:carbons:2'/>";
    if (bind2_sm) f += "<feature var='urn:xmpp:sm:3'/>";
    f += "</inline></bind>";
  }
  f += "</inline></authentication>" + extra + "</stream:features>";
  return f;
}

/// The features a server sends right after a SASL2 <success/> (XEP-0388 §2.6.1).
const char* const k_after_bind2 = "<stream:features><sm xmlns='urn:xmpp:sm:3'/></stream:features>";
const char* const k_after_sasl2_unbound =
    "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>";

awaitable<void> sasl2_client_gives_up(Peer& peer) {
  co_await peer.expect_end();
  peer.send("</stream:stream>");
  peer.close();
  co_await peer.expect_shutdown();
}

/// The server side of a PLAIN SASL2 <authenticate/> (checking the credentials); returns it.
awaitable<xml::Element> expect_plain_authenticate(Peer& peer) {
  auto auth = co_await peer.expect("<authenticate xmlns='urn:xmpp:sasl:2' mechanism='PLAIN'>"
                                   "<initial-response>*</initial-response></authenticate>");
  const auto* initial = auth.child("initial-response", "urn:xmpp:sasl:2");
  if (base64_decode(initial->text()) != std::string("\0alice\0secret", 13))
    throw std::runtime_error("wrong PLAIN credentials in <authenticate/>");
  co_return auth;
}

}  // namespace

TEST_CASE("session sasl2: Bind 2 and XEP-0198 inline, no restart, JID from the success") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(true), true, t.options);
        REQUIRE_MESSAGE(s, (s ? "" : s.error().message));
        auto& session = **s;
        CHECK(session.jid().str() == "alice@example.test/xmpp~b2");
        CHECK(session.info().mechanism == "PLAIN");
        CHECK(session.info().stream_management);
        CHECK(session.resumable());
        // No restart: the authenticated stream's limits (not the 64 KiB pre-authentication ones,
        // xml::Limits::pre_auth) apply from <success/> on.
        auto big = co_await session.wait_for(
            [](const xml::Element& e) { return e.name() == "message"; }, 2s);
        REQUIRE_MESSAGE(big, (big ? "" : big.error().message));
        CHECK(big->child_text("body", "jabber:client").value_or("").size() == 80 * 1024);
        auto reply = co_await session.request(
            parse_xml("<iq type='get' to='example.test'><ping xmlns='urn:xmpp:ping'/></iq>"), 2s);
        REQUIRE_MESSAGE(reply, (reply ? "" : reply.error().message));
        CHECK(co_await session.close());
      },
      [&]() -> awaitable<void> {
        co_await t.peer.open(sasl2_features("PLAIN", "PLAIN", true, true));
        auto auth = co_await expect_plain_authenticate(t.peer);
        // XEP-0386 §3.2: the bind request, with XEP-0198 enable inside it.
        const auto* bind = auth.child("bind", "urn:xmpp:bind:0");
        REQUIRE(bind);
        CHECK(bind->child("enable", "urn:xmpp:sm:3"));
        CHECK(bind->child("enable", "urn:xmpp:sm:3")->attr("resume") == std::string("true"));
        // Success, bound JID, SM enabled, and the features, in one burst (one read).
        t.peer.send("<success xmlns='urn:xmpp:sasl:2'><authorization-identifier>alice@example.test/"
                    "xmpp~b2</authorization-identifier><bound xmlns='urn:xmpp:bind:0'><enabled "
                    "xmlns='urn:xmpp:sm:3' id='sm-b2' resume='1' max='300'/></bound></success>" +
                    std::string(k_after_bind2));
        t.peer.send("<message from='bob@example.test/x' type='chat'><body>" +
                    std::string(80 * 1024, 'x') + "</body></message>");
        // No stream header (no restart), no bind iq, no <enable/>: the request comes next.
        auto iq = co_await t.peer.expect(
            "<iq type='get' to='example.test' id='*'><ping xmlns='urn:xmpp:ping'/></iq>");
        t.peer.send("<iq type='result' from='example.test' id='" + id_of(iq) + "'/>");
        co_await t.peer.expect("<a xmlns='urn:xmpp:sm:3' h='2'/>");
        co_await clean_close(t.peer);
      });
}

TEST_CASE("session sasl2: SCRAM-SHA-1-PLUS challenge round trips, additional data verified") {
  Scenario t;
  t.options.sasl_nonce = [] { return std::string("clientnonce123456789012"); };
  ScramServer scram("secret", "saltsaltsalt", 4096, "servernonce", k_fake_exporter);
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(true), true, t.options);
        REQUIRE_MESSAGE(s, (s ? "" : s.error().message));
        CHECK((*s)->info().mechanism == "SCRAM-SHA-1-PLUS");
        CHECK((*s)->jid().str() == "alice@example.test/r2");
        // Bind 2 without XEP-0198 inline: enabled the RFC way after the features.
        CHECK((*s)->info().stream_management);
        co_await (*s)->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.open(sasl2_features("SCRAM-SHA-1-PLUS SCRAM-SHA-1",
                                            "SCRAM-SHA-1-PLUS SCRAM-SHA-1", true, false,
                                            k_sasl2_cb));
        auto auth = co_await t.peer.expect(
            "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='SCRAM-SHA-1-PLUS'>"
            "<initial-response>*</initial-response><bind xmlns='urn:xmpp:bind:0'/>"
            "</authenticate>");
        CHECK_FALSE(auth.child("bind", "urn:xmpp:bind:0")->child("enable", "urn:xmpp:sm:3"));
        const std::string client_first =
            *base64_decode(auth.child("initial-response", "urn:xmpp:sasl:2")->text());
        CHECK(client_first.rfind("p=tls-exporter,,n=alice,r=clientnonce", 0) == 0);
        // Wrapped as in XEP-0388's own examples.
        t.peer.send("<challenge xmlns='urn:xmpp:sasl:2'>\n  " +
                    base64_encode(scram.first(client_first)) + "\n</challenge>");
        auto response = co_await t.peer.expect("<response xmlns='urn:xmpp:sasl:2'>*</response>");
        const std::string server_final = scram.final(*base64_decode(response.text()));
        t.peer.send("<success xmlns='urn:xmpp:sasl:2'><additional-data>\n  " +
                    base64_encode(server_final) +
                    "\n</additional-data><authorization-identifier>alice@example.test/r2"
                    "</authorization-identifier><bound xmlns='urn:xmpp:bind:0'/></success>" +
                    std::string(k_after_bind2));
        co_await t.peer.expect("<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
        t.peer.send("<enabled xmlns='urn:xmpp:sm:3' id='sm-2' resume='true'/>");
        co_await t.peer.expect("<a xmlns='urn:xmpp:sm:3' h='0'/>");
        co_await clean_close(t.peer);
      });
}

TEST_CASE("session sasl2: a wrong SCRAM signature in <additional-data/> -> 77") {
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
        co_await t.peer.open(sasl2_features("SCRAM-SHA-1", "SCRAM-SHA-1", true, true));
        auto auth = co_await t.peer.expect(
            "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='SCRAM-SHA-1'/>");
        t.peer.send("<challenge xmlns='urn:xmpp:sasl:2'>" +
                    base64_encode(scram.first(*base64_decode(
                        auth.child("initial-response", "urn:xmpp:sasl:2")->text()))) +
                    "</challenge>");
        co_await t.peer.expect("<response xmlns='urn:xmpp:sasl:2'>*</response>");
        t.peer.send("<success xmlns='urn:xmpp:sasl:2'><additional-data>" +
                    base64_encode("v=AAAAAAAAAAAAAAAAAAAAAAAAAAA=") +
                    "</additional-data><authorization-identifier>alice@example.test/r"
                    "</authorization-identifier><bound xmlns='urn:xmpp:bind:0'/></success>" +
                    std::string(k_after_bind2));
        co_await sasl2_client_gives_up(t.peer);
      });
}

TEST_CASE("session sasl2: <failure/> -> the auth error class, no second attempt") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(true), true, t.options);
        REQUIRE_FALSE(s);
        CHECK(s.error().kind == ErrorKind::no_perm);
        CHECK(s.error().code == "auth_failed");
        CHECK(s.error().condition == "not-authorized");
        CHECK(s.error().message ==
              "authentication failed for alice@example.test: not-authorized (bad password)");
      },
      [&]() -> awaitable<void> {
        co_await t.peer.open(sasl2_features("PLAIN", "PLAIN", true, true));
        co_await expect_plain_authenticate(t.peer);
        t.peer.send("<failure xmlns='urn:xmpp:sasl:2'><not-authorized "
                    "xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/><text>bad password</text>"
                    "</failure>");
        co_await sasl2_client_gives_up(t.peer);
      });
}

TEST_CASE("session sasl2: temporary-auth-failure -> 75") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(true), true, t.options);
        REQUIRE_FALSE(s);
        CHECK(s.error().kind == ErrorKind::temporary);
        CHECK(s.error().condition == "temporary-auth-failure");
      },
      [&]() -> awaitable<void> {
        co_await t.peer.open(sasl2_features("PLAIN", "PLAIN", false, false));
        co_await expect_plain_authenticate(t.peer);
        t.peer.send("<failure xmlns='urn:xmpp:sasl:2'><temporary-auth-failure "
                    "xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/></failure>");
        co_await sasl2_client_gives_up(t.peer);
      });
}

TEST_CASE("session sasl2: <continue/> with tasks we do not implement -> 77 naming them") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(true), true, t.options);
        REQUIRE_FALSE(s);
        CHECK(s.error().kind == ErrorKind::no_perm);
        CHECK(s.error().code == "auth_failed");
        CHECK(s.error().message.find("TOTP-EXAMPLE") != std::string::npos);
      },
      [&]() -> awaitable<void> {
        co_await t.peer.open(sasl2_features("PLAIN", "PLAIN", true, true));
        co_await expect_plain_authenticate(t.peer);
        t.peer.send("<continue xmlns='urn:xmpp:sasl:2'><tasks><task>TOTP-EXAMPLE</task></tasks>"
                    "<text>This account requires 2FA</text></continue>");
        co_await sasl2_client_gives_up(t.peer);
      });
}

TEST_CASE("session sasl2: without Bind 2 the RFC 6120 bind follows, with no stream restart") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(true), true, t.options);
        REQUIRE_MESSAGE(s, (s ? "" : s.error().message));
        CHECK((*s)->jid().str() == "alice@example.test/res1");
        CHECK_FALSE((*s)->info().stream_management);
        CHECK(co_await (*s)->close());
      },
      [&]() -> awaitable<void> {
        co_await t.peer.open(sasl2_features("PLAIN", "PLAIN", false, false));
        auto auth = co_await expect_plain_authenticate(t.peer);
        CHECK_FALSE(auth.child("bind", "urn:xmpp:bind:0"));
        t.peer.send("<success xmlns='urn:xmpp:sasl:2'><authorization-identifier>"
                    "alice@example.test</authorization-identifier></success>" +
                    std::string(k_after_sasl2_unbound));
        // expect() fails on a stream header: there must be none.
        auto bind = co_await t.peer.expect(
            "<iq type='set' id='*'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
        t.peer.send("<iq type='result' id='" + id_of(bind) +
                    "'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@example.test/"
                    "res1</jid></bind></iq>");
        co_await clean_close(t.peer);
      });
}

TEST_CASE("session sasl2: a requested --resource binds the RFC 6120 way (Bind 2 cannot name it)") {
  Scenario t;
  t.options.resource = "laptop";
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(true), true, t.options);
        REQUIRE_MESSAGE(s, (s ? "" : s.error().message));
        CHECK((*s)->jid().str() == "alice@example.test/laptop");
        CHECK(co_await (*s)->close());
      },
      [&]() -> awaitable<void> {
        co_await t.peer.open(sasl2_features("PLAIN", "PLAIN", true, true));
        auto auth = co_await expect_plain_authenticate(t.peer);
        CHECK_FALSE(auth.child("bind", "urn:xmpp:bind:0"));
        t.peer.send("<success xmlns='urn:xmpp:sasl:2'><authorization-identifier>"
                    "alice@example.test</authorization-identifier></success>" +
                    std::string(k_after_sasl2_unbound));
        auto bind = co_await t.peer.expect(
            "<iq type='set' id='*'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
            "<resource>laptop</resource></bind></iq>");
        t.peer.send("<iq type='result' id='" + id_of(bind) +
                    "'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@example.test/"
                    "laptop</jid></bind></iq>");
        co_await clean_close(t.peer);
      });
}

TEST_CASE("session sasl2: -PLUS in the RFC 6120 list but not in SASL2 -> the RFC 6120 -PLUS") {
  // A SASL2 list stripped of -PLUS must not make us choose plain SCRAM: the choice over the
  // RFC 6120 list (with its XEP-0440 checks) wins, and SASL2 is not used.
  Scenario t;
  t.options.sasl_nonce = [] { return std::string("clientnonce123456789012"); };
  ScramServer scram("secret", "saltsaltsalt", 4096, "servernonce", k_fake_exporter);
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(true), true, t.options);
        REQUIRE_MESSAGE(s, (s ? "" : s.error().message));
        CHECK((*s)->info().mechanism == "SCRAM-SHA-1-PLUS");
        co_await (*s)->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.open(
            sasl2_features("SCRAM-SHA-1-PLUS SCRAM-SHA-1", "SCRAM-SHA-1", true, true, k_sasl2_cb));
        auto auth = co_await t.peer.expect(
            "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1-PLUS'>*</auth>");
        t.peer.send("<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" +
                    base64_encode(scram.first(*base64_decode(auth.text()))) + "</challenge>");
        auto response = co_await t.peer.expect(
            "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>*</response>");
        t.peer.send("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" +
                    base64_encode(scram.final(*base64_decode(response.text()))) + "</success>");
        t.peer.restart();
        co_await t.peer.open(
            "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>");
        auto bind = co_await t.peer.expect(
            "<iq type='set' id='*'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
        t.peer.send("<iq type='result' id='" + id_of(bind) +
                    "'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@example.test/r"
                    "</jid></bind></iq>");
        co_await sasl2_client_gives_up(t.peer);
      });
}

TEST_CASE(
    "session sasl2: SASL2 reduced to PLAIN while RFC 6120 lists SCRAM -> the RFC 6120 SCRAM") {
  // Without XEP-0440 types nothing else catches this: the SASL2 choice (PLAIN) differs from the
  // RFC 6120 one (SCRAM-SHA-256), so the password never goes out as PLAIN.
  Scenario t;
  t.options.sasl_nonce = [] { return std::string("clientnonce123456789012"); };
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(true), true, t.options);
        REQUIRE_FALSE(s);
        CHECK(s.error().condition == "not-authorized");
      },
      [&]() -> awaitable<void> {
        co_await t.peer.open(sasl2_features("SCRAM-SHA-256 PLAIN", "PLAIN", true, true));
        auto auth = co_await t.peer.expect(
            "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256'>*</auth>");
        CHECK(base64_decode(auth.text())->find("secret") == std::string::npos);
        t.peer.send(
            "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>");
        co_await sasl2_client_gives_up(t.peer);
      });
}

TEST_CASE("session sasl2: SASL2 alone with channel-binding types but no -PLUS -> downgrade, 77") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(true), true, t.options);
        REQUIRE_FALSE(s);
        CHECK(s.error().kind == ErrorKind::no_perm);
        CHECK(s.error().code == "downgrade");
      },
      [&]() -> awaitable<void> {
        co_await t.peer.open(sasl2_features("", "SCRAM-SHA-1 PLAIN", true, true, k_sasl2_cb));
        co_await sasl2_client_gives_up(t.peer);  // nothing authenticated
      });
}

TEST_CASE("session sasl2: a success naming another account is refused") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(true), true, t.options);
        REQUIRE_FALSE(s);
        CHECK(s.error().code == "bind_failed");
        CHECK(s.error().message.find("mallory@example.test") != std::string::npos);
      },
      [&]() -> awaitable<void> {
        co_await t.peer.open(sasl2_features("PLAIN", "PLAIN", true, true));
        co_await expect_plain_authenticate(t.peer);
        t.peer.send("<success xmlns='urn:xmpp:sasl:2'><authorization-identifier>"
                    "mallory@example.test/x</authorization-identifier><bound "
                    "xmlns='urn:xmpp:bind:0'/></success>" +
                    std::string(k_after_bind2));
        co_await sasl2_client_gives_up(t.peer);
      });
}

TEST_CASE("session sasl2: a SASL2 success before <authenticate/> is an attack (row 29)") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(true), true, t.options);
        REQUIRE_FALSE(s);
        CHECK(s.error().kind == ErrorKind::no_perm);
        CHECK(s.error().code == "sasl_unexpected");
      },
      [&]() -> awaitable<void> {
        // In place of the stream features: a <success/> nobody asked for.
        co_await t.peer.open("<success xmlns='urn:xmpp:sasl:2'><authorization-identifier>"
                             "alice@example.test/x</authorization-identifier></success>");
        co_await sasl2_client_gives_up(t.peer);
      });
}

TEST_CASE("session sasl2 timing: Bind 2 with XEP-0198 inline saves the restart and bind waits") {
  Scenario t;
  std::vector<std::pair<Phase, std::uint64_t>> marks;
  t.options.timing = [&](Phase phase, std::chrono::steady_clock::time_point,
                         std::optional<std::uint64_t> reads) {
    marks.emplace_back(phase, reads.value_or(0));
  };
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(), false, t.options);
        REQUIRE_MESSAGE(s, (s ? "" : s.error().message));
        // RFC 6120 login (session_timing_test): 7 reads; here header+features, <proceed/>, the
        // protected features, and <success/> with the features: 4.
        CHECK((*s)->network_reads() == 4);
        CHECK(co_await (*s)->close());
      },
      [&]() -> awaitable<void> {
        co_await t.peer.open(
            "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/>"
            "</starttls></stream:features>");
        co_await t.peer.expect("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        t.peer.send("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        t.peer.restart();
        co_await t.peer.open(sasl2_features("PLAIN", "PLAIN", true, true));
        co_await expect_plain_authenticate(t.peer);
        t.peer.send("<success xmlns='urn:xmpp:sasl:2'><authorization-identifier>"
                    "alice@example.test/t</authorization-identifier><bound "
                    "xmlns='urn:xmpp:bind:0'><enabled xmlns='urn:xmpp:sm:3' id='s' "
                    "resume='true'/></bound></success>" +
                    std::string(k_after_bind2));
        co_await t.peer.expect("<a xmlns='urn:xmpp:sm:3' h='0'/>");
        co_await clean_close(t.peer);
      });
  REQUIRE(marks.size() == 4);
  CHECK(marks[0] == std::pair<Phase, std::uint64_t>{Phase::tls, 2});
  CHECK(marks[1] == std::pair<Phase, std::uint64_t>{Phase::stream, 3});
  CHECK(marks[2] == std::pair<Phase, std::uint64_t>{Phase::sasl, 4});
  CHECK(marks[3] == std::pair<Phase, std::uint64_t>{Phase::bind, 4});
}

TEST_CASE("session sasl2: resumption after a Bind 2 login authenticates without Bind 2") {
  Scenario t;
  auto pipe2 = std::make_shared<Pipe>();
  Peer peer2(pipe2);
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await Session::open_on(t.transport(true), true, t.options);
        REQUIRE_MESSAGE(s, (s ? "" : s.error().message));
        auto& session = **s;
        REQUIRE(session.resumable());
        auto lost = co_await session.wait_for([](const xml::Element&) { return false; }, 2s);
        REQUIRE_FALSE(lost);
        CHECK(lost.error().code == "connection_lost");
        auto outcome =
            co_await session.resume_on(std::make_unique<FakeTransport>(pipe2, true), true);
        REQUIRE_MESSAGE(outcome, (outcome ? "" : outcome.error().message));
        CHECK(outcome->resumed);
        CHECK(session.jid().str() == "alice@example.test/xmpp~b2");
        CHECK(co_await session.close());
      },
      [&]() -> awaitable<void> {
        co_await t.peer.open(sasl2_features("PLAIN", "PLAIN", true, true));
        co_await expect_plain_authenticate(t.peer);
        t.peer.send("<success xmlns='urn:xmpp:sasl:2'><authorization-identifier>alice@example.test/"
                    "xmpp~b2</authorization-identifier><bound xmlns='urn:xmpp:bind:0'><enabled "
                    "xmlns='urn:xmpp:sm:3' id='sm-b2' resume='true'/></bound></success>" +
                    std::string(k_after_bind2));
        t.peer.close();  // no </stream:stream>: an unfinished stream (XEP-0198 §7)

        co_await peer2.open(sasl2_features("PLAIN", "PLAIN", true, true));
        auto auth = co_await expect_plain_authenticate(peer2);
        CHECK_FALSE(auth.child("bind", "urn:xmpp:bind:0"));  // a new resource would be bound
        peer2.send("<success xmlns='urn:xmpp:sasl:2'><authorization-identifier>alice@example.test"
                   "</authorization-identifier></success><stream:features><bind "
                   "xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><sm xmlns='urn:xmpp:sm:3'/>"
                   "</stream:features>");
        co_await peer2.expect("<resume xmlns='urn:xmpp:sm:3' previd='sm-b2' h='0'/>");
        peer2.send("<resumed xmlns='urn:xmpp:sm:3' previd='sm-b2' h='0'/>");
        co_await peer2.expect("<a xmlns='urn:xmpp:sm:3' h='0'/>");
        co_await clean_close(peer2);
      });
}
