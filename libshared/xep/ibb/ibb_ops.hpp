// In-Band Bytestreams over a session (XEP-0047 version 2.0.1, as the Jingle IBB transport of
// XEP-0261 version 1.0 uses them): the sending end (<open/>, then pipelined <data/> iqs, then
// <close/>) and the receiving end (router responders feeding ibb::Reader, SECURITY.md row 49), as
// the jingle_ft::ByteSink and jingle_ft::ByteSource the file-transfer code reads and writes.
// Only stanza='iq' is used (XEP-0047 §2.2: iq chunks are acknowledged, so the sender paces itself).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "net/asio.hpp"
#include "stream/session.hpp"
#include "xep/ibb/ibb.hpp"
#include "xep/jingle_ft/bytestream.hpp"

namespace xmpp::ibb {

struct SinkOptions {
  /// Bytes per <data/> chunk: the value the Jingle negotiation agreed (1-65535).
  std::uint32_t block_size = k_default_block_size;
  /// <data/> iqs sent and not yet acknowledged at once (at least 1). 16 keeps a 4096-byte
  /// bytestream busy over a round trip of a few hundred ms without flooding the server.
  std::size_t window = 16;
  /// Each iq (<open/>, every <data/>, <close/>) must be answered within this.
  std::chrono::milliseconds timeout{30000};
};

/// Opens an in-band bytestream to `peer` (a full JID) with session id `sid` (XEP-0047 §2.1: <open
/// block-size stanza='iq'/>) and returns the sink that carries it. The sink:
/// - write(): sends the bytes as <data/> iqs of at most block_size bytes each (a write of n bytes
///   is ceil(n / block_size) chunks: writes are not merged), with seq 0, 1, 2, ... wrapping after
///   65535 (§2.2), keeping up to `window` of them unacknowledged; it returns once every chunk is
///   queued on the session and fewer than `window` are unacknowledged;
/// - fails at the first chunk the peer answers with an error or does not answer in time (the
///   failure is returned by the write() or close() that follows it, and by every later call), and
///   then sends <close/> without waiting for its answer;
/// - close(): waits for every outstanding acknowledgement, then sends <close/> (§2.3) and waits
///   for its result. Destroying an unclosed, unfailed sink sends <close/> without waiting.
/// `session` must outlive the sink. Errors of open_sink, each naming the peer:
/// - kind usage "bad_block_size": block_size 0 or above 65535 (nothing was sent);
/// - kind remote "stanza_error" with the condition: "peer X refused the in-band bytestream
///   (not-acceptable)" (§2.1 example 3: not-acceptable; resource-constraint for the block size);
/// - the session's errors (kind temporary "timeout", connection lost).
/// Errors of write()/close(): kind remote "stanza_error" ("peer X refused chunk 5 of the in-band
/// bytestream S (item-not-found)"), kind temporary "timeout", kind usage "closed" after close().
awaitable<Result<std::unique_ptr<jingle_ft::ByteSink>>>
open_sink(stream::Session& session, Jid peer, std::string sid, SinkOptions options);

struct SourceOptions {
  /// read() fails with kind temporary "timeout" when nothing arrives for this long.
  std::chrono::milliseconds idle_timeout{30000};
  /// Decoded bytes held for read() at most. Chunks are acknowledged as they arrive (the router's
  /// responders answer at once), so the sender's window is what bounds this in practice (16 x
  /// 4096 bytes by default); a peer that sends more than this without our reading is answered
  /// resource-constraint and the bytestream is closed (read() fails, kind protocol "ibb_closed").
  std::size_t max_queued = 8 * 1024 * 1024;
};

/// Expects an in-band bytestream from `peer` (the full JID the Jingle session was negotiated
/// with) with session id `sid` and at most `block_size` bytes per chunk (what we agreed,
/// negotiate_block_size). Registers the responders for <open/>, <data/> and <close/> (ibb::k_ns)
/// on session.router() before returning, so it must be called BEFORE the peer is told to open.
/// Every inbound iq goes through an ibb::Reader (SECURITY.md row 49) and is answered with a result
/// or the Reader's error; an <open/> with stanza='message' is refused with not-acceptable (we only
/// offer iq, XEP-0261 §2.2), and <data/> inside messages is not listened to (the session drops it).
/// The source:
/// - read(): the next bytes in order; waits up to idle_timeout (kind temporary "timeout"); 0 after
///   the peer's <close/>; after a rule break (seq gap or repeat, bad base64, oversized chunk,
///   SECURITY.md row 49) our <close/> has been sent and read() fails with kind protocol
///   "ibb_closed" naming the Reader's reason; the session's failure when it ends;
/// - cancel(): sends our <close/> (§2.3), ends a pending read() with kind interrupted
///   "cancelled"; later chunks are answered item-not-found.
/// Data from anyone else or for another sid is answered item-not-found and ignored (a stranger
/// cannot end the bytestream). Destroying the source unregisters the responders (later IBB iqs
/// get service-unavailable from the router). One source per session at a time: the router lets
/// the most recently registered responder answer, so a second source hides the first.
/// `session` must outlive the source. Errors: kind usage "bad_block_size" (0 or above 65535).
Result<std::unique_ptr<jingle_ft::ByteSource>> expect_source(stream::Session& session, Jid peer,
                                                             std::string sid,
                                                             std::uint32_t block_size,
                                                             SourceOptions options);

}  // namespace xmpp::ibb
