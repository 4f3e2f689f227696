// XEP-0300 hashes: the <hash/> and <hash-used/> codec (§2, with the §2 snippets), the disco
// features of example 2, the strongest common algorithm, the Hasher against the FIPS 180-4 /
// FIPS 202 / RFC 7693 "abc" vectors, fed whole and byte by byte, and the constant-time compare.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/base64.hpp"
#include "xep/disco/disco.hpp"
#include "xep/hashes/hashes.hpp"
#include "xep_examples.hpp"

using namespace xmpp;
using test::canonical;
using test::example;

namespace {

std::string hex(std::string_view bytes) {
  static constexpr char k_digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(k_digits[c >> 4]);
    out.push_back(k_digits[c & 15]);
  }
  return out;
}

xml::Element hash_element(std::string algo, std::string text) {
  xml::Element e("hash", std::string(hashes::k_ns));
  e.set_attr("algo", std::move(algo));
  if (!text.empty()) e.add_text(std::move(text));
  return e;
}

}  // namespace

TEST_CASE("XEP-0300 §2: <hash/> read and written back, <hash-used/>") {
  const auto e = hash_element("sha-256", "2XarmwTlNxDAMkvymloX3S5+VbylNrJt/l5QyPa+YoU=");
  const auto hash = hashes::parse_hash(e);
  REQUIRE(hash);
  CHECK(hash->algo == "sha-256");
  CHECK(hash->digest.size() == 32);
  CHECK(hashes::make_hash(*hash) == e);

  // sha-1 is read and kept (XEP-0234's examples use it) but is no supported algorithm.
  const auto sha1 = hashes::parse_hash(hash_element("sha-1", "2AfMGH8O7UNPTvUVAM9aK13mpCY="));
  REQUIRE(sha1);
  CHECK(sha1->digest.size() == 20);
  CHECK_FALSE(hashes::parse_algorithm("sha-1"));

  // An empty hash: an offer whose hash is not computed yet (XEP-0234 §5).
  const auto empty = hashes::parse_hash(hash_element("sha-256", ""));
  REQUIRE(empty);
  CHECK(empty->digest.empty());
  CHECK(hashes::make_hash(*empty) == hash_element("sha-256", ""));

  const auto used = hashes::make_hash_used("sha-256");
  CHECK(used.attr("algo") == "sha-256");
  CHECK(hashes::parse_hash_used(used) == "sha-256");
}

TEST_CASE("XEP-0300 §2: bad hashes are refused") {
  for (const char* text : {"2Xar mwTlNxDAMkvymloX3S5+VbylNrJt/l5QyPa+YoU=", "=AAA", "*", "AAA",
                           "2XarmwTlNxDAMkvymloX3S5+VbylNrJt/l5QyPa+YoV="}) {
    const auto r = hashes::parse_hash(hash_element("sha-256", text));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "bad_hash");
    CHECK(r.error().kind == ErrorKind::protocol);
  }
  CHECK_FALSE(hashes::parse_hash(hash_element("", "AAAA")));
  CHECK_FALSE(hashes::parse_hash(xml::Element("hash", "urn:xmpp:hashes:1")));
  CHECK_FALSE(hashes::parse_hash_used(xml::Element("hash-used", std::string(hashes::k_ns))));
}

TEST_CASE("XEP-0300 algorithm names") {
  for (auto algo : hashes::supported()) {
    CHECK(hashes::parse_algorithm(hashes::to_string(algo)) == algo);
  }
  CHECK(hashes::parse_algorithm("SHA-256") == hashes::Algorithm::sha_256);
  CHECK(hashes::parse_algorithm("id-blake2b512") == hashes::Algorithm::blake2b_512);
  CHECK_FALSE(hashes::parse_algorithm("md5"));
  CHECK_FALSE(hashes::parse_algorithm("sha-2566"));
  CHECK(hashes::digest_size(hashes::Algorithm::sha_384) == 48);
  CHECK(hashes::supported().front() == hashes::Algorithm::sha_512);
}

TEST_CASE("XEP-0300 §4 example 2: the algorithms a peer advertises, the strongest common one") {
  const auto info = disco::parse_info_result(example("xep0300-ex2-disco-info.xml"));
  REQUIRE(info);
  const auto theirs = hashes::algorithms_from_features(info->features);
  CHECK(theirs == std::vector{hashes::Algorithm::sha_256, hashes::Algorithm::sha3_256});
  const auto ours = hashes::supported();
  CHECK(hashes::strongest_common(ours, theirs) == hashes::Algorithm::sha_256);

  const std::vector mine{hashes::Algorithm::sha_256, hashes::Algorithm::sha_512};
  const std::vector peer{hashes::Algorithm::sha_512, hashes::Algorithm::sha3_256,
                         hashes::Algorithm::sha_256};
  CHECK(hashes::strongest_common(mine, peer) == hashes::Algorithm::sha_512);
  CHECK_FALSE(hashes::strongest_common(mine, std::vector{hashes::Algorithm::sha3_512}));

  // Our own features advertise every supported algorithm, and read back as all of them.
  const auto features = hashes::disco_features();
  CHECK(features.front() == hashes::k_ns);
  CHECK(hashes::algorithms_from_features(features).size() == hashes::supported().size());
}

TEST_CASE("XEP-0300: the hash of an offer to verify against") {
  const std::string sha256(32, 'a');
  const std::string sha512(64, 'b');
  std::vector<hashes::Hash> offered{
      {"sha-1", std::string(20, 'c')}, {"sha-256", sha256}, {"sha-512", sha512}, {"sha3-512", ""}};
  const auto* best = hashes::strongest_usable(offered);
  REQUIRE(best != nullptr);
  CHECK(best->algo == "sha-512");
  // A digest of the wrong length is not usable.
  offered[2].digest = "short";
  CHECK(hashes::strongest_usable(offered)->algo == "sha-256");
  CHECK(hashes::strongest_usable(std::vector<hashes::Hash>{{"sha-1", std::string(20, 'c')}}) ==
        nullptr);
}

TEST_CASE("Hasher: the 'abc' test vectors, whole and byte by byte, and reuse after final") {
  const std::vector<std::pair<hashes::Algorithm, std::string>> vectors{
      {hashes::Algorithm::sha_256,
       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {hashes::Algorithm::sha_384,
       "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca1"
       "34c825a7"},
      {hashes::Algorithm::sha_512,
       "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23"
       "a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
      {hashes::Algorithm::sha3_256,
       "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"},
      {hashes::Algorithm::sha3_512,
       "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec576"
       "47e3934057340b4cf408d5a56592f8274eec53f0"},
      {hashes::Algorithm::blake2b_512,
       "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de"
       "4533cc9518d38aa8dbf1925ab92386edd4009923"},
  };
  for (const auto& item : vectors) {
    const auto& [algo, expected] = item;
    const auto shown = hashes::to_string(item.first);  // clang 14 cannot capture a binding
    CAPTURE(shown);
    const auto whole = hashes::digest(algo, "abc");
    REQUIRE(whole);
    CHECK(hex(*whole) == expected);
    CHECK(whole->size() == hashes::digest_size(algo));

    auto hasher = hashes::Hasher::create(algo);
    REQUIRE(hasher);
    for (char c : std::string("abc"))
      hasher->update(std::string_view(&c, 1));
    CHECK(hasher->fed() == 3);
    CHECK(hex(hasher->final()) == expected);
    // final() resets: the same Hasher digests a new message.
    CHECK(hasher->fed() == 0);
    hasher->update(std::string_view("abc"));
    CHECK(hex(hasher->final()) == expected);
    hasher->update(std::string_view("junk"));
    hasher->reset();
    hasher->update(std::string_view("abc"));
    CHECK(hex(hasher->final()) == expected);
  }
}

TEST_CASE("Hasher: a large input split anywhere gives the same digest") {
  std::string data(100000, '\0');
  for (std::size_t i = 0; i < data.size(); ++i)
    data[i] = static_cast<char>(i * 7919 % 251);
  const auto whole = hashes::digest(hashes::Algorithm::sha_256, data);
  REQUIRE(whole);
  for (std::size_t chunk : {1u, 7u, 4096u, 65536u}) {
    auto hasher = hashes::Hasher::create(hashes::Algorithm::sha_256);
    REQUIRE(hasher);
    for (std::size_t at = 0; at < data.size(); at += chunk)
      hasher->update(std::as_bytes(std::span(data.data() + at, std::min(chunk, data.size() - at))));
    CHECK(hasher->final() == *whole);
  }
}

TEST_CASE("equal_constant_time and verify (SECURITY.md row 48)") {
  CHECK(hashes::equal_constant_time("abc", "abc"));
  CHECK(hashes::equal_constant_time("", ""));
  CHECK_FALSE(hashes::equal_constant_time("abc", "abd"));
  CHECK_FALSE(hashes::equal_constant_time("abc", "ab"));

  const auto digest = *hashes::digest(hashes::Algorithm::sha_256, "abc");
  CHECK(hashes::verify(hashes::Algorithm::sha_256, digest, {"sha-256", digest}));
  const auto wrong =
      hashes::verify(hashes::Algorithm::sha_256, digest, {"sha-256", "x" + digest.substr(1)});
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().code == "hash_mismatch");
  CHECK(wrong.error().kind == ErrorKind::data);
  CHECK_FALSE(hashes::verify(hashes::Algorithm::sha_256, digest, {"sha-512", digest}));
  CHECK_FALSE(hashes::verify(hashes::Algorithm::sha_256, digest, {"sha-1", digest}));
}
