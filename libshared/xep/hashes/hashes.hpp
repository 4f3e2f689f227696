// XEP-0300 Use of Cryptographic Hash Functions in XMPP (version 1.0.0, namespace
// urn:xmpp:hashes:2): the <hash algo/> and <hash-used algo/> elements (§2), the algorithm names and
// their disco features (§4, §8.3), the choice of the strongest algorithm both sides support
// (XEP-0234 §11), an incremental Hasher and a constant-time digest comparison. No I/O; OpenSSL only
// in the .cpp.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "xml/element.hpp"

namespace xmpp::hashes {

inline constexpr std::string_view k_ns = "urn:xmpp:hashes:2";
/// §8.3: the prefix of the one disco feature per supported algorithm.
inline constexpr std::string_view k_feature_prefix = "urn:xmpp:hash-function-text-names:";

/// The algorithms we compute and verify. SHA-1 and MD5 are named by peers (XEP-0234's examples
/// use sha-1) but are not here: a digest in them is read and kept, never trusted (SECURITY.md row
/// 48 asks for SHA-256 or stronger).
enum class Algorithm { sha_256, sha3_256, sha_384, sha_512, sha3_512, blake2b_512 };

/// The IANA / §2 text name: "sha-256", "sha3-256", "sha-384", "sha-512", "sha3-512",
/// "blake2b-512".
std::string_view to_string(Algorithm algo);
/// The algorithm of a text name (ASCII case-insensitive, IANA names are); the §8.3 registry
/// spelling "id-blake2b512" is read as blake2b-512. nullopt for names we do not support.
std::optional<Algorithm> parse_algorithm(std::string_view name);
/// The digest length in bytes (32 or 48 or 64).
std::size_t digest_size(Algorithm algo);
/// Every supported algorithm, strongest first: the order in which we prefer them. Longer digests
/// first; among equal lengths SHA-2, then SHA-3, then BLAKE2b (the most deployed first).
std::span<const Algorithm> supported();

/// A <hash/>: the algorithm name as written (it may be one we do not support) and the raw digest
/// bytes (already base64-decoded). An empty digest is allowed in a file offer whose hash is not
/// computed yet (XEP-0234 §5).
struct Hash {
  std::string algo;
  std::string digest;
  bool operator==(const Hash&) const = default;
};

/// `<hash xmlns='urn:xmpp:hashes:2' algo=ALGO>BASE64</hash>` (§2).
xml::Element make_hash(const Hash& hash);
/// Reads a <hash/>. Errors, kind protocol, code "bad_hash": not a {urn:xmpp:hashes:2}hash, no or
/// empty 'algo', character data that is not strict base64 (§2: no whitespace, zero padding bits).
Result<Hash> parse_hash(const xml::Element& e);
/// `<hash-used xmlns='urn:xmpp:hashes:2' algo=ALGO/>` (§2).
xml::Element make_hash_used(std::string algo);
/// The 'algo' of a <hash-used/>. Errors, kind protocol, code "bad_hash": not a hash-used element,
/// no or empty 'algo'.
Result<std::string> parse_hash_used(const xml::Element& e);

/// Our disco#info features (§4): urn:xmpp:hashes:2 and one per supported algorithm.
std::vector<std::string> disco_features();
/// The supported algorithms a peer advertises among its disco features (§4, example 2), in our
/// preference order.
std::vector<Algorithm> algorithms_from_features(std::span<const std::string> features);
/// The strongest algorithm in both lists (XEP-0234 §11: "the strongest hashing algorithm
/// available to both parties"), nullopt when they share none.
std::optional<Algorithm> strongest_common(std::span<const Algorithm> ours,
                                          std::span<const Algorithm> theirs);
/// The hash of `hashes` to verify against: the one with the strongest supported algorithm and a
/// digest of the right length; nullptr when none qualifies (only sha-1, empty digests, ...).
const Hash* strongest_usable(std::span<const Hash> hashes);

/// An incremental digest over OpenSSL's EVP. update() never allocates; the context is allocated
/// once by create() and reused after final() or reset().
class Hasher {
 public:
  /// Errors, kind software, code "hash_unavailable": OpenSSL lacks the algorithm (a FIPS-only
  /// build without SHA-3 or BLAKE2).
  static Result<Hasher> create(Algorithm algo);
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  ~Hasher();

  Algorithm algorithm() const { return m_algo; }
  /// Feeds bytes. Thread-compatible, no allocation.
  void update(std::span<const std::byte> bytes);
  void update(std::string_view bytes);
  /// The digest of everything fed since create() or the last final()/reset(); the Hasher is then
  /// reset for a new message.
  std::string final();
  /// Forgets what was fed.
  void reset();
  /// Bytes fed since the last reset (a progress count for callers that hash while sending).
  std::size_t fed() const { return m_fed; }

 private:
  struct Context;
  Hasher(Algorithm algo, std::unique_ptr<Context> context);
  Algorithm m_algo;
  std::unique_ptr<Context> m_context;
  std::size_t m_fed = 0;
};

/// One-shot digest of `bytes`. Errors: those of Hasher::create.
Result<std::string> digest(Algorithm algo, std::string_view bytes);

/// True when `a` and `b` are the same bytes, comparing the contents in time that does not depend
/// on where they differ (CRYPTO_memcmp). Different lengths are unequal at once (the length of a
/// digest is no secret).
bool equal_constant_time(std::string_view a, std::string_view b);

/// Verifies `data_digest` (computed by us with `algo`) against the peer's `expected` hash.
/// Errors, kind data, code "hash_mismatch" (exit 65, SECURITY.md row 48): different algorithm,
/// or different digest.
Result<void> verify(Algorithm algo, std::string_view data_digest, const Hash& expected);

}  // namespace xmpp::hashes
