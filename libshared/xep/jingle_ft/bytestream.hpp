// One direction of a negotiated Jingle bytestream, whatever carries it: a SOCKS5 socket
// (XEP-0260, s5b/jingle_s5b_ops.hpp) or in-band data stanzas (XEP-0261, ibb/ibb_ops.hpp). The file
// sender writes into a ByteSink and the receiver reads from a ByteSource, so the file-transfer
// code (jingle_ft/) does not know which transport won.
#pragma once

#include <cstddef>
#include <span>

#include "core/result.hpp"
#include "net/asio.hpp"

namespace xmpp::jingle_ft {

/// The sending end. Not copyable; one write() or close() at a time.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  /// Hands all of `bytes` to the transport; returns once the transport took them (written to
  /// the socket, or sent within the transport's window of unacknowledged blocks). Errors: the
  /// transport's, e.g. kind unavailable "connection_lost", kind remote "stanza_error".
  virtual awaitable<Result<void>> write(std::span<const char> bytes) = 0;
  /// Ends the stream after everything written (TCP shutdown of the send side; IBB <close/>) and
  /// waits until the transport confirmed what it can confirm (IBB: every block acknowledged).
  virtual awaitable<Result<void>> close() = 0;
  /// Bytes handed to write() so far.
  virtual std::size_t written() const = 0;
};

/// The receiving end. Not copyable; one read() at a time.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  /// Up to buffer.size() bytes, at least 1; 0 only when the sender ended the stream (TCP EOF, IBB
  /// <close/>). Errors: the transport's, e.g. kind protocol when the peer broke the protocol
  /// (IBB sequence gap, SECURITY.md row 49), kind unavailable "connection_lost".
  virtual awaitable<Result<std::size_t>> read(std::span<char> buffer) = 0;
  /// Stops the stream from our side (we refuse more data: hash mismatch, size exceeded, user
  /// abort): IBB <close/>, TCP close. A pending read() ends with an error.
  virtual void cancel() = 0;
};

}  // namespace xmpp::jingle_ft
