#include "xep/s5b/s5b_ops.hpp"

#include <algorithm>
#include <array>
#include <set>
#include <utility>

#include "core/deadline.hpp"
#include "net/connect.hpp"
#include "net/dns.hpp"
#include "net/watchdog.hpp"
#include "xep/disco/disco_ops.hpp"
#include "xep/s5b/socks5.hpp"

namespace xmpp::s5b {
namespace {

using asio::ip::tcp;
using boost::system::error_code;

bool dialable(AddressScope scope, bool allow_local) {
  if (scope == AddressScope::unusable) return false;
  return scope == AddressScope::global || allow_local;
}

/// Drives a handshake machine over `socket`: writes what it says, reads exactly what it wants
/// (never more: the bytestream's first bytes stay in the socket), until done or failed.
template <class Machine>
awaitable<Result<void>> drive(tcp::socket& socket, Machine& machine,
                              std::chrono::milliseconds timeout) {
  auto executor = co_await asio::this_coro::executor;
  net::Watchdog dog(executor, timeout, [&socket] {
    error_code ignored;
    socket.cancel(ignored);
  });
  std::array<char, 256> buffer{};
  error_code ec;
  for (;;) {
    const std::string out = machine.take_output();
    if (!out.empty()) {
      co_await asio::async_write(socket, asio::buffer(out),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
    }
    if (machine.state() != HandshakeState::running) break;
    const std::size_t want = std::min(machine.wanted(), buffer.size());
    const std::size_t n = co_await socket.async_read_some(
        asio::buffer(buffer.data(), want), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    machine.feed(std::string_view(buffer.data(), n));
  }
  if (dog.expired())
    co_return fail(ErrorKind::temporary, "timeout", "",
                   "SOCKS5 handshake timed out after " + std::to_string(timeout.count()) + " ms");
  dog.disarm();
  if (machine.state() == HandshakeState::failed) co_return fail(machine.error());
  if (ec == asio::error::eof)
    co_return fail(ErrorKind::protocol, "socks5_failed", "",
                   "the peer closed the connection during the SOCKS5 handshake");
  if (ec) co_return fail(ErrorKind::protocol, "socks5_failed", "", ec.message());
  co_return Result<void>{};
}

/// The addresses to dial for `host`: itself when it is an IP literal, else what DNS says.
awaitable<Result<std::vector<asio::ip::address>>>
addresses_of(std::string host, std::optional<std::string> dns_server,
             std::chrono::milliseconds timeout) {
  std::string literal = host;
  if (literal.size() > 2 && literal.front() == '[' && literal.back() == ']')
    literal = literal.substr(1, literal.size() - 2);
  error_code ec;
  const auto address = asio::ip::make_address(literal, ec);
  if (!ec) co_return std::vector<asio::ip::address>{address};
  auto executor = co_await asio::this_coro::executor;
  auto dns = net::DnsClient::create(executor, std::move(dns_server), timeout);
  if (!dns) co_return fail(dns.error());
  net::AddressAnswer answer;
  (*dns)->query_addresses(host, answer);
  co_await (*dns)->wait();
  if (answer.addresses.empty())
    co_return fail(ErrorKind::unavailable, "no_address", "",
                   "the name does not resolve" +
                       (answer.detail.empty() ? std::string() : " (" + answer.detail + ")"));
  co_return std::move(answer.addresses);
}

// ---- the proxy ----

/// A proxy's stanza error in words (XEP-0065 §4 examples 9-10, §6.3.5).
Error describe(const Error& error, const Jid& proxy) {
  if (error.code != "stanza_error") return error.with_context("SOCKS5 proxy " + proxy.str());
  std::string meaning;
  if (error.condition == "forbidden")
    meaning = "you may not use this proxy";
  else if (error.condition == "not-allowed")
    meaning = "the proxy cannot act as a streamhost, or only one party is connected";
  else if (error.condition == "not-authorized")
    meaning = "the proxy's hashes of the two connections differ";
  else if (error.condition == "item-not-found")
    meaning = "the proxy knows no such bytestream from us";
  else if (error.condition == "internal-server-error")
    meaning = "the proxy failed";
  Error out = error;
  if (!meaning.empty()) out.message = meaning + " (" + error.message + ")";
  return out.with_context("SOCKS5 proxy " + proxy.str());
}

}  // namespace

// ---- dialling ----

awaitable<Result<void>> client_handshake(tcp::socket& socket, std::string dst_addr,
                                         std::chrono::milliseconds timeout) {
  ClientHandshake machine(std::move(dst_addr));
  co_return co_await drive(socket, machine, timeout);
}

awaitable<Result<void>> server_handshake(tcp::socket& socket, std::string dst_addr,
                                         std::chrono::milliseconds timeout) {
  ServerHandshake machine(std::move(dst_addr));
  co_return co_await drive(socket, machine, timeout);
}

awaitable<Result<tcp::socket>> connect(std::string host, unsigned short port, std::string dst_addr,
                                       DialOptions options) {
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  const std::string what = "streamhost " + endpoint_text(host, port);
  const auto refused = [&](std::string why) {
    return fail(make_error(ErrorKind::unavailable, "candidate_refused", "", std::move(why))
                    .with_context(what));
  };
  // SECURITY.md row 45: the host as written first, then every address it resolves to (a name
  // may point at 127.0.0.1 or at the cloud metadata service).
  const auto scope = address_scope(host);
  if (!dialable(scope, options.allow_local))
    co_return refused("not dialled: " + std::string(to_string(scope)) + " address");
  if (port == 0) co_return refused("not dialled: port 0");
  auto resolved = co_await addresses_of(host, options.dns_server, time_left(deadline));
  if (!resolved) co_return fail(resolved.error().with_context(what));
  std::vector<asio::ip::address> addresses;
  for (const auto& address : *resolved)
    if (dialable(address_scope(address.to_string()), options.allow_local))
      addresses.push_back(address);
  if (addresses.empty())
    co_return refused("not dialled: every address of the name is local or unusable");

  std::optional<Error> last;
  for (const auto& address : addresses) {
    auto socket = co_await net::connect_tcp(address, port, time_left(deadline));
    if (!socket) {
      last = socket.error();
      continue;
    }
    auto handshake = co_await client_handshake(*socket, dst_addr, time_left(deadline));
    if (!handshake) {
      error_code ignored;
      socket->close(ignored);
      co_return fail(handshake.error().with_context(what));
    }
    co_return std::move(*socket);
  }
  co_return fail(last->with_context(what));
}

// ---- our streamhost ----

struct Listener::State {
  State(asio::any_io_executor ex, std::string addr, ListenerOptions opts)
      : executor(std::move(ex)), dst_addr(std::move(addr)), options(opts), wake(executor) {}

  asio::any_io_executor executor;
  std::string dst_addr;
  ListenerOptions options;
  std::vector<tcp::acceptor> acceptors;
  std::set<std::shared_ptr<tcp::socket>> pending;
  std::optional<tcp::socket> winner;
  bool finished = false;  ///< a connection matched, or close() was called
  bool taken = false;     ///< accept() returned the winner
  std::size_t refused = 0;
  std::string last_reason;
  asio::steady_timer wake;  ///< accept() waits on it; cancelled when something happens

  void refuse(tcp::socket& socket, std::string reason) {
    ++refused;
    last_reason = std::move(reason);
    error_code ignored;
    socket.close(ignored);
  }

  /// Stops listening and closes the connections still in their handshake.
  void stop() {
    finished = true;
    error_code ignored;
    for (auto& acceptor : acceptors)
      acceptor.close(ignored);
    for (const auto& socket : pending)
      socket->close(ignored);
    wake.cancel();
  }
};

namespace {

awaitable<void> handle(std::shared_ptr<Listener::State> state, tcp::socket accepted) {
  auto socket = std::make_shared<tcp::socket>(std::move(accepted));
  state->pending.insert(socket);
  auto result =
      co_await server_handshake(*socket, state->dst_addr, state->options.handshake_timeout);
  state->pending.erase(socket);
  if (!result) {
    state->refuse(*socket, result.error().message);
    co_return;
  }
  // SECURITY.md row 46: exactly one connection per bytestream.
  if (state->finished) {
    state->refuse(*socket, "a second connection for the bytestream");
    co_return;
  }
  state->winner.emplace(std::move(*socket));
  state->stop();
}

awaitable<void> accept_loop(std::shared_ptr<Listener::State> state, std::size_t index) {
  while (!state->finished) {
    tcp::socket socket(state->executor);
    error_code ec;
    co_await state->acceptors[index].async_accept(socket,
                                                  asio::redirect_error(asio::use_awaitable, ec));
    // A listening socket that fails (closed by stop(), or out of descriptors) stops listening;
    // the other addresses and the pending connections go on.
    if (ec) co_return;
    if (state->finished) {
      state->refuse(socket, "a second connection for the bytestream");
      co_return;
    }
    if (state->pending.size() >= state->options.max_pending) {
      state->refuse(socket, "too many connections in their handshake");
      continue;
    }
    asio::co_spawn(state->executor, handle(state, std::move(socket)), asio::detached);
  }
}

}  // namespace

Listener::Listener(std::shared_ptr<State> state) : m_state(std::move(state)) {}

Listener& Listener::operator=(Listener&& other) noexcept {
  if (this != &other) {
    close();
    m_state = std::move(other.m_state);
  }
  return *this;
}

Listener::~Listener() {
  close();
}

Result<Listener> Listener::open(asio::any_io_executor executor,
                                std::vector<asio::ip::address> addresses, std::string dst_addr,
                                ListenerOptions options) {
  if (addresses.empty()) return fail(ErrorKind::usage, "no_address", "", "no address to listen on");
  auto state = std::make_shared<State>(executor, std::move(dst_addr), options);
  for (const auto& address : addresses) {
    tcp::acceptor acceptor(executor);
    error_code ec;
    const tcp::endpoint endpoint(address, 0);
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      return fail(ErrorKind::unavailable, "listen_failed", "",
                  "cannot listen on " + net::address_text(address, 0) + ": " + ec.message());
    state->acceptors.push_back(std::move(acceptor));
  }
  for (std::size_t i = 0; i < state->acceptors.size(); ++i)
    asio::co_spawn(executor, accept_loop(state, i), asio::detached);
  return Listener(std::move(state));
}

std::vector<tcp::endpoint> Listener::endpoints() const {
  std::vector<tcp::endpoint> out;
  if (!m_state) return out;
  for (const auto& acceptor : m_state->acceptors) {
    error_code ec;
    const auto endpoint = acceptor.local_endpoint(ec);
    if (!ec) out.push_back(endpoint);
  }
  return out;
}

awaitable<Result<tcp::socket>> Listener::accept(std::chrono::milliseconds timeout) {
  auto state = m_state;
  if (!state || state->taken || (state->finished && !state->winner))
    co_return fail(ErrorKind::software, "closed", "", "the streamhost is closed");
  if (!state->winner) {
    state->wake.expires_after(timeout);
    error_code ec;
    co_await state->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (!state->winner) {
    if (state->finished)
      co_return fail(ErrorKind::software, "closed", "", "the streamhost was closed");
    std::string message = "no connection presented the bytestream's hash within " +
                          std::to_string(timeout.count()) + " ms";
    if (state->refused > 0)
      message += "; " + std::to_string(state->refused) + " refused: " + state->last_reason;
    co_return fail(ErrorKind::temporary, "timeout", "", std::move(message));
  }
  state->taken = true;
  auto socket = std::move(*state->winner);
  state->winner.reset();
  co_return std::move(socket);
}

void Listener::close() {
  if (!m_state) return;
  m_state->stop();
  if (m_state->winner) {
    error_code ignored;
    m_state->winner->close(ignored);
    m_state->winner.reset();
  }
}

std::size_t Listener::refused() const {
  return m_state ? m_state->refused : 0;
}

// ---- the proxy ----

awaitable<Result<Jid>> find_proxy(stream::Session& session, Jid domain,
                                  std::chrono::milliseconds timeout) {
  auto info = co_await disco::info(session, domain, std::nullopt, timeout);
  if (!info) co_return fail(info.error());
  // §4: a bytestreams proxy has the identity proxy/bytestreams.
  if (info->has_identity("proxy", "bytestreams")) co_return domain;
  auto children = co_await disco::items(session, domain, std::nullopt, timeout);
  if (!children) co_return fail(children.error());
  for (const auto& item : children->items) {
    if (item.node) continue;
    auto child = co_await disco::info(session, item.jid, std::nullopt, timeout);
    if (child && child->has_identity("proxy", "bytestreams")) co_return item.jid;
  }
  co_return fail(ErrorKind::remote, "no_proxy", "",
                 domain.str() + " has no SOCKS5 bytestreams proxy (XEP-0065 §4: no "
                                "proxy/bytestreams identity on it or its items)");
}

awaitable<Result<std::vector<StreamHost>>> proxy_address(stream::Session& session, Jid proxy,
                                                         std::chrono::milliseconds timeout) {
  auto reply = co_await session.request(make_address_request(proxy), timeout);
  if (!reply) co_return fail(describe(reply.error(), proxy));
  auto hosts = parse_address_result(*reply);
  if (!hosts) co_return fail(hosts.error().with_context("SOCKS5 proxy " + proxy.str()));
  co_return std::move(*hosts);
}

awaitable<Result<void>> activate(stream::Session& session, Jid proxy, std::string sid, Jid target,
                                 std::chrono::milliseconds timeout) {
  auto reply = co_await session.request(make_activate(proxy, std::move(sid), target), timeout);
  if (!reply) co_return fail(describe(reply.error(), proxy));
  co_return Result<void>{};
}

}  // namespace xmpp::s5b
