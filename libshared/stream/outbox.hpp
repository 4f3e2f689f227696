// Messages that must not be lost (issue 3, CLI.md "send": exit 0 only when the server has
// acknowledged every message). Each message is sent once and tracked until the server confirms
// it: an XEP-0198 <a/> covering it, or an iq round trip after it without stream management
// (RFC 6120 §10.1: the server handles our stanzas in order). At most `window` messages are
// unconfirmed at a time, so a slow server slows the producer instead of growing a buffer. When the
// connection drops, the stream is resumed (XEP-0198 §5, the server then resends nothing twice) or,
// failing that, a fresh session is opened and only the unconfirmed messages are sent again, with
// their ids unchanged so receivers can drop a duplicate (XEP-0359 origin-id). A bounce (a message
// of type error carrying our id, RFC 6120 §8.3) from the recipient or its server marks the message
// as refused.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "net/asio.hpp"
#include "stream/session.hpp"

namespace xmpp::stream {

/// Where a message stands.
enum class DeliveryState {
  pending,      ///< submitted, not yet confirmed by the server
  acked,        ///< the server took it (and no bounce arrived so far)
  bounced,      ///< an error message for its id came back: `error` says why
  unconfirmed,  ///< the run ended (deadline, lost connection) before the server confirmed it
};

std::string_view to_string(DeliveryState state);

struct Delivery {
  std::size_t index = 0;  ///< submission order, from 0
  std::string to;         ///< the 'to' attribute
  std::string id;         ///< the 'id' attribute (required: bounces are matched by it)
  DeliveryState state = DeliveryState::pending;
  std::optional<Error> error;  ///< bounced: the stanza error; unconfirmed: what ended the run
  int transmissions = 0;       ///< how often we wrote it (more than 1 after a reconnect)
  bool server_acked = false;   ///< the server acknowledged it (stays true if a bounce follows)
  std::uint64_t tag = 0;       ///< the caller's, from submit() (e.g. an input line number)
};

/// Opens a fresh logged-in session after the old one was lost and could not be resumed.
using Reconnect = std::function<awaitable<Result<Session*>>()>;
/// Runs on every fresh session before messages are sent again (re-joining rooms, presence).
using SessionSetup = std::function<awaitable<Result<void>>(Session&)>;

struct OutboxOptions {
  /// Messages in flight before submit() waits for confirmations.
  std::size_t window = 256;
  /// submit() lets the confirmations run after this many messages written in a row, so an ack is
  /// requested for them while the rest of the window follows behind the request: the server
  /// always has messages to handle while its <a/> travels back (not one window, then an idle
  /// round trip).
  std::size_t ack_every = 64;
  /// Settled messages still held (newest first) so that a bounce arriving after the ack still
  /// finds its message; older ones are forgotten (they were reported through on_update).
  std::size_t settled_kept = 4096;
  /// How long one confirmation round trip may take before the connection counts as lost.
  std::chrono::milliseconds ack_timeout{30000};
  /// Connection attempts after a drop (resume or reconnect), with net::retry_delay between them.
  int reconnect_attempts = 0;
  Reconnect reconnect;  ///< empty: a dropped connection ends the run
  /// Resumes a resumable session (XEP-0198 §5); empty = Session::resume(). Tests inject
  /// Session::resume_on with their own transport.
  std::function<awaitable<Result<ResumeOutcome>>(Session&)> resume;
  SessionSetup setup;   ///< may be empty
  /// Called whenever a message settles or changes: acked, bounced (also after its ack: a late
  /// bounce), unconfirmed (at drain). The one complete record of every message; may be empty.
  std::function<void(const Delivery&)> on_update;
  /// Reports a reconnect ("connection lost: ...; resumed"), for -v; may be empty.
  std::function<void(std::string_view)> on_note;
};

class Outbox {
 public:
  Outbox(asio::any_io_executor executor, Session& session, OutboxOptions options);
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  /// Sends `message` (a stanza with an 'id'; a message normally also has a 'to') as soon as fewer than `window` messages
  /// are in flight, waiting until `deadline` for room. Fails when the outbox cannot go on (the
  /// connection is lost for good, or the deadline passed): the message is then not accepted.
  awaitable<Result<void>> submit(xml::Element message,
                                 std::chrono::steady_clock::time_point deadline,
                                 std::uint64_t tag = 0);

  /// Waits until every submitted message is confirmed, or `deadline`. What is still pending then
  /// becomes unconfirmed. Returns the error that stopped confirmations, if any (the deliveries
  /// say which messages it concerns). Call once, at the end.
  awaitable<Result<void>> drain(std::chrono::steady_clock::time_point deadline);

  /// The messages not settled yet and the last `settled_kept` settled ones, in order (older ones
  /// were reported through OutboxOptions::on_update and are forgotten: memory stays bounded; the
  /// payloads of settled messages are dropped at once).
  const std::deque<Delivery>& deliveries() const;
  /// How many messages were submitted in all.
  std::size_t submitted() const;
  /// The session in use now (a reconnect replaces it).
  Session& session() const;

 private:
  struct State;
  std::shared_ptr<State> m_state;
};

/// Whether an error message from `from` may bounce a message we sent to `to` (SECURITY.md
/// stanza-origin rule): the addressee itself (any resource of its bare JID), its domain, or our
/// own server's domain. Anyone else is ignored.
bool bounce_from_matches(std::string_view to, std::string_view from, std::string_view our_domain);

}  // namespace xmpp::stream
