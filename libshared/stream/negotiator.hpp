// Stream negotiation for a client, sans-I/O (RFC 6120 §4.3 features, §5 STARTTLS, §6 SASL, §7
// resource binding; RFC 3921 §3 legacy session; XEP-0198 v1.6 enable and resume; XEP-0440 v0.4
// channel-binding types; XEP-0388 SASL2 with XEP-0386 Bind 2 and XEP-0198 enable inline). The session driver feeds it the stream header and each top-level element
// and does what the returned Action says; the negotiator never touches a socket or a clock.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "net/transport.hpp"
#include "sasl/mechanism.hpp"
#include "xml/element.hpp"
#include "xml/stream_parser.hpp"

namespace xmpp::stream {

/// The mechanism chooser (sasl::choose); injectable so transitions are testable on their own.
using MechanismChooser = std::function<Result<std::unique_ptr<sasl::Mechanism>>(
    const sasl::Offer&, const sasl::Policy&, const sasl::Credentials&, const sasl::TlsState&,
    sasl::NonceSource)>;

/// A previous XEP-0198 session to resume instead of binding a resource.
struct ResumeRequest {
  std::string previd;   ///< the SM-ID from <enabled id=/>
  std::uint32_t h = 0;  ///< stanzas we handled on the previous stream
};

struct NegotiatorOptions {
  Jid jid;  ///< authentication identity (local part) and domain
  std::string password;
  std::string resource;  ///< empty = let the server assign one
  bool anonymous = false;
  std::vector<std::string> sasl_mechanisms;  ///< allowed mechanisms; empty = sasl's default order
  bool stream_management = true;             ///< send <enable/> when offered
  std::optional<ResumeRequest> resume;
  sasl::NonceSource nonce;                 ///< SCRAM client nonces; empty = CSPRNG
  MechanismChooser choose;                 ///< empty = sasl::choose
  std::function<std::string()> random_id;  ///< iq ids and the conflict resource; empty = CSPRNG
};

/// What negotiation established.
struct NegotiationResult {
  Jid jid;                            ///< the bound full JID (the resumed one after resumption)
  std::string stream_id;              ///< id of the last stream header
  std::string mechanism;              ///< SASL mechanism used
  bool sasl2 = false;                 ///< authenticated with XEP-0388 SASL2 (no stream restart)
  bool bind2 = false;                 ///< XEP-0386 Bind 2 bound the resource inside SASL2
  std::vector<std::string> features;  ///< namespaces of the post-authentication features
  std::optional<xml::Element> caps;   ///< XEP-0115 §6.3 <c/> among them, if any
  bool sm_enabled = false;            ///< XEP-0198 <enabled/> received
  std::string sm_id;
  bool sm_resumable = false;
  std::optional<std::uint32_t> sm_max;
  std::string sm_location;
  bool resumed = false;         ///< <resumed/> received
  std::uint32_t resumed_h = 0;  ///< the server's h from <resumed/>
  std::string resume_failure;   ///< why resumption was refused (condition); empty otherwise
};

/// What the driver does after feeding an element.
struct Action {
  enum class Next {
    read,       ///< write `send`, then read the next element
    start_tls,  ///< write `send` (nothing), check that no byte follows <proceed/>, do the TLS
                ///< handshake, call set_tls() and restart the stream
    restart,    ///< reset the parser, send a new stream header (RFC 6120 §4.3.3)
    done,       ///< write `send`; negotiation is complete
  };
  std::vector<xml::Element> send;
  Next next = Next::read;
};

/// Errors follow CLI.md exit classes: no_perm for TLS refusal/absence ("starttls_missing",
/// "starttls_failed"), SASL failures ("auth_failed"; temporary-auth-failure is temporary) and
/// SASL misbehaviour ("sasl_unexpected"); protocol errors with code "stream_error" carry in
/// `condition` the stream error the driver sends before closing; bind failures "bind_failed"
/// (conflict twice: temporary "bind_conflict").
class Negotiator {
 public:
  explicit Negotiator(NegotiatorOptions options);
  ~Negotiator();
  Negotiator(Negotiator&&) noexcept;
  Negotiator& operator=(Negotiator&&) noexcept;

  /// The transport is TLS now (direct TLS from the start, or the STARTTLS handshake finished).
  void set_tls(const net::TlsInfo& tls);
  /// The server's stream header (each restart begins with one).
  Result<void> on_header(const xml::StreamHeader& header);
  /// One top-level element from the server.
  Result<Action> on_element(const xml::Element& element);

  /// What we wait for, for timeout messages: "stream features", "the SASL result", ...
  std::string_view waiting_for() const;
  bool tls_active() const;
  bool authenticated() const;
  bool done() const;
  const NegotiationResult& result() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

/// RFC 6120 §6.4.5: a SASL <failure/> as an Error: temporary-auth-failure -> temporary, every
/// other condition -> no_perm; code "auth_failed", message "authentication failed for
/// alice@example.test: not-authorized".
Error sasl_failure_error(const xml::Element& failure, const Jid& jid);

/// TLS facts for SASL channel binding, from what the transport negotiated.
sasl::TlsState tls_state(const net::TlsInfo& tls);

}  // namespace xmpp::stream
