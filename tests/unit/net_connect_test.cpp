// connect(): every address of every endpoint in order, a per-attempt deadline, the error lists
// what was tried (SECURITY.md table (b) "all targets/addresses refuse or time out").
#include <doctest/doctest.h>

#include "net/connect.hpp"
#include "net/watchdog.hpp"
#include "net_support.hpp"

using namespace xmpp;
using namespace xmpp::net;
using namespace xmpp::test;
using namespace std::chrono_literals;
using tcp = asio::ip::tcp;

namespace {

// A port on 127.0.0.1 where nothing listens (bound, then released).
unsigned short closed_port(asio::any_io_executor executor) {
  tcp::acceptor probe(executor, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const unsigned short port = probe.local_endpoint().port();
  probe.close();
  return port;
}

ConnectOptions plain_options(unsigned short port) {
  ConnectOptions options;
  options.domain = "example.test";
  options.host = "127.0.0.1";
  options.port = port;
  options.tls = TlsMode::starttls;
  options.policy.reference_domain = "example.test";
  options.attempt_timeout = 3s;
  return options;
}

}  // namespace

TEST_CASE("connect: a closed port is unavailable, and the message names the address") {
  run_with_deadline([]() -> awaitable<void> {
    const unsigned short port = closed_port(co_await asio::this_coro::executor);
    auto connected = co_await net::connect(plain_options(port));
    REQUIRE_FALSE(connected);
    CHECK(connected.error().kind == ErrorKind::unavailable);
    CHECK(connected.error().code == "connect_failed");
    INFO(connected.error().message);
    CHECK(connected.error().message.find("127.0.0.1:" + std::to_string(port)) != std::string::npos);
    CHECK(connected.error().message.find("refused") != std::string::npos);
  });
}

TEST_CASE("connect: an address that never answers is abandoned after attempt_timeout") {
  run_with_deadline([]() -> awaitable<void> {
    auto executor = co_await asio::this_coro::executor;
    // A listener with backlog 0 that never accepts: once one connection fills its queue, the
    // kernel drops further SYNs, so the next connect hangs (on 127.0.0.1, no routing tricks).
    tcp::acceptor full(executor, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    full.listen(0);
    const unsigned short port = full.local_endpoint().port();
    std::vector<std::unique_ptr<tcp::socket>> fillers;
    for (int i = 0; i < 4; ++i) {
      auto filler = std::make_unique<tcp::socket>(executor);
      Watchdog dog(executor, 200ms, [&filler] { filler->cancel(); });
      boost::system::error_code ec;
      co_await filler->async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                                     asio::redirect_error(asio::use_awaitable, ec));
      fillers.push_back(std::move(filler));
      if (dog.expired()) break;  // the queue is full: connections now hang
    }

    auto options = plain_options(port);
    options.attempt_timeout = 300ms;
    const auto start = std::chrono::steady_clock::now();
    auto connected = co_await net::connect(options);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(connected);
    CHECK(connected.error().kind == ErrorKind::unavailable);
    INFO(connected.error().message);
    CHECK(connected.error().message.find("timed out after 300 ms") != std::string::npos);
    CHECK(elapsed >= 300ms);
    CHECK(elapsed < 3s);
  });
}

TEST_CASE("connect: the first endpoint refuses, the second is used") {
  run_with_deadline([]() -> awaitable<void> {
    auto executor = co_await asio::this_coro::executor;
    tcp::acceptor open(executor, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const unsigned short open_port = open.local_endpoint().port();
    const unsigned short dead_port = closed_port(executor);

    DnsStub stub(executor);
    stub.srv("_xmpp-client._tcp.example.test",
             {{0, 0, dead_port, "dead.example.test"}, {5, 0, open_port, "live.example.test"}});
    stub.a("dead.example.test", {"127.0.0.1"});
    stub.a("live.example.test", {"127.0.0.1"});
    asio::co_spawn(executor, stub.run(), asio::detached);

    ConnectOptions options;
    options.domain = "example.test";
    options.dns_server = stub.address();
    options.policy.reference_domain = "example.test";
    options.attempt_timeout = 3s;
    auto connected = co_await net::connect(options);
    REQUIRE_MESSAGE(connected, (connected ? "" : connected.error().message));
    CHECK(connected->endpoint.host == "live.example.test");
    CHECK(connected->endpoint.port == open_port);
    CHECK_FALSE(connected->endpoint.direct_tls);
    tcp::socket peer = co_await open.async_accept(asio::use_awaitable);
    CHECK(peer.is_open());
  });
}

TEST_CASE("connect: every address of an endpoint is tried; the error lists all of them") {
  run_with_deadline([]() -> awaitable<void> {
    auto executor = co_await asio::this_coro::executor;
    const unsigned short dead_port = closed_port(executor);
    DnsStub stub(executor);
    stub.srv("_xmpp-client._tcp.example.test",
             {{0, 0, dead_port, "multi.example.test"}, {1, 0, dead_port, "gone.example.test"}});
    stub.a("multi.example.test", {"127.0.0.1", "127.0.0.2"});
    asio::co_spawn(executor, stub.run(), asio::detached);

    ConnectOptions options;
    options.domain = "example.test";
    options.dns_server = stub.address();
    options.policy.reference_domain = "example.test";
    auto connected = co_await net::connect(options);
    REQUIRE_FALSE(connected);
    CHECK(connected.error().kind == ErrorKind::unavailable);
    const std::string& message = connected.error().message;
    INFO(message);
    CHECK(message.rfind("example.test: could not connect: ", 0) == 0);
    const auto first = message.find("127.0.0.1:" + std::to_string(dead_port));
    const auto second = message.find("127.0.0.2:" + std::to_string(dead_port));
    CHECK(first != std::string::npos);
    CHECK(second != std::string::npos);
    CHECK(first < second);
    CHECK(message.find("gone.example.test:" + std::to_string(dead_port) + ": no address records") !=
          std::string::npos);
  });
}

TEST_CASE("connect: a certificate failure stops; the next endpoint is not tried") {
  TempDir dir;
  TestPki pki(dir);
  const Cert wrong = make_cert(CertSpec{"", "DNS:other.test"}, &pki.ca);
  run_with_deadline([&]() -> awaitable<void> {
    auto executor = co_await asio::this_coro::executor;
    tcp::acceptor bad(executor, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    tcp::acceptor good(executor, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    auto ctx = server_context(wrong);
    asio::co_spawn(
        executor,
        [&bad, ctx]() -> awaitable<void> {
          tcp::socket socket = co_await bad.async_accept(asio::use_awaitable);
          asio::ssl::stream<tcp::socket> stream(std::move(socket), *ctx);
          boost::system::error_code ec;
          co_await stream.async_handshake(asio::ssl::stream_base::server,
                                          asio::redirect_error(asio::use_awaitable, ec));
        },
        asio::detached);

    DnsStub stub(executor);
    stub.srv("_xmpps-client._tcp.example.test",
             {{0, 0, bad.local_endpoint().port(), "bad.example.test"}});
    stub.srv("_xmpp-client._tcp.example.test",
             {{1, 0, good.local_endpoint().port(), "good.example.test"}});
    stub.a("bad.example.test", {"127.0.0.1"});
    stub.a("good.example.test", {"127.0.0.1"});
    asio::co_spawn(executor, stub.run(), asio::detached);

    ConnectOptions options;
    options.domain = "example.test";
    options.dns_server = stub.address();
    options.policy.reference_domain = "example.test";
    options.policy.ca_file = pki.ca_file;
    auto connected = co_await net::connect(options);
    REQUIRE_FALSE(connected);
    CHECK(connected.error().code == "cert_name_mismatch");
    // Nothing connected to the STARTTLS endpoint: an accept would complete at once.
    good.non_blocking(true);
    boost::system::error_code ec;
    good.accept(ec);
    CHECK(ec == asio::error::would_block);
  });
}

TEST_CASE("connect: an unreadable --ca-file is no_input") {
  run_with_deadline([]() -> awaitable<void> {
    auto options = plain_options(1);
    options.policy.ca_file = "/nonexistent/ca.pem";
    auto connected = co_await net::connect(options);
    REQUIRE_FALSE(connected);
    CHECK(connected.error().kind == ErrorKind::no_input);
    CHECK(connected.error().code == "ca_file_unreadable");
  });
}

TEST_CASE("connect: a direct-TLS port that never answers the handshake is a TLS failure; the next "
          "endpoint works") {
  run_with_deadline([]() -> awaitable<void> {
    auto executor = co_await asio::this_coro::executor;
    // Accepts TCP, then says nothing (a STARTTLS port waiting for our stream header, say).
    tcp::acceptor silent(executor, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    tcp::acceptor plain(executor, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    std::vector<tcp::socket> held;
    asio::co_spawn(
        executor,
        [&silent, &held]() -> awaitable<void> {
          for (;;)
            held.push_back(co_await silent.async_accept(asio::use_awaitable));
        },
        asio::detached);

    // Alone: kind no_perm, code tls_failed, after the attempt deadline.
    auto alone = plain_options(silent.local_endpoint().port());
    alone.tls = TlsMode::direct;
    alone.attempt_timeout = 300ms;
    auto refused = co_await net::connect(alone);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == ErrorKind::no_perm);
    CHECK(refused.error().code == "tls_failed");
    INFO(refused.error().message);
    CHECK(refused.error().message.find("TLS handshake timed out after 300 ms") !=
          std::string::npos);

    // With a STARTTLS endpoint after it: that one is used.
    DnsStub stub(executor);
    stub.srv("_xmpps-client._tcp.example.test",
             {{0, 0, silent.local_endpoint().port(), "tls.example.test"}});
    stub.srv("_xmpp-client._tcp.example.test",
             {{0, 0, plain.local_endpoint().port(), "plain.example.test"}});
    stub.a("tls.example.test", {"127.0.0.1"});
    stub.a("plain.example.test", {"127.0.0.1"});
    asio::co_spawn(executor, stub.run(), asio::detached);
    ConnectOptions options;
    options.domain = "example.test";
    options.dns_server = stub.address();
    options.policy.reference_domain = "example.test";
    options.attempt_timeout = 300ms;
    auto connected = co_await net::connect(options);
    REQUIRE_MESSAGE(connected, (connected ? "" : connected.error().message));
    CHECK(connected->endpoint.host == "plain.example.test");
    CHECK_FALSE(connected->transport->tls().active);
  });
}
