// A logged-in client session (RFC 6120): connect, TLS, SASL, bind, XEP-0198, then stanzas in and
// out until close. One reader coroutine feeds the router; commands await requests and sends.
#pragma once

#include <chrono>
#include <cstdint>
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
#include "sasl/mechanism.hpp"
#include "stream/phases.hpp"
#include "xml/element.hpp"

namespace xmpp::stream {

/// How much one read of the stream asks the transport for.
inline constexpr std::size_t k_read_chunk = 16 * 1024;
/// SECURITY.md "SE(x)": after our </stream:stream>, how long we wait for the server's.
inline constexpr std::chrono::milliseconds k_close_wait{2000};

using net::TlsMode;

/// Where traces go (--trace); the session writes timestamped, redacted XML through it.
using TraceSink = std::function<void(std::string_view direction, std::string_view data)>;

struct SessionOptions {
  Jid jid;                             ///< bare or full; domain used for DNS and TLS identity
  std::string password;                ///< empty with anonymous
  std::optional<std::string> host;     ///< --host: skip SRV
  std::optional<unsigned short> port;  ///< --port
  TlsMode tls = TlsMode::automatic;
  std::optional<std::string> ca_file;  ///< --ca-file: trust this bundle instead of the system store
  std::vector<std::string> pins;       ///< --pin: base64 SHA-256 of the SPKI
  bool insecure = false;               ///< --insecure
  std::vector<std::string> sasl_mechanisms;  ///< --sasl; empty = default order
  bool anonymous = false;
  std::string resource;  ///< empty = server-assigned
  int retries = 0;
  std::chrono::milliseconds connect_timeout{10000};  ///< per address attempt
  std::chrono::milliseconds step_timeout{15000};     ///< each negotiation step
  bool stream_management = true;                     ///< enable XEP-0198 when offered
  std::optional<std::string> dns_server;             ///< env XMPP_DNS_SERVER (tests, diagnostics)
  TraceSink trace;                                   ///< empty = no trace
  TimingSink timing;                                 ///< --timing: phase ends; empty = none
  sasl::NonceSource sasl_nonce;  ///< SCRAM client nonce source; empty = CSPRNG (tests inject)
};

/// Facts about the session, for -v and JSON output.
struct SessionInfo {
  std::string address;  ///< "127.0.0.1:5223"
  bool direct_tls = false;
  net::TlsInfo tls;
  std::string mechanism;  ///< SASL mechanism used
  bool stream_management = false;
  std::vector<std::string> stream_features;  ///< namespaces of post-auth features
  /// XEP-0115 §6.3: the server's own <c xmlns='http://jabber.org/protocol/caps'/> among the
  /// post-auth stream features, as sent (xep/caps parses it); nullopt when it sent none.
  std::optional<xml::Element> caps_feature;
};

class Router;

/// What Session::resume() achieved (XEP-0198 §5).
struct ResumeOutcome {
  bool resumed = false;           ///< the server resumed the stream: nothing was lost
  std::size_t retransmitted = 0;  ///< stanzas re-sent because the server had not handled them
  /// When the server refused to resume, a fresh session was bound instead (possibly with another
  /// full JID); these stanzas were never acknowledged and may or may not have arrived. Resending
  /// them is the caller's decision (dedupe with XEP-0359 origin-id, SECURITY.md (b)).
  std::vector<xml::Element> not_acknowledged;
};

/// Picks which inbound stanzas Session::wait_for returns.
using StanzaPredicate = std::function<bool(const xml::Element& stanza)>;

/// The stream header we send (RFC 6120 §4.7): to the JID's domain, version 1.0, xml:lang 'en',
/// and 'from' (our bare JID) once TLS protects it (§4.7.1).
std::string stream_header(const Jid& jid, bool tls_active, bool anonymous);

/// One logged-in stream. Everything runs on the caller's executor (one thread): a reader
/// coroutine parses and dispatches inbound XML, a writer coroutine drains the outbound queue.
///
/// Inbound policy (SECURITY.md rows 17-23, 31-34, 42):
/// - iq result/error answers a pending request() only when its id AND sender match (rules in
///   stream/iq_tracker.hpp); anything else is dropped. iq get/set goes to Router::on_iq
///   responders, else gets <service-unavailable/> (<bad-request/> without exactly one payload);
///   XEP-0199 pings from our server are answered; results and errors are never answered.
/// - message/presence go to Router::on handlers and wait_for() waiters.
/// - XEP-0198 <r/> is answered, <a/> is checked (too high -> SE(undefined-condition) with
///   <handled-count-too-high/>).
/// - any other top-level element (unknown namespace, <foo/>, a jabber:client element that is no
///   stanza) is SE(unsupported-stanza-type): nothing is silently skipped (row 21, decided).
/// - a <stream:error/> ends the session with stanza::to_error's classification, and we send our
///   </stream:stream>. Malformed XML gets SE(<parser's condition>). EOF is temporary
///   "connection_lost".
/// Once the session has failed, every call returns that failure (failure()).
class Session {
 public:
  virtual ~Session() = default;

  /// Resolves, connects, negotiates TLS, authenticates, binds; honours the deadlines and retries in
  /// `options`. Errors carry the exit classes of CLI.md (no_host, unavailable, no_perm, ...).
  static awaitable<Result<std::unique_ptr<Session>>> open(SessionOptions options);
  /// Same, over a transport that is already connected (tests and direct use).
  static awaitable<Result<std::unique_ptr<Session>>>
  open_on(std::unique_ptr<net::Transport> transport, bool direct_tls, SessionOptions options);

  virtual const Jid& jid() const = 0;  ///< the bound full JID
  virtual const SessionInfo& info() const = 0;

  /// Sends an iq get/set (an id is assigned if absent) and waits for the matching result or error
  /// from the addressee (RFC 6120 §8.2.3; a reply from anyone else is ignored, SECURITY.md row 31).
  /// An `error` reply becomes Error{kind remote, code "stanza_error", condition = the defined
  /// condition, message with the <text/>}; no reply before `timeout` is kind temporary, code
  /// "timeout".
  virtual awaitable<Result<xml::Element>> request(xml::Element iq,
                                                  std::chrono::milliseconds timeout) = 0;
  /// Queues a stanza for sending (message/presence/iq result).
  virtual awaitable<Result<void>> send(xml::Element stanza) = 0;
  /// Waits until the server has acknowledged everything sent so far: an XEP-0198 <a/> covering it,
  /// or an iq round trip when stream management is off.
  virtual awaitable<Result<void>> flush(std::chrono::milliseconds timeout) = 0;
  /// Inbound dispatch for unsolicited stanzas.
  virtual Router& router() = 0;
  /// Graceful close: </stream:stream>, wait for the server's, TLS close_notify.
  virtual awaitable<Result<void>> close() = 0;

  // ---- additions (defaults in session.cpp, so test doubles need not implement them) ----

  /// Queues a stanza without waiting (for router handlers, which cannot co_await). A write failure
  /// ends the session and is reported by the next call.
  virtual void post(xml::Element stanza);
  /// Waits for the next inbound message, presence or iq get/set for which `predicate` is true,
  /// until `timeout` (kind temporary, code "timeout"). Stanzas that arrived before the call are not
  /// seen; router handlers see the stanza too.
  virtual awaitable<Result<xml::Element>> wait_for(StanzaPredicate predicate,
                                                   std::chrono::milliseconds timeout);
  /// The error that ended the session (stream error, connection lost, protocol violation), if any.
  virtual std::optional<Error> failure() const;
  /// True when the server granted XEP-0198 resumption for this session.
  virtual bool resumable() const;
  /// Reconnects (as open() does) and resumes the XEP-0198 session; see ResumeOutcome. On error
  /// the session is dead.
  virtual awaitable<Result<ResumeOutcome>> resume();
  /// Same over a transport that is already connected.
  virtual awaitable<Result<ResumeOutcome>> resume_on(std::unique_ptr<net::Transport> transport,
                                                     bool direct_tls);
  /// How many reads of the stream have returned data so far, each one a wait for the server
  /// (--timing counts round trips with it; the TLS layer's own reads are not counted).
  virtual std::uint64_t network_reads() const;
};

}  // namespace xmpp::stream
