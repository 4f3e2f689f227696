// A logged-in client session (RFC 6120): connect, TLS, SASL, bind, XEP-0198, then stanzas in and
// out until close. One reader coroutine feeds the router; commands await requests and sends.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "net/asio.hpp"
#include "net/connect.hpp"
#include "net/transport.hpp"
#include "xml/element.hpp"

namespace xmpp::stream {

using net::TlsMode;

/// Where traces go (--trace); the session writes timestamped, redacted XML through it.
using TraceSink = std::function<void(std::string_view direction, std::string_view data)>;

struct SessionOptions {
  Jid jid;                                   ///< bare or full; domain used for DNS and TLS identity
  std::string password;                      ///< empty with anonymous
  std::optional<std::string> host;           ///< --host: skip SRV
  std::optional<unsigned short> port;        ///< --port
  TlsMode tls = TlsMode::automatic;
  std::optional<std::string> ca_file;        ///< --ca-file: trust this bundle instead of the system store
  std::vector<std::string> pins;             ///< --pin: base64 SHA-256 of the SPKI
  bool insecure = false;                     ///< --insecure
  std::vector<std::string> sasl_mechanisms;  ///< --sasl; empty = default order
  bool anonymous = false;
  std::string resource;                      ///< empty = server-assigned
  int retries = 0;
  std::chrono::milliseconds connect_timeout{10000};  ///< per address attempt
  std::chrono::milliseconds step_timeout{15000};     ///< each negotiation step
  bool stream_management = true;             ///< enable XEP-0198 when offered
  std::optional<std::string> dns_server;     ///< env XMPP_DNS_SERVER (tests, diagnostics)
  TraceSink trace;                           ///< empty = no trace
};

/// Facts about the session, for -v and JSON output.
struct SessionInfo {
  std::string address;        ///< "127.0.0.1:5223"
  bool direct_tls = false;
  net::TlsInfo tls;
  std::string mechanism;      ///< SASL mechanism used
  bool stream_management = false;
  std::vector<std::string> stream_features;  ///< namespaces of post-auth features
};

class Router;

class Session {
 public:
  virtual ~Session() = default;

  /// Resolves, connects, negotiates TLS, authenticates, binds; honours the deadlines and retries in
  /// `options`. Errors carry the exit classes of CLI.md (no_host, unavailable, no_perm, ...).
  static awaitable<Result<std::unique_ptr<Session>>> open(SessionOptions options);
  /// Same, over a transport that is already connected (tests and direct use).
  static awaitable<Result<std::unique_ptr<Session>>> open_on(std::unique_ptr<net::Transport> transport,
                                                             bool direct_tls, SessionOptions options);

  virtual const Jid& jid() const = 0;              ///< the bound full JID
  virtual const SessionInfo& info() const = 0;

  /// Sends an iq get/set (an id is assigned if absent) and waits for the matching result or error
  /// from the addressee (RFC 6120 §8.2.3; a reply from anyone else is ignored, SECURITY.md row 31).
  /// An `error` reply becomes Error{kind remote, code "stanza_error", condition = the defined
  /// condition, message with the <text/>}; no reply before `timeout` is kind temporary, code "timeout".
  virtual awaitable<Result<xml::Element>> request(xml::Element iq, std::chrono::milliseconds timeout) = 0;
  /// Queues a stanza for sending (message/presence/iq result).
  virtual awaitable<Result<void>> send(xml::Element stanza) = 0;
  /// Waits until the server has acknowledged everything sent so far: an XEP-0198 <a/> covering it,
  /// or an iq round trip when stream management is off.
  virtual awaitable<Result<void>> flush(std::chrono::milliseconds timeout) = 0;
  /// Inbound dispatch for unsolicited stanzas.
  virtual Router& router() = 0;
  /// Graceful close: </stream:stream>, wait for the server's, TLS close_notify.
  virtual awaitable<Result<void>> close() = 0;
};

}  // namespace xmpp::stream
