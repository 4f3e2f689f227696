// Unicode building blocks for the JID parts (RFC 8264 §5.2 width, case and normalization rules),
// thin wrappers around GNU libunistring so that no Unicode table is written by hand here.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace xmpp::jid {

/// Decodes UTF-8; nullopt for ill-formed input (overlong forms, surrogates, truncation).
std::optional<std::u32string> decode_utf8(std::string_view text);
/// Encodes code points that came from decode_utf8 or from the functions below.
std::string encode_utf8(std::u32string_view text);

/// RFC 8264 §5.2.1 Width Mapping Rule: each code point with a <wide> or <narrow> decomposition
/// (UAX #11 fullwidth and halfwidth forms) becomes that decomposition.
std::u32string map_width(std::u32string_view text);
/// RFC 8264 §5.2.3 Case Mapping Rule: Unicode toLowerCase() (full mappings, no language
/// tailoring), applied to each code point on its own so that no context (Final_Sigma) makes the
/// result depend on the neighbours: "ΣΑΣ" and "σασ" stay the same identifier.
std::u32string to_lower(std::u32string_view text);
/// RFC 8264 §5.2.4 Normalization Rule: Unicode Normalization Form C.
std::u32string to_nfc(std::u32string_view text);
/// Normalization Form KC of a single code point (used for the HasCompat category, RFC 8264 §9.17).
std::u32string to_nfkc(char32_t cp);

/// How a code point is shown in an error message: ASCII graphic characters quoted ("'@'"),
/// everything else as "U+XXXX", so that messages never carry control or bidi characters.
std::string describe(char32_t cp);

} // namespace xmpp::jid
