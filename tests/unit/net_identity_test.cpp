// Server identity (RFC 6120 §13.7.2, RFC 9525, RFC 7673), pins, and RFC 5929 tls-server-end-point
// on certificates generated here with OpenSSL (SECURITY.md table (a) rows 26-27).
#include <doctest/doctest.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "core/base64.hpp"
#include "net_support.hpp"
#include "tls/channel_binding.hpp"
#include "tls/identity.hpp"

using namespace xmpp;
using namespace xmpp::tls;
using xmpp::test::CertSpec;
using xmpp::test::make_cert;

namespace {

bool cert_matches(const std::string& cn, const std::string& san, const std::string& domain,
                  bool direct = false) {
  const auto cert = make_cert(CertSpec{cn, san});
  auto ids = presented_identities(cert.der());
  REQUIRE(ids);
  return identity_matches(*ids, domain, direct);
}

}  // namespace

TEST_CASE("DNS-ID: exact names, case-insensitive, trailing dot") {
  CHECK(dns_id_matches("example.org", "example.org"));
  CHECK(dns_id_matches("EXAMPLE.org", "example.ORG"));
  CHECK(dns_id_matches("example.org.", "example.org"));
  CHECK_FALSE(dns_id_matches("example.org", "example.com"));
  CHECK_FALSE(dns_id_matches("xmpp.example.org", "example.org"));
  CHECK_FALSE(dns_id_matches("", "example.org"));
  CHECK_FALSE(dns_id_matches("exämple.org", "xn--exmple-cua.org"));  // U-label in a dNSName
}

TEST_CASE("DNS-ID wildcard rules (RFC 9525 §6.3)") {
  CHECK(dns_id_matches("*.example.org", "chat.example.org"));
  CHECK(dns_id_matches("*.EXAMPLE.org", "Chat.example.org"));
  CHECK_FALSE(dns_id_matches("*.example.org", "example.org"));        // never the bare domain
  CHECK_FALSE(dns_id_matches("*.example.org", "a.b.example.org"));    // exactly one label
  CHECK_FALSE(dns_id_matches("x*.example.org", "xmpp.example.org"));  // partial wildcard
  CHECK_FALSE(dns_id_matches("*x.example.org", "ax.example.org"));
  CHECK_FALSE(dns_id_matches("x*y.example.org", "xay.example.org"));
  CHECK_FALSE(dns_id_matches("chat.*.org", "chat.example.org"));  // not left-most
  CHECK_FALSE(dns_id_matches("*.*.org", "a.example.org"));
  CHECK_FALSE(dns_id_matches("*.org", "example.org"));  // a whole TLD
  CHECK_FALSE(dns_id_matches("*", "example"));
}

TEST_CASE("SRV-ID (RFC 7673): _xmpp-client always, _xmpps-client only on direct TLS") {
  CHECK(srv_id_matches("_xmpp-client.example.org", "example.org", false));
  CHECK(srv_id_matches("_XMPP-Client.Example.org", "example.org", true));
  CHECK_FALSE(srv_id_matches("_xmpps-client.example.org", "example.org", false));
  CHECK(srv_id_matches("_xmpps-client.example.org", "example.org", true));
  CHECK_FALSE(srv_id_matches("_xmpp-server.example.org", "example.org", false));
  CHECK_FALSE(srv_id_matches("_xmpp-client.other.org", "example.org", false));
  CHECK_FALSE(srv_id_matches("_xmpp-client.*.org", "example.org", false));
  CHECK_FALSE(srv_id_matches("example.org", "example.org", false));
}

TEST_CASE("XmppAddr: the bare domain only, IDN compared as A-label") {
  CHECK(xmpp_addr_matches("example.org", "example.org"));
  CHECK(xmpp_addr_matches("Example.ORG", "example.org"));
  CHECK_FALSE(xmpp_addr_matches("user@example.org", "example.org"));
  CHECK_FALSE(xmpp_addr_matches("example.org/res", "example.org"));
  CHECK(xmpp_addr_matches("bücher.example", "xn--bcher-kva.example"));
  CHECK_FALSE(xmpp_addr_matches("bücher.example", "buecher.example"));
}

TEST_CASE("certificates: which ones identify example.org") {
  // DNS-ID.
  CHECK(cert_matches("", "DNS:example.org", "example.org"));
  CHECK(cert_matches("", "DNS:other.net, DNS:example.org", "example.org"));
  // Wildcard for a subdomain, never for the domain itself (row 27).
  CHECK(cert_matches("", "DNS:*.example.org", "chat.example.org"));
  CHECK_FALSE(cert_matches("", "DNS:*.example.org", "example.org"));
  CHECK_FALSE(cert_matches("", "DNS:x*.example.org", "xmpp.example.org"));
  // CN only: no CN-ID fallback (RFC 9525 §6.3).
  CHECK_FALSE(cert_matches("example.org", "", "example.org"));
  // CN names the domain, the SAN does not (row 27).
  CHECK_FALSE(cert_matches("example.org", "DNS:other.example", "example.org"));
  // Valid for the SRV target only, not for the JID domain (row 26).
  CHECK_FALSE(cert_matches("xmpp.hoster.net", "DNS:xmpp.hoster.net", "example.org"));
  // SRV-ID.
  CHECK(cert_matches("", "otherName:1.3.6.1.5.5.7.8.7;IA5STRING:_xmpp-client.example.org",
                     "example.org"));
  CHECK_FALSE(cert_matches("", "otherName:1.3.6.1.5.5.7.8.7;IA5STRING:_xmpps-client.example.org",
                           "example.org"));
  CHECK(cert_matches("", "otherName:1.3.6.1.5.5.7.8.7;IA5STRING:_xmpps-client.example.org",
                     "example.org", true));
  CHECK_FALSE(cert_matches("", "otherName:1.3.6.1.5.5.7.8.7;IA5STRING:_xmpp-client.hoster.net",
                           "example.org"));
  // XmppAddr (UTF8String).
  CHECK(cert_matches("", "otherName:1.3.6.1.5.5.7.8.5;UTF8:example.org", "example.org"));
  CHECK_FALSE(
      cert_matches("", "otherName:1.3.6.1.5.5.7.8.5;UTF8:admin@example.org", "example.org"));
  // XmppAddr OID with the wrong string type is ignored.
  CHECK_FALSE(cert_matches("", "otherName:1.3.6.1.5.5.7.8.5;IA5STRING:example.org", "example.org"));
}

TEST_CASE("presented_identities reads every form, describe() lists them") {
  const auto cert = make_cert(CertSpec{
      "cn.example", "DNS:a.example, otherName:1.3.6.1.5.5.7.8.7;IA5STRING:_xmpp-client.b.example, "
                    "otherName:1.3.6.1.5.5.7.8.5;UTF8:c.example"});
  auto ids = presented_identities(cert.der());
  REQUIRE(ids);
  CHECK(ids->dns == std::vector<std::string>{"a.example"});
  CHECK(ids->srv == std::vector<std::string>{"_xmpp-client.b.example"});
  CHECK(ids->xmpp == std::vector<std::string>{"c.example"});
  CHECK(ids->common_names == std::vector<std::string>{"cn.example"});
  CHECK(describe(*ids) ==
        "DNS:a.example, SRV:_xmpp-client.b.example, XmppAddr:c.example, CN:cn.example (not used)");
  CHECK(describe(PresentedIdentities{}) == "no names");
  CHECK_FALSE(presented_identities("not a certificate"));
}

TEST_CASE("spki_sha256 is base64 SHA-256 of the SubjectPublicKeyInfo") {
  const auto cert = make_cert(CertSpec{"x", "DNS:x.example"});
  unsigned char* spki = nullptr;
  const int len = i2d_PUBKEY(cert.key.get(), &spki);
  REQUIRE(len > 0);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(spki, static_cast<std::size_t>(len), digest);
  OPENSSL_free(spki);
  auto pin = spki_sha256(cert.der());
  REQUIRE(pin);
  CHECK(*pin == base64_encode(std::string_view(reinterpret_cast<char*>(digest), sizeof digest)));
  CHECK(pin->size() == 44);
  // A certificate re-issued for the same key keeps its pin.
  CHECK(normalise_pin(" sha256/" + *pin + " ") == *pin);
  CHECK(normalise_pin(*pin) == *pin);
}

TEST_CASE("tls-server-end-point hash rules (RFC 5929 §4.1)") {
  auto hash_of = [](const std::string& der, const EVP_MD* md) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(der.data(), der.size(), out, &len, md, nullptr);
    return std::string(reinterpret_cast<char*>(out), len);
  };
  const auto sha256_cert = make_cert(CertSpec{"a", "DNS:a", -3600, 86400, false, EVP_sha256()});
  const auto sha384_cert = make_cert(CertSpec{"a", "DNS:a", -3600, 86400, false, EVP_sha384()});
  const auto sha1_cert = make_cert(CertSpec{"a", "DNS:a", -3600, 86400, false, EVP_sha1()});
  CHECK(server_end_point(sha256_cert.der()) == hash_of(sha256_cert.der(), EVP_sha256()));
  CHECK(server_end_point(sha384_cert.der()) == hash_of(sha384_cert.der(), EVP_sha384()));
  CHECK(server_end_point(sha1_cert.der()) ==
        hash_of(sha1_cert.der(), EVP_sha256()));  // SHA-1 -> SHA-256
  CHECK(server_end_point("junk").empty());
}
