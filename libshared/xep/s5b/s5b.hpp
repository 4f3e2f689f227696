// SOCKS5 Bytestreams (XEP-0065 version 1.8.2) and the Jingle SOCKS5 transport (XEP-0260 version
// 1.0.3): the <query/> of the bytestreams namespace (§5.3.1 initiation with <streamhost/>s, §5.3.3
// <streamhost-used/>, §6.3.5 <activate/>, §4 the proxy's network address), the DST.ADDR hash
// (§5.3.2), the XEP-0260 <transport/> with its candidates and transport-info notices (§2.2-§2.4),
// candidate priorities (XEP-0260 §2.2) and the filter that decides which of a peer's candidates we
// may dial (SECURITY.md row 45). Builders and parsers side by side; no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "xml/element.hpp"

namespace xmpp::s5b {

/// XEP-0065 §3: the bytestreams namespace (disco feature, <query/>).
inline constexpr std::string_view k_ns = "http://jabber.org/protocol/bytestreams";
/// XEP-0260 §5: the Jingle transport namespace (disco feature, <transport/>).
inline constexpr std::string_view k_ns_jingle = "urn:xmpp:jingle:transports:s5b:1";
/// XEP-0065 §9.2: a <streamhost/> without 'port' means RFC 1928's port.
inline constexpr unsigned short k_default_port = 1080;
/// SECURITY.md row 45: the most candidates of one peer we ever dial.
inline constexpr std::size_t k_max_candidates = 16;

/// XEP-0065 §9.1 'mode'.
enum class Mode { tcp, udp };

std::string_view to_string(Mode mode);

/// One <streamhost jid host port/> (XEP-0065 §9.2).
struct StreamHost {
  Jid jid;
  std::string host;  ///< an IP address or a DNS name
  unsigned short port = k_default_port;
  bool operator==(const StreamHost&) const = default;
};

/// The requester's offer (XEP-0065 §5.3.1, §6.3.1): <query sid [mode] [dstaddr]> with streamhosts.
struct Query {
  std::string sid;
  Mode mode = Mode::tcp;
  std::optional<std::string> dstaddr;  ///< the requester's DST.ADDR (§7, MUC use)
  std::vector<StreamHost> streamhosts;
  bool operator==(const Query&) const = default;
};

/// `<query xmlns=k_ns sid [mode] [dstaddr]><streamhost .../>...</query>`; 'mode' is written only
/// for udp (tcp is the default, §9.1).
xml::Element make_query(const Query& query);
/// Reads a <query/> offer. Errors, kind protocol, code "bad_query": not a bytestreams <query/>, no
/// 'sid', an unknown 'mode', a <streamhost/> without jid or host, a jid that does not parse or a
/// port that is not 1-65535. An offer without streamhosts parses (the caller answers it).
Result<Query> parse_query(const xml::Element& query);

/// The requester's `<iq type='set' to=target><query .../></iq>` (examples 11, 17).
xml::Element make_initiate(const Jid& target, const Query& query, std::string id = {});
/// The <query/> of an initiation iq (parse_query; errors also for an iq without one).
Result<Query> parse_initiate(const xml::Element& iq);

/// The target's result to `request` (an initiation): `<query sid><streamhost-used jid/></query>`
/// (§5.3.3, §6.3.3; examples 16, 20).
xml::Element make_streamhost_used(const xml::Element& request, std::string sid, const Jid& used);
/// The streamhost the target says it used. Errors, kind protocol, code "bad_reply": no <query/>
/// or no <streamhost-used jid/> in it, or a jid that does not parse.
Result<Jid> parse_streamhost_used(const xml::Element& iq);

/// `<iq type='get' to=proxy><query xmlns=k_ns/></iq>`: asks a proxy for its network address (§4,
/// example 7; no 'sid' since version 1.8).
xml::Element make_address_request(const Jid& proxy, std::string id = {});
/// The proxy's <streamhost/>s (§4, example 8). Errors, kind protocol, code "bad_reply": no
/// <query/>, no streamhost, or a streamhost that does not parse (as parse_query).
Result<std::vector<StreamHost>> parse_address_result(const xml::Element& iq);

/// `<iq type='set' to=proxy><query sid><activate>TARGET</activate></query></iq>` (§6.3.5,
/// example 23; XEP-0260 example 9).
xml::Element make_activate(const Jid& proxy, std::string sid, const Jid& target,
                           std::string id = {});

/// The DST.ADDR of the SOCKS5 CONNECT (§5.3.2, §6.3.2): the lowercase hex SHA-1 of SID +
/// requester JID + target JID, the JIDs in their normalised string form. For XEP-0260 (§2.2) the
/// requester is the party that offered the candidate: SHA-1(SID + initiator + responder) for the
/// initiator's candidates, SHA-1(SID + responder + initiator) for the responder's.
std::string dst_addr(std::string_view sid, const Jid& requester, const Jid& target);

// ---- XEP-0260 ----

/// XEP-0260 §2.2 candidate types.
enum class CandidateType { direct, assisted, tunnel, proxy };

std::string_view to_string(CandidateType type);
std::optional<CandidateType> parse_candidate_type(std::string_view text);

/// XEP-0260 §2.2 type preference: direct 126, assisted 120, tunnel 110, proxy 10.
std::uint32_t type_preference(CandidateType type);
/// XEP-0260 §2.2: (2^16) * type preference + local preference.
std::uint32_t candidate_priority(CandidateType type, std::uint16_t local_preference);

/// One <candidate/> (XEP-0260 §2.2).
struct Candidate {
  std::string cid;
  std::string host;
  Jid jid;
  unsigned short port = k_default_port;  ///< 'port' is optional in the schema
  std::uint32_t priority = 0;
  CandidateType type = CandidateType::direct;
  bool operator==(const Candidate&) const = default;
};

/// What a transport-info <transport/> says instead of offering candidates (XEP-0260 §2.3, §2.4).
enum class NoticeKind { candidate_used, candidate_error, activated, proxy_error };

struct Notice {
  NoticeKind kind = NoticeKind::candidate_error;
  std::string cid;  ///< for candidate_used and activated; empty otherwise
  bool operator==(const Notice&) const = default;
};

/// The <transport xmlns=k_ns_jingle/> that Jingle (XEP-0166) carries as an opaque element: either
/// candidates (session-initiate, session-accept, transport-info with a new candidate) or one
/// notice.
struct Transport {
  std::string sid;
  std::optional<std::string> dstaddr;  ///< SHOULD be there when a proxy candidate is offered
  /// 'mode': the initiator's choice (nullopt: absent, meaning tcp); the responder MUST NOT send it.
  std::optional<Mode> mode;
  std::vector<Candidate> candidates;
  std::optional<Notice> notice;
  bool operator==(const Transport&) const = default;
};

xml::Element make_transport(const Transport& transport);
/// Reads a <transport/>. Errors, kind protocol, code "bad_transport" (the Jingle answer is
/// bad-request): another element, no 'sid', an unknown 'mode', a candidate without cid, host, jid
/// or priority, with a port that is not 0-65535 (0 parses; filter_candidates drops it), a priority
/// that is not a positive 32-bit number,
/// an unknown type or a jid that does not parse; a candidate-used or activated without cid;
/// candidates together with a notice, or two notices (the schema's xs:choice).
Result<Transport> parse_transport(const xml::Element& transport);

/// Candidates in the order to try them (XEP-0260 §4 rule 1): highest priority first, the order
/// of the offer kept among equals.
std::vector<Candidate> by_priority(std::vector<Candidate> candidates);

// ---- which candidates to dial (SECURITY.md row 45) ----

/// Where an IP address points, as far as dialling it is concerned.
enum class AddressScope {
  global,       ///< a public address, or a DNS name (checked again once resolved)
  loopback,     ///< 127.0.0.0/8, ::1, "localhost"
  link_local,   ///< 169.254.0.0/16 (cloud metadata lives there), fe80::/10
  private_net,  ///< RFC 1918, RFC 6598 shared space 100.64.0.0/10, fc00::/7 (ULA)
  unusable,     ///< unspecified (0.0.0.0/8, ::), multicast, broadcast, 240.0.0.0/4: never dialled
};

/// The scope of `host`: an IPv4 or IPv6 literal (IPv4-mapped IPv6 as its IPv4 address) or a name
/// ("localhost" and names under ".localhost" are loopback, RFC 6761 §6.3; other names are global
/// until resolved).
AddressScope address_scope(std::string_view host);
std::string_view to_string(AddressScope scope);

struct FilterOptions {
  /// `--allow-local-candidates`: loopback, link-local and private addresses may be dialled.
  bool allow_local = false;
  std::size_t max_candidates = k_max_candidates;
};

/// A candidate we will not dial, and why ("loopback address 127.0.0.1", "port 0", ...).
struct Dropped {
  Candidate candidate;
  std::string reason;
  bool operator==(const Dropped&) const = default;
};

struct Filtered {
  std::vector<Candidate> kept;  ///< in the order to dial (by_priority)
  std::vector<Dropped> dropped;
};

/// Decides which of a peer's candidates may be dialled (SECURITY.md row 45; the peer chooses the
/// addresses, we decide what we dial): sorted by_priority, then dropped: an empty host, port 0, an
/// unusable address, a loopback, link-local or private address unless `allow_local`, a repeated
/// host:port or cid (the first, higher-priority one is kept), and everything after the first
/// `max_candidates`. Pure: names are not resolved here (s5b_ops checks the resolved addresses with
/// address_scope again).
Filtered filter_candidates(std::vector<Candidate> candidates, const FilterOptions& options);

}  // namespace xmpp::s5b
