// Base64 (RFC 4648 §4) strict codec, used by SASL (RFC 6120 §6.4.2) and pinning.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace xmpp {

std::string base64_encode(std::string_view bytes);

/// Strict decode: no whitespace, correct padding, canonical trailing bits; nullopt otherwise.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace xmpp
