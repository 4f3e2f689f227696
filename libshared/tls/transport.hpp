// net::Transport over TCP and TLS: plain until start_tls() (STARTTLS, RFC 6120 §5.4.3.3), or TLS
// from the first byte after handshake_direct() (XEP-0368 §3). Certificate policy: SECURITY.md (c).
#pragma once

#include <memory>
#include <string>

#include "net/asio.hpp"
#include "net/connect.hpp"
#include "net/transport.hpp"
#include "tls/context.hpp"

namespace xmpp::tls {

/// One TCP connection to the server, optionally upgraded to TLS in place.
///
/// How the server is authenticated at each handshake (the first rule that applies):
///  1. `policy.pins` not empty: the leaf certificate's SPKI SHA-256 must equal one of the pins.
///     A matching pin is a trust anchor for exactly that key, like DANE-EE (RFC 7671 §5.1): chain,
///     validity dates and names are not checked (a self-hosted server with a self-signed
///     certificate works), and TlsInfo::verified is true. A pin that does not match fails with
///     "pin_mismatch" even when the chain would verify: a pin restricts, it never widens.
///     Pins apply even with `insecure`.
///  2. `policy.insecure`: nothing is checked; TlsInfo::verified is false.
///  3. Otherwise the chain must verify against the trust store (system, or `policy.ca_file` only),
///     the leaf must name `policy.reference_domain` as a DNS-ID, SRV-ID or XmppAddr
///     (tls/identity.hpp; never the subject CN, never the SRV target or --host), and a keyUsage
///     on the leaf must allow digitalSignature (RFC 8446 §4.4.2.2: the server signs with it).
/// With `policy.report_only` (`xmpp probe` only) the same rules run, but the first failure they
/// find does not abort the handshake: its message goes to TlsInfo::verify_error and
/// TlsInfo::verified stays false. Handshake and protocol failures ("tls_failed") still fail.
/// After every completed handshake TlsInfo::chain holds the certificates the server sent, leaf
/// first (tls/certificate.hpp).
///
/// Errors, all kind no_perm: "cert_untrusted" (OpenSSL's reason; a not-yet-valid certificate adds
/// a hint about the clock), "cert_name_mismatch" (the names presented and the domain),
/// "pin_mismatch" (the key's pin), "tls_failed" (handshake or protocol failure, including TLS < 1.2
/// and TLS 1.2 without extended master secret, RFC 7627). I/O failures are kind temporary:
/// "connection_lost", "tls_truncated" (EOF without close_notify), "cancelled" (cancel()).
class StreamTransport final : public net::Transport {
 public:
  /// `socket` is connected; `context` comes from make_client_context().
  StreamTransport(asio::ip::tcp::socket socket, std::shared_ptr<ClientContext> context,
                  net::TlsPolicy policy);
  ~StreamTransport() override;
  StreamTransport(const StreamTransport&) = delete;
  StreamTransport& operator=(const StreamTransport&) = delete;

  /// XEP-0368 direct TLS: the handshake on a fresh connection, ALPN "xmpp-client", SNI = the
  /// reference domain; the SRV-ID "_xmpps-client.DOMAIN" is accepted besides "_xmpp-client.DOMAIN".
  awaitable<Result<void>> handshake_direct();

  /// Reads up to `size` (> 0) bytes; 0 on clean end of stream (FIN in plain mode, close_notify
  /// under TLS).
  awaitable<Result<std::size_t>> read_some(char* buffer, std::size_t size) override;
  awaitable<Result<void>> write(std::string data) override;
  /// STARTTLS handshake (no ALPN). Call only after <proceed/>, with nothing read past it.
  awaitable<Result<void>> start_tls() override;
  const net::TlsInfo& tls() const override;
  void cancel() override;
  /// Under TLS sends close_notify and waits at most k_shutdown_timeout for the peer's; then closes.
  awaitable<void> shutdown() override;
  std::string peer() const override;

  static constexpr std::chrono::milliseconds k_shutdown_timeout{1000};

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace xmpp::tls
