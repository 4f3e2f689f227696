// The Jingle SOCKS5 Bytestreams transport (XEP-0260 version 1.0.3) over the network: gathering our
// candidates (§2.1: direct candidates on our own streamhost, the proxy's streamhost; priorities of
// §2.2), and the negotiation of §2.3-§2.5 (dial the peer's candidates by priority, tell the peer
// candidate-used or candidate-error, pick the nominated candidate, and activate it at the proxy
// when it is ours) ending in one connected bytestream socket, or "no_candidate" for the fallback
// to IBB (§3, transport-replace). The Jingle session carries the transport-info messages through
// the Signalling interface below.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "net/asio.hpp"
#include "stream/session.hpp"
#include "xep/s5b/s5b.hpp"
#include "xep/s5b/s5b_ops.hpp"

namespace xmpp::s5b {

/// Our part in the Jingle session (XEP-0166): decides the DST.ADDR direction, who may write
/// 'mode', and who wins a priority tie (§2.5 rule 4: the initiator's choice).
enum class Role { initiator, responder };

/// The addresses of this host's interfaces that are up, not loopback, and IPv4 or global/ULA IPv6
/// (link-local IPv6 needs a scope id a peer cannot use): where direct candidates listen in real
/// use. Empty when there is none or getifaddrs fails.
std::vector<asio::ip::address> interface_addresses();

struct GatherOptions {
  std::string sid;  ///< the transport's sid: the initiator's choice, repeated by the responder
  Jid self;         ///< our full JID
  Jid peer;         ///< the peer's full JID
  Role role = Role::initiator;
  /// Offer direct candidates (our own streamhost). Off: only the proxy (e.g. behind a NAT).
  bool direct = true;
  /// Where direct candidates listen; empty: interface_addresses(). Tests and
  /// `--allow-local-candidates` give 127.0.0.1.
  std::vector<asio::ip::address> addresses;
  /// The SOCKS5 proxy (find_proxy) to offer as a proxy candidate; nullopt: none.
  std::optional<Jid> proxy;
  /// The proxy's address query (proxy_address).
  std::chrono::milliseconds proxy_timeout{10000};
  /// The responder passes the initiator's candidates: §2.2 forbids offering a host:port the
  /// initiator already offered (typically the same proxy); those of ours are left out.
  std::vector<Candidate> peer_candidates;
  ListenerOptions listener;
};

/// What we offer: the <transport/> for session-initiate or session-accept, and our streamhost.
/// Move-only (the Listener); keep it until negotiate() returned.
struct Offer {
  Transport transport;
  Role role = Role::initiator;
  Jid self;
  Jid peer;
  /// Listening from gather() on (the peer may dial before negotiate() runs); nullopt without
  /// direct candidates.
  std::optional<Listener> listener;
  /// Why the proxy is not among our candidates, when it was asked for and failed (the offer goes
  /// on without it; for -v).
  std::optional<Error> proxy_error;
};

/// Builds our offer: direct candidates (type direct, local preference 65535 down in the order of
/// the addresses) for each address our Listener bound, expecting SHA-1(sid + self + peer) (§2.2:
/// we are the requester of our own candidates), and one proxy candidate per streamhost of
/// `proxy` (type proxy). Fresh random cids; 'dstaddr' set when a proxy candidate is there; 'mode'
/// tcp written by the initiator only. Errors: the Listener's ("listen_failed") and kind usage
/// "no_address" when direct candidates are asked for and no address is found; a failing proxy is
/// not an error (Offer::proxy_error).
awaitable<Result<Offer>> gather(stream::Session& session, GatherOptions options);

/// The transport-info exchange of one Jingle content, carried by the Jingle session.
class Signalling {
 public:
  virtual ~Signalling() = default;
  /// Sends `transport` (a notice) to the peer in a transport-info and waits for its iq result.
  virtual awaitable<Result<void>> send(Transport transport) = 0;
  /// The <transport/> of the peer's next transport-info for this content (already acknowledged
  /// by the session), in arrival order; queued ones first. Errors: kind temporary "timeout"
  /// after `timeout`; anything the session fails with (e.g. the peer terminated).
  virtual awaitable<Result<Transport>> next(std::chrono::milliseconds timeout) = 0;
};

struct NegotiateOptions {
  /// `--allow-local-candidates`: the peer's loopback, link-local and private candidates may be
  /// dialled (SECURITY.md row 45).
  bool allow_local = false;
  std::size_t max_candidates = k_max_candidates;
  /// Each of the peer's candidates: TCP connect and SOCKS5 handshake.
  std::chrono::milliseconds dial_timeout{5000};
  /// All the dialling together; the candidates not reached by then count as failed.
  std::chrono::milliseconds dial_total{30000};
  /// Each wait for a notice of the peer (its candidate-used/-error, activated). It must exceed
  /// the peer's dial_total.
  std::chrono::milliseconds peer_timeout{60000};
  /// Our own proxy, once nominated: connecting to it, then the activate iq.
  std::chrono::milliseconds proxy_timeout{10000};
  std::optional<std::string> dns_server;  ///< as DialOptions::dns_server
};

/// The outcome: the bytestream socket and what carries it.
struct Connected {
  asio::ip::tcp::socket socket;
  Candidate candidate;  ///< the nominated candidate
  bool ours = false;    ///< we offered it (the peer dialled it), else we dialled the peer's
  bool via_proxy() const { return candidate.type == CandidateType::proxy; }
  std::vector<Dropped> dropped;  ///< the peer's candidates not dialled (SECURITY.md row 45)
};

/// Runs the §2.3-§2.5 negotiation against the peer's offer `theirs` (its session-initiate or
/// session-accept transport) and ends with the nominated bytestream:
/// 1. dials the peer's candidates one after another, highest priority first (filter_candidates
///    first; each connect() under dial_timeout with DST.ADDR SHA-1(sid + peer + self)), while
///    our Listener accepts on its own; sends candidate-used for the first that connects, else
///    candidate-error;
/// 2. waits for the peer's candidate-used or candidate-error (candidates the peer sends in later
///    transport-infos are ignored);
/// 3. nominates (§2.5): the only candidate-used, else the higher priority, the initiator's choice
///    on a tie; the other connections are closed;
/// 4. a nominated proxy candidate of ours: we connect to it and activate it (target: the peer),
///    then send activated; one of the peer's: we wait for its activated.
/// The socket carries nothing yet. Errors:
/// - kind unavailable "no_candidate": both sides sent candidate-error (fall back to IBB, §3);
/// - kind unavailable "proxy_error": the nominated proxy failed (we sent proxy-error after
///   failing to connect or activate, or the peer sent proxy-error); also a fallback case;
/// - kind protocol "bad_transport": the peer's sid differs, or its notice names a candidate we
///   never offered, or comes out of order (activated before nomination, for a candidate that is
///   not its proxy);
/// - the Listener's "timeout" when the peer says it used our direct candidate but nothing came;
/// - Signalling's errors (kind temporary "timeout" when the peer is silent).
/// `session` serves only the activate iq; `ours` and `signalling` must outlive the call.
awaitable<Result<Connected>> negotiate(stream::Session& session, Offer& ours, Transport theirs,
                                       Signalling& signalling, NegotiateOptions options);

}  // namespace xmpp::s5b
