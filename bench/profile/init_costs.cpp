// Start-up pieces of `xmpp` measured one by one: CPU time and resident-memory growth of Xerces
// and OpenSSL initialisation, trust stores and SCRAM's PBKDF2 (PROFILE.md, "start-up pieces").
//
//   g++ -O2 -std=c++20 bench/profile/init_costs.cpp -o /tmp/init_costs -lssl -lcrypto -lxerces-c
//   /tmp/init_costs CA_FILE
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <xercesc/util/PlatformUtils.hpp>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <string>

namespace {

double cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

long status_kib(const std::string& key) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind(key, 0) == 0) return std::stol(line.substr(key.size()));
  return -1;
}

/// Prints the CPU time and RSS growth of the scope it lives in.
class Step {
public:
  explicit Step(const char* name) : m_name(name), m_cpu(cpu_ms()), m_rss(status_kib("VmRSS:")) {}
  Step(const Step&) = delete;
  Step& operator=(const Step&) = delete;
  ~Step() {
    std::printf("%-44s cpu %7.3f ms  rss %+6ld KiB\n", m_name, cpu_ms() - m_cpu,
                status_kib("VmRSS:") - m_rss);
  }

private:
  const char* m_name;
  double m_cpu;
  long m_rss;
};

void pbkdf2(const char* name, const EVP_MD* md, int iterations) {
  unsigned char out[64];
  const unsigned char salt[] = "0123456789abcdef";
  Step s(name);
  PKCS5_PBKDF2_HMAC("password", 8, salt, 16, iterations, md, EVP_MD_get_size(md), out);
}

}  // namespace

int main(int argc, char** argv) {
  const char* ca = argc > 1 ? argv[1] : "/etc/ssl/certs/ca-certificates.crt";
  std::printf("at main: rss %ld KiB (the shared libraries mapped and relocated)\n",
              status_kib("VmRSS:"));
  { Step s("xercesc::XMLPlatformUtils::Initialize"); xercesc::XMLPlatformUtils::Initialize(); }
  { Step s("OPENSSL_init_ssl (reads openssl.cnf)"); OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG, nullptr); }
  SSL_CTX* ctx = nullptr;
  { Step s("SSL_CTX_new(TLS_client_method())"); ctx = SSL_CTX_new(TLS_client_method()); }
  { Step s("SSL_CTX_load_verify_locations(CA file)"); SSL_CTX_load_verify_locations(ctx, ca, nullptr); }
  SSL_CTX* system_default = SSL_CTX_new(TLS_client_method());
  { Step s("SSL_CTX_set_default_verify_paths (system)"); SSL_CTX_set_default_verify_paths(system_default); }
  SSL_CTX* system_dir = SSL_CTX_new(TLS_client_method());
  { Step s("SSL_CTX_load_verify_dir(/etc/ssl/certs)"); SSL_CTX_load_verify_dir(system_dir, "/etc/ssl/certs"); }
  pbkdf2("PBKDF2-HMAC-SHA1, 10000 iterations", EVP_sha1(), 10000);
  pbkdf2("PBKDF2-HMAC-SHA256, 10000 iterations", EVP_sha256(), 10000);
  pbkdf2("PBKDF2-HMAC-SHA512, 10000 iterations", EVP_sha512(), 10000);
  pbkdf2("PBKDF2-HMAC-SHA1, 4096 iterations", EVP_sha1(), 4096);
  std::printf("end: rss %ld KiB, peak %ld KiB\n", status_kib("VmRSS:"), status_kib("VmHWM:"));
  SSL_CTX_free(system_dir);
  SSL_CTX_free(system_default);
  SSL_CTX_free(ctx);
}
