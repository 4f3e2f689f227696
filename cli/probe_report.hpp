// What `xmpp probe DOMAIN` found (CLI.md "probe"): the unauthenticated probe (DNS, every
// endpoint's TCP, TLS, certificate chain and stream features: stream/probe.hpp) and, after a
// login, what the server offers (XEP-0030 info and items of the server and each component,
// XEP-0157 contacts, XEP-0092 version, XEP-0012 uptime, XEP-0199 round trip). Plain data, rendered
// as the human report or one JSON document; the exit-code verdict beside it (nagios.hpp has the
// plugin's).
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "output.hpp"
#include "stream/probe.hpp"
#include "xep/contacts/contacts.hpp"
#include "xep/disco/disco.hpp"
#include "xep/version/version.hpp"

namespace xmpp::cli {

/// One item of the server's disco#items and what its disco#info says it is.
struct ComponentReport {
  std::string jid;
  std::optional<std::string> node;  ///< the item's node, if any
  std::optional<std::string> name;  ///< the item's name, if any
  /// "muc" (conference/text), "pubsub" (pubsub/service), "upload" (store/file or the XEP-0363
  /// feature), "proxy65" (proxy/bytestreams), else "CATEGORY/TYPE" of its first identity, or
  /// "unknown" (no identity, or disco#info failed).
  std::string kind = "unknown";
  std::optional<disco::DiscoInfo> info;        ///< nullopt when disco#info failed
  std::optional<std::uint64_t> max_file_size;  ///< upload: XEP-0363 §4 max-file-size, bytes
  std::optional<Error> error;                  ///< why disco#info failed
};

/// What the logged-in queries found about the server. A failed query leaves its value empty and
/// records its error under its name ("info", "items", "version", "uptime", "ping").
struct ServerReport {
  std::string jid;                                  ///< the domain
  std::optional<disco::DiscoInfo> info;             ///< XEP-0030 disco#info of the server
  std::vector<disco::DiscoItem> items;              ///< XEP-0030 disco#items of the server
  std::vector<ComponentReport> components;          ///< one per item with a domain JID and no node
  contacts::ContactAddresses contacts;              ///< XEP-0157, from `info`
  std::optional<version::SoftwareVersion> version;  ///< XEP-0092
  std::optional<std::uint64_t> uptime_s;            ///< XEP-0012 §5
  std::optional<double> rtt_ms;                     ///< XEP-0199 round trip to the server
  std::vector<std::pair<std::string, Error>> errors;

  /// The error recorded for `query`, or nullptr.
  const Error* error(std::string_view query) const;
};

/// The login with the configured credentials (nullopt in ProbeResult when there are none).
struct LoginReport {
  std::string jid;  ///< the bound full JID after a login, else the configured JID
  /// Why no login was attempted (another domain, nothing trusted to log in to, no password
  /// without a prompt); nullopt when one was.
  std::optional<std::string> skipped;
  bool ok = false;
  double login_ms = 0;  ///< Session::open: resolve, connect, TLS, SASL, bind (when ok)
  std::string address;  ///< "127.0.0.1:5223" (when ok)
  bool direct_tls = false;
  std::string mechanism;       ///< SASL mechanism used (when ok)
  std::optional<Error> error;  ///< why the login failed
};

/// Everything `xmpp probe` found, with the clock it was read by.
struct ProbeResult {
  std::string domain;
  std::int64_t now = 0;  ///< Unix seconds when the probe ran: days_left is counted from here
  stream::ProbeReport probe;
  std::optional<LoginReport> login;    ///< nullopt: no credentials configured
  std::optional<ServerReport> server;  ///< nullopt: no successful login
};

/// Whole days from `now` to `not_after` (Unix seconds), rounded down: 0 in the last day, negative
/// once expired.
std::int64_t days_left(std::int64_t not_after, std::int64_t now);

/// "2024-06-01T12:00:00Z" (RFC 3339, UTC).
std::string format_utc(std::int64_t unix_seconds);

/// ComponentReport::kind for a disco#info result.
std::string classify(const disco::DiscoInfo& info);

/// True when an endpoint completed TLS and got to the stream features without error, with its
/// certificate verified (or, with --insecure, verification skipped on purpose).
bool endpoint_usable(const stream::EndpointReport& endpoint, bool insecure);

/// Why an endpoint is not usable (nullopt when it is): its own error, else a no_perm
/// "cert_untrusted" error carrying TlsInfo::verify_error.
std::optional<Error> endpoint_problem(const stream::EndpointReport& endpoint, bool insecure);

/// The exit decision without --nagios (man xmpp-probe, EXIT STATUS): nullopt (exit 0) when at
/// least one endpoint is usable and, if a login was attempted, it worked; else the login's error
/// when the login failed, else the first endpoint's problem (77 untrusted certificate, 69 nothing
/// connects, ...), else no_host when DNS gave no endpoint at all.
std::optional<Error> probe_verdict(const ProbeResult& result, bool insecure);


/// The JSON document (man xmpp-probe, JSON OUTPUT).
nlohmann::ordered_json probe_json(const ProbeResult& result);

/// The human report: DNS, each endpoint, login, server, components. Network text is escaped.
void print_probe(const ProbeResult& result, std::ostream& out);

class ProbeReport final : public Report {
 public:
  explicit ProbeReport(ProbeResult result) : m_result(std::move(result)) {}
  const ProbeResult& result() const { return m_result; }
  nlohmann::ordered_json to_json() const override { return probe_json(m_result); }
  void print_human(std::ostream& out) const override { print_probe(m_result, out); }

 private:
  ProbeResult m_result;
};

}  // namespace xmpp::cli
