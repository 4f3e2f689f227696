#include "tls/identity.hpp"

#include <idn2.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <optional>

#include "core/base64.hpp"

namespace xmpp::tls {
namespace {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct NamesFree {
  void operator()(GENERAL_NAMES* n) const { GENERAL_NAMES_free(n); }
};

std::unique_ptr<X509, X509Free> parse_der(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  return std::unique_ptr<X509, X509Free>(x);
}

// An ASN.1 string as bytes; nullopt when it carries an embedded NUL (the classic
// "www.bank.com\0.evil.com" trick: such a name is ignored, never truncated).
std::optional<std::string> asn1_text(const ASN1_STRING* s) {
  if (s == nullptr) return std::nullopt;
  std::string out(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                  static_cast<std::size_t>(ASN1_STRING_length(s)));
  if (out.find('\0') != std::string::npos) return std::nullopt;
  return out;
}

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Lowercase, one trailing dot removed (absolute and relative forms are the same name here).
std::string canonical(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return lower(name);
}

bool same_name(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty() || !is_ascii(a) || !is_ascii(b)) return false;
  return canonical(a) == canonical(b);
}

}  // namespace

Result<PresentedIdentities> presented_identities(std::string_view certificate_der) {
  auto cert = parse_der(certificate_der);
  if (!cert) return fail(ErrorKind::no_perm, "tls_failed", "", "server certificate does not parse");
  PresentedIdentities ids;

  std::unique_ptr<GENERAL_NAMES, NamesFree> names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr)));
  if (names) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
      if (name->type == GEN_DNS) {
        if (auto text = asn1_text(name->d.dNSName)) ids.dns.push_back(*text);
      } else if (name->type == GEN_OTHERNAME) {
        const OTHERNAME* other = name->d.otherName;
        char oid[80] = {};
        if (OBJ_obj2txt(oid, sizeof oid, other->type_id, 1) <= 0) continue;
        const ASN1_TYPE* value = other->value;
        if (value == nullptr) continue;
        if (std::string_view(oid) == k_oid_xmpp_addr && value->type == V_ASN1_UTF8STRING) {
          if (auto text = asn1_text(value->value.utf8string)) ids.xmpp.push_back(*text);
        } else if (std::string_view(oid) == k_oid_dns_srv && value->type == V_ASN1_IA5STRING) {
          if (auto text = asn1_text(value->value.ia5string)) ids.srv.push_back(*text);
        }
      }
    }
  }

  const X509_NAME* subject = X509_get_subject_name(cert.get());
  for (int pos = X509_NAME_get_index_by_NID(subject, NID_commonName, -1); pos >= 0;
       pos = X509_NAME_get_index_by_NID(subject, NID_commonName, pos)) {
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, pos));
    unsigned char* utf8 = nullptr;
    const int len = ASN1_STRING_to_UTF8(&utf8, data);
    if (len >= 0)
      ids.common_names.emplace_back(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
    OPENSSL_free(utf8);
  }
  return ids;
}

bool dns_id_matches(std::string_view presented, std::string_view reference) {
  if (presented.empty() || reference.empty() || !is_ascii(presented) || !is_ascii(reference))
    return false;
  const std::string pres = canonical(presented);
  const std::string ref = canonical(reference);
  if (pres.empty() || ref.empty()) return false;
  if (pres.find('*') == std::string::npos) return pres == ref;

  // RFC 9525 §6.3 rule 2: only "*" as the whole left-most label, matching exactly one label.
  if (pres.size() < 2 || pres[0] != '*' || pres[1] != '.') return false;
  const std::string_view suffix = std::string_view(pres).substr(2);
  if (suffix.find('*') != std::string_view::npos) return false;
  // "*.org" would vouch for a whole top-level domain: refused.
  if (suffix.find('.') == std::string_view::npos) return false;
  const auto dot = ref.find('.');
  if (dot == std::string::npos || dot == 0) return false;  // the bare domain never matches
  return std::string_view(ref).substr(dot + 1) == suffix;
}

bool srv_id_matches(std::string_view presented, std::string_view reference, bool direct_tls) {
  const auto dot = presented.find('.');
  if (dot == std::string_view::npos) return false;
  const std::string service = lower(presented.substr(0, dot));
  const std::string_view name = presented.substr(dot + 1);
  if (name.find('*') != std::string_view::npos) return false;
  const bool service_ok = service == "_xmpp-client" || (direct_tls && service == "_xmpps-client");
  return service_ok && same_name(name, reference);
}

bool xmpp_addr_matches(std::string_view presented, std::string_view reference) {
  // An XmppAddr naming an account or a resource is not the server's identity.
  if (presented.empty() || presented.find_first_of("@/") != std::string_view::npos) return false;
  if (is_ascii(presented)) return same_name(presented, reference);
  char* ascii = nullptr;
  const std::string input(presented);
  if (idn2_to_ascii_8z(input.c_str(), &ascii, IDN2_NONTRANSITIONAL) != IDN2_OK) return false;
  const std::string converted(ascii);
  idn2_free(ascii);
  return same_name(converted, reference);
}

bool identity_matches(const PresentedIdentities& ids, std::string_view reference_domain,
                      bool direct_tls) {
  for (const auto& name : ids.dns)
    if (dns_id_matches(name, reference_domain)) return true;
  for (const auto& name : ids.srv)
    if (srv_id_matches(name, reference_domain, direct_tls)) return true;
  for (const auto& name : ids.xmpp)
    if (xmpp_addr_matches(name, reference_domain)) return true;
  return false;
}

std::string describe(const PresentedIdentities& ids) {
  std::string out;
  auto add = [&out](std::string_view label, const std::string& value,
                    std::string_view suffix = {}) {
    if (!out.empty()) out += ", ";
    out.append(label).append(value).append(suffix);
  };
  for (const auto& name : ids.dns)
    add("DNS:", name);
  for (const auto& name : ids.srv)
    add("SRV:", name);
  for (const auto& name : ids.xmpp)
    add("XmppAddr:", name);
  for (const auto& name : ids.common_names)
    add("CN:", name, " (not used)");
  return out.empty() ? "no names" : out;
}

Result<std::string> spki_sha256(std::string_view certificate_der) {
  auto cert = parse_der(certificate_der);
  if (!cert) return fail(ErrorKind::no_perm, "tls_failed", "", "server certificate does not parse");
  unsigned char* spki = nullptr;
  const int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert.get()), &spki);
  if (len <= 0)
    return fail(ErrorKind::no_perm, "tls_failed", "", "server public key does not encode");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  const int ok =
      EVP_Digest(spki, static_cast<std::size_t>(len), digest, &digest_len, EVP_sha256(), nullptr);
  OPENSSL_free(spki);
  if (ok != 1) return fail(ErrorKind::software, "sha256_failed", "", "SHA-256 failed");
  return base64_encode(std::string_view(reinterpret_cast<const char*>(digest), digest_len));
}

std::string normalise_pin(std::string_view pin) {
  while (!pin.empty() && (pin.front() == ' ' || pin.front() == '\t'))
    pin.remove_prefix(1);
  while (!pin.empty() && (pin.back() == ' ' || pin.back() == '\t'))
    pin.remove_suffix(1);
  if (pin.size() > 7 && lower(pin.substr(0, 7)) == "sha256/") pin.remove_prefix(7);
  return std::string(pin);
}

}  // namespace xmpp::tls
