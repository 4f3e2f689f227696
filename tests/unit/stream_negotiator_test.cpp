// Negotiator transitions (RFC 6120 §4.3, §5, §6, §7; RFC 3921 §3; XEP-0198 §3, §5; XEP-0440),
// each fed the server's elements as text and checked on what it asks the driver to do.
#include <doctest/doctest.h>

#include "core/base64.hpp"
#include "stream/negotiator.hpp"
#include "stream_support.hpp"

using namespace xmpp;
using namespace xmpp::stream;
using xmpp::test::jid;
using xmpp::test::parse;
using xmpp::test::str;

namespace {

const char* const k_tls_features =
    "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
    "</stream:features>";
const char* const k_sasl_features =
    "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
    "<mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism></mechanisms>"
    "</stream:features>";
const char* const k_bind_features =
    "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
    "<sm xmlns='urn:xmpp:sm:3'/></stream:features>";

/// A mechanism whose exchange is visible: initial "init", responses "re:" + challenge,
/// verify_success fails on "bad".
class FakeMechanism : public sasl::Mechanism {
 public:
  explicit FakeMechanism(std::optional<std::string> initial) : m_initial(std::move(initial)) {}
  std::string name() const override { return "FAKE"; }
  Result<std::optional<std::string>> initial_response() override { return m_initial; }
  Result<std::string> respond(const std::string& challenge) override {
    if (challenge == "refuse")
      return fail(ErrorKind::no_perm, "auth_failed", "", "mechanism refused the challenge");
    return "re:" + challenge;
  }
  Result<void> verify_success(const std::optional<std::string>& data) override {
    if (data == "bad") return fail(ErrorKind::no_perm, "auth_failed", "", "bad server signature");
    return {};
  }

 private:
  std::optional<std::string> m_initial;
};

struct NegotiatorSeen {
  sasl::Offer offer;
  sasl::Policy policy;
  sasl::Credentials credentials;
  sasl::TlsState tls;
  int calls = 0;
};

NegotiatorOptions options_for(NegotiatorSeen& seen, std::optional<std::string> initial = "init") {
  NegotiatorOptions o;
  o.jid = jid("alice@example.test");
  o.password = "secret";
  o.choose = [&seen, initial](const sasl::Offer& offer, const sasl::Policy& policy,
                              const sasl::Credentials& credentials, const sasl::TlsState& tls,
                              sasl::NonceSource) -> Result<std::unique_ptr<sasl::Mechanism>> {
    seen.offer = offer;
    seen.policy = policy;
    seen.credentials = credentials;
    seen.tls = tls;
    ++seen.calls;
    return std::make_unique<FakeMechanism>(initial);
  };
  int n = 0;
  o.random_id = [n]() mutable { return "id" + std::to_string(++n); };
  return o;
}

xml::StreamHeader header(std::string version = "1.0") {
  xml::StreamHeader h;
  h.from = "example.test";
  h.id = "stream-1";
  h.version = std::move(version);
  h.default_ns = "jabber:client";
  return h;
}

net::TlsInfo verified_tls() {
  net::TlsInfo t;
  t.active = true;
  t.verified = true;
  t.version = "TLSv1.3";
  t.exporter = std::string(32, 'x');
  t.server_end_point = std::string(32, 'e');
  return t;
}

Action feed(Negotiator& n, const char* text) {
  auto a = n.on_element(parse(text));
  REQUIRE_MESSAGE(a, (a ? std::string() : a.error().message));
  return *a;
}

Error feed_error(Negotiator& n, const char* text) {
  auto a = n.on_element(parse(text));
  REQUIRE_FALSE(a);
  return a.error();
}

/// Drives a negotiator over direct TLS to the point where <auth/> was sent.
void to_sasl(Negotiator& n) {
  n.set_tls(verified_tls());
  REQUIRE(n.on_header(header()));
  feed(n, k_sasl_features);
}

/// ... and on to the post-authentication features.
void to_bind_features(Negotiator& n) {
  to_sasl(n);
  auto a = feed(n, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
  REQUIRE(a.next == Action::Next::restart);
  REQUIRE(n.on_header(header()));
}

}  // namespace

TEST_CASE("negotiator: STARTTLS offered -> <starttls/>, <proceed/> -> handshake, then restart") {
  NegotiatorSeen seen;
  Negotiator n(options_for(seen));
  CHECK(n.waiting_for() == "the stream header");
  REQUIRE(n.on_header(header()));
  CHECK(n.result().stream_id == "stream-1");
  CHECK(n.waiting_for() == "stream features");
  auto a = feed(n, k_tls_features);
  REQUIRE(a.send.size() == 1);
  CHECK(str(a.send[0]) == "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  CHECK(a.next == Action::Next::read);
  CHECK(n.waiting_for() == "the STARTTLS answer");
  a = feed(n, "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  CHECK(a.send.empty());
  CHECK(a.next == Action::Next::start_tls);
  CHECK(n.waiting_for() == "the TLS handshake");
  n.set_tls(verified_tls());
  CHECK(n.tls_active());
  CHECK(n.waiting_for() == "the stream header");
  REQUIRE(n.on_header(header()));
  a = feed(n, k_sasl_features);
  REQUIRE(a.send.size() == 1);
  CHECK(a.send[0].is("auth", "urn:ietf:params:xml:ns:xmpp-sasl"));
}

TEST_CASE("negotiator: STARTTLS offered but not required is still used") {
  NegotiatorSeen seen;
  Negotiator n(options_for(seen));
  REQUIRE(n.on_header(header()));
  auto a =
      feed(n, "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
              "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism>"
              "</mechanisms></stream:features>");
  REQUIRE(a.send.size() == 1);
  CHECK(a.send[0].is("starttls", "urn:ietf:params:xml:ns:xmpp-tls"));
  CHECK(seen.calls == 0);
}

TEST_CASE("negotiator: features without <starttls/> before TLS is a downgrade (row 24)") {
  NegotiatorSeen seen;
  Negotiator n(options_for(seen));
  REQUIRE(n.on_header(header()));
  const Error e = feed_error(n, k_sasl_features);
  CHECK(e.kind == ErrorKind::no_perm);
  CHECK(e.code == "starttls_missing");
  CHECK(e.message == "server did not offer TLS (possible downgrade)");
  CHECK(seen.calls == 0);  // no authentication attempted in the clear
}

TEST_CASE("negotiator: <failure/> to <starttls/> is no_perm (row 25)") {
  NegotiatorSeen seen;
  Negotiator n(options_for(seen));
  REQUIRE(n.on_header(header()));
  feed(n, k_tls_features);
  const Error e = feed_error(n, "<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  CHECK(e.kind == ErrorKind::no_perm);
  CHECK(e.code == "starttls_failed");
}

TEST_CASE("negotiator: anything but proceed/failure after <starttls/> is a stream error") {
  NegotiatorSeen seen;
  Negotiator n(options_for(seen));
  REQUIRE(n.on_header(header()));
  feed(n, k_tls_features);
  const Error e = feed_error(n, "<message><body>hi</body></message>");
  CHECK(e.kind == ErrorKind::protocol);
  CHECK(e.code == "stream_error");
  CHECK(e.condition == "unsupported-stanza-type");
  CHECK(e.message.find("the STARTTLS answer") != std::string::npos);
}

TEST_CASE("negotiator: direct TLS skips <starttls/> even when offered") {
  NegotiatorSeen seen;
  Negotiator n(options_for(seen));
  n.set_tls(verified_tls());
  REQUIRE(n.on_header(header()));
  auto a =
      feed(n, "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
              "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism>"
              "</mechanisms></stream:features>");
  REQUIRE(a.send.size() == 1);
  CHECK(a.send[0].is("auth", "urn:ietf:params:xml:ns:xmpp-sasl"));
}

TEST_CASE("negotiator: the chooser sees the offer, policy, credentials and TLS state") {
  NegotiatorSeen seen;
  auto options = options_for(seen);
  options.sasl_mechanisms = {"SCRAM-SHA-256"};
  Negotiator n(std::move(options));
  n.set_tls(verified_tls());
  REQUIRE(n.on_header(header()));
  feed(n,
       "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
       "<mechanism>SCRAM-SHA-256-PLUS</mechanism><mechanism>SCRAM-SHA-256</mechanism></mechanisms>"
       "<sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'><channel-binding type='tls-exporter'/>"
       "<channel-binding type='tls-server-end-point'/></sasl-channel-binding></stream:features>");
  REQUIRE(seen.calls == 1);
  CHECK(seen.offer.mechanisms == std::vector<std::string>{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"});
  CHECK(seen.offer.cb_types_advertised);
  CHECK(seen.offer.cb_types == std::vector<std::string>{"tls-exporter", "tls-server-end-point"});
  CHECK(seen.policy.allowed == std::vector<std::string>{"SCRAM-SHA-256"});
  CHECK_FALSE(seen.policy.anonymous);
  CHECK(seen.credentials.authcid == "alice");
  CHECK(seen.credentials.password == "secret");
  CHECK(seen.tls.active);
  CHECK(seen.tls.verified);
  CHECK(seen.tls.tls13);
  CHECK(seen.tls.exporter == std::string(32, 'x'));
  CHECK(seen.tls.server_end_point == std::string(32, 'e'));
}

TEST_CASE("negotiator: no <sasl-channel-binding/> means types not advertised") {
  NegotiatorSeen seen;
  Negotiator n(options_for(seen));
  to_sasl(n);
  CHECK_FALSE(seen.offer.cb_types_advertised);
  CHECK(seen.offer.cb_types.empty());
}

TEST_CASE("negotiator: <auth/> carries the mechanism and the base64 initial response") {
  NegotiatorSeen seen;
  SUBCASE("initial response") {
    Negotiator n(options_for(seen, "init"));
    n.set_tls(verified_tls());
    REQUIRE(n.on_header(header()));
    auto a = feed(n, k_sasl_features);
    CHECK(str(a.send.at(0)) == "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='FAKE'>" +
                                   base64_encode("init") + "</auth>");
  }
  SUBCASE("empty initial response is '=' (RFC 6120 §6.4.2)") {
    Negotiator n(options_for(seen, std::string()));
    n.set_tls(verified_tls());
    REQUIRE(n.on_header(header()));
    auto a = feed(n, k_sasl_features);
    CHECK(a.send.at(0).text() == "=");
  }
  SUBCASE("no initial response is an empty <auth/>") {
    Negotiator n(options_for(seen, std::nullopt));
    n.set_tls(verified_tls());
    REQUIRE(n.on_header(header()));
    auto a = feed(n, k_sasl_features);
    CHECK(a.send.at(0).text().empty());
  }
}

TEST_CASE("negotiator: challenges are answered, base64 both ways") {
  NegotiatorSeen seen;
  Negotiator n(options_for(seen));
  to_sasl(n);
  const std::string challenge =
      "<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" + base64_encode("c1") + "</challenge>";
  auto a = feed(n, challenge.c_str());
  REQUIRE(a.send.size() == 1);
  CHECK(a.send[0].is("response", "urn:ietf:params:xml:ns:xmpp-sasl"));
  CHECK(base64_decode(a.send[0].text()) == std::string("re:c1"));
  CHECK(n.waiting_for() == "the SASL result");
  // An empty challenge reaches the mechanism as empty bytes.
  a = feed(n, "<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
  CHECK(base64_decode(a.send.at(0).text()) == std::string("re:"));
}

TEST_CASE("negotiator: a challenge that is not base64 is a bad-format stream error") {
  NegotiatorSeen seen;
  Negotiator n(options_for(seen));
  to_sasl(n);
  const Error e =
      feed_error(n, "<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>*not base64*</challenge>");
  CHECK(e.kind == ErrorKind::protocol);
  CHECK(e.condition == "bad-format");
}

TEST_CASE("negotiator: a mechanism refusing a challenge aborts with its error") {
  NegotiatorSeen seen;
  Negotiator n(options_for(seen));
  to_sasl(n);
  const std::string challenge = "<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" +
                                base64_encode("refuse") + "</challenge>";
  const Error e = feed_error(n, challenge.c_str());
  CHECK(e.kind == ErrorKind::no_perm);
  CHECK(e.message == "mechanism refused the challenge");
}

TEST_CASE("negotiator: <success/> restarts the stream, authenticated") {
  NegotiatorSeen seen;
  Negotiator n(options_for(seen));
  to_sasl(n);
  CHECK_FALSE(n.authenticated());
  auto a = feed(n, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
  CHECK(a.next == Action::Next::restart);
  CHECK(a.send.empty());
  CHECK(n.authenticated());
  CHECK(n.result().mechanism == "FAKE");
  CHECK(n.waiting_for() == "the stream header");
}

TEST_CASE("negotiator: <success/> additional data is verified by the mechanism") {
  NegotiatorSeen seen;
  Negotiator n(options_for(seen));
  to_sasl(n);
  const std::string success =
      "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" + base64_encode("bad") + "</success>";
  const Error e = feed_error(n, success.c_str());
  CHECK(e.kind == ErrorKind::no_perm);
  CHECK_FALSE(n.authenticated());
}

TEST_CASE("negotiator: SASL <failure/> conditions") {
  NegotiatorSeen seen;
  Negotiator n(options_for(seen));
  to_sasl(n);
  SUBCASE("not-authorized -> no_perm auth_failed") {
    const Error e = feed_error(
        n, "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>");
    CHECK(e.kind == ErrorKind::no_perm);
    CHECK(e.code == "auth_failed");
    CHECK(e.condition == "not-authorized");
    CHECK(e.message == "authentication failed for alice@example.test: not-authorized");
  }
  SUBCASE("account-disabled with text") {
    const Error e =
        feed_error(n, "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><account-disabled/>"
                      "<text xml:lang='en'>Call 555-1234</text></failure>");
    CHECK(e.kind == ErrorKind::no_perm);
    CHECK(e.condition == "account-disabled");
    CHECK(e.message ==
          "authentication failed for alice@example.test: account-disabled (Call 555-1234)");
  }
  SUBCASE("credentials-expired -> no_perm") {
    const Error e = feed_error(
        n, "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><credentials-expired/></failure>");
    CHECK(e.kind == ErrorKind::no_perm);
  }
  SUBCASE("temporary-auth-failure -> temporary") {
    const Error e = feed_error(
        n, "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><temporary-auth-failure/></failure>");
    CHECK(e.kind == ErrorKind::temporary);
    CHECK(e.code == "auth_failed");
    CHECK(e.condition == "temporary-auth-failure");
  }
  SUBCASE("no condition at all reads as not-authorized") {
    const Error e = feed_error(n, "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
    CHECK(e.condition == "not-authorized");
  }
}

TEST_CASE("negotiator: SASL outcome outside SASL is an attack (row 29)") {
  NegotiatorSeen seen;
  Negotiator n(options_for(seen));
  REQUIRE(n.on_header(header()));
  feed(n, k_tls_features);
  const Error e = feed_error(n, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
  CHECK(e.kind == ErrorKind::no_perm);
  CHECK(e.code == "sasl_unexpected");
  CHECK_FALSE(n.authenticated());
}

TEST_CASE("negotiator: <success/> instead of features is refused too") {
  NegotiatorSeen seen;
  Negotiator n(options_for(seen));
  n.set_tls(verified_tls());
  REQUIRE(n.on_header(header()));
  const Error e = feed_error(n, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
  CHECK(e.code == "sasl_unexpected");
}

TEST_CASE("negotiator: chooser errors propagate") {
  NegotiatorOptions o;
  o.jid = jid("alice@example.test");
  o.choose = [](const sasl::Offer&, const sasl::Policy&, const sasl::Credentials&,
                const sasl::TlsState&,
                sasl::NonceSource) -> Result<std::unique_ptr<sasl::Mechanism>> {
    return fail(ErrorKind::no_perm, "no_mechanism", "", "nothing acceptable");
  };
  Negotiator n(std::move(o));
  n.set_tls(verified_tls());
  REQUIRE(n.on_header(header()));
  const Error e = feed_error(n, k_sasl_features);
  CHECK(e.code == "no_mechanism");
}

TEST_CASE("negotiator: the real chooser picks PLAIN over verified TLS") {
  NegotiatorOptions o;
  o.jid = jid("alice@example.test");
  o.password = "secret";
  Negotiator n(std::move(o));
  n.set_tls(verified_tls());
  REQUIRE(n.on_header(header()));
  auto a = feed(n, "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
                   "<mechanism>PLAIN</mechanism></mechanisms></stream:features>");
  REQUIRE(a.send.size() == 1);
  CHECK(a.send[0].attr("mechanism") == "PLAIN");
  CHECK(base64_decode(a.send[0].text()) == std::string("\0alice\0secret", 13));
}

TEST_CASE("negotiator: the real chooser refuses PLAIN over unverified TLS") {
  NegotiatorOptions o;
  o.jid = jid("alice@example.test");
  o.password = "secret";
  Negotiator n(std::move(o));
  auto tls = verified_tls();
  tls.verified = false;
  n.set_tls(tls);
  REQUIRE(n.on_header(header()));
  const Error e =
      feed_error(n, "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
                    "<mechanism>PLAIN</mechanism></mechanisms></stream:features>");
  CHECK(e.kind == ErrorKind::no_perm);
}

TEST_CASE("negotiator: bind with the configured resource, then XEP-0198 enable") {
  NegotiatorSeen seen;
  auto options = options_for(seen);
  options.resource = "cli";
  Negotiator n(std::move(options));
  to_bind_features(n);
  auto a = feed(n, k_bind_features);
  REQUIRE(a.send.size() == 1);
  CHECK(str(a.send[0]) == "<iq type='set' id='id1'><bind "
                          "xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>cli</resource>"
                          "</bind></iq>");
  CHECK(n.waiting_for() == "the resource binding result");
  a = feed(n, "<iq type='result' id='id1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
              "<jid>alice@example.test/cli</jid></bind></iq>");
  REQUIRE(a.send.size() == 1);
  CHECK(str(a.send[0]) == "<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
  CHECK(n.waiting_for() == "the stream management result");
  a = feed(n,
           "<enabled xmlns='urn:xmpp:sm:3' id='sm-1' resume='1' max='300' location='[::1]:5222'/>");
  CHECK(a.next == Action::Next::done);
  CHECK(n.done());
  const auto& r = n.result();
  CHECK(r.jid.str() == "alice@example.test/cli");
  CHECK(r.sm_enabled);
  CHECK(r.sm_id == "sm-1");
  CHECK(r.sm_resumable);
  CHECK(r.sm_max == 300u);
  CHECK(r.sm_location == "[::1]:5222");
  CHECK(r.features ==
        std::vector<std::string>{"urn:ietf:params:xml:ns:xmpp-bind", "urn:xmpp:sm:3"});
}

TEST_CASE("negotiator: without a resource the server assigns one") {
  NegotiatorSeen seen;
  Negotiator n(options_for(seen));
  to_bind_features(n);
  auto a = feed(n, k_bind_features);
  CHECK(str(a.send.at(0)) ==
        "<iq type='set' id='id1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
  feed(n, "<iq type='result' id='id1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
          "<jid>alice@example.test/4db2</jid></bind></iq>");
  CHECK(n.result().jid.resource() == "4db2");
}

TEST_CASE("negotiator: <failed/> to <enable/> leaves stream management off") {
  NegotiatorSeen seen;
  Negotiator n(options_for(seen));
  to_bind_features(n);
  feed(n, k_bind_features);
  feed(n, "<iq type='result' id='id1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
          "<jid>alice@example.test/r</jid></bind></iq>");
  auto a = feed(n, "<failed xmlns='urn:xmpp:sm:3'><unexpected-request "
                   "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>");
  CHECK(a.next == Action::Next::done);
  CHECK_FALSE(n.result().sm_enabled);
}

TEST_CASE("negotiator: enabled without resume is not resumable") {
  NegotiatorSeen seen;
  Negotiator n(options_for(seen));
  to_bind_features(n);
  feed(n, k_bind_features);
  feed(n, "<iq type='result' id='id1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
          "<jid>alice@example.test/r</jid></bind></iq>");
  feed(n, "<enabled xmlns='urn:xmpp:sm:3' id='x'/>");
  CHECK(n.result().sm_enabled);
  CHECK_FALSE(n.result().sm_resumable);
}

TEST_CASE("negotiator: stream management off by option, or not offered") {
  NegotiatorSeen seen;
  SUBCASE("option off") {
    auto options = options_for(seen);
    options.stream_management = false;
    Negotiator n(std::move(options));
    to_bind_features(n);
    feed(n, k_bind_features);
    auto a = feed(n, "<iq type='result' id='id1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                     "<jid>alice@example.test/r</jid></bind></iq>");
    CHECK(a.send.empty());
    CHECK(a.next == Action::Next::done);
  }
  SUBCASE("not offered") {
    Negotiator n(options_for(seen));
    to_bind_features(n);
    feed(n, "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>");
    auto a = feed(n, "<iq type='result' id='id1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                     "<jid>alice@example.test/r</jid></bind></iq>");
    CHECK(a.next == Action::Next::done);
    CHECK_FALSE(n.result().sm_enabled);
  }
}

TEST_CASE("negotiator: legacy session only when required") {
  NegotiatorSeen seen;
  SUBCASE("required") {
    Negotiator n(options_for(seen));
    to_bind_features(n);
    feed(n, "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
            "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></stream:features>");
    auto a = feed(n, "<iq type='result' id='id1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                     "<jid>alice@example.test/r</jid></bind></iq>");
    REQUIRE(a.send.size() == 1);
    CHECK(str(a.send[0]) ==
          "<iq type='set' id='id2'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>");
    CHECK(n.waiting_for() == "the session establishment result");
    a = feed(n, "<iq type='result' id='id2'/>");
    CHECK(a.next == Action::Next::done);
  }
  SUBCASE("optional") {
    Negotiator n(options_for(seen));
    to_bind_features(n);
    feed(n, "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
            "<session "
            "xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session></stream:features>");
    auto a = feed(n, "<iq type='result' id='id1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                     "<jid>alice@example.test/r</jid></bind></iq>");
    CHECK(a.next == Action::Next::done);
  }
  SUBCASE("session error") {
    Negotiator n(options_for(seen));
    to_bind_features(n);
    feed(n, "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
            "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></stream:features>");
    feed(n, "<iq type='result' id='id1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
            "<jid>alice@example.test/r</jid></bind></iq>");
    const Error e =
        feed_error(n, "<iq type='error' id='id2'><error type='wait'><internal-server-error "
                      "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
    CHECK(e.code == "session_failed");
    CHECK(e.condition == "internal-server-error");
  }
}

TEST_CASE("negotiator: bind conflict retries once with a random resource, then gives up") {
  NegotiatorSeen seen;
  auto options = options_for(seen);
  options.resource = "cli";
  Negotiator n(std::move(options));
  to_bind_features(n);
  feed(n, k_bind_features);
  const char* conflict = "<iq type='error' id='id1'><error type='cancel'><conflict "
                         "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>";
  auto a = feed(n, conflict);
  REQUIRE(a.send.size() == 1);
  // id2 became the random resource, id3 the new iq id.
  CHECK(str(a.send[0]) == "<iq type='set' id='id3'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                          "<resource>xmpp-id2</resource></bind></iq>");
  SUBCASE("second try succeeds") {
    feed(n, "<iq type='result' id='id3'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
            "<jid>alice@example.test/xmpp-id2</jid></bind></iq>");
    CHECK(n.result().jid.resource() == "xmpp-id2");
  }
  SUBCASE("second conflict -> temporary") {
    const Error e = feed_error(n, "<iq type='error' id='id3'><error type='cancel'><conflict "
                                  "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
    CHECK(e.kind == ErrorKind::temporary);
    CHECK(e.code == "bind_conflict");
    CHECK(e.condition == "conflict");
  }
}

TEST_CASE("negotiator: other bind errors") {
  NegotiatorSeen seen;
  Negotiator n(options_for(seen));
  to_bind_features(n);
  feed(n, k_bind_features);
  SUBCASE("not-allowed -> no_perm") {
    const Error e = feed_error(n, "<iq type='error' id='id1'><error type='cancel'><not-allowed "
                                  "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
    CHECK(e.kind == ErrorKind::no_perm);
    CHECK(e.code == "bind_failed");
  }
  SUBCASE("resource-constraint -> temporary") {
    const Error e =
        feed_error(n, "<iq type='error' id='id1'><error type='wait'><resource-constraint "
                      "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
    CHECK(e.kind == ErrorKind::temporary);
    CHECK(e.condition == "resource-constraint");
  }
  SUBCASE("bad-request -> protocol") {
    const Error e =
        feed_error(n, "<iq type='error' id='id1'><error type='modify'><bad-request "
                      "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text "
                      "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>no</text></error></iq>");
    CHECK(e.kind == ErrorKind::protocol);
    CHECK(e.message == "resource binding failed: bad-request (no)");
  }
  SUBCASE("result for another account -> protocol") {
    const Error e =
        feed_error(n, "<iq type='result' id='id1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                      "<jid>mallory@example.test/r</jid></bind></iq>");
    CHECK(e.code == "bind_failed");
  }
  SUBCASE("result without a JID -> protocol") {
    const Error e = feed_error(n, "<iq type='result' id='id1'/>");
    CHECK(e.code == "bind_failed");
  }
  SUBCASE("bare JID bound -> protocol") {
    const Error e =
        feed_error(n, "<iq type='result' id='id1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                      "<jid>alice@example.test</jid></bind></iq>");
    CHECK(e.code == "bind_failed");
  }
  SUBCASE("reply with another id -> stream error") {
    const Error e = feed_error(n, "<iq type='result' id='other'/>");
    CHECK(e.code == "stream_error");
    CHECK(e.condition == "unsupported-stanza-type");
  }
}

TEST_CASE("negotiator: post-auth features without bind") {
  NegotiatorSeen seen;
  Negotiator n(options_for(seen));
  to_bind_features(n);
  const Error e = feed_error(n, "<stream:features><sm xmlns='urn:xmpp:sm:3'/></stream:features>");
  CHECK(e.code == "bind_failed");
}

TEST_CASE("negotiator: anonymous login accepts a generated local part on our domain") {
  NegotiatorSeen seen;
  auto options = options_for(seen);
  options.jid = jid("example.test");
  options.anonymous = true;
  options.password.clear();
  Negotiator n(std::move(options));
  to_sasl(n);
  CHECK(seen.policy.anonymous);
  CHECK(seen.credentials.authcid.empty());
  feed(n, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
  REQUIRE(n.on_header(header()));
  feed(n, k_bind_features);
  feed(n, "<iq type='result' id='id1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
          "<jid>a8f3@example.test/r</jid></bind></iq>");
  CHECK(n.result().jid.local() == "a8f3");
}

TEST_CASE("negotiator: anonymous failure names the domain") {
  const Error e = sasl_failure_error(
      parse("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>"),
      jid("example.test"));
  CHECK(e.message == "authentication failed for example.test: not-authorized");
}

TEST_CASE("negotiator: XEP-0198 resumption") {
  NegotiatorSeen seen;
  auto options = options_for(seen);
  options.resume = ResumeRequest{"sm-1", 7};
  Negotiator n(std::move(options));
  to_bind_features(n);
  SUBCASE("resumed") {
    auto a = feed(n, k_bind_features);
    REQUIRE(a.send.size() == 1);
    CHECK(str(a.send[0]) == "<resume xmlns='urn:xmpp:sm:3' previd='sm-1' h='7'/>");
    CHECK(n.waiting_for() == "the stream resumption result");
    a = feed(n, "<resumed xmlns='urn:xmpp:sm:3' previd='sm-1' h='3'/>");
    CHECK(a.next == Action::Next::done);
    CHECK(n.result().resumed);
    CHECK(n.result().resumed_h == 3u);
    CHECK(n.result().sm_enabled);
  }
  SUBCASE("failed -> fresh bind") {
    feed(n, k_bind_features);
    auto a = feed(n, "<failed xmlns='urn:xmpp:sm:3' h='2'><item-not-found "
                     "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>");
    REQUIRE(a.send.size() == 1);
    CHECK(a.send[0].child("bind", "urn:ietf:params:xml:ns:xmpp-bind"));
    CHECK_FALSE(n.result().resumed);
    CHECK(n.result().resume_failure == "item-not-found");
  }
  SUBCASE("resumed with another previd -> fresh bind (row 42)") {
    feed(n, k_bind_features);
    auto a = feed(n, "<resumed xmlns='urn:xmpp:sm:3' previd='someone-else' h='3'/>");
    REQUIRE(a.send.size() == 1);
    CHECK(a.send[0].child("bind", "urn:ietf:params:xml:ns:xmpp-bind"));
    CHECK_FALSE(n.result().resumed);
  }
  SUBCASE("resumed without h -> stream error") {
    feed(n, k_bind_features);
    const Error e = feed_error(n, "<resumed xmlns='urn:xmpp:sm:3' previd='sm-1'/>");
    CHECK(e.code == "stream_error");
  }
  SUBCASE("no SM feature -> fresh bind") {
    auto a = feed(
        n, "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>");
    CHECK(a.send.at(0).child("bind", "urn:ietf:params:xml:ns:xmpp-bind"));
    CHECK(n.result().resume_failure == "feature-not-implemented");
  }
}

TEST_CASE("negotiator: stream header checks") {
  NegotiatorSeen seen;
  SUBCASE("version missing") {
    Negotiator n(options_for(seen));
    auto r = n.on_header(header(""));
    REQUIRE_FALSE(r);
    CHECK(r.error().condition == "unsupported-version");
  }
  SUBCASE("version 0.9") {
    Negotiator n(options_for(seen));
    CHECK_FALSE(n.on_header(header("0.9")));
  }
  SUBCASE("version 1.1 is fine (same major)") {
    Negotiator n(options_for(seen));
    CHECK(n.on_header(header("1.1")));
  }
  SUBCASE("a second header without a restart") {
    Negotiator n(options_for(seen));
    REQUIRE(n.on_header(header()));
    CHECK_FALSE(n.on_header(header()));
  }
}

TEST_CASE("negotiator: a stream error becomes its Error") {
  NegotiatorSeen seen;
  Negotiator n(options_for(seen));
  REQUIRE(n.on_header(header()));
  const Error e =
      feed_error(n, "<stream:error><system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                    "</stream:error>");
  CHECK(e.kind == ErrorKind::temporary);
  CHECK(e.condition == "system-shutdown");
}

TEST_CASE("negotiator: elements other than features are refused while waiting for features") {
  NegotiatorSeen seen;
  Negotiator n(options_for(seen));
  REQUIRE(n.on_header(header()));
  const Error e = feed_error(n, "<foo xmlns='urn:example'/>");
  CHECK(e.condition == "unsupported-stanza-type");
  CHECK(e.message == "unexpected <foo xmlns='urn:example'> while waiting for stream features");
}

TEST_CASE("negotiator: tls_state maps TLS facts for channel binding") {
  net::TlsInfo t;
  t.active = true;
  t.verified = false;
  t.version = "TLSv1.2";
  t.unique = "u";
  const auto s = tls_state(t);
  CHECK(s.active);
  CHECK_FALSE(s.verified);
  CHECK_FALSE(s.tls13);
  CHECK(s.unique == "u");
}

TEST_CASE("negotiator: XEP-0198 nonzas nobody asked for are ignored (row 42)") {
  NegotiatorSeen seen;
  Negotiator n(options_for(seen));
  REQUIRE(n.on_header(header()));
  auto a = feed(n, "<enabled xmlns='urn:xmpp:sm:3' id='early' resume='true'/>");
  CHECK(a.send.empty());
  CHECK(a.next == Action::Next::read);
  CHECK(n.waiting_for() == "stream features");
  a = feed(n, "<r xmlns='urn:xmpp:sm:3'/>");
  CHECK(a.send.empty());
  CHECK_FALSE(n.result().sm_enabled);
}
