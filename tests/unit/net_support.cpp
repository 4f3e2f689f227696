#include "net_support.hpp"

#include <doctest/doctest.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <fstream>
#include <stdexcept>

#include "core/random.hpp"

namespace xmpp::test {

void run_with_deadline(std::function<awaitable<void>()> main, std::chrono::milliseconds deadline) {
  asio::io_context io;
  bool finished = false;
  std::exception_ptr failure;
  asio::co_spawn(io, main(), [&](std::exception_ptr e) {
    finished = true;
    failure = e;
    io.stop();
  });
  io.run_for(deadline);
  REQUIRE_MESSAGE(finished, "async test did not finish within its deadline");
  if (failure) std::rethrow_exception(failure);
}

namespace {

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) throw std::runtime_error("bad extension " + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

}  // namespace

std::string Cert::der() const {
  unsigned char* buf = nullptr;
  const int len = i2d_X509(x509.get(), &buf);
  std::string out(reinterpret_cast<char*>(buf), static_cast<std::size_t>(len));
  OPENSSL_free(buf);
  return out;
}

std::string Cert::pem() const {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_X509(bio.get(), x509.get());
  return bio_text(bio.get());
}

std::string Cert::key_pem() const {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  return bio_text(bio.get());
}

Cert make_cert(const CertSpec& spec, const Cert* issuer) {
  Cert cert;
  cert.key.reset(EVP_EC_gen("P-256"));
  cert.x509.reset(X509_new());
  X509* x = cert.x509.get();
  X509_set_version(x, 2);
  const std::string serial = random_bytes(8);
  BIGNUM* bn = BN_bin2bn(reinterpret_cast<const unsigned char*>(serial.data()), 8, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(x), spec.not_before_seconds);
  X509_gmtime_adj(X509_getm_notAfter(x), spec.not_after_seconds);
  X509_set_pubkey(x, cert.key.get());
  X509_NAME* name = X509_get_subject_name(x);
  if (!spec.common_name.empty())
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1,
                               -1, 0);
  X509* signer_cert = issuer ? issuer->x509.get() : x;
  X509_set_issuer_name(x, X509_get_subject_name(signer_cert));
  add_ext(x, signer_cert, NID_subject_key_identifier, "hash");
  if (issuer) add_ext(x, signer_cert, NID_authority_key_identifier, "keyid:always");
  if (spec.ca) {
    add_ext(x, signer_cert, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(x, signer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_ext(x, signer_cert, NID_basic_constraints, "CA:FALSE");
    add_ext(x, signer_cert, NID_ext_key_usage, spec.extended_key_usage);
  }
  if (!spec.subject_alt_name.empty())
    add_ext(x, signer_cert, NID_subject_alt_name, spec.subject_alt_name);
  EVP_PKEY* signer_key = issuer ? issuer->key.get() : cert.key.get();
  if (X509_sign(x, signer_key, spec.digest ? spec.digest : EVP_sha256()) <= 0)
    throw std::runtime_error("X509_sign failed");
  return cert;
}

TempDir::TempDir() {
  m_path = std::filesystem::temp_directory_path() / ("xmpp-net-test-" + random_id());
  std::filesystem::create_directories(m_path);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(m_path, ec);
}

std::string TempDir::write(const std::string& name, const std::string& content) const {
  const auto file = m_path / name;
  std::ofstream(file, std::ios::binary) << content;
  return file.string();
}

std::shared_ptr<asio::ssl::context> server_context(const Cert& leaf,
                                                   const std::vector<const Cert*>& chain) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX_use_certificate(ctx->native_handle(), leaf.x509.get());
  SSL_CTX_use_PrivateKey(ctx->native_handle(), leaf.key.get());
  for (const Cert* c : chain) {
    X509_up_ref(c->x509.get());
    SSL_CTX_add1_chain_cert(ctx->native_handle(), c->x509.get());
    X509_free(c->x509.get());
  }
  return ctx;
}

TestPki::TestPki(const TempDir& dir, const std::string& domain)
    : ca(make_cert(CertSpec{"Test CA", "", -3600, 30L * 86400, true, nullptr})),
      leaf(make_cert(CertSpec{domain, "DNS:" + domain, -3600, 30L * 86400, false, nullptr}, &ca)),
      ca_file(dir.write("ca.pem", ca.pem())) {}

// ---- DNS stub ----

namespace {

constexpr std::uint16_t k_a = 1;
constexpr std::uint16_t k_srv = 33;

void put16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}

void put_name(std::string& out, const std::string& name) {
  std::size_t start = 0;
  while (start < name.size()) {
    std::size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    if (dot > start) {
      out.push_back(static_cast<char>(dot - start));
      out.append(name, start, dot - start);
    }
    start = dot + 1;
  }
  out.push_back('\0');
}

std::string lower(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

DnsStub::DnsStub(asio::any_io_executor executor)
    : m_socket(executor, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {}

std::string DnsStub::address() const {
  return "127.0.0.1:" + std::to_string(m_socket.local_endpoint().port());
}

void DnsStub::srv(const std::string& name, std::vector<StubSrv> records) {
  m_srv[lower(name)] = std::move(records);
}
void DnsStub::a(const std::string& name, std::vector<std::string> addresses) {
  m_a[lower(name)] = std::move(addresses);
}
void DnsStub::behave(const std::string& name, Behaviour behaviour) {
  m_behaviour[lower(name)] = behaviour;
}

awaitable<void> DnsStub::run() {
  char buf[1500];
  for (;;) {
    asio::ip::udp::endpoint from;
    boost::system::error_code ec;
    const std::size_t n = co_await m_socket.async_receive_from(
        asio::buffer(buf), from, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    ++m_queries;
    const std::string reply = respond(std::string(buf, n));
    if (!reply.empty())
      co_await m_socket.async_send_to(asio::buffer(reply), from,
                                      asio::redirect_error(asio::use_awaitable, ec));
  }
}

// RFC 1035 §4.1: copy the id and the question, answer from the table.
std::string DnsStub::respond(const std::string& query) {
  if (query.size() < 12) return {};
  std::size_t pos = 12;
  std::string name;
  while (pos < query.size() && query[pos] != 0) {
    const auto len = static_cast<unsigned char>(query[pos]);
    if (pos + 1 + len > query.size()) return {};
    if (!name.empty()) name += '.';
    name.append(query, pos + 1, len);
    pos += 1 + len;
  }
  if (pos + 5 > query.size()) return {};
  const std::size_t question_end = pos + 5;
  const auto qtype = static_cast<std::uint16_t>((static_cast<unsigned char>(query[pos + 1]) << 8) |
                                                static_cast<unsigned char>(query[pos + 2]));
  name = lower(name);

  Behaviour behaviour = m_all;
  if (auto it = m_behaviour.find(name); it != m_behaviour.end()) behaviour = it->second;
  if (behaviour == Behaviour::drop) return {};

  int rcode = 0;
  std::vector<std::string> answers;  // RDATA of each record
  const bool known = m_srv.count(name) != 0 || m_a.count(name) != 0;
  if (behaviour == Behaviour::servfail) {
    rcode = 2;
  } else if (!known) {
    rcode = 3;  // NXDOMAIN
  } else if (qtype == k_srv && m_srv.count(name)) {
    for (const auto& r : m_srv[name]) {
      std::string rdata;
      put16(rdata, r.priority);
      put16(rdata, r.weight);
      put16(rdata, r.port);
      put_name(rdata, r.target == "." ? "" : r.target);
      answers.push_back(rdata);
    }
  } else if (qtype == k_a && m_a.count(name)) {
    for (const auto& text : m_a[name]) {
      const auto bytes = asio::ip::make_address_v4(text).to_bytes();
      answers.emplace_back(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    }
  }

  std::string out;
  out.append(query, 0, 2);  // id
  const auto rd = static_cast<unsigned char>(query[2]) & 0x01;
  out.push_back(static_cast<char>(0x84 | rd));     // QR, AA, RD copied
  out.push_back(static_cast<char>(0x80 | rcode));  // RA, RCODE
  put16(out, 1);
  put16(out, static_cast<std::uint16_t>(answers.size()));
  put16(out, 0);
  put16(out, 0);
  out.append(query, 12, question_end - 12);
  for (const auto& rdata : answers) {
    put16(out, 0xC00C);  // pointer to the question name
    put16(out, qtype);
    put16(out, 1);  // IN
    put16(out, 0);
    put16(out, 60);  // TTL
    put16(out, static_cast<std::uint16_t>(rdata.size()));
    out += rdata;
  }
  return out;
}

}  // namespace xmpp::test
