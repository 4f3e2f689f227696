#include "net/srv.hpp"

#include <algorithm>
#include <memory>
#include <random>

namespace xmpp::net {

RandomSource default_random() {
  auto engine = std::make_shared<std::mt19937>(std::random_device{}());
  return [engine](std::uint32_t max) {
    return std::uniform_int_distribution<std::uint32_t>(0, max)(*engine);
  };
}

bool is_root_target(const std::string& target) {
  return target.empty() || target == ".";
}

std::vector<SrvRecord> order_srv(std::vector<SrvRecord> records, const RandomSource& random) {
  // Arrangement within a priority: weight 0 first (RFC 2782), then direct TLS before STARTTLS;
  // stable, so input order breaks the remaining ties.
  std::stable_sort(records.begin(), records.end(), [](const SrvRecord& a, const SrvRecord& b) {
    if (a.priority != b.priority) return a.priority < b.priority;
    if ((a.weight == 0) != (b.weight == 0)) return a.weight == 0;
    return a.direct_tls && !b.direct_tls;
  });
  std::vector<SrvRecord> ordered;
  ordered.reserve(records.size());
  auto group_begin = records.begin();
  while (group_begin != records.end()) {
    auto group_end = std::find_if(group_begin, records.end(), [&](const SrvRecord& r) {
      return r.priority != group_begin->priority;
    });
    std::vector<SrvRecord> group(group_begin, group_end);
    while (!group.empty()) {
      std::uint32_t sum = 0;
      for (const auto& r : group)
        sum += r.weight;
      const std::uint32_t pick = random ? std::min(random(sum), sum) : 0;
      std::uint32_t running = 0;
      auto chosen = group.begin();
      for (auto it = group.begin(); it != group.end(); ++it) {
        running += it->weight;
        if (running >= pick) {
          chosen = it;
          break;
        }
      }
      ordered.push_back(std::move(*chosen));
      group.erase(chosen);  // the remaining order stays the arrangement above
    }
    group_begin = group_end;
  }
  return ordered;
}

namespace {

std::vector<SrvRecord> usable(const SrvAnswer& answer) {
  std::vector<SrvRecord> out;
  if (answer.status != DnsStatus::ok) return out;
  for (const auto& r : answer.records)
    if (!is_root_target(r.target)) out.push_back(r);
  return out;
}

// RFC 2782: "If there is precisely one SRV RR, and its Target is "." ... abort". Several records
// that are all "." say the same thing.
bool denied(const SrvAnswer& answer) {
  return answer.status == DnsStatus::ok && !answer.records.empty() &&
         std::all_of(answer.records.begin(), answer.records.end(),
                     [](const SrvRecord& r) { return is_root_target(r.target); });
}

}  // namespace

SrvPlan plan_srv(const SrvAnswer& xmpps, const SrvAnswer& xmpp, TlsMode mode) {
  SrvPlan plan;
  if (mode != TlsMode::starttls)
    for (auto& r : usable(xmpps)) {
      r.direct_tls = true;
      plan.records.push_back(std::move(r));
    }
  if (mode != TlsMode::direct)
    for (auto& r : usable(xmpp)) {
      r.direct_tls = false;
      plan.records.push_back(std::move(r));
    }
  if (!plan.records.empty()) {
    plan.outcome = SrvPlan::Outcome::records;
    return plan;
  }
  if (denied(xmpps) || denied(xmpp)) {
    plan.outcome = SrvPlan::Outcome::no_service;
    plan.detail =
        denied(xmpp) ? "_xmpp-client SRV target is \".\"" : "_xmpps-client SRV target is \".\"";
    if (mode == TlsMode::direct && denied(xmpps)) plan.detail += " (direct TLS not offered)";
    return plan;
  }
  plan.outcome = SrvPlan::Outcome::fallback;
  plan.dns_failed = xmpps.status == DnsStatus::failed || xmpp.status == DnsStatus::failed;
  if (plan.dns_failed)
    plan.detail = "SRV lookup failed (" +
                  (xmpp.status == DnsStatus::failed ? xmpp.detail : xmpps.detail) + ")";
  return plan;
}

}  // namespace xmpp::net
