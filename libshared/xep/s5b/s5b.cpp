#include "xep/s5b/s5b.hpp"

#include <arpa/inet.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <set>
#include <stdexcept>
#include <utility>

#include "stanza/iq.hpp"

namespace xmpp::s5b {
namespace {

tl::unexpected<Error> bad(std::string_view code, std::string message) {
  return fail(ErrorKind::protocol, std::string(code), "", std::move(message));
}

/// A decimal number without sign, leading '+' or spaces, within [min, max].
template <class T> std::optional<T> parse_number(std::string_view text, T min, T max) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (value < min || value > max) return std::nullopt;
  return static_cast<T>(value);
}

std::optional<Mode> parse_mode(std::string_view text) {
  if (text == "tcp") return Mode::tcp;
  if (text == "udp") return Mode::udp;
  return std::nullopt;
}

Result<StreamHost> parse_streamhost(const xml::Element& e) {
  const auto jid_text = e.attr("jid");
  const auto host = e.attr("host");
  if (!jid_text || !host || host->empty())
    return bad("bad_query", "a <streamhost/> without jid or host");
  auto jid = Jid::parse(*jid_text);
  if (!jid) return bad("bad_query", "streamhost jid '" + *jid_text + "' is not a JID");
  StreamHost out{std::move(*jid), *host, k_default_port};
  // §9.2: 'port' MAY be absent (1080); when present it is a port number.
  if (const auto port = e.attr("port")) {
    const auto n = parse_number<unsigned short>(*port, 1, 65535);
    if (!n) return bad("bad_query", "streamhost port '" + *port + "' is not 1-65535");
    out.port = *n;
  }
  return out;
}

xml::Element streamhost_element(const StreamHost& host) {
  auto e = xml::element("streamhost", k_ns);
  e.set_attr("jid", host.jid.str());
  e.set_attr("host", host.host);
  e.set_attr("port", std::to_string(host.port));
  return e;
}

std::string hex(const unsigned char* bytes, std::size_t size) {
  static constexpr char k_digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += k_digits[bytes[i] >> 4];
    out += k_digits[bytes[i] & 0x0f];
  }
  return out;
}

constexpr std::array<std::pair<CandidateType, std::string_view>, 4> k_types{{
    {CandidateType::direct, "direct"},
    {CandidateType::assisted, "assisted"},
    {CandidateType::tunnel, "tunnel"},
    {CandidateType::proxy, "proxy"},
}};

constexpr std::array<std::pair<NoticeKind, std::string_view>, 4> k_notices{{
    {NoticeKind::candidate_used, "candidate-used"},
    {NoticeKind::candidate_error, "candidate-error"},
    {NoticeKind::activated, "activated"},
    {NoticeKind::proxy_error, "proxy-error"},
}};

bool notice_has_cid(NoticeKind kind) {
  return kind == NoticeKind::candidate_used || kind == NoticeKind::activated;
}

Result<Candidate> parse_candidate(const xml::Element& e) {
  const auto cid = e.attr("cid");
  const auto host = e.attr("host");
  const auto jid_text = e.attr("jid");
  const auto priority = e.attr("priority");
  if (!cid || cid->empty() || !host || !jid_text || !priority)
    return bad("bad_transport", "a <candidate/> without cid, host, jid or priority");
  auto jid = Jid::parse(*jid_text);
  if (!jid) return bad("bad_transport", "candidate " + *cid + ": jid is not a JID");
  Candidate out;
  out.cid = *cid;
  out.host = *host;
  out.jid = std::move(*jid);
  // The schema says xs:positiveInteger; the §2.2 formula never exceeds 2^23, so 32 bits suffice.
  const auto n = parse_number<std::uint32_t>(*priority, 1, 0xffffffffU);
  if (!n) return bad("bad_transport", "candidate " + *cid + ": priority is not a positive number");
  out.priority = *n;
  if (const auto port = e.attr("port")) {
    // Port 0 parses so that filter_candidates drops that one candidate (SECURITY.md row 45)
    // instead of the whole offer failing.
    const auto p = parse_number<unsigned short>(*port, 0, 65535);
    if (!p) return bad("bad_transport", "candidate " + *cid + ": port is not 0-65535");
    out.port = *p;
  }
  if (const auto type = e.attr("type")) {
    const auto t = parse_candidate_type(*type);
    if (!t) return bad("bad_transport", "candidate " + *cid + ": unknown type '" + *type + "'");
    out.type = *t;
  }
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
  return out;
}

AddressScope scope_v4(const std::array<unsigned char, 4>& a) {
  if (a[0] == 127) return AddressScope::loopback;
  if (a[0] == 169 && a[1] == 254) return AddressScope::link_local;
  if (a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
      (a[0] == 100 && (a[1] & 0xc0) == 64))
    return AddressScope::private_net;
  // 0.0.0.0/8 "this network", 224.0.0.0/4 multicast, 240.0.0.0/4 reserved and the broadcast.
  if (a[0] == 0 || a[0] >= 224) return AddressScope::unusable;
  return AddressScope::global;
}

AddressScope scope_v6(const std::array<unsigned char, 16>& a) {
  const bool zero_prefix =
      std::all_of(a.begin(), a.begin() + 10, [](unsigned char c) { return c == 0; });
  // ::ffff:a.b.c.d is the IPv4 address it maps (RFC 4291 §2.5.5.2).
  if (zero_prefix && a[10] == 0xff && a[11] == 0xff) return scope_v4({a[12], a[13], a[14], a[15]});
  const bool zero_head =
      zero_prefix && a[10] == 0 && a[11] == 0 && a[12] == 0 && a[13] == 0 && a[14] == 0;
  if (zero_head && a[15] == 1) return AddressScope::loopback;
  if (zero_head && a[15] == 0) return AddressScope::unusable;
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return AddressScope::link_local;
  if ((a[0] & 0xfe) == 0xfc) return AddressScope::private_net;
  if (a[0] == 0xff) return AddressScope::unusable;
  return AddressScope::global;
}

bool is_local(AddressScope scope) {
  return scope == AddressScope::loopback || scope == AddressScope::link_local ||
         scope == AddressScope::private_net;
}

}  // namespace

std::string_view to_string(Mode mode) {
  return mode == Mode::udp ? "udp" : "tcp";
}

// ---- XEP-0065 ----

xml::Element make_query(const Query& query) {
  auto e = xml::element("query", k_ns);
  e.set_attr("sid", query.sid);
  if (query.mode == Mode::udp) e.set_attr("mode", "udp");
  if (query.dstaddr) e.set_attr("dstaddr", *query.dstaddr);
  for (const auto& host : query.streamhosts)
    e.add_child(streamhost_element(host));
  return e;
}

Result<Query> parse_query(const xml::Element& query) {
  if (!query.is("query", k_ns)) return bad("bad_query", "not a bytestreams <query/>");
  const auto sid = query.attr("sid");
  // §5.3.1: a request without 'sid' is malformed (bad-request).
  if (!sid || sid->empty()) return bad("bad_query", "the <query/> has no sid");
  Query out;
  out.sid = *sid;
  if (const auto mode = query.attr("mode")) {
    const auto m = parse_mode(*mode);
    if (!m) return bad("bad_query", "unknown mode '" + *mode + "'");
    out.mode = *m;
  }
  out.dstaddr = query.attr("dstaddr");
  for (const auto* child : query.children("streamhost", k_ns)) {
    auto host = parse_streamhost(*child);
    if (!host) return fail(host.error());
    out.streamhosts.push_back(std::move(*host));
  }
  return out;
}

xml::Element make_initiate(const Jid& target, const Query& query, std::string id) {
  return stanza::make_iq(stanza::IqType::set, target.str(), make_query(query), std::move(id));
}

Result<Query> parse_initiate(const xml::Element& iq) {
  const auto* query = iq.child("query", k_ns);
  if (query == nullptr) return bad("bad_query", "the iq has no bytestreams <query/>");
  return parse_query(*query);
}

xml::Element make_streamhost_used(const xml::Element& request, std::string sid, const Jid& used) {
  auto query = xml::element("query", k_ns);
  query.set_attr("sid", std::move(sid));
  query.add_child(xml::element("streamhost-used", k_ns)).set_attr("jid", used.str());
  return stanza::make_result(request, std::move(query));
}

Result<Jid> parse_streamhost_used(const xml::Element& iq) {
  const auto* query = iq.child("query", k_ns);
  const auto* used = query ? query->child("streamhost-used", k_ns) : nullptr;
  const auto jid_text = used ? used->attr("jid") : std::nullopt;
  if (!jid_text) return bad("bad_reply", "the result names no <streamhost-used jid/>");
  auto jid = Jid::parse(*jid_text);
  if (!jid) return bad("bad_reply", "streamhost-used jid '" + *jid_text + "' is not a JID");
  return std::move(*jid);
}

xml::Element make_address_request(const Jid& proxy, std::string id) {
  return stanza::make_iq(stanza::IqType::get, proxy.str(), xml::element("query", k_ns), std::move(id));
}

Result<std::vector<StreamHost>> parse_address_result(const xml::Element& iq) {
  const auto* query = iq.child("query", k_ns);
  if (query == nullptr) return bad("bad_reply", "the result has no bytestreams <query/>");
  std::vector<StreamHost> out;
  for (const auto* child : query->children("streamhost", k_ns)) {
    auto host = parse_streamhost(*child);
    if (!host) return bad("bad_reply", host.error().message);
    out.push_back(std::move(*host));
  }
  if (out.empty()) return bad("bad_reply", "the proxy named no <streamhost/>");
  return out;
}

xml::Element make_activate(const Jid& proxy, std::string sid, const Jid& target, std::string id) {
  auto query = xml::element("query", k_ns);
  query.set_attr("sid", std::move(sid));
  query.add_child(xml::element("activate", k_ns)).add_text(target.str());
  return stanza::make_iq(stanza::IqType::set, proxy.str(), std::move(query), std::move(id));
}

std::string dst_addr(std::string_view sid, const Jid& requester, const Jid& target) {
  // §5.3.2 rules 3-4: the JIDs of the iq exchange, normalised (Jid::str is the normalised form).
  std::string input(sid);
  input += requester.str();
  input += target.str();
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(input.data(), input.size(), out, &size, EVP_sha1(), nullptr) != 1)
    throw std::runtime_error("EVP_Digest(SHA-1) failed");
  return hex(out, size);
}

// ---- XEP-0260 ----

std::string_view to_string(CandidateType type) {
  for (const auto& [t, name] : k_types)
    if (t == type) return name;
  return "direct";
}

std::optional<CandidateType> parse_candidate_type(std::string_view text) {
  for (const auto& [t, name] : k_types)
    if (name == text) return t;
  return std::nullopt;
}

std::uint32_t type_preference(CandidateType type) {
  switch (type) {
  case CandidateType::direct:
    return 126;
  case CandidateType::assisted:
    return 120;
  case CandidateType::tunnel:
    return 110;
  case CandidateType::proxy:
    return 10;
  }
  return 0;
}

std::uint32_t candidate_priority(CandidateType type, std::uint16_t local_preference) {
  return (type_preference(type) << 16) + local_preference;
}

xml::Element make_transport(const Transport& transport) {
  auto e = xml::element("transport", k_ns_jingle);
  e.set_attr("sid", transport.sid);
  if (transport.dstaddr) e.set_attr("dstaddr", *transport.dstaddr);
  if (transport.mode) e.set_attr("mode", std::string(to_string(*transport.mode)));
  for (const auto& c : transport.candidates) {
    auto& child = e.add_child(xml::element("candidate", k_ns_jingle));
    child.set_attr("cid", c.cid);
    child.set_attr("host", c.host);
    child.set_attr("jid", c.jid.str());
    child.set_attr("port", std::to_string(c.port));
    child.set_attr("priority", std::to_string(c.priority));
    child.set_attr("type", std::string(to_string(c.type)));
  }
  if (transport.notice) {
    for (const auto& [kind, name] : k_notices) {
      if (kind != transport.notice->kind) continue;
      auto& child = e.add_child(xml::element(name, k_ns_jingle));
      if (notice_has_cid(kind)) child.set_attr("cid", transport.notice->cid);
    }
  }
  return e;
}

Result<Transport> parse_transport(const xml::Element& transport) {
  if (!transport.is("transport", k_ns_jingle))
    return bad("bad_transport", "not a Jingle SOCKS5 <transport/>");
  const auto sid = transport.attr("sid");
  if (!sid || sid->empty()) return bad("bad_transport", "the <transport/> has no sid");
  Transport out;
  out.sid = *sid;
  out.dstaddr = transport.attr("dstaddr");
  if (const auto mode = transport.attr("mode")) {
    out.mode = parse_mode(*mode);
    if (!out.mode) return bad("bad_transport", "unknown mode '" + *mode + "'");
  }
  for (const auto* child : transport.elements()) {
    if (child->ns() != k_ns_jingle) continue;  // foreign extensions are not ours to judge
    if (child->name() == "candidate") {
      auto c = parse_candidate(*child);
      if (!c) return fail(c.error());
      out.candidates.push_back(std::move(*c));
      continue;
    }
    for (const auto& [kind, name] : k_notices) {
      if (child->name() != name) continue;
      // The schema's xs:choice: one notice, never beside candidates.
      if (out.notice) return bad("bad_transport", "two notices in one <transport/>");
      Notice notice{kind, {}};
      if (notice_has_cid(kind)) {
        const auto cid = child->attr("cid");
        if (!cid || cid->empty())
          return bad("bad_transport", "<" + std::string(name) + "/> without cid");
        notice.cid = *cid;
      }
      out.notice = std::move(notice);
    }
  }
  if (out.notice && !out.candidates.empty())
    return bad("bad_transport", "candidates and a notice in one <transport/>");
  return out;
}

std::vector<Candidate> by_priority(std::vector<Candidate> candidates) {
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.priority > b.priority; });
  return candidates;
}

// ---- filtering ----

AddressScope address_scope(std::string_view host) {
  std::string text(host);
  // "[v6]" as some peers write it.
  if (text.size() > 2 && text.front() == '[' && text.back() == ']')
    text = text.substr(1, text.size() - 2);
  std::array<unsigned char, 4> v4{};
  if (inet_pton(AF_INET, text.c_str(), v4.data()) == 1) return scope_v4(v4);
  std::array<unsigned char, 16> v6{};
  if (inet_pton(AF_INET6, text.c_str(), v6.data()) == 1) return scope_v6(v6);
  // RFC 6761 §6.3: localhost names are loopback whatever DNS says.
  std::string name = lower(text);
  if (!name.empty() && name.back() == '.') name.pop_back();
  if (name == "localhost" || name.ends_with(".localhost")) return AddressScope::loopback;
  return AddressScope::global;
}

std::string_view to_string(AddressScope scope) {
  switch (scope) {
  case AddressScope::global:
    return "global";
  case AddressScope::loopback:
    return "loopback";
  case AddressScope::link_local:
    return "link-local";
  case AddressScope::private_net:
    return "private";
  case AddressScope::unusable:
    return "unusable";
  }
  return "global";
}

Filtered filter_candidates(std::vector<Candidate> candidates, const FilterOptions& options) {
  Filtered out;
  std::set<std::pair<std::string, unsigned short>> endpoints;
  std::set<std::string> cids;
  for (auto& c : by_priority(std::move(candidates))) {
    std::string reason;
    const auto scope = address_scope(c.host);
    if (c.host.empty()) {
      reason = "empty host";
    } else if (c.port == 0) {
      reason = "port 0";
    } else if (scope == AddressScope::unusable) {
      reason = "unusable address " + c.host;
    } else if (is_local(scope) && !options.allow_local) {
      reason = std::string(to_string(scope)) + " address " + c.host;
    } else if (!cids.insert(c.cid).second) {
      reason = "repeated cid " + c.cid;
    } else if (!endpoints.emplace(lower(c.host), c.port).second) {
      reason = "repeated " + c.host + ":" + std::to_string(c.port);
    } else if (out.kept.size() >= options.max_candidates) {
      reason = "more than " + std::to_string(options.max_candidates) + " candidates";
    }
    if (reason.empty())
      out.kept.push_back(std::move(c));
    else
      out.dropped.push_back({std::move(c), std::move(reason)});
  }
  return out;
}

}  // namespace xmpp::s5b
