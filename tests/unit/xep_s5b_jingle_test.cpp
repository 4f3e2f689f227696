// XEP-0260 negotiation (s5b/jingle_s5b_ops) and the socket bytestream (s5b/socket_bytestream):
// two parties in one process on 127.0.0.1, their transport-info exchange through an in-memory
// Signalling pair: direct candidates both ways, one side unreachable, both unreachable
// ("no_candidate"), the §2.5 priority and tie rules, SECURITY.md row 45 (a loopback candidate is
// not dialled without allow_local), and the proxy path against a fake SOCKS5 proxy answering the
// address and activate iqs through a FakeSession. Every test runs under a deadline.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <deque>
#include <functional>
#include <memory>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "net/asio.hpp"
#include "stanza/iq.hpp"
#include "xep/s5b/jingle_s5b_ops.hpp"
#include "xep/s5b/s5b.hpp"
#include "xep/s5b/s5b_ops.hpp"
#include "xep/s5b/socket_bytestream.hpp"
#include "xep_fake_session.hpp"

using namespace xmpp;
using asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

const Jid k_romeo = Jid::parse("romeo@montague.lit/orchard").value();
const Jid k_juliet = Jid::parse("juliet@capulet.lit/balcony").value();
const Jid k_proxy = Jid::parse("proxy.montague.lit").value();
const std::string k_sid = "vj3hs98y";

asio::ip::address loopback() {
  return asio::ip::make_address("127.0.0.1");
}

/// One direction of the in-memory transport-info exchange.
struct Mailbox {
  explicit Mailbox(asio::any_io_executor ex) : wake(std::move(ex)) {}
  std::deque<s5b::Transport> queue;
  asio::steady_timer wake;
};

/// One party's end of the exchange; `sent` records what it told the peer.
class MemorySignalling : public s5b::Signalling {
 public:
  MemorySignalling(std::shared_ptr<Mailbox> in, std::shared_ptr<Mailbox> out)
      : m_in(std::move(in)), m_out(std::move(out)) {}

  std::vector<s5b::Transport> sent;

  awaitable<Result<void>> send(s5b::Transport transport) override {
    sent.push_back(transport);
    m_out->queue.push_back(std::move(transport));
    m_out->wake.cancel();
    co_return Result<void>{};
  }

  awaitable<Result<s5b::Transport>> next(std::chrono::milliseconds timeout) override {
    if (m_in->queue.empty()) {
      m_in->wake.expires_after(timeout);
      boost::system::error_code ec;
      co_await m_in->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (m_in->queue.empty())
      co_return fail(ErrorKind::temporary, "timeout", "", "no transport-info in time");
    auto out = std::move(m_in->queue.front());
    m_in->queue.pop_front();
    co_return out;
  }

 private:
  std::shared_ptr<Mailbox> m_in, m_out;
};

/// A port on 127.0.0.1 where nobody listens (bound, then closed).
unsigned short closed_port(asio::io_context& io) {
  tcp::acceptor acceptor(io, tcp::endpoint(loopback(), 0));
  return acceptor.local_endpoint().port();
}

/// A fake SOCKS5 proxy (XEP-0065 §6) on 127.0.0.1: runs the server handshake with the expected
/// hash on every connection, keeps them, and once activated with two of them relays bytes both
/// ways. `activate()` is what the FakeSession's activate iq calls.
struct FakeProxy : std::enable_shared_from_this<FakeProxy> {
  FakeProxy(asio::any_io_executor ex, std::string hash)
      : acceptor(ex, tcp::endpoint(loopback(), 0)), dst_addr(std::move(hash)) {}

  tcp::acceptor acceptor;
  std::string dst_addr;
  std::vector<std::shared_ptr<tcp::socket>> connected;
  bool activated = false;
  bool refuse = false;  ///< answer every activate with not-allowed

  unsigned short port() const { return acceptor.local_endpoint().port(); }

  void start() {
    asio::co_spawn(acceptor.get_executor(), accept_loop(shared_from_this()), asio::detached);
  }

  static awaitable<void> accept_loop(std::shared_ptr<FakeProxy> self) {
    for (;;) {
      boost::system::error_code ec;
      auto socket = std::make_shared<tcp::socket>(co_await asio::this_coro::executor);
      co_await self->acceptor.async_accept(*socket, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      auto ok = co_await s5b::server_handshake(*socket, self->dst_addr, 2s);
      if (ok) self->connected.push_back(socket);
    }
  }

  static awaitable<void> relay(std::shared_ptr<tcp::socket> from, std::shared_ptr<tcp::socket> to) {
    std::array<char, 4096> buffer{};
    boost::system::error_code ec;
    for (;;) {
      const auto n = co_await from->async_read_some(asio::buffer(buffer),
                                                    asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      co_await asio::async_write(*to, asio::buffer(buffer.data(), n),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
    }
    to->shutdown(tcp::socket::shutdown_send, ec);
  }

  /// §6.3.5: only with both parties connected.
  bool activate() {
    if (refuse || connected.size() != 2 || activated) return false;
    activated = true;
    auto ex = acceptor.get_executor();
    asio::co_spawn(ex, relay(connected[0], connected[1]), asio::detached);
    asio::co_spawn(ex, relay(connected[1], connected[0]), asio::detached);
    return true;
  }

  void stop() {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    for (auto& s : connected)
      s->close(ignored);
  }
};

/// A FakeSession of `self` whose server knows `proxy` (address query and activate iq).
std::unique_ptr<test::FakeSession> session_with_proxy(asio::any_io_executor ex, const Jid& self,
                                                      std::shared_ptr<FakeProxy> proxy) {
  auto session = std::make_unique<test::FakeSession>(ex, self);
  session->responder = [proxy](const xml::Element& iq) -> std::optional<xml::Element> {
    if (!proxy) return std::nullopt;
    const auto* query = iq.child("query", s5b::k_ns);
    if (query == nullptr) return std::nullopt;
    if (query->child("activate", s5b::k_ns) != nullptr) {
      if (proxy->activate()) return stanza::make_result(iq);
      return stanza::make_error_reply(iq, stanza::make_stanza_error("not-allowed"));
    }
    s5b::Query answer;
    answer.sid = "unused";
    answer.streamhosts.push_back({k_proxy, "127.0.0.1", proxy->port()});
    auto payload = s5b::make_query(answer);
    payload.remove_attr("sid");
    return stanza::make_result(iq, std::move(payload));
  };
  return session;
}

struct PartyResult {
  std::optional<Result<s5b::Connected>> connected;
  std::vector<s5b::Transport> sent;
};

/// How a test shapes one party.
struct PartySetup {
  s5b::GatherOptions gather;
  s5b::NegotiateOptions negotiate;
  /// Changes our offer before the peer sees it (e.g. a closed port, another priority).
  std::function<void(s5b::Transport&, asio::io_context&)> edit_offer;
};

PartySetup party(s5b::Role role) {
  PartySetup p;
  p.gather.sid = k_sid;
  p.gather.role = role;
  p.gather.self = role == s5b::Role::initiator ? k_romeo : k_juliet;
  p.gather.peer = role == s5b::Role::initiator ? k_juliet : k_romeo;
  p.gather.addresses = {loopback()};
  p.negotiate.allow_local = true;
  p.negotiate.dial_timeout = 2s;
  p.negotiate.dial_total = 3s;
  p.negotiate.peer_timeout = 5s;
  p.negotiate.proxy_timeout = 2s;
  return p;
}

/// What a whole negotiation produced, and what the bytestreams carried afterwards.
struct Outcome {
  PartyResult initiator, responder;
  std::string initiator_got, responder_got;  ///< bytes each read until EOF
  std::optional<Error> gather_error;
};

/// Counts finished tasks and wakes whoever waits for all of them (no polling).
struct Done {
  Done(asio::any_io_executor ex, int n) : wake(std::move(ex)), left(n) {}
  asio::steady_timer wake;
  int left;
  void one() {
    if (--left == 0) wake.cancel();
  }
  awaitable<void> all() {
    while (left > 0) {
      wake.expires_after(std::chrono::hours(1));
      boost::system::error_code ec;
      co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }
};

/// Reads until `size` bytes, EOF or an error.
awaitable<std::string> read_exactly(s5b::SocketBytestream& stream, std::size_t size) {
  std::string out;
  std::array<char, 1000> buffer{};
  while (out.size() < size) {
    auto n = co_await stream.read(buffer);
    if (!n || *n == 0) break;
    out.append(buffer.data(), *n);
  }
  co_return out;
}

/// Writes `payload` while reading `expect` bytes from the peer (both at once, so that two large
/// payloads cannot fill both directions' buffers and stall), then closes.
awaitable<std::string> exchange(s5b::SocketBytestream& stream, std::string payload,
                                std::size_t expect) {
  auto ex = co_await asio::this_coro::executor;
  Done done(ex, 1);
  asio::co_spawn(
      ex,
      [&]() -> awaitable<void> {
        // 64 KiB pieces: several write() calls, as a file sender makes them.
        for (std::size_t at = 0; at < payload.size(); at += 65536) {
          auto piece = std::span<const char>(payload).subspan(
              at, std::min<std::size_t>(65536, payload.size() - at));
          auto w = co_await stream.write(piece);
          CHECK_MESSAGE(w.has_value(), (w ? "" : w.error().message));
          if (!w) break;
        }
        done.one();
      },
      asio::detached);
  auto got = co_await read_exactly(stream, expect);
  co_await done.all();
  CHECK(stream.written() == payload.size());
  auto closed = co_await stream.close();
  CHECK_MESSAGE(closed.has_value(), (closed ? "" : closed.error().message));
  co_return got;
}

/// Gathers both offers (the initiator's first, as in session-initiate, then the responder's),
/// negotiates both sides at once, and when both connected sends `from_initiator` and
/// `from_responder` across and closes.
Outcome run_negotiation(asio::io_context& io, PartySetup initiator, PartySetup responder,
                        std::shared_ptr<FakeProxy> proxy = nullptr,
                        std::string from_initiator = "from romeo",
                        std::string from_responder = "from juliet") {
  Outcome outcome;
  auto ex = io.get_executor();
  auto to_responder = std::make_shared<Mailbox>(ex);
  auto to_initiator = std::make_shared<Mailbox>(ex);
  MemorySignalling sig_i(to_initiator, to_responder), sig_r(to_responder, to_initiator);
  auto session_i = session_with_proxy(ex, k_romeo, proxy);
  auto session_r = session_with_proxy(ex, k_juliet, proxy);
  if (proxy) proxy->start();
  asio::co_spawn(
      io,
      [&]() -> awaitable<void> {
        auto offer_i = co_await s5b::gather(*session_i, initiator.gather);
        if (!offer_i) {
          outcome.gather_error = offer_i.error();
          io.stop();
          co_return;
        }
        if (initiator.edit_offer) initiator.edit_offer(offer_i->transport, io);
        responder.gather.peer_candidates = offer_i->transport.candidates;
        auto offer_r = co_await s5b::gather(*session_r, responder.gather);
        if (!offer_r) {
          outcome.gather_error = offer_r.error();
          io.stop();
          co_return;
        }
        if (responder.edit_offer) responder.edit_offer(offer_r->transport, io);
        Done finished(ex, 2);
        auto side = [&](s5b::Offer& ours, s5b::Transport theirs, MemorySignalling& sig,
                        test::FakeSession& session, PartySetup& setup, PartyResult& result,
                        std::string& got, std::string payload,
                        std::size_t expect) -> awaitable<void> {
          auto connected =
              co_await s5b::negotiate(session, ours, std::move(theirs), sig, setup.negotiate);
          if (connected) {
            s5b::SocketBytestream stream(std::move(connected->socket), {3000ms, 3000ms});
            got = co_await exchange(stream, payload, expect);
          }
          result.connected.emplace(std::move(connected));
          result.sent = sig.sent;
          finished.one();
        };
        // Both sides at once, as two peers would run.
        asio::co_spawn(io,
                       side(*offer_i, offer_r->transport, sig_i, *session_i, initiator,
                            outcome.initiator, outcome.initiator_got, from_initiator,
                            from_responder.size()),
                       asio::detached);
        co_await side(*offer_r, offer_i->transport, sig_r, *session_r, responder, outcome.responder,
                      outcome.responder_got, from_responder, from_initiator.size());
        // Both offers (their listeners) stay alive until the initiator's side is done too.
        co_await finished.all();
        io.stop();
      },
      asio::detached);
  io.run_for(20s);
  if (proxy) proxy->stop();
  REQUIRE_MESSAGE(!outcome.gather_error,
                  (outcome.gather_error ? outcome.gather_error->message : ""));
  REQUIRE_MESSAGE(outcome.initiator.connected.has_value(), "the initiator did not finish in time");
  REQUIRE_MESSAGE(outcome.responder.connected.has_value(), "the responder did not finish in time");
  return outcome;
}

std::string message_of(const Result<s5b::Connected>& r) {
  return r ? std::string() : r.error().code + ": " + r.error().message;
}

std::optional<s5b::NoticeKind> first_notice(const std::vector<s5b::Transport>& sent) {
  if (sent.empty() || !sent.front().notice) return std::nullopt;
  return sent.front().notice->kind;
}

void close_ports(s5b::Transport& t, asio::io_context& io) {
  for (auto& c : t.candidates)
    c.port = closed_port(io);
}

}  // namespace

// ---- socket bytestream ----

namespace {

/// A connected pair of sockets on 127.0.0.1.
awaitable<std::pair<tcp::socket, tcp::socket>> socket_pair() {
  auto ex = co_await asio::this_coro::executor;
  tcp::acceptor acceptor(ex, tcp::endpoint(loopback(), 0));
  tcp::socket a(ex);
  co_await a.async_connect(acceptor.local_endpoint(), asio::use_awaitable);
  auto b = co_await acceptor.async_accept(asio::use_awaitable);
  co_return std::pair{std::move(a), std::move(b)};
}

}  // namespace

TEST_CASE("SocketBytestream: 1 MiB each way at once byte-exact; close ends with EOF both ways") {
  asio::io_context io;
  std::string big(1 << 20, '\0');
  std::iota(big.begin(), big.end(), 0);
  std::string back = big;
  std::reverse(back.begin(), back.end());
  auto result = test::run_coroutine<std::pair<std::string, std::string>>(
      io, [&]() -> awaitable<std::pair<std::string, std::string>> {
        auto [a, b] = co_await socket_pair();
        s5b::SocketBytestream sa(std::move(a)), sb(std::move(b));
        auto ex = co_await asio::this_coro::executor;
        std::string got_a;
        Done done(ex, 1);
        asio::co_spawn(
            ex,
            [&]() -> awaitable<void> {
              got_a = co_await exchange(sa, big, back.size());
              done.one();
            },
            asio::detached);
        auto got_b = co_await exchange(sb, back, big.size());
        co_await done.all();
        // After the close handshake a read says EOF (0), not an error.
        std::array<char, 8> after{};
        auto eof_again = co_await sb.read(after);
        CHECK(eof_again.has_value());
        CHECK(eof_again.value_or(99) == 0);
        co_return std::pair{got_a, got_b};
      });
  CHECK(result.first == back);
  CHECK(result.second == big);
}

TEST_CASE("SocketBytestream: the peer's EOF reads as 0 after the last byte") {
  asio::io_context io;
  auto got = test::run_coroutine<std::vector<std::size_t>>(
      io, [&]() -> awaitable<std::vector<std::size_t>> {
        auto [a, b] = co_await socket_pair();
        co_await asio::async_write(a, asio::buffer(std::string("abc")), asio::use_awaitable);
        a.shutdown(tcp::socket::shutdown_send);
        s5b::SocketBytestream sb(std::move(b), {2s, 2s});
        std::vector<std::size_t> sizes;
        std::array<char, 16> buffer{};
        for (int i = 0; i < 3; ++i) {
          auto n = co_await sb.read(buffer);
          REQUIRE(n.has_value());
          sizes.push_back(*n);
          if (*n == 0) break;
        }
        co_return sizes;
      });
  REQUIRE(!got.empty());
  CHECK(got.back() == 0);
  CHECK(std::accumulate(got.begin(), got.end(), std::size_t{0}) == 3);
}

TEST_CASE("SocketBytestream: silence is a read and close timeout; cancel() ends a pending read") {
  asio::io_context io;
  auto codes = test::run_coroutine<std::pair<std::string, std::string>>(
      io, [&]() -> awaitable<std::pair<std::string, std::string>> {
        auto [a, b] = co_await socket_pair();
        s5b::SocketBytestream sa(std::move(a), {50ms, 50ms});
        std::array<char, 16> buffer{};
        auto timed_out = co_await sa.read(buffer);
        // close() while the peer stays open and silent: bounded by close_timeout.
        auto closed = co_await sa.close();
        CHECK(!closed.has_value());
        CHECK(closed.error().code == "timeout");
        auto ex = co_await asio::this_coro::executor;
        auto [c, d] = co_await socket_pair();
        s5b::SocketBytestream sd(std::move(d), {5s, 50ms});
        asio::steady_timer t(ex, 20ms);
        t.async_wait([&](const boost::system::error_code&) { sd.cancel(); });
        auto cancelled = co_await sd.read(buffer);
        std::pair<std::string, std::string> out{"ok", "ok"};
        if (!timed_out) out.first = timed_out.error().code;
        if (!cancelled) out.second = cancelled.error().code;
        co_return out;
      });
  CHECK(codes.first == "timeout");
  CHECK(codes.second == "cancelled");
}

TEST_CASE("SocketBytestream: writing to a peer that is gone fails as connection_lost") {
  asio::io_context io;
  auto code = test::run_coroutine<std::string>(io, [&]() -> awaitable<std::string> {
    auto [a, b] = co_await socket_pair();
    b.close();
    s5b::SocketBytestream sa(std::move(a), {2s, 2s});
    std::string chunk(1 << 16, 'x');
    // The first writes may still land in the kernel buffer; the reset arrives soon after.
    for (int i = 0; i < 200; ++i) {
      auto w = co_await sa.write(chunk);
      if (!w) co_return w.error().code;
    }
    co_return std::string("no error");
  });
  CHECK(code == "connection_lost");
}

// ---- gathering ----

TEST_CASE("interface_addresses: no loopback, link-local, multicast or repeated address") {
  const auto addresses = s5b::interface_addresses();
  for (const auto& a : addresses) {
    CAPTURE(a.to_string());
    CHECK_FALSE(a.is_loopback());
    CHECK_FALSE(a.is_multicast());
    CHECK_FALSE(a.is_unspecified());
    if (a.is_v6()) CHECK_FALSE(a.to_v6().is_link_local());
    CHECK(std::count(addresses.begin(), addresses.end(), a) == 1);
  }
}

TEST_CASE("gather: a direct candidate per address, §2.2 priorities, mode only from the initiator") {
  asio::io_context io;
  auto offers = test::run_coroutine<std::pair<s5b::Transport, s5b::Transport>>(
      io, [&]() -> awaitable<std::pair<s5b::Transport, s5b::Transport>> {
        auto ex = co_await asio::this_coro::executor;
        test::FakeSession session(ex, k_romeo);
        auto i = party(s5b::Role::initiator).gather;
        auto offer_i = co_await s5b::gather(session, i);
        REQUIRE(offer_i.has_value());
        REQUIRE(offer_i->listener.has_value());
        CHECK(offer_i->listener->endpoints().size() == 1);
        auto r = party(s5b::Role::responder).gather;
        auto offer_r = co_await s5b::gather(session, r);
        REQUIRE(offer_r.has_value());
        co_return std::pair{offer_i->transport, offer_r->transport};
      });
  const auto& [ti, tr] = offers;
  CHECK(ti.sid == k_sid);
  CHECK(ti.mode == s5b::Mode::tcp);
  CHECK(!tr.mode.has_value());
  CHECK(!ti.dstaddr.has_value());  // no proxy candidate
  REQUIRE(ti.candidates.size() == 1);
  const auto& c = ti.candidates[0];
  CHECK(c.type == s5b::CandidateType::direct);
  CHECK(c.host == "127.0.0.1");
  CHECK(c.port != 0);
  CHECK(c.jid == k_romeo);
  CHECK(c.priority == s5b::candidate_priority(s5b::CandidateType::direct, 65535));
  REQUIRE(tr.candidates.size() == 1);
  CHECK(tr.candidates[0].cid != c.cid);
  // What gather offers, parse_transport reads back.
  CHECK(s5b::parse_transport(s5b::make_transport(ti)).value() == ti);
}

TEST_CASE("gather: the proxy candidate with dstaddr; a failing proxy leaves it out, not an error") {
  asio::io_context io;
  auto proxy = std::make_shared<FakeProxy>(io.get_executor(), "unused");
  auto got = test::run_coroutine<std::pair<s5b::Offer, s5b::Offer>>(
      io, [&]() -> awaitable<std::pair<s5b::Offer, s5b::Offer>> {
        auto ex = co_await asio::this_coro::executor;
        auto session = session_with_proxy(ex, k_romeo, proxy);
        auto options = party(s5b::Role::initiator).gather;
        options.direct = false;
        options.proxy = k_proxy;
        auto with = co_await s5b::gather(*session, options);
        REQUIRE(with.has_value());
        test::FakeSession silent(ex, k_romeo);  // never answers: the address query times out
        options.proxy_timeout = 50ms;
        auto without = co_await s5b::gather(silent, options);
        REQUIRE(without.has_value());
        co_return std::pair{std::move(*with), std::move(*without)};
      });
  const auto& t = got.first.transport;
  REQUIRE(t.candidates.size() == 1);
  CHECK(t.candidates[0].type == s5b::CandidateType::proxy);
  CHECK(t.candidates[0].jid == k_proxy);
  CHECK(t.candidates[0].port == proxy->port());
  CHECK(t.candidates[0].priority == s5b::candidate_priority(s5b::CandidateType::proxy, 65535));
  CHECK(t.dstaddr == s5b::dst_addr(k_sid, k_romeo, k_juliet));
  CHECK(!got.first.listener.has_value());
  CHECK(got.second.transport.candidates.empty());
  REQUIRE(got.second.proxy_error.has_value());
  CHECK(got.second.proxy_error->code == "timeout");
}

TEST_CASE("gather: the responder leaves out a host:port the initiator already offered (§2.2)") {
  asio::io_context io;
  auto proxy = std::make_shared<FakeProxy>(io.get_executor(), "unused");
  auto t = test::run_coroutine<s5b::Transport>(io, [&]() -> awaitable<s5b::Transport> {
    auto ex = co_await asio::this_coro::executor;
    auto session = session_with_proxy(ex, k_juliet, proxy);
    auto options = party(s5b::Role::responder).gather;
    options.proxy = k_proxy;
    s5b::Candidate theirs;
    theirs.cid = "x";
    theirs.host = "127.0.0.1";
    theirs.port = proxy->port();
    theirs.jid = k_proxy;
    theirs.type = s5b::CandidateType::proxy;
    options.peer_candidates = {theirs};
    auto offer = co_await s5b::gather(*session, options);
    REQUIRE(offer.has_value());
    co_return offer->transport;
  });
  REQUIRE(t.candidates.size() == 1);
  CHECK(t.candidates[0].type == s5b::CandidateType::direct);
  CHECK(!t.dstaddr.has_value());
}

// ---- negotiation ----

TEST_CASE("negotiate: direct candidates both ways, one socket each, bytes both ways byte-exact") {
  std::string big(300000, '\0');
  for (std::size_t i = 0; i < big.size(); ++i)
    big[i] = static_cast<char>((i * 7919) >> 3);
  asio::io_context io;
  const auto out = run_negotiation(io, party(s5b::Role::initiator), party(s5b::Role::responder),
                                   nullptr, big, "a reply");
  const auto& ci = *out.initiator.connected;
  const auto& cr = *out.responder.connected;
  REQUIRE_MESSAGE(ci.has_value(), message_of(ci));
  REQUIRE_MESSAGE(cr.has_value(), message_of(cr));
  // Both dialled and both sent candidate-used; the equal priorities make it the initiator's
  // choice (§2.5 rule 4): the responder's candidate, which the initiator dialled.
  CHECK(first_notice(out.initiator.sent) == s5b::NoticeKind::candidate_used);
  CHECK(first_notice(out.responder.sent) == s5b::NoticeKind::candidate_used);
  CHECK(ci->candidate.cid == cr->candidate.cid);
  CHECK_FALSE(ci->ours);
  CHECK(cr->ours);
  CHECK_FALSE(ci->via_proxy());
  CHECK(out.responder_got == big);
  CHECK(out.initiator_got == "a reply");
}

TEST_CASE("negotiate: §2.5 rule 3, the higher priority wins over the initiator's choice") {
  auto initiator = party(s5b::Role::initiator);
  auto responder = party(s5b::Role::responder);
  // The responder rates its own candidate lower: the initiator's candidate (higher) wins.
  responder.edit_offer = [](s5b::Transport& t, asio::io_context&) {
    for (auto& c : t.candidates)
      c.priority = s5b::candidate_priority(s5b::CandidateType::direct, 100);
  };
  asio::io_context io;
  auto out = run_negotiation(io, initiator, responder);
  const auto& ci = *out.initiator.connected;
  const auto& cr = *out.responder.connected;
  REQUIRE_MESSAGE(ci.has_value(), message_of(ci));
  REQUIRE_MESSAGE(cr.has_value(), message_of(cr));
  CHECK(ci->ours);
  CHECK_FALSE(cr->ours);
  CHECK(ci->candidate.cid == cr->candidate.cid);
  CHECK(ci->candidate.priority == s5b::candidate_priority(s5b::CandidateType::direct, 65535));
  CHECK(out.initiator_got == "from juliet");
  CHECK(out.responder_got == "from romeo");
}

TEST_CASE("negotiate: the initiator's candidates unreachable, the responder's is used") {
  auto initiator = party(s5b::Role::initiator);
  initiator.edit_offer = close_ports;
  asio::io_context io;
  auto out = run_negotiation(io, initiator, party(s5b::Role::responder));
  const auto& ci = *out.initiator.connected;
  const auto& cr = *out.responder.connected;
  REQUIRE_MESSAGE(ci.has_value(), message_of(ci));
  REQUIRE_MESSAGE(cr.has_value(), message_of(cr));
  CHECK(first_notice(out.responder.sent) == s5b::NoticeKind::candidate_error);
  CHECK(first_notice(out.initiator.sent) == s5b::NoticeKind::candidate_used);
  CHECK_FALSE(ci->ours);
  CHECK(cr->ours);
  CHECK(out.initiator_got == "from juliet");
  CHECK(out.responder_got == "from romeo");
}

TEST_CASE("negotiate: the responder's candidates unreachable, the initiator's is used") {
  auto responder = party(s5b::Role::responder);
  responder.edit_offer = close_ports;
  asio::io_context io;
  auto out = run_negotiation(io, party(s5b::Role::initiator), responder);
  const auto& ci = *out.initiator.connected;
  const auto& cr = *out.responder.connected;
  REQUIRE_MESSAGE(ci.has_value(), message_of(ci));
  REQUIRE_MESSAGE(cr.has_value(), message_of(cr));
  CHECK(first_notice(out.initiator.sent) == s5b::NoticeKind::candidate_error);
  CHECK(ci->ours);
  CHECK_FALSE(cr->ours);
  CHECK(out.responder_got == "from romeo");
}

TEST_CASE("negotiate: both sides unreachable is no_candidate on both sides (fall back to IBB)") {
  auto initiator = party(s5b::Role::initiator);
  auto responder = party(s5b::Role::responder);
  initiator.edit_offer = close_ports;
  responder.edit_offer = close_ports;
  asio::io_context io;
  auto out = run_negotiation(io, initiator, responder);
  const auto& ci = *out.initiator.connected;
  const auto& cr = *out.responder.connected;
  REQUIRE(!ci.has_value());
  REQUIRE(!cr.has_value());
  CHECK(ci.error().code == "no_candidate");
  CHECK(ci.error().kind == ErrorKind::unavailable);
  CHECK(cr.error().code == "no_candidate");
  CHECK(first_notice(out.initiator.sent) == s5b::NoticeKind::candidate_error);
  CHECK(first_notice(out.responder.sent) == s5b::NoticeKind::candidate_error);
  // The message says what failed, for the fallback's log line.
  CHECK(ci.error().message.find("none of its 1") != std::string::npos);
  CHECK(ci.error().message.find("refused") != std::string::npos);
}

TEST_CASE("SECURITY.md row 45: a peer's 127.0.0.1 candidate is not dialled without allow_local") {
  auto initiator = party(s5b::Role::initiator);
  initiator.negotiate.allow_local = false;
  asio::io_context io;
  auto out = run_negotiation(io, initiator, party(s5b::Role::responder));
  const auto& ci = *out.initiator.connected;
  const auto& cr = *out.responder.connected;
  REQUIRE_MESSAGE(ci.has_value(), message_of(ci));
  REQUIRE_MESSAGE(cr.has_value(), message_of(cr));
  // The initiator dropped the responder's loopback candidate and said candidate-error; the
  // responder (allowed) dialled the initiator's.
  CHECK(first_notice(out.initiator.sent) == s5b::NoticeKind::candidate_error);
  REQUIRE(ci->dropped.size() == 1);
  CHECK(ci->dropped[0].reason.find("loopback") != std::string::npos);
  CHECK(ci->ours);
  CHECK(cr->dropped.empty());
  CHECK(out.responder_got == "from romeo");
}

namespace {

/// The initiator alone against a scripted peer: `theirs` is its offer, `notices` its
/// transport-infos, queued before negotiate() runs. Returns the error code ("connected" if none).
std::string scripted(s5b::Transport theirs, std::vector<s5b::Transport> notices,
                     std::chrono::milliseconds peer_timeout = 2s) {
  asio::io_context io;
  return test::run_coroutine<std::string>(io, [&]() -> awaitable<std::string> {
    auto ex = co_await asio::this_coro::executor;
    test::FakeSession session(ex, k_romeo);
    auto in = std::make_shared<Mailbox>(ex);
    auto out = std::make_shared<Mailbox>(ex);
    MemorySignalling sig(in, out);
    auto offer = co_await s5b::gather(session, party(s5b::Role::initiator).gather);
    REQUIRE(offer.has_value());
    for (auto& n : notices)
      in->queue.push_back(n);
    auto options = party(s5b::Role::initiator).negotiate;
    options.peer_timeout = peer_timeout;
    auto r = co_await s5b::negotiate(session, *offer, theirs, sig, options);
    std::string outcome = "connected";
    if (!r) outcome = r.error().code;
    co_return outcome;
  });
}

s5b::Transport with_notice(s5b::NoticeKind kind, std::string cid = {}) {
  s5b::Transport t;
  t.sid = k_sid;
  t.notice = s5b::Notice{kind, std::move(cid)};
  return t;
}

s5b::Transport empty_offer(std::string sid = k_sid) {
  s5b::Transport t;
  t.sid = std::move(sid);
  return t;
}

}  // namespace

TEST_CASE("negotiate: a notice for a candidate we never offered is bad_transport") {
  CHECK(scripted(empty_offer(), {with_notice(s5b::NoticeKind::candidate_used, "never-offered")}) ==
        "bad_transport");
}

TEST_CASE("negotiate: another sid, in the offer or in a transport-info, is bad_transport") {
  CHECK(scripted(empty_offer("other"), {}) == "bad_transport");
  auto wrong = with_notice(s5b::NoticeKind::candidate_error);
  wrong.sid = "other";
  CHECK(scripted(empty_offer(), {wrong}) == "bad_transport");
}

TEST_CASE("negotiate: activated before the peer's choice is bad_transport") {
  CHECK(scripted(empty_offer(), {with_notice(s5b::NoticeKind::activated, "x")}) == "bad_transport");
}

TEST_CASE("negotiate: a silent peer is a timeout; later candidate offers are skipped") {
  auto late = empty_offer();
  s5b::Candidate c;
  c.cid = "late";
  c.host = "127.0.0.1";
  c.port = 1;
  c.jid = k_juliet;
  c.priority = 1;
  late.candidates.push_back(c);
  CHECK(scripted(empty_offer(), {late}, 100ms) == "timeout");
}

TEST_CASE("negotiate: a UDP offer is refused (XEP-0065 §8 is not implemented)") {
  auto udp = empty_offer();
  udp.mode = s5b::Mode::udp;
  CHECK(scripted(udp, {}) == "udp_unsupported");
}

TEST_CASE("negotiate: over the proxy, direct candidates disabled; the offerer activates (§2.5)") {
  asio::io_context io;
  // The proxy pairs both connections by the hash of the initiator's candidate (§2.2).
  auto proxy =
      std::make_shared<FakeProxy>(io.get_executor(), s5b::dst_addr(k_sid, k_romeo, k_juliet));
  auto initiator = party(s5b::Role::initiator);
  auto responder = party(s5b::Role::responder);
  initiator.gather.direct = false;
  initiator.gather.proxy = k_proxy;
  responder.gather.direct = false;
  std::string big(100000, 'p');
  for (std::size_t i = 0; i < big.size(); i += 97)
    big[i] = static_cast<char>(i);
  auto out = run_negotiation(io, initiator, responder, proxy, big, "thanks");
  const auto& ci = *out.initiator.connected;
  const auto& cr = *out.responder.connected;
  REQUIRE_MESSAGE(ci.has_value(), message_of(ci));
  REQUIRE_MESSAGE(cr.has_value(), message_of(cr));
  CHECK(proxy->activated);
  CHECK(ci->ours);
  CHECK(ci->via_proxy());
  CHECK_FALSE(cr->ours);
  CHECK(cr->via_proxy());
  CHECK(ci->candidate.cid == cr->candidate.cid);
  // The initiator had nothing to dial (candidate-error), then activated its proxy and said so.
  REQUIRE(out.initiator.sent.size() == 2);
  CHECK(first_notice(out.initiator.sent) == s5b::NoticeKind::candidate_error);
  REQUIRE(out.initiator.sent[1].notice.has_value());
  CHECK(out.initiator.sent[1].notice->kind == s5b::NoticeKind::activated);
  CHECK(out.initiator.sent[1].notice->cid == ci->candidate.cid);
  CHECK(first_notice(out.responder.sent) == s5b::NoticeKind::candidate_used);
  CHECK(out.responder_got == big);
  CHECK(out.initiator_got == "thanks");
}

TEST_CASE("negotiate: the proxy refuses activation, proxy-error, proxy_error on both sides") {
  asio::io_context io;
  auto proxy =
      std::make_shared<FakeProxy>(io.get_executor(), s5b::dst_addr(k_sid, k_romeo, k_juliet));
  proxy->refuse = true;
  auto initiator = party(s5b::Role::initiator);
  auto responder = party(s5b::Role::responder);
  initiator.gather.direct = false;
  initiator.gather.proxy = k_proxy;
  responder.gather.direct = false;
  auto out = run_negotiation(io, initiator, responder, proxy);
  const auto& ci = *out.initiator.connected;
  const auto& cr = *out.responder.connected;
  REQUIRE(!ci.has_value());
  REQUIRE(!cr.has_value());
  CHECK(ci.error().code == "proxy_error");
  CHECK(ci.error().message.find("not-allowed") != std::string::npos);
  CHECK(cr.error().code == "proxy_error");
  REQUIRE(out.initiator.sent.size() == 2);
  REQUIRE(out.initiator.sent[1].notice.has_value());
  CHECK(out.initiator.sent[1].notice->kind == s5b::NoticeKind::proxy_error);
}
