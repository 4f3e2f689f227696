// tls::summarize: what `xmpp probe` shows of each certificate (RFC 5280 §4.1 names, validity, key,
// signature algorithm; RFC 6120 §13.7.1.4 and RFC 4985 names; the --pin form of the key), on
// certificates made in the test.
#include <doctest/doctest.h>

#include <openssl/ec.h>
#include <openssl/x509v3.h>

#include <ctime>

#include "net_support.hpp"
#include "tls/certificate.hpp"
#include "tls/identity.hpp"

using namespace xmpp;
using namespace xmpp::test;
using Strings = std::vector<std::string>;

namespace {

struct NameEntry {
  const char* field;
  const char* value;
};

// A self-signed certificate with `key`, the subject `entries` (in this order, most significant
// first) and fixed validity times ("YYYYMMDDHHMMSSZ").
X509Ptr self_signed(EVP_PKEY* key, const std::vector<NameEntry>& entries, const char* not_before,
                    const char* not_after, const EVP_MD* digest) {
  X509Ptr cert(X509_new());
  X509* x = cert.get();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  REQUIRE(ASN1_TIME_set_string_X509(X509_getm_notBefore(x), not_before) == 1);
  REQUIRE(ASN1_TIME_set_string_X509(X509_getm_notAfter(x), not_after) == 1);
  X509_NAME* name = X509_get_subject_name(x);
  for (const auto& e : entries)
    REQUIRE(X509_NAME_add_entry_by_txt(name, e.field, MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(e.value), -1, -1,
                                       0) == 1);
  X509_set_issuer_name(x, name);
  X509_set_pubkey(x, key);
  REQUIRE(X509_sign(x, key, digest) > 0);
  return cert;
}

std::int64_t now() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

}  // namespace

TEST_CASE("a CA-signed leaf: names, issuer, dates, identities, pin, key, signature") {
  const Cert ca = make_cert(CertSpec{"Test CA", "", -3600, 30L * 86400, true, nullptr});
  const std::int64_t before = now();
  const Cert leaf =
      make_cert(CertSpec{"example.test",
                         "DNS:example.test,DNS:*.example.test,"
                         "otherName:1.3.6.1.5.5.7.8.7;IA5STRING:_xmpp-client.example.test,"
                         "otherName:1.3.6.1.5.5.7.8.7;IA5STRING:_xmpps-client.example.test,"
                         "otherName:1.3.6.1.5.5.7.8.5;UTF8:example.test",
                         -3600, 5L * 86400, false, nullptr},
                &ca);
  const std::int64_t after = now();

  const net::CertificateSummary s = tls::summarize(leaf.x509.get());
  CHECK(s.subject == "CN=example.test");
  CHECK(s.issuer == "CN=Test CA");
  CHECK(s.not_before >= before - 3600);
  CHECK(s.not_before <= after - 3600);
  CHECK(s.not_after >= before + 5L * 86400);
  CHECK(s.not_after <= after + 5L * 86400);
  CHECK(s.dns_names == Strings{"example.test", "*.example.test"});
  CHECK(s.srv_names == Strings{"_xmpp-client.example.test", "_xmpps-client.example.test"});
  CHECK(s.xmpp_addrs == Strings{"example.test"});
  // Exactly the form --pin takes (tls/identity.hpp).
  CHECK(s.spki_sha256 == *tls::spki_sha256(leaf.der()));
  CHECK(s.spki_sha256.size() == 44);
  CHECK(s.key == "EC P-256");
  CHECK(s.signature_algorithm == "ecdsa-with-SHA256");

  const net::CertificateSummary root = tls::summarize(ca.x509.get());
  CHECK(root.subject == "CN=Test CA");
  CHECK(root.issuer == "CN=Test CA");
  CHECK(root.dns_names.empty());
  CHECK(root.srv_names.empty());
  CHECK(root.xmpp_addrs.empty());
  CHECK(root.spki_sha256 != s.spki_sha256);
}

TEST_CASE("the DER form gives the same summary; garbage is tls_failed") {
  const Cert leaf = make_cert(CertSpec{"example.test", "DNS:example.test"});
  auto from_der = tls::summarize_der(leaf.der());
  REQUIRE(from_der);
  const auto direct = tls::summarize(leaf.x509.get());
  CHECK(from_der->subject == direct.subject);
  CHECK(from_der->not_after == direct.not_after);
  CHECK(from_der->dns_names == direct.dns_names);
  CHECK(from_der->spki_sha256 == direct.spki_sha256);

  auto bad = tls::summarize_der("not a certificate");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == ErrorKind::no_perm);
  CHECK(bad.error().code == "tls_failed");
}

TEST_CASE("validity as Unix seconds: UTCTime and GeneralizedTime (RFC 5280 §4.1.2.5)") {
  KeyPtr key(EVP_EC_gen("P-256"));
  // 2049 is the last year UTCTime carries; 2050 onwards is GeneralizedTime.
  auto cert =
      self_signed(key.get(), {{"CN", "t"}}, "20200101000000Z", "20500101000000Z", EVP_sha256());
  const auto s = tls::summarize(cert.get());
  CHECK(s.not_before == 1577836800);
  CHECK(s.not_after == 2524608000);
  auto utc =
      self_signed(key.get(), {{"CN", "t"}}, "20491231235959Z", "20491231235959Z", EVP_sha256());
  CHECK(tls::summarize(utc.get()).not_after == 2524607999);
}

TEST_CASE("RFC 2253 names: last RDN first, specials escaped, UTF-8 kept") {
  KeyPtr key(EVP_EC_gen("P-256"));
  auto cert = self_signed(key.get(),
                          {{"C", "DE"},
                           {"O", "Example, Inc."},
                           {"CN", "\xc3\x9c"
                                  "n\xc3\xaf"
                                  "code+1"}},
                          "20200101000000Z", "20300101000000Z", EVP_sha256());
  const auto s = tls::summarize(cert.get());
  CHECK(s.subject == "CN=\xc3\x9c"
                     "n\xc3\xaf"
                     "code\\+1,O=Example\\, Inc.,C=DE");
  CHECK(s.issuer == s.subject);
  CHECK(s.dns_names.empty());
}

TEST_CASE("key types and signature algorithms") {
  SUBCASE("EC P-384 with SHA-384") {
    KeyPtr key(EVP_EC_gen("P-384"));
    auto cert =
        self_signed(key.get(), {{"CN", "t"}}, "20200101000000Z", "20300101000000Z", EVP_sha384());
    const auto s = tls::summarize(cert.get());
    CHECK(s.key == "EC P-384");
    CHECK(s.signature_algorithm == "ecdsa-with-SHA384");
  }
  SUBCASE("EC on a curve without a NIST name") {
    KeyPtr key(EVP_EC_gen("secp256k1"));
    auto cert =
        self_signed(key.get(), {{"CN", "t"}}, "20200101000000Z", "20300101000000Z", EVP_sha256());
    CHECK(tls::summarize(cert.get()).key == "EC secp256k1");
  }
  SUBCASE("RSA 2048 with SHA-256") {
    KeyPtr key(EVP_RSA_gen(2048));
    auto cert =
        self_signed(key.get(), {{"CN", "t"}}, "20200101000000Z", "20300101000000Z", EVP_sha256());
    const auto s = tls::summarize(cert.get());
    CHECK(s.key == "RSA 2048");
    CHECK(s.signature_algorithm == "sha256WithRSAEncryption");
  }
  SUBCASE("Ed25519") {
    KeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    REQUIRE(key);
    auto cert =
        self_signed(key.get(), {{"CN", "t"}}, "20200101000000Z", "20300101000000Z", nullptr);
    const auto s = tls::summarize(cert.get());
    CHECK(s.key == "ED25519");
    CHECK(s.signature_algorithm == "ED25519");
    CHECK(s.spki_sha256 == *tls::spki_sha256([&] {
            unsigned char* buf = nullptr;
            const int len = i2d_X509(cert.get(), &buf);
            std::string der(reinterpret_cast<char*>(buf), static_cast<std::size_t>(len));
            OPENSSL_free(buf);
            return der;
          }()));
  }
}

TEST_CASE("a certificate with an empty subject: subject \"\", the SAN names still listed") {
  const Cert leaf = make_cert(CertSpec{"", "DNS:good.example.test"});
  const auto s = tls::summarize(leaf.x509.get());
  CHECK(s.subject.empty());
  CHECK(s.issuer.empty());  // self-signed: the issuer is the (empty) subject
  CHECK(s.dns_names == Strings{"good.example.test"});
}
