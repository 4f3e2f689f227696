// SECURITY.md rows 2 and 3: nothing is ever fetched. A canary TCP listener on 127.0.0.1 (random
// port) named in DOCTYPE SYSTEM ids, external entities and xsi:schemaLocation must see no
// connection; the open/connect interposer must count no call; /proc/self/fd must not change.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

#include "xml/parser.hpp"
#include "xml_harness.hpp"
#include "xml_interpose.hpp"

using namespace xml_test;
using namespace xmpp::xml;

namespace {

// Accepts and closes every connection, counting them, until destroyed.
class Canary {
 public:
  Canary() {
    m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(m_fd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    REQUIRE(::bind(m_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(m_fd, 16) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(m_fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    m_port = ntohs(a.sin_port);
    m_thread = std::thread([this] {
      while (!m_stop) {
        pollfd p{m_fd, POLLIN, 0};
        if (::poll(&p, 1, 20) > 0) {
          const int c = ::accept(m_fd, nullptr, nullptr);
          if (c >= 0) {
            ++m_connections;
            ::close(c);
          }
        }
      }
    });
  }
  ~Canary() {
    m_stop = true;
    m_thread.join();
    ::close(m_fd);
  }
  Canary(const Canary&) = delete;
  Canary& operator=(const Canary&) = delete;

  unsigned short port() const { return m_port; }
  std::string url(const char* path) const {
    return "http://127.0.0.1:" + std::to_string(m_port) + path;
  }
  // Connections seen so far; a connect() from this process is queued before it returns, so a
  // short bounded wait for the accept loop to drain the backlog is enough.
  int connections() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
    pollfd p{m_fd, POLLIN, 0};
    while (std::chrono::steady_clock::now() < deadline && ::poll(&p, 1, 0) > 0)
      std::this_thread::yield();
    return m_connections.load();
  }

 private:
  int m_fd = -1;
  unsigned short m_port = 0;
  std::atomic<bool> m_stop{false};
  std::atomic<int> m_connections{0};
  std::thread m_thread;
};

std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd"))
    ++n;
  return n;
}

struct Probe {
  Canary canary;
  std::string file;
  std::size_t fds_before = 0;

  Probe() {
    file = (std::filesystem::temp_directory_path() /
            ("xmpp-xml-canary-" + std::to_string(::getpid()) + ".dtd"))
               .string();
    std::FILE* f = std::fopen(file.c_str(), "w");
    REQUIRE(f);
    std::fputs("<!ENTITY leak 'LEAKED'>", f);
    std::fclose(f);
    fds_before = open_fds();
    interpose_clear();
    interpose_arm(true);
  }
  ~Probe() {
    interpose_arm(false);
    std::filesystem::remove(file);
  }
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;

  void check_untouched() {
    interpose_arm(false);
    CHECK(interposed_opens() == 0);
    CHECK(interposed_connects() == 0);
    CHECK(canary.connections() == 0);
    CHECK(open_fds() == fds_before);
  }
};

}  // namespace

TEST_CASE("isolation probes detect what they claim to detect") {
  Probe probe;
  std::FILE* f = std::fopen(probe.file.c_str(), "r");
  REQUIRE(f);
  std::fclose(f);
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(probe.canary.port());
  CHECK(::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  ::close(s);
  interpose_arm(false);
  CHECK(interposed_opens() >= 1);
  CHECK(interposed_connects() == 1);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (probe.canary.connections() == 0 && std::chrono::steady_clock::now() < deadline) {
  }
  CHECK(probe.canary.connections() == 1);
}

TEST_CASE("row 2 cve_2017_12627 cve_2018_1311: Xerces itself never loads a DOCTYPE's external subset or entities") {
  XercesParser parser;
  Probe probe;
  const std::string file_url = "file://" + probe.file;
  for (const std::string& doc : {
           "<!DOCTYPE a SYSTEM \"" + probe.canary.url("/x.dtd") + "\"><a/>",
           "<!DOCTYPE a SYSTEM \"" + file_url + "\"><a>&leak;</a>",
           std::string("<!DOCTYPE a SYSTEM \"file:///etc/passwd\"><a/>"),
           "<!DOCTYPE a PUBLIC \"-//X//Y\" \"" + probe.canary.url("/p.dtd") + "\"><a/>",
           "<!DOCTYPE a [<!ENTITY e SYSTEM \"" + probe.canary.url("/e") + "\">]><a>&e;</a>",
           "<!DOCTYPE a [<!ENTITY e SYSTEM \"" + file_url + "\">]><a>&e;</a>",
           "<!DOCTYPE a [<!ENTITY % p SYSTEM \"" + probe.canary.url("/p") + "\"> %p;]><a/>",
           std::string("<?xml version='1.0'?><!DOCTYPE a [<!ENTITY x 'xx'><!ENTITY y "
                       "'&x;&x;&x;'>]><a>&y;</a>"),
       }) {
    CAPTURE(doc);
    const auto r = parser.parse_document(doc);
    REQUIRE(!r);
    CHECK((r.error().condition == "not-well-formed" || r.error().condition == "restricted-xml"));
  }
  probe.check_untouched();
}

TEST_CASE("row 2: the stream refuses DOCTYPE before Xerces sees it, and touches nothing") {
  Probe probe;
  for (const std::string& input : {
           "<!DOCTYPE x SYSTEM \"" + probe.canary.url("/x.dtd") + "\">" +
               std::string(k_header).substr(21),
           "<!DOCTYPE x SYSTEM \"file://" + probe.file + "\">" + std::string(k_header).substr(21),
           stream("<message><!DOCTYPE x SYSTEM \"" + probe.canary.url("/x.dtd") + "\"></message>"),
       }) {
    CHECK(run_all(input).condition == "restricted-xml");
  }
  probe.check_untouched();
}

TEST_CASE("row 3 cve_2023_37536_schema_location: xsi:schemaLocation and noNamespaceSchemaLocation fetch nothing") {
  Probe probe;
  const std::string xsi = "xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance'";
  const std::string attrs = xsi + " xsi:schemaLocation='urn:x " + probe.canary.url("/x.xsd") +
                            " jabber:client file://" + probe.file +
                            "' xsi:noNamespaceSchemaLocation='" + probe.canary.url("/n.xsd") + "'";
  {
    XercesParser parser;
    auto r = parser.parse_document("<a xmlns='urn:x' " + attrs + "><b/></a>");
    REQUIRE(r);
    CHECK(r->attr_ns("http://www.w3.org/2001/XMLSchema-instance", "noNamespaceSchemaLocation") ==
          probe.canary.url("/n.xsd"));
  }
  const Outcome o =
      run_all(stream("<message " + attrs + "><body " + attrs + ">x</body></message>"));
  CHECK(o.condition.empty());
  CHECK(o.elements() == 1);
  probe.check_untouched();
}
