#include "jid/precis.hpp"

#include <unictype.h>

#include <cstdint>
#include <cstring>

#include "jid/unicode.hpp"

namespace xmpp::jid {
namespace {

bool in_category(char32_t cp, uint32_t mask) {
  return uc_is_general_category_withtable(static_cast<ucs4_t>(cp), mask);
}

// RFC 8264 §9.6 Exceptions (F), the table of RFC 5892 §2.6: a fixed list in the RFC itself.
std::optional<DerivedProperty> exception_value(char32_t cp) {
  switch (cp) {
  case 0x00DF:
  case 0x03C2:
  case 0x06FD:
  case 0x06FE:
  case 0x0F0B:
  case 0x3007:
    return DerivedProperty::pvalid;
  case 0x00B7:
  case 0x0375:
  case 0x05F3:
  case 0x05F4:
  case 0x30FB:
    return DerivedProperty::context_o;
  case 0x0640:
  case 0x07FA:
  case 0x302E:
  case 0x302F:
  case 0x3031:
  case 0x3032:
  case 0x3033:
  case 0x3034:
  case 0x3035:
  case 0x303B:
    return DerivedProperty::disallowed;
  default:
    break;
  }
  if ((cp >= 0x0660 && cp <= 0x0669) || (cp >= 0x06F0 && cp <= 0x06F9)) {
    return DerivedProperty::context_o;
  }
  return std::nullopt;
}

// RFC 8264 §9.9 OldHangulJamo (I): Hangul_Syllable_Type L, V or T. libunistring has no
// Hangul_Syllable_Type, but those code points are exactly the assigned code points of the three
// Hangul Jamo blocks (unassigned ones were already sorted out by the Unassigned step).
bool is_old_hangul_jamo(char32_t cp) {
  const uc_block_t* block = uc_block(static_cast<ucs4_t>(cp));
  if (block == nullptr) return false;
  return std::strcmp(block->name, "Hangul Jamo") == 0 ||
         std::strcmp(block->name, "Hangul Jamo Extended-A") == 0 ||
         std::strcmp(block->name, "Hangul Jamo Extended-B") == 0;
}

bool is_script(char32_t cp, const char* name) {
  const uc_script_t* script = uc_script(static_cast<ucs4_t>(cp));
  return script != nullptr && std::strcmp(script->name, name) == 0;
}

int joining_type(char32_t cp) {
  return uc_joining_type(static_cast<ucs4_t>(cp));
}

bool after_virama(std::u32string_view text, std::size_t i) {
  return i > 0 && uc_combining_class(static_cast<ucs4_t>(text[i - 1])) == UC_CCC_VR;
}

// RFC 5892 Appendix A: true if the contextual code point at text[i] may stand where it is.
bool contextual_rule_holds(std::u32string_view text, std::size_t i) {
  const char32_t cp = text[i];
  const std::size_t n = text.size();
  switch (cp) {
  case 0x200C: { // A.1 ZERO WIDTH NON-JOINER
    if (after_virama(text, i)) return true;
    // (Joining_Type:{L,D})(Joining_Type:T)*\u200C(Joining_Type:T)*(Joining_Type:{R,D})
    std::size_t left = i;
    while (left > 0 && joining_type(text[left - 1]) == UC_JOINING_TYPE_T)
      --left;
    if (left == 0) return false;
    const int before = joining_type(text[left - 1]);
    if (before != UC_JOINING_TYPE_L && before != UC_JOINING_TYPE_D) return false;
    std::size_t right = i + 1;
    while (right < n && joining_type(text[right]) == UC_JOINING_TYPE_T)
      ++right;
    if (right == n) return false;
    const int after = joining_type(text[right]);
    return after == UC_JOINING_TYPE_R || after == UC_JOINING_TYPE_D;
  }
  case 0x200D: // A.2 ZERO WIDTH JOINER
    return after_virama(text, i);
  case 0x00B7: // A.3 MIDDLE DOT, only in "l·l" (Catalan)
    return i > 0 && i + 1 < n && text[i - 1] == U'l' && text[i + 1] == U'l';
  case 0x0375: // A.4 GREEK LOWER NUMERAL SIGN (KERAIA)
    return i + 1 < n && is_script(text[i + 1], "Greek");
  case 0x05F3: // A.5 HEBREW PUNCTUATION GERESH
  case 0x05F4: // A.6 HEBREW PUNCTUATION GERSHAYIM
    return i > 0 && is_script(text[i - 1], "Hebrew");
  case 0x30FB: // A.7 KATAKANA MIDDLE DOT
    for (char32_t c : text) {
      if (is_script(c, "Hiragana") || is_script(c, "Katakana") || is_script(c, "Han")) {
        return true;
      }
    }
    return false;
  default:
    break;
  }
  if (cp >= 0x0660 && cp <= 0x0669) { // A.8 ARABIC-INDIC DIGITS: not mixed with extended ones
    for (char32_t c : text) {
      if (c >= 0x06F0 && c <= 0x06F9) return false;
    }
    return true;
  }
  if (cp >= 0x06F0 && cp <= 0x06F9) { // A.9 EXTENDED ARABIC-INDIC DIGITS
    for (char32_t c : text) {
      if (c >= 0x0660 && c <= 0x0669) return false;
    }
    return true;
  }
  return false; // a contextual code point without a rule is never allowed (RFC 5892 §2.7)
}

const char* contextual_rule_name(char32_t cp) {
  switch (cp) {
  case 0x200C:
    return "A.1";
  case 0x200D:
    return "A.2";
  case 0x00B7:
    return "A.3";
  case 0x0375:
    return "A.4";
  case 0x05F3:
    return "A.5";
  case 0x05F4:
    return "A.6";
  case 0x30FB:
    return "A.7";
  default:
    return cp <= 0x0669 ? "A.8" : "A.9";
  }
}

std::string not_allowed(char32_t cp) {
  if (derived_property(cp) == DerivedProperty::unassigned) {
    return "contains unassigned code point " + describe(cp);
  }
  return "contains disallowed character " + describe(cp);
}

std::optional<std::string> check_class(StringClass cls, std::u32string_view text) {
  for (char32_t cp : text) {
    if (!allowed_in(cls, cp)) return not_allowed(cp);
  }
  return std::nullopt;
}

using Step = tl::expected<std::u32string, std::string>;

// RFC 8264 §7: "apply the rules repeatedly until the output string is stable; if the output
// string does not stabilize after reapplying the rules three (3) additional times after the first
// application, ... reject the input string as invalid". The returned string is a fixed point, so
// enforcing it again gives it back (what makes parse(str()) round-trip).
template <class Once> Enforced until_stable(std::string_view utf8, Once once) {
  auto decoded = decode_utf8(utf8);
  if (!decoded) return tl::unexpected<std::string>("is not valid UTF-8");
  std::u32string current = std::move(*decoded);
  for (int round = 0; round < 4; ++round) {
    Step next = once(current);
    if (!next) return tl::unexpected<std::string>(std::move(next.error()));
    if (*next == current) return encode_utf8(current);
    current = std::move(*next);
  }
  return tl::unexpected<std::string>("does not become stable under PRECIS enforcement");
}

} // namespace

// RFC 8264 §9.1 LetterDigits (A).
constexpr uint32_t k_letter_digits =
    UC_CATEGORY_MASK_Ll | UC_CATEGORY_MASK_Lu | UC_CATEGORY_MASK_Lo | UC_CATEGORY_MASK_Nd |
    UC_CATEGORY_MASK_Lm | UC_CATEGORY_MASK_Mn | UC_CATEGORY_MASK_Mc;
// RFC 8264 §9.18 OtherLetterDigits (R), §9.14 Spaces (N), §9.15 Symbols (O) and
// §9.16 Punctuation (P): valid in FreeformClass only.
constexpr uint32_t k_freeform_only =
    UC_CATEGORY_MASK_Lt | UC_CATEGORY_MASK_Nl | UC_CATEGORY_MASK_No | UC_CATEGORY_MASK_Me |
    UC_CATEGORY_MASK_Zs | UC_CATEGORY_MASK_Sm | UC_CATEGORY_MASK_Sc | UC_CATEGORY_MASK_Sk |
    UC_CATEGORY_MASK_So | UC_CATEGORY_MASK_Pc | UC_CATEGORY_MASK_Pd | UC_CATEGORY_MASK_Ps |
    UC_CATEGORY_MASK_Pe | UC_CATEGORY_MASK_Pi | UC_CATEGORY_MASK_Pf | UC_CATEGORY_MASK_Po;

DerivedProperty derived_property(char32_t cp) {
  const auto uc = static_cast<ucs4_t>(cp);
  // The steps of RFC 8264 §8 in its order; the first that matches decides. BackwardCompatible
  // (G) is empty.
  if (auto value = exception_value(cp)) return *value; // F Exceptions
  if (in_category(cp, UC_CATEGORY_MASK_Cn) && !uc_is_property_not_a_character(uc)) {
    return DerivedProperty::unassigned; // J Unassigned
  }
  if (cp >= 0x21 && cp <= 0x7E) return DerivedProperty::pvalid;           // K ASCII7
  if (uc_is_property_join_control(uc)) return DerivedProperty::context_j; // H JoinControl
  if (is_old_hangul_jamo(cp)) return DerivedProperty::disallowed;         // I OldHangulJamo
  if (uc_is_property_default_ignorable_code_point(uc) || uc_is_property_not_a_character(uc)) {
    return DerivedProperty::disallowed; // M PrecisIgnorableProperties
  }
  if (in_category(cp, UC_CATEGORY_MASK_Cc)) return DerivedProperty::disallowed; // L Controls
  if (to_nfkc(cp) != std::u32string(1, cp)) return DerivedProperty::free_pval;  // Q HasCompat
  if (in_category(cp, k_letter_digits)) return DerivedProperty::pvalid;         // A
  if (in_category(cp, k_freeform_only)) return DerivedProperty::free_pval;      // R N O P
  return DerivedProperty::disallowed;
}

bool allowed_in(StringClass cls, char32_t cp) {
  switch (derived_property(cp)) {
  case DerivedProperty::pvalid:
  case DerivedProperty::context_j:
  case DerivedProperty::context_o:
    return true;
  case DerivedProperty::free_pval:
    return cls == StringClass::freeform;
  case DerivedProperty::disallowed:
  case DerivedProperty::unassigned:
    return false;
  }
  return false;
}

std::optional<std::string> check_contextual_rules(std::u32string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const DerivedProperty p = derived_property(text[i]);
    if (p != DerivedProperty::context_j && p != DerivedProperty::context_o) continue;
    if (!contextual_rule_holds(text, i)) {
      return "contains " + describe(text[i]) + " where its contextual rule (RFC 5892 " +
             contextual_rule_name(text[i]) + ") does not hold";
    }
  }
  return std::nullopt;
}

bool has_rtl(std::u32string_view text) {
  for (char32_t cp : text) {
    const int bc = uc_bidi_class(static_cast<ucs4_t>(cp));
    if (bc == UC_BIDI_R || bc == UC_BIDI_AL || bc == UC_BIDI_AN) return true;
  }
  return false;
}

std::optional<std::string> check_bidi_rule(std::u32string_view text) {
  if (text.empty()) return std::nullopt;
  auto bidi = [](char32_t cp) { return uc_bidi_class(static_cast<ucs4_t>(cp)); };
  const int first = bidi(text.front());
  if (first != UC_BIDI_L && first != UC_BIDI_R && first != UC_BIDI_AL) {
    return std::string("violates the Bidi Rule (RFC 5893 §2 condition 1: must start with a "
                       "left-to-right or right-to-left letter)");
  }
  // The last code point that is not a non-spacing mark decides conditions 3 and 6.
  std::size_t end = text.size();
  while (end > 0 && bidi(text[end - 1]) == UC_BIDI_NSM)
    --end;
  const int last = end > 0 ? bidi(text[end - 1]) : UC_BIDI_NSM;
  if (first == UC_BIDI_L) {
    for (char32_t cp : text) {
      switch (bidi(cp)) {
      case UC_BIDI_L:
      case UC_BIDI_EN:
      case UC_BIDI_ES:
      case UC_BIDI_CS:
      case UC_BIDI_ET:
      case UC_BIDI_ON:
      case UC_BIDI_BN:
      case UC_BIDI_NSM:
        break;
      default:
        return "violates the Bidi Rule (RFC 5893 §2 condition 5: " + describe(cp) +
               " in a left-to-right string)";
      }
    }
    if (last != UC_BIDI_L && last != UC_BIDI_EN) {
      return std::string("violates the Bidi Rule (RFC 5893 §2 condition 6: a left-to-right "
                         "string must end with a letter or digit)");
    }
    return std::nullopt;
  }
  bool european = false;
  bool arabic = false;
  for (char32_t cp : text) {
    switch (bidi(cp)) {
    case UC_BIDI_EN:
      european = true;
      break;
    case UC_BIDI_AN:
      arabic = true;
      break;
    case UC_BIDI_R:
    case UC_BIDI_AL:
    case UC_BIDI_ES:
    case UC_BIDI_CS:
    case UC_BIDI_ET:
    case UC_BIDI_ON:
    case UC_BIDI_BN:
    case UC_BIDI_NSM:
      break;
    default:
      return "violates the Bidi Rule (RFC 5893 §2 condition 2: " + describe(cp) +
             " in a right-to-left string)";
    }
  }
  if (last != UC_BIDI_R && last != UC_BIDI_AL && last != UC_BIDI_EN && last != UC_BIDI_AN) {
    return std::string("violates the Bidi Rule (RFC 5893 §2 condition 3: a right-to-left string "
                       "must end with a right-to-left letter or a digit)");
  }
  if (european && arabic) {
    return std::string("violates the Bidi Rule (RFC 5893 §2 condition 4: European and "
                       "Arabic-Indic digits mixed)");
  }
  return std::nullopt;
}

Enforced enforce_username_case_mapped(std::string_view utf8) {
  return until_stable(utf8, [](const std::u32string& input) -> Step {
    // RFC 8265 §3.3.2 preparation: width mapping, then only IdentifierClass code points.
    std::u32string s = map_width(input);
    if (auto why = check_class(StringClass::identifier, s)) return tl::unexpected(*why);
    // §3.3.3 enforcement: case mapping, normalization, directionality, behavioural rules.
    s = to_nfc(to_lower(s));
    if (auto why = check_class(StringClass::identifier, s)) return tl::unexpected(*why);
    if (auto why = check_contextual_rules(s)) return tl::unexpected(*why);
    if (has_rtl(s)) {
      if (auto why = check_bidi_rule(s)) return tl::unexpected(*why);
    }
    return s;
  });
}

Enforced enforce_opaque_string(std::string_view utf8) {
  return until_stable(utf8, [](const std::u32string& input) -> Step {
    // RFC 8265 §4.2.2 preparation: only FreeformClass code points (no width mapping).
    if (auto why = check_class(StringClass::freeform, input)) return tl::unexpected(*why);
    // §4.2.1 additional mapping rule: non-ASCII spaces (Zs) become U+0020; then NFC. No case
    // mapping and no directionality rule for this profile.
    std::u32string s = input;
    for (char32_t& cp : s) {
      if (cp != U' ' && in_category(cp, UC_CATEGORY_MASK_Zs)) cp = U' ';
    }
    s = to_nfc(s);
    if (auto why = check_class(StringClass::freeform, s)) return tl::unexpected(*why);
    if (auto why = check_contextual_rules(s)) return tl::unexpected(*why);
    return s;
  });
}

} // namespace xmpp::jid
