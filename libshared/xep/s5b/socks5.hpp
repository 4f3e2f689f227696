// The SOCKS5 handshake (RFC 1928 §3-§6) as XEP-0065 uses it (§5.3.2, §10.2 "SOCKS5 Parameter
// Mapping": no authentication, CONNECT, ATYP 3 with the DST.ADDR hash, port 0), as sans-I/O state
// machines for both ends: the client that dials a streamhost and the server of our own direct
// candidates. SECURITY.md rows 43, 44 and 46: every reply is checked field by field, and a machine
// says exactly how many bytes it needs next (wanted()), so the caller never reads past a declared
// length: the bytes after the handshake are the bytestream's and stay in the socket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace xmpp::s5b {

/// RFC 1928 §6 REP values, named for messages ("connection refused").
std::string_view reply_text(std::uint8_t rep);

/// "host:port", or "[v6]:port" for an IPv6 address: how a streamhost is named in messages.
std::string endpoint_text(const std::string& host, unsigned short port);

/// Where a handshake stands.
enum class HandshakeState {
  running,  ///< wants more bytes (wanted() > 0) or has output to send
  done,     ///< succeeded: the socket now carries the bytestream
  failed,   ///< error() says why; close the connection after sending any output
};

/// The client side (the target, or the requester at a proxy): sends the greeting `05 01 00`,
/// expects `05 00`, sends `05 01 00 03 LEN HASH 00 00`, and checks the reply `05 00 RSV 03 LEN
/// HASH 00 00`. Failures (SECURITY.md row 43), all kind protocol, code "socks5_failed", the
/// message naming the reason: a version other than 5, a method other than 00 (FF: "no acceptable
/// method"), REP != 0 (with reply_text), ATYP != 3, BND.ADDR != our hash (a different length
/// fails before the address is read), BND.PORT != 0. RSV is not checked (RFC 1928 only reserves
/// it).
///
///     ClientHandshake hs(dst_addr(sid, requester, target));
///     write(hs.take_output());
///     while (hs.state() == HandshakeState::running) {
///       read exactly up to hs.wanted() bytes; hs.feed(them); write(hs.take_output());
///     }
class ClientHandshake {
 public:
  /// `dst_addr`: the DST.ADDR to CONNECT to, 1-255 bytes (the 40 hex digits of s5b::dst_addr);
  /// anything else is a bug (std::invalid_argument).
  explicit ClientHandshake(std::string dst_addr);

  HandshakeState state() const { return m_state; }
  /// The rest of the current field: at least this many more bytes belong to the handshake, so a
  /// driver that reads at most wanted() bytes at a time never takes the bytestream's (0 once done
  /// or failed).
  std::size_t wanted() const;
  /// Consumes the bytes of `bytes` that belong to the handshake, field after field, and returns
  /// how many: it stops at the handshake's end or at a failure, so what follows is never taken.
  std::size_t feed(std::string_view bytes);
  /// What to send now (and clears it): the greeting at first, the CONNECT after the method reply.
  std::string take_output();
  /// Why it failed (valid when state() == failed).
  const Error& error() const { return m_error; }

 private:
  enum class Step { method, reply_head, addr_len, addr, port, end };
  void fail_with(std::string reason);
  void step_complete();

  std::string m_dst_addr;
  std::string m_output;
  std::string m_buffer;  ///< the bytes of the current field
  Step m_step = Step::method;
  HandshakeState m_state = HandshakeState::running;
  Error m_error;
};

/// The server side, for our own streamhost (direct candidates): expects a greeting offering
/// method 00 (answers `05 00`, else `05 FF` and fails), then exactly `05 01 RSV 03 LEN HASH 00 00`
/// with HASH == the expected DST.ADDR, and answers `05 00 00 03 LEN HASH 00 00` (§5.3.2: BND =
/// DST). Failures, kind protocol, code "socks5_refused": a version other than 5, no method 00, a
/// command other than CONNECT (answers REP 07), an ATYP other than 3 (answers REP 08), another
/// hash or port (answers REP 02; SECURITY.md row 46: close it). A length that differs from the
/// expected hash's fails before the address is read.
class ServerHandshake {
 public:
  /// `expected_dst_addr`: 1-255 bytes, else std::invalid_argument.
  explicit ServerHandshake(std::string expected_dst_addr);

  /// As ClientHandshake: the rest of the current field, the bytes that belong to the handshake,
  /// the reply to send (the method choice, then the CONNECT reply or a failure reply), the error.
  HandshakeState state() const { return m_state; }
  std::size_t wanted() const;
  std::size_t feed(std::string_view bytes);
  std::string take_output();
  const Error& error() const { return m_error; }

 private:
  enum class Step { greeting, methods, request_head, addr_len, addr, port, end };
  void fail_with(std::string reason, int rep = -1);
  void step_complete();

  std::string m_expected;
  std::string m_output;
  std::string m_buffer;
  std::size_t m_methods = 0;
  Step m_step = Step::greeting;
  HandshakeState m_state = HandshakeState::running;
  Error m_error;
};

}  // namespace xmpp::s5b
