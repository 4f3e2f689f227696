#include "net/connect.hpp"

#include <algorithm>

#include "net/resolve.hpp"
#include "net/watchdog.hpp"
#include "tls/context.hpp"
#include "tls/transport.hpp"

namespace xmpp::net {
namespace {

using boost::system::error_code;
using tcp = asio::ip::tcp;

// One address: TCP connect and, for a direct-TLS endpoint, the TLS handshake, both within
// `timeout`. The error message is the short reason for connect()'s list.
awaitable<Result<std::unique_ptr<tls::StreamTransport>>>
attempt(asio::ip::address address, Endpoint endpoint, TlsPolicy policy,
        std::shared_ptr<tls::ClientContext> context, std::chrono::milliseconds timeout,
        std::function<void(ConnectStep)> on_step) {
  auto executor = co_await asio::this_coro::executor;
  const auto start = std::chrono::steady_clock::now();
  auto socket = co_await connect_tcp(address, endpoint.port, timeout);
  if (!socket) co_return fail(socket.error());
  if (on_step) on_step(ConnectStep::tcp_connected);
  auto transport = std::make_unique<tls::StreamTransport>(std::move(*socket), std::move(context),
                                                          std::move(policy));
  if (endpoint.direct_tls) {
    // The handshake gets what is left of the attempt's time.
    Watchdog dog(executor, timeout - (std::chrono::steady_clock::now() - start),
                 [&transport] { transport->cancel(); });
    auto handshake = co_await transport->handshake_direct();
    // SECURITY.md (b): a handshake that times out is a TLS failure (exit 77), like a refused one.
    if (dog.expired())
      co_return fail(ErrorKind::no_perm, "tls_failed", "",
                     "TLS handshake timed out after " + std::to_string(timeout.count()) + " ms");
    if (!handshake) co_return fail(handshake.error());
  }
  co_return std::move(transport);
}

}  // namespace

std::string address_text(const asio::ip::address& address, unsigned short port) {
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(port);
}

awaitable<Result<tcp::socket>> connect_tcp(asio::ip::address address, unsigned short port,
                                           std::chrono::milliseconds timeout) {
  auto executor = co_await asio::this_coro::executor;
  tcp::socket socket(executor);
  Watchdog dog(executor, timeout, [&socket] {
    error_code ignored;
    socket.cancel(ignored);
  });
  error_code ec;
  co_await socket.async_connect(tcp::endpoint(address, port),
                                asio::redirect_error(asio::use_awaitable, ec));
  if (dog.expired())
    co_return fail(ErrorKind::unavailable, "connect_timeout", "",
                   "timed out after " + std::to_string(timeout.count()) + " ms");
  dog.disarm();
  if (ec) co_return fail(ErrorKind::unavailable, "connect_failed", "", ec.message());
  // SECURITY.md (b): keepalive against half-open connections; NODELAY because stanzas are small
  // and latency matters more than segment count.
  socket.set_option(asio::socket_base::keep_alive(true), ec);
  socket.set_option(tcp::no_delay(true), ec);
  co_return std::move(socket);
}

awaitable<Result<Connected>> connect(ConnectOptions options) {
  auto context = tls::make_client_context(options.policy);
  if (!context) co_return fail(context.error());
  auto plan = co_await resolve_addresses(options);
  if (!plan) co_return fail(plan.error());
  if (options.on_step) options.on_step(ConnectStep::resolved);

  std::string tried;
  std::optional<Error> tls_failure;
  for (const auto& target : *plan) {
    const std::string name = target.endpoint.host + ":" + std::to_string(target.endpoint.port) +
                             (target.endpoint.direct_tls ? " (direct TLS)" : "");
    if (target.addresses.empty()) {
      tried += (tried.empty() ? "" : "; ") + name + ": " + target.problem;
      continue;
    }
    for (const auto& address : target.addresses) {
      const std::string where_exactly = address_text(address, target.endpoint.port);
      if (std::find(options.skip.begin(), options.skip.end(), where_exactly) != options.skip.end())
        continue;
      auto result = co_await attempt(address, target.endpoint, options.policy, *context,
                                     options.attempt_timeout, options.on_step);
      if (result) co_return Connected{std::move(*result), target.endpoint, where_exactly};
      const Error& error = result.error();
      // A certificate or pin failure is the server's identity, not its reachability: stop.
      // A handshake failure ("tls_failed") may be one misconfigured direct-TLS port: go on, but
      // report it (kind no_perm) if nothing else works.
      if (error.kind == ErrorKind::no_perm && error.code != "tls_failed") co_return fail(error);
      if (error.code == "tls_failed" && !tls_failure) tls_failure = error;
      std::string where = where_exactly;
      if (target.endpoint.host != address.to_string())
        where += " (" + name + ")";
      else if (target.endpoint.direct_tls)
        where += " (direct TLS)";
      tried += (tried.empty() ? "" : "; ") + where + ": " + error.message;
    }
  }
  const std::string who = options.domain.empty() ? options.host.value_or("") : options.domain;
  const std::string message =
      who + ": could not connect: " + (tried.empty() ? "nothing to try" : tried);
  if (tls_failure) co_return fail(ErrorKind::no_perm, "tls_failed", "", message);
  co_return fail(ErrorKind::unavailable, "connect_failed", "", message);
}

}  // namespace xmpp::net
