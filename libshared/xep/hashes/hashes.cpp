#include "xep/hashes/hashes.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>
#include <utility>

#include "core/base64.hpp"
#include "core/text.hpp"

namespace xmpp::hashes {
namespace {

struct AlgorithmInfo {
  Algorithm algo;
  std::string_view name;
  std::size_t size;
};

// Preference order: strongest first (see supported()).
constexpr std::array<AlgorithmInfo, 6> k_algorithms{{
    {Algorithm::sha_512, "sha-512", 64},
    {Algorithm::sha3_512, "sha3-512", 64},
    {Algorithm::blake2b_512, "blake2b-512", 64},
    {Algorithm::sha_384, "sha-384", 48},
    {Algorithm::sha_256, "sha-256", 32},
    {Algorithm::sha3_256, "sha3-256", 32},
}};

constexpr std::array<Algorithm, 6> k_preference{
    Algorithm::sha_512, Algorithm::sha3_512, Algorithm::blake2b_512,
    Algorithm::sha_384, Algorithm::sha_256,  Algorithm::sha3_256,
};

const AlgorithmInfo& info(Algorithm algo) {
  for (const auto& i : k_algorithms)
    if (i.algo == algo) return i;
  throw std::logic_error("hashes: unknown algorithm");
}

/// Position in the preference order: lower is stronger.
std::size_t rank(Algorithm algo) {
  return static_cast<std::size_t>(std::find(k_preference.begin(), k_preference.end(), algo) -
                                  k_preference.begin());
}

const EVP_MD* evp_md(Algorithm algo) {
  switch (algo) {
  case Algorithm::sha_256:
    return EVP_sha256();
  case Algorithm::sha3_256:
    return EVP_sha3_256();
  case Algorithm::sha_384:
    return EVP_sha384();
  case Algorithm::sha_512:
    return EVP_sha512();
  case Algorithm::sha3_512:
    return EVP_sha3_512();
  case Algorithm::blake2b_512:
    return EVP_blake2b512();
  }
  return nullptr;
}

tl::unexpected<Error> bad_hash(std::string message) {
  return fail(ErrorKind::protocol, "bad_hash", "bad-request", std::move(message));
}

}  // namespace

std::string_view to_string(Algorithm algo) {
  return info(algo).name;
}

std::optional<Algorithm> parse_algorithm(std::string_view name) {
  for (const auto& i : k_algorithms)
    if (ascii_iequals(name, i.name)) return i.algo;
  // §8.3 registers the BLAKE2b features as id-blake2bNNN, §2's table says blake2b-NNN.
  if (ascii_iequals(name, "id-blake2b512")) return Algorithm::blake2b_512;
  return std::nullopt;
}

std::size_t digest_size(Algorithm algo) {
  return info(algo).size;
}

std::span<const Algorithm> supported() {
  return k_preference;
}

xml::Element make_hash(const Hash& hash) {
  xml::Element e("hash", std::string(k_ns));
  e.set_attr("algo", hash.algo);
  if (!hash.digest.empty()) e.add_text(base64_encode(hash.digest));
  return e;
}

Result<Hash> parse_hash(const xml::Element& e) {
  if (!e.is("hash", k_ns)) return bad_hash("expected a <hash/> in " + std::string(k_ns));
  auto algo = e.attr("algo");
  if (!algo || algo->empty()) return bad_hash("a <hash/> has no 'algo'");
  const auto text = e.text();
  if (text.empty()) return Hash{std::move(*algo), {}};
  // §2: the character data MUST NOT include whitespace and MUST set padding bits to zero, which
  // is what the strict decoder checks.
  auto bytes = base64_decode(text);
  if (!bytes) return bad_hash("the " + *algo + " <hash/> is not valid base64");
  return Hash{std::move(*algo), std::move(*bytes)};
}

xml::Element make_hash_used(std::string algo) {
  xml::Element e("hash-used", std::string(k_ns));
  e.set_attr("algo", std::move(algo));
  return e;
}

Result<std::string> parse_hash_used(const xml::Element& e) {
  if (!e.is("hash-used", k_ns)) return bad_hash("expected a <hash-used/> in " + std::string(k_ns));
  auto algo = e.attr("algo");
  if (!algo || algo->empty()) return bad_hash("a <hash-used/> has no 'algo'");
  return std::move(*algo);
}

std::vector<std::string> disco_features() {
  std::vector<std::string> out{std::string(k_ns)};
  for (auto algo : k_preference)
    out.push_back(std::string(k_feature_prefix) + std::string(to_string(algo)));
  return out;
}

std::vector<Algorithm> algorithms_from_features(std::span<const std::string> features) {
  std::vector<Algorithm> out;
  for (auto algo : k_preference) {
    const bool advertised = std::any_of(features.begin(), features.end(), [&](const auto& f) {
      if (f.size() <= k_feature_prefix.size() ||
          f.compare(0, k_feature_prefix.size(), k_feature_prefix) != 0)
        return false;
      return parse_algorithm(std::string_view(f).substr(k_feature_prefix.size())) == algo;
    });
    if (advertised) out.push_back(algo);
  }
  return out;
}

std::optional<Algorithm> strongest_common(std::span<const Algorithm> ours,
                                          std::span<const Algorithm> theirs) {
  std::optional<Algorithm> best;
  for (auto algo : ours) {
    if (std::find(theirs.begin(), theirs.end(), algo) == theirs.end()) continue;
    if (!best || rank(algo) < rank(*best)) best = algo;
  }
  return best;
}

const Hash* strongest_usable(std::span<const Hash> hashes) {
  const Hash* best = nullptr;
  std::optional<Algorithm> best_algo;
  for (const auto& h : hashes) {
    const auto algo = parse_algorithm(h.algo);
    if (!algo || h.digest.size() != digest_size(*algo)) continue;
    if (!best_algo || rank(*algo) < rank(*best_algo)) {
      best = &h;
      best_algo = algo;
    }
  }
  return best;
}

// ---- Hasher ----

struct Hasher::Context {
  EVP_MD_CTX* ctx = nullptr;
  const EVP_MD* md = nullptr;
  ~Context() { EVP_MD_CTX_free(ctx); }
};

Hasher::Hasher(Algorithm algo, std::unique_ptr<Context> context)
    : m_algo(algo), m_context(std::move(context)) {}
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;
Hasher::~Hasher() = default;

Result<Hasher> Hasher::create(Algorithm algo) {
  auto context = std::make_unique<Context>();
  context->md = evp_md(algo);
  context->ctx = EVP_MD_CTX_new();
  if (context->md == nullptr || context->ctx == nullptr ||
      EVP_DigestInit_ex(context->ctx, context->md, nullptr) != 1)
    return fail(ErrorKind::software, "hash_unavailable", "",
                "OpenSSL cannot compute " + std::string(to_string(algo)));
  return Hasher(algo, std::move(context));
}

void Hasher::update(std::span<const std::byte> bytes) {
  if (bytes.empty()) return;
  if (EVP_DigestUpdate(m_context->ctx, bytes.data(), bytes.size()) != 1)
    throw std::runtime_error("hashes: EVP_DigestUpdate failed");
  m_fed += bytes.size();
}

void Hasher::update(std::string_view bytes) {
  update(std::as_bytes(std::span(bytes)));
}

std::string Hasher::final() {
  std::string out(EVP_MAX_MD_SIZE, '\0');
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(m_context->ctx, reinterpret_cast<unsigned char*>(out.data()), &size) != 1)
    throw std::runtime_error("hashes: EVP_DigestFinal_ex failed");
  out.resize(size);
  reset();
  return out;
}

void Hasher::reset() {
  // Re-initialising a context keeps its allocation (EVP_DigestInit_ex on the same md).
  if (EVP_DigestInit_ex(m_context->ctx, m_context->md, nullptr) != 1)
    throw std::runtime_error("hashes: EVP_DigestInit_ex failed");
  m_fed = 0;
}

Result<std::string> digest(Algorithm algo, std::string_view bytes) {
  auto hasher = Hasher::create(algo);
  if (!hasher) return fail(hasher.error());
  hasher->update(bytes);
  return hasher->final();
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Result<void> verify(Algorithm algo, std::string_view data_digest, const Hash& expected) {
  if (parse_algorithm(expected.algo) != algo)
    return fail(ErrorKind::data, "hash_mismatch", "",
                "the offered hash is " + expected.algo + ", we computed " +
                    std::string(to_string(algo)));
  if (!equal_constant_time(data_digest, expected.digest))
    return fail(ErrorKind::data, "hash_mismatch", "",
                "the " + std::string(to_string(algo)) +
                    " digest of the received data does not match the offered hash");
  return {};
}

}  // namespace xmpp::hashes
