#include "tls/channel_binding.hpp"

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <memory>

namespace xmpp::tls {

std::string server_end_point(std::string_view certificate_der) {
  const auto* p = reinterpret_cast<const unsigned char*>(certificate_der.data());
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      d2i_X509(nullptr, &p, static_cast<long>(certificate_der.size())), &X509_free);
  if (!cert) return {};
  int md_nid = NID_undef;
  if (X509_get_signature_info(cert.get(), &md_nid, nullptr, nullptr, nullptr) != 1) return {};
  if (md_nid == NID_md5 || md_nid == NID_sha1) md_nid = NID_sha256;  // RFC 5929 §4.1
  const EVP_MD* md = md_nid == NID_undef ? nullptr : EVP_get_digestbynid(md_nid);
  if (md == nullptr) return {};
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert.get(), md, digest, &len) != 1) return {};
  return std::string(reinterpret_cast<const char*>(digest), len);
}

}  // namespace xmpp::tls
