// XEP-0115 Entity Capabilities: <c/> parsing, the §5.1 verification string and the §5.4 checks
// against the spec's own stanzas (tests/fixtures/xep0115-*.xml). The §5.2 and §5.3 generation
// examples hash the disco#info results shown in §1.2 and §5.3, which are not numbered examples,
// so those fixtures are named after their section.
#include <doctest/doctest.h>

#include "xep/caps/caps.hpp"
#include "xep/caps/caps_ops.hpp"
#include "xep/disco/disco.hpp"
#include "xep_examples.hpp"

using namespace xmpp;
using test::example;

namespace {

disco::DiscoInfo info_of(const std::string& fixture) {
  auto info = disco::parse_info_result(example(fixture));
  REQUIRE(info.has_value());
  return std::move(*info);
}

caps::Caps caps_of(const std::string& fixture) {
  const auto c = caps::parse(example(fixture));
  REQUIRE(c.has_value());
  return *c;
}

/// A disco#info result from its <query/> children.
disco::DiscoInfo info_from(const std::string& children) {
  auto info =
      disco::parse_info_result(test::parse_stanza("<iq type='result' id='c'><query "
                                                  "xmlns='http://jabber.org/protocol/disco#info'>" +
                                                  children + "</query></iq>"));
  REQUIRE(info.has_value());
  return std::move(*info);
}

}  // namespace

TEST_CASE("XEP-0115 §5.2: the simple generation example (Exodus, §1.2's disco#info result)") {
  const auto info = info_of("xep0115-sec1.2-exodus-info-result.xml");
  const auto s = caps::verification_string(info);
  REQUIRE(s.has_value());
  CHECK(*s == "client/pc//Exodus 0.9.1<http://jabber.org/protocol/caps<"
              "http://jabber.org/protocol/disco#info<http://jabber.org/protocol/disco#items<"
              "http://jabber.org/protocol/muc<");
  CHECK(caps::compute_ver(info, "sha-1") == "QgayPKawpkPSDYmwT/WM94uAlu0=");

  // Example 1 is Romeo's presence with that ver.
  const auto c = caps_of("xep0115-ex1-presence.xml");
  CHECK(c ==
        caps::Caps{"sha-1", "http://code.google.com/p/exodus", "QgayPKawpkPSDYmwT/WM94uAlu0="});
  CHECK(caps::verify(c, info) == caps::Verdict::match);
  // §6.2: the node to ask is NODE#VER, as in the §1.2 result.
  CHECK(caps::info_node(c) == info.node);
}

TEST_CASE("XEP-0115 §5.3: the complex generation example (identities in two languages, a form)") {
  const auto info = info_of("xep0115-sec5.3-psi-info-result.xml");
  const auto s = caps::verification_string(info);
  REQUIRE(s.has_value());
  // The spec prints the names with a no-break space for layout; the stanza has a plain space.
  CHECK(*s == "client/pc/el/\xCE\xA8 0.11<client/pc/en/Psi 0.11<http://jabber.org/protocol/caps<"
              "http://jabber.org/protocol/disco#info<http://jabber.org/protocol/disco#items<"
              "http://jabber.org/protocol/muc<urn:xmpp:dataforms:softwareinfo<"
              "ip_version<ipv4<ipv6<os<Mac<os_version<10.5.1<software<Psi<"
              "software_version<0.11<");
  CHECK(caps::compute_ver(info, "sha-1") == "q07IKJEyjvHSyhy//CH0CxmKi8w=");

  // Benvolio's presence in §1.2 announces it.
  const auto c = caps_of("xep0115-sec1.2-benvolio-presence.xml");
  CHECK(c.node == "http://psi-im.org");
  CHECK(caps::verify(c, info) == caps::Verdict::match);
}

TEST_CASE("XEP-0115: the order of the disco#info result does not change the hash") {
  const auto info = info_of("xep0115-sec5.3-psi-info-result.xml");
  auto shuffled = info;
  std::swap(shuffled.identities[0], shuffled.identities[1]);
  std::reverse(shuffled.features.begin(), shuffled.features.end());
  // Values are sorted too (§5.1 step 7.3.2), though a form keeps them in document order.
  std::reverse(shuffled.forms[0].fields["ip_version"].begin(),
               shuffled.forms[0].fields["ip_version"].end());
  CHECK(shuffled.forms[0].fields["ip_version"] == std::vector<std::string>{"ipv6", "ipv4"});
  CHECK(caps::verification_string(shuffled).value() == caps::verification_string(info).value());
  CHECK(caps::compute_ver(shuffled, "sha-1") == "q07IKJEyjvHSyhy//CH0CxmKi8w=");

  // Two forms are sorted by FORM_TYPE; a form whose FORM_TYPE is not hidden is ignored (§5.4 3.6).
  const auto forms = info_from(
      "<identity category='client' type='pc'/><feature var='urn:b'/><feature var='urn:a'/>"
      "<x xmlns='jabber:x:data' type='result'>"
      "<field var='FORM_TYPE' type='hidden'><value>urn:z</value></field>"
      "<field var='b'><value>2</value></field><field var='a'><value>1</value></field></x>"
      "<x xmlns='jabber:x:data' type='result'>"
      "<field var='FORM_TYPE'><value>urn:visible</value></field>"
      "<field var='x'><value>ignored</value></field></x>"
      "<x xmlns='jabber:x:data' type='result'>"
      "<field var='FORM_TYPE' type='hidden'><value>urn:m</value></field>"
      "<field var='empty'/></x>");
  CHECK(caps::verification_string(forms) == "client/pc//<urn:a<urn:b<urn:m<empty<urn:z<a<1<b<2<");
}

TEST_CASE("XEP-0115: sorting is i;octet (byte-wise), not by locale or case") {
  // 'Z' (0x5A) < 'a' (0x61) < 0xC3 (the first byte of an accented letter).
  const auto info =
      info_from("<identity category='client' type='pc' name='\xC3\xA9'/>"
                "<identity category='client' type='pc' xml:lang='en' name='b'/>"
                "<identity category='client' type='bot'/>"
                "<feature var='urn:\xC3\xA9'/><feature var='urn:a'/><feature var='urn:Z'/>");
  CHECK(caps::verification_string(info) ==
        "client/bot//<client/pc//\xC3\xA9<client/pc/en/b<urn:Z<urn:a<urn:\xC3\xA9<");
}

TEST_CASE("XEP-0115: '&lt;' in a name stays those four characters (the §5.1 note)") {
  const auto info = info_from("<identity category='client' type='pc' name='A&amp;lt;B'/>");
  CHECK(caps::verification_string(info) == "client/pc//A&lt;B<");
}

TEST_CASE("XEP-0115 example 4: §6.2's abridged result does not match example 1's ver") {
  // The example drops the name and the caps feature that §5.2 hashed.
  const auto info = info_of("xep0115-ex4-info-result.xml");
  const auto c = caps_of("xep0115-ex1-presence.xml");
  CHECK(caps::verify(c, info) == caps::Verdict::mismatch);
  CHECK(caps::verify(caps_of("xep0115-ex2-presence-recomputed.xml"),
                     info_of("xep0115-sec1.2-exodus-info-result.xml")) == caps::Verdict::mismatch);
}

TEST_CASE("XEP-0115: other hash functions; unknown ones") {
  const auto info = info_of("xep0115-sec1.2-exodus-info-result.xml");
  // The lengths of the base64 digests tell the functions apart; the sha-256 value is the one
  // `printf %s S | openssl dgst -binary -sha256 | base64` gives for §5.2's S.
  CHECK(caps::compute_ver(info, "sha-224")->size() == 40);
  CHECK(caps::compute_ver(info, "sha-256") == "Wr6IGEKhx6b9627gBmi/cCmpxXBc/GYq5zWuYfWGWoc=");
  CHECK(caps::compute_ver(info, "SHA-256") == caps::compute_ver(info, "sha-256"));
  CHECK(caps::compute_ver(info, "sha-384")->size() == 64);
  CHECK(caps::compute_ver(info, "sha-512")->size() == 88);
  CHECK_FALSE(caps::compute_ver(info, "md5").has_value());
  CHECK_FALSE(caps::compute_ver(info, "sha256").has_value());
  CHECK_FALSE(caps::compute_ver(info, "").has_value());

  auto c = caps_of("xep0115-ex1-presence.xml");
  c.hash = "SHA-1";
  CHECK(caps::verify(c, info) == caps::Verdict::match);
  c.hash = "sha-256";
  CHECK(caps::verify(c, info) == caps::Verdict::mismatch);
  c.ver = *caps::compute_ver(info, "sha-256");
  CHECK(caps::verify(c, info) == caps::Verdict::match);
  c.hash = "x-unknown";
  CHECK(caps::verify(c, info) == caps::Verdict::unknown_hash);
}

TEST_CASE("XEP-0115 §5.4: ill-formed results are refused, not hashed") {
  const auto check_ill_formed = [](const std::string& children) {
    CAPTURE(children);
    const auto info = info_from(children);
    const auto s = caps::verification_string(info);
    REQUIRE_FALSE(s.has_value());
    CHECK(s.error().kind == ErrorKind::protocol);
    CHECK(s.error().code == "caps_ill_formed");
    CHECK_FALSE(caps::compute_ver(info, "sha-1").has_value());
    CHECK(caps::verify(caps::Caps{"sha-1", "n", "v"}, info) == caps::Verdict::ill_formed);
    // The hash is checked first (§5.4 step 2 before step 3).
    CHECK(caps::verify(caps::Caps{"x-unknown", "n", "v"}, info) == caps::Verdict::unknown_hash);
  };
  const std::string identity = "<identity category='client' type='pc' name='N'/>";
  const std::string form_start = "<x xmlns='jabber:x:data' type='result'>";
  // A duplicate feature.
  check_ill_formed(identity + "<feature var='urn:a'/><feature var='urn:b'/><feature var='urn:a'/>");
  // A duplicate identity (same category/type/lang/name).
  check_ill_formed(identity + identity + "<feature var='urn:a'/>");
  check_ill_formed("<identity category='client' type='pc' xml:lang='en'/>"
                   "<identity category='client' type='pc' xml:lang='en'/>");
  // Two forms with the same FORM_TYPE.
  check_ill_formed(identity + form_start +
                   "<field var='FORM_TYPE' type='hidden'><value>urn:f</value></field></x>" +
                   form_start +
                   "<field var='FORM_TYPE' type='hidden'><value>urn:f</value></field>"
                   "<field var='a'><value>1</value></field></x>");
  // A FORM_TYPE with two different values.
  check_ill_formed(identity + form_start +
                   "<field var='FORM_TYPE' type='hidden'><value>urn:f</value>"
                   "<value>urn:g</value></field></x>");

  // Not ill-formed: the same identity in another language or with another name, a FORM_TYPE
  // repeating the same value.
  const auto fine = info_from(
      identity +
      "<identity category='client' type='pc' name='N' xml:lang='de'/>"
      "<identity category='client' type='pc' name='M'/>" +
      form_start +
      "<field var='FORM_TYPE' type='hidden'><value>urn:f</value><value>urn:f</value></field></x>");
  CHECK(caps::verification_string(fine) == "client/pc//M<client/pc//N<client/pc/de/N<urn:f<");
}

TEST_CASE("XEP-0115: <c/> in presence and in stream features; legacy and broken <c/>") {
  const auto features = example("xep0115-ex5-stream-features.xml");
  CHECK(features.is("features", "http://etherx.jabber.org/streams"));
  CHECK(caps::parse(features) ==
        caps::Caps{"sha-1", "http://jabberd.org", "ItBTI0XLDFvVxZ72NQElAzKS9sU="});

  // §13: the legacy format has no 'hash'; its ver cannot be verified.
  const auto legacy = test::parse_stanza(
      "<presence from='romeo@montague.lit/orchard'><c xmlns='http://jabber.org/protocol/caps' "
      "node='http://psi-im.org/caps' ver='0.11' ext='cs ep-notify'/></presence>");
  CHECK_FALSE(caps::parse(legacy).has_value());

  for (const char* c : {"<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' ver='v'/>",
                        "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n'/>",
                        "<c xmlns='urn:other' hash='sha-1' node='n' ver='v'/>"}) {
    CAPTURE(c);
    CHECK_FALSE(
        caps::parse(test::parse_stanza(std::string("<presence>") + c + "</presence>")).has_value());
  }
  CHECK_FALSE(caps::parse(test::parse_stanza("<presence/>")).has_value());
}

TEST_CASE("XEP-0115: verdicts have their JSON spelling") {
  CHECK(caps::to_string(caps::Verdict::match) == "match");
  CHECK(caps::to_string(caps::Verdict::mismatch) == "mismatch");
  CHECK(caps::to_string(caps::Verdict::unknown_hash) == "unknown-hash");
  CHECK(caps::to_string(caps::Verdict::ill_formed) == "ill-formed");
}

TEST_CASE("XEP-0115: caps_for hashes our own disco#info with sha-1 (§5.2, §5.3 examples)") {
  const auto exodus = caps::caps_for(info_of("xep0115-sec1.2-exodus-info-result.xml"),
                                     "http://code.google.com/p/exodus");
  // Example 1's <c/>.
  CHECK(exodus == caps_of("xep0115-ex1-presence.xml"));

  const auto psi =
      caps::caps_for(info_of("xep0115-sec5.3-psi-info-result.xml"), "http://psi-im.org");
  REQUIRE(psi);
  CHECK(psi->hash == "sha-1");
  CHECK(psi->node == "http://psi-im.org");
  CHECK(psi->ver == "q07IKJEyjvHSyhy//CH0CxmKi8w=");

  // §5.4: an info nobody could verify gets no caps.
  const auto twice = info_from("<identity category='client' type='pc'/>"
                               "<feature var='urn:a'/><feature var='urn:a'/>");
  CHECK_FALSE(caps::caps_for(twice, "http://example.org").has_value());
}

TEST_CASE("XEP-0115: make_element writes §4's <c/>; parse reads it back") {
  const caps::Caps c{"sha-1", "http://code.google.com/p/exodus", "QgayPKawpkPSDYmwT/WM94uAlu0="};
  const auto e = caps::make_element(c);
  CHECK(e.is("c", caps::k_ns));
  CHECK(e.attr("hash") == "sha-1");
  CHECK(e.attr("node") == "http://code.google.com/p/exodus");
  CHECK(e.attr("ver") == "QgayPKawpkPSDYmwT/WM94uAlu0=");
  CHECK(e.nodes().empty());
  // The same element as example 1's.
  CHECK(e == *example("xep0115-ex1-presence.xml").child("c", caps::k_ns));
}

TEST_CASE("XEP-0115: make_presence is available presence with <c/>, and <priority/> when given") {
  const caps::Caps c{"sha-1", "http://example.org/xmpp", "abc="};
  const auto plain = caps::make_presence(c);
  CHECK(plain.is("presence", "jabber:client"));
  CHECK_FALSE(plain.attr("type"));
  CHECK_FALSE(plain.attr("to"));
  REQUIRE(plain.elements().size() == 1);
  CHECK(*plain.elements()[0] == caps::make_element(c));
  CHECK(caps::parse(plain) == c);

  const auto negative = caps::make_presence(c, -1);
  CHECK_FALSE(negative.attr("type"));
  REQUIRE(negative.elements().size() == 2);
  CHECK(negative.child_text("priority", "jabber:client") == "-1");
  CHECK(caps::parse(negative) == c);
  CHECK(caps::make_presence(c, 127).child_text("priority", "jabber:client") == "127");
}
