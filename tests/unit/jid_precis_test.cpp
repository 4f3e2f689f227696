// PRECIS building blocks behind the JID parts: derived properties (RFC 8264 §8), the two RFC 8265
// profiles, the contextual rules of RFC 5892 Appendix A and the Bidi Rule of RFC 5893.
#include <doctest/doctest.h>

#include "jid/domain.hpp"
#include "jid/precis.hpp"
#include "jid/unicode.hpp"

using namespace xmpp::jid;

TEST_CASE("derived properties follow RFC 8264 §8 in order") {
  struct Row {
    char32_t cp;
    DerivedProperty expected;
  };
  const Row rows[] = {
      {U'a', DerivedProperty::pvalid},         // K ASCII7
      {U'~', DerivedProperty::pvalid},         // K ASCII7 (punctuation, but ASCII)
      {U' ', DerivedProperty::free_pval},      // N Spaces
      {0x00E9, DerivedProperty::pvalid},       // A Ll
      {0x00C9, DerivedProperty::pvalid},       // A Lu
      {0x05D0, DerivedProperty::pvalid},       // A Lo
      {0x0301, DerivedProperty::pvalid},       // A Mn
      {0x00DF, DerivedProperty::pvalid},       // F exception
      {0x03C2, DerivedProperty::pvalid},       // F exception
      {0x0640, DerivedProperty::disallowed},   // F exception (ARABIC TATWEEL)
      {0x00B7, DerivedProperty::context_o},    // F exception
      {0x0663, DerivedProperty::context_o},    // F exception (Arabic-Indic digit)
      {0x200C, DerivedProperty::context_j},    // H JoinControl (before Ignorable)
      {0x1100, DerivedProperty::disallowed},   // I OldHangulJamo
      {0xAC00, DerivedProperty::pvalid},       // A Hangul syllable
      {0x00AD, DerivedProperty::disallowed},   // M Default_Ignorable_Code_Point
      {0xFFFF, DerivedProperty::disallowed},   // M Noncharacter_Code_Point
      {0x0000, DerivedProperty::disallowed},   // L Controls
      {0x0085, DerivedProperty::disallowed},   // L Controls
      {0x00A0, DerivedProperty::free_pval},    // Q HasCompat
      {0x212A, DerivedProperty::free_pval},    // Q HasCompat (KELVIN SIGN -> K)
      {0xFF21, DerivedProperty::free_pval},    // Q HasCompat (fullwidth)
      {0x2163, DerivedProperty::free_pval},    // Q HasCompat (ROMAN NUMERAL FOUR)
      {0x265A, DerivedProperty::free_pval},    // O Symbols
      {0x00BF, DerivedProperty::free_pval},    // P Punctuation
      {0x16EE, DerivedProperty::free_pval},    // R Nl (RUNIC ARLAUG SYMBOL)
      {0x2028, DerivedProperty::disallowed},   // Zl: none of the above
      {0xE000, DerivedProperty::disallowed},   // Co private use
      {0x0600, DerivedProperty::disallowed},   // Cf, not ignorable
      {0x0378, DerivedProperty::unassigned},   // J Unassigned
      {0x10FFFD, DerivedProperty::disallowed}, // Co (plane 16 private use)
  };
  for (const auto& row : rows) {
    CAPTURE(static_cast<unsigned>(row.cp));
    CHECK(derived_property(row.cp) == row.expected);
  }
  CHECK(allowed_in(StringClass::freeform, U' '));
  CHECK_FALSE(allowed_in(StringClass::identifier, U' '));
  CHECK(allowed_in(StringClass::identifier, 0x200D));
}

TEST_CASE("UsernameCaseMapped (RFC 8265 §3.3)") {
  CHECK(enforce_username_case_mapped("Juliet") == "juliet");
  CHECK(enforce_username_case_mapped("\uFF2A\uFF35\uFF2C") == "jul");
  CHECK(enforce_username_case_mapped("\u0130") == "i\u0307"); // toLowerCase full mapping
  CHECK(enforce_username_case_mapped("A\u030A") == "\u00E5"); // lowercase, then NFC
  CHECK(enforce_username_case_mapped("\u212B").error() ==
        "contains disallowed character U+212B"); // ANGSTROM SIGN: compatibility-equivalent
  CHECK(enforce_username_case_mapped("a b").error() == "contains disallowed character U+0020");
  CHECK(enforce_username_case_mapped("\xF0\x28\x8C\x28").error() == "is not valid UTF-8");
  // Enforcing the output again changes nothing (idempotence, RFC 8264 §7).
  const auto greek =
      enforce_username_case_mapped("\u039F\u0394\u03A5\u03A3\u03A3\u0395\u03A5\u03A3");
  REQUIRE(greek);
  CHECK(enforce_username_case_mapped(*greek) == *greek);
}

TEST_CASE("OpaqueString (RFC 8265 §4.2)") {
  CHECK(enforce_opaque_string("correct horse battery staple") == "correct horse battery staple");
  CHECK(enforce_opaque_string("Correct Horse Battery Staple") == "Correct Horse Battery Staple");
  CHECK(enforce_opaque_string("\u03C0\u00DF\u00E5") == "\u03C0\u00DF\u00E5");
  CHECK(enforce_opaque_string("Jack of \u2666s") == "Jack of \u2666s");
  CHECK(enforce_opaque_string("foo\u1680bar") == "foo bar"); // OGHAM SPACE MARK is Zs
  CHECK(enforce_opaque_string("\u2163") == "\u2163");        // no compatibility mapping here
  CHECK(enforce_opaque_string("my cat is a \u0009by").error() ==
        "contains disallowed character U+0009");
  CHECK(enforce_opaque_string("\u200B").error() == "contains disallowed character U+200B");
}

TEST_CASE("contextual rules of RFC 5892 Appendix A") {
  // A.1: ZWNJ after a virama (Devanagari KA + VIRAMA + ZWNJ + SSA) or between joining letters.
  CHECK_FALSE(check_contextual_rules(U"\u0915\u094D\u200C\u0937"));
  CHECK_FALSE(check_contextual_rules(U"\u0628\u200C\u0628"));
  CHECK(check_contextual_rules(U"a\u200Cb"));
  CHECK(check_contextual_rules(U"\u200C"));
  // A.2: ZWJ only after a virama.
  CHECK_FALSE(check_contextual_rules(U"\u0915\u094D\u200D"));
  CHECK(check_contextual_rules(U"\u0628\u200D\u0628"));
  // A.4 keraia before Greek, A.5 geresh after Hebrew, A.7 katakana middle dot with kana.
  CHECK_FALSE(check_contextual_rules(U"\u0375\u03B1"));
  CHECK(check_contextual_rules(U"\u0375a"));
  CHECK_FALSE(check_contextual_rules(U"\u05D0\u05F3"));
  CHECK(check_contextual_rules(U"a\u05F3"));
  CHECK_FALSE(check_contextual_rules(U"\u30A2\u30FB\u30A4"));
  CHECK(check_contextual_rules(U"a\u30FBb"));
  // A.8/A.9: the two kinds of Arabic digits never mix.
  CHECK_FALSE(check_contextual_rules(U"\u0628\u0661\u0662"));
  CHECK(check_contextual_rules(U"\u0661\u06F2"));
}

TEST_CASE("Bidi Rule (RFC 5893 §2)") {
  CHECK(has_rtl(U"a\u05D0"));
  CHECK(has_rtl(U"\u0661")); // AN counts
  CHECK_FALSE(has_rtl(U"abc1"));
  CHECK_FALSE(check_bidi_rule(U"\u05D0\u05D1"));
  CHECK_FALSE(check_bidi_rule(U"\u05D0\u05D1\u0031")); // ends with EN
  CHECK_FALSE(check_bidi_rule(U"\u0628\u0661"));       // ends with AN
  CHECK_FALSE(check_bidi_rule(U"\u05D0\u05B0"));       // trailing NSM skipped
  CHECK_FALSE(check_bidi_rule(U"abc1"));
  CHECK(check_bidi_rule(U"1abc"));               // condition 1
  CHECK(check_bidi_rule(U"\u05D0a"));            // condition 2
  CHECK(check_bidi_rule(U"\u05D0-"));            // condition 3
  CHECK(check_bidi_rule(U"\u0628\u0031\u0661")); // condition 4
  CHECK(check_bidi_rule(U"a\u05D0"));            // condition 5
  CHECK(check_bidi_rule(U"a-"));                 // condition 6
}

TEST_CASE("unicode helpers") {
  CHECK(decode_utf8("\xE2\x82\xAC") == std::u32string(U"\u20AC"));
  CHECK_FALSE(decode_utf8("\xC0\x80"));     // overlong NUL
  CHECK_FALSE(decode_utf8("\xED\xB0\x80")); // surrogate
  CHECK_FALSE(decode_utf8("\xE2\x82"));     // truncated
  CHECK(encode_utf8(U"a\u00E9\u20AC\U0001F600") == "a\u00E9\u20AC\U0001F600");
  CHECK(map_width(U"\uFF21\uFF61\uFFE0") == U"A\u3002\u00A2");
  CHECK(to_lower(U"\u0130A\u03A3") == U"i\u0307a\u03C3");
  CHECK(to_nfc(U"e\u0301\u212B") == U"\u00E9\u00C5");
  CHECK(describe(U'@') == "'@'");
  CHECK(describe(U' ') == "U+0020");
  CHECK(describe(0x1F600) == "U+1F600");
}

TEST_CASE("domainpart preparation on its own") {
  auto bucher = prepare_domainpart("B\u00FCcher.Example.");
  REQUIRE(bucher);
  CHECK(bucher->unicode == "b\u00FCcher.example");
  CHECK(bucher->ascii == "xn--bcher-kva.example");
  CHECK(prepare_domainpart("").error() == "is empty");
  CHECK(is_ip_literal("[::1]"));
  CHECK(is_ip_literal("10.0.0.1"));
  CHECK_FALSE(is_ip_literal("10.0.0"));
  CHECK_FALSE(is_ip_literal("010.0.0.1"));
  CHECK_FALSE(is_ip_literal("[::1]x"));
}
