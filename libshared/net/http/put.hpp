// An HTTP/1.1 PUT of one file over TLS (RFC 9110 §9.3.4, RFC 9112), as XEP-0363 §6 uploads need:
// the body streamed from disk, our certificate checks against the URL's host, one deadline for the
// whole transfer, the response read with a size cap, no redirects.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "net/asio.hpp"

namespace xmpp::net::http {

/// What to send where, and how to reach it.
struct PutRequest {
  std::string url;  ///< absolute https URL (net/http/url.hpp rules)
  std::filesystem::path file;
  /// The size announced beforehand (the slot's): the file must still have exactly this size.
  std::uint64_t size = 0;
  std::string content_type;  ///< Content-Type; empty = none sent
  /// Further header fields, sent in this order. Names must be RFC 9110 tokens and values free of
  /// CR, LF and NUL; Host, Content-Length, Content-Type, Transfer-Encoding and Connection are ours.
  std::vector<std::pair<std::string, std::string>> headers;

  // Trust, as for the XMPP connection (tls/transport.hpp rules 2-3 with the URL's host as the
  // reference identity): the system store, or only `ca_file`; `insecure` checks nothing.
  std::optional<std::string> ca_file;
  bool insecure = false;
  /// Send over plain http:// too. Off everywhere in the product (XEP-0363 §4: the host MUST
  /// provide TLS); an http URL without it fails with no_perm "insecure_url".
  bool allow_plain_http = false;
  /// DNS server "IP" or "IP:PORT" instead of /etc/resolv.conf (env XMPP_DNS_SERVER; tests).
  std::optional<std::string> dns_server;

  /// The whole exchange: DNS, connect, TLS handshake, body and response. (DNS is bounded by
  /// min(timeout, 5 s) and each address's connect attempt by `timeout`; the rest by what is left.)
  std::chrono::milliseconds timeout{300000};
  /// Bytes of body handed to TLS per write; the file is never read whole into memory.
  std::size_t chunk_size = 64 * 1024;
  /// Called after each write with the body bytes sent so far and the total.
  std::function<void(std::uint64_t sent, std::uint64_t total)> progress;
};

/// The server's answer, whatever its status.
struct Response {
  unsigned status = 0;  ///< 201, 413, ...
  std::string reason;   ///< the reason phrase as sent ("Created"); may be empty
  std::string body;     ///< at most k_max_body bytes of it
  bool body_truncated = false;
  /// "201 Created": the status line without the version, for messages.
  std::string status_line() const;
};

/// Response bodies are read up to this size (then cut off; the status is what matters).
inline constexpr std::size_t k_max_body = 64 * 1024;
/// Response header block limit (Beast's parser refuses larger ones).
inline constexpr std::uint32_t k_max_header = 16 * 1024;

/// PUTs `request.file` to `request.url` with Content-Length, the Content-Type and the headers, on a
/// fresh connection ("Connection: close"), and returns the response without following redirects.
/// The host is resolved with the project's resolver (net/connect.hpp, `dns_server` honoured),
/// TLS is started with SNI = the host, and the certificate must name the host (a DNS-ID, or the
/// XMPP identities tls/identity.hpp also accepts); an IP-literal host verifies only with
/// `insecure`. If the server answers and closes before the body is complete (an early 413, say),
/// that answer is returned.
///
/// Errors: protocol "bad_url" (net/http/url.hpp); no_perm "insecure_url" (http without
/// `allow_plain_http`); no_input "file_unreadable" (cannot open or read the file); data
/// "file_changed" (its size is no longer `size`); no_host / unavailable / temporary from
/// connecting (net/connect.hpp); no_perm "cert_untrusted" / "cert_name_mismatch" / "tls_failed"
/// (tls/transport.hpp); temporary "connection_lost"; temporary "timeout" when `timeout` passes;
/// protocol "bad_http_response" for a response that is not HTTP/1.x; software "bad_header" for a
/// header the caller should not have passed.
awaitable<Result<Response>> put_file(PutRequest request);

}  // namespace xmpp::net::http
