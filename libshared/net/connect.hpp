// Finding and reaching the server: SRV records (RFC 6120 §3.2, XEP-0368) through c-ares, address
// fallback, every address tried with a per-attempt deadline, direct TLS where the record says so.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "net/asio.hpp"
#include "net/transport.hpp"

namespace xmpp::net {

/// One place to try, in order.
struct Endpoint {
  std::string host;        ///< SRV target or the domain itself
  unsigned short port = 5222;
  bool direct_tls = false; ///< from _xmpps-client (XEP-0368): TLS from the first byte, ALPN xmpp-client
};

enum class TlsMode { automatic, starttls, direct };

/// Certificate policy (SECURITY.md (c)).
struct TlsPolicy {
  std::string reference_domain;        ///< the JID's domain in A-label form: the only reference identity
  std::optional<std::string> ca_file;  ///< trust this bundle instead of the system store
  std::vector<std::string> pins;       ///< base64 SHA-256 of the server certificate's SPKI
  bool insecure = false;               ///< skip verification (the CLI warns)
};

struct ConnectOptions {
  std::string domain;                     ///< A-label domain to resolve
  std::optional<std::string> host;        ///< --host: skip SRV
  std::optional<unsigned short> port;     ///< --port
  TlsMode tls = TlsMode::automatic;
  TlsPolicy policy;
  std::chrono::milliseconds attempt_timeout{10000};  ///< per address: TCP connect + direct TLS handshake
  /// DNS server "IP" or "IP:PORT" to ask instead of /etc/resolv.conf (env XMPP_DNS_SERVER; tests).
  std::optional<std::string> dns_server;
};

/// The endpoints for `options`, in the order to try them (XEP-0368 §3 merge of _xmpps-client and
/// _xmpp-client by priority and weight; NXDOMAIN falls back to domain:5222; a "." target means
/// no service). Errors: no_host ("no_host") when the domain has no XMPP service or does not exist,
/// temporary ("dns_timeout") when DNS did not answer.
awaitable<Result<std::vector<Endpoint>>> resolve_endpoints(ConnectOptions options);

struct Connected {
  std::unique_ptr<Transport> transport;
  Endpoint endpoint;
};

/// Resolves and tries every address of every endpoint in order until one connects (and, for
/// direct TLS, completes the handshake and identity check). Errors: no_host, unavailable
/// ("connect_failed", the message lists what was tried), no_perm for certificate/pin failures (not
/// retried on another address: a bad certificate is not a reachability problem).
awaitable<Result<Connected>> connect(ConnectOptions options);

}  // namespace xmpp::net
