// Finding and reaching the server: SRV records (RFC 6120 §3.2, XEP-0368) through c-ares, address
// fallback, every address tried with a per-attempt deadline, direct TLS where the record says so.
#pragma once

#include <chrono>
#include <functional>
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
  std::string host;  ///< SRV target or the domain itself
  unsigned short port = 5222;
  /// From _xmpps-client (XEP-0368): TLS from the first byte, ALPN xmpp-client.
  bool direct_tls = false;
};

enum class TlsMode { automatic, starttls, direct };

/// Certificate policy (SECURITY.md (c)).
struct TlsPolicy {
  std::string reference_domain;  ///< the JID's domain in A-label form: the only reference identity
  std::optional<std::string> ca_file;  ///< trust this bundle instead of the system store
  /// base64 SHA-256 of the server certificate's SPKI; a matching pin replaces the chain and name
  /// checks, a non-matching one refuses (tls/transport.hpp).
  std::vector<std::string> pins;
  bool insecure = false;  ///< skip verification (the CLI warns)
  /// `xmpp probe` only, never for a stream that authenticates: verify as usual but complete the
  /// handshake anyway, recording the failure in TlsInfo::verify_error, so a report can show a
  /// bad certificate's chain and the server's features.
  bool report_only = false;
};

/// Where connect() has got to, for `--timing` (stream/phases.hpp).
enum class ConnectStep {
  resolved,       ///< DNS answered: the addresses to try are known
  tcp_connected,  ///< a TCP connection is up (before its direct-TLS handshake, if any)
};

struct ConnectOptions {
  std::string domain;                  ///< A-label domain to resolve
  std::optional<std::string> host;     ///< --host: skip SRV
  std::optional<unsigned short> port;  ///< --port
  TlsMode tls = TlsMode::automatic;
  TlsPolicy policy;
  /// Per address: TCP connect + direct TLS handshake.
  std::chrono::milliseconds attempt_timeout{10000};
  /// DNS server "IP" or "IP:PORT" to ask instead of /etc/resolv.conf (env XMPP_DNS_SERVER; tests).
  std::optional<std::string> dns_server;
  /// Bound on each DNS phase (the SRV pair, then the addresses), SECURITY.md (b): an unanswered
  /// or SERVFAIL lookup ends after this and counts as failed.
  std::chrono::milliseconds dns_timeout{5000};
  /// Told as connect() passes each ConnectStep (tcp_connected once per address it connects to);
  /// empty = nobody asks.
  std::function<void(ConnectStep)> on_step;
  /// Addresses (as address_text() writes them, with the port) not to try: ones where a stream
  /// already failed after the TCP connect in this login (a node that accepts and then hangs).
  std::vector<std::string> skip;
};

/// The endpoints for `options`, in the order to try them (XEP-0368 §3 merge of _xmpps-client and
/// _xmpp-client by priority and weight; NXDOMAIN falls back to domain:5222; a "." target means
/// no service). Errors: no_host ("no_host") when the domain has no XMPP service or does not exist,
/// temporary ("dns_timeout") when DNS did not answer. The full rules: net/resolve.hpp.
awaitable<Result<std::vector<Endpoint>>> resolve_endpoints(ConnectOptions options);

struct Connected {
  std::unique_ptr<Transport> transport;
  Endpoint endpoint;
  std::string address;  ///< the address connected to, as address_text() writes it
};

/// Resolves and tries every address of every endpoint in order until one connects (and, for
/// direct TLS, completes the handshake and identity check). Errors: no_host, unavailable
/// ("connect_failed", the message lists what was tried), no_perm for certificate/pin failures (not
/// retried on another address: a bad certificate is not a reachability problem).
/// A direct-TLS handshake that fails or times out ("tls_failed") moves on to the next address, as
/// one misconfigured port may be; when nothing connects and such a failure happened, the error is
/// no_perm "tls_failed" (SECURITY.md (b): handshake failures exit 77), with the same list.
/// TCP keepalive and TCP_NODELAY are set on the socket. Errors of the TLS context: no_input
/// ("ca_file_unreadable").
awaitable<Result<Connected>> connect(ConnectOptions options);

/// "127.0.0.1:5222", "[::1]:5222": an address and port as messages and reports show them.
std::string address_text(const asio::ip::address& address, unsigned short port);

/// One TCP connection to `address`:`port` within `timeout`, with TCP keepalive and TCP_NODELAY
/// set (what connect() does for each address, and what `xmpp probe` times on its own).
/// Errors, kind unavailable: "connect_timeout" ("timed out after N ms"), "connect_failed" (the
/// system's reason, e.g. "Connection refused").
awaitable<Result<asio::ip::tcp::socket>> connect_tcp(asio::ip::address address, unsigned short port,
                                                     std::chrono::milliseconds timeout);

}  // namespace xmpp::net
