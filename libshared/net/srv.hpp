// SRV record ordering and the choice between SRV targets and the domain fallback: RFC 2782
// "Usage rules", RFC 6120 §3.2, XEP-0368 §3-4. Pure functions (no DNS, random source injected).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "net/connect.hpp"

namespace xmpp::net {

/// One SRV resource record; `direct_tls` when it came from _xmpps-client.
struct SrvRecord {
  std::uint16_t priority = 0;
  std::uint16_t weight = 0;
  std::uint16_t port = 0;
  std::string target;  ///< "" or "." is the root: "service decidedly not available" (RFC 2782)
  bool direct_tls = false;
};

/// What one DNS question came back with.
enum class DnsStatus {
  ok,        ///< NOERROR with answers
  nxdomain,  ///< the name does not exist
  no_data,   ///< the name exists, no record of that type
  failed,    ///< SERVFAIL, REFUSED, malformed, or no answer in time: says nothing about the name
};

struct SrvAnswer {
  DnsStatus status = DnsStatus::failed;
  std::vector<SrvRecord> records;
  std::string detail;  ///< for messages: "timeout", "SERVFAIL", ...
};

/// Returns a uniform integer in [0, max] (inclusive, as RFC 2782's weight selection needs).
using RandomSource = std::function<std::uint32_t(std::uint32_t max)>;

/// A RandomSource seeded from std::random_device (load spreading, not secrecy).
RandomSource default_random();

/// RFC 2782 order: ascending priority; within a priority, repeated weighted random selection
/// (running sums, a random number in [0, sum], the first record whose running sum reaches it).
/// `records` is the XEP-0368 §3 merge of _xmpps-client and _xmpp-client, mixed as one set.
/// RFC 2782 lets the arrangement before each selection be any order with weight-0 records first;
/// we put direct-TLS records before STARTTLS ones (each group in input order). Weights still rule,
/// but where the operator expressed no preference (equal priority, weights all 0) direct TLS comes
/// first, as SECURITY.md (c) asks and XEP-0368 §3 allows ("clients MAY choose to prefer one").
/// Root targets must already be removed (see plan_srv).
std::vector<SrvRecord> order_srv(std::vector<SrvRecord> records, const RandomSource& random);

/// What to do after the two SRV lookups.
struct SrvPlan {
  enum class Outcome {
    records,     ///< connect to `records` (unordered: pass them to order_srv)
    fallback,    ///< no usable SRV record: the domain's own addresses (RFC 6120 §3.2.2)
    no_service,  ///< a "." target said XMPP is not offered (as far as `mode` allows)
  };
  Outcome outcome = Outcome::fallback;
  std::vector<SrvRecord> records;
  bool dns_failed = false;  ///< a lookup failed: a fallback that finds nothing is temporary
  std::string detail;       ///< for messages
};

/// Decides between SRV targets, the address fallback and "no service":
/// - records whose target is not "." from the services `mode` allows (automatic: both; starttls:
///   _xmpp-client only; direct: _xmpps-client only) are used when there are any;
/// - otherwise a set that is exactly one "." target (RFC 2782) means no service without address
///   fallback, for either service (XEP-0368 §4: an _xmpps-client "." still lets _xmpp-client
///   records be used, but forbids the A/AAAA fallback; an _xmpp-client "." is RFC 2782's abort);
/// - otherwise (NXDOMAIN, no SRV records, lookup failures, or only records `mode` excludes) the
///   fallback.
SrvPlan plan_srv(const SrvAnswer& xmpps, const SrvAnswer& xmpp, TlsMode mode);

/// True for the root target ("" or ".").
bool is_root_target(const std::string& target);

}  // namespace xmpp::net
