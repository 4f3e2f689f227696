#include "tls/context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tls/ssl.hpp"

namespace xmpp::tls {

namespace {

/// The system trust store as OpenSSL's hashed certificate directory, whose certificates are
/// read only when a chain needs them: the default paths also load the whole bundle file (about
/// 140 certificates) on every run, 26 ms of a one-message send (bench/PROFILE.md). False when
/// there is no such directory, or the user pointed OpenSSL at a bundle (SSL_CERT_FILE): then
/// the default paths are used.
bool load_system_trust_lazily(SSL_CTX* ctx) {
  if (std::getenv(X509_get_default_cert_file_env()) != nullptr) return false;
  const char* dir = std::getenv(X509_get_default_cert_dir_env());
  if (dir == nullptr) dir = X509_get_default_cert_dir();
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec) || std::filesystem::is_empty(dir, ec)) return false;
  return SSL_CTX_load_verify_dir(ctx, dir) == 1;
}

}  // namespace
namespace {

// RFC 9325 §4.2 recommended TLS 1.2 suites: ECDHE key exchange with AEAD only (no CBC, no RSA key
// transport, no finite-field DHE per §4.1). TLS 1.3 suites are OpenSSL's defaults, all AEAD.
constexpr const char* k_tls12_ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                        "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                        "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

std::string openssl_reason() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

}  // namespace

Result<std::shared_ptr<ClientContext>> make_client_context(const net::TlsPolicy& policy) {
  ERR_clear_error();
  auto context =
      std::make_shared<ClientContext>(asio::ssl::context(asio::ssl::context::tls_client));
  SSL_CTX* ctx = context->ssl.native_handle();

  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(ctx, k_tls12_ciphers) != 1)
    return fail(ErrorKind::software, "tls_init_failed", "", "TLS setup: " + openssl_reason());
  // No TLS compression (CRIME), no renegotiation (RFC 9325 §3.5), no resumption: every connection
  // is a full handshake, which also keeps tls-unique clear of the triple-handshake attack
  // (RFC 7627 §1).
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);

  if (policy.ca_file) {
    // Checked first so that the message names the file rather than an OpenSSL internal.
    std::ifstream probe(*policy.ca_file);
    if (!probe)
      return fail(ErrorKind::no_input, "ca_file_unreadable", "",
                  "cannot read CA file " + *policy.ca_file);
    if (SSL_CTX_load_verify_locations(ctx, policy.ca_file->c_str(), nullptr) != 1)
      return fail(ErrorKind::no_input, "ca_file_unreadable", "",
                  "CA file " + *policy.ca_file +
                      " holds no usable certificate: " + openssl_reason());
  } else if (!load_system_trust_lazily(ctx) && SSL_CTX_set_default_verify_paths(ctx) != 1) {
    return fail(ErrorKind::software, "tls_init_failed", "",
                "cannot load the system trust store: " + openssl_reason());
  }
  // verify_peer always: the per-connection callback (tls/transport.cpp) applies --pin and
  // --insecure, so that the decision and its reason live in one place.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  return context;
}

}  // namespace xmpp::tls
