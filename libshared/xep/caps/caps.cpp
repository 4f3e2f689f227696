#include "xep/caps/caps.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>
#include <tuple>

#include <openssl/evp.h>

#include "core/base64.hpp"

namespace xmpp::caps {
namespace {

// §5.1: all sorting is "i;octet" (RFC 4790 §9.3), a byte-wise comparison. std::string's
// comparison is exactly that: char_traits<char> compares as unsigned char.
using Key = std::tuple<std::string_view, std::string_view, std::string_view, std::string_view>;

Key identity_key(const disco::Identity& identity) {
  // An absent xml:lang or name is written as nothing between the slashes (§5.1 step 2), so it
  // sorts, and counts for duplicates, as the empty string.
  return {identity.category, identity.type, identity.lang ? *identity.lang : std::string_view(),
          identity.name ? *identity.name : std::string_view()};
}

Result<void> ill_formed(std::string what) {
  return fail(ErrorKind::protocol, "caps_ill_formed", "",
              "the disco#info result cannot be used for entity capabilities: " + what);
}

void append(std::string& s, std::string_view item) {
  s.append(item);
  s.push_back('<');
}

// §5.4 step 3.3-3.5: the checks that make the whole result ill-formed.
Result<void> check_well_formed(const disco::DiscoInfo& info) {
  std::set<Key> identities;
  for (const auto& identity : info.identities)
    if (!identities.insert(identity_key(identity)).second)
      return ill_formed("duplicate identity " + identity.category + "/" + identity.type);
  std::set<std::string_view> features;
  for (const auto& feature : info.features)
    if (!features.insert(feature).second) return ill_formed("duplicate feature " + feature);
  std::set<std::string_view> form_types;
  for (const auto& form : info.forms) {
    if (form.form_type_ambiguous)
      return ill_formed("FORM_TYPE " + form.form_type + " has several values");
    if (!form_types.insert(form.form_type).second)
      return ill_formed("two forms with FORM_TYPE " + form.form_type);
  }
  return {};
}

const EVP_MD* digest(std::string_view name) {
  // §9.1: SHA-1 is mandatory, others are named as in IANA's "Hash Function Textual Names"
  // registry, where names are case-insensitive.
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  });
  if (lower == "sha-1") return EVP_sha1();
  if (lower == "sha-224") return EVP_sha224();
  if (lower == "sha-256") return EVP_sha256();
  if (lower == "sha-384") return EVP_sha384();
  if (lower == "sha-512") return EVP_sha512();
  return nullptr;
}

}  // namespace

std::optional<Caps> parse(const xml::Element& parent) {
  const auto* c = parent.child("c", k_ns);
  if (c == nullptr) return std::nullopt;
  auto hash = c->attr("hash");
  auto node = c->attr("node");
  auto ver = c->attr("ver");
  // §13 (legacy format): no 'hash' means the ver is not a verification string.
  if (!hash || !node || !ver) return std::nullopt;
  return Caps{std::move(*hash), std::move(*node), std::move(*ver)};
}

Result<std::string> verification_string(const disco::DiscoInfo& info) {
  if (auto ok = check_well_formed(info); !ok) return fail(ok.error());
  std::string s;

  // §5.1 steps 2-3: CATEGORY/TYPE/LANG/NAME, sorted by category, type, xml:lang (then name,
  // which only breaks ties the spec says cannot happen).
  std::vector<const disco::Identity*> identities;
  for (const auto& identity : info.identities)
    identities.push_back(&identity);
  std::sort(identities.begin(), identities.end(),
            [](const auto* a, const auto* b) { return identity_key(*a) < identity_key(*b); });
  for (const auto* identity : identities) {
    const auto [category, type, lang, name] = identity_key(*identity);
    std::string item;
    item.append(category).append("/").append(type).append("/").append(lang).append("/").append(
        name);
    append(s, item);
  }

  // Steps 4-5.
  std::vector<std::string_view> features(info.features.begin(), info.features.end());
  std::sort(features.begin(), features.end());
  for (const auto feature : features)
    append(s, feature);

  // Steps 6-7, after §5.4 3.6: a form whose FORM_TYPE is not hidden is ignored. Forms without a
  // FORM_TYPE never reach DiscoInfo::forms.
  std::vector<const disco::ExtensionForm*> forms;
  for (const auto& form : info.forms)
    if (form.form_type_hidden) forms.push_back(&form);
  std::sort(forms.begin(), forms.end(),
            [](const auto* a, const auto* b) { return a->form_type < b->form_type; });
  for (const auto* form : forms) {
    append(s, form->form_type);
    // ExtensionForm::fields is a std::map: already sorted by var, byte-wise.
    for (const auto& [var, values] : form->fields) {
      append(s, var);
      std::vector<std::string_view> sorted(values.begin(), values.end());
      std::sort(sorted.begin(), sorted.end());
      for (const auto value : sorted)
        append(s, value);
    }
  }
  return s;
}

std::optional<std::string> compute_ver(const disco::DiscoInfo& info, std::string_view hash) {
  const auto* md = digest(hash);
  if (md == nullptr) return std::nullopt;
  const auto s = verification_string(info);
  if (!s) return std::nullopt;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(s->data(), s->size(), out, &size, md, nullptr) != 1)
    throw std::runtime_error("EVP_Digest failed for " + std::string(hash));
  // Step 9: base64 without whitespace, padding bits zero (RFC 4648 §4), which base64_encode does.
  return base64_encode(std::string_view(reinterpret_cast<const char*>(out), size));
}

Verdict verify(const Caps& caps, const disco::DiscoInfo& info) {
  // §5.4: an unknown hash is step 2, before the well-formedness checks of step 3.
  if (digest(caps.hash) == nullptr) return Verdict::unknown_hash;
  const auto ver = compute_ver(info, caps.hash);
  if (!ver) return Verdict::ill_formed;
  return *ver == caps.ver ? Verdict::match : Verdict::mismatch;
}

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
  case Verdict::match:
    return "match";
  case Verdict::mismatch:
    return "mismatch";
  case Verdict::unknown_hash:
    return "unknown-hash";
  case Verdict::ill_formed:
    return "ill-formed";
  }
  return "ill-formed";
}

std::string info_node(const Caps& caps) {
  return caps.node + "#" + caps.ver;
}

xml::Element make_element(const Caps& caps) {
  xml::Element c("c", std::string(k_ns));
  c.set_attr("hash", caps.hash);
  c.set_attr("node", caps.node);
  c.set_attr("ver", caps.ver);
  return c;
}

std::optional<Caps> caps_for(const disco::DiscoInfo& info, std::string node) {
  // §9.1: SHA-1 is mandatory to implement, so every verifier can check it.
  constexpr std::string_view hash = "sha-1";
  auto ver = compute_ver(info, hash);
  if (!ver) return std::nullopt;
  return Caps{std::string(hash), std::move(node), std::move(*ver)};
}

}  // namespace xmpp::caps
