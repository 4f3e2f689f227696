#include "tls/certificate.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>

#include "tls/identity.hpp"

namespace xmpp::tls {
namespace {

// RFC 2253 one-line form. OpenSSL's RFC 2253 flags also escape every non-ASCII byte as \XX;
// without ASN1_STRFLGS_ESC_MSB the (UTF-8 converted) text stays readable, which RFC 2253 §2.4
// allows (it only requires escaping of the special characters).
std::string name_text(const X509_NAME* name) {
  if (name == nullptr) return {};
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0)
    return {};
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

std::int64_t unix_seconds(const ASN1_TIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return 0;
  return static_cast<std::int64_t>(timegm(&tm));
}

// "EC P-256" (NIST name where the curve has one, else OpenSSL's), "RSA 2048", "ED25519".
std::string key_text(EVP_PKEY* key) {
  if (key == nullptr) return {};
  const int bits = EVP_PKEY_get_bits(key);
  switch (EVP_PKEY_get_base_id(key)) {
  case EVP_PKEY_RSA:
    return "RSA " + std::to_string(bits);
  case EVP_PKEY_RSA_PSS:
    return "RSA-PSS " + std::to_string(bits);
  case EVP_PKEY_DSA:
    return "DSA " + std::to_string(bits);
  case EVP_PKEY_ED25519:
    return "ED25519";
  case EVP_PKEY_ED448:
    return "ED448";
  case EVP_PKEY_EC: {
    char group[80] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) != 1) return "EC";
    const char* nist = EC_curve_nid2nist(OBJ_txt2nid(group));
    return std::string("EC ") + (nist != nullptr ? nist : group);
  }
  default: {
    const char* name = EVP_PKEY_get0_type_name(key);
    return name != nullptr ? std::string(name) : std::string();
  }
  }
}

std::string signature_text(const X509* cert) {
  const int nid = X509_get_signature_nid(cert);
  if (nid != NID_undef)
    if (const char* name = OBJ_nid2ln(nid)) return name;
  const X509_ALGOR* algorithm = nullptr;
  X509_get0_signature(nullptr, &algorithm, cert);
  const ASN1_OBJECT* oid = nullptr;
  if (algorithm != nullptr) X509_ALGOR_get0(&oid, nullptr, nullptr, algorithm);
  char text[80] = {};
  if (oid == nullptr || OBJ_obj2txt(text, sizeof text, oid, 1) <= 0) return {};
  return text;
}

}  // namespace

std::optional<std::string> der_of(X509* cert) {
  if (cert == nullptr) return std::nullopt;
  unsigned char* buf = nullptr;
  const int len = i2d_X509(cert, &buf);
  if (len <= 0) return std::nullopt;
  std::string der(reinterpret_cast<char*>(buf), static_cast<std::size_t>(len));
  OPENSSL_free(buf);
  return der;
}

net::CertificateSummary summarize(X509* cert) {
  net::CertificateSummary s;
  s.subject = name_text(X509_get_subject_name(cert));
  s.issuer = name_text(X509_get_issuer_name(cert));
  s.not_before = unix_seconds(X509_get0_notBefore(cert));
  s.not_after = unix_seconds(X509_get0_notAfter(cert));
  // The names and the pin exactly as identity checking and --pin read them (tls/identity.hpp).
  const std::string der = der_of(cert).value_or("");
  if (auto ids = presented_identities(der)) {
    s.dns_names = std::move(ids->dns);
    s.srv_names = std::move(ids->srv);
    s.xmpp_addrs = std::move(ids->xmpp);
  }
  if (auto pin = spki_sha256(der)) s.spki_sha256 = std::move(*pin);
  s.key = key_text(X509_get0_pubkey(cert));
  s.signature_algorithm = signature_text(cert);
  return s;
}

Result<net::CertificateSummary> summarize_der(std::string_view certificate_der) {
  const auto* p = reinterpret_cast<const unsigned char*>(certificate_der.data());
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      d2i_X509(nullptr, &p, static_cast<long>(certificate_der.size())), &X509_free);
  if (!cert) return fail(ErrorKind::no_perm, "tls_failed", "", "certificate does not parse");
  return summarize(cert.get());
}

}  // namespace xmpp::tls
