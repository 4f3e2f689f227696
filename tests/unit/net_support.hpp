// Test support for unit_net: a deadline runner, certificates made with OpenSSL, a loopback TLS
// server context, and a stub DNS server on 127.0.0.1 (RFC 1035 §4.1 messages, RFC 2782 SRV).
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "net/asio.hpp"

#include <boost/asio/ssl.hpp>
#include <openssl/evp.h>
#include <openssl/x509.h>

namespace xmpp::test {

/// Runs `main` on a fresh io_context; fails the test if it has not finished after `deadline`.
/// Other coroutines spawned on the context (servers) are abandoned when `main` ends.
void run_with_deadline(std::function<awaitable<void>()> main,
                       std::chrono::milliseconds deadline = std::chrono::seconds(20));

// ---- certificates ----

struct KeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

struct CertSpec {
  std::string common_name;
  /// subjectAltName in OpenSSL config syntax, e.g. "DNS:example.org,
  /// otherName:1.3.6.1.5.5.7.8.5;UTF8:example.org"; empty for none.
  std::string subject_alt_name;
  long not_before_seconds = -3600;  ///< relative to now
  long not_after_seconds = 30L * 86400;
  bool ca = false;
  const EVP_MD* digest = nullptr;                 ///< signature hash; SHA-256 when null
  std::string extended_key_usage = "serverAuth";  ///< for non-CA certificates
};

struct Cert {
  X509Ptr x509;
  KeyPtr key;
  std::string der() const;
  std::string pem() const;
  std::string key_pem() const;
};

/// A P-256 certificate signed by `issuer`, or self-signed when `issuer` is null.
Cert make_cert(const CertSpec& spec, const Cert* issuer = nullptr);

/// A temporary directory removed at destruction; write() returns the file's path.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  std::string write(const std::string& name, const std::string& content) const;
  const std::filesystem::path& path() const { return m_path; }

 private:
  std::filesystem::path m_path;
};

/// A TLS server context presenting `leaf` (and `chain` certificates after it).
std::shared_ptr<asio::ssl::context> server_context(const Cert& leaf,
                                                   const std::vector<const Cert*>& chain = {});

/// A CA and a leaf for "example.test" (DNS-ID), written to `dir` as ca.pem.
struct TestPki {
  explicit TestPki(const TempDir& dir, const std::string& domain = "example.test");
  Cert ca;
  Cert leaf;
  std::string ca_file;
};

// ---- DNS ----

/// An SRV answer record for the stub.
struct StubSrv {
  std::uint16_t priority = 0;
  std::uint16_t weight = 0;
  std::uint16_t port = 0;
  std::string target;  ///< "." for the root
};

/// A UDP DNS server on 127.0.0.1 answering from a table. Unknown names are NXDOMAIN; a known name
/// asked for a type it lacks gets an empty NOERROR answer (NODATA).
class DnsStub {
 public:
  enum class Behaviour { answer, servfail, drop };

  explicit DnsStub(asio::any_io_executor executor);
  /// "127.0.0.1:PORT", for ConnectOptions::dns_server.
  std::string address() const;
  void srv(const std::string& name, std::vector<StubSrv> records);
  void a(const std::string& name, std::vector<std::string> addresses);
  /// Applies to every question about `name` (servfail, or never answer).
  void behave(const std::string& name, Behaviour behaviour);
  /// Applies to every question.
  void behave_all(Behaviour behaviour) { m_all = behaviour; }
  int queries() const { return m_queries; }
  /// The server loop; spawn it detached.
  awaitable<void> run();

 private:
  std::string respond(const std::string& query);
  asio::ip::udp::socket m_socket;
  std::map<std::string, std::vector<StubSrv>> m_srv;
  std::map<std::string, std::vector<std::string>> m_a;
  std::map<std::string, Behaviour> m_behaviour;
  Behaviour m_all = Behaviour::answer;
  int m_queries = 0;
};

}  // namespace xmpp::test
