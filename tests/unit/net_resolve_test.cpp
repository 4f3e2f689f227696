// resolve_endpoints / resolve_addresses through c-ares against a stub DNS server on 127.0.0.1
// (SECURITY.md table (b): NXDOMAIN fallback, "." targets, SERVFAIL and no answer bounded).
#include <doctest/doctest.h>

#include "net/dns.hpp"
#include "net/resolve.hpp"
#include "net_support.hpp"

using namespace xmpp;
using namespace xmpp::net;
using xmpp::test::DnsStub;
using xmpp::test::run_with_deadline;
using xmpp::test::StubSrv;
using namespace std::chrono_literals;

namespace {

ConnectOptions options_for(const DnsStub& stub, std::string domain) {
  ConnectOptions options;
  options.domain = std::move(domain);
  options.dns_server = stub.address();
  options.dns_timeout = 1500ms;
  return options;
}

std::string text(const Endpoint& e) {
  return e.host + ":" + std::to_string(e.port) + (e.direct_tls ? "/tls" : "");
}

std::vector<std::string> texts(const std::vector<ResolvedEndpoint>& endpoints) {
  std::vector<std::string> out;
  for (const auto& e : endpoints)
    out.push_back(text(e.endpoint));
  return out;
}

// A random source that always picks the first record of the arrangement.
const RandomSource k_first = [](std::uint32_t) { return 0u; };

}  // namespace

TEST_CASE("resolve: SRV records of both services, merged and ordered, targets resolved") {
  run_with_deadline([]() -> awaitable<void> {
    DnsStub stub(co_await asio::this_coro::executor);
    stub.srv("_xmpps-client._tcp.example.test", {{0, 0, 5223, "xmpp.example.test"}});
    stub.srv("_xmpp-client._tcp.example.test",
             {{10, 0, 5222, "backup.example.test"}, {0, 0, 5222, "xmpp.example.test"}});
    stub.a("xmpp.example.test", {"127.0.0.1", "127.0.0.2"});
    asio::co_spawn(co_await asio::this_coro::executor, stub.run(), asio::detached);

    auto result = co_await resolve_addresses(options_for(stub, "example.test"), k_first);
    REQUIRE(result);
    CHECK(texts(*result) == std::vector<std::string>{"xmpp.example.test:5223/tls",
                                                     "xmpp.example.test:5222",
                                                     "backup.example.test:5222"});
    REQUIRE((*result)[0].addresses.size() == 2);
    CHECK((*result)[0].addresses[0].to_string() == "127.0.0.1");
    CHECK((*result)[2].addresses.empty());
    CHECK((*result)[2].problem == "no address records");

    // The public contract: the same endpoints without addresses.
    auto endpoints = co_await resolve_endpoints(options_for(stub, "example.test"));
    REQUIRE(endpoints);
    CHECK(endpoints->size() == 3);
    CHECK(endpoints->back().host == "backup.example.test");
  });
}

TEST_CASE("resolve: TlsMode filters the SRV services") {
  run_with_deadline([]() -> awaitable<void> {
    DnsStub stub(co_await asio::this_coro::executor);
    stub.srv("_xmpps-client._tcp.example.test", {{0, 0, 5223, "tls.example.test"}});
    stub.srv("_xmpp-client._tcp.example.test", {{0, 0, 5222, "plain.example.test"}});
    stub.a("tls.example.test", {"127.0.0.1"});
    stub.a("plain.example.test", {"127.0.0.1"});
    asio::co_spawn(co_await asio::this_coro::executor, stub.run(), asio::detached);

    auto options = options_for(stub, "example.test");
    options.tls = TlsMode::starttls;
    auto starttls = co_await resolve_addresses(options);
    REQUIRE(starttls);
    CHECK(texts(*starttls) == std::vector<std::string>{"plain.example.test:5222"});
    options.tls = TlsMode::direct;
    auto direct = co_await resolve_addresses(options);
    REQUIRE(direct);
    CHECK(texts(*direct) == std::vector<std::string>{"tls.example.test:5223/tls"});
  });
}

TEST_CASE("resolve: NXDOMAIN for SRV falls back to the domain on 5222 (5223 with direct TLS)") {
  run_with_deadline([]() -> awaitable<void> {
    DnsStub stub(co_await asio::this_coro::executor);
    stub.a("plain.test", {"127.0.0.1"});
    asio::co_spawn(co_await asio::this_coro::executor, stub.run(), asio::detached);

    auto result = co_await resolve_addresses(options_for(stub, "plain.test"));
    REQUIRE(result);
    CHECK(texts(*result) == std::vector<std::string>{"plain.test:5222"});
    REQUIRE((*result)[0].addresses.size() == 1);
    CHECK((*result)[0].addresses[0].to_string() == "127.0.0.1");

    auto options = options_for(stub, "plain.test");
    options.tls = TlsMode::direct;
    auto direct = co_await resolve_addresses(options);
    REQUIRE(direct);
    CHECK(texts(*direct) == std::vector<std::string>{"plain.test:5223/tls"});
  });
}

TEST_CASE("resolve: '.' targets mean no service, no address fallback") {
  run_with_deadline([]() -> awaitable<void> {
    DnsStub stub(co_await asio::this_coro::executor);
    stub.srv("_xmpp-client._tcp.dot.test", {{0, 0, 0, "."}});
    stub.a("dot.test", {"127.0.0.1"});  // exists, but "." forbids the fallback
    stub.srv("_xmpps-client._tcp.nodirect.test", {{0, 0, 0, "."}});
    stub.a("nodirect.test", {"127.0.0.1"});
    stub.srv("_xmpps-client._tcp.mixed.test", {{0, 0, 0, "."}});
    stub.srv("_xmpp-client._tcp.mixed.test", {{0, 0, 5222, "xmpp.mixed.test"}});
    stub.a("xmpp.mixed.test", {"127.0.0.1"});
    asio::co_spawn(co_await asio::this_coro::executor, stub.run(), asio::detached);

    auto dot = co_await resolve_endpoints(options_for(stub, "dot.test"));
    REQUIRE_FALSE(dot);
    CHECK(dot.error().kind == ErrorKind::no_host);
    CHECK(dot.error().code == "no_host");
    CHECK(dot.error().message.find("not offered") != std::string::npos);

    auto nodirect = co_await resolve_endpoints(options_for(stub, "nodirect.test"));
    REQUIRE_FALSE(nodirect);
    CHECK(nodirect.error().kind == ErrorKind::no_host);

    auto mixed = co_await resolve_endpoints(options_for(stub, "mixed.test"));
    REQUIRE(mixed);
    REQUIRE(mixed->size() == 1);
    CHECK(text(mixed->front()) == "xmpp.mixed.test:5222");
  });
}

TEST_CASE("resolve: a domain with no SRV and no address is no_host") {
  run_with_deadline([]() -> awaitable<void> {
    DnsStub stub(co_await asio::this_coro::executor);
    asio::co_spawn(co_await asio::this_coro::executor, stub.run(), asio::detached);
    auto result = co_await resolve_endpoints(options_for(stub, "nowhere.test"));
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == ErrorKind::no_host);
    CHECK(result.error().code == "no_host");
    CHECK(result.error().message == "nowhere.test: no XMPP service (no SRV or address records)");
    CHECK(stub.queries() >= 4);  // two SRV, A, AAAA
  });
}

TEST_CASE("resolve: SRV SERVFAIL falls back to the domain's addresses") {
  run_with_deadline([]() -> awaitable<void> {
    DnsStub stub(co_await asio::this_coro::executor);
    stub.behave("_xmpps-client._tcp.flaky.test", DnsStub::Behaviour::servfail);
    stub.behave("_xmpp-client._tcp.flaky.test", DnsStub::Behaviour::servfail);
    stub.a("flaky.test", {"127.0.0.1"});
    asio::co_spawn(co_await asio::this_coro::executor, stub.run(), asio::detached);
    auto result = co_await resolve_addresses(options_for(stub, "flaky.test"));
    REQUIRE(result);
    CHECK(texts(*result) == std::vector<std::string>{"flaky.test:5222"});
  });
}

TEST_CASE("resolve: SERVFAIL everywhere is temporary, quickly") {
  run_with_deadline([]() -> awaitable<void> {
    DnsStub stub(co_await asio::this_coro::executor);
    stub.behave_all(DnsStub::Behaviour::servfail);
    asio::co_spawn(co_await asio::this_coro::executor, stub.run(), asio::detached);
    auto options = options_for(stub, "broken.test");
    options.dns_timeout = 5s;
    const auto start = std::chrono::steady_clock::now();
    auto result = co_await resolve_endpoints(options);
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == ErrorKind::temporary);
    CHECK(result.error().code == "dns_timeout");
    INFO(result.error().message);
    CHECK(result.error().message.find("SERVFAIL") != std::string::npos);
    CHECK(std::chrono::steady_clock::now() - start < 4s);  // answered, not timed out
  });
}

TEST_CASE("resolve: a DNS server that never answers ends after the bound with dns_timeout") {
  run_with_deadline([]() -> awaitable<void> {
    DnsStub stub(co_await asio::this_coro::executor);
    stub.behave_all(DnsStub::Behaviour::drop);
    asio::co_spawn(co_await asio::this_coro::executor, stub.run(), asio::detached);
    auto options = options_for(stub, "silent.test");
    options.dns_timeout = 400ms;
    const auto start = std::chrono::steady_clock::now();
    auto result = co_await resolve_endpoints(options);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == ErrorKind::temporary);
    CHECK(result.error().code == "dns_timeout");
    CHECK(result.error().message.find("timeout") != std::string::npos);
    // Two phases (SRV, then the fallback's addresses), each bounded by dns_timeout.
    CHECK(elapsed >= 800ms);
    CHECK(elapsed < 3000ms);
    CHECK(stub.queries() >= 2);
  });
}

TEST_CASE("resolve: --host skips SRV; /etc/hosts is used; IP literals need no DNS") {
  run_with_deadline([]() -> awaitable<void> {
    DnsStub stub(co_await asio::this_coro::executor);
    stub.srv("_xmpp-client._tcp.example.test", {{0, 0, 5222, "elsewhere.test"}});
    asio::co_spawn(co_await asio::this_coro::executor, stub.run(), asio::detached);

    auto options = options_for(stub, "example.test");
    options.host = "localhost";  // /etc/hosts; the stub would say NXDOMAIN
    auto local = co_await resolve_addresses(options);
    REQUIRE(local);
    REQUIRE(local->size() == 1);
    CHECK(text(local->front().endpoint) == "localhost:5222");
    REQUIRE_FALSE(local->front().addresses.empty());
    CHECK(local->front().addresses.front().is_loopback());

    options.host = "127.0.0.1";
    options.port = 15222;
    options.tls = TlsMode::direct;
    auto literal = co_await resolve_addresses(options);
    REQUIRE(literal);
    CHECK(text(literal->front().endpoint) == "127.0.0.1:15222/tls");
    CHECK(literal->front().addresses.front().to_string() == "127.0.0.1");

    options.port.reset();
    auto default_port = co_await resolve_addresses(options);
    REQUIRE(default_port);
    CHECK(default_port->front().endpoint.port == 5223);
    CHECK(stub.queries() == 0);

    options.host = "missing.test";
    auto missing = co_await resolve_addresses(options);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == ErrorKind::no_host);
    CHECK(missing.error().message == "missing.test: no address records");
  });
}

TEST_CASE("resolve: a bad dns_server is a configuration error") {
  run_with_deadline([]() -> awaitable<void> {
    ConnectOptions options;
    options.domain = "example.test";
    options.dns_server = "not an address";
    auto result = co_await resolve_endpoints(options);
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == ErrorKind::config);
    CHECK(result.error().code == "bad_dns_server");
  });
}

TEST_CASE("DnsClient: several questions in one batch") {
  run_with_deadline([]() -> awaitable<void> {
    auto executor = co_await asio::this_coro::executor;
    DnsStub stub(executor);
    stub.a("one.test", {"127.0.0.1"});
    stub.a("two.test", {"127.0.0.2"});
    stub.srv("_x._tcp.two.test", {{1, 2, 3, "t.test"}});
    asio::co_spawn(executor, stub.run(), asio::detached);
    auto dns = DnsClient::create(executor, stub.address(), 2s);
    REQUIRE(dns);
    AddressAnswer one, two;
    SrvAnswer srv, none;
    (*dns)->query_addresses("one.test", one);
    (*dns)->query_addresses("two.test", two);
    (*dns)->query_srv("_x._tcp.two.test", srv);
    (*dns)->query_srv("_x._tcp.one.test", none);
    co_await (*dns)->wait();
    CHECK(one.status == DnsStatus::ok);
    CHECK(two.addresses.at(0).to_string() == "127.0.0.2");
    REQUIRE(srv.records.size() == 1);
    CHECK(srv.records[0].priority == 1);
    CHECK(srv.records[0].weight == 2);
    CHECK(srv.records[0].port == 3);
    CHECK(srv.records[0].target == "t.test");
    CHECK(none.status == DnsStatus::nxdomain);
  });
}
