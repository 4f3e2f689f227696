#include "harness.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

#include "core/base64.hpp"
#include "xml/writer.hpp"

namespace xmpp::test {

// ---- FakeTransport -----------------------------------------------------------------------------

FakeTransport::FakeTransport(std::shared_ptr<Pipe> pipe, bool direct_tls)
    : m_pipe(std::move(pipe)) {
  if (direct_tls) activate_tls();
}

void FakeTransport::activate_tls() {
  m_tls.active = true;
  m_tls.verified = true;
  m_tls.version = "TLSv1.3";
  m_tls.cipher = "TLS_AES_128_GCM_SHA256";
  if (m_pipe->tls_bindings) {
    m_tls.exporter = k_fake_exporter;
    m_tls.server_end_point = k_fake_end_point;
  }
}

awaitable<Result<std::size_t>> FakeTransport::read_some(char* buffer, std::size_t size) {
  auto pipe = m_pipe;
  const std::uint64_t generation = m_cancel_generation;
  for (;;) {
    if (m_cancel_generation != generation || m_shut)
      co_return fail(ErrorKind::temporary, "cancelled", "", "operation cancelled");
    if (!pipe->to_client.empty()) break;
    if (pipe->server_closed) co_return std::size_t{0};
    co_await pipe->client_readable.wait();
  }
  const std::size_t n = std::min(size, pipe->to_client.size());
  pipe->to_client.copy(buffer, n);
  pipe->to_client.erase(0, n);
  co_return n;
}

awaitable<Result<void>> FakeTransport::write(std::string data) {
  if (m_shut) co_return fail(ErrorKind::temporary, "closed", "", "transport is shut down");
  m_pipe->to_server += data;
  m_pipe->server_readable.notify_all();
  co_return Result<void>{};
}

awaitable<Result<void>> FakeTransport::start_tls() {
  ++m_pipe->start_tls_calls;
  if (m_pipe->fail_tls)
    co_return fail(ErrorKind::no_perm, "certificate", "", "certificate not trusted (fake)");
  activate_tls();
  co_return Result<void>{};
}

void FakeTransport::cancel() {
  ++m_cancel_generation;
  ++m_pipe->cancels;
  m_pipe->client_readable.notify_all();
}

awaitable<void> FakeTransport::shutdown() {
  m_shut = true;
  m_pipe->client_closed = true;
  m_pipe->server_readable.notify_all();
  m_pipe->client_readable.notify_all();
  co_return;
}

// ---- XML helpers -------------------------------------------------------------------------------

xml::Element parse_xml(std::string_view text) {
  xml::StreamParser parser(xml::Limits{});
  std::string stream =
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
      "version='1.0'>";
  stream += text;
  if (!parser.feed(stream)) throw std::runtime_error("bad test XML: " + std::string(text));
  auto header = parser.next();
  auto event = parser.next();
  if (!header || !*header || !event || !*event || (*event)->kind != xml::StreamEvent::Kind::element)
    throw std::runtime_error("bad test XML: " + std::string(text));
  return *(*event)->element;
}

namespace {

std::string text_of(const xml::Element& e) {
  try {
    return xml::to_string(e, "jabber:client");
  } catch (const std::exception&) {
    return "<" + e.name() + "...>";
  }
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

}  // namespace

bool matches(const xml::Element& pattern, const xml::Element& actual, std::string& why) {
  if (pattern.name() != actual.name() || pattern.ns() != actual.ns()) {
    why = "expected <" + pattern.name() + " xmlns='" + pattern.ns() + "'>, got <" + actual.name() +
          " xmlns='" + actual.ns() + "'>";
    return false;
  }
  for (const auto& a : pattern.attributes()) {
    const auto value = actual.attr_ns(a.ns, a.name);
    if (!value) {
      why = "attribute '" + a.name + "' missing on <" + actual.name() + ">";
      return false;
    }
    if (a.value != "*" && *value != a.value) {
      why = "attribute '" + a.name + "' is '" + *value + "', expected '" + a.value + "'";
      return false;
    }
  }
  const std::string want = trim(pattern.text());
  if (!want.empty()) {
    const std::string got = trim(actual.text());
    if (want == "*" ? got.empty() : got != want) {
      why = "text of <" + actual.name() + "> is '" + got + "', expected '" + want + "'";
      return false;
    }
  }
  const auto have = actual.elements();
  std::size_t next = 0;
  for (const xml::Element* p : pattern.elements()) {
    bool found = false;
    std::string inner;
    while (next < have.size()) {
      if (matches(*p, *have[next++], inner)) {
        found = true;
        break;
      }
    }
    if (!found) {
      why = "no child of <" + actual.name() + "> matches <" + p->name() + " xmlns='" + p->ns() +
            "'>" + (inner.empty() ? "" : " (" + inner + ")");
      return false;
    }
  }
  return true;
}

// ---- Peer --------------------------------------------------------------------------------------

void Peer::send(std::string_view bytes) {
  m_pipe->to_client += bytes;
  m_pipe->client_readable.notify_all();
}

void Peer::close() {
  m_pipe->server_closed = true;
  m_pipe->client_readable.notify_all();
}

void Peer::restart() {
  m_parser.reset();
}

void Peer::fail_script(const std::string& what) const {
  std::string message = "peer: " + what + "\nclient sent so far:";
  for (const auto& line : m_transcript)
    message += "\n  " + line;
  throw std::runtime_error(message);
}

awaitable<xml::StreamEvent> Peer::next_event() {
  for (;;) {
    auto ev = m_parser.next();
    if (!ev) fail_script("client sent bad XML: " + ev.error().message);
    if (*ev) co_return std::move(**ev);
    while (m_pipe->to_server.empty()) {
      if (m_pipe->client_closed) fail_script("client closed the connection");
      co_await m_pipe->server_readable.wait();
    }
    std::string bytes;
    bytes.swap(m_pipe->to_server);
    if (auto fed = m_parser.feed(bytes); !fed)
      fail_script("client sent bad XML: " + fed.error().message);
  }
}

awaitable<xml::StreamHeader> Peer::expect_header() {
  auto ev = co_await next_event();
  if (ev.kind != xml::StreamEvent::Kind::header) fail_script("expected the client's stream header");
  m_transcript.push_back("<stream:stream to='" + ev.header.to + "' version='" + ev.header.version +
                         "'>");
  co_return ev.header;
}

awaitable<xml::Element> Peer::expect(std::string pattern) {
  const xml::Element want = parse_xml(pattern);
  auto ev = co_await next_event();
  if (ev.kind == xml::StreamEvent::Kind::end) {
    m_transcript.push_back("</stream:stream>");
    fail_script("expected " + pattern + ", got </stream:stream>");
  }
  if (ev.kind != xml::StreamEvent::Kind::element)
    fail_script("expected " + pattern + ", got a stream header");
  m_transcript.push_back(text_of(*ev.element));
  std::string why;
  if (!matches(want, *ev.element, why)) fail_script("expected " + pattern + ": " + why);
  co_return std::move(*ev.element);
}

awaitable<std::optional<xml::Element>> Peer::next() {
  auto ev = co_await next_event();
  if (ev.kind == xml::StreamEvent::Kind::end) {
    m_transcript.push_back("</stream:stream>");
    co_return std::nullopt;
  }
  if (ev.kind != xml::StreamEvent::Kind::element) fail_script("got a stream header mid-stream");
  m_transcript.push_back(text_of(*ev.element));
  co_return std::move(*ev.element);
}

awaitable<void> Peer::expect_end() {
  auto ev = co_await next_event();
  if (ev.kind != xml::StreamEvent::Kind::end)
    fail_script("expected </stream:stream>, got " +
                (ev.element ? text_of(*ev.element) : std::string("a header")));
  m_transcript.push_back("</stream:stream>");
}

awaitable<void> Peer::expect_shutdown() {
  while (!m_pipe->client_closed) {
    if (!m_pipe->to_server.empty()) {
      fail_script("expected the client to close the connection, got bytes: " + m_pipe->to_server);
    }
    co_await m_pipe->server_readable.wait();
  }
  if (!m_pipe->to_server.empty())
    fail_script("client sent bytes before closing: " + m_pipe->to_server);
}

std::string Peer::header(std::string id) {
  return "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
         "xmlns:stream='http://etherx.jabber.org/streams' id='" +
         id + "' from='example.test' version='1.0' xml:lang='en'>";
}

awaitable<xml::StreamHeader> Peer::open(std::string features) {
  auto h = co_await expect_header();
  if (h.to != "example.test") fail_script("stream header to='" + h.to + "', expected example.test");
  if (h.version != "1.0") fail_script("stream header version='" + h.version + "'");
  send(header() + features);
  co_return h;
}

awaitable<void> Peer::login(LoginScript script) {
  if (script.starttls) {
    co_await open("<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/>"
                  "</starttls></stream:features>");
    co_await expect("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    send("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    restart();
  }
  co_await open("<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
                "<mechanism>PLAIN</mechanism></mechanisms></stream:features>");
  auto auth =
      co_await expect("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>*</auth>");
  if (base64_decode(auth.text()) != std::string("\0alice\0", 7) + script.password)
    fail_script("PLAIN payload does not carry alice's password");
  send("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
  restart();
  co_await open(std::string("<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>") +
                (script.sm ? "<sm xmlns='urn:xmpp:sm:3'/>" : "") + "</stream:features>");
  auto bind = co_await expect(
      "<iq type='set' id='*'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
  send("<iq type='result' id='" + *bind.attr("id") +
       "'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>" + script.bound +
       "</jid></bind></iq>");
  if (script.sm) {
    co_await expect("<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
    send(script.sm_resume ? "<enabled xmlns='urn:xmpp:sm:3' id='sm-1' resume='true'/>"
                          : "<enabled xmlns='urn:xmpp:sm:3'/>");
  }
}

// ---- Scenario ----------------------------------------------------------------------------------

Scenario::Scenario() {
  options.jid = Jid::parse("alice@example.test").value();
  options.password = "secret";
  options.step_timeout = std::chrono::milliseconds(2000);
}

void Scenario::run(std::function<awaitable<void>()> client, std::function<awaitable<void>()> server,
                   std::chrono::milliseconds deadline) {
  bool client_done = false, server_done = false;
  std::exception_ptr client_error, server_error;
  asio::co_spawn(io, client(), [&](std::exception_ptr e) {
    client_done = true;
    client_error = e;
  });
  asio::co_spawn(io, server(), [&](std::exception_ptr e) {
    server_done = true;
    server_error = e;
  });
  const auto start = std::chrono::steady_clock::now();
  io.run_for(deadline);
  const auto took = std::chrono::steady_clock::now() - start;
  auto describe = [](std::exception_ptr e) -> std::string {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      return ex.what();
    } catch (...) {
      return "unknown exception";
    }
  };
  if (server_error) FAIL("server script: " << describe(server_error));
  if (client_error) FAIL("client: " << describe(client_error));
  REQUIRE_MESSAGE(client_done, "client did not finish within the deadline");
  REQUIRE_MESSAGE(server_done, "server script did not finish within the deadline");
  // Both finished and the io_context ran out of work: no coroutine was left waiting forever.
  CHECK_MESSAGE(took < deadline,
                "work was left pending after the test (a coroutine never finished)");
}

// ---- ScramServer -------------------------------------------------------------------------------

namespace {

std::string hmac_sha1(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string sha1(const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_sha1(), nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string attribute(const std::string& message, char name) {
  const std::string key = std::string(1, name) + "=";
  std::size_t pos = 0;
  while (pos <= message.size()) {
    const auto end = message.find(',', pos);
    const std::string part =
        message.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    if (part.rfind(key, 0) == 0) return part.substr(2);
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  throw std::runtime_error("SCRAM message without " + key + ": " + message);
}

}  // namespace

ScramServer::ScramServer(std::string password, std::string salt, unsigned iterations,
                         std::string server_nonce, std::string binding_data)
    : m_password(std::move(password)), m_salt(std::move(salt)),
      m_server_nonce(std::move(server_nonce)), m_binding_data(std::move(binding_data)),
      m_iterations(iterations) {}

std::string ScramServer::first(const std::string& client_first) {
  // gs2-header = cbind-flag "," [authzid] ","
  const auto comma1 = client_first.find(',');
  const auto comma2 = client_first.find(',', comma1 + 1);
  if (comma1 == std::string::npos || comma2 == std::string::npos)
    throw std::runtime_error("bad client-first: " + client_first);
  m_gs2_header = client_first.substr(0, comma2 + 1);
  m_client_first_bare = client_first.substr(comma2 + 1);
  m_nonce = attribute(m_client_first_bare, 'r') + m_server_nonce;
  m_server_first =
      "r=" + m_nonce + ",s=" + base64_encode(m_salt) + ",i=" + std::to_string(m_iterations);
  return m_server_first;
}

std::string ScramServer::final(const std::string& client_final) {
  const auto proof_at = client_final.rfind(",p=");
  if (proof_at == std::string::npos) throw std::runtime_error("client-final without proof");
  const std::string without_proof = client_final.substr(0, proof_at);
  const std::string expected_c =
      base64_encode(m_gs2_header + (m_gs2_header[0] == 'p' ? m_binding_data : std::string()));
  if (attribute(without_proof, 'c') != expected_c)
    throw std::runtime_error("channel binding mismatch: c=" + attribute(without_proof, 'c'));
  if (attribute(without_proof, 'r') != m_nonce) throw std::runtime_error("nonce mismatch");
  unsigned char salted[EVP_MAX_MD_SIZE];
  PKCS5_PBKDF2_HMAC(m_password.data(), static_cast<int>(m_password.size()),
                    reinterpret_cast<const unsigned char*>(m_salt.data()),
                    static_cast<int>(m_salt.size()), static_cast<int>(m_iterations), EVP_sha1(), 20,
                    salted);
  const std::string salted_password(reinterpret_cast<char*>(salted), 20);
  const std::string auth_message = m_client_first_bare + "," + m_server_first + "," + without_proof;
  const std::string client_key = hmac_sha1(salted_password, "Client Key");
  const std::string signature = hmac_sha1(sha1(client_key), auth_message);
  std::string proof = client_key;
  for (std::size_t i = 0; i < proof.size(); ++i)
    proof[i] = static_cast<char>(proof[i] ^ signature[i]);
  if (client_final.substr(proof_at + 3) != base64_encode(proof))
    throw std::runtime_error("wrong client proof");
  return "v=" + base64_encode(hmac_sha1(hmac_sha1(salted_password, "Server Key"), auth_message));
}

awaitable<void> reauthenticate(Peer& peer) {
  co_await peer.open(
      "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>");
  co_await peer.expect("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  peer.send("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  peer.restart();
  co_await peer.open("<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
                     "<mechanism>PLAIN</mechanism></mechanisms></stream:features>");
  co_await peer.expect("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>*</auth>");
  peer.send("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
  peer.restart();
  co_await peer.open("<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
                     "<sm xmlns='urn:xmpp:sm:3'/></stream:features>");
}

awaitable<std::unique_ptr<stream::Session>> open_session(Scenario& t) {
  auto s = co_await stream::Session::open_on(t.transport(), false, t.options);
  REQUIRE_MESSAGE(s, (s ? "" : s.error().message));
  co_return std::move(*s);
}

awaitable<void> clean_close(Peer& peer) {
  co_await peer.expect_end();
  peer.send("</stream:stream>");
  co_await peer.expect_shutdown();
}

LoginScript without_sm() {
  LoginScript script;
  script.sm = false;
  return script;
}

awaitable<void> login_without_sm(Peer& peer) {
  co_await peer.login(without_sm());
}

std::string id_of(const xml::Element& stanza) {
  return stanza.attr("id").value_or("");
}

}  // namespace xmpp::test
