// A byte stream to the server: TCP, optionally upgraded to TLS (STARTTLS, RFC 6120 §5) or TLS from
// the first byte (XEP-0368). The session driver only sees this interface, so session tests run the
// real driver over an in-memory transport (tests/session).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "net/asio.hpp"

namespace xmpp::net {

/// One certificate of the chain the server sent, as `xmpp probe` reports it.
struct CertificateSummary {
  std::string subject;                  ///< RFC 2253 one-line form
  std::string issuer;                   ///< RFC 2253 one-line form
  std::int64_t not_before = 0;          ///< Unix seconds
  std::int64_t not_after = 0;           ///< Unix seconds
  std::vector<std::string> dns_names;   ///< subjectAltName dNSName (DNS-IDs)
  std::vector<std::string> srv_names;   ///< SRVName otherName (SRV-IDs, RFC 4985)
  std::vector<std::string> xmpp_addrs;  ///< id-on-xmppAddr otherName (RFC 6120 §13.7.1.4)
  std::string spki_sha256;          ///< base64 SHA-256 of the SubjectPublicKeyInfo (the --pin form)
  std::string key;                  ///< "EC P-256", "RSA 2048", "ED25519"
  std::string signature_algorithm;  ///< "ecdsa-with-SHA256"
};

/// What the TLS layer negotiated; `active` is false before STARTTLS.
struct TlsInfo {
  bool active = false;
  /// Chain and identity checked against the JID domain, or a --pin matched (false with --insecure).
  bool verified = false;
  std::string version;           ///< "TLSv1.3"
  std::string cipher;            ///< "TLS_AES_256_GCM_SHA384"
  std::string alpn;              ///< "xmpp-client" on direct TLS when the server agreed
  std::string exporter;          ///< RFC 9266 tls-exporter channel binding (32 bytes), TLS 1.3 only
  std::string server_end_point;  ///< RFC 5929 tls-server-end-point channel binding
  std::string unique;            ///< RFC 5929 tls-unique (first Finished message), TLS 1.2 only
  /// The chain as the server sent it, leaf first (filled on every completed handshake).
  std::vector<CertificateSummary> chain;
  /// With TlsPolicy::report_only: why verification failed, as the error message would have
  /// said it ("" = chain, name and pins all good).
  std::string verify_error;
};

class Transport {
 public:
  virtual ~Transport() = default;

  /// Reads up to `size` bytes (at least one). A clean end of stream (TCP FIN, or TLS close_notify)
  /// returns 0; a TLS EOF without close_notify is an error (truncation), kind `temporary`.
  virtual awaitable<Result<std::size_t>> read_some(char* buffer, std::size_t size) = 0;
  /// Writes all of `data`.
  virtual awaitable<Result<void>> write(std::string data) = 0;
  /// STARTTLS: TLS handshake on the open connection, identity checked against the JID domain.
  /// Failures are kind `no_perm` (certificate, pin) or `unavailable`/`temporary` (I/O).
  virtual awaitable<Result<void>> start_tls() = 0;
  virtual const TlsInfo& tls() const = 0;
  /// Cancels pending operations (they complete with an error): used by deadline watchdogs.
  virtual void cancel() = 0;
  /// Sends TLS close_notify where applicable and closes the socket.
  virtual awaitable<void> shutdown() = 0;
  /// "127.0.0.1:5222" or similar, for messages and traces.
  virtual std::string peer() const = 0;
};

}  // namespace xmpp::net
