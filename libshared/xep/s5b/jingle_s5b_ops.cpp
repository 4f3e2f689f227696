#include "xep/s5b/jingle_s5b_ops.hpp"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "core/deadline.hpp"
#include "core/random.hpp"
#include "xep/s5b/socks5.hpp"

namespace xmpp::s5b {
namespace {

using asio::ip::tcp;
using boost::system::error_code;

tl::unexpected<Error> bad_transport(std::string message) {
  return fail(ErrorKind::protocol, "bad_transport", "", std::move(message));
}

Transport notice(const std::string& sid, NoticeKind kind, std::string cid = {}) {
  Transport out;
  out.sid = sid;
  out.notice = Notice{kind, std::move(cid)};
  return out;
}

std::string describe(const Candidate& c) {
  return "candidate " + c.cid + " (" + std::string(to_string(c.type)) + " " +
         endpoint_text(c.host, c.port) + ")";
}

const Candidate* find_cid(const std::vector<Candidate>& candidates, const std::string& cid) {
  const auto it = std::find_if(candidates.begin(), candidates.end(),
                               [&](const Candidate& c) { return c.cid == cid; });
  return it == candidates.end() ? nullptr : &*it;
}

/// The peer's next candidate-used or candidate-error (§2.4); offers of further candidates in
/// transport-info are skipped (we dial the initial offer only).
awaitable<Result<Notice>> peer_choice(Signalling& signalling, std::string sid,
                                      std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto transport = co_await signalling.next(time_left(deadline));
    if (!transport) co_return fail(transport.error().with_context("waiting for the peer's choice"));
    if (transport->sid != sid)
      co_return bad_transport("transport-info for sid '" + transport->sid + "', expected '" + sid +
                              "'");
    if (!transport->notice) continue;
    const auto kind = transport->notice->kind;
    if (kind == NoticeKind::candidate_used || kind == NoticeKind::candidate_error)
      co_return *transport->notice;
    const std::string name = kind == NoticeKind::activated ? "activated" : "proxy-error";
    co_return bad_transport("the peer sent " + name +
                            " before it sent candidate-used or candidate-error");
  }
}

/// The peer's activated (or proxy-error) for its nominated proxy candidate `cid` (§2.5).
awaitable<Result<void>> peer_activation(Signalling& signalling, std::string sid, std::string cid,
                                        std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto transport = co_await signalling.next(time_left(deadline));
    if (!transport)
      co_return fail(transport.error().with_context("waiting for the proxy's activation"));
    if (transport->sid != sid)
      co_return bad_transport("transport-info for sid '" + transport->sid + "', expected '" + sid +
                              "'");
    if (!transport->notice) continue;
    const auto& n = *transport->notice;
    if (n.kind == NoticeKind::proxy_error)
      co_return fail(ErrorKind::unavailable, "proxy_error", "",
                     "the peer could not use its proxy candidate " + cid + " (proxy-error)");
    if (n.kind == NoticeKind::activated && n.cid == cid) co_return Result<void>{};
    co_return bad_transport("expected activated for candidate " + cid + ", got another notice");
  }
}

/// Our nominated proxy candidate (§2.5): connect to it as the requester, activate the bytestream
/// towards the peer, tell the peer. On failure the peer learns proxy-error.
awaitable<Result<tcp::socket>> use_our_proxy(stream::Session& session, const Offer& ours,
                                             Candidate candidate, Signalling& signalling,
                                             NegotiateOptions options) {
  const auto& sid = ours.transport.sid;
  const auto deadline = std::chrono::steady_clock::now() + options.proxy_timeout;
  // The proxy our own server named is trusted with local addresses (s5b_ops.hpp DialOptions).
  DialOptions dial{true, options.proxy_timeout, options.dns_server};
  auto socket =
      co_await connect(candidate.host, candidate.port, dst_addr(sid, ours.self, ours.peer), dial);
  std::optional<Error> failure;
  if (!socket) {
    failure = socket.error();
  } else {
    auto activated = co_await activate(session, candidate.jid, sid, ours.peer, time_left(deadline));
    if (!activated) failure = activated.error();
  }
  if (failure) {
    if (socket) {
      error_code ignored;
      socket->close(ignored);
    }
    // §2.5: the failing party sends proxy-error; both then consider the bytestream failed.
    (void)co_await signalling.send(notice(sid, NoticeKind::proxy_error));
    co_return fail(make_error(ErrorKind::unavailable, "proxy_error", "", failure->message)
                       .with_context("our proxy " + describe(candidate)));
  }
  auto sent = co_await signalling.send(notice(sid, NoticeKind::activated, candidate.cid));
  if (!sent) co_return fail(sent.error());
  co_return std::move(*socket);
}

}  // namespace

std::vector<asio::ip::address> interface_addresses() {
  std::vector<asio::ip::address> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (const ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || (i->ifa_flags & IFF_UP) == 0 ||
        (i->ifa_flags & IFF_LOOPBACK) != 0)
      continue;
    if (i->ifa_addr->sa_family == AF_INET) {
      sockaddr_in sin{};
      std::memcpy(&sin, i->ifa_addr, sizeof sin);
      asio::ip::address_v4::bytes_type bytes{};
      std::memcpy(bytes.data(), &sin.sin_addr, bytes.size());
      out.emplace_back(asio::ip::address_v4(bytes));
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      sockaddr_in6 sin6{};
      std::memcpy(&sin6, i->ifa_addr, sizeof sin6);
      asio::ip::address_v6::bytes_type bytes{};
      std::memcpy(bytes.data(), &sin6.sin6_addr, bytes.size());
      const asio::ip::address_v6 v6(bytes);
      if (v6.is_link_local() || v6.is_loopback() || v6.is_multicast() || v6.is_unspecified())
        continue;
      out.emplace_back(v6);
    }
  }
  freeifaddrs(list);
  // One candidate per address even when two interfaces share one.
  std::vector<asio::ip::address> unique;
  for (const auto& a : out)
    if (std::find(unique.begin(), unique.end(), a) == unique.end()) unique.push_back(a);
  return unique;
}

awaitable<Result<Offer>> gather(stream::Session& session, GatherOptions options) {
  Offer offer;
  offer.role = options.role;
  offer.self = options.self;
  offer.peer = options.peer;
  offer.transport.sid = options.sid;
  // §2.2: only the initiator writes 'mode'; tcp is the only mode we implement.
  if (options.role == Role::initiator) offer.transport.mode = Mode::tcp;
  const auto taken = [&](const std::string& host, unsigned short port) {
    return std::any_of(options.peer_candidates.begin(), options.peer_candidates.end(),
                       [&](const Candidate& c) { return c.host == host && c.port == port; });
  };
  const std::string our_hash = dst_addr(options.sid, options.self, options.peer);

  if (options.direct) {
    auto addresses = options.addresses.empty() ? interface_addresses() : options.addresses;
    if (addresses.empty())
      co_return fail(ErrorKind::usage, "no_address", "",
                     "no network interface address to offer direct candidates on");
    auto executor = co_await asio::this_coro::executor;
    auto listener = Listener::open(executor, std::move(addresses), our_hash, options.listener);
    if (!listener) co_return fail(listener.error());
    std::uint16_t preference = 65535;
    for (const auto& endpoint : listener->endpoints()) {
      Candidate c;
      c.cid = random_id();
      c.host = endpoint.address().to_string();
      c.jid = options.self;
      c.port = endpoint.port();
      c.type = CandidateType::direct;
      c.priority = candidate_priority(c.type, preference);
      if (preference > 0) --preference;
      if (!taken(c.host, c.port)) offer.transport.candidates.push_back(std::move(c));
    }
    offer.listener.emplace(std::move(*listener));
  }

  if (options.proxy) {
    auto hosts = co_await proxy_address(session, *options.proxy, options.proxy_timeout);
    if (!hosts) {
      offer.proxy_error = hosts.error();
    } else {
      std::uint16_t preference = 65535;
      for (const auto& host : *hosts) {
        if (taken(host.host, host.port)) continue;
        Candidate c;
        c.cid = random_id();
        c.host = host.host;
        c.jid = host.jid;
        c.port = host.port;
        c.type = CandidateType::proxy;
        c.priority = candidate_priority(c.type, preference);
        if (preference > 0) --preference;
        offer.transport.candidates.push_back(std::move(c));
      }
      // §2.2 rule 2: 'dstaddr' tells the peer the DST.ADDR to present at our proxy.
      if (std::any_of(offer.transport.candidates.begin(), offer.transport.candidates.end(),
                      [](const Candidate& c) { return c.type == CandidateType::proxy; }))
        offer.transport.dstaddr = our_hash;
    }
  }
  co_return std::move(offer);
}

awaitable<Result<Connected>> negotiate(stream::Session& session, Offer& ours, Transport theirs,
                                       Signalling& signalling, NegotiateOptions options) {
  const std::string sid = ours.transport.sid;
  if (theirs.sid != sid)
    co_return bad_transport("the peer's transport has sid '" + theirs.sid + "', ours is '" + sid +
                            "'");
  if (theirs.mode == Mode::udp)
    co_return fail(ErrorKind::unavailable, "udp_unsupported", "",
                   "the peer asks for a UDP bytestream (XEP-0065 §8), which we do not implement");

  // 1. Dial the peer's candidates in priority order (§2.3, §4 rule 1). The peer is the requester
  //    of its own candidates: DST.ADDR = SHA-1(sid + peer + self) (§2.2).
  auto filtered =
      filter_candidates(theirs.candidates, {options.allow_local, options.max_candidates});
  const std::string their_hash = dst_addr(sid, ours.peer, ours.self);
  const auto dial_deadline = std::chrono::steady_clock::now() + options.dial_total;
  std::optional<tcp::socket> dialled;
  std::optional<Candidate> we_used;
  std::optional<Error> last_dial_error;
  for (const auto& candidate : filtered.kept) {
    if (std::chrono::steady_clock::now() >= dial_deadline) break;
    const auto budget = std::min(options.dial_timeout, time_left(dial_deadline));
    auto socket = co_await connect(candidate.host, candidate.port, their_hash,
                                   DialOptions{options.allow_local, budget, options.dns_server});
    if (!socket) {
      last_dial_error = socket.error();
      continue;
    }
    dialled.emplace(std::move(*socket));
    we_used = candidate;
    break;
  }
  // Built before the co_await: g++ 12 mis-destroys class temporaries of a ?: inside one.
  Transport choice_notice = notice(sid, NoticeKind::candidate_error);
  if (we_used) choice_notice = notice(sid, NoticeKind::candidate_used, we_used->cid);
  auto told = co_await signalling.send(std::move(choice_notice));
  if (!told) co_return fail(told.error().with_context("telling the peer our choice"));

  // 2. The peer's choice among our candidates.
  auto choice = co_await peer_choice(signalling, sid, options.peer_timeout);
  if (!choice) co_return fail(choice.error());
  std::optional<Candidate> they_used;
  if (choice->kind == NoticeKind::candidate_used) {
    const auto* c = find_cid(ours.transport.candidates, choice->cid);
    if (c == nullptr)
      co_return bad_transport("the peer used candidate '" + choice->cid +
                              "', which we never offered");
    they_used = *c;
  }

  // 3. §2.5: the nominated candidate.
  if (!we_used && !they_used) {
    std::string message = "SOCKS5 bytestream: the peer reached none of our " +
                          std::to_string(ours.transport.candidates.size()) +
                          " candidates and we none of its " +
                          std::to_string(theirs.candidates.size());
    if (!filtered.dropped.empty())
      message += " (" + std::to_string(filtered.dropped.size()) +
                 " not dialled, first: " + filtered.dropped.front().reason + ")";
    if (last_dial_error) message += "; last failure: " + last_dial_error->message;
    co_return fail(ErrorKind::unavailable, "no_candidate", "", std::move(message));
  }
  bool nominate_ours = false;
  if (!we_used)
    nominate_ours = true;
  else if (they_used && they_used->priority != we_used->priority)
    nominate_ours = they_used->priority > we_used->priority;
  else if (they_used)
    // Rule 4: on a tie the initiator's choice wins, i.e. the candidate the initiator dialled.
    nominate_ours = ours.role == Role::responder;

  if (!nominate_ours) {
    // The connection we dialled carries the stream; the peer closes what it accepted of ours.
    if (ours.listener) ours.listener->close();
    if (we_used->type == CandidateType::proxy) {
      // §2.5: the peer activates its proxy and says so; only then may data flow.
      auto activated =
          co_await peer_activation(signalling, sid, we_used->cid, options.peer_timeout);
      if (!activated) co_return fail(activated.error());
    }
    co_return Connected{std::move(*dialled), std::move(*we_used), false,
                        std::move(filtered.dropped)};
  }

  if (dialled) {
    error_code ignored;
    dialled->close(ignored);
  }
  if (they_used->type == CandidateType::proxy) {
    if (ours.listener) ours.listener->close();
    auto socket = co_await use_our_proxy(session, ours, *they_used, signalling, options);
    if (!socket) co_return fail(socket.error());
    co_return Connected{std::move(*socket), std::move(*they_used), true,
                        std::move(filtered.dropped)};
  }
  if (!ours.listener)
    co_return bad_transport("the peer used our " + describe(*they_used) +
                            ", but we have no streamhost");
  // The peer finished its handshake before it said candidate-used: the connection is there or
  // about to be.
  auto accepted = co_await ours.listener->accept(options.dial_timeout);
  if (!accepted)
    co_return fail(accepted.error().with_context("the peer used our " + describe(*they_used)));
  co_return Connected{std::move(*accepted), std::move(*they_used), true,
                      std::move(filtered.dropped)};
}

}  // namespace xmpp::s5b
