// The SOCKS5 handshake of XEP-0065 §5.3.2 (RFC 1928): the client and server machines fed whole,
// byte by byte and with trailing bytestream data; every check of SECURITY.md rows 43 (method,
// REP, ATYP, BND.ADDR, BND.PORT), 44 (a declared length never over-read; EOF and silence mid-
// reply) and 46 (wrong hash, second connection) over loopback TCP against a scripted fake SOCKS5
// peer written here, each under a deadline; and the socks5 fuzz target replayed on its corpus.
#include <doctest/doctest.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "net/asio.hpp"
#include "net/watchdog.hpp"
#include "xep/s5b/s5b.hpp"
#include "xep/s5b/s5b_ops.hpp"
#include "xep/s5b/socks5.hpp"
#include "xep_examples.hpp"

#define XMPP_FUZZ_NO_ENTRY
#include "../../fuzz/socks5_fuzz.cpp"

using namespace xmpp;
using asio::ip::tcp;
using s5b::HandshakeState;
using namespace std::chrono_literals;

namespace {

const std::string k_hash =
    s5b::dst_addr("vj3hs98y", Jid::parse("romeo@montague.lit/orchard").value(),
                  Jid::parse("juliet@capulet.lit/balcony").value());

std::string bytes(std::initializer_list<int> list) {
  std::string out;
  for (int b : list)
    out += static_cast<char>(b);
  return out;
}

/// `05 REP 00 ATYP LEN ADDR PORT` with a domain address.
std::string reply(int rep, const std::string& addr, int port = 0, int atyp = 3) {
  return bytes({5, rep, 0, atyp, static_cast<int>(addr.size())}) + addr +
         bytes({port >> 8, port & 0xff});
}

const std::string k_method_ok = bytes({5, 0});
const std::string k_good_reply = reply(0, k_hash);
const std::string k_connect = bytes({5, 1, 0, 3, 40}) + k_hash + bytes({0, 0});

/// Runs `body` on a fresh io_context until it finishes (then stops the loop, so background
/// listeners and fake peers do not keep it running), failing the test after `limit`.
template <class T> T run(std::function<awaitable<T>()> body, std::chrono::milliseconds limit = 5s) {
  asio::io_context io;
  std::optional<T> result;
  asio::co_spawn(
      io,
      [&]() -> awaitable<void> {
        result.emplace(co_await body());
        io.stop();
      },
      asio::detached);
  io.run_for(limit);
  REQUIRE_MESSAGE(result.has_value(), "the coroutine did not finish before its deadline");
  return std::move(*result);
}

/// One step of a scripted SOCKS5 peer: expect these bytes from the client, or send these.
struct Step {
  enum Kind { expect, send, send_bytewise, close } kind;
  std::string data;
};

/// A fake SOCKS5 streamhost on 127.0.0.1: accepts one connection and plays `script`; records
/// whether every expectation held. It ends the connection when the script ends.
struct FakePeer {
  tcp::acceptor acceptor;
  std::vector<Step> script;
  bool script_ok = true;
  bool finished = false;
  std::string leftover;  ///< what the client sent beyond the script (read until EOF)

  FakePeer(asio::any_io_executor ex, std::vector<Step> s)
      : acceptor(ex, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), script(std::move(s)) {}

  unsigned short port() const { return acceptor.local_endpoint().port(); }

  static awaitable<void> play(std::shared_ptr<FakePeer> self) {
    auto socket = co_await self->acceptor.async_accept(asio::use_awaitable);
    boost::system::error_code ec;
    for (const auto& step : self->script) {
      if (step.kind == Step::expect) {
        std::string got(step.data.size(), '\0');
        co_await asio::async_read(socket, asio::buffer(got),
                                  asio::redirect_error(asio::use_awaitable, ec));
        if (ec || got != step.data) self->script_ok = false;
      } else if (step.kind == Step::send) {
        co_await asio::async_write(socket, asio::buffer(step.data),
                                   asio::redirect_error(asio::use_awaitable, ec));
      } else if (step.kind == Step::send_bytewise) {
        for (char c : step.data) {
          co_await asio::async_write(socket, asio::buffer(&c, 1),
                                     asio::redirect_error(asio::use_awaitable, ec));
          // Yield to the loop between bytes so that the client sees them one by one.
          co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
        }
      } else {
        socket.close(ec);
        self->finished = true;
        co_return;
      }
      if (ec) break;
    }
    self->finished = true;
    // Keep the connection open (a stalling peer) until the client closes it.
    std::array<char, 64> buffer{};
    for (;;) {
      const auto n = co_await socket.async_read_some(asio::buffer(buffer),
                                                     asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      self->leftover.append(buffer.data(), n);
    }
  }

  static std::shared_ptr<FakePeer> start(asio::any_io_executor ex, std::vector<Step> script) {
    auto peer = std::make_shared<FakePeer>(ex, std::move(script));
    asio::co_spawn(ex, play(peer), asio::detached);
    return peer;
  }
};

s5b::DialOptions local(std::chrono::milliseconds timeout = 2s) {
  s5b::DialOptions options;
  options.allow_local = true;
  options.timeout = timeout;
  return options;
}

/// Dials a fake peer playing `script` and returns the dial's error (or success) and the peer.
struct DialResult {
  Result<void> result;
  bool script_ok = false;
  std::string after;  ///< what the socket held after the handshake, when it succeeded
};

DialResult dial(std::vector<Step> script, std::chrono::milliseconds timeout = 2s,
                std::string_view read_after = {}) {
  return run<DialResult>([&]() -> awaitable<DialResult> {
    auto ex = co_await asio::this_coro::executor;
    auto peer = FakePeer::start(ex, script);
    auto socket = co_await s5b::connect("127.0.0.1", peer->port(), k_hash, local(timeout));
    DialResult out;
    out.script_ok = peer->script_ok;
    if (!socket) {
      out.result = fail(socket.error());
      co_return out;
    }
    if (!read_after.empty()) {
      std::string got(read_after.size(), '\0');
      co_await asio::async_read(*socket, asio::buffer(got), asio::use_awaitable);
      out.after = got;
    }
    co_return out;
  });
}

std::vector<Step> answering(std::string method, std::string connect_reply = k_good_reply) {
  return {{Step::expect, bytes({5, 1, 0})},
          {Step::send, std::move(method)},
          {Step::expect, k_connect},
          {Step::send, std::move(connect_reply)}};
}

}  // namespace

// ---- the machines ----

TEST_CASE("SOCKS5 client machine: greeting, CONNECT to the hash at port 0, reply accepted") {
  s5b::ClientHandshake hs(k_hash);
  CHECK(hs.take_output() == bytes({5, 1, 0}));
  CHECK(hs.take_output().empty());
  CHECK(hs.wanted() == 2);
  CHECK(hs.feed(k_method_ok) == 2);
  CHECK(hs.take_output() == k_connect);
  CHECK(hs.wanted() == 4);
  // Trailing bytestream data is not consumed: the machine takes exactly the reply.
  CHECK(hs.feed(k_good_reply + "file data") == k_good_reply.size());
  CHECK(hs.state() == HandshakeState::done);
  CHECK(hs.wanted() == 0);
  CHECK(hs.feed("more") == 0);
}

TEST_CASE("SOCKS5 client machine: fed byte by byte, it never wants more than the field") {
  s5b::ClientHandshake hs(k_hash);
  hs.take_output();
  const std::string all = k_method_ok + k_good_reply;
  // Field by field: 2 (method), 4 (head), 1 (length), 40 (address), 2 (port).
  std::vector<std::size_t> wants;
  for (char c : all) {
    wants.push_back(hs.wanted());
    REQUIRE(hs.feed(std::string_view(&c, 1)) == 1);
  }
  CHECK(hs.state() == HandshakeState::done);
  CHECK(wants[0] == 2);
  CHECK(wants[2] == 4);
  CHECK(wants[6] == 1);
  CHECK(wants[7] == 40);
  CHECK(wants[47] == 2);
}

TEST_CASE("SECURITY.md row 43 cve_2009_1373: each bad reply field fails the client machine, naming it") {
  struct Case {
    const char* name;
    std::string method;
    std::string reply;
    const char* words;
  };
  const Case cases[] = {
      {"no acceptable method", bytes({5, 0xff}), "", "no method we offered"},
      {"method 02", bytes({5, 2}), "", "method 0x02"},
      {"SOCKS4", bytes({4, 0}), "", "version 4"},
      {"REP 05", k_method_ok, reply(5, k_hash), "connection refused (REP 0x05)"},
      {"REP 01", k_method_ok, reply(1, k_hash), "general SOCKS server failure"},
      {"REP 0x42", k_method_ok, reply(0x42, k_hash), "unassigned reply code"},
      {"ATYP 1", k_method_ok, bytes({5, 0, 0, 1, 127, 0, 0, 1, 0, 0}), "address type is 0x01"},
      {"ATYP 4", k_method_ok, bytes({5, 0, 0, 4}), "address type is 0x04"},
      {"other hash", k_method_ok, reply(0, std::string(40, 'a')), "not our DST.ADDR hash"},
      {"shorter hash", k_method_ok, reply(0, k_hash.substr(1)), "39 bytes long"},
      {"port 1", k_method_ok, reply(0, k_hash, 1), "BND.PORT is 1"},
      {"port 0x1F90", k_method_ok, reply(0, k_hash, 8080), "BND.PORT is 8080"},
      {"reply version 4", k_method_ok, reply(0, k_hash).replace(0, 1, 1, 4), "version 4"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    s5b::ClientHandshake hs(k_hash);
    hs.take_output();
    hs.feed(c.method);
    if (!c.reply.empty()) {
      REQUIRE(hs.state() == HandshakeState::running);
      hs.take_output();
      hs.feed(c.reply);
    }
    REQUIRE(hs.state() == HandshakeState::failed);
    CHECK(hs.error().kind == ErrorKind::protocol);
    CHECK(hs.error().code == "socks5_failed");
    CHECK_MESSAGE(hs.error().message.find(c.words) != std::string::npos, hs.error().message);
    CHECK(hs.wanted() == 0);
  }
  // RSV is RFC 1928's to reserve, not ours to check.
  s5b::ClientHandshake hs(k_hash);
  hs.feed(k_method_ok);
  hs.feed(reply(0, k_hash).replace(2, 1, 1, 7));
  CHECK(hs.state() == HandshakeState::done);
}

TEST_CASE("SECURITY.md row 44: a declared length of 255 fails before a byte of it is read") {
  s5b::ClientHandshake hs(k_hash);
  hs.feed(k_method_ok);
  const std::string head = bytes({5, 0, 0, 3, 255});
  CHECK(hs.feed(head + std::string(255, 'x')) == head.size());
  CHECK(hs.state() == HandshakeState::failed);
  CHECK(hs.error().message.find("255 bytes long") != std::string::npos);
}

TEST_CASE("SOCKS5 server machine: method 00, CONNECT with the expected hash, echoed reply") {
  s5b::ServerHandshake hs(k_hash);
  CHECK(hs.take_output().empty());
  CHECK(hs.wanted() == 2);
  // Several methods offered, 00 among them.
  CHECK(hs.feed(bytes({5, 3, 2, 1, 0})) == 5);
  CHECK(hs.take_output() == k_method_ok);
  CHECK(hs.feed(k_connect + "early data") == k_connect.size());
  CHECK(hs.state() == HandshakeState::done);
  CHECK(hs.take_output() == k_good_reply);  // §5.3.2: BND.ADDR/PORT = DST.ADDR/PORT
}

TEST_CASE("SECURITY.md row 46: the server machine refuses other hashes, commands, methods") {
  struct Case {
    const char* name;
    std::string input;
    std::string answer;  ///< what it sends before closing
  };
  const std::string refused = bytes({5, 2, 0, 1, 0, 0, 0, 0, 0, 0});
  const Case cases[] = {
      {"no method 00", bytes({5, 1, 2}), bytes({5, 0xff})},
      {"no methods", bytes({5, 0}), bytes({5, 0xff})},
      {"SOCKS4", bytes({4, 1, 0}), ""},
      {"wrong hash", bytes({5, 1, 0, 5, 1, 0, 3, 40}) + std::string(40, 'f') + bytes({0, 0}),
       k_method_ok + refused},
      {"wrong length", bytes({5, 1, 0, 5, 1, 0, 3, 255}), k_method_ok + refused},
      {"port 80", bytes({5, 1, 0, 5, 1, 0, 3, 40}) + k_hash + bytes({0, 80}),
       k_method_ok + refused},
      {"BIND", bytes({5, 1, 0, 5, 2, 0, 3}), k_method_ok + bytes({5, 7, 0, 1, 0, 0, 0, 0, 0, 0})},
      {"IPv4", bytes({5, 1, 0, 5, 1, 0, 1}), k_method_ok + bytes({5, 8, 0, 1, 0, 0, 0, 0, 0, 0})},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    s5b::ServerHandshake hs(k_hash);
    // Fed one byte at a time, collecting output as a driver would.
    std::string answer;
    std::size_t used = 0;
    for (char ch : c.input) {
      used += hs.feed(std::string_view(&ch, 1));
      answer += hs.take_output();
    }
    REQUIRE(hs.state() == HandshakeState::failed);
    CHECK(hs.error().code == "socks5_refused");
    CHECK(answer == c.answer);
    if (std::string_view(c.name) == "wrong length") CHECK(used == 8);  // the 255 bytes unread
  }
}

TEST_CASE("SOCKS5 fuzz target: the corpus and every input split at random replay clean") {
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(
           std::filesystem::path(XMPP_FIXTURES) / "../../fuzz/corpus/socks5")) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    const std::string input = text.str();
    // Each seed with every first byte: both machines, 128 split patterns each.
    for (int first = 0; first < 256; ++first) {
      std::string variant = input.empty() ? std::string(1, '\0') : input;
      variant[0] = static_cast<char>(first);
      fuzz::socks5_one_input(reinterpret_cast<const std::uint8_t*>(variant.data()), variant.size());
    }
    ++files;
  }
  CHECK(files >= 8);
}

// ---- over loopback TCP: the client against a scripted fake streamhost ----

TEST_CASE("s5b::connect: the handshake with a fake streamhost, bytestream data left unread") {
  auto script = answering(k_method_ok, k_good_reply + "DATA after the reply");
  const auto r = dial(script, 2s, "DATA after the reply");
  CHECK(r.result);
  CHECK(r.script_ok);
  CHECK(r.after == "DATA after the reply");
}

TEST_CASE("SECURITY.md row 43 over TCP: each bad reply aborts the candidate") {
  const std::pair<const char*, std::vector<Step>> cases[] = {
      {"method FF", answering(bytes({5, 0xff}))},
      {"REP 05", answering(k_method_ok, reply(5, k_hash))},
      {"ATYP 1", answering(k_method_ok, bytes({5, 0, 0, 1, 127, 0, 0, 1, 0, 0}))},
      {"BND.ADDR", answering(k_method_ok, reply(0, std::string(40, '0')))},
      {"BND.PORT", answering(k_method_ok, reply(0, k_hash, 1080))},
  };
  for (const auto& c : cases) {
    const char* name = c.first;
    const auto& script = c.second;
    CAPTURE(name);
    const auto r = dial(script);
    REQUIRE_FALSE(r.result);
    CHECK(r.result.error().code == "socks5_failed");
    CHECK(r.result.error().message.find("streamhost 127.0.0.1:") == 0);
  }
}

TEST_CASE("SECURITY.md row 44 over TCP: length 255 then EOF, trickled bytes, EOF, silence") {
  // A declared length of 255 then EOF: refused at the length byte, nothing more awaited.
  auto r = dial({{Step::expect, bytes({5, 1, 0})},
                 {Step::send, k_method_ok},
                 {Step::expect, k_connect},
                 {Step::send, bytes({5, 0, 0, 3, 255})},
                 {Step::close, ""}});
  REQUIRE_FALSE(r.result);
  CHECK(r.result.error().message.find("255 bytes long") != std::string::npos);

  // The whole reply one byte per write: short reads are fine.
  r = dial({{Step::expect, bytes({5, 1, 0})},
            {Step::send_bytewise, k_method_ok},
            {Step::expect, k_connect},
            {Step::send_bytewise, k_good_reply + "xyz"}},
           2s, "xyz");
  CHECK(r.result);
  CHECK(r.after == "xyz");

  // The right length, half the address, then EOF.
  r = dial({{Step::expect, bytes({5, 1, 0})},
            {Step::send, k_method_ok},
            {Step::expect, k_connect},
            {Step::send, k_good_reply.substr(0, 25)},
            {Step::close, ""}});
  REQUIRE_FALSE(r.result);
  CHECK(r.result.error().code == "socks5_failed");
  CHECK(r.result.error().message.find("closed the connection") != std::string::npos);

  // Half the address, then silence: the dial's deadline ends it.
  const auto start = std::chrono::steady_clock::now();
  r = dial({{Step::expect, bytes({5, 1, 0})},
            {Step::send, k_method_ok},
            {Step::expect, k_connect},
            {Step::send, k_good_reply.substr(0, 25)}},
           200ms);
  REQUIRE_FALSE(r.result);
  CHECK(r.result.error().kind == ErrorKind::temporary);
  CHECK(r.result.error().code == "timeout");
  CHECK(std::chrono::steady_clock::now() - start < 2s);
}

TEST_CASE("SECURITY.md row 45 in s5b::connect: local addresses are not dialled unless allowed") {
  for (const char* host :
       {"127.0.0.1", "::1", "169.254.169.254", "10.0.0.1", "localhost", "0.0.0.0"}) {
    CAPTURE(host);
    auto r = run<Result<tcp::socket>>([&]() -> awaitable<Result<tcp::socket>> {
      s5b::DialOptions options;
      options.timeout = 1s;
      co_return co_await s5b::connect(host, 5086, k_hash, options);
    });
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "candidate_refused");
  }
  auto r = run<Result<tcp::socket>>([&]() -> awaitable<Result<tcp::socket>> {
    co_return co_await s5b::connect("24.24.24.1", 0, k_hash, {});
  });
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "candidate_refused");
}

// ---- over loopback TCP: our streamhost (Listener) ----

namespace {

struct Accepted {
  Result<void> dial;        ///< the client's view
  Result<void> accept;      ///< the listener's view
  std::string server_read;  ///< what the accepted socket read after the handshake
  std::size_t refused = 0;
};

/// A raw SOCKS5 client: sends `data` to 127.0.0.1:`port` and returns everything it receives
/// until the server closes (or `limit` passes).
awaitable<std::string> raw_exchange(unsigned short port, std::string data,
                                    std::chrono::milliseconds limit) {
  auto ex = co_await asio::this_coro::executor;
  tcp::socket socket(ex);
  boost::system::error_code ec;
  co_await socket.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                                asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return "connect failed: " + ec.message();
  co_await asio::async_write(socket, asio::buffer(data),
                             asio::redirect_error(asio::use_awaitable, ec));
  net::Watchdog dog(ex, limit, [&socket] {
    boost::system::error_code ignored;
    socket.close(ignored);
  });
  std::string got;
  std::array<char, 128> buffer{};
  for (;;) {
    const auto n = co_await socket.async_read_some(asio::buffer(buffer),
                                                   asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    got.append(buffer.data(), n);
  }
  if (dog.expired()) got += "<still open>";
  co_return got;
}

s5b::Listener open_listener(asio::any_io_executor ex, s5b::ListenerOptions options = {}) {
  auto listener = s5b::Listener::open(ex, {asio::ip::make_address("127.0.0.1")}, k_hash, options);
  REQUIRE_MESSAGE(listener.has_value(), (listener ? "" : listener.error().message));
  return std::move(*listener);
}

}  // namespace

TEST_CASE("Listener: our client connects to our streamhost; data flows after the handshake") {
  const auto got = run<std::pair<std::string, std::string>>(
      [&]() -> awaitable<std::pair<std::string, std::string>> {
        auto ex = co_await asio::this_coro::executor;
        auto listener = open_listener(ex);
        const auto endpoints = listener.endpoints();
        REQUIRE(endpoints.size() == 1);
        CHECK(endpoints[0].address().to_string() == "127.0.0.1");
        CHECK(endpoints[0].port() != 0);
        auto client = co_await s5b::connect("127.0.0.1", endpoints[0].port(), k_hash, local());
        REQUIRE_MESSAGE(client.has_value(), (client ? "" : client.error().message));
        auto server = co_await listener.accept(2s);
        REQUIRE_MESSAGE(server.has_value(), (server ? "" : server.error().message));
        co_await asio::async_write(*client, asio::buffer(std::string("ping")), asio::use_awaitable);
        co_await asio::async_write(*server, asio::buffer(std::string("pong")), asio::use_awaitable);
        std::string a(4, '\0'), b(4, '\0');
        co_await asio::async_read(*server, asio::buffer(a), asio::use_awaitable);
        co_await asio::async_read(*client, asio::buffer(b), asio::use_awaitable);
        CHECK(listener.refused() == 0);
        co_return std::pair{a, b};
      });
  CHECK(got.first == "ping");
  CHECK(got.second == "pong");
}

TEST_CASE("SECURITY.md row 46: a wrong hash is refused and closed; the right one then wins") {
  const auto out = run<Accepted>([&]() -> awaitable<Accepted> {
    auto ex = co_await asio::this_coro::executor;
    auto listener = open_listener(ex);
    const auto port = listener.endpoints()[0].port();
    Accepted result;
    // Another bytestream's hash: REP 02 and closed.
    const std::string wrong_request =
        bytes({5, 1, 0, 5, 1, 0, 3, 40}) + std::string(40, 'e') + bytes({0, 0});
    const std::string refusal = k_method_ok + bytes({5, 2, 0, 1, 0, 0, 0, 0, 0, 0});
    auto wrong = co_await raw_exchange(port, wrong_request, 2s);
    CHECK(wrong == refusal);
    // Our client against the wrong-hash refusal reads it as REP 02.
    auto other = co_await s5b::connect("127.0.0.1", port, std::string(40, 'e'), local());
    REQUIRE_FALSE(other);
    CHECK(other.error().message.find("connection not allowed by ruleset") != std::string::npos);
    // The right hash, with early data that must stay for the accepted socket.
    const std::string right_request = bytes({5, 1, 0}) + k_connect + "early";
    auto right = co_await raw_exchange(port, right_request, 200ms);
    CHECK(right == k_method_ok + k_good_reply + "<still open>");
    auto accepted = co_await listener.accept(2s);
    REQUIRE(accepted);
    std::string early(5, '\0');
    co_await asio::async_read(*accepted, asio::buffer(early), asio::use_awaitable);
    result.server_read = early;
    result.refused = listener.refused();
    co_return result;
  });
  CHECK(out.server_read == "early");
  CHECK(out.refused == 2);
}

TEST_CASE("SECURITY.md row 46: a second connection for the sid is closed, pending or later") {
  const auto out = run<Accepted>([&]() -> awaitable<Accepted> {
    auto ex = co_await asio::this_coro::executor;
    auto listener = open_listener(ex);
    const auto port = listener.endpoints()[0].port();
    // A silent connection first: it must not hold the listener, and is closed once one wins.
    tcp::socket silent(ex);
    co_await silent.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                                  asio::use_awaitable);
    auto first = co_await s5b::connect("127.0.0.1", port, k_hash, local());
    CHECK(first);
    boost::system::error_code ec;
    std::array<char, 8> buffer{};
    co_await silent.async_read_some(asio::buffer(buffer),
                                    asio::redirect_error(asio::use_awaitable, ec));
    CHECK(ec == asio::error::eof);
    // After the winner: a second connection with the right hash gets nowhere.
    auto second = co_await s5b::connect("127.0.0.1", port, k_hash, local(500ms));
    Accepted result;
    result.dial = second ? Result<void>{} : Result<void>(fail(second.error()));
    auto accepted = co_await listener.accept(1s);
    result.accept = accepted ? Result<void>{} : Result<void>(fail(accepted.error()));
    // Taken once; a second accept() says closed.
    auto again = co_await listener.accept(100ms);
    CHECK_FALSE(again);
    if (!again) CHECK(again.error().code == "closed");
    co_return result;
  });
  CHECK_FALSE(out.dial);
  CHECK(out.accept);
}

TEST_CASE("Listener: no matching connection before the deadline is a timeout naming refusals") {
  const auto out = run<Result<tcp::socket>>([&]() -> awaitable<Result<tcp::socket>> {
    auto ex = co_await asio::this_coro::executor;
    s5b::ListenerOptions options;
    options.handshake_timeout = 50ms;
    auto listener = open_listener(ex, options);
    const auto port = listener.endpoints()[0].port();
    // A client that stops after its greeting: dropped after the handshake timeout.
    const std::string greeting = bytes({5, 1, 0});
    auto stalled = co_await raw_exchange(port, greeting, 1s);
    CHECK(stalled == k_method_ok);
    co_return co_await listener.accept(100ms);
  });
  REQUIRE_FALSE(out);
  CHECK(out.error().code == "timeout");
  CHECK(out.error().message.find("1 refused") != std::string::npos);
}
