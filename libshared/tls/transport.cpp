#include "tls/transport.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <optional>

#include "net/watchdog.hpp"
#include "tls/certificate.hpp"
#include "tls/channel_binding.hpp"
#include "tls/identity.hpp"
#include "tls/ssl.hpp"

namespace xmpp::tls {

namespace {

/// Acknowledge what arrives at once (Linux TCP_QUICKACK; the kernel drops back to delayed ACKs
/// on its own, so it is set again around each read and write of the negotiation). A server that
/// leaves Nagle's algorithm on (Prosody's default) holds a small write until its previous one is
/// acknowledged; with our delayed ACK that cost 40 ms after the TLS handshake (its session
/// tickets, then the stream header), a third of a one-message send.
void quick_ack([[maybe_unused]] asio::ip::tcp::socket& socket) {
#ifdef TCP_QUICKACK
  const int on = 1;
  (void)::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_QUICKACK, &on, sizeof on);
#endif
}

}  // namespace

namespace {

using boost::system::error_code;
using tcp = asio::ip::tcp;

std::string endpoint_text(const tcp::socket& socket) {
  error_code ec;
  const auto ep = socket.remote_endpoint(ec);
  if (ec) return "(unconnected)";
  const auto address = ep.address();
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(ep.port());
}

bool is_ip_literal(const std::string& name) {
  error_code ec;
  asio::ip::make_address(name, ec);
  return !ec;
}

// OpenSSL 3 reports an EOF without close_notify as SSL_R_UNEXPECTED_EOF_WHILE_READING; Asio 1.74
// only maps the pre-3.0 form to stream_truncated. Both are truncation (RFC 8446 §6.1).
bool is_truncation(const error_code& ec) {
  if (ec == asio::ssl::error::stream_truncated) return true;
  return ec.category() == asio::error::get_ssl_category() &&
         ERR_GET_REASON(static_cast<unsigned long>(ec.value())) ==
             SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

Error io_error(const error_code& ec, const std::string& peer, const std::string& what) {
  if (ec == asio::error::operation_aborted)
    return make_error(ErrorKind::temporary, "cancelled", "", what + " " + peer + " cancelled");
  if (is_truncation(ec))
    return make_error(ErrorKind::temporary, "tls_truncated", "",
                      peer + " closed the connection without TLS close_notify (truncation)");
  if (ec == asio::error::eof)
    return make_error(ErrorKind::temporary, "connection_lost", "", peer + " closed the connection");
  if (ec.category() == asio::error::get_ssl_category())
    return make_error(ErrorKind::temporary, "connection_lost", "",
                      what + " " + peer + ": TLS error: " + ec.message());
  return make_error(ErrorKind::temporary, "connection_lost", "",
                    what + " " + peer + ": " + ec.message());
}

}  // namespace

/// How long a negotiation read waits for the socket before handing over to OpenSSL anyway. Longer
/// than a busy server takes to answer: after it the reads OpenSSL makes go without quick_ack, and
/// a retransmission of ours meanwhile (on loopback after ~7 ms without an ACK) puts the socket back
/// in delayed-ACK mode (PROFILE.md).
constexpr std::chrono::milliseconds k_ack_wait{100};
/// Reads of the negotiation (stream headers, features, SASL, bind, XEP-0198) after a TLS start.
constexpr int k_negotiation_reads = 12;

struct StreamTransport::Impl {
  Impl(tcp::socket socket, std::shared_ptr<ClientContext> ctx, net::TlsPolicy tls_policy)
      : context(std::move(ctx)), stream(std::move(socket), context->ssl),
        policy(std::move(tls_policy)) {
    peer = endpoint_text(stream.next_layer());
    for (auto& pin : policy.pins)
      pin = normalise_pin(pin);
  }

  int quick_ack_reads = 0;  // see read_some

  // A verification failure: the first one is kept in `verify_error` (later ones follow from it
  // or would never have been reached). Returns what the verify callback returns: false aborts the
  // handshake with an alert; with report_only the handshake goes on and the failure is reported
  // in TlsInfo::verify_error instead (net/connect.hpp).
  bool reject(Error error) {
    if (!verify_error) verify_error = std::move(error);
    return policy.report_only;
  }

  // The certificate decision (the rules in transport.hpp), called by OpenSSL once per certificate
  // of the chain, root first, the leaf (depth 0) last.
  bool verify(bool preverified, X509_STORE_CTX* store) {
    if (!policy.pins.empty()) {
      if (!pin_checked) {
        pin_checked = true;
        // The leaf, whatever certificate of the chain this call is about.
        if (const auto der = der_of(X509_STORE_CTX_get0_cert(store)))
          if (auto pin = spki_sha256(*der)) leaf_pin = *pin;
        pin_matched = !leaf_pin.empty() && std::find(policy.pins.begin(), policy.pins.end(),
                                                     leaf_pin) != policy.pins.end();
      }
      if (pin_matched) return true;
      return reject(
          make_error(ErrorKind::no_perm, "pin_mismatch", "",
                     "server key sha256/" + leaf_pin + " of " + peer + " matches no --pin"));
    }
    if (policy.insecure) return true;
    const int depth = X509_STORE_CTX_get_error_depth(store);
    if (!preverified) {
      const int err = X509_STORE_CTX_get_error(store);
      std::string message = "certificate of " + policy.reference_domain + " (" + peer +
                            ") not trusted: " + X509_verify_cert_error_string(err);
      if (depth > 0) message += " (chain depth " + std::to_string(depth) + ")";
      if (err == X509_V_ERR_CERT_NOT_YET_VALID || err == X509_V_ERR_CRL_NOT_YET_VALID)
        message += "; check this machine's clock";
      return reject(make_error(ErrorKind::no_perm, "cert_untrusted", "", message));
    }
    if (depth != 0) return true;
    X509* leaf = X509_STORE_CTX_get_current_cert(store);
    PresentedIdentities ids;
    if (const auto der = der_of(leaf))
      if (auto parsed = presented_identities(*der)) ids = std::move(*parsed);
    if (!identity_matches(ids, policy.reference_domain, direct)) {
      X509_STORE_CTX_set_error(store, X509_V_ERR_HOSTNAME_MISMATCH);
      return reject(make_error(ErrorKind::no_perm, "cert_name_mismatch", "",
                               "certificate of " + peer + " is not valid for " +
                                   policy.reference_domain + ": it names " + describe(ids)));
    }
    // Every suite we offer (TLS 1.3; TLS 1.2 ECDHE only, tls/context.cpp) has the server sign
    // with this key, so a keyUsage extension must allow digitalSignature (RFC 8446 §4.4.2.2,
    // RFC 5280 §4.2.1.3). OpenSSL's ssl_server purpose also passes keyEncipherment or
    // keyAgreement alone. X509_get_key_usage() is all bits when there is no keyUsage.
    if ((X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE) == 0) {
      X509_STORE_CTX_set_error(store, X509_V_ERR_INVALID_PURPOSE);
      return reject(make_error(ErrorKind::no_perm, "cert_untrusted", "",
                               "certificate of " + policy.reference_domain + " (" + peer +
                                   ") not trusted: its key usage does not allow the digital "
                                   "signature the TLS handshake needs (RFC 8446 §4.4.2.2)"));
    }
    return true;
  }

  Error handshake_error(const error_code& ec) const {
    if (ec.category() == asio::error::get_ssl_category() && !is_truncation(ec)) {
      return make_error(ErrorKind::no_perm, "tls_failed", "",
                        "TLS handshake with " + peer + " failed: " + ec.message());
    }
    if (ec == asio::error::eof || is_truncation(ec))
      return make_error(ErrorKind::temporary, "connection_lost", "",
                        peer + " closed the connection during the TLS handshake");
    return io_error(ec, peer, "TLS handshake with");
  }

  void fill_info() {
    SSL* ssl = stream.native_handle();
    info.active = true;
    quick_ack_reads = k_negotiation_reads;
    // A failure recorded under report_only leaves the connection unverified.
    info.verified = !verify_error && (pin_matched || !policy.insecure);
    info.verify_error = verify_error ? verify_error->message : std::string();
    info.version = SSL_get_version(ssl);
    if (const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl)) {
      const char* name = SSL_CIPHER_standard_name(cipher);
      info.cipher = name != nullptr ? name : SSL_CIPHER_get_name(cipher);
    }
    const unsigned char* alpn = nullptr;
    unsigned int alpn_len = 0;
    SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
    info.alpn.assign(reinterpret_cast<const char*>(alpn), alpn != nullptr ? alpn_len : 0);

    if (SSL_version(ssl) == TLS1_3_VERSION) {
      // RFC 9266 §2: tls-exporter, empty context (use_context = 0), 32 bytes.
      std::string exporter(k_exporter_length, '\0');
      if (SSL_export_keying_material(ssl, reinterpret_cast<unsigned char*>(exporter.data()),
                                     exporter.size(), k_exporter_label.data(),
                                     k_exporter_label.size(), nullptr, 0, 0) == 1)
        info.exporter = std::move(exporter);
    } else {
      // RFC 5929 §3.1: tls-unique is the first Finished message of the latest handshake: ours
      // on a full handshake (the client sends Finished first), the server's on a resumption.
      unsigned char finished[EVP_MAX_MD_SIZE];
      const std::size_t len = SSL_session_reused(ssl)
                                  ? SSL_get_peer_finished(ssl, finished, sizeof finished)
                                  : SSL_get_finished(ssl, finished, sizeof finished);
      info.unique.assign(reinterpret_cast<const char*>(finished), std::min(len, sizeof finished));
    }
    if (const auto der = der_of(SSL_get0_peer_certificate(ssl)))
      info.server_end_point = server_end_point(*der);
    // On the client side the peer's chain starts with its own certificate.
    info.chain.clear();
    if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl))
      for (int i = 0; i < sk_X509_num(chain); ++i)
        info.chain.push_back(summarize(sk_X509_value(chain, i)));
  }

  awaitable<Result<void>> handshake(bool direct_tls) {
    if (info.active)
      co_return fail(ErrorKind::software, "tls_active", "", "TLS is already active on " + peer);
    if (handshake_started)
      co_return fail(ErrorKind::software, "tls_failed", "",
                     "a TLS handshake already failed on " + peer);
    handshake_started = true;
    direct = direct_tls;
    SSL* ssl = stream.native_handle();
    ERR_clear_error();
    // RFC 6066 §3: SNI carries a DNS name only, never an IP literal; XEP-0368 §3: the JID domain.
    if (!is_ip_literal(policy.reference_domain) &&
        SSL_set_tlsext_host_name(ssl, policy.reference_domain.c_str()) != 1)
      co_return fail(ErrorKind::software, "tls_init_failed", "",
                     "cannot set SNI " + policy.reference_domain);
    if (direct_tls) {
      static constexpr unsigned char k_alpn[] = {11,  'x', 'm', 'p', 'p', '-',
                                                 'c', 'l', 'i', 'e', 'n', 't'};
      if (SSL_set_alpn_protos(ssl, k_alpn, sizeof k_alpn) != 0)  // 0 is success here
        co_return fail(ErrorKind::software, "tls_init_failed", "", "cannot set ALPN");
    }
    error_code ec;
    stream.set_verify_mode(asio::ssl::verify_peer, ec);
    if (!ec)
      stream.set_verify_callback(
          [this](bool preverified, asio::ssl::verify_context& ctx) {
            return verify(preverified, ctx.native_handle());
          },
          ec);
    if (ec)
      co_return fail(ErrorKind::software, "tls_init_failed", "",
                     "cannot install the verify callback: " + ec.message());

    quick_ack(stream.next_layer());
    co_await stream.async_handshake(asio::ssl::stream_base::client,
                                    asio::redirect_error(asio::use_awaitable, ec));
    if (verify_error && !policy.report_only) co_return fail(*verify_error);
    if (ec) co_return fail(handshake_error(ec));
    // SECURITY.md (c): extended master secret required on TLS 1.2 (RFC 7627), which also makes
    // tls-unique safe to use.
    if (SSL_version(ssl) == TLS1_2_VERSION && SSL_get_extms_support(ssl) != 1)
      co_return fail(ErrorKind::no_perm, "tls_failed", "",
                     "TLS handshake with " + peer +
                         " failed: server does not support extended master secret (RFC 7627)");
    fill_info();
    // Our Finished, sent right after the server's flight arrived, put the socket in delayed-ACK
    // mode: leave it before the server's session tickets arrive (see write()).
    quick_ack(stream.next_layer());
    co_return Result<void>{};
  }

  std::shared_ptr<ClientContext> context;
  asio::ssl::stream<tcp::socket> stream;
  net::TlsPolicy policy;
  net::TlsInfo info;
  std::string peer;
  bool handshake_started = false;
  bool direct = false;
  bool pin_checked = false;
  bool pin_matched = false;
  std::string leaf_pin;
  std::optional<Error> verify_error;
};

StreamTransport::StreamTransport(tcp::socket socket, std::shared_ptr<ClientContext> context,
                                 net::TlsPolicy policy)
    : m_impl(std::make_unique<Impl>(std::move(socket), std::move(context), std::move(policy))) {}

StreamTransport::~StreamTransport() = default;

awaitable<Result<void>> StreamTransport::handshake_direct() {
  return m_impl->handshake(true);
}

awaitable<Result<void>> StreamTransport::start_tls() {
  return m_impl->handshake(false);
}

awaitable<Result<std::size_t>> StreamTransport::read_some(char* buffer, std::size_t size) {
  Impl& impl = *m_impl;
  error_code ec;
  std::size_t n = 0;
  auto& socket = impl.stream.next_layer();
  // During the negotiation, wait for bytes on the socket ourselves and acknowledge them at once
  // (quick_ack) before OpenSSL reads them: a read that only finds TLS 1.3 session tickets goes
  // on waiting inside OpenSSL, and the server's answer would wait behind our delayed ACK of the
  // tickets. Bytes already taken off the socket (in OpenSSL's read BIO) would never make it
  // readable again: then there is no wait. The cap (k_ack_wait) only guards what Asio might keep
  // beyond that BIO. Later reads go straight to OpenSSL.
  SSL* ssl = impl.stream.native_handle();
  if (impl.quick_ack_reads > 0 &&
      (!impl.info.active ||
       (SSL_has_pending(ssl) == 0 && BIO_ctrl_pending(SSL_get_rbio(ssl)) == 0))) {
    --impl.quick_ack_reads;
    net::Watchdog cap(socket.get_executor(), k_ack_wait, [&socket] {
      error_code ignored;
      socket.cancel(ignored);
    });
    co_await socket.async_wait(asio::ip::tcp::socket::wait_read,
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec && !cap.expired()) co_return fail(io_error(ec, impl.peer, "reading from"));
    cap.disarm();
    ec.clear();
    quick_ack(socket);
  }
  if (impl.info.active)
    n = co_await impl.stream.async_read_some(asio::buffer(buffer, size),
                                             asio::redirect_error(asio::use_awaitable, ec));
  else
    n = co_await impl.stream.next_layer().async_read_some(
        asio::buffer(buffer, size), asio::redirect_error(asio::use_awaitable, ec));
  if (n > 0) co_return n;
  // asio maps a received close_notify (and a plain FIN) to eof; a bare FIN under TLS is truncation.
  if (ec == asio::error::eof) co_return std::size_t{0};
  if (ec) co_return fail(io_error(ec, impl.peer, "reading from"));
  co_return std::size_t{0};
}

awaitable<Result<void>> StreamTransport::write(std::string data) {
  Impl& impl = *m_impl;
  error_code ec;
  if (impl.info.active)
    co_await asio::async_write(impl.stream, asio::buffer(data),
                               asio::redirect_error(asio::use_awaitable, ec));
  else
    co_await asio::async_write(impl.stream.next_layer(), asio::buffer(data),
                               asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return fail(io_error(ec, impl.peer, "writing to"));
  // Each send soon after a receive puts Linux back into delayed-ACK ("pingpong") mode, in which
  // not even a read that empties the socket acknowledges for ~40 ms. The quick_ack in read_some
  // precedes only its first socket read, not the ones OpenSSL makes inside it: when the reader had
  // taken the first session ticket and our stream header went out before the second arrived, that
  // ticket's ACK waited 40 ms and a Nagle server's features with it (PROFILE.md). So leave that
  // mode after every write of the negotiation as well.
  if (impl.quick_ack_reads > 0) quick_ack(impl.stream.next_layer());
  co_return Result<void>{};
}

const net::TlsInfo& StreamTransport::tls() const {
  return m_impl->info;
}

void StreamTransport::cancel() {
  error_code ignored;
  m_impl->stream.next_layer().cancel(ignored);
}

awaitable<void> StreamTransport::shutdown() {
  Impl& impl = *m_impl;
  auto& socket = impl.stream.next_layer();
  error_code ec;
  if (impl.info.active && socket.is_open()) {
    net::Watchdog dog(socket.get_executor(), k_shutdown_timeout, [&socket] {
      error_code ignored;
      socket.cancel(ignored);
    });
    co_await impl.stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
  }
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

std::string StreamTransport::peer() const {
  return m_impl->peer;
}

}  // namespace xmpp::tls
