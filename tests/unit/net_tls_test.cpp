// The TLS transport against a loopback Asio SSL server with certificates made in the test:
// direct TLS and STARTTLS, trust, names, pins, protocol versions, channel bindings, truncation
// (SECURITY.md (a) rows 25-27, (b) TLS rows, (c) TLS bullets).
#include <doctest/doctest.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include "net/connect.hpp"
#include "net/watchdog.hpp"
#include "net_support.hpp"
#include "tls/context.hpp"
#include "tls/identity.hpp"
#include "tls/transport.hpp"

using namespace xmpp;
using namespace xmpp::net;
using namespace xmpp::test;
using namespace std::chrono_literals;
using tcp = asio::ip::tcp;
using SslStream = asio::ssl::stream<tcp::socket>;

namespace {

constexpr const char* k_domain = "example.test";

// What the server saw.
struct TlsSeen {
  bool accepted = false;
  bool handshake_ok = false;
  std::string handshake_error;
  std::string sni;
  std::string alpn;
  std::string exporter;
  std::string client_finished;
  std::string received;
  bool clean_eof = false;  // the client's close_notify arrived
};

enum class After {
  echo_then_close_notify,  // read "ping", answer "pong", send close_notify
  truncate,                // write "data", then close TCP without close_notify
  read_until_eof,          // read until the client closes, record how
};

int alpn_select(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                unsigned int inlen, void*) {
  static const unsigned char k_ours[] = {11, 'x', 'm', 'p', 'p', '-', 'c', 'l', 'i', 'e', 'n', 't'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, k_ours, sizeof k_ours, in, inlen) !=
      OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_NOACK;
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

std::shared_ptr<asio::ssl::context>
context_for(const Cert& leaf, const std::vector<const Cert*>& chain = {}, int max_version = 0) {
  auto ctx = server_context(leaf, chain);
  SSL_CTX_set_alpn_select_cb(ctx->native_handle(), &alpn_select, nullptr);
  if (max_version != 0) {
    SSL_CTX_set_security_level(ctx->native_handle(), 0);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_VERSION);
    SSL_CTX_set_max_proto_version(ctx->native_handle(), max_version);
  }
  return ctx;
}

awaitable<std::string> read_some_text(SslStream& stream) {
  char buf[256];
  boost::system::error_code ec;
  const std::size_t n = co_await stream.async_read_some(
      asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
  co_return std::string(buf, n);
}

// One connection: optional STARTTLS preamble in plain text, then the handshake, then `after`.
awaitable<void> serve(tcp::acceptor& acceptor, std::shared_ptr<asio::ssl::context> ctx, TlsSeen& seen,
                      bool starttls, After after) {
  boost::system::error_code ec;
  tcp::socket socket =
      co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;
  seen.accepted = true;
  if (starttls) {
    char buf[64];
    const std::size_t n = co_await socket.async_read_some(
        asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    seen.received = std::string(buf, n);
    co_await asio::async_write(socket, asio::buffer(std::string("<proceed/>")),
                               asio::redirect_error(asio::use_awaitable, ec));
  }
  SslStream stream(std::move(socket), *ctx);
  co_await stream.async_handshake(asio::ssl::stream_base::server,
                                  asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    seen.handshake_error = ec.message();
    co_return;
  }
  seen.handshake_ok = true;
  SSL* ssl = stream.native_handle();
  if (const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) seen.sni = sni;
  const unsigned char* alpn = nullptr;
  unsigned int alpn_len = 0;
  SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
  if (alpn) seen.alpn.assign(reinterpret_cast<const char*>(alpn), alpn_len);
  if (SSL_version(ssl) == TLS1_3_VERSION) {
    seen.exporter.resize(32);
    SSL_export_keying_material(ssl, reinterpret_cast<unsigned char*>(seen.exporter.data()), 32,
                               "EXPORTER-Channel-Binding", 24, nullptr, 0, 0);
  } else {
    unsigned char finished[64];
    const std::size_t len = SSL_get_peer_finished(ssl, finished, sizeof finished);
    seen.client_finished.assign(reinterpret_cast<char*>(finished), len);
  }

  switch (after) {
  case After::echo_then_close_notify: {
    seen.received = co_await read_some_text(stream);
    co_await asio::async_write(stream, asio::buffer(std::string("pong")),
                               asio::redirect_error(asio::use_awaitable, ec));
    // Sends close_notify; Asio then waits for the client's, which is fine: the client answers.
    co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
    break;
  }
  case After::truncate:
    co_await asio::async_write(stream, asio::buffer(std::string("data")),
                               asio::redirect_error(asio::use_awaitable, ec));
    stream.next_layer().close(ec);
    break;
  case After::read_until_eof: {
    char buf[64];
    for (;;) {
      co_await stream.async_read_some(asio::buffer(buf),
                                      asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
    }
    seen.clean_eof = ec == asio::error::eof;
    break;
  }
  }
}

struct Server {
  explicit Server(asio::any_io_executor executor)
      : acceptor(executor, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {}
  unsigned short port() const { return acceptor.local_endpoint().port(); }
  tcp::acceptor acceptor;
  TlsSeen seen;
};

ConnectOptions options_for(unsigned short port, TlsMode mode, std::optional<std::string> ca_file) {
  ConnectOptions options;
  options.domain = k_domain;
  options.host = "127.0.0.1";
  options.port = port;
  options.tls = mode;
  options.policy.reference_domain = k_domain;
  options.policy.ca_file = std::move(ca_file);
  options.attempt_timeout = 5s;
  return options;
}

}  // namespace

TEST_CASE("direct TLS: handshake with --ca-file, SNI, ALPN, exporter, clean close") {
  TempDir dir;
  TestPki pki(dir);
  run_with_deadline([&]() -> awaitable<void> {
    auto executor = co_await asio::this_coro::executor;
    Server server(executor);
    asio::co_spawn(executor,
                   serve(server.acceptor, context_for(pki.leaf), server.seen, false,
                         After::echo_then_close_notify),
                   asio::detached);

    auto connected =
        co_await net::connect(options_for(server.port(), TlsMode::direct, pki.ca_file));
    REQUIRE_MESSAGE(connected, (connected ? "" : connected.error().message));
    Transport& t = *connected->transport;
    CHECK(connected->endpoint.direct_tls);
    const TlsInfo& info = t.tls();
    CHECK(info.active);
    CHECK(info.verified);
    CHECK(info.version == "TLSv1.3");
    CHECK(info.cipher.rfind("TLS_", 0) == 0);
    CHECK(info.alpn == "xmpp-client");
    CHECK(info.exporter.size() == 32);
    CHECK(info.unique.empty());                 // TLS 1.3: tls-unique undefined
    CHECK(info.server_end_point.size() == 32);  // SHA-256 signature -> SHA-256
    CHECK(t.peer() == "127.0.0.1:" + std::to_string(server.port()));

    REQUIRE(co_await t.write("ping"));
    char buf[16];
    std::string got;
    for (;;) {
      auto n = co_await t.read_some(buf, sizeof buf);
      REQUIRE_MESSAGE(n, (n ? "" : n.error().message));
      if (*n == 0) break;  // close_notify: a clean end of stream
      got.append(buf, *n);
    }
    CHECK(got == "pong");
    co_await t.shutdown();

    CHECK(server.seen.handshake_ok);
    CHECK(server.seen.sni == k_domain);
    CHECK(server.seen.alpn == "xmpp-client");
    CHECK(server.seen.received == "ping");
    CHECK(server.seen.exporter == info.exporter);
  });
}

TEST_CASE("STARTTLS: plain first, then start_tls() upgrades in place (no ALPN)") {
  TempDir dir;
  TestPki pki(dir);
  run_with_deadline([&]() -> awaitable<void> {
    auto executor = co_await asio::this_coro::executor;
    Server server(executor);
    asio::co_spawn(
        executor,
        serve(server.acceptor, context_for(pki.leaf), server.seen, true, After::read_until_eof),
        asio::detached);

    auto connected =
        co_await net::connect(options_for(server.port(), TlsMode::starttls, pki.ca_file));
    REQUIRE(connected);
    Transport& t = *connected->transport;
    CHECK_FALSE(t.tls().active);
    REQUIRE(co_await t.write("<starttls/>"));
    char buf[32];
    auto n = co_await t.read_some(buf, sizeof buf);
    REQUIRE(n);
    CHECK(std::string(buf, *n) == "<proceed/>");
    auto upgraded = co_await t.start_tls();
    REQUIRE_MESSAGE(upgraded, (upgraded ? "" : upgraded.error().message));
    CHECK(t.tls().active);
    CHECK(t.tls().verified);
    CHECK(t.tls().alpn.empty());
    auto again = co_await t.start_tls();
    CHECK_FALSE(again);
    REQUIRE(co_await t.write("after"));
    co_await t.shutdown();  // close_notify, then close

    // Let the server see the end of stream.
    asio::steady_timer wait(executor);
    for (int i = 0; i < 200 && !server.seen.clean_eof; ++i) {
      wait.expires_after(10ms);
      co_await wait.async_wait(asio::use_awaitable);
    }
    CHECK(server.seen.received == "<starttls/>");
    CHECK(server.seen.sni == k_domain);
    CHECK(server.seen.alpn.empty());
    CHECK(server.seen.clean_eof);  // our shutdown sent close_notify
  });
}

TEST_CASE("TLS 1.2 server: tls-unique is the client's Finished, no exporter, EMS present") {
  TempDir dir;
  TestPki pki(dir);
  run_with_deadline([&]() -> awaitable<void> {
    auto executor = co_await asio::this_coro::executor;
    Server server(executor);
    auto ctx = context_for(pki.leaf);
    SSL_CTX_set_max_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    asio::co_spawn(executor, serve(server.acceptor, ctx, server.seen, false, After::read_until_eof),
                   asio::detached);
    auto connected =
        co_await net::connect(options_for(server.port(), TlsMode::direct, pki.ca_file));
    REQUIRE_MESSAGE(connected, (connected ? "" : connected.error().message));
    const TlsInfo& info = connected->transport->tls();
    CHECK(info.version == "TLSv1.2");
    CHECK(info.exporter.empty());
    CHECK(info.unique.size() == 12);
    CHECK(info.server_end_point.size() == 32);
    co_await connected->transport->shutdown();
    CHECK(server.seen.client_finished == info.unique);
  });
}

TEST_CASE("certificate failures are no_perm with a reason") {
  TempDir dir;
  TestPki pki(dir);
  const Cert other_ca = make_cert(CertSpec{"Other CA", "", -3600, 86400, true, nullptr});

  struct Case {
    const char* name;
    Cert leaf;
    const char* code;
    const char* text;
  };
  std::vector<Case> cases;
  cases.push_back({"signed by another CA", make_cert(CertSpec{"", "DNS:example.test"}, &other_ca),
                   "cert_untrusted", "unable to get local issuer certificate"});
  cases.push_back({"self-signed", make_cert(CertSpec{"", "DNS:example.test"}), "cert_untrusted",
                   "self-signed"});
  cases.push_back(
      {"expired",
       make_cert(CertSpec{"", "DNS:example.test", -7200, -3600, false, nullptr}, &pki.ca),
       "cert_untrusted", "expired"});
  cases.push_back({"not yet valid",
                   make_cert(CertSpec{"", "DNS:example.test", 3600, 7200, false, nullptr}, &pki.ca),
                   "cert_untrusted", "clock"});
  cases.push_back({"SRV target name only", make_cert(CertSpec{"", "DNS:xmpp.hoster.test"}, &pki.ca),
                   "cert_name_mismatch", "DNS:xmpp.hoster.test"});
  cases.push_back(
      {"CN only", make_cert(CertSpec{k_domain, ""}, &pki.ca), "cert_name_mismatch", "(not used)"});
  cases.push_back({"wildcard for the bare domain",
                   make_cert(CertSpec{"", "DNS:*.example.test"}, &pki.ca), "cert_name_mismatch",
                   "*.example.test"});

  CertSpec client_only{"", "DNS:example.test"};
  client_only.extended_key_usage = "clientAuth";
  cases.push_back({"wrong EKU", make_cert(client_only, &pki.ca), "cert_untrusted",
                   "unsuitable certificate purpose"});
  // A CA:FALSE certificate used as an intermediate (row 27).
  const Cert not_a_ca = make_cert(CertSpec{"Intermediate", "DNS:intermediate.test"}, &pki.ca);
  cases.push_back({"CA:FALSE intermediate", make_cert(CertSpec{"", "DNS:example.test"}, &not_a_ca),
                   "cert_untrusted", "invalid CA certificate"});

  for (auto& c : cases) {
    INFO(std::string(c.name));
    run_with_deadline([&]() -> awaitable<void> {
      auto executor = co_await asio::this_coro::executor;
      Server server(executor);
      asio::co_spawn(executor,
                     serve(server.acceptor, context_for(c.leaf, {&not_a_ca}), server.seen, false,
                           After::read_until_eof),
                     asio::detached);
      auto connected =
          co_await net::connect(options_for(server.port(), TlsMode::direct, pki.ca_file));
      REQUIRE_FALSE(connected);
      CHECK(connected.error().kind == ErrorKind::no_perm);
      CHECK(connected.error().code == c.code);
      INFO(connected.error().message);
      CHECK(connected.error().message.find(c.text) != std::string::npos);
      CHECK_FALSE(server.seen.handshake_ok);
    });
  }
}

TEST_CASE(
    "pins: a matching pin accepts a self-signed certificate; a wrong pin refuses a valid one") {
  TempDir dir;
  TestPki pki(dir);
  const Cert self_signed = make_cert(CertSpec{"whatever", "DNS:elsewhere.test"});
  const std::string self_pin = *tls::spki_sha256(self_signed.der());
  const std::string leaf_pin = *tls::spki_sha256(pki.leaf.der());

  run_with_deadline([&]() -> awaitable<void> {
    auto executor = co_await asio::this_coro::executor;
    Server server(executor);
    asio::co_spawn(
        executor,
        serve(server.acceptor, context_for(self_signed), server.seen, false, After::read_until_eof),
        asio::detached);
    auto options = options_for(server.port(), TlsMode::direct, std::nullopt);
    options.policy.pins = {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "sha256/" + self_pin};
    auto connected = co_await net::connect(options);
    REQUIRE_MESSAGE(connected, (connected ? "" : connected.error().message));
    CHECK(connected->transport->tls().verified);
    co_await connected->transport->shutdown();
  });

  run_with_deadline([&]() -> awaitable<void> {
    auto executor = co_await asio::this_coro::executor;
    Server server(executor);
    asio::co_spawn(
        executor,
        serve(server.acceptor, context_for(pki.leaf), server.seen, false, After::read_until_eof),
        asio::detached);
    auto options =
        options_for(server.port(), TlsMode::direct, pki.ca_file);  // the chain would verify
    options.policy.pins = {self_pin};
    auto connected = co_await net::connect(options);
    REQUIRE_FALSE(connected);
    CHECK(connected.error().kind == ErrorKind::no_perm);
    CHECK(connected.error().code == "pin_mismatch");
    CHECK(connected.error().message.find(leaf_pin) != std::string::npos);
  });
}

TEST_CASE("--insecure accepts anything but says verified=false") {
  const Cert self_signed = make_cert(CertSpec{"whatever", "DNS:elsewhere.test"});
  run_with_deadline([&]() -> awaitable<void> {
    auto executor = co_await asio::this_coro::executor;
    Server server(executor);
    asio::co_spawn(
        executor,
        serve(server.acceptor, context_for(self_signed), server.seen, false, After::read_until_eof),
        asio::detached);
    auto options = options_for(server.port(), TlsMode::direct, std::nullopt);
    options.policy.insecure = true;
    auto connected = co_await net::connect(options);
    REQUIRE(connected);
    CHECK(connected->transport->tls().active);
    CHECK_FALSE(connected->transport->tls().verified);
    co_await connected->transport->shutdown();
  });
}

TEST_CASE("a TLS 1.1-only server is refused (tls_failed), no downgrade") {
  TempDir dir;
  TestPki pki(dir);
  run_with_deadline([&]() -> awaitable<void> {
    auto executor = co_await asio::this_coro::executor;
    Server server(executor);
    asio::co_spawn(executor,
                   serve(server.acceptor, context_for(pki.leaf, {}, TLS1_1_VERSION), server.seen,
                         false, After::read_until_eof),
                   asio::detached);
    auto connected =
        co_await net::connect(options_for(server.port(), TlsMode::direct, pki.ca_file));
    REQUIRE_FALSE(connected);
    CHECK(connected.error().kind == ErrorKind::no_perm);
    CHECK(connected.error().code == "tls_failed");
    INFO(connected.error().message);
    CHECK(connected.error().message.find("127.0.0.1") != std::string::npos);
    CHECK(connected.error().message.find("protocol version") != std::string::npos);
    CHECK_FALSE(server.seen.handshake_ok);
  });
}

TEST_CASE("a TLS 1.2 server without extended master secret is refused (RFC 7627)") {
  TempDir dir;
  TestPki pki(dir);
  run_with_deadline([&]() -> awaitable<void> {
    auto executor = co_await asio::this_coro::executor;
    Server server(executor);
    auto ctx = context_for(pki.leaf);
    SSL_CTX_set_max_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    SSL_CTX_set_options(ctx->native_handle(), SSL_OP_NO_EXTENDED_MASTER_SECRET);
    asio::co_spawn(executor, serve(server.acceptor, ctx, server.seen, false, After::read_until_eof),
                   asio::detached);
    auto connected =
        co_await net::connect(options_for(server.port(), TlsMode::direct, pki.ca_file));
    REQUIRE_FALSE(connected);
    CHECK(connected.error().kind == ErrorKind::no_perm);
    CHECK(connected.error().code == "tls_failed");
    CHECK(connected.error().message.find("extended master secret") != std::string::npos);
  });
}

TEST_CASE("an EOF without close_notify is reported as truncation") {
  TempDir dir;
  TestPki pki(dir);
  run_with_deadline([&]() -> awaitable<void> {
    auto executor = co_await asio::this_coro::executor;
    Server server(executor);
    asio::co_spawn(
        executor,
        serve(server.acceptor, context_for(pki.leaf), server.seen, false, After::truncate),
        asio::detached);
    auto connected =
        co_await net::connect(options_for(server.port(), TlsMode::direct, pki.ca_file));
    REQUIRE(connected);
    Transport& t = *connected->transport;
    char buf[16];
    std::string got;
    Result<std::size_t> n;
    for (;;) {
      n = co_await t.read_some(buf, sizeof buf);
      if (!n || *n == 0) break;
      got.append(buf, *n);
    }
    CHECK(got == "data");
    REQUIRE_FALSE(n);
    CHECK(n.error().kind == ErrorKind::temporary);
    CHECK(n.error().code == "tls_truncated");
  });
}

TEST_CASE("plain TCP: a FIN is a clean end of stream; cancel() aborts a pending read") {
  run_with_deadline([]() -> awaitable<void> {
    auto executor = co_await asio::this_coro::executor;
    Server server(executor);
    auto options = options_for(server.port(), TlsMode::starttls, std::nullopt);
    auto pending = co_await net::connect(options);
    REQUIRE(pending);
    tcp::socket peer = co_await server.acceptor.async_accept(asio::use_awaitable);

    // cancel(): a read with nothing to read completes with an error.
    Transport& t = *pending->transport;
    net::Watchdog dog(executor, 50ms, [&t] { t.cancel(); });
    char buf[8];
    auto cancelled = co_await t.read_some(buf, sizeof buf);
    REQUIRE_FALSE(cancelled);
    CHECK(cancelled.error().code == "cancelled");

    peer.close();
    auto n = co_await t.read_some(buf, sizeof buf);
    REQUIRE(n);
    CHECK(*n == 0);
  });
}

// ---- TlsPolicy::report_only (`xmpp probe`) and TlsInfo::chain ---------------------------------

namespace {

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// One direct-TLS connection to a server presenting `leaf` (+ `chain`) with `options` changed by
// `adjust`; the connection (or its error) is handed to `check`.
void connect_once(const Cert& leaf, const std::vector<const Cert*>& chain,
                  std::optional<std::string> ca_file,
                  const std::function<void(ConnectOptions&)>& adjust,
                  const std::function<void(Result<Connected>&, unsigned short, const TlsSeen&)>& check,
                  int max_version = 0) {
  run_with_deadline([&]() -> awaitable<void> {
    auto executor = co_await asio::this_coro::executor;
    Server server(executor);
    asio::co_spawn(executor,
                   serve(server.acceptor, context_for(leaf, chain, max_version), server.seen, false,
                         After::read_until_eof),
                   asio::detached);
    auto options = options_for(server.port(), TlsMode::direct, ca_file);
    adjust(options);
    auto connected = co_await net::connect(options);
    check(connected, server.port(), server.seen);
    if (connected) co_await connected->transport->shutdown();
  });
}

}  // namespace

TEST_CASE("report_only: a certificate failure completes the handshake and is reported; "
          "without report_only the same certificate is refused exactly as before") {
  TempDir dir;
  TestPki pki(dir);
  const Cert other_ca = make_cert(CertSpec{"Other CA", "", -3600, 86400, true, nullptr});

  struct Case {
    const char* name;
    Cert leaf;
    const char* code;
    const char* text;
    bool wrong_pin = false;
  };
  std::vector<Case> cases;
  cases.push_back({"untrusted (another CA)", make_cert(CertSpec{"", "DNS:example.test"}, &other_ca),
                   "cert_untrusted", "unable to get local issuer certificate"});
  cases.push_back({"self-signed", make_cert(CertSpec{"", "DNS:example.test"}), "cert_untrusted",
                   "self-signed"});
  cases.push_back(
      {"expired",
       make_cert(CertSpec{"", "DNS:example.test", -7200, -3600, false, nullptr}, &pki.ca),
       "cert_untrusted", "expired"});
  cases.push_back({"name mismatch", make_cert(CertSpec{"", "DNS:xmpp.hoster.test"}, &pki.ca),
                   "cert_name_mismatch", "DNS:xmpp.hoster.test"});
  cases.push_back({"pin mismatch (chain valid)",
                   make_cert(CertSpec{"", "DNS:example.test"}, &pki.ca), "pin_mismatch",
                   "matches no --pin", true});

  for (auto& c : cases) {
    INFO(std::string(c.name));
    const std::string leaf_pin = *tls::spki_sha256(c.leaf.der());
    const auto pin = [&](ConnectOptions& o) {
      if (c.wrong_pin) o.policy.pins = {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="};
    };

    std::string refused_message;
    unsigned short refused_port = 0;
    connect_once(c.leaf, {}, pki.ca_file, pin,
                 [&](Result<Connected>& connected, unsigned short port, const TlsSeen& seen) {
                   REQUIRE_FALSE(connected);
                   CHECK(connected.error().kind == ErrorKind::no_perm);
                   CHECK(connected.error().code == c.code);
                   CHECK(connected.error().message.find(c.text) != std::string::npos);
                   CHECK_FALSE(seen.handshake_ok);
                   refused_message = connected.error().message;
                   refused_port = port;
                 });

    connect_once(
        c.leaf, {}, pki.ca_file,
        [&](ConnectOptions& o) {
          pin(o);
          o.policy.report_only = true;
        },
        [&](Result<Connected>& connected, unsigned short port, const TlsSeen&) {
          REQUIRE_MESSAGE(connected, (connected ? "" : connected.error().message));
          const TlsInfo& info = connected->transport->tls();
          CHECK(info.active);
          CHECK_FALSE(info.verified);
          // The message the refusal would have given (only the server's port differs).
          CHECK(info.verify_error == replace_all(refused_message,
                                                 ":" + std::to_string(refused_port),
                                                 ":" + std::to_string(port)));
          REQUIRE(info.chain.size() == 1);
          CHECK(info.chain[0].spki_sha256 == leaf_pin);
          CHECK(info.exporter.size() == 32);  // the connection is otherwise complete
        });
  }
}

TEST_CASE("a good certificate: verified, verify_error empty, the chain leaf first (with and "
          "without report_only)") {
  TempDir dir;
  TestPki pki(dir);
  const Cert intermediate =
      make_cert(CertSpec{"Intermediate CA", "", -3600, 30L * 86400, true, nullptr}, &pki.ca);
  const Cert leaf = make_cert(
      CertSpec{"example.test", "DNS:example.test,otherName:1.3.6.1.5.5.7.8.5;UTF8:example.test",
               -3600, 10L * 86400, false, nullptr},
      &intermediate);
  for (const bool report_only : {false, true}) {
    INFO("report_only " << report_only);
    connect_once(
        leaf, {&intermediate}, pki.ca_file,
        [&](ConnectOptions& o) { o.policy.report_only = report_only; },
        [&](Result<Connected>& connected, unsigned short, const TlsSeen&) {
          REQUIRE_MESSAGE(connected, (connected ? "" : connected.error().message));
          const TlsInfo& info = connected->transport->tls();
          CHECK(info.verified);
          CHECK(info.verify_error.empty());
          REQUIRE(info.chain.size() == 2);
          CHECK(info.chain[0].subject == "CN=example.test");
          CHECK(info.chain[0].issuer == "CN=Intermediate CA");
          CHECK(info.chain[0].dns_names == std::vector<std::string>{"example.test"});
          CHECK(info.chain[0].xmpp_addrs == std::vector<std::string>{"example.test"});
          CHECK(info.chain[0].spki_sha256 == *tls::spki_sha256(leaf.der()));
          CHECK(info.chain[1].subject == "CN=Intermediate CA");
          CHECK(info.chain[1].issuer == "CN=Test CA");
          CHECK(info.chain[0].not_after - info.chain[0].not_before == 10L * 86400 + 3600);
        });
  }
}

namespace {

// `leaf` with a keyUsage extension added (make_cert gives leaves none), signed again by `issuer`.
Cert with_key_usage(Cert leaf, const Cert& issuer, const char* usage) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer.x509.get(), leaf.x509.get(), nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_key_usage, usage);
  REQUIRE(ext != nullptr);
  REQUIRE(X509_add_ext(leaf.x509.get(), ext, -1) == 1);
  X509_EXTENSION_free(ext);
  REQUIRE(X509_sign(leaf.x509.get(), issuer.key.get(), EVP_sha256()) > 0);
  return leaf;
}

}  // namespace

TEST_CASE("keyUsage: the server's key must be allowed to sign (RFC 8446 §4.4.2.2)") {
  TempDir dir;
  TestPki pki(dir);
  struct Case {
    const char* usage;
    const char* refusal;  // in the message; nullptr: accepted
  };
  // OpenSSL's ssl_server purpose alone passes keyEncipherment or keyAgreement without
  // digitalSignature; every suite we offer has the server sign with the key.
  const Case cases[] = {{"critical,digitalSignature", nullptr},
                        {"critical,digitalSignature,keyEncipherment", nullptr},
                        {"critical,keyEncipherment", "key usage does not allow"},
                        {"critical,keyAgreement", "key usage does not allow"},
                        {"critical,nonRepudiation", "unsuitable certificate purpose"}};
  for (const auto& c : cases) {
    INFO(c.usage);
    const Cert leaf =
        with_key_usage(make_cert(CertSpec{"", "DNS:example.test"}, &pki.ca), pki.ca, c.usage);
    for (const bool report_only : {false, true}) {
      INFO("report_only " << report_only);
      connect_once(
          leaf, {}, pki.ca_file, [&](ConnectOptions& o) { o.policy.report_only = report_only; },
          [&](Result<Connected>& connected, unsigned short, const TlsSeen& seen) {
            if (report_only || c.refusal == nullptr) {
              REQUIRE_MESSAGE(connected, (connected ? "" : connected.error().message));
              const TlsInfo& info = connected->transport->tls();
              CHECK(info.verified == (c.refusal == nullptr));
              if (c.refusal != nullptr)
                CHECK(info.verify_error.find(c.refusal) != std::string::npos);
              return;
            }
            REQUIRE_FALSE(connected);
            CHECK(connected.error().kind == ErrorKind::no_perm);
            CHECK(connected.error().code == "cert_untrusted");
            INFO(connected.error().message);
            CHECK(connected.error().message.find(c.refusal) != std::string::npos);
            CHECK_FALSE(seen.handshake_ok);
          });
    }
  }
}

TEST_CASE("report_only keeps pins and --insecure as they are") {
  const Cert self_signed = make_cert(CertSpec{"whatever", "DNS:elsewhere.test"});
  const std::string pin = *tls::spki_sha256(self_signed.der());
  // A matching pin vouches for the key: verified, nothing to report.
  connect_once(
      self_signed, {}, std::nullopt,
      [&](ConnectOptions& o) {
        o.policy.report_only = true;
        o.policy.pins = {pin};
      },
      [&](Result<Connected>& connected, unsigned short, const TlsSeen&) {
        REQUIRE(connected);
        CHECK(connected->transport->tls().verified);
        CHECK(connected->transport->tls().verify_error.empty());
        CHECK(connected->transport->tls().chain.size() == 1);
      });
  // --insecure checks nothing, so nothing failed; still not verified.
  connect_once(
      self_signed, {}, std::nullopt,
      [&](ConnectOptions& o) {
        o.policy.report_only = true;
        o.policy.insecure = true;
      },
      [&](Result<Connected>& connected, unsigned short, const TlsSeen&) {
        REQUIRE(connected);
        CHECK_FALSE(connected->transport->tls().verified);
        CHECK(connected->transport->tls().verify_error.empty());
        CHECK(connected->transport->tls().chain.size() == 1);
      });
}

TEST_CASE("report_only does not excuse a handshake failure (TLS 1.1 server: tls_failed)") {
  TempDir dir;
  TestPki pki(dir);
  connect_once(
      pki.leaf, {}, pki.ca_file, [](ConnectOptions& o) { o.policy.report_only = true; },
      [](Result<Connected>& connected, unsigned short, const TlsSeen& seen) {
        REQUIRE_FALSE(connected);
        CHECK(connected.error().kind == ErrorKind::no_perm);
        CHECK(connected.error().code == "tls_failed");
        CHECK_FALSE(seen.handshake_ok);
      },
      TLS1_1_VERSION);
}

TEST_CASE("report_only over STARTTLS: start_tls() completes with verify_error and the chain") {
  TempDir dir;
  TestPki pki(dir);
  const Cert self_signed = make_cert(CertSpec{"", "DNS:example.test"});
  run_with_deadline([&]() -> awaitable<void> {
    auto executor = co_await asio::this_coro::executor;
    Server server(executor);
    asio::co_spawn(
        executor,
        serve(server.acceptor, context_for(self_signed), server.seen, true, After::read_until_eof),
        asio::detached);
    auto options = options_for(server.port(), TlsMode::starttls, pki.ca_file);
    options.policy.report_only = true;
    auto connected = co_await net::connect(options);
    REQUIRE(connected);
    Transport& t = *connected->transport;
    CHECK(t.tls().chain.empty());  // nothing before TLS
    REQUIRE(co_await t.write("<starttls/>"));
    char buf[32];
    auto n = co_await t.read_some(buf, sizeof buf);
    REQUIRE(n);
    auto upgraded = co_await t.start_tls();
    REQUIRE_MESSAGE(upgraded, (upgraded ? "" : upgraded.error().message));
    CHECK(t.tls().active);
    CHECK_FALSE(t.tls().verified);
    CHECK(t.tls().verify_error.find("self-signed") != std::string::npos);
    REQUIRE(t.tls().chain.size() == 1);
    CHECK(t.tls().chain[0].spki_sha256 == *tls::spki_sha256(self_signed.der()));
    co_await t.shutdown();
  });
}

#ifdef TCP_QUICKACK
namespace {

// Reads back as 1 unless Linux has the socket in delayed-ACK ("pingpong") mode, which each send
// soon after a receive enters; in that mode a Nagle server's next write waits ~40 ms for our ACK.
bool acks_at_once(int fd) {
  int on = 0;
  socklen_t len = sizeof on;
  REQUIRE(::getsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &on, &len) == 0);
  return on != 0;
}

}  // namespace

TEST_CASE("STARTTLS: the negotiation acknowledges at once after the handshake and each write") {
  TempDir dir;
  TestPki pki(dir);
  run_with_deadline([&]() -> awaitable<void> {
    auto executor = co_await asio::this_coro::executor;
    Server server(executor);
    asio::co_spawn(
        executor,
        serve(server.acceptor, context_for(pki.leaf), server.seen, true, After::read_until_eof),
        asio::detached);

    tcp::socket socket(executor);
    co_await socket.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()),
                                  asio::use_awaitable);
    socket.set_option(tcp::no_delay(true));
    const int fd = socket.native_handle();  // the transport keeps this descriptor
    TlsPolicy policy;
    policy.reference_domain = k_domain;
    policy.ca_file = pki.ca_file;
    auto context = tls::make_client_context(policy);
    REQUIRE(context);
    tls::StreamTransport t(std::move(socket), *context, policy);
    REQUIRE(co_await t.write("<starttls/>"));
    char buf[32];
    auto n = co_await t.read_some(buf, sizeof buf);
    REQUIRE(n);
    CHECK(std::string(buf, *n) == "<proceed/>");
    auto upgraded = co_await t.start_tls();
    REQUIRE_MESSAGE(upgraded, (upgraded ? "" : upgraded.error().message));
    CHECK(t.tls().version == "TLSv1.3");
    // Our Finished went out right after the server's flight arrived.
    CHECK(acks_at_once(fd));
    // The stream header goes out while the server's session tickets arrive (PROFILE.md).
    REQUIRE(co_await t.write("<stream:stream>"));
    CHECK(acks_at_once(fd));
    co_await t.shutdown();
  });
}
#endif
