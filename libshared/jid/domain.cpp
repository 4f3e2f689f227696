#include "jid/domain.hpp"

#include <arpa/inet.h>
#include <idn2.h>

#include <memory>
#include <vector>

#include "jid/precis.hpp"
#include "jid/unicode.hpp"

namespace xmpp::jid {
namespace {

using Failure = tl::unexpected<std::string>;

struct Idn2Free {
  void operator()(char* p) const { idn2_free(p); }
};
using IdnString = std::unique_ptr<char, Idn2Free>;

bool is_ipv4(std::string_view text) {
  // inet_pton stops at a NUL, so a NUL inside would let "127.0.0.1\0x" pass.
  if (text.empty() || text.size() > 15 || text.find('\0') != std::string_view::npos) return false;
  const std::string z(text);
  in_addr address{};
  return inet_pton(AF_INET, z.c_str(), &address) == 1;
}

bool is_ipv6_literal(std::string_view text) {
  if (text.size() < 4 || text.front() != '[' || text.back() != ']') return false;
  const std::string_view inner = text.substr(1, text.size() - 2);
  if (inner.size() > 45 || inner.find('\0') != std::string_view::npos) return false;
  const std::string z(inner);
  in6_addr address{};
  return inet_pton(AF_INET6, z.c_str(), &address) == 1;
}

// RFC 7622 §3.2: "If the domainpart includes a final character considered to be a label
// separator (dot) by [RFC1034], this character MUST be stripped ... before any other
// canonicalization steps are taken." Besides '.', IDNA treats the ideographic full stop and its
// fullwidth and halfwidth forms as separators (RFC 5895 §2 step 4, RFC 3490 §3.1).
std::string_view strip_final_separator(std::string_view text) {
  if (!text.empty() && text.back() == '.') return text.substr(0, text.size() - 1);
  for (std::string_view dot : {"\u3002", "\uFF0E", "\uFF61"}) {
    if (text.size() >= dot.size() && text.substr(text.size() - dot.size()) == dot) {
      return text.substr(0, text.size() - dot.size());
    }
  }
  return text;
}

// RFC 7622 §3.2.2 enforcement: the width-mapping, case-mapping and normalization rules (the
// mappings of RFC 5895 §2), with every IDNA label separator read as '.'.
std::u32string map_domain(std::u32string_view text) {
  std::u32string mapped = map_width(text);
  for (char32_t& cp : mapped) {
    if (cp == 0x3002 || cp == 0xFF0E || cp == 0xFF61) cp = U'.';
  }
  return to_nfc(to_lower(mapped));
}

bool is_ldh(char32_t cp) {
  return (cp >= U'a' && cp <= U'z') || (cp >= U'0' && cp <= U'9') || cp == U'-';
}

struct Label {
  std::string unicode;
  std::string ascii;
};

// RFC 5891 §5.3: an A-label is accepted only if it decodes to a valid U-label that encodes back
// to the very same A-label (libidn2's decoder alone does not validate).
tl::expected<Label, std::string> check_a_label(const std::string& label) {
  char* decoded = nullptr;
  int rc = idn2_to_unicode_8z8z(label.c_str(), &decoded, 0);
  IdnString unicode(decoded);
  if (rc != IDN2_OK) {
    return Failure("has an invalid A-label '" + label + "' (" + idn2_strerror(rc) + ")");
  }
  char* encoded = nullptr;
  rc = idn2_to_ascii_8z(unicode.get(), &encoded, IDN2_NO_TR46);
  IdnString ascii(encoded);
  if (rc != IDN2_OK) {
    return Failure("has an invalid A-label '" + label + "' (" + idn2_strerror(rc) + ")");
  }
  if (label != ascii.get()) {
    return Failure("has an invalid A-label '" + label + "' (it does not round-trip)");
  }
  // The U-label must be what the mappings would make of it, or parsing the U-label form would give
  // another address: "xn--bce" is U+13EB CHEROKEE LETTER TLI, which libidn2's IDNA2008 tables allow
  // but toLowerCase maps to U+AB7B, which IDNA2008 disallows.
  const auto decoded_label = decode_utf8(unicode.get());
  if (!decoded_label || map_domain(*decoded_label) != *decoded_label) {
    return Failure("has an invalid A-label '" + label + "' (its U-label is not in lowercase NFC)");
  }
  return Label{unicode.get(), label};
}

tl::expected<Label, std::string> check_label(const std::u32string& label) {
  if (label.empty()) return Failure("contains an empty label");
  bool all_ascii = true;
  for (char32_t cp : label) {
    if (cp >= 0x80) {
      all_ascii = false;
    } else if (!is_ldh(cp)) {
      // RFC 5890 §2.3.1: only letters, digits and hyphens (NR-LDH labels and U-labels).
      return Failure("contains forbidden character " + describe(cp));
    }
  }
  std::string text = encode_utf8(label);
  if (all_ascii) {
    if (text.size() > k_max_label_octets) return Failure("has a label longer than 63 bytes");
    if (text.front() == '-' || text.back() == '-') {
      return Failure("has a label that starts or ends with a hyphen ('" + text + "')");
    }
    if (text.size() >= 4 && text[2] == '-' && text[3] == '-') {
      // RFC 5890 §2.3.1: "??--" labels are reserved; only "xn--" ones (A-labels) are allowed.
      if (text.starts_with("xn--")) return check_a_label(text);
      return Failure("has a reserved label with hyphens in the third and fourth positions ('" +
                     text + "')");
    }
    return Label{text, text};
  }
  // RFC 5891 §5.4 registration-strength checks on a U-label: libidn2 without UTS #46 mapping
  // (the mappings were already applied) checks NFC, PVALID/CONTEXTJ/CONTEXTO, hyphens, a leading
  // combining mark and the Bidi Rule for the label.
  char* encoded = nullptr;
  const int rc = idn2_to_ascii_8z(text.c_str(), &encoded, IDN2_NO_TR46);
  IdnString ascii(encoded);
  if (rc == IDN2_TOO_BIG_LABEL || rc == IDN2_PUNYCODE_BIG_OUTPUT) {
    return Failure("has a label longer than 63 bytes as an A-label");
  }
  if (rc != IDN2_OK) {
    return Failure(std::string("has a label that is not valid IDNA2008 (") + idn2_strerror(rc) +
                   ")");
  }
  std::string a_label = ascii.get();
  if (a_label.size() > k_max_label_octets) {
    return Failure("has a label longer than 63 bytes as an A-label");
  }
  return Label{std::move(text), std::move(a_label)};
}

} // namespace

bool is_ip_literal(std::string_view domain) {
  return is_ipv6_literal(domain) || is_ipv4(domain);
}

tl::expected<DomainPart, std::string> prepare_domainpart(std::string_view text) {
  if (text.empty()) return Failure("is empty");
  text = strip_final_separator(text);
  if (text.empty()) return Failure("is empty");
  // RFC 7622 §3.2: IP-literal / IPv4address / ifqdn, first match wins; literals stay as given.
  if (text.front() == '[') {
    if (!is_ipv6_literal(text)) return Failure("is not a valid IPv6 address literal");
    return DomainPart{std::string(text), std::string(text)};
  }
  if (is_ipv4(text)) return DomainPart{std::string(text), std::string(text)};

  auto decoded = decode_utf8(text);
  if (!decoded) return Failure("is not valid UTF-8");
  std::u32string mapped = map_domain(*decoded);
  // As for PRECIS (RFC 8264 §7), the result must be stable, or parse(str()) would differ.
  if (map_domain(mapped) != mapped) return Failure("does not become stable under its mappings");

  std::vector<std::u32string> labels;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = mapped.find(U'.', start);
    labels.push_back(mapped.substr(start, dot == std::u32string::npos ? dot : dot - start));
    if (dot == std::u32string::npos) break;
    start = dot + 1;
  }

  DomainPart out;
  bool bidi_domain = false;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    auto label = check_label(labels[i]);
    if (!label) return Failure(std::move(label.error()));
    if (i > 0) {
      out.unicode += '.';
      out.ascii += '.';
    }
    out.unicode += label->unicode;
    out.ascii += label->ascii;
    // Compare in U-label form (an A-label input hides its right-to-left letters).
    if (auto u = decode_utf8(label->unicode)) {
      labels[i] = std::move(*u);
      bidi_domain = bidi_domain || has_rtl(labels[i]);
    }
  }
  // RFC 5893 §2: in a Bidi domain name (one with a right-to-left label) every label, the ASCII
  // ones too, must satisfy the Bidi Rule.
  if (bidi_domain) {
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (auto why = check_bidi_rule(labels[i])) {
        return Failure("is a Bidi domain name whose label " + std::to_string(i + 1) + " " + *why);
      }
    }
  }
  return out;
}

} // namespace xmpp::jid
