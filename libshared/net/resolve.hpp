// From a JID domain to addresses to try: --host/--port, SRV (RFC 6120 §3.2.1, XEP-0368 §3-4) or
// the domain fallback (RFC 6120 §3.2.2), then A/AAAA of each target. resolve_endpoints()
// (net/connect.hpp) is this without the addresses.
#pragma once

#include <string>
#include <vector>

#include "core/result.hpp"
#include "net/asio.hpp"
#include "net/connect.hpp"
#include "net/srv.hpp"

namespace xmpp::net {

/// An endpoint with the addresses to try for it, in order.
struct ResolvedEndpoint {
  Endpoint endpoint;
  std::vector<asio::ip::address> addresses;
  std::string problem;  ///< why `addresses` is empty: "no address records", "timeout", ...
};

/// The plan connect() follows:
/// - `host` or `port` given: one endpoint, host (default the domain) : port (default 5222, or 5223
///   with TlsMode::direct), direct TLS only with TlsMode::direct; no SRV lookup. An IP literal is
///   used as is.
/// - otherwise _xmpps-client._tcp.DOMAIN and _xmpp-client._tcp.DOMAIN are asked together and
///   plan_srv() decides; SRV records are ordered by order_srv() with `random` (default_random()
///   when empty) and their targets' addresses asked together.
/// - the fallback is DOMAIN:5222 (STARTTLS), DOMAIN:5223 (direct TLS) with TlsMode::direct.
/// Each DNS phase is bounded by options.dns_timeout.
/// Errors: no_host "no_host" ("DOMAIN: no XMPP service (no SRV or address records)", or "XMPP
/// service not offered" for a "." target, or "HOST: no address records" for --host); temporary
/// "dns_timeout" when nothing can be tried because DNS failed or did not answer (a failed SRV
/// lookup whose fallback finds no address is temporary too, unless the domain is NXDOMAIN);
/// config "bad_dns_server".
awaitable<Result<std::vector<ResolvedEndpoint>>> resolve_addresses(ConnectOptions options,
                                                                   RandomSource random = {});

}  // namespace xmpp::net
