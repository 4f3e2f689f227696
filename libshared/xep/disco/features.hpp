// The specification behind a disco#info feature var (XEP-0030 §3.1 `<feature var/>`): a small
// table of the namespaces registered with the XSF registrar and the RFCs, so `xmpp disco info`
// reads like a capability report. A lookup table, never a guess: unknown vars have no entry.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace xmpp::disco {

struct FeatureSpec {
  std::string_view spec;   ///< "XEP-0199", "RFC 6121"
  std::string_view title;  ///< "XMPP Ping": the spec's own title
  bool operator==(const FeatureSpec&) const = default;
};

/// The spec a feature var belongs to: exact vars first, then registered prefixes such as
/// "http://jabber.org/protocol/pubsub#" (pubsub#publish is XEP-0060; the longest prefix wins).
/// "NS+notify" (the PEP notification filter, XEP-0060 §9.2, XEP-0163 §4.2) is the spec of NS, or
/// XEP-0163 when NS is unknown. nullopt when unknown. FORM_TYPEs of XEP-0128 forms registered by
/// a spec (e.g. XEP-0157's serverinfo) are in the table too.
std::optional<FeatureSpec> feature_spec(std::string_view var);

/// One row of the tables behind feature_spec.
struct FeatureEntry {
  std::string_view var;  ///< the var, or for a prefix row the prefix (ending in '#', ':' or '?')
  FeatureSpec spec;
};

/// The exact vars, sorted byte-wise ("i;octet") without duplicates, for binary search. Exposed for
/// the test that keeps them so.
std::span<const FeatureEntry> exact_features();
/// The prefixes, sorted the same way. A prefix ends in a separator, so it never matches a longer
/// name ("...pubsub#" does not match "...pubsubX").
std::span<const FeatureEntry> prefix_features();

}  // namespace xmpp::disco
