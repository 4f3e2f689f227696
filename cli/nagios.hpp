// `xmpp probe --nagios`: the probe's findings as a Nagios/Icinga plugin result (Nagios Plugin
// Development Guidelines: "Plugin Return Codes", "Plugin Output", "Performance data"). One line
// "XMPP STATE - TEXT | PERFDATA" on stdout and the exit code 0 OK, 1 WARNING, 2 CRITICAL,
// 3 UNKNOWN.
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"
#include "probe_report.hpp"

namespace xmpp::cli {

enum class NagiosState { ok = 0, warning = 1, critical = 2, unknown = 3 };

/// "OK", "WARNING", "CRITICAL", "UNKNOWN".
std::string_view state_name(NagiosState state);

/// --warn-days / --crit-days: the state is WARNING / CRITICAL when a certificate expires within
/// that many days, i.e. its days_left (whole days, rounded down) is below the number. 0 disables
/// the threshold (an expired certificate is CRITICAL regardless).
struct NagiosThresholds {
  int warn_days = 14;
  int crit_days = 7;
};

/// A plugin result.
struct NagiosCheck {
  NagiosState state = NagiosState::unknown;
  std::string text;      ///< the status text after "XMPP STATE - " (one line, no '|')
  std::string perfdata;  ///< after " | " (empty: none)

  int exit_code() const { return static_cast<int>(state); }
  /// "XMPP OK - example.org: TLSv1.3, certificate valid 87 days | connect=0.001200s;;;0 ...".
  std::string line() const;
};

/// Judges a probe (the rules in man xmpp-probe, NAGIOS PLUGIN):
/// - CRITICAL: no endpoint, or none usable (connect, TLS or stream failure); a certificate that
///   is expired, untrusted, for another name or not matching --pin on any endpoint (a client
///   does not fall back to another endpoint after a certificate failure); a certificate expiring
///   within crit_days; a login that failed.
/// - WARNING: an endpoint that fails while another is usable; a certificate expiring within
///   warn_days.
/// - OK otherwise. Optional queries (version, uptime, ping...) never change the state.
/// Perfdata: connect, tls (seconds, of the first usable endpoint), login and rtt (seconds, when a
/// login was attempted), cert_days (the fewest days left of any endpoint's leaf certificate, with
/// the thresholds in range form "N:"); a value that could not be measured is "U".
NagiosCheck nagios_check(const ProbeResult& result, const NagiosThresholds& thresholds,
                         bool insecure);

/// The state for an error that stopped the probe before it had anything to judge: UNKNOWN for
/// what is wrong on our side (usage, config, an unreadable --ca-file, a bug), CRITICAL for
/// everything the network or the server caused (no XMPP service in DNS, DNS or socket timeouts:
/// the guidelines keep these out of UNKNOWN).
NagiosState nagios_state(const Error& error);

/// The result for such an error: "XMPP CRITICAL - example.org: MESSAGE".
NagiosCheck nagios_error(std::string_view domain, const Error& error);

/// Text from the network made safe for a plugin line: terminal escapes as escape_terminal, and
/// '|' (the perfdata separator) replaced by '/'.
std::string plugin_text(std::string_view text);

}  // namespace xmpp::cli
