// stream::probe_server end to end on 127.0.0.1 (--host/--port, so no DNS): the real TCP connect,
// the real TLS transport with report_only, and a scripted server speaking just enough XMPP, with
// a certificate made here. The DNS half (SRV answers and the plan) is net::resolve_addresses'
// (tests/unit/net_resolve_test.cpp) and the integration test's.
#include <doctest/doctest.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "net/asio.hpp"

#include <boost/asio/ssl.hpp>

#include "stream/probe.hpp"
#include "tls/identity.hpp"
#include "unit/net_support.hpp"

using namespace xmpp;
using namespace std::chrono_literals;
using tcp = asio::ip::tcp;

namespace {

constexpr const char* k_server_header =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams' id='s1' from='example.test' version='1.0' "
    "xml:lang='en'>";
constexpr const char* k_client_header_end = "xml:lang='en'>";
constexpr const char* k_features =
    "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
    "<mechanism>SCRAM-SHA-256</mechanism></mechanisms>"
    "<sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'><channel-binding type='tls-exporter'/>"
    "</sasl-channel-binding></stream:features>";

// A self-signed P-256 certificate for example.test and the server context presenting it.
struct ServerIdentity {
  ServerIdentity()
      : cert(test::make_cert(
            test::CertSpec{"example.test", "DNS:example.test", -3600, 9L * 86400, false, nullptr})),
        context(test::server_context(cert)),
        pin(*tls::spki_sha256(cert.der())) {
    SSL_CTX_set_alpn_select_cb(context->native_handle(), &select_alpn, nullptr);
  }

  static int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen,
                         const unsigned char* in, unsigned int inlen, void*) {
    static const unsigned char k_ours[] = {11,  'x', 'm', 'p', 'p', '-',
                                           'c', 'l', 'i', 'e', 'n', 't'};
    unsigned char* selected = nullptr;
    if (SSL_select_next_proto(&selected, outlen, k_ours, sizeof k_ours, in, inlen) !=
        OPENSSL_NPN_NEGOTIATED)
      return SSL_TLSEXT_ERR_NOACK;
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
  }

  test::Cert cert;
  std::shared_ptr<asio::ssl::context> context;
  std::string pin;
};

template <class Stream>
awaitable<bool> read_until(Stream& stream, std::string& buffer, std::string token) {
  boost::system::error_code ec;
  const std::size_t n = co_await asio::async_read_until(
      stream, asio::dynamic_buffer(buffer), token, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return false;
  buffer.erase(0, n);
  co_return true;
}

template <class Stream> awaitable<void> write_text(Stream& stream, std::string text) {
  boost::system::error_code ec;
  co_await asio::async_write(stream, asio::buffer(text),
                             asio::redirect_error(asio::use_awaitable, ec));
}

// One client: optional STARTTLS in the clear, the handshake, the stream and its close.
awaitable<void> serve(tcp::acceptor& acceptor, asio::ssl::context& context, bool starttls,
                      bool& closed_cleanly) {
  boost::system::error_code ec;
  tcp::socket socket =
      co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;
  std::string buffer;
  if (starttls) {
    if (!co_await read_until(socket, buffer, k_client_header_end)) co_return;
    co_await write_text(socket, std::string(k_server_header) +
                                    "<stream:features><starttls "
                                    "xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/>"
                                    "</starttls></stream:features>");
    if (!co_await read_until(socket, buffer, "xmpp-tls'/>")) co_return;
    co_await write_text(socket, "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  }
  asio::ssl::stream<tcp::socket> tls(std::move(socket), context);
  co_await tls.async_handshake(asio::ssl::stream_base::server,
                               asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;
  buffer.clear();
  if (!co_await read_until(tls, buffer, k_client_header_end)) co_return;
  co_await write_text(tls, std::string(k_server_header) + k_features);
  if (!co_await read_until(tls, buffer, "</stream:stream>")) co_return;
  co_await write_text(tls, "</stream:stream>");
  co_await tls.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
  closed_cleanly = !ec;
}

stream::ProbeOptions options_for(unsigned short port, net::TlsMode mode) {
  stream::ProbeOptions o;
  o.domain = "example.test";
  o.host = "127.0.0.1";
  o.port = port;
  o.tls = mode;
  o.attempt_timeout = 5s;
  o.step_timeout = 5s;
  return o;
}

}  // namespace

TEST_CASE("probe_server, direct TLS with a self-signed certificate: reported, not fatal") {
  ServerIdentity identity;
  test::run_with_deadline([&]() -> awaitable<void> {
    auto executor = co_await asio::this_coro::executor;
    tcp::acceptor acceptor(executor, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const unsigned short port = acceptor.local_endpoint().port();
    bool closed_cleanly = false;
    asio::co_spawn(executor, serve(acceptor, *identity.context, false, closed_cleanly),
                   asio::detached);

    auto report = co_await stream::probe_server(options_for(port, net::TlsMode::direct));
    REQUIRE_MESSAGE(report, (report ? "" : report.error().message));
    CHECK_FALSE(report->dns.asked);
    REQUIRE(report->endpoints.size() == 1);
    const stream::EndpointReport& e = report->endpoints[0];
    CHECK_MESSAGE(!e.error, (e.error ? e.error->message : ""));
    CHECK(e.endpoint.host == "127.0.0.1");
    CHECK(e.endpoint.port == port);
    CHECK(e.endpoint.direct_tls);
    CHECK(e.addresses == std::vector<std::string>{"127.0.0.1"});
    CHECK(e.address == "127.0.0.1:" + std::to_string(port));
    CHECK(e.connect_ms > 0);
    CHECK(e.tls_ms > 0);
    CHECK(e.features_ms > 0);
    CHECK(e.tls.active);
    CHECK(e.tls.version == "TLSv1.3");
    CHECK(e.tls.alpn == "xmpp-client");
    CHECK_FALSE(e.tls.verified);
    CHECK(e.tls.verify_error.find("self-signed") != std::string::npos);
    REQUIRE(e.tls.chain.size() == 1);
    CHECK(e.tls.chain[0].subject == "CN=example.test");
    CHECK(e.tls.chain[0].spki_sha256 == identity.pin);
    CHECK(e.tls.chain[0].not_after - e.tls.chain[0].not_before == 9L * 86400 + 3600);
    CHECK(e.features.mechanisms == std::vector<std::string>{"SCRAM-SHA-256"});
    CHECK(e.features.channel_binding_types == std::vector<std::string>{"tls-exporter"});
    CHECK_FALSE(e.features.starttls_offered);

    // The server saw </stream:stream> and our close_notify.
    asio::steady_timer wait(executor);
    for (int i = 0; i < 200 && !closed_cleanly; ++i) {
      wait.expires_after(10ms);
      co_await wait.async_wait(asio::use_awaitable);
    }
    CHECK(closed_cleanly);
  });
}

TEST_CASE("probe_server, STARTTLS with the certificate pinned: verified, no verify_error") {
  ServerIdentity identity;
  test::run_with_deadline([&]() -> awaitable<void> {
    auto executor = co_await asio::this_coro::executor;
    tcp::acceptor acceptor(executor, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    bool closed_cleanly = false;
    asio::co_spawn(executor, serve(acceptor, *identity.context, true, closed_cleanly),
                   asio::detached);
    auto options = options_for(acceptor.local_endpoint().port(), net::TlsMode::starttls);
    options.pins = {identity.pin};
    std::vector<std::string> trace;
    options.trace = [&trace](std::string_view, std::string_view data) { trace.emplace_back(data); };

    auto report = co_await stream::probe_server(options);
    REQUIRE_MESSAGE(report, (report ? "" : report.error().message));
    REQUIRE(report->endpoints.size() == 1);
    const stream::EndpointReport& e = report->endpoints[0];
    CHECK_MESSAGE(!e.error, (e.error ? e.error->message : ""));
    CHECK_FALSE(e.endpoint.direct_tls);
    CHECK(e.tls.verified);
    CHECK(e.tls.verify_error.empty());
    CHECK(e.tls.alpn.empty());  // no ALPN on STARTTLS
    CHECK(e.tls_ms > 0);
    CHECK(e.features.starttls_offered);
    CHECK(e.features.starttls_required);
    CHECK(e.features.mechanisms == std::vector<std::string>{"SCRAM-SHA-256"});
    REQUIRE(trace.size() >= 2);
    CHECK(trace.front().find("<stream:stream") != std::string::npos);
    CHECK(trace.back() == "</stream:stream>");
  });
}

TEST_CASE("probe_server: a refused connection is the endpoint's error, not the probe's") {
  test::run_with_deadline([&]() -> awaitable<void> {
    auto executor = co_await asio::this_coro::executor;
    unsigned short port = 0;
    {
      tcp::acceptor closed(executor, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
      port = closed.local_endpoint().port();
    }
    auto report = co_await stream::probe_server(options_for(port, net::TlsMode::automatic));
    REQUIRE(report);
    REQUIRE(report->endpoints.size() == 1);
    const stream::EndpointReport& e = report->endpoints[0];
    REQUIRE(e.error);
    CHECK(e.error->kind == ErrorKind::unavailable);
    CHECK(e.error->code == "connect_failed");
    CHECK(e.error->message.find("127.0.0.1:" + std::to_string(port)) != std::string::npos);
    CHECK(e.address.empty());
    CHECK_FALSE(e.tls.active);
  });
}

TEST_CASE("probe_server: errors when nothing can be probed") {
  test::run_with_deadline([&]() -> awaitable<void> {
    auto executor = co_await asio::this_coro::executor;
    stream::ProbeOptions options;
    options.domain = "example.test";

    options.dns_server = "not an address";
    auto bad_server = co_await stream::probe_server(options);
    REQUIRE_FALSE(bad_server);
    CHECK(bad_server.error().kind == ErrorKind::config);
    CHECK(bad_server.error().code == "bad_dns_server");

    // A DNS server that never answers: temporary dns_timeout, bounded by dns_timeout per phase.
    asio::ip::udp::socket silent(executor,
                                 asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    options.dns_server = "127.0.0.1:" + std::to_string(silent.local_endpoint().port());
    options.dns_timeout = 200ms;
    auto silence = co_await stream::probe_server(options);
    REQUIRE_FALSE(silence);
    CHECK(silence.error().kind == ErrorKind::temporary);
    CHECK(silence.error().code == "dns_timeout");

    options.dns_server.reset();
    options.ca_file = "/nonexistent/ca.pem";
    auto no_ca = co_await stream::probe_server(options);
    REQUIRE_FALSE(no_ca);
    CHECK(no_ca.error().kind == ErrorKind::no_input);
    CHECK(no_ca.error().code == "ca_file_unreadable");
  });
}
