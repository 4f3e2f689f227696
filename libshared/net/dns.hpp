// Asynchronous DNS on the coroutine's thread: c-ares (SRV per RFC 2782, addresses through
// ares_getaddrinfo so /etc/hosts applies) driven by Asio, never a blocking call.
//
// How c-ares runs on Asio: c-ares reports each socket it opens or closes through its socket-state
// callback; every socket is watched with an asio::posix::stream_descriptor (async_wait for read /
// write readiness, released, never closed, when c-ares closes it) and readiness is handed to
// ares_process_fd(). A steady_timer set from ares_timeout() drives retransmissions, and one more
// timer bounds the whole batch, after which the remaining queries are cancelled and count as
// failed.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "net/asio.hpp"
#include "net/srv.hpp"

namespace xmpp::net {

struct AddressAnswer {
  DnsStatus status = DnsStatus::failed;
  std::vector<asio::ip::address> addresses;  ///< in the resolver's preference order (RFC 6724)
  std::string detail;
};

/// A batch of DNS questions: start them, then wait() once for all of them.
///
///     auto dns = DnsClient::create(executor, options.dns_server, 5s);
///     SrvAnswer a, b;
///     dns->query_srv("_xmpps-client._tcp.example.org", a);
///     dns->query_srv("_xmpp-client._tcp.example.org", b);
///     co_await dns->wait();
class DnsClient {
 public:
  /// `server`: "IP" or "IP:PORT" ("[v6]:PORT") to ask instead of /etc/resolv.conf's servers.
  /// `timeout` bounds each wait(). Errors: config ("bad_dns_server") for an unusable server string,
  /// software ("dns_init_failed") when c-ares cannot start.
  static Result<std::unique_ptr<DnsClient>> create(asio::any_io_executor executor,
                                                   std::optional<std::string> server,
                                                   std::chrono::milliseconds timeout);
  ~DnsClient();
  DnsClient(const DnsClient&) = delete;
  DnsClient& operator=(const DnsClient&) = delete;

  /// Asks for the SRV records of `name` (no search list). `out` must live until wait() returns.
  void query_srv(const std::string& name, SrvAnswer& out);
  /// Asks for the A and AAAA addresses of `host` (/etc/hosts first, then DNS; no search list).
  /// `out` must live until wait() returns.
  void query_addresses(const std::string& host, AddressAnswer& out);
  /// Completes when every question started so far has an answer, or after the timeout (the
  /// unanswered ones then have status failed, detail "timeout").
  awaitable<void> wait();

 private:
  struct Impl;
  explicit DnsClient(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> m_impl;
};

}  // namespace xmpp::net
