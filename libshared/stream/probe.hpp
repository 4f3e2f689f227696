// The unauthenticated half of `xmpp probe`: what DNS says (RFC 6120 §3.2, XEP-0368), and for every
// endpoint the TCP connect, the TLS handshake (STARTTLS or direct) and the stream features after
// TLS (SASL mechanisms, XEP-0440 channel-binding types, XEP-0388 SASL2 and XEP-0484 FAST). No
// credentials are sent; the stream is closed after the features.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/result.hpp"
#include "net/asio.hpp"
#include "net/connect.hpp"
#include "net/srv.hpp"
#include "net/transport.hpp"
#include "stream/session.hpp"
#include "xml/element.hpp"

namespace xmpp::stream {

struct ProbeOptions {
  std::string domain;                  ///< A-label domain
  std::optional<std::string> host;     ///< --host: one endpoint, no SRV
  std::optional<unsigned short> port;  ///< --port
  TlsMode tls = TlsMode::automatic;
  std::optional<std::string> ca_file;
  std::vector<std::string> pins;
  bool insecure = false;
  std::optional<std::string> dns_server;  ///< env XMPP_DNS_SERVER
  std::chrono::milliseconds dns_timeout{5000};
  std::chrono::milliseconds attempt_timeout{10000};  ///< per address: TCP connect + handshake
  std::chrono::milliseconds step_timeout{10000};     ///< each stream step
  TraceSink trace;                                   ///< empty = no trace
};

/// What DNS said. Without --host/--port both SRV questions are asked (and reported even when
/// the plan ignores one of them).
struct DnsReport {
  bool asked = false;       ///< false with --host/--port
  net::SrvAnswer xmpps;     ///< _xmpps-client._tcp.DOMAIN
  net::SrvAnswer xmpp;      ///< _xmpp-client._tcp.DOMAIN
  bool fallback = false;    ///< no usable SRV record: DOMAIN itself (RFC 6120 §3.2.2)
  bool no_service = false;  ///< a "." target: XMPP decidedly not offered
  double ms = 0;            ///< time for the SRV questions
};

/// The <stream:features/> after TLS (what a client would log in with).
struct FeaturesReport {
  bool starttls_offered = false;                   ///< before TLS (STARTTLS endpoints only)
  bool starttls_required = false;                  ///< <required/> in <starttls/>
  std::vector<std::string> mechanisms;             ///< RFC 6120 SASL <mechanism/>s
  std::vector<std::string> channel_binding_types;  ///< XEP-0440 <sasl-channel-binding/>
  bool sasl2 = false;                              ///< XEP-0388 <authentication/> offered
  std::vector<std::string> sasl2_mechanisms;
  bool bind2 = false;  ///< XEP-0386 inside SASL2 <inline/>
  bool fast = false;   ///< XEP-0484 inside SASL2 <inline/>
  std::vector<std::string> fast_mechanisms;
  bool stream_management = false;  ///< XEP-0198 <sm xmlns='urn:xmpp:sm:3'/>
  bool register_offered = false;   ///< XEP-0077 <register/>
  /// "{namespace}name" of every child of <stream:features/>, in order, for the full list.
  std::vector<std::string> all;
};

/// One endpoint: the first of its addresses that answered, or why none did.
struct EndpointReport {
  net::Endpoint endpoint;
  std::vector<std::string> addresses;  ///< every address DNS gave for endpoint.host
  std::string address;                 ///< "127.0.0.1:5222": the one reported below ("" if none)
  std::optional<Error> error;          ///< what stopped the probe of this endpoint, if anything
  double connect_ms = 0;               ///< TCP connect
  double tls_ms = 0;       ///< direct: handshake; STARTTLS: <starttls/> to handshake done
  double features_ms = 0;  ///< stream header sent (after TLS) to <stream:features/>
  net::TlsInfo tls;        ///< version, cipher, ALPN, chain, verify_error
  FeaturesReport features;
};

struct ProbeReport {
  DnsReport dns;
  std::vector<EndpointReport> endpoints;  ///< in the order a client would try them
};

/// Probes every endpoint one after the other, each with TlsPolicy::report_only (a certificate
/// problem is reported, not fatal). Errors only when nothing can be probed: no_host (no XMPP
/// service, as net::resolve_endpoints), temporary "dns_timeout", config "bad_dns_server".
/// Failures of single endpoints are in their EndpointReport::error.
awaitable<Result<ProbeReport>> probe_server(ProbeOptions options);

// ---- the parts, for tests --------------------------------------------------------------------

/// Reads a <stream:features/> element (pure): RFC 6120 §5.4.1 <starttls/> and §6.4.1
/// <mechanisms/>, XEP-0440 v1.0 §2 <sasl-channel-binding/>, XEP-0388 v1.0 §2.1 <authentication/>
/// with its <inline/> XEP-0386 v1.1 <bind xmlns='urn:xmpp:bind:0'/> and XEP-0484 v0.2 §3.1
/// <fast/>, XEP-0198 <sm/>, XEP-0077 §8 <register/>, and every child as "{namespace}name". Unknown
/// children appear only in `all`; mechanism names are trimmed of surrounding whitespace.
FeaturesReport read_features(const xml::Element& features);

/// The stream half of one endpoint's probe over a connected transport (TLS already active for a
/// direct-TLS endpoint): for a plain transport the stream header, <stream:features/> and
/// <starttls/> (RFC 6120 §5.4; a server that does not offer it fails with no_perm
/// "starttls_missing" as the session would) and the handshake within options.step_timeout
/// (report.tls_ms from <starttls/> to the end of the handshake); then the stream header again
/// and the features (report.features_ms, report.features); then </stream:stream>, at most 2 s
/// for the server's, and the transport's shutdown (also after a failure). report.tls is set
/// whenever TLS is active. Each read waits at most options.step_timeout (temporary "timeout").
/// Errors as the session's negotiation: a received stream error as stanza::to_error, parser
/// and protocol violations kind protocol (after which we send the stream error),
/// "starttls_failed", "starttls_injection", the transport's TLS and I/O errors.
awaitable<Result<void>> probe_stream(net::Transport& transport, ProbeOptions options,
                                     EndpointReport& report);

}  // namespace xmpp::stream
