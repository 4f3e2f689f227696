// Mechanism selection and channel-binding decisions (RFC 6120 §6.3.3, RFC 5802 §6, XEP-0440 §4,
// XEP-0474 §5); the rules are listed on choose() in mechanism.hpp.
#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "core/random.hpp"
#include "core/text.hpp"
#include "sasl/mechanism.hpp"
#include "sasl/scram.hpp"
#include "sasl/simple.hpp"

namespace xmpp::sasl {
namespace {

enum class Family { scram, plain };

struct Candidate {
  std::string_view name;
  Family family;
  ScramHash hash;
  bool plus;
};

constexpr std::array<Candidate, 7> k_order{{
    {"SCRAM-SHA-512-PLUS", Family::scram, ScramHash::sha512, true},
    {"SCRAM-SHA-256-PLUS", Family::scram, ScramHash::sha256, true},
    {"SCRAM-SHA-1-PLUS", Family::scram, ScramHash::sha1, true},
    {"SCRAM-SHA-512", Family::scram, ScramHash::sha512, false},
    {"SCRAM-SHA-256", Family::scram, ScramHash::sha256, false},
    {"SCRAM-SHA-1", Family::scram, ScramHash::sha1, false},
    {"PLAIN", Family::plain, ScramHash::sha256, false},
}};

constexpr std::string_view k_anonymous = "ANONYMOUS";

// Strongest first (RFC 9266 §4: tls-exporter; RFC 5929 §4: tls-server-end-point; tls-unique last,
// RFC 9266 §3 deprecates it and it is undefined for TLS 1.3).
constexpr std::array<ChannelBinding, 3> k_binding_order{{ChannelBinding::tls_exporter,
                                                         ChannelBinding::tls_server_end_point,
                                                         ChannelBinding::tls_unique}};

bool contains(const std::vector<std::string>& list, std::string_view name) {
  return std::any_of(list.begin(), list.end(),
                     [&](const std::string& s) { return ascii_iequals(s, name); });
}

bool ends_with_plus(std::string_view name) {
  constexpr std::string_view k_suffix = "-PLUS";
  return name.size() > k_suffix.size() &&
         ascii_iequals(name.substr(name.size() - k_suffix.size()), k_suffix);
}

// The binding data usable on this connection for `type` (empty = cannot bind with it).
const std::string& binding_data(const TlsState& tls, ChannelBinding type) {
  static const std::string k_none;
  if (!tls.active) return k_none;
  switch (type) {
  case ChannelBinding::tls_exporter:
    return tls.tls13 ? tls.exporter : k_none;  // RFC 9266 §3 (TLS 1.2 only with EMS; not used)
  case ChannelBinding::tls_server_end_point:
    return tls.server_end_point;
  case ChannelBinding::tls_unique:
    return tls.tls13 ? k_none : tls.unique;  // RFC 9266 §3: undefined for TLS 1.3
  case ChannelBinding::none:
    break;
  }
  return k_none;
}

struct BindingPlan {
  ChannelBinding type = ChannelBinding::none;
  bool require_ssdp = false;
};

}  // namespace

const std::vector<std::string>& supported_mechanisms() {
  static const std::vector<std::string> k_names = [] {
    std::vector<std::string> v;
    for (const auto& c : k_order)
      v.emplace_back(c.name);
    v.emplace_back(k_anonymous);
    return v;
  }();
  return k_names;
}

Result<std::unique_ptr<Mechanism>> choose(const Offer& offer, const Policy& policy,
                                          const Credentials& credentials, const TlsState& tls,
                                          NonceSource nonce) {
  const auto offered = [&](std::string_view name) { return contains(offer.mechanisms, name); };
  const auto permitted = [&](std::string_view name) {
    return policy.allowed.empty() || contains(policy.allowed, name);
  };
  const std::string offered_text =
      offer.mechanisms.empty()
          ? "the server offered no SASL mechanisms"
          : "the server offered: " + fmt::to_string(fmt::join(offer.mechanisms, ", "));
  const std::string policy_text =
      policy.allowed.empty()
          ? ""
          : " (allowed by policy: " + fmt::to_string(fmt::join(policy.allowed, ", ")) + ")";

  if (policy.anonymous) {
    if (offered(k_anonymous) && permitted(k_anonymous)) return make_anonymous();
    return fail(ErrorKind::no_perm, "no_mechanism", "",
                "server does not offer SASL ANONYMOUS; " + offered_text + policy_text);
  }

  const bool plus_offered = std::any_of(offer.mechanisms.begin(), offer.mechanisms.end(),
                                        [](const std::string& m) { return ends_with_plus(m); });
  const bool plus_permitted = std::any_of(k_order.begin(), k_order.end(), [&](const Candidate& c) {
    return c.plus && permitted(c.name);
  });
  const bool plus_candidate = std::any_of(k_order.begin(), k_order.end(), [&](const Candidate& c) {
    return c.plus && permitted(c.name) && offered(c.name);
  });
  const bool can_bind =
      std::any_of(k_binding_order.begin(), k_binding_order.end(),
                  [&](ChannelBinding t) { return !binding_data(tls, t).empty(); });
  // XEP-0440 §2 requires one or more types; an empty list is treated as no list (see
  // mechanism.hpp).
  const bool types_listed = offer.cb_types_advertised && !offer.cb_types.empty();

  // XEP-0440 §4 rule 5 (SHOULD for SASL1): types listed but every -PLUS mechanism stripped.
  if (types_listed && !plus_offered && can_bind && plus_permitted)
    return fail(ErrorKind::no_perm, "downgrade", "",
                "server lists channel-binding types (" +
                    fmt::to_string(fmt::join(offer.cb_types, ", ")) +
                    ") but offers no -PLUS SASL mechanism (XEP-0440; possible man-in-the-middle "
                    "downgrade)");

  // The user named a -PLUS mechanism in --sasl: bind as RFC 9266 says and let the server decide.
  const bool plus_named = std::any_of(policy.allowed.begin(), policy.allowed.end(),
                                      [](const std::string& m) { return ends_with_plus(m); });
  // TLS 1.3 without an XEP-0440 list: the server may bind only tls-unique, which TLS 1.3 lacks
  // (ejabberd 23.01 does), so -PLUS would fail the login; plain SCRAM is preferred then.
  const bool plus_after_scram = tls.active && tls.tls13 && !types_listed && !plus_named;

  BindingPlan plan;
  if (tls.active) {
    if (types_listed) {
      for (ChannelBinding t : k_binding_order) {
        if (contains(offer.cb_types, to_string(t)) && !binding_data(tls, t).empty()) {
          plan.type = t;
          break;
        }
      }
      // XEP-0474 §5 new rule 6: no common type; continue with "n" but insist on the SSDP hash.
      if (plan.type == ChannelBinding::none && plus_candidate && can_bind) plan.require_ssdp = true;
    } else {
      // No XEP-0440 list: RFC 9266's type on TLS 1.3, RFC 5802's mandatory tls-unique on 1.2.
      const ChannelBinding t =
          tls.tls13 ? ChannelBinding::tls_exporter : ChannelBinding::tls_unique;
      if (!binding_data(tls, t).empty()) plan.type = t;
    }
  }

  // Our order, or with plus_after_scram: plain SCRAM, then -PLUS (better than PLAIN or nothing).
  std::vector<Candidate> order(k_order.begin(), k_order.end());
  if (plus_after_scram)
    std::stable_partition(order.begin(), order.end(),
                          [](const Candidate& c) { return c.family == Family::scram && !c.plus; });

  std::string plain_refusal;
  for (const Candidate& c : order) {
    if (!offered(c.name) || !permitted(c.name)) continue;
    if (c.family == Family::plain) {
      if (!policy.allow_plain) {
        plain_refusal = "PLAIN is disabled by policy";
        continue;
      }
      if (!tls.active) {
        plain_refusal = "PLAIN would send the password without TLS (possible downgrade)";
        continue;
      }
      if (!tls.verified) {
        plain_refusal = "PLAIN would send the password over TLS whose certificate is not verified";
        continue;
      }
      return make_plain(credentials, tls);
    }
    if (c.plus && plan.type == ChannelBinding::none) continue;

    ScramSetup setup;
    setup.hash = c.hash;
    if (c.plus) {
      setup.cbind_flag = 'p';
      setup.binding = plan.type;
      setup.binding_data = binding_data(tls, plan.type);
    } else if (tls.active && !plus_offered && !types_listed && can_bind && plus_permitted) {
      // RFC 5802 §6: we could bind but saw no -PLUS; "y" lets the server detect the stripping.
      setup.cbind_flag = 'y';
    } else {
      setup.cbind_flag = 'n';
    }
    setup.username = credentials.authcid;
    setup.password = credentials.password;
    setup.authzid = credentials.authzid;
    setup.client_nonce = nonce ? nonce() : random_id();
    setup.offer = offer;
    setup.require_ssdp = plan.require_ssdp && !c.plus;
    return make_scram(std::move(setup));
  }

  if (!plain_refusal.empty())
    return fail(ErrorKind::no_perm, "no_mechanism", "",
                "refusing to authenticate: " + plain_refusal + "; " + offered_text + policy_text);
  std::string hint;
  if (plus_offered && plan.type == ChannelBinding::none)
    hint = " (-PLUS needs channel-binding data this connection does not provide)";
  return fail(ErrorKind::no_perm, "no_mechanism", "",
              "no acceptable SASL mechanism; " + offered_text + policy_text + hint);
}

}  // namespace xmpp::sasl
