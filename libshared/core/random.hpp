// Identifiers from a CSPRNG (SECURITY.md (c): ids and resources from RAND_bytes, >= 96 bits).
#pragma once

#include <cstddef>
#include <string>

namespace xmpp {

/// `n` random bytes from OpenSSL's RAND_bytes; aborts (a bug-class failure) if the CSPRNG fails.
std::string random_bytes(std::size_t n);

/// A URL-safe random identifier of 128 bits (22 base64url characters), for iq ids, origin-ids, nonces.
std::string random_id();

}  // namespace xmpp
