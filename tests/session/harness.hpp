// Session test harness: an in-memory Transport (two byte queues) and a scripted server peer, so
// each test reads like a transcript ("client sends X", "server sends Y") and runs the real session
// driver under a deadline (STYLE.md "Tests": no sockets, no sleeps, nothing hangs).
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/asio.hpp"
#include "net/transport.hpp"
#include "stream/session.hpp"
#include "stream/signal.hpp"
#include "xml/element.hpp"
#include "xml/stream_parser.hpp"

namespace xmpp::test {

/// The fake channel-binding bytes the in-memory TLS "negotiates".
inline const std::string k_fake_exporter(32, '\x11');
inline const std::string k_fake_end_point(32, '\x22');

/// Both directions of one connection, shared by the client's transport and the peer.
struct Pipe {
  std::string to_server;
  std::string to_client;
  bool client_closed = false;  ///< the client shut its transport down
  bool server_closed = false;  ///< the server closed: the client reads EOF
  stream::Signal server_readable;
  stream::Signal client_readable;

  // TLS behaviour of start_tls().
  bool fail_tls = false;     ///< start_tls() fails with kind no_perm
  bool tls_bindings = true;  ///< fill in channel-binding data
  int start_tls_calls = 0;
  int cancels = 0;
};

/// The client side of a Pipe. start_tls() flips TlsInfo to active/verified (TLS 1.3, fixed
/// binding data) or fails on demand; cancel() aborts a pending read.
class FakeTransport : public net::Transport {
 public:
  explicit FakeTransport(std::shared_ptr<Pipe> pipe, bool direct_tls = false);
  awaitable<Result<std::size_t>> read_some(char* buffer, std::size_t size) override;
  awaitable<Result<void>> write(std::string data) override;
  awaitable<Result<void>> start_tls() override;
  const net::TlsInfo& tls() const override { return m_tls; }
  void cancel() override;
  awaitable<void> shutdown() override;
  std::string peer() const override { return "fake:5222"; }

 private:
  void activate_tls();
  std::shared_ptr<Pipe> m_pipe;
  net::TlsInfo m_tls;
  std::uint64_t m_cancel_generation = 0;
  bool m_shut = false;
};

/// Parses one top-level element written as inside a c2s stream (default ns jabber:client,
/// prefix stream: bound).
xml::Element parse_xml(std::string_view text);

/// `actual` matches `pattern` when the names and namespaces agree, every pattern attribute is
/// present with the same value ('*' = any value), the pattern's text (if any) equals the actual
/// text ('*' = any non-empty), and the pattern's child elements match actual children in order
/// (extra actual children are allowed). `why` says what differed.
bool matches(const xml::Element& pattern, const xml::Element& actual, std::string& why);

/// How Peer::login negotiates.
struct LoginScript {
  bool starttls = true;   ///< offer and perform STARTTLS (false: the transport is direct TLS)
  bool sm = true;         ///< offer XEP-0198
  bool sm_resume = true;  ///< grant resumption
  std::string bound = "alice@example.test/res1";
  std::string password = "secret";
};

/// The scripted server. Every expect* throws std::runtime_error when the client did something
/// else, which fails the test with the transcript so far.
class Peer {
 public:
  explicit Peer(std::shared_ptr<Pipe> pipe) : m_pipe(std::move(pipe)), m_parser(xml::Limits{}) {}

  /// Server -> client bytes.
  void send(std::string_view bytes);
  /// The server closes the connection: the client reads EOF.
  void close();
  /// Stream restart (after <proceed/> and <success/>): the client's next bytes are a new header.
  void restart();

  awaitable<xml::StreamHeader> expect_header();
  /// The next element the client sends must match `pattern` (see matches()); returns it.
  awaitable<xml::Element> expect(std::string pattern);
  /// The next element the client sends, whatever it is; nullopt for its </stream:stream>.
  awaitable<std::optional<xml::Element>> next();
  /// The client's </stream:stream>.
  awaitable<void> expect_end();
  /// The client shut its transport down and sent nothing more.
  awaitable<void> expect_shutdown();

  /// The server's stream header, then `features`.
  static std::string header(std::string id = "s1");
  /// expect_header(), then send header() + features.
  awaitable<xml::StreamHeader> open(std::string features);
  /// A whole PLAIN login: STARTTLS, SASL PLAIN (checking the password), bind, optionally SM.
  awaitable<void> login(LoginScript script);
  /// login() with the defaults. (No default arguments on coroutines: GCC 12 destroys a defaulted
  /// temporary parameter twice.)
  awaitable<void> login() { return login(LoginScript{}); }

  /// Everything the client sent, element by element, as text (for failure messages).
  const std::vector<std::string>& transcript() const { return m_transcript; }

 private:
  awaitable<xml::StreamEvent> next_event();
  [[noreturn]] void fail_script(const std::string& what) const;

  std::shared_ptr<Pipe> m_pipe;
  xml::StreamParser m_parser;
  std::vector<std::string> m_transcript;
};

/// A second connection's server side (a reconnect): STARTTLS, SASL PLAIN, then the
/// post-authentication features offering bind and XEP-0198, where the client resumes or binds.
awaitable<void> reauthenticate(Peer& peer);

/// One test: an io_context, a pipe, a peer, default options (alice@example.test, password
/// "secret", short step timeout).
struct Scenario {
  Scenario();
  asio::io_context io;
  std::shared_ptr<Pipe> pipe = std::make_shared<Pipe>();
  Peer peer{pipe};
  stream::SessionOptions options;

  std::unique_ptr<net::Transport> transport(bool direct_tls = false) {
    return std::make_unique<FakeTransport>(pipe, direct_tls);
  }

  /// Runs the client and the server script concurrently until both finish and no work is left,
  /// at most `deadline`; fails the test when either did not finish or threw.
  void run(std::function<awaitable<void>()> client, std::function<awaitable<void>()> server,
           std::chrono::milliseconds deadline = std::chrono::milliseconds(5000));
};

/// The client side of a scenario: Session::open_on over the scenario's transport (STARTTLS), which
/// must succeed.
awaitable<std::unique_ptr<stream::Session>> open_session(Scenario& t);

/// The server side of a graceful close: our </stream:stream> is answered and the transport shut.
awaitable<void> clean_close(Peer& peer);

/// A login that offers no XEP-0198, so nothing but stanzas follows it: what the request and
/// response tests of the XEP operations want.
LoginScript without_sm();
/// The server side of a login without XEP-0198 (without_sm()).
awaitable<void> login_without_sm(Peer& peer);

/// A stanza's 'id' ("" when it has none), to answer it.
std::string id_of(const xml::Element& stanza);

/// RFC 5802 server side for tests: checks the client's messages and computes server-first and
/// server-final with a fixed salt, iteration count and server nonce.
class ScramServer {
 public:
  ScramServer(std::string password, std::string salt, unsigned iterations, std::string server_nonce,
              std::string binding_data = {});
  /// client-first -> server-first.
  std::string first(const std::string& client_first);
  /// client-final -> server-final ("v=..."); throws when the proof or channel binding is wrong.
  std::string final(const std::string& client_final);

 private:
  std::string m_password, m_salt, m_server_nonce, m_binding_data;
  unsigned m_iterations;
  std::string m_gs2_header, m_client_first_bare, m_server_first, m_nonce;
};

}  // namespace xmpp::test
