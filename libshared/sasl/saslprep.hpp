// SASLprep (RFC 4013, a stringprep profile of RFC 3454) for SASL user names and passwords, done by
// GNU libidn's stringprep with its "SASLprep" profile (Debian libidn-dev), not by our own tables.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace xmpp::sasl {

/// RFC 3454 §7: a "query" string may hold code points unassigned in Unicode 3.2, a "stored" one
/// may not.
enum class SaslprepMode { query, stored };

/// Maps, normalises (NFKC) and checks `text` (UTF-8) per RFC 4013 §2. Errors are kind usage, code
/// "saslprep": prohibited output (controls, U+FFFD...), bidi violations, invalid UTF-8, an embedded
/// NUL, or (stored mode) unassigned code points. The message never repeats the input.
Result<std::string> saslprep(std::string_view text, SaslprepMode mode);

}  // namespace xmpp::sasl
