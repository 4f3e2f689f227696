// stream::probe_stream (one endpoint of `xmpp probe`, after TCP) against the scripted peer:
// STARTTLS and direct TLS, the features read after TLS, the polite close, and every way the
// server can stop it (no STARTTLS, <failure/>, injection after <proceed/>, stream errors, bad
// XML, silence).
#include "harness.hpp"
#include "stream/probe.hpp"

using namespace xmpp;
using namespace xmpp::test;
using namespace std::chrono_literals;
using Strings = std::vector<std::string>;

namespace {

constexpr const char* k_starttls_required =
    "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
    "</stream:features>";
constexpr const char* k_after_tls =
    "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
    "<mechanism>SCRAM-SHA-1-PLUS</mechanism><mechanism>PLAIN</mechanism></mechanisms>"
    "<sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'><channel-binding type='tls-exporter'/>"
    "</sasl-channel-binding>"
    "<authentication xmlns='urn:xmpp:sasl:2'><mechanism>SCRAM-SHA-1-PLUS</mechanism><inline>"
    "<bind xmlns='urn:xmpp:bind:0'/><fast xmlns='urn:xmpp:fast:0'>"
    "<mechanism>HT-SHA-256-NONE</mechanism></fast></inline></authentication>"
    "<register xmlns='http://jabber.org/features/iq-register'/></stream:features>";

struct Probe {
  Scenario s;
  stream::ProbeOptions options;
  stream::EndpointReport report;
  Result<void> result = fail(ErrorKind::software, "not_run", "", "");
  std::vector<std::pair<std::string, std::string>> trace;

  Probe() {
    options.domain = "example.test";
    options.step_timeout = 2000ms;
    options.trace = [this](std::string_view direction, std::string_view data) {
      trace.emplace_back(direction, data);
    };
  }

  void run(bool direct_tls, std::function<awaitable<void>()> server,
           std::chrono::milliseconds deadline = 5000ms) {
    s.run(
        [this, direct_tls]() -> awaitable<void> {
          auto transport = s.transport(direct_tls);
          result = co_await stream::probe_stream(*transport, options, report);
        },
        std::move(server), deadline);
  }
};

}  // namespace

TEST_CASE("STARTTLS: header, features, <starttls/>, handshake, features after TLS, close") {
  Probe p;
  p.run(false, [&]() -> awaitable<void> {
    co_await p.s.peer.open(k_starttls_required);
    co_await p.s.peer.expect("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    p.s.peer.send("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    p.s.peer.restart();
    const auto header = co_await p.s.peer.open(k_after_tls);
    CHECK(header.from.empty());  // no credentials: no 'from', even under TLS
    co_await p.s.peer.expect_end();
    p.s.peer.send("</stream:stream>");
    co_await p.s.peer.expect_shutdown();
  });
  REQUIRE_MESSAGE(p.result, (p.result ? "" : p.result.error().message));
  CHECK(p.s.pipe->start_tls_calls == 1);
  CHECK_FALSE(p.report.error);
  CHECK(p.report.tls.active);
  CHECK(p.report.tls.version == "TLSv1.3");
  CHECK(p.report.tls_ms > 0);
  CHECK(p.report.features_ms > 0);
  const auto& f = p.report.features;
  CHECK(f.starttls_offered);
  CHECK(f.starttls_required);
  CHECK(f.mechanisms == Strings{"SCRAM-SHA-1-PLUS", "PLAIN"});
  CHECK(f.channel_binding_types == Strings{"tls-exporter"});
  CHECK(f.sasl2);
  CHECK(f.sasl2_mechanisms == Strings{"SCRAM-SHA-1-PLUS"});
  CHECK(f.bind2);
  CHECK(f.fast);
  CHECK(f.fast_mechanisms == Strings{"HT-SHA-256-NONE"});
  CHECK(f.register_offered);
  CHECK(f.all.size() == 4);

  // The trace shows both streams in order, ending with both closing tags.
  REQUIRE(p.trace.size() == 10);
  CHECK(p.trace[0].first == "out");
  CHECK(p.trace[0].second.find("<stream:stream") != std::string::npos);
  CHECK(p.trace[1].first == "in");
  CHECK(p.trace[2].second.find("<starttls") != std::string::npos);
  CHECK(p.trace[3].second.find("<starttls") != std::string::npos);
  CHECK(p.trace[4].second.find("<proceed") != std::string::npos);
  CHECK(p.trace[7].second.find("sasl-channel-binding") != std::string::npos);
  CHECK(p.trace[8] == std::pair<std::string, std::string>{"out", "</stream:stream>"});
  CHECK(p.trace[9] == std::pair<std::string, std::string>{"in", "</stream:stream>"});
}

TEST_CASE("direct TLS: no STARTTLS, the features at once") {
  Probe p;
  p.run(true, [&]() -> awaitable<void> {
    co_await p.s.peer.open(k_after_tls);
    co_await p.s.peer.expect_end();
    p.s.peer.send("</stream:stream>");
    co_await p.s.peer.expect_shutdown();
  });
  REQUIRE_MESSAGE(p.result, (p.result ? "" : p.result.error().message));
  CHECK(p.s.pipe->start_tls_calls == 0);
  CHECK(p.report.tls.active);
  CHECK(p.report.tls_ms == 0);  // the caller times a direct handshake
  CHECK_FALSE(p.report.features.starttls_offered);
  CHECK(p.report.features.mechanisms == Strings{"SCRAM-SHA-1-PLUS", "PLAIN"});
}

TEST_CASE("the close does not wait forever for the server's </stream:stream>: EOF ends it") {
  Probe p;
  p.run(true, [&]() -> awaitable<void> {
    co_await p.s.peer.open(k_after_tls);
    co_await p.s.peer.expect_end();
    p.s.peer.close();
    co_await p.s.peer.expect_shutdown();
  });
  CHECK(p.result);
}

TEST_CASE("an XEP-0198 nonza before the features is ignored, as during a login") {
  Probe p;
  p.run(true, [&]() -> awaitable<void> {
    co_await p.s.peer.expect_header();
    p.s.peer.send(Peer::header() + "<r xmlns='urn:xmpp:sm:3'/>" + k_after_tls);
    co_await p.s.peer.expect_end();
    p.s.peer.send("</stream:stream>");
    co_await p.s.peer.expect_shutdown();
  });
  CHECK(p.result);
  CHECK(p.report.features.sasl2);
}

TEST_CASE(
    "no STARTTLS offered: no_perm starttls_missing, the stream closed, nothing sent in clear") {
  Probe p;
  p.run(false, [&]() -> awaitable<void> {
    co_await p.s.peer.open("<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
                           "<mechanism>PLAIN</mechanism></mechanisms></stream:features>");
    co_await p.s.peer.expect_end();
    p.s.peer.send("</stream:stream>");
    co_await p.s.peer.expect_shutdown();
  });
  REQUIRE_FALSE(p.result);
  CHECK(p.result.error().kind == ErrorKind::no_perm);
  CHECK(p.result.error().code == "starttls_missing");
  CHECK_FALSE(p.report.features.starttls_offered);
  CHECK(p.report.features.mechanisms.empty());  // only features after TLS are reported
  CHECK_FALSE(p.report.tls.active);
}

TEST_CASE("STARTTLS <failure/>: no_perm starttls_failed") {
  Probe p;
  p.run(false, [&]() -> awaitable<void> {
    co_await p.s.peer.open(k_starttls_required);
    co_await p.s.peer.expect("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    p.s.peer.send("<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>");
    co_await p.s.peer.expect_end();
    co_await p.s.peer.expect_shutdown();
  });
  REQUIRE_FALSE(p.result);
  CHECK(p.result.error().code == "starttls_failed");
  CHECK(p.report.features.starttls_offered);
  CHECK(p.s.pipe->start_tls_calls == 0);
}

TEST_CASE("bytes after <proceed/>: starttls_injection, no handshake, nothing more written") {
  Probe p;
  p.run(false, [&]() -> awaitable<void> {
    co_await p.s.peer.open(k_starttls_required);
    co_await p.s.peer.expect("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    p.s.peer.send("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><stream:features/>");
    co_await p.s.peer.expect_shutdown();
  });
  REQUIRE_FALSE(p.result);
  CHECK(p.result.error().kind == ErrorKind::protocol);
  CHECK(p.result.error().code == "starttls_injection");
  CHECK(p.s.pipe->start_tls_calls == 0);
}

TEST_CASE("a failed TLS handshake is the transport's error; nothing is written afterwards") {
  Probe p;
  p.s.pipe->fail_tls = true;
  p.run(false, [&]() -> awaitable<void> {
    co_await p.s.peer.open(k_starttls_required);
    co_await p.s.peer.expect("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    p.s.peer.send("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    co_await p.s.peer.expect_shutdown();
  });
  REQUIRE_FALSE(p.result);
  CHECK(p.result.error().kind == ErrorKind::no_perm);
  CHECK(p.result.error().code == "certificate");
  CHECK_FALSE(p.report.tls.active);
}

TEST_CASE("a stream error instead of the features: stanza::to_error, our </stream:stream>") {
  Probe p;
  p.run(true, [&]() -> awaitable<void> {
    co_await p.s.peer.open("<stream:error><host-unknown "
                           "xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
    co_await p.s.peer.expect_end();
    p.s.peer.send("</stream:stream>");
    co_await p.s.peer.expect_shutdown();
  });
  REQUIRE_FALSE(p.result);
  CHECK(p.result.error().code == "stream_error");
  CHECK(p.result.error().condition == "host-unknown");
  CHECK(p.report.features.all.empty());
}

TEST_CASE("a stray element before the features: we send unsupported-stanza-type") {
  Probe p;
  p.run(true, [&]() -> awaitable<void> {
    co_await p.s.peer.open("<foo xmlns='urn:example:bar'/>");
    co_await p.s.peer.expect(
        "<stream:error><unsupported-stanza-type xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
        "</stream:error>");
    co_await p.s.peer.expect_end();
    p.s.peer.send("</stream:stream>");
    co_await p.s.peer.expect_shutdown();
  });
  REQUIRE_FALSE(p.result);
  CHECK(p.result.error().kind == ErrorKind::protocol);
  CHECK(p.result.error().condition == "unsupported-stanza-type");
}

TEST_CASE("malformed XML: we send not-well-formed, then close") {
  Probe p;
  p.run(true, [&]() -> awaitable<void> {
    co_await p.s.peer.open("<stream:features><a></b></stream:features>");
    co_await p.s.peer.expect(
        "<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
        "</stream:error>");
    co_await p.s.peer.expect_end();
    p.s.peer.close();
    co_await p.s.peer.expect_shutdown();
  });
  REQUIRE_FALSE(p.result);
  CHECK(p.result.error().condition == "not-well-formed");
}

TEST_CASE("a pre-1.0 stream header: unsupported-version") {
  Probe p;
  p.run(true, [&]() -> awaitable<void> {
    co_await p.s.peer.expect_header();
    p.s.peer.send("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                  "xmlns:stream='http://etherx.jabber.org/streams' id='s1' from='example.test'>");
    co_await p.s.peer.expect(
        "<stream:error><unsupported-version xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
        "</stream:error>");
    co_await p.s.peer.expect_end();
    p.s.peer.send("</stream:stream>");
    co_await p.s.peer.expect_shutdown();
  });
  REQUIRE_FALSE(p.result);
  CHECK(p.result.error().condition == "unsupported-version");
}

TEST_CASE("the server closes the stream instead of sending features: connection_lost") {
  Probe p;
  p.run(true, [&]() -> awaitable<void> {
    co_await p.s.peer.expect_header();
    p.s.peer.send(Peer::header() + "</stream:stream>");
    co_await p.s.peer.expect_shutdown();
  });
  REQUIRE_FALSE(p.result);
  CHECK(p.result.error().kind == ErrorKind::temporary);
  CHECK(p.result.error().code == "connection_lost");
}

TEST_CASE("the server hangs up mid-negotiation: connection_lost, no write after") {
  Probe p;
  p.run(false, [&]() -> awaitable<void> {
    co_await p.s.peer.expect_header();
    p.s.peer.close();
    co_await p.s.peer.expect_shutdown();
  });
  REQUIRE_FALSE(p.result);
  CHECK(p.result.error().kind == ErrorKind::temporary);
  CHECK(p.result.error().code == "connection_lost");
}

TEST_CASE("a silent server: temporary timeout after step_timeout, the transport shut down") {
  Probe p;
  p.options.step_timeout = 100ms;
  const auto start = std::chrono::steady_clock::now();
  p.run(true, [&]() -> awaitable<void> {
    co_await p.s.peer.expect_header();
    p.s.peer.send(Peer::header());
    co_await p.s.peer.expect_shutdown();
  });
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(p.result);
  CHECK(p.result.error().kind == ErrorKind::temporary);
  CHECK(p.result.error().code == "timeout");
  CHECK(p.result.error().message.find("stream features") != std::string::npos);
  CHECK(took >= 100ms);
  CHECK(took < 2000ms);
}
