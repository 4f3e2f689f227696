// XEP-0363 HTTP File Upload (version 1.2.0) over a session: find the upload service (§4), ask for a
// slot (§5) and PUT the file over HTTPS (§7, net/http/put.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "net/asio.hpp"
#include "stream/session.hpp"

namespace xmpp::upload {

/// An upload service and its limit.
struct Service {
  Jid jid;
  std::optional<std::uint64_t> max_file_size;  ///< bytes, from its XEP-0128 form
};

/// §4: disco#items of our server, then disco#info of each item (entities that look like upload
/// services first) until one advertises urn:xmpp:http:upload:0; then the server itself. Items
/// with a node or a localpart are not services and are skipped, and so are items whose disco#info
/// fails. `timeout` bounds each request.
/// Errors: the disco#items failure (context "disco#items to DOMAIN"); kind remote, code
/// "no_upload_service" when nothing offers the feature.
awaitable<Result<Service>> find_service(stream::Session& session,
                                        std::chrono::milliseconds timeout);

struct UploadOptions {
  std::chrono::milliseconds timeout{15000};  ///< each XMPP request (disco, slot)
  /// The HTTP PUT as a whole: DNS, connect, TLS, body, response.
  std::chrono::milliseconds transfer_timeout{300000};
  /// The upload service to use; nullopt = find_service(). A given service is not asked for its
  /// limit: the slot request is the check.
  std::optional<Jid> service;
  /// The name announced in the slot request; default the file's own name (never its directory).
  std::optional<std::string> filename;
  /// Default: from the file name's extension (a short table of common types), else
  /// application/octet-stream.
  std::optional<std::string> content_type;
  // The HTTPS server's certificate is checked like the XMPP server's (same trust store), against
  // the URL's host. --pin does not apply: the pins are the XMPP server's keys.
  std::optional<std::string> ca_file;     ///< --ca-file
  bool insecure = false;                  ///< --insecure
  std::optional<std::string> dns_server;  ///< env XMPP_DNS_SERVER (tests)
  /// Accept http:// slot URLs. Never set by the product (XEP-0363 §4: the host MUST use TLS).
  bool allow_plain_http = false;
  /// Body bytes sent so far and the total, after each write (progress display).
  std::function<void(std::uint64_t sent, std::uint64_t total)> progress;
};

/// A finished upload.
struct Uploaded {
  std::string get_url;  ///< where the file can be fetched: what the message carries
  std::uint64_t size = 0;
  std::string content_type;
  std::string filename;  ///< as announced
  Jid service;
  unsigned http_status = 0;  ///< 201 (or 200)
};

/// Uploads `file`: checks it, finds the service (unless given), refuses a file over the service's
/// max-file-size before asking, requests a slot, PUTs the file with the slot's allowed headers,
/// and returns the GET URL once the server answered 200 or 201.
/// Errors:
/// - no_input "file_unreadable": missing, not a regular file, or unreadable (exit 66);
/// - usage "bad_content_type" / "bad_filename": an option that cannot be sent;
/// - remote "file_too_large", condition not-acceptable: over the advertised max-file-size;
/// - remote "stanza_error" with the service's condition (context "upload slot from SERVICE");
/// - no_perm "insecure_upload": the slot offered plain http; protocol "bad_reply" / "bad_url";
/// - remote "http_status": the PUT got another status ("HTTP upload to ORIGIN: 413 Payload Too
///   Large"); the slot URL's path is never put in messages (it is a secret);
/// - what net::http::put_file returns: no_host, unavailable, temporary ("timeout",
///   "connection_lost"), no_perm for certificate and TLS failures.
awaitable<Result<Uploaded>> upload_file(stream::Session& session, std::filesystem::path file,
                                        UploadOptions options);

/// The content type upload_file picks for `filename` when none is given.
std::string guess_content_type(std::string_view filename);

}  // namespace xmpp::upload
