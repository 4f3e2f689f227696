// The HTTPS PUT client (net/http/put.hpp) and its URL parser (net/http/url.hpp) against a
// loopback Asio SSL server with certificates made in the test and the stub DNS server: request
// shape, statuses, certificate names, streaming in chunks, the deadline, malformed input.
#include <doctest/doctest.h>

#include <openssl/ssl.h>

#include <random>

#include "net/http/put.hpp"
#include "net/http/url.hpp"
#include "net_support.hpp"

using namespace xmpp;
using namespace xmpp::net::http;
using namespace xmpp::test;
using namespace std::chrono_literals;
using tcp = asio::ip::tcp;
using SslStream = asio::ssl::stream<tcp::socket>;

namespace {

constexpr const char* k_host = "upload.example.test";

// ---- the server ----

enum class Mode {
  respond,        // read the whole request, then answer
  respond_early,  // answer after the header, then read and discard the body until EOF
  silent,         // read everything, never answer
  close,          // read the whole request, close without answering
};

struct Spec {
  Mode mode = Mode::respond;
  std::string response = "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
  bool tls = true;
};

struct HttpSeen {
  bool handshake_ok = false;
  std::string handshake_error;
  std::string sni;
  std::string head;  // request line and header fields
  std::string body;
  bool done = false;  // the server coroutine got to its end
};

std::size_t content_length(const std::string& head) {
  std::string lower = head;
  for (char& c : lower)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto at = lower.find("\r\ncontent-length:");
  if (at == std::string::npos) return 0;
  return std::stoul(lower.substr(at + 17));
}

template <class Stream> awaitable<void> exchange(Stream& stream, const Spec& spec, HttpSeen& seen) {
  boost::system::error_code ec;
  std::string data;
  char buf[8192];
  while (data.find("\r\n\r\n") == std::string::npos) {
    const std::size_t n = co_await stream.async_read_some(
        asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    data.append(buf, n);
  }
  const auto end = data.find("\r\n\r\n") + 4;
  seen.head = data.substr(0, end);
  seen.body = data.substr(end);
  const auto answer = [&]() -> awaitable<void> {
    co_await asio::async_write(stream, asio::buffer(spec.response),
                               asio::redirect_error(asio::use_awaitable, ec));
  };
  if (spec.mode == Mode::respond_early) co_await answer();
  const std::size_t length = content_length(seen.head);
  while (seen.body.size() < length || spec.mode == Mode::silent ||
         spec.mode == Mode::respond_early) {
    const std::size_t n = co_await stream.async_read_some(
        asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    seen.body.append(buf, n);
  }
  if (spec.mode == Mode::respond) co_await answer();
}

awaitable<void> serve(tcp::acceptor& acceptor, std::shared_ptr<asio::ssl::context> ctx, Spec spec,
                      HttpSeen& seen) {
  boost::system::error_code ec;
  tcp::socket socket =
      co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;
  if (!spec.tls) {
    co_await exchange(socket, spec, seen);
    seen.done = true;
    co_return;
  }
  SslStream stream(std::move(socket), *ctx);
  co_await stream.async_handshake(asio::ssl::stream_base::server,
                                  asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    seen.handshake_error = ec.message();
    seen.done = true;
    co_return;
  }
  seen.handshake_ok = true;
  if (const char* sni = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name))
    seen.sni = sni;
  co_await exchange(stream, spec, seen);
  if (spec.mode == Mode::close)
    stream.next_layer().close(ec);
  else
    co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
  seen.done = true;
}

// A listening server, a DNS stub that knows k_host, and a request for a file in `dir`.
struct Rig {
  Rig(asio::any_io_executor executor, const TempDir& dir)
      : acceptor(executor, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), dns(executor) {
    dns.a(k_host, {"127.0.0.1"});
    asio::co_spawn(executor, dns.run(), asio::detached);
    request.file = dir.write("data.bin", "hello upload");
    request.size = 12;
    request.content_type = "application/octet-stream";
    request.dns_server = dns.address();
    request.timeout = 10s;
  }
  std::string url(const std::string& path = "/slot/a%20b.bin?v=1") const {
    return std::string("https://") + k_host + ":" + std::to_string(port()) + path;
  }
  unsigned short port() const { return acceptor.local_endpoint().port(); }
  void start(std::shared_ptr<asio::ssl::context> ctx, Spec spec = {}) {
    asio::co_spawn(acceptor.get_executor(), serve(acceptor, std::move(ctx), std::move(spec), seen),
                   asio::detached);
  }

  tcp::acceptor acceptor;
  DnsStub dns;
  HttpSeen seen;
  PutRequest request;
};

std::string random_bytes(std::size_t n) {
  std::mt19937 gen(42);
  std::uniform_int_distribution<int> byte(0, 255);
  std::string out(n, '\0');
  for (char& c : out)
    c = static_cast<char>(byte(gen));
  return out;
}

std::string message_of(const Result<Response>& r) {
  return r ? r->status_line() : r.error().message;
}

}  // namespace

// ---- URLs ----

TEST_CASE("url: host, port, target and the Host field of an https URL") {
  auto url = parse_url("HTTPS://Upload.Example.TEST:8443/slot/a%20b.txt?v=1&x=%C3%A8#frag");
  REQUIRE_MESSAGE(url, (url ? "" : url.error().message));
  CHECK(url->scheme == "https");
  CHECK(url->https());
  CHECK(url->host == "upload.example.test");
  CHECK(url->port == 8443);
  CHECK(url->target == "/slot/a%20b.txt?v=1&x=%C3%A8");
  CHECK_FALSE(url->ipv6);
  CHECK(url->authority() == "upload.example.test:8443");
  CHECK(url->origin() == "https://upload.example.test:8443");
}

TEST_CASE("url: default ports, empty path, query without path, trailing dot") {
  auto a = parse_url("https://example.test");
  REQUIRE(a);
  CHECK(a->port == 443);
  CHECK(a->target == "/");
  CHECK(a->authority() == "example.test");
  auto b = parse_url("http://example.test.:/?q");
  REQUIRE(b);
  CHECK(b->scheme == "http");
  CHECK_FALSE(b->https());
  CHECK(b->port == 80);
  CHECK(b->host == "example.test");
  CHECK(b->target == "/?q");
  auto c = parse_url("https://example.test:443/x");
  REQUIRE(c);
  CHECK(c->authority() == "example.test");
}

TEST_CASE("url: IP literals") {
  auto v6 = parse_url("https://[::1]:8443/x");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->ipv6);
  CHECK(v6->authority() == "[::1]:8443");
  CHECK(v6->origin() == "https://[::1]:8443");
  auto full = parse_url("https://[2001:DB8::1]/");
  REQUIRE(full);
  CHECK(full->host == "2001:db8::1");
  CHECK(full->authority() == "[2001:db8::1]");
  auto v4 = parse_url("https://127.0.0.1:1/");
  REQUIRE(v4);
  CHECK(v4->host == "127.0.0.1");
  CHECK_FALSE(v4->ipv6);
}

TEST_CASE("url: what is refused") {
  for (const char* bad : {
           "",
           "upload.example.test/x",
           "ftp://example.test/x",
           "https:/example.test/x",
           "https:example.test",
           "1https://example.test/",
           "https://",
           "https:///x",
           "https://:443/",
           "https://user@example.test/",
           "https://user:pw@example.test/",
           "https://example.test@evil.test/",
           "https://[::1/",
           "https://[::1]x/",
           "https://[fe80::1%25eth0]/",
           "https://[v1.x]/",
           "https://[example.test]/",
           "https://example.test:0/",
           "https://example.test:65536/",
           "https://example.test:12a/",
           "https://example.test:-1/",
           "https://example.test:000443/",
           "https://exa mple.test/",
           "https://exämple.test/",
           "https://exa%6dple.test/",
           "https://.example.test/",
           "https://a..b/",
           "https://example.test/a b",
           "https://example.test/a\r\nX-Injected: 1",
           "https://example.test/a\tb",
           "https://example.test/%zz",
           "https://example.test/%4",
           "https://example.test/\xc3\xa8",
           "https://example.test/a\"b",
           "https://example.test/a<b>",
           "https://example.test/a\\b",
           "https://example.test/a{b}",
       }) {
    CAPTURE(bad);
    auto url = parse_url(bad);
    REQUIRE_FALSE(url);
    CHECK(url.error().kind == ErrorKind::protocol);
    CHECK(url.error().code == "bad_url");
  }
}

// ---- PUT ----

TEST_CASE("put: 201 over verified TLS; the request carries exactly what it should") {
  TempDir dir;
  TestPki pki(dir, k_host);
  run_with_deadline([&]() -> awaitable<void> {
    Rig rig(co_await asio::this_coro::executor, dir);
    rig.start(server_context(pki.leaf),
              Spec{Mode::respond, "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", true});
    rig.request.url = rig.url();
    rig.request.ca_file = pki.ca_file;
    rig.request.content_type = "text/plain";
    rig.request.headers = {{"Authorization", "Bearer abc"}, {"Cookie", "a=b"}};
    auto response = co_await put_file(rig.request);
    REQUIRE_MESSAGE(response, message_of(response));
    CHECK(response->status == 201);
    CHECK(response->reason == "Created");
    CHECK(response->status_line() == "201 Created");
    CHECK(response->body == "ok");
    CHECK_FALSE(response->body_truncated);

    CHECK(rig.seen.sni == k_host);
    const std::string& head = rig.seen.head;
    CHECK(head.rfind("PUT /slot/a%20b.bin?v=1 HTTP/1.1\r\n", 0) == 0);
    const std::string host_field = "Host: upload.example.test:" + std::to_string(rig.port());
    CHECK(head.find("\r\n" + host_field + "\r\n") != std::string::npos);
    CHECK(head.find("\r\nContent-Length: 12\r\n") != std::string::npos);
    CHECK(head.find("\r\nContent-Type: text/plain\r\n") != std::string::npos);
    CHECK(head.find("\r\nAuthorization: Bearer abc\r\n") != std::string::npos);
    CHECK(head.find("\r\nCookie: a=b\r\n") != std::string::npos);
    CHECK(head.find("\r\nConnection: close\r\n") != std::string::npos);
    CHECK(head.find("Transfer-Encoding") == std::string::npos);
    CHECK(head.find("#") == std::string::npos);
    CHECK(rig.seen.body == "hello upload");
  });
}

TEST_CASE("put: a 413 is returned as a response, with its body") {
  TempDir dir;
  TestPki pki(dir, k_host);
  run_with_deadline([&]() -> awaitable<void> {
    Rig rig(co_await asio::this_coro::executor, dir);
    rig.start(server_context(pki.leaf),
              Spec{Mode::respond,
                   "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\n\r\ntoo big!", true});
    rig.request.url = rig.url();
    rig.request.ca_file = pki.ca_file;
    auto response = co_await put_file(rig.request);
    REQUIRE_MESSAGE(response, message_of(response));
    CHECK(response->status == 413);
    CHECK(response->status_line() == "413 Payload Too Large");
    CHECK(response->body == "too big!");
  });
}

TEST_CASE("put: a certificate for another name is refused before anything is sent") {
  TempDir dir;
  TestPki pki(dir, "other.example.test");
  run_with_deadline([&]() -> awaitable<void> {
    Rig rig(co_await asio::this_coro::executor, dir);
    rig.start(server_context(pki.leaf));
    rig.request.url = rig.url();
    rig.request.ca_file = pki.ca_file;
    auto response = co_await put_file(rig.request);
    REQUIRE_FALSE(response);
    CHECK(response.error().kind == ErrorKind::no_perm);
    CHECK(response.error().code == "cert_name_mismatch");
    CHECK(response.error().message.find(k_host) != std::string::npos);
    CHECK(rig.seen.head.empty());
  });
}

TEST_CASE("put: a certificate from an unknown CA is refused; --insecure accepts it") {
  TempDir dir;
  TestPki pki(dir, k_host);
  TempDir other_dir;
  TestPki other(other_dir, k_host);
  run_with_deadline([&]() -> awaitable<void> {
    Rig rig(co_await asio::this_coro::executor, dir);
    rig.start(server_context(pki.leaf));
    rig.request.url = rig.url();
    rig.request.ca_file = other.ca_file;
    auto refused = co_await put_file(rig.request);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == ErrorKind::no_perm);
    CHECK(refused.error().code == "cert_untrusted");

    rig.seen = HttpSeen{};
    rig.start(server_context(pki.leaf));
    rig.request.insecure = true;
    auto accepted = co_await put_file(rig.request);
    REQUIRE_MESSAGE(accepted, message_of(accepted));
    CHECK(accepted->status == 201);
  });
}

TEST_CASE("put: an IP-literal host sends no SNI and verifies only with --insecure") {
  TempDir dir;
  TestPki pki(dir, k_host);
  run_with_deadline([&]() -> awaitable<void> {
    Rig rig(co_await asio::this_coro::executor, dir);
    rig.start(server_context(pki.leaf));
    rig.request.url = "https://127.0.0.1:" + std::to_string(rig.port()) + "/x";
    rig.request.ca_file = pki.ca_file;
    auto refused = co_await put_file(rig.request);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == "cert_name_mismatch");

    rig.seen = HttpSeen{};
    rig.start(server_context(pki.leaf));
    rig.request.insecure = true;
    auto accepted = co_await put_file(rig.request);
    REQUIRE_MESSAGE(accepted, message_of(accepted));
    CHECK(rig.seen.sni.empty());
    CHECK(rig.seen.head.find("\r\nHost: 127.0.0.1:") != std::string::npos);
  });
}

TEST_CASE("put: a file larger than the chunk size is streamed in chunks, byte-exact") {
  TempDir dir;
  TestPki pki(dir, k_host);
  const std::string content = random_bytes(1024 * 1024 + 123);
  const std::string path = dir.write("big.bin", content);
  std::vector<std::uint64_t> progress;
  run_with_deadline([&]() -> awaitable<void> {
    Rig rig(co_await asio::this_coro::executor, dir);
    rig.start(server_context(pki.leaf));
    rig.request.url = rig.url();
    rig.request.ca_file = pki.ca_file;
    rig.request.file = path;
    rig.request.size = content.size();
    rig.request.chunk_size = 16 * 1024;
    rig.request.progress = [&](std::uint64_t sent, std::uint64_t total) {
      CHECK(total == content.size());
      progress.push_back(sent);
    };
    auto response = co_await put_file(rig.request);
    REQUIRE_MESSAGE(response, message_of(response));
    CHECK(response->status == 201);
    CHECK(rig.seen.body.size() == content.size());
    CHECK(rig.seen.body == content);
  });
  // Many writes, each about one chunk (file_body reads 4 KiB at a time), ending at the total.
  REQUIRE(progress.size() >= content.size() / (16 * 1024 + 4096));
  CHECK(progress.back() == content.size());
  std::uint64_t previous = 0;
  for (const auto sent : progress) {
    CHECK(sent > previous);
    CHECK(sent - previous <= 16 * 1024 + 4096);
    previous = sent;
  }
}

TEST_CASE("put: a server that never answers hits the deadline (kind temporary, timeout)") {
  TempDir dir;
  TestPki pki(dir, k_host);
  run_with_deadline(
      [&]() -> awaitable<void> {
        Rig rig(co_await asio::this_coro::executor, dir);
        rig.start(server_context(pki.leaf), Spec{Mode::silent, "", true});
        rig.request.url = rig.url();
        rig.request.ca_file = pki.ca_file;
        rig.request.timeout = 500ms;
        const auto start = std::chrono::steady_clock::now();
        auto response = co_await put_file(rig.request);
        const auto took = std::chrono::steady_clock::now() - start;
        REQUIRE_FALSE(response);
        CHECK(response.error().kind == ErrorKind::temporary);
        CHECK(response.error().code == "timeout");
        CHECK(response.error().message.find("500 ms") != std::string::npos);
        CHECK(took >= 450ms);
        CHECK(took < 3s);
        CHECK(rig.seen.body == "hello upload");  // it was sent; only the answer is missing
      },
      10s);
}

TEST_CASE("put: an answer before the body is complete is the result") {
  TempDir dir;
  TestPki pki(dir, k_host);
  const std::string content = random_bytes(256 * 1024);
  const std::string path = dir.write("big.bin", content);
  run_with_deadline([&]() -> awaitable<void> {
    Rig rig(co_await asio::this_coro::executor, dir);
    rig.start(
        server_context(pki.leaf),
        Spec{Mode::respond_early, "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n", true});
    rig.request.url = rig.url();
    rig.request.ca_file = pki.ca_file;
    rig.request.file = path;
    rig.request.size = content.size();
    auto response = co_await put_file(rig.request);
    REQUIRE_MESSAGE(response, message_of(response));
    CHECK(response->status == 401);
  });
}

TEST_CASE("put: interim 100 Continue is skipped; a huge body is cut off; close without answer") {
  TempDir dir;
  TestPki pki(dir, k_host);
  run_with_deadline([&]() -> awaitable<void> {
    Rig rig(co_await asio::this_coro::executor, dir);
    rig.request.ca_file = pki.ca_file;
    rig.request.url = rig.url();

    rig.start(server_context(pki.leaf),
              Spec{Mode::respond,
                   "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                   true});
    auto interim = co_await put_file(rig.request);
    REQUIRE_MESSAGE(interim, message_of(interim));
    CHECK(interim->status == 200);

    rig.seen = HttpSeen{};
    rig.start(
        server_context(pki.leaf),
        Spec{Mode::respond,
             "HTTP/1.1 201 Created\r\nContent-Length: 1000000\r\n\r\n" + std::string(1000, 'x'),
             true});
    auto huge = co_await put_file(rig.request);
    REQUIRE_MESSAGE(huge, message_of(huge));
    CHECK(huge->status == 201);
    CHECK(huge->body_truncated);
    CHECK(huge->body.empty());

    rig.seen = HttpSeen{};
    rig.start(server_context(pki.leaf), Spec{Mode::close, "", true});
    auto closed = co_await put_file(rig.request);
    REQUIRE_FALSE(closed);
    CHECK(closed.error().kind != ErrorKind::software);
    CHECK((closed.error().code == "bad_http_response" || closed.error().code == "tls_truncated"));

    rig.seen = HttpSeen{};
    rig.start(server_context(pki.leaf), Spec{Mode::respond, "SSH-2.0-OpenSSH\r\n\r\n", true});
    auto garbage = co_await put_file(rig.request);
    REQUIRE_FALSE(garbage);
    CHECK(garbage.error().kind == ErrorKind::protocol);
    CHECK(garbage.error().code == "bad_http_response");
  });
}

TEST_CASE("put: plain http is refused unless allowed") {
  TempDir dir;
  run_with_deadline([&]() -> awaitable<void> {
    Rig rig(co_await asio::this_coro::executor, dir);
    rig.request.url = "http://" + std::string(k_host) + ":" + std::to_string(rig.port()) + "/x";
    auto refused = co_await put_file(rig.request);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == ErrorKind::no_perm);
    CHECK(refused.error().code == "insecure_url");

    rig.start(nullptr,
              Spec{Mode::respond, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", false});
    rig.request.allow_plain_http = true;
    auto allowed = co_await put_file(rig.request);
    REQUIRE_MESSAGE(allowed, message_of(allowed));
    CHECK(allowed->status == 201);
    CHECK(rig.seen.body == "hello upload");
  });
}

TEST_CASE("put: local problems fail before connecting") {
  TempDir dir;
  run_with_deadline([&]() -> awaitable<void> {
    Rig rig(co_await asio::this_coro::executor, dir);
    rig.request.url = rig.url();

    auto missing = rig.request;
    missing.file = dir.path() / "missing.bin";
    auto r1 = co_await put_file(missing);
    REQUIRE_FALSE(r1);
    CHECK(r1.error().kind == ErrorKind::no_input);
    CHECK(r1.error().code == "file_unreadable");

    auto changed = rig.request;
    changed.size = 13;
    auto r2 = co_await put_file(changed);
    REQUIRE_FALSE(r2);
    CHECK(r2.error().kind == ErrorKind::data);
    CHECK(r2.error().code == "file_changed");

    for (const auto& header : std::vector<std::pair<std::string, std::string>>{
             {"Authorization", "a\r\nX-Injected: 1"},
             {"Bad Name", "x"},
             {"", "x"},
             {"Host", "evil.test"},
             {"content-length", "1"},
             {"Transfer-Encoding", "chunked"},
         }) {
      CAPTURE(header.first);
      auto bad = rig.request;
      bad.headers = {header};
      auto r3 = co_await put_file(bad);
      REQUIRE_FALSE(r3);
      CHECK(r3.error().code == "bad_header");
    }

    auto bad_url = rig.request;
    bad_url.url = "https://secret@example.test/";
    auto r4 = co_await put_file(bad_url);
    REQUIRE_FALSE(r4);
    CHECK(r4.error().code == "bad_url");
    CHECK(r4.error().message.find("secret") == std::string::npos);  // no URL parts echoed
    CHECK(rig.dns.queries() == 0);
  });
}

TEST_CASE("put: an unknown host is no_host; nothing listening is unavailable") {
  TempDir dir;
  run_with_deadline([&]() -> awaitable<void> {
    Rig rig(co_await asio::this_coro::executor, dir);
    rig.request.url = "https://nowhere.example.test/x";
    auto unknown = co_await put_file(rig.request);
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().kind == ErrorKind::no_host);

    const auto port = rig.port();
    rig.acceptor.close();
    rig.request.url = std::string("https://") + k_host + ":" + std::to_string(port) + "/x";
    auto refused = co_await put_file(rig.request);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == ErrorKind::unavailable);
  });
}
