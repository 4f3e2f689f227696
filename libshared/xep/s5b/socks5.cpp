#include "xep/s5b/socks5.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace xmpp::s5b {
namespace {

constexpr char k_version = 0x05;
constexpr char k_no_auth = 0x00;
constexpr unsigned char k_no_acceptable = 0xff;
constexpr char k_connect = 0x01;
constexpr char k_atyp_domain = 0x03;

unsigned char byte(const std::string& s, std::size_t i) {
  return static_cast<unsigned char>(s[i]);
}

std::string hex_byte(unsigned char b) {
  static constexpr char k_digits[] = "0123456789abcdef";
  return std::string("0x") + k_digits[b >> 4] + k_digits[b & 0x0f];
}

void check_dst_addr(const std::string& dst_addr) {
  // RFC 1928 §5: a DOMAINNAME is one length octet and at most 255 octets of name.
  if (dst_addr.empty() || dst_addr.size() > 255)
    throw std::invalid_argument("SOCKS5 DST.ADDR must be 1-255 bytes");
}

/// `05 REP 00 03 LEN ADDR 00 00` (RFC 1928 §6).
std::string domain_reply(char rep, const std::string& addr) {
  std::string out{k_version, rep, 0x00, k_atyp_domain, static_cast<char>(addr.size())};
  out += addr;
  out += std::string(2, '\0');
  return out;
}

}  // namespace

std::string_view reply_text(std::uint8_t rep) {
  switch (rep) {
  case 0x00:
    return "succeeded";
  case 0x01:
    return "general SOCKS server failure";
  case 0x02:
    return "connection not allowed by ruleset";
  case 0x03:
    return "network unreachable";
  case 0x04:
    return "host unreachable";
  case 0x05:
    return "connection refused";
  case 0x06:
    return "TTL expired";
  case 0x07:
    return "command not supported";
  case 0x08:
    return "address type not supported";
  default:
    return "unassigned reply code";
  }
}

// ---- client ----

ClientHandshake::ClientHandshake(std::string dst_addr) : m_dst_addr(std::move(dst_addr)) {
  check_dst_addr(m_dst_addr);
  // RFC 1928 §3: one method offered, X'00' NO AUTHENTICATION REQUIRED (XEP-0065 §5.3.2 leaves
  // authentication out of scope).
  m_output = std::string{k_version, 0x01, k_no_auth};
}

std::size_t ClientHandshake::wanted() const {
  if (m_state != HandshakeState::running) return 0;
  switch (m_step) {
  case Step::method:
    return 2 - m_buffer.size();
  case Step::reply_head:
    return 4 - m_buffer.size();
  case Step::addr_len:
    return 1 - m_buffer.size();
  case Step::addr:
    return m_dst_addr.size() - m_buffer.size();
  case Step::port:
    return 2 - m_buffer.size();
  case Step::end:
    return 0;
  }
  return 0;
}

std::size_t ClientHandshake::feed(std::string_view bytes) {
  std::size_t used = 0;
  while (used < bytes.size() && wanted() > 0) {
    const auto take = std::min(wanted(), bytes.size() - used);
    m_buffer.append(bytes.substr(used, take));
    used += take;
    if (wanted() == 0) step_complete();
  }
  return used;
}

std::string ClientHandshake::take_output() {
  return std::exchange(m_output, {});
}

void ClientHandshake::fail_with(std::string reason) {
  m_state = HandshakeState::failed;
  m_error = make_error(ErrorKind::protocol, "socks5_failed", "", std::move(reason));
}

void ClientHandshake::step_complete() {
  const std::string field = std::exchange(m_buffer, {});
  switch (m_step) {
  case Step::method:
    if (field[0] != k_version)
      return fail_with("the streamhost speaks SOCKS version " + std::to_string(byte(field, 0)) +
                       ", not 5");
    if (byte(field, 1) == k_no_acceptable)
      return fail_with("the streamhost accepts no method we offered (X'FF')");
    if (field[1] != k_no_auth)
      return fail_with("the streamhost chose method " + hex_byte(byte(field, 1)) +
                       ", not X'00' (no authentication), which is the only one we offered");
    // RFC 1928 §4 with XEP-0065 §9.2: CONNECT, ATYP DOMAINNAME = the hash, DST.PORT 0.
    m_output = std::string{k_version, k_connect, 0x00, k_atyp_domain,
                           static_cast<char>(m_dst_addr.size())};
    m_output += m_dst_addr;
    m_output += std::string(2, '\0');
    m_step = Step::reply_head;
    return;
  case Step::reply_head:
    if (field[0] != k_version)
      return fail_with("the reply has SOCKS version " + std::to_string(byte(field, 0)) + ", not 5");
    if (field[1] != 0)
      return fail_with(
          "the streamhost refused the CONNECT: " + std::string(reply_text(byte(field, 1))) +
          " (REP " + hex_byte(byte(field, 1)) + ")");
    // field[2] is RSV: RFC 1928 reserves it and says nothing a client must check.
    // XEP-0065 §5.3.2: BND.ADDR echoes our DST.ADDR, so only a domain name is acceptable.
    if (field[3] != k_atyp_domain)
      return fail_with("the reply's address type is " + hex_byte(byte(field, 3)) +
                       ", not X'03' (domain name)");
    m_step = Step::addr_len;
    return;
  case Step::addr_len:
    // SECURITY.md row 44: a length that cannot be our hash ends it here, before reading it.
    if (byte(field, 0) != m_dst_addr.size())
      return fail_with("the reply's BND.ADDR is " + std::to_string(byte(field, 0)) +
                       " bytes long, not the " + std::to_string(m_dst_addr.size()) +
                       " of our DST.ADDR hash");
    m_step = Step::addr;
    return;
  case Step::addr:
    if (field != m_dst_addr) return fail_with("the reply's BND.ADDR is not our DST.ADDR hash");
    m_step = Step::port;
    return;
  case Step::port:
    if (field[0] != 0 || field[1] != 0)
      return fail_with("the reply's BND.PORT is " +
                       std::to_string(byte(field, 0) * 256 + byte(field, 1)) + ", not 0");
    m_step = Step::end;
    m_state = HandshakeState::done;
    return;
  case Step::end:
    return;
  }
}

// ---- server ----

ServerHandshake::ServerHandshake(std::string expected_dst_addr)
    : m_expected(std::move(expected_dst_addr)) {
  check_dst_addr(m_expected);
}

std::size_t ServerHandshake::wanted() const {
  if (m_state != HandshakeState::running) return 0;
  switch (m_step) {
  case Step::greeting:
    return 2 - m_buffer.size();
  case Step::methods:
    return m_methods - m_buffer.size();
  case Step::request_head:
    return 4 - m_buffer.size();
  case Step::addr_len:
    return 1 - m_buffer.size();
  case Step::addr:
    return m_expected.size() - m_buffer.size();
  case Step::port:
    return 2 - m_buffer.size();
  case Step::end:
    return 0;
  }
  return 0;
}

std::size_t ServerHandshake::feed(std::string_view bytes) {
  std::size_t used = 0;
  while (used < bytes.size() && wanted() > 0) {
    const auto take = std::min(wanted(), bytes.size() - used);
    m_buffer.append(bytes.substr(used, take));
    used += take;
    if (wanted() == 0) step_complete();
  }
  return used;
}

std::string ServerHandshake::take_output() {
  return std::exchange(m_output, {});
}

void ServerHandshake::fail_with(std::string reason, int rep) {
  m_state = HandshakeState::failed;
  m_error = make_error(ErrorKind::protocol, "socks5_refused", "", std::move(reason));
  // RFC 1928 §6: a failure reply, then the connection is closed. The address is ours to choose
  // on failure: IPv4 0.0.0.0:0, never an echo of what the peer sent.
  if (rep >= 0)
    m_output += std::string{k_version, static_cast<char>(rep), 0x00, 0x01, 0, 0, 0, 0, 0, 0};
}

void ServerHandshake::step_complete() {
  const std::string field = std::exchange(m_buffer, {});
  switch (m_step) {
  case Step::greeting:
    if (field[0] != k_version)
      return fail_with("the client speaks SOCKS version " + std::to_string(byte(field, 0)));
    if (field[1] == 0) {
      m_output = std::string{k_version, static_cast<char>(k_no_acceptable)};
      return fail_with("the client offered no method");
    }
    m_methods = byte(field, 1);
    m_step = Step::methods;
    return;
  case Step::methods:
    if (field.find(k_no_auth) == std::string::npos) {
      m_output = std::string{k_version, static_cast<char>(k_no_acceptable)};
      return fail_with("the client did not offer X'00' (no authentication)");
    }
    m_output = std::string{k_version, k_no_auth};
    m_step = Step::request_head;
    return;
  case Step::request_head:
    if (field[0] != k_version)
      return fail_with("the request has SOCKS version " + std::to_string(byte(field, 0)));
    if (field[1] != k_connect)
      return fail_with("the client asked for command " + hex_byte(byte(field, 1)) + ", not CONNECT",
                       0x07);
    if (field[3] != k_atyp_domain)
      return fail_with("the client's address type is " + hex_byte(byte(field, 3)) +
                           ", not X'03' (domain name)",
                       0x08);
    m_step = Step::addr_len;
    return;
  case Step::addr_len:
    if (byte(field, 0) != m_expected.size())
      return fail_with("the client's DST.ADDR is not the hash of this bytestream", 0x02);
    m_step = Step::addr;
    return;
  case Step::addr:
    if (field != m_expected)
      return fail_with("the client's DST.ADDR is not the hash of this bytestream", 0x02);
    m_step = Step::port;
    return;
  case Step::port:
    if (field[0] != 0 || field[1] != 0) return fail_with("the client's DST.PORT is not 0", 0x02);
    m_output = domain_reply(0x00, m_expected);
    m_step = Step::end;
    m_state = HandshakeState::done;
    return;
  case Step::end:
    return;
  }
}

std::string endpoint_text(const std::string& host, unsigned short port) {
  const bool v6 = host.find(':') != std::string::npos && host.front() != '[';
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace xmpp::s5b
