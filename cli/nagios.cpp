#include "nagios.hpp"

#include <algorithm>
#include <optional>
#include <vector>

#include <fmt/format.h>

namespace xmpp::cli {

namespace {

struct Finding {
  NagiosState state;
  std::string text;
};

int severity(NagiosState s) {
  // UNKNOWN ranks between WARNING and CRITICAL when states are combined (the guidelines' order
  // for a plugin that checks several things is not fixed; this is check_multi's).
  switch (s) {
  case NagiosState::ok:
    return 0;
  case NagiosState::warning:
    return 1;
  case NagiosState::unknown:
    return 2;
  case NagiosState::critical:
    return 3;
  }
  return 2;
}

std::string where(const stream::EndpointReport& e) {
  return e.address.empty() ? e.endpoint.host + ":" + std::to_string(e.endpoint.port) : e.address;
}

/// Seconds with microsecond precision, in the guidelines' value class [-0-9.].
std::string seconds_value(double ms) {
  return fmt::format("{:.6f}s", std::max(ms, 0.0) / 1000.0);
}

std::string perf(std::string_view label, const std::optional<std::string>& value,
                 std::string_view thresholds = ";;;0") {
  if (!value) return fmt::format("{}=U", label);
  return fmt::format("{}={}{}", label, *value, thresholds);
}

std::string expiry_text(std::int64_t days) {
  if (days < 0) return fmt::format("expired {} day{} ago", -days, days == -1 ? "" : "s");
  if (days == 0) return "expires within a day";
  return fmt::format("expires in {} day{}", days, days == 1 ? "" : "s");
}

}  // namespace

std::string_view state_name(NagiosState state) {
  switch (state) {
  case NagiosState::ok:
    return "OK";
  case NagiosState::warning:
    return "WARNING";
  case NagiosState::critical:
    return "CRITICAL";
  case NagiosState::unknown:
    return "UNKNOWN";
  }
  return "UNKNOWN";
}

std::string NagiosCheck::line() const {
  auto out = fmt::format("XMPP {} - {}", state_name(state), text);
  if (!perfdata.empty()) out += " | " + perfdata;
  return out;
}

std::string plugin_text(std::string_view text) {
  auto out = escape_terminal(text);
  std::replace(out.begin(), out.end(), '|', '/');
  return out;
}

NagiosCheck nagios_check(const ProbeResult& r, const NagiosThresholds& t, bool insecure) {
  std::vector<Finding> findings;
  const auto& endpoints = r.probe.endpoints;

  const stream::EndpointReport* usable = nullptr;
  std::size_t usable_count = 0;
  for (const auto& e : endpoints) {
    if (!endpoint_usable(e, insecure)) continue;
    ++usable_count;
    if (usable == nullptr) usable = &e;
  }

  // Certificates: every endpoint that completed TLS shows one, usable or not.
  std::optional<std::int64_t> fewest_days;          // of every leaf, for the perfdata
  const stream::EndpointReport* soonest = nullptr;  // the trusted leaf that expires first
  for (const auto& e : endpoints) {
    if (!e.tls.active) continue;
    const bool trusted = e.tls.verified || insecure;
    const auto days = e.tls.chain.empty() ? std::optional<std::int64_t>()
                                          : days_left(e.tls.chain.front().not_after, r.now);
    if (days && (!fewest_days || *days < *fewest_days)) fewest_days = days;
    if (!trusted) {
      findings.push_back(
          {NagiosState::critical,
           days && *days < 0
               ? fmt::format("certificate of {} {} ({})", plugin_text(where(e)), expiry_text(*days),
                             format_utc(e.tls.chain.front().not_after))
               : plugin_text(e.tls.verify_error.empty()
                                 ? "certificate of " + where(e) + " not verified"
                                 : e.tls.verify_error)});
      continue;
    }
    if (days &&
        (soonest == nullptr || *days < days_left(soonest->tls.chain.front().not_after, r.now)))
      soonest = &e;
  }
  if (soonest != nullptr) {
    // An untrusted certificate is CRITICAL above, with its own reason.
    const auto not_after = soonest->tls.chain.front().not_after;
    const auto days = days_left(not_after, r.now);
    const auto text = fmt::format("certificate of {} {} ({})", plugin_text(where(*soonest)),
                                  expiry_text(days), format_utc(not_after));
    if (days < 0 || days < t.crit_days)
      findings.push_back({NagiosState::critical, text});
    else if (days < t.warn_days)
      findings.push_back({NagiosState::warning, text});
  }

  // Endpoints that fail before or during TLS or the stream (certificate failures are above).
  for (const auto& e : endpoints) {
    if (!e.error) continue;
    findings.push_back({usable_count > 0 ? NagiosState::warning : NagiosState::critical,
                        plugin_text(e.error->message)});
  }
  if (endpoints.empty())
    findings.push_back(
        {NagiosState::critical, plugin_text(r.domain) + ": no XMPP endpoint to probe"});

  if (r.login && !r.login->skipped && !r.login->ok)
    findings.push_back(
        {NagiosState::critical,
         "login failed: " + plugin_text(r.login->error ? r.login->error->message : "?")});

  NagiosCheck check;
  check.state = NagiosState::ok;
  for (const auto& f : findings)
    if (severity(f.state) > severity(check.state)) check.state = f.state;

  check.text = plugin_text(r.domain) + ": ";
  if (check.state != NagiosState::ok) {
    // The worst findings first, then the others, in the order found.
    std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
      return severity(a.state) > severity(b.state);
    });
    std::string joined;
    for (const auto& f : findings)
      joined += (joined.empty() ? "" : "; ") + f.text;
    check.text += joined;
  } else {
    std::vector<std::string> facts;
    if (endpoints.size() > 1) facts.push_back(fmt::format("{} endpoints", endpoints.size()));
    std::vector<std::string> versions;
    for (const auto& e : endpoints)
      if (e.tls.active &&
          std::find(versions.begin(), versions.end(), e.tls.version) == versions.end())
        versions.push_back(e.tls.version);
    std::string joined;
    for (const auto& v : versions)
      joined += (joined.empty() ? "" : "/") + plugin_text(v);
    if (!joined.empty()) facts.push_back(joined);
    if (fewest_days)
      facts.push_back(
          fmt::format("certificate valid {} day{}", *fewest_days, *fewest_days == 1 ? "" : "s"));
    if (r.login && r.login->ok) facts.push_back(fmt::format("login {:.0f} ms", r.login->login_ms));
    std::string text;
    for (const auto& f : facts)
      text += (text.empty() ? "" : ", ") + f;
    check.text += text;
  }

  // Perfdata.
  std::vector<std::string> perfdata;
  const stream::EndpointReport* timed = usable;
  if (timed == nullptr)
    for (const auto& e : endpoints)
      if (!e.address.empty()) {
        timed = &e;
        break;
      }
  perfdata.push_back(perf("connect", timed && !timed->address.empty()
                                         ? std::optional(seconds_value(timed->connect_ms))
                                         : std::nullopt));
  perfdata.push_back(perf("tls", timed && timed->tls.active
                                     ? std::optional(seconds_value(timed->tls_ms))
                                     : std::nullopt));
  if (r.login && !r.login->skipped) {
    perfdata.push_back(perf("login", r.login->ok ? std::optional(seconds_value(r.login->login_ms))
                                                 : std::nullopt));
    perfdata.push_back(perf("rtt", r.server && r.server->rtt_ms
                                       ? std::optional(seconds_value(*r.server->rtt_ms))
                                       : std::nullopt));
  }
  // Range form (guidelines "Threshold and ranges"): "14:" alerts below 14.
  const auto range = [](int days) { return days > 0 ? fmt::format("{}:", days) : std::string(); };
  perfdata.push_back(perf("cert_days",
                          fewest_days ? std::optional(std::to_string(*fewest_days)) : std::nullopt,
                          ";" + range(t.warn_days) + ";" + range(t.crit_days)));
  for (const auto& p : perfdata)
    check.perfdata += (check.perfdata.empty() ? "" : " ") + p;
  return check;
}

NagiosState nagios_state(const Error& error) {
  switch (error.kind) {
  case ErrorKind::usage:
  case ErrorKind::config:
  case ErrorKind::no_input:
  case ErrorKind::cant_create:
  case ErrorKind::software:
  case ErrorKind::interrupted:
    return NagiosState::unknown;
  default:
    return NagiosState::critical;
  }
}

NagiosCheck nagios_error(std::string_view domain, const Error& error) {
  NagiosCheck check;
  check.state = nagios_state(error);
  // Most messages name the domain already ("example.org: no XMPP service ...").
  const auto message = plugin_text(error.message);
  const auto prefix = plugin_text(domain) + ": ";
  check.text = message.rfind(prefix, 0) == 0 ? message : prefix + message;
  return check;
}

}  // namespace xmpp::cli
