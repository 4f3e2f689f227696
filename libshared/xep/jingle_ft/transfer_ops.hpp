// The Jingle file-transfer session engine (XEP-0234 version 0.19.1 over XEP-0166 version 1.1.2):
// offering one file (the initiator sends it, §4.1 "File Offer") and receiving offered files, over
// SOCKS5 Bytestreams (XEP-0260 version 1.0.3) with the fallback to In-Band Bytestreams (XEP-0261
// version 1.0) by transport-replace (XEP-0260 §2.6), or over IBB alone.
//
// Choices (where the XEPs leave room):
// - one content per session, named "file", created by the initiator with senders='initiator';
// - the verdict (XEP-0234 §6.3 "Ending the session"): the receiver ends the session. It sends
//   session-terminate <success/> when the file arrived and its hash matched, and
//   session-terminate <media-error/> with the text "hash mismatch" when it did not (XEP-0234 has no
//   condition of its own for that; media-error is what §9 uses for the file itself). A sender that
//   gets a session-info <received/> first counts it as success and ends the session itself;
// - the Jingle session, the IBB transport (XEP-0261 §2.2) and the S5B transport each get their
//   own fresh random sid;
// - an IncomingOffer dropped without accept() or decline() leaves the peer waiting until its own
//   timeout (its later requests get unknown-session): the caller should decline it;
// - one JingleDispatch per stream serves every session of it, sent and received (the router lets
//   only one Jingle responder answer), so both classes take it instead of the Session;
// - the caller (the CLI) decides: which offers to take (allow-list, size limit), where bytes go,
//   whether the hash matched. The engine only exposes the offer and executes the decision.
// No printing; every error names the peer.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "net/asio.hpp"
#include "stream/signal.hpp"
#include "xep/jingle/jingle.hpp"
#include "xep/jingle_ft/bytestream.hpp"
#include "xep/jingle_ft/jingle_dispatch.hpp"
#include "xep/jingle_ft/jingle_ft.hpp"
#include "xep/s5b/jingle_s5b_ops.hpp"
#include "xep/s5b/socket_bytestream.hpp"

namespace xmpp::jingle_ft {

/// The name of the one content of our sessions.
inline constexpr std::string_view k_content_name = "file";

/// Which transport the initiator offers: S5B with the IBB fallback, or one of them alone.
enum class TransportChoice { automatic, s5b, ibb };
/// What an offer arrived with.
enum class TransportKind { s5b, ibb };
std::string_view to_string(TransportKind kind);

/// S5B settings of either side.
struct S5bOptions {
  std::optional<Jid> proxy;  ///< a SOCKS5 proxy to offer (find_proxy); nullopt: none
  bool direct = true;        ///< offer direct candidates
  /// Where direct candidates listen; empty: s5b::interface_addresses() (tests: 127.0.0.1).
  std::vector<asio::ip::address> addresses;
  s5b::NegotiateOptions negotiate;  ///< allow_local, dial timeouts, ...
  s5b::SocketBytestreamOptions io;
};

struct OfferOptions {
  TransportChoice transport = TransportChoice::automatic;
  S5bOptions s5b;
  std::uint32_t ibb_block_size = 4096;  ///< what we offer (the responder may lower it)
  std::size_t ibb_window = 16;
  /// Each iq of ours (session-initiate, transport-replace, IBB chunks) must be answered in this.
  std::chrono::milliseconds request_timeout{30000};
  /// How long the peer (a person, maybe) may take to accept or decline.
  std::chrono::milliseconds accept_timeout{300000};
  /// After our last byte: how long the receiver may take to check the hash and say so.
  std::chrono::milliseconds verdict_timeout{60000};
};

/// One file we offer (the initiator's side).
class OutgoingTransfer {
 public:
  /// Sends session-initiate to `peer` (a full JID) with `file` (its hash, size and name as the
  /// caller filled them in) and the transport of `options` (S5B: our gathered candidates; IBB: a
  /// <transport/> with our block size), and waits for the iq result. Errors, naming the peer:
  /// gathering's (s5b::gather), kind remote "stanza_error" when the peer refused the iq (e.g.
  /// service-unavailable: it does no Jingle), the session's (timeout).
  static awaitable<Result<std::unique_ptr<OutgoingTransfer>>>
  offer(JingleDispatch& dispatch, Jid peer, File file, OfferOptions options);

  OutgoingTransfer(const OutgoingTransfer&) = delete;
  OutgoingTransfer& operator=(const OutgoingTransfer&) = delete;
  /// Ends an unfinished session with session-terminate <cancel/> (best effort).
  ~OutgoingTransfer();

  const std::string& sid() const { return m_sid; }
  const Jid& peer() const { return m_peer; }
  /// The transport that carries the bytes, once accepted() returned.
  std::optional<TransportKind> transport() const { return m_used; }
  /// XEP-0234 §7 "Ranged Transfers": the <range/> of the file in the receiver's session-accept,
  /// valid once accepted() returned the sink. Write only that part into the sink (bytes from
  /// offset, length of them or up to the end: OutgoingFile::open with ReadRange). nullopt: the
  /// whole file (the accept carried no <range/>, or one with offset 0 and no length).
  const std::optional<Range>& range() const { return m_range; }

  /// Waits for session-accept and runs the transport: S5B negotiation (on "no_candidate" or
  /// "proxy_error" with TransportChoice::automatic: transport-replace to IBB, wait for
  /// transport-accept), IBB: open the in-band bytestream. Returns the sink to write the file into;
  /// write it (only range() of it), close() it, then call finish(). Errors: kind remote
  /// "declined" (session-terminate with decline, the reason in the message), kind remote
  /// "terminated" (another reason), kind temporary "timeout" (no answer within accept_timeout),
  /// kind protocol "bad_accept" (the accept carries no transport we offered, or a larger IBB block
  /// size), kind protocol "bad_range" (its <range/> does not parse, starts past the offered size,
  /// or offset + length ends past it; terminated with failed-application), the transports'. On any
  /// error the session has been terminated.
  awaitable<Result<std::unique_ptr<ByteSink>>> accepted();

  /// After the sink was closed: waits for the receiver's verdict. Ok only when the receiver
  /// confirmed (session-terminate <success/> or session-info <received/>). Errors: kind data
  /// "not_confirmed" (the receiver ended the session with another reason, e.g. media-error "hash
  /// mismatch", named in the message), kind temporary "timeout" (no verdict within
  /// verdict_timeout; we then terminate with <timeout/>).
  awaitable<Result<void>> finish();

  /// Ends the session now with `reason` (best effort): the caller gave up (read error, signal).
  void abort(jingle::Reason reason);

 private:
  OutgoingTransfer(JingleDispatch& dispatch, Jid peer, OfferOptions options);
  awaitable<Result<std::unique_ptr<ByteSink>>> run_transport(jingle::Incoming accept);
  awaitable<Result<std::unique_ptr<ByteSink>>> fall_back_to_ibb();
  awaitable<Result<std::unique_ptr<ByteSink>>> open_ibb(xml::Element transport);
  Error end_with(Error error, jingle::ReasonCondition condition);

  JingleDispatch* m_dispatch;
  Jid m_peer;
  OfferOptions m_options;
  std::string m_sid;
  std::shared_ptr<Channel> m_channel;
  jingle::Content m_content;     ///< as offered
  File m_file;                   ///< as offered
  std::optional<Range> m_range;  ///< what the session-accept asked for
  std::string m_ibb_sid;
  std::optional<s5b::Offer> m_s5b;  ///< our S5B offer, kept until the negotiation ends
  std::optional<TransportKind> m_used;
};

/// An offer someone made us.
struct IncomingOffer {
  Jid peer;         ///< the iq's 'from' (never the 'initiator' attribute, row 50)
  std::string sid;  ///< the Jingle session id
  File file;        ///< as offered: pass file.name through safe_file_name() before use
  /// As offered; accept() sets it to ibb when the session fell back to in-band.
  TransportKind transport = TransportKind::ibb;
  /// The session's state: IncomingTransfers' business.
  std::shared_ptr<Channel> channel;
  jingle::Content content;
};

struct IncomingOptions {
  /// At most this many sessions at once (SECURITY.md row 50, §13.2); the next initiate is answered
  /// resource-constraint.
  std::size_t max_sessions = jingle::k_default_max_sessions;
};

struct AcceptOptions {
  std::uint32_t ibb_max_block_size = 65535;  ///< we lower a larger offer to this
  S5bOptions s5b;
  /// Each iq of ours (session-accept, transport-accept) must be answered in this.
  std::chrono::milliseconds request_timeout{30000};
  /// S5B failed: how long the initiator may take to send transport-replace.
  std::chrono::milliseconds fallback_timeout{30000};
  /// IBB: read() fails when nothing arrives for this long.
  std::chrono::milliseconds idle_timeout{30000};
  /// XEP-0234 §7 "Ranged Transfers": receive only this part of the file (to resume: offset =
  /// the bytes already here, IncomingFile::offset()). session-accept then carries the offered
  /// <file/> with this <range offset length/> (its hashes are not sent); the source yields only
  /// that part. nullopt: the whole file (session-accept echoes the offered description).
  std::optional<Range> range;
};

/// The receiving side of a stream: takes session-initiates (through `dispatch`) and queues the
/// well-formed file offers; unsupported ones (no XEP-0234 description, a file request, no S5B or
/// IBB transport) are acknowledged and then terminated with unsupported-applications or
/// unsupported-transports (XEP-0166 §6.3.2). The caller then accepts or declines each offer.
class IncomingTransfers {
 public:
  /// Becomes `dispatch`'s initiate handler until destroyed. Both must outlive the offers.
  IncomingTransfers(JingleDispatch& dispatch, IncomingOptions options);
  IncomingTransfers(const IncomingTransfers&) = delete;
  IncomingTransfers& operator=(const IncomingTransfers&) = delete;
  ~IncomingTransfers();

  /// The next offer, waiting up to `timeout` (kind temporary "timeout").
  awaitable<Result<IncomingOffer>> next_offer(std::chrono::milliseconds timeout);

  /// Accepts: IBB: registers the in-band source FIRST (ibb::expect_source), then session-accept
  /// with the negotiated block size; S5B: gathers our candidates, session-accept, negotiation, and
  /// when it fails waits for the initiator's transport-replace to IBB and answers transport-accept.
  /// Returns the source to read the file from (0 at its end); destroy it (or cancel() it) once
  /// read() returned 0: over S5B the sender's close() waits for our side of the socket to close.
  /// Then call complete(). Errors: the
  /// peer terminated (kind remote "terminated"), the transports', kind protocol "bad_offer", kind
  /// usage "bad_range" (options.range starts past the offered size or ends past it; nothing was
  /// sent but the terminate, failed-application). On any error the session has been terminated.
  awaitable<Result<std::unique_ptr<ByteSource>>> accept(IncomingOffer& offer,
                                                        AcceptOptions options);
  /// session-terminate with `reason` (decline; or jingle_ft::make_reason(file_too_large)), waiting
  /// for the answer up to `timeout`.
  awaitable<Result<void>> decline(IncomingOffer& offer, jingle::Reason reason,
                                  std::chrono::milliseconds timeout);
  /// The verdict (see the header comment): success when `verified`, else media-error "hash
  /// mismatch". Waits for the answer up to `timeout`.
  awaitable<Result<void>> complete(IncomingOffer& offer, bool verified,
                                   std::chrono::milliseconds timeout);

 private:
  std::optional<stanza::StanzaError> on_initiate(const jingle::Incoming& incoming);

  struct Rejection {
    std::shared_ptr<Channel> channel;
    jingle::ReasonCondition condition;
    std::string text;
  };

  JingleDispatch* m_dispatch;
  IncomingOptions m_options;
  std::deque<IncomingOffer> m_offers;
  std::deque<Rejection> m_rejections;  ///< acknowledged initiates to terminate from next_offer
  stream::Signal m_news;
};

}  // namespace xmpp::jingle_ft
