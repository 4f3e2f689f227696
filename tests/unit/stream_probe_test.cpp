// stream::read_features (the probe's reading of <stream:features/>) on real examples: what the
// test Prosody sends (captured from scripts/test-server, Prosody 0.12) and the numbered examples
// of XEP-0440, XEP-0388, XEP-0386 and XEP-0484.
#include <doctest/doctest.h>

#include "stream/probe.hpp"
#include "stream_support.hpp"

using namespace xmpp;
using xmpp::test::parse;
using Strings = std::vector<std::string>;

namespace {

stream::FeaturesReport read(std::string_view text) {
  return stream::read_features(parse(text));
}

}  // namespace

TEST_CASE("Prosody before STARTTLS: required <starttls/>, nothing else") {
  const auto f = read("<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>"
                      "<required/></starttls></stream:features>");
  CHECK(f.starttls_offered);
  CHECK(f.starttls_required);
  CHECK(f.mechanisms.empty());
  CHECK_FALSE(f.sasl2);
  CHECK(f.all == Strings{"{urn:ietf:params:xml:ns:xmpp-tls}starttls"});
}

TEST_CASE("optional STARTTLS (no <required/>)") {
  const auto f = read("<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
                      "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
                      "<mechanism>PLAIN</mechanism></mechanisms></stream:features>");
  CHECK(f.starttls_offered);
  CHECK_FALSE(f.starttls_required);
  CHECK(f.mechanisms == Strings{"PLAIN"});
}

TEST_CASE("Prosody after STARTTLS (TLS 1.3) and on direct TLS 1.2 (-PLUS offered)") {
  const auto starttls =
      read("<stream:features xmlns:stream='http://etherx.jabber.org/streams'>"
           "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism>"
           "<mechanism>PLAIN</mechanism></mechanisms></stream:features>");
  CHECK_FALSE(starttls.starttls_offered);
  CHECK(starttls.mechanisms == Strings{"SCRAM-SHA-1", "PLAIN"});
  CHECK(starttls.channel_binding_types.empty());
  CHECK_FALSE(starttls.stream_management);
  CHECK_FALSE(starttls.register_offered);
  CHECK(starttls.all == Strings{"{urn:ietf:params:xml:ns:xmpp-sasl}mechanisms"});

  const auto direct =
      read("<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
           "<mechanism>SCRAM-SHA-1-PLUS</mechanism><mechanism>SCRAM-SHA-1</mechanism>"
           "<mechanism>PLAIN</mechanism></mechanisms></stream:features>");
  CHECK(direct.mechanisms == Strings{"SCRAM-SHA-1-PLUS", "SCRAM-SHA-1", "PLAIN"});
}

TEST_CASE("Prosody's anonymous host offers ANONYMOUS only") {
  const auto f = read("<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
                      "<mechanism>ANONYMOUS</mechanism></mechanisms></stream:features>");
  CHECK(f.mechanisms == Strings{"ANONYMOUS"});
}

TEST_CASE("XEP-0440 example 1: SASL1 mechanisms with channel-binding types") {
  const auto f = read("<stream:features>\n"
                      "  <sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'>\n"
                      "    <channel-binding type='tls-server-end-point'/>\n"
                      "    <channel-binding type='tls-exporter'/>\n"
                      "  </sasl-channel-binding>\n"
                      "  <mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\n"
                      "    <mechanism>EXTERNAL</mechanism>\n"
                      "    <mechanism>SCRAM-SHA-1-PLUS</mechanism>\n"
                      "    <mechanism>PLAIN</mechanism>\n"
                      "  </mechanisms>\n"
                      "</stream:features>");
  CHECK(f.channel_binding_types == Strings{"tls-server-end-point", "tls-exporter"});
  CHECK(f.mechanisms == Strings{"EXTERNAL", "SCRAM-SHA-1-PLUS", "PLAIN"});
  CHECK_FALSE(f.sasl2);
  CHECK(f.all == Strings{"{urn:xmpp:sasl-cb:0}sasl-channel-binding",
                         "{urn:ietf:params:xml:ns:xmpp-sasl}mechanisms"});
}

TEST_CASE("XEP-0440 example 2: SASL2 with inline SM and Bind 2") {
  const auto f = read("<stream:features>\n"
                      "  <sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'>\n"
                      "    <channel-binding type='tls-server-end-point'/>\n"
                      "    <channel-binding type='tls-exporter'/>\n"
                      "  </sasl-channel-binding>\n"
                      "  <authentication xmlns='urn:xmpp:sasl:2'>\n"
                      "    <mechanism>SCRAM-SHA-1</mechanism>\n"
                      "    <mechanism>SCRAM-SHA-1-PLUS</mechanism>\n"
                      "    <inline>\n"
                      "      <sm xmlns='urn:xmpp:sm:3'/>\n"
                      "      <bind xmlns='urn:xmpp:bind:0'/>\n"
                      "    </inline>\n"
                      "  </authentication>\n"
                      "</stream:features>");
  CHECK(f.sasl2);
  CHECK(f.sasl2_mechanisms == Strings{"SCRAM-SHA-1", "SCRAM-SHA-1-PLUS"});
  CHECK(f.mechanisms.empty());
  CHECK(f.bind2);
  CHECK_FALSE(f.fast);
  // <sm/> inside SASL2's <inline/> is not the XEP-0198 stream feature.
  CHECK_FALSE(f.stream_management);
  CHECK(f.channel_binding_types == Strings{"tls-server-end-point", "tls-exporter"});
}

TEST_CASE("XEP-0388 example 1: SASL2 and channel binding (comments in the example dropped)") {
  const auto f = read("<stream:features>"
                      "<authentication xmlns='urn:xmpp:sasl:2'>"
                      "<mechanism>SCRAM-SHA-1</mechanism><mechanism>SCRAM-SHA-1-PLUS</mechanism>"
                      "<inline><sm xmlns='urn:xmpp:sm:3'/><bind xmlns='urn:xmpp:bind:0'/></inline>"
                      "</authentication>"
                      "<sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'>"
                      "<channel-binding type='tls-server-end-point'/>"
                      "<channel-binding type='tls-exporter'/>"
                      "</sasl-channel-binding></stream:features>");
  CHECK(f.sasl2);
  CHECK(f.bind2);
  CHECK(f.all ==
        Strings{"{urn:xmpp:sasl:2}authentication", "{urn:xmpp:sasl-cb:0}sasl-channel-binding"});
}

TEST_CASE("XEP-0388 simple example: SASL2 without <inline/>") {
  const auto f = read("<stream:features><authentication xmlns='urn:xmpp:sasl:2'>"
                      "<mechanism>PLAIN</mechanism><mechanism>SCRAM-SHA-1</mechanism>"
                      "</authentication></stream:features>");
  CHECK(f.sasl2);
  CHECK(f.sasl2_mechanisms == Strings{"PLAIN", "SCRAM-SHA-1"});
  CHECK_FALSE(f.bind2);
  CHECK_FALSE(f.fast);
}

TEST_CASE("XEP-0386 example 1: Bind 2 with its own inline features") {
  const auto f = read("<stream:features>\n"
                      "  <authentication xmlns='urn:xmpp:sasl:2'>\n"
                      "    <mechanism>SCRAM-SHA-1</mechanism>\n"
                      "    <mechanism>SCRAM-SHA-1-PLUS</mechanism>\n"
                      "    <inline>\n"
                      "      <bind xmlns='urn:xmpp:bind:0'>\n"
                      "        <inline>\n"
                      "          <feature var=\"urn:xmpp:carbons:2\" />\n"
                      "          <feature var=\"urn:xmpp:csi:0\" />\n"
                      "          <feature var=\"urn:xmpp:sm:3\" />\n"
                      "        </inline>\n"
                      "      </bind>\n"
                      "      <sm xmlns='urn:xmpp:sm:3'/>\n"
                      "    </inline>\n"
                      "  </authentication>\n"
                      "</stream:features>");
  CHECK(f.sasl2);
  CHECK(f.bind2);
  CHECK(f.sasl2_mechanisms == Strings{"SCRAM-SHA-1", "SCRAM-SHA-1-PLUS"});
}

TEST_CASE("XEP-0484 example 1: FAST mechanisms inside SASL2") {
  const auto f = read("<stream:features>\n"
                      "  <authentication xmlns='urn:xmpp:sasl:2'>\n"
                      "    <mechanism>SCRAM-SHA-1</mechanism>\n"
                      "    <mechanism>SCRAM-SHA-1-PLUS</mechanism>\n"
                      "    <inline>\n"
                      "      <fast xmlns='urn:xmpp:fast:0' tls-0rtt='true'>\n"
                      "        <mechanism>HT-SHA-256-ENDP</mechanism>\n"
                      "        <mechanism>HT-SHA-256-EXPR</mechanism>\n"
                      "        <mechanism>HT-SHA-256-NONE</mechanism>\n"
                      "      </fast>\n"
                      "    </inline>\n"
                      "  </authentication>\n"
                      "</stream:features>");
  CHECK(f.fast);
  CHECK(f.fast_mechanisms == Strings{"HT-SHA-256-ENDP", "HT-SHA-256-EXPR", "HT-SHA-256-NONE"});
  CHECK_FALSE(f.bind2);
  // FAST's mechanisms are not SASL2's.
  CHECK(f.sasl2_mechanisms == Strings{"SCRAM-SHA-1", "SCRAM-SHA-1-PLUS"});
}

TEST_CASE("XEP-0198 <sm/>, XEP-0077 <register/> and unknown features") {
  const auto f = read("<stream:features>"
                      "<register xmlns='http://jabber.org/features/iq-register'/>"
                      "<sm xmlns='urn:xmpp:sm:3'/>"
                      "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' ver='v'/>"
                      "<limits xmlns='urn:xmpp:stream-limits:0'><max-bytes>10000</max-bytes>"
                      "</limits></stream:features>");
  CHECK(f.register_offered);
  CHECK(f.stream_management);
  CHECK(f.all == Strings{"{http://jabber.org/features/iq-register}register", "{urn:xmpp:sm:3}sm",
                         "{http://jabber.org/protocol/caps}c", "{urn:xmpp:stream-limits:0}limits"});
}

TEST_CASE("elements in the wrong namespace are not taken for features") {
  const auto f =
      read("<stream:features>"
           "<mechanisms xmlns='urn:xmpp:sasl:2'><mechanism>PLAIN</mechanism></mechanisms>"
           "<authentication xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"
           "<starttls xmlns='urn:xmpp:sm:3'/>"
           "<register xmlns='jabber:iq:register'/>"
           "<sasl-channel-binding xmlns='urn:xmpp:sasl-cb:1'>"
           "<channel-binding type='tls-exporter'/></sasl-channel-binding>"
           "</stream:features>");
  CHECK(f.mechanisms.empty());
  CHECK_FALSE(f.sasl2);
  CHECK_FALSE(f.starttls_offered);
  CHECK_FALSE(f.register_offered);
  CHECK(f.channel_binding_types.empty());
  CHECK(f.all.size() == 5);
}

TEST_CASE("mechanism names are trimmed; a channel-binding without type is skipped") {
  const auto f = read("<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
                      "<mechanism>\n  SCRAM-SHA-256 \n</mechanism></mechanisms>"
                      "<sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'><channel-binding/>"
                      "<channel-binding type='tls-unique'/></sasl-channel-binding>"
                      "</stream:features>");
  CHECK(f.mechanisms == Strings{"SCRAM-SHA-256"});
  CHECK(f.channel_binding_types == Strings{"tls-unique"});
}

TEST_CASE("empty features") {
  const auto f = read("<stream:features/>");
  CHECK(f.all.empty());
  CHECK_FALSE(f.starttls_offered);
  CHECK(f.mechanisms.empty());
}
