// A negotiated SOCKS5 bytestream (XEP-0065 version 1.8.2 §5.3.3 "the bytestream", XEP-0260 version
// 1.0.3 §2.6 "Exchanging Data") as the jingle_ft::ByteSink and jingle_ft::ByteSource that the
// file-transfer code writes to and reads from: plain TCP after the handshake, each I/O under a
// deadline.
#pragma once

#include <chrono>
#include <cstddef>
#include <span>

#include "core/result.hpp"
#include "net/asio.hpp"
#include "xep/jingle_ft/bytestream.hpp"

namespace xmpp::s5b {

struct SocketBytestreamOptions {
  /// Each write() (all of its bytes) and each read() must complete within this.
  std::chrono::milliseconds io_timeout{30000};
  /// close(): how long to wait for the peer's EOF after our shutdown.
  std::chrono::milliseconds close_timeout{10000};
};

/// Both ends of a connected bytestream socket (s5b::negotiate's Connected::socket): a file sender
/// uses it as a ByteSink, a receiver as a ByteSource. One write() or close() and one read() may be
/// pending at a time. Errors of write() and read(): kind unavailable "connection_lost" (reset,
/// broken pipe, EOF while writing), kind temporary "timeout" (io_timeout passed), kind unavailable
/// "cancelled" after cancel().
class SocketBytestream final : public jingle_ft::ByteSink, public jingle_ft::ByteSource {
 public:
  explicit SocketBytestream(asio::ip::tcp::socket socket, SocketBytestreamOptions options = {});
  SocketBytestream(const SocketBytestream&) = delete;
  SocketBytestream& operator=(const SocketBytestream&) = delete;
  ~SocketBytestream() override;

  /// Writes all of `bytes` (the buffer is the caller's and must stay valid until it returns).
  awaitable<Result<void>> write(std::span<const char> bytes) override;
  /// Shuts our sending side down (the peer reads EOF), then waits up to close_timeout for the
  /// peer's EOF so that nothing we wrote is lost to a reset; incoming bytes not read before are
  /// discarded. Closes the socket in every case. Errors: kind temporary "timeout" (no EOF in
  /// time), kind unavailable "connection_lost" (the connection broke before EOF).
  awaitable<Result<void>> close() override;
  std::size_t written() const override { return m_written; }

  /// Up to buffer.size() bytes, at least 1; 0 at the peer's EOF.
  awaitable<Result<std::size_t>> read(std::span<char> buffer) override;
  /// Closes the socket: a pending read() or write() ends with "cancelled".
  void cancel() override;

 private:
  asio::ip::tcp::socket m_socket;
  SocketBytestreamOptions m_options;
  std::size_t m_written = 0;
  bool m_eof = false;        ///< read() saw the peer's EOF
  bool m_cancelled = false;  ///< cancel() or close() closed the socket
};

}  // namespace xmpp::s5b
