// JID parsing per RFC 7622: the RFC's own tables (§3.5 valid, §3.6 invalid), lengths, case,
// width and IDN handling, and the parse(str()) round trip.
#include <doctest/doctest.h>

#include <set>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <vector>

#include "jid/jid.hpp"

using namespace xmpp;

namespace {

struct Valid {
  const char* input;
  const char* local;
  const char* domain;
  const char* resource;
};

struct Invalid {
  std::string input;
  const char* message;
};

// The error message parse() gives, or "" if it accepted the input.
std::string parse_error(std::string_view text) {
  auto jid = Jid::parse(text);
  if (jid) return "";
  CHECK(jid.error().kind == ErrorKind::usage);
  CHECK(jid.error().code == "bad_jid");
  return jid.error().message;
}

Jid must_parse(std::string_view text) {
  auto jid = Jid::parse(text);
  REQUIRE_MESSAGE(jid.has_value(), (std::string(text) + ": " + jid.error().message));
  return *jid;
}

} // namespace

TEST_CASE("RFC 7622 §3.5 table 1: valid JIDs and their parts") {
  // Expected parts after preparation (RFC 8265 UsernameCaseMapped for localparts: toLowerCase,
  // so 'Σ' becomes 'σ' but 'ς' and 'ß' stay what they are).
  const Valid table[] = {
      {"juliet@example.com", "juliet", "example.com", ""},
      {"juliet@example.com/foo", "juliet", "example.com", "foo"},
      {"juliet@example.com/foo bar", "juliet", "example.com", "foo bar"},
      {"juliet@example.com/foo@bar", "juliet", "example.com", "foo@bar"},
      {"foo\\20bar@example.com", "foo\\20bar", "example.com", ""},
      {"fussball@example.com", "fussball", "example.com", ""},
      {"fu\u00DFball@example.com", "fu\u00DFball", "example.com", ""},
      {"\u03C0@example.com", "\u03C0", "example.com", ""},
      {"\u03A3@example.com/foo", "\u03C3", "example.com", "foo"},
      {"\u03C3@example.com/foo", "\u03C3", "example.com", "foo"},
      {"\u03C2@example.com/foo", "\u03C2", "example.com", "foo"},
      {"king@example.com/\u265A", "king", "example.com", "\u265A"},
      {"example.com", "", "example.com", ""},
      {"example.com/foobar", "", "example.com", "foobar"},
      {"a.example.com/b@example.net", "", "a.example.com", "b@example.net"},
      // Table 2 lists a leading space in the resourcepart as invalid, but OpaqueString allows
      // U+0020 anywhere (RFC 7622 erratum 4560): valid.
      {"juliet@example.com/ foo", "juliet", "example.com", " foo"},
      // Prosody's util.jid spec: everything after the first '/' is the resource.
      {"server/resource@foo", "", "server", "resource@foo"},
      {"server/resource@foo/bar", "", "server", "resource@foo/bar"},
  };
  for (const auto& row : table) {
    CAPTURE(row.input);
    const Jid jid = must_parse(row.input);
    CHECK(jid.local() == row.local);
    CHECK(jid.domain() == row.domain);
    CHECK(jid.resource() == row.resource);
    CHECK(jid.ascii_domain() == row.domain);
  }
}

TEST_CASE("RFC 7622 §3.5: 'fussball' and 'fußball', 'σ' and 'ς' are different localparts") {
  CHECK(must_parse("fussball@example.com") != must_parse("fu\u00DFball@example.com"));
  CHECK(must_parse("\u03A3@example.com/foo") == must_parse("\u03C3@example.com/foo"));
  CHECK(must_parse("\u03C3@example.com") != must_parse("\u03C2@example.com"));
}

TEST_CASE("RFC 7622 §3.6 table 2 and other invalid JIDs name the part and the reason") {
  const Invalid table[] = {
      {"\"juliet\"@example.com", "localpart contains forbidden character '\"'"},
      {"foo bar@example.com", "localpart contains disallowed character U+0020"},
      {"@example.com/", "localpart is empty"},
      {"henry\u2163@example.com", "localpart contains disallowed character U+2163"},
      {"\u265A@example.com", "localpart contains disallowed character U+265A"},
      {"juliet@", "domainpart is empty"},
      {"/foobar", "domainpart is empty"},
      {std::string("juliet\x01@example.com"), "localpart contains disallowed character U+0001"},
      // Prosody's util.jid spec.
      {"node@/server", "domainpart is empty"},
      {"@server", "localpart is empty"},
      {"@server/resource", "localpart is empty"},
      {"@/resource", "localpart is empty"},
      {"@/", "localpart is empty"},
      {"/", "domainpart is empty"},
      {"@", "localpart is empty"},
      {"user@", "domainpart is empty"},
      {"user@@", "domainpart contains forbidden character '@'"},
      {"user@@host", "domainpart contains forbidden character '@'"},
      {"user@@host/resource", "domainpart contains forbidden character '@'"},
      {"user@@host/", "domainpart contains forbidden character '@'"},
      {"", "domainpart is empty"},
      {"user@host/", "resourcepart is empty"},
  };
  for (const auto& row : table) {
    CAPTURE(row.input);
    CHECK(parse_error(row.input) == row.message);
  }
}

TEST_CASE("RFC 7622 §3.3.1: the eight characters no localpart may contain") {
  for (char c : std::string("\"&'/:<>@")) {
    CAPTURE(c);
    // '/' and '@' are separators in a JID string, so build the localpart directly.
    auto jid = Jid::from_parts(std::string("a") + c + "b", "example.com");
    REQUIRE_FALSE(jid);
    CHECK(jid.error().message == std::string("localpart contains forbidden character '") + c + "'");
  }
  // Width mapping turns U+FF20 FULLWIDTH COMMERCIAL AT into '@', which is then forbidden.
  CHECK(parse_error("foo\uFF20bar@example.com") == "localpart contains forbidden character '@'");
}

TEST_CASE("each part may have 1023 bytes after preparation, not 1024") {
  const std::string max(1023, 'a');
  const std::string over(1024, 'a');
  CHECK(must_parse(max + "@example.com").local().size() == 1023);
  CHECK(parse_error(over + "@example.com") == "localpart longer than 1023 bytes");
  CHECK(must_parse("example.com/" + max).resource().size() == 1023);
  CHECK(parse_error("example.com/" + over) == "resourcepart longer than 1023 bytes");

  // 16 labels of 63 octets joined by dots: exactly 1023 octets.
  const std::string label(63, 'x');
  std::string domain = label;
  for (int i = 1; i < 16; ++i)
    domain += "." + label;
  REQUIRE(domain.size() == 1023);
  CHECK(must_parse("a@" + domain).domain() == domain);
  // One label of 62 octets, one of 1 and 15 of 63, with 16 dots: 1024 octets.
  std::string longer = std::string(62, 'y') + ".z";
  for (int i = 0; i < 15; ++i)
    longer += "." + label;
  REQUIRE(longer.size() == 1024);
  CHECK(parse_error("a@" + longer) == "domainpart longer than 1023 bytes");
  // A trailing dot is stripped before the length is counted.
  CHECK(must_parse("a@" + domain + ".").domain() == domain);

  // Multi-byte characters count in bytes: 511 × 'é' (2 bytes) + 'a' = 1023 bytes.
  std::string accented;
  for (int i = 0; i < 511; ++i)
    accented += "\u00E9";
  CHECK(must_parse(accented + "a@example.com").local().size() == 1023);
  CHECK(parse_error(accented + "\u00E9@example.com") == "localpart longer than 1023 bytes");

  // The limit applies after preparation: 1023 fullwidth letters (3069 bytes) map to 1023 bytes.
  std::string wide;
  for (int i = 0; i < 1023; ++i)
    wide += "\uFF41";
  CHECK(must_parse(wide + "@example.com").local() == max);
  CHECK(parse_error(wide + "\uFF41@example.com") == "localpart longer than 1023 bytes");
}

TEST_CASE("DNS labels: at most 63 octets, LDH only, hyphen rules") {
  CHECK(must_parse(std::string(63, 'a') + ".example").domain().size() == 63 + 8);
  CHECK(parse_error(std::string(64, 'a') + ".example") ==
        "domainpart has a label longer than 63 bytes");
  CHECK(parse_error("user@exa_mple.com") == "domainpart contains forbidden character '_'");
  CHECK(parse_error("user@example.com:5222") == "domainpart contains forbidden character ':'");
  CHECK(parse_error("user@exa mple.com") == "domainpart contains forbidden character U+0020");
  CHECK(parse_error("user@-example.com") ==
        "domainpart has a label that starts or ends with a hyphen ('-example')");
  CHECK(parse_error("user@example-.com") ==
        "domainpart has a label that starts or ends with a hyphen ('example-')");
  CHECK(parse_error("user@ab--cd.example") ==
        "domainpart has a reserved label with hyphens in the third and fourth positions "
        "('ab--cd')");
  CHECK(parse_error("user@a..example") == "domainpart contains an empty label");
  CHECK(parse_error("user@.example") == "domainpart contains an empty label");
  CHECK(parse_error("user@example..") == "domainpart contains an empty label");
  CHECK(parse_error("user@.") == "domainpart is empty");
  CHECK(must_parse("user@a-b.c0m").domain() == "a-b.c0m");
}

TEST_CASE("localpart and domainpart are case-folded, the resourcepart keeps its case") {
  const Jid jid = must_parse("JuLiEt@Example.COM/Balcony");
  CHECK(jid.local() == "juliet");
  CHECK(jid.domain() == "example.com");
  CHECK(jid.resource() == "Balcony");
  CHECK(jid == must_parse("juliet@example.com/Balcony"));
  CHECK(jid != must_parse("juliet@example.com/balcony"));
  CHECK(must_parse("\u00C9LO\u00CFSE@example.com").local() == "\u00E9lo\u00EFse");
  CHECK(must_parse("\u0391\u0392\u0393@example.com").local() == "\u03B1\u03B2\u03B3");
  // Each code point on its own: no Final_Sigma context, so "ΣΑΣ" equals "σασ".
  CHECK(must_parse("\u03A3\u0391\u03A3@x.example").local() == "\u03C3\u03B1\u03C3");
}

TEST_CASE("full-width and half-width characters") {
  // UsernameCaseMapped maps them to their narrow forms (RFC 8265 §3.3.2) and then lowercases.
  CHECK(must_parse("\uFF2A\uFF35\uFF2C\uFF29\uFF25\uFF34@example.com").local() == "juliet");
  // Half-width katakana: U+FF76 HALFWIDTH KATAKANA LETTER KA maps to U+30AB.
  CHECK(must_parse("\uFF76@example.com").local() == "\u30AB");
  // The domainpart gets the same mapping, full stops included.
  const Jid wide =
      must_parse("a@\uFF25\uFF38\uFF21\uFF2D\uFF30\uFF2C\uFF25\uFF0E\uFF43\uFF4F\uFF4D");
  CHECK(wide.domain() == "example.com");
  CHECK(must_parse("a@example\u3002com").domain() == "example.com");
  CHECK(must_parse("a@example\uFF61com\uFF0E").domain() == "example.com");
  // OpaqueString does no width mapping: a full-width resource stays full-width.
  CHECK(must_parse("a@example.com/\uFF21\uFF22").resource() == "\uFF21\uFF22");
}

TEST_CASE("IDN domains: U-label in domain(), A-label in ascii_domain()") {
  const Jid jid = must_parse("user@B\u00FCcher.example");
  CHECK(jid.domain() == "b\u00FCcher.example");
  CHECK(jid.ascii_domain() == "xn--bcher-kva.example");
  // A-labels are converted to U-labels (RFC 7622 §3.2.1), in any case.
  CHECK(must_parse("user@xn--bcher-kva.example") == jid);
  CHECK(must_parse("user@XN--BCHER-KVA.EXAMPLE") == jid);
  CHECK(must_parse("user@xn--bcher-kva.example").domain() == "b\u00FCcher.example");
  // Decomposed input is normalised to NFC first: u + U+0308 COMBINING DIAERESIS.
  CHECK(must_parse("user@Bu\u0308cher.example") == jid);
  CHECK(must_parse("\u4F8B\u5B50.\u6D4B\u8BD5").ascii_domain() == "xn--fsqu00a.xn--0zwm56d");
  // IDNA2008 keeps 'ß' (IDNA2003 mapped it to "ss").
  CHECK(must_parse("fa\u00DF.de").ascii_domain() == "xn--fa-hia.de");
  CHECK(must_parse("FA\u1E9E.de").domain() == "fa\u00DF.de");
  CHECK(must_parse("\u4F8B\u5B50\u3002\u6D4B\u8BD5").domain() == "\u4F8B\u5B50.\u6D4B\u8BD5");
}

TEST_CASE("invalid IDN domains are refused") {
  CHECK(parse_error("a@xn--zz.example").starts_with("domainpart has an invalid A-label 'xn--zz'"));
  // Decodes to "a⒈", whose U+2488 IDNA2008 disallows: libidn2's decoder alone would accept it.
  CHECK(parse_error("a@xn--a-ecp.ru").starts_with("domainpart has an invalid A-label"));
  // Found by the fuzzer: "xn--bce" decodes to U+13EB CHEROKEE LETTER TLI, which lowercases to
  // U+AB7B, which IDNA2008 disallows; accepting it would break parse(str()).
  CHECK(parse_error("user@XN--BCe.") ==
        "domainpart has an invalid A-label 'xn--bce' (its U-label is not in lowercase NFC)");
  CHECK(parse_error("user@\u13EB").starts_with("domainpart has a label that is not valid"));
  // Punycode of ASCII alone would end in '-', which no label may.
  CHECK(parse_error("a@xn--abc-.example") ==
        "domainpart has a label that starts or ends with a hyphen ('xn--abc-')");
  CHECK(parse_error("a@\u2488.example").starts_with("domainpart has a label that is not valid"));
  CHECK(parse_error("a@\u2665.example").starts_with("domainpart has a label that is not valid"));
  // An over-long U-label: 60 × 'ü' is 120 bytes, its A-label longer still.
  std::string long_label;
  for (int i = 0; i < 60; ++i)
    long_label += "\u00FC";
  CHECK(parse_error("a@" + long_label + ".example") ==
        "domainpart has a label longer than 63 bytes as an A-label");
  CHECK(parse_error("a@\xC3.example") == "domainpart is not valid UTF-8");
}

TEST_CASE("Bidi domain names: every label satisfies the Bidi Rule (RFC 5893 §2)") {
  CHECK(must_parse("a@\u05D0\u05D1.example").ascii_domain() == "xn--4dbc.example");
  // An ASCII label starting with a digit is fine alone, not next to a right-to-left label.
  CHECK(must_parse("a@1a.example").domain() == "1a.example");
  CHECK(parse_error("a@1a.\u05D0\u05D1")
            .starts_with("domainpart is a Bidi domain name whose label 1 violates the Bidi Rule"));
  // The same when the right-to-left label comes in as an A-label.
  CHECK(parse_error("a@1a.xn--4dbc").starts_with("domainpart is a Bidi domain name"));
}

TEST_CASE("IP literals are taken as they are") {
  const Jid v6 = must_parse("user@[::1]/res");
  CHECK(v6.domain() == "[::1]");
  CHECK(v6.ascii_domain() == "[::1]");
  CHECK(v6.has_ip_domain());
  CHECK(v6.resource() == "res");
  CHECK(must_parse("[2001:db8::FF]").domain() == "[2001:db8::FF]");
  const Jid v4 = must_parse("user@127.0.0.1");
  CHECK(v4.domain() == "127.0.0.1");
  CHECK(v4.has_ip_domain());
  CHECK(must_parse("127.0.0.1.").domain() == "127.0.0.1");
  CHECK_FALSE(must_parse("example.com").has_ip_domain());
  CHECK(parse_error("user@[::1") == "domainpart is not a valid IPv6 address literal");
  CHECK(parse_error("user@[127.0.0.1]") == "domainpart is not a valid IPv6 address literal");
  CHECK(parse_error("user@[fe80::1%eth0]") == "domainpart is not a valid IPv6 address literal");
  CHECK(parse_error(std::string("user@127.0.0.1\0x", 16)) ==
        "domainpart contains forbidden character U+0000");
}

TEST_CASE("resourcepart: OpaqueString") {
  // Non-ASCII spaces become U+0020 (RFC 8265 §4.2.1), the text is NFC, nothing else changes.
  CHECK(must_parse("a@example.com/foo\u00A0bar").resource() == "foo bar");
  CHECK(must_parse("a@example.com/foo\u3000bar").resource() == "foo bar");
  CHECK(must_parse("a@example.com/e\u0301").resource() == "\u00E9");
  CHECK(must_parse("a@example.com/\u2163 <&> \u265A").resource() == "\u2163 <&> \u265A");
  CHECK(parse_error("a@example.com/foo\nbar") ==
        "resourcepart contains disallowed character U+000A");
  CHECK(parse_error("a@example.com/foo\tbar") ==
        "resourcepart contains disallowed character U+0009");
  CHECK(parse_error("a@example.com/\u00AD") == "resourcepart contains disallowed character U+00AD");
  CHECK(parse_error("a@example.com/\u0378") ==
        "resourcepart contains unassigned code point U+0378");
  CHECK(parse_error("a@example.com/\xFF") == "resourcepart is not valid UTF-8");
  CHECK(parse_error("a@example.com/\xED\xA0\x80") == "resourcepart is not valid UTF-8");
}

TEST_CASE("localpart: IdentifierClass, contextual rules and the Bidi Rule") {
  CHECK(parse_error("\xC0\xAF@example.com") == "localpart is not valid UTF-8");
  CHECK(parse_error(std::string("a\0b@example.com", 15)) ==
        "localpart contains disallowed character U+0000");
  // U+212A KELVIN SIGN has a compatibility mapping: disallowed in IdentifierClass even though it
  // would lowercase to 'k'.
  CHECK(parse_error("\u212A@example.com") == "localpart contains disallowed character U+212A");
  CHECK(must_parse("e\u0301@example.com").local() == "\u00E9");
  CHECK(must_parse("col\u00B7lecci\u00F3@example.com").local() == "col\u00B7lecci\u00F3");
  CHECK(parse_error("a\u00B7b@example.com") ==
        "localpart contains U+00B7 where its contextual rule (RFC 5892 A.3) does not hold");
  CHECK(parse_error("a\u200Db@example.com") ==
        "localpart contains U+200D where its contextual rule (RFC 5892 A.2) does not hold");
  CHECK(must_parse("\u05D0\u05D1@example.com").local() == "\u05D0\u05D1");
  CHECK(must_parse("\u05D0\u05D11@example.com").local() == "\u05D0\u05D11");
  CHECK(parse_error("a\u05D0@example.com").starts_with("localpart violates the Bidi Rule"));
  CHECK(parse_error("1\u05D0@example.com").starts_with("localpart violates the Bidi Rule"));
}

TEST_CASE("parse(str()) gives the same JID, also through the A-label form") {
  const std::vector<std::string> inputs = {
      "juliet@example.com",
      "juliet@example.com/foo bar",
      "JULIET@EXAMPLE.COM/Balcony",
      "foo\\20bar@example.com",
      "\u03A3\u0391\u03A3@example.com/\u265A",
      "fu\u00DFball@B\u00FCcher.example/x/y@z",
      "\uFF2A\uFF35\uFF2C\uFF29\uFF25\uFF34@\uFF25\uFF38\uFF21\uFF2D\uFF30\uFF2C\uFF25\uFF0E\uFF43",
      "user@XN--BCHER-KVA.example.",
      "e\u0301@example.com/e\u0301\u00A0",
      "\u05D0\u05D1@\u05D0\u05D1.example/\u05D2",
      "col\u00B7lecci\u00F3@example.com",
      "user@[::1]/r",
      "127.0.0.1",
      "example.com/ leading and trailing space ",
      "a@example\u3002com",
  };
  for (const auto& input : inputs) {
    CAPTURE(input);
    const Jid jid = must_parse(input);
    const Jid again = must_parse(jid.str());
    CHECK(again == jid);
    CHECK(again.str() == jid.str());
    std::string ascii_form = jid.has_local() ? jid.local() + "@" : "";
    ascii_form += jid.ascii_domain();
    if (!jid.is_bare()) ascii_form += "/" + jid.resource();
    CHECK(must_parse(ascii_form) == jid);
    CHECK(must_parse(jid.bare_str()) == jid.bare());
  }
}

TEST_CASE("bare(), domain_jid() and with_resource()") {
  const Jid full = must_parse("Juliet@Example.com/Balcony");
  CHECK(full.str() == "juliet@example.com/Balcony");
  CHECK(full.bare_str() == "juliet@example.com");
  CHECK_FALSE(full.is_bare());
  CHECK(full.has_local());

  const Jid bare = full.bare();
  CHECK(bare.is_bare());
  CHECK(bare.str() == "juliet@example.com");
  CHECK(bare == must_parse("juliet@example.com"));

  CHECK(full.domain_jid().str() == "example.com");
  CHECK_FALSE(full.domain_jid().has_local());
  CHECK(must_parse("user@B\u00FCcher.example/r").domain_jid().ascii_domain() ==
        "xn--bcher-kva.example");

  CHECK(bare.with_resource("Orchard").str() == "juliet@example.com/Orchard");
  CHECK(full.with_resource("e\u0301").resource() == "\u00E9"); // prepared
  CHECK(full.with_resource("") == bare);
  CHECK_THROWS_AS(full.with_resource("bad\nresource"), std::invalid_argument);

  auto checked = bare.try_with_resource("a/b@c");
  REQUIRE(checked);
  CHECK(checked->str() == "juliet@example.com/a/b@c");
  CHECK(must_parse(checked->str()) == *checked);
  auto empty = bare.try_with_resource("");
  REQUIRE_FALSE(empty);
  CHECK(empty.error().message == "resourcepart is empty");
  CHECK(empty.error().code == "bad_jid");
}

TEST_CASE("from_parts prepares each part and never splits") {
  auto jid = Jid::from_parts("Romeo", "Example.NET", "a/b@c");
  REQUIRE(jid);
  CHECK(jid->str() == "romeo@example.net/a/b@c");
  CHECK(must_parse(jid->str()) == *jid);
  CHECK(Jid::from_parts("", "example.net")->str() == "example.net");
  auto no_domain = Jid::from_parts("a", "");
  REQUIRE_FALSE(no_domain);
  CHECK(no_domain.error().message == "domainpart is empty");
  auto at_in_local = Jid::from_parts("a@b", "example.net");
  REQUIRE_FALSE(at_in_local);
  CHECK(at_in_local.error().message == "localpart contains forbidden character '@'");
  auto slash_in_domain = Jid::from_parts("a", "example.net/r");
  REQUIRE_FALSE(slash_in_domain);
  CHECK(slash_in_domain.error().message == "domainpart contains forbidden character '/'");
}

TEST_CASE("comparisons, ordering and hashing") {
  const Jid a = must_parse("a@example.com");
  const Jid a_res = must_parse("a@example.com/r");
  const Jid b = must_parse("b@example.com");
  CHECK(a == must_parse("A@EXAMPLE.COM"));
  CHECK(a != a_res);
  CHECK(a < b);
  CHECK(a < a_res);
  CHECK(is_same_bare(a, a_res));
  CHECK_FALSE(is_same_bare(a, b));
  CHECK_FALSE(is_same_bare(a, must_parse("example.com")));

  const std::set<Jid> ordered = {b, a_res, a, must_parse("a@EXAMPLE.com")};
  CHECK(ordered.size() == 3);
  CHECK(*ordered.begin() == a);

  std::unordered_set<Jid> hashed = {a, a_res, b};
  CHECK(hashed.count(must_parse("A@Example.Com")) == 1);
  CHECK(hashed.count(must_parse("A@Example.Com/r")) == 1);
  CHECK(hashed.count(must_parse("A@Example.Com/R")) == 0);
  CHECK(std::hash<Jid>{}(a) == std::hash<Jid>{}(must_parse("a@example.com.")));
}

TEST_CASE("a default-constructed Jid is empty") {
  const Jid none;
  CHECK(none.empty());
  CHECK(none.str().empty());
  CHECK_FALSE(must_parse("example.com").empty());
  CHECK_FALSE(Jid::parse(none.str()));
}
