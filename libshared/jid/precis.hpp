// PRECIS (RFC 8264) string classes and the two profiles XMPP addresses use (RFC 7622 §3.3, §3.4):
// UsernameCaseMapped (RFC 8265 §3.3) for localparts and OpaqueString (RFC 8265 §4.2) for
// resourceparts, with the contextual rules of RFC 5892 Appendix A and the Bidi Rule of RFC 5893.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace xmpp::jid {

/// The derived property values of RFC 8264 §8 (ID_DIS and FREE_PVAL folded into free_pval:
/// valid in FreeformClass, disallowed in IdentifierClass).
enum class DerivedProperty { pvalid, free_pval, context_j, context_o, disallowed, unassigned };

/// RFC 8264 §8: the derived property of one code point, computed from the Unicode Character
/// Database (via libunistring) in the order the RFC gives.
DerivedProperty derived_property(char32_t cp);

enum class StringClass { identifier, freeform };

/// Whether `cp` may appear in a string of `cls` at all; contextual code points are let through
/// here and checked by check_contextual_rules.
bool allowed_in(StringClass cls, char32_t cp);

/// RFC 5892 Appendix A: for every CONTEXTJ and CONTEXTO code point in `text`, its rule holds.
/// Returns the reason (a phrase such as "contains U+200D where RFC 5892 A.2 does not allow it")
/// or nullopt.
std::optional<std::string> check_contextual_rules(std::u32string_view text);

/// True if `text` has a right-to-left code point (Bidi_Class R, AL or AN, RFC 5893 §1.4).
bool has_rtl(std::u32string_view text);

/// RFC 5893 §2: the six conditions of the Bidi Rule, applied unconditionally. Returns the reason
/// or nullopt.
std::optional<std::string> check_bidi_rule(std::u32string_view text);

/// A prepared string, or why not: a phrase that reads after the name of the part
/// ("contains disallowed character U+2163").
using Enforced = tl::expected<std::string, std::string>;

/// RFC 8265 §3.3.3 enforcement of UsernameCaseMapped: width mapping, IdentifierClass check,
/// toLowerCase, NFC, Bidi Rule, contextual rules; re-applied until stable (RFC 8264 §7).
/// Does not check lengths or emptiness (the caller knows the limits of its slot).
Enforced enforce_username_case_mapped(std::string_view utf8);

/// RFC 8265 §4.2.3 enforcement of OpaqueString: FreeformClass check, non-ASCII spaces mapped to
/// U+0020, NFC, contextual rules; re-applied until stable (RFC 8264 §7).
Enforced enforce_opaque_string(std::string_view utf8);

} // namespace xmpp::jid
