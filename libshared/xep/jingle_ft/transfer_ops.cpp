#include "xep/jingle_ft/transfer_ops.hpp"

#include <utility>

#include "core/random.hpp"
#include "xep/ibb/ibb.hpp"
#include "xep/ibb/ibb_ops.hpp"
#include "xep/s5b/s5b.hpp"

namespace xmpp::jingle_ft {
namespace {

using jingle::Action;
using jingle::Incoming;
using jingle::ReasonCondition;

/// How long next_offer waits for the answer to each rejection it sends, whatever its own timeout.
constexpr std::chrono::milliseconds k_rejection_timeout{2000};

bool is_action(const Incoming& incoming, Action action) {
  return incoming.jingle.action == action;
}

/// The transport element of the first content, when there is one.
const xml::Element* transport_of(const jingle::Jingle& jingle) {
  if (jingle.contents.empty() || !jingle.contents.front().transport) return nullptr;
  return &*jingle.contents.front().transport;
}

/// A content list of one. A named function: GCC 12 cannot build an initializer list inside a
/// coroutine ("array used as initializer").
std::vector<jingle::Content> one(jingle::Content content) {
  std::vector<jingle::Content> out;
  out.push_back(std::move(content));
  return out;
}

bool in_ns(const xml::Element* e, std::string_view ns) {
  return e && e->ns() == ns;
}

Error protocol_error(std::string code, const Jid& peer, std::string what) {
  return make_error(ErrorKind::protocol, std::move(code), "", "peer " + peer.str() + " " + what);
}

/// The S5B notices of one content, carried as transport-info (XEP-0260 §2.3-§2.5).
class JingleSignalling final : public s5b::Signalling {
 public:
  JingleSignalling(JingleDispatch& dispatch, std::shared_ptr<Channel> channel,
                   jingle::Content content, std::chrono::milliseconds timeout)
      : m_dispatch(&dispatch), m_channel(std::move(channel)), m_content(std::move(content)),
        m_timeout(timeout) {}

  awaitable<Result<void>> send(s5b::Transport transport) override {
    auto info = jingle::make_content_action(
        Action::transport_info, m_channel->sid,
        one(jingle::transport_content(m_content, s5b::make_transport(transport))));
    co_return co_await m_dispatch->send(*m_channel, std::move(info), m_timeout);
  }

  awaitable<Result<s5b::Transport>> next(std::chrono::milliseconds timeout) override {
    // The dispatcher acknowledged and queued every transport-info, early ones included.
    JingleDispatch::Predicate wanted = [](const Incoming& i) {
      return is_action(i, Action::transport_info) &&
             in_ns(transport_of(i.jingle), s5b::k_ns_jingle);
    };
    auto info =
        co_await m_dispatch->next(m_channel, std::move(wanted), timeout, "SOCKS5 transport-info");
    if (!info) co_return fail(info.error());
    co_return s5b::parse_transport(*transport_of(info->jingle));
  }

 private:
  JingleDispatch* m_dispatch;
  std::shared_ptr<Channel> m_channel;
  jingle::Content m_content;
  std::chrono::milliseconds m_timeout;
};

/// XEP-0260 §2.6: these failures leave IBB to try.
bool s5b_failed_over(const Error& error) {
  return error.code == "no_candidate" || error.code == "proxy_error";
}

s5b::GatherOptions gather_options(const S5bOptions& options, std::string sid, Jid self, Jid peer,
                                  s5b::Role role) {
  s5b::GatherOptions g;
  g.sid = std::move(sid);
  g.self = std::move(self);
  g.peer = std::move(peer);
  g.role = role;
  g.direct = options.direct;
  g.addresses = options.addresses;
  g.proxy = options.proxy;
  return g;
}

/// XEP-0234 §7: the <range/> of the file in a session-accept; nullopt when there is none or it
/// asks for the whole file (offset 0, no length). A description that is not ours, or ours without
/// a <file/>, asks for nothing in particular: the whole file. Errors: parse_file's, for the
/// <range/> alone (the rest of the echoed <file/> is the peer's business, not a reason to fail).
Result<std::optional<Range>> accepted_range(const jingle::Jingle& accept) {
  if (accept.contents.empty()) return std::optional<Range>();
  const auto& description = accept.contents.front().description;
  if (!description || description->ns() != k_ns) return std::optional<Range>();
  const xml::Element* file = description->child("file", k_ns);
  const xml::Element* asked = file ? file->child("range", k_ns) : nullptr;
  if (asked == nullptr) return std::optional<Range>();
  xml::Element range_only("file", std::string(k_ns));
  range_only.add_child(*asked);
  auto parsed = parse_file(range_only);
  if (!parsed) return fail(parsed.error());
  std::optional<Range> range = std::move(parsed->range);
  if (range && range->offset.value_or(0) == 0 && !range->length) range.reset();
  return range;
}

/// Whether `range` lies within `size` bytes (expected_bytes' check); an unknown size (the
/// offer said none) leaves it to the reader of the file.
Result<void> check_range(std::optional<std::uint64_t> size, const Range& range) {
  if (!size) return {};
  File part;
  part.size = size;
  part.range = range;
  auto bytes = expected_bytes(part);
  if (!bytes) return fail(bytes.error());
  return {};
}

/// The description of our session-accept (XEP-0234 §7): the offered one, or with `range` the
/// offered file asking for that part. The range's hashes are the sender's to give (§8.2).
std::optional<xml::Element> accept_description(const IncomingOffer& offer,
                                               const std::optional<Range>& range) {
  if (!range) return offer.content.description;
  File file = offer.file;
  file.range = Range{range->offset, range->length, {}};
  return make_description(file);
}

}  // namespace

std::string_view to_string(TransportKind kind) {
  return kind == TransportKind::s5b ? "s5b" : "ibb";
}

// ---- the sender ----

OutgoingTransfer::OutgoingTransfer(JingleDispatch& dispatch, Jid peer, OfferOptions options)
    : m_dispatch(&dispatch), m_peer(std::move(peer)), m_options(std::move(options)),
      m_sid(random_id()), m_ibb_sid(random_id()) {}

OutgoingTransfer::~OutgoingTransfer() {
  if (m_channel)
    m_dispatch->post_terminate(*m_channel, jingle::make_reason(ReasonCondition::cancel));
}

void OutgoingTransfer::abort(jingle::Reason reason) {
  if (m_channel) m_dispatch->post_terminate(*m_channel, std::move(reason));
}

Error OutgoingTransfer::end_with(Error error, ReasonCondition condition) {
  abort(jingle::make_reason(condition, error.message));
  return error;
}

awaitable<Result<std::unique_ptr<OutgoingTransfer>>>
OutgoingTransfer::offer(JingleDispatch& dispatch, Jid peer, File file, OfferOptions options) {
  std::unique_ptr<OutgoingTransfer> t(new OutgoingTransfer(dispatch, std::move(peer), options));
  auto& session = dispatch.session();

  jingle::Content content;
  content.creator = jingle::Role::initiator;
  content.name = std::string(k_content_name);
  content.senders = jingle::Senders::initiator;  // XEP-0234 §4.1: a File Offer
  content.description = make_description(file);
  t->m_file = std::move(file);
  if (options.transport == TransportChoice::ibb) {
    ibb::Transport transport;
    transport.sid = t->m_ibb_sid;
    transport.block_size = options.ibb_block_size;
    content.transport = ibb::make_transport(transport);
  } else {
    auto gathered =
        co_await s5b::gather(session, gather_options(options.s5b, random_id(), session.jid(),
                                                     t->m_peer, s5b::Role::initiator));
    if (!gathered)
      co_return fail(gathered.error().with_context("file offer to " + t->m_peer.str()));
    content.transport = s5b::make_transport(gathered->transport);
    t->m_s5b.emplace(std::move(*gathered));
  }
  t->m_content = content;

  // Open the channel first: the peer's answer may come before our request's result.
  t->m_channel = dispatch.open_channel(t->m_peer, t->m_sid, jingle::Role::initiator);
  auto sent = co_await dispatch.send(
      *t->m_channel,
      jingle::make_session_initiate(t->m_sid, session.jid(), one(std::move(content))),
      options.request_timeout);
  if (!sent) {
    t->m_channel.reset();  // refused or unanswered: no session to end
    co_return fail(sent.error());
  }
  co_return t;
}

awaitable<Result<std::unique_ptr<ByteSink>>> OutgoingTransfer::accepted() {
  JingleDispatch::Predicate wanted = [](const Incoming& i) {
    return is_action(i, Action::session_accept);
  };
  auto accept =
      co_await m_dispatch->next(m_channel, std::move(wanted), m_options.accept_timeout, "answer");
  if (!accept) {
    if (accept.error().code == "timeout")
      co_return fail(end_with(accept.error(), ReasonCondition::timeout));
    if (accept.error().kind == ErrorKind::remote) m_channel.reset();  // the peer ended it
    co_return fail(accept.error());
  }
  // XEP-0234 §7: the receiver may ask for part of the file; check it before any byte moves.
  auto range = accepted_range(accept->jingle);
  if (!range)
    co_return fail(
        end_with(protocol_error("bad_range", m_peer,
                                "asked for a range we cannot read: " + range.error().message),
                 ReasonCondition::failed_application));
  if (*range) {
    if (auto fits = check_range(m_file.size, **range); !fits)
      co_return fail(end_with(
          protocol_error("bad_range", m_peer,
                         "asked for a range outside the file offered: " + fits.error().message),
          ReasonCondition::failed_application));
  }
  m_range = std::move(*range);
  co_return co_await run_transport(std::move(*accept));
}

awaitable<Result<std::unique_ptr<ByteSink>>> OutgoingTransfer::run_transport(Incoming accept) {
  const xml::Element* transport = transport_of(accept.jingle);
  const bool offered_ibb = m_options.transport == TransportChoice::ibb;
  if (offered_ibb && in_ns(transport, ibb::k_ns_jingle)) co_return co_await open_ibb(*transport);
  if (offered_ibb || !in_ns(transport, s5b::k_ns_jingle))
    co_return fail(end_with(protocol_error("bad_accept", m_peer,
                                           "accepted the file offer without the transport we "
                                           "offered"),
                            ReasonCondition::incompatible_parameters));

  auto theirs = s5b::parse_transport(*transport);
  if (!theirs)
    co_return fail(end_with(theirs.error().with_context("session-accept from " + m_peer.str()),
                            ReasonCondition::failed_transport));
  JingleSignalling signalling(*m_dispatch, m_channel, m_content, m_options.request_timeout);
  auto connected = co_await s5b::negotiate(m_dispatch->session(), *m_s5b, std::move(*theirs),
                                           signalling, m_options.s5b.negotiate);
  m_s5b.reset();  // stops our listener
  if (connected) {
    m_used = TransportKind::s5b;
    co_return std::unique_ptr<ByteSink>(
        std::make_unique<s5b::SocketBytestream>(std::move(connected->socket), m_options.s5b.io));
  }
  if (m_options.transport == TransportChoice::automatic && s5b_failed_over(connected.error()))
    co_return co_await fall_back_to_ibb();
  co_return fail(end_with(connected.error().with_context("SOCKS5 bytestream with " + m_peer.str()),
                          ReasonCondition::connectivity_error));
}

awaitable<Result<std::unique_ptr<ByteSink>>> OutgoingTransfer::fall_back_to_ibb() {
  // XEP-0260 §2.6, XEP-0261 §2.3: transport-replace with an IBB transport, then transport-accept.
  ibb::Transport offer;
  offer.sid = m_ibb_sid;
  offer.block_size = m_options.ibb_block_size;
  auto replace = jingle::make_content_action(
      Action::transport_replace, m_sid,
      one(jingle::transport_content(m_content, ibb::make_transport(offer))));
  auto sent = co_await m_dispatch->send(*m_channel, std::move(replace), m_options.request_timeout);
  if (!sent) co_return fail(end_with(sent.error(), ReasonCondition::failed_transport));
  JingleDispatch::Predicate wanted = [](const Incoming& i) {
    return is_action(i, Action::transport_accept) || is_action(i, Action::transport_reject);
  };
  auto answer = co_await m_dispatch->next(m_channel, std::move(wanted), m_options.accept_timeout,
                                          "answer to the in-band fallback");
  if (!answer) {
    if (answer.error().kind != ErrorKind::remote)
      co_return fail(end_with(answer.error(), ReasonCondition::timeout));
    m_channel.reset();  // the peer ended it
    co_return fail(answer.error());
  }
  const xml::Element* transport = transport_of(answer->jingle);
  if (is_action(*answer, Action::transport_reject) || !in_ns(transport, ibb::k_ns_jingle))
    co_return fail(end_with(
        make_error(ErrorKind::unavailable, "no_transport", "",
                   "peer " + m_peer.str() + " refused the in-band fallback after SOCKS5 failed"),
        ReasonCondition::failed_transport));
  co_return co_await open_ibb(*transport);
}

awaitable<Result<std::unique_ptr<ByteSink>>> OutgoingTransfer::open_ibb(xml::Element transport) {
  auto theirs = ibb::parse_transport(transport);
  if (!theirs)
    co_return fail(end_with(theirs.error().with_context("in-band transport from " + m_peer.str()),
                            ReasonCondition::failed_transport));
  // XEP-0261 §2.2: the responder may lower the block size, never raise it, and keeps the sid.
  if (theirs->sid != m_ibb_sid || theirs->block_size == 0 ||
      theirs->block_size > m_options.ibb_block_size)
    co_return fail(end_with(protocol_error("bad_accept", m_peer,
                                           "answered the in-band transport with another sid or a "
                                           "larger block size (" +
                                               std::to_string(theirs->block_size) + ")"),
                            ReasonCondition::incompatible_parameters));
  ibb::SinkOptions sink;
  sink.block_size = theirs->block_size;
  sink.window = m_options.ibb_window;
  sink.timeout = m_options.request_timeout;
  auto opened = co_await ibb::open_sink(m_dispatch->session(), m_peer, m_ibb_sid, sink);
  if (!opened) co_return fail(end_with(opened.error(), ReasonCondition::failed_transport));
  m_used = TransportKind::ibb;
  co_return std::move(*opened);
}

awaitable<Result<void>> OutgoingTransfer::finish() {
  if (!m_channel)
    co_return fail(ErrorKind::usage, "no_session", "",
                   "the Jingle session with " + m_peer.str() + " is over");
  JingleDispatch::Predicate wanted = [](const Incoming& i) {
    if (is_action(i, Action::session_terminate)) return true;
    if (!is_action(i, Action::session_info)) return false;
    for (const auto& payload : i.jingle.payloads)
      if (payload.name() == "received" && payload.ns() == k_ns) return true;
    return false;
  };
  auto verdict = co_await m_dispatch->next(m_channel, std::move(wanted), m_options.verdict_timeout,
                                           "confirmation of receipt");
  if (!verdict) {
    if (verdict.error().code == "timeout")
      co_return fail(end_with(verdict.error(), ReasonCondition::timeout));
    m_channel.reset();
    co_return fail(verdict.error());
  }
  if (is_action(*verdict, Action::session_info)) {
    // XEP-0234 §6.3: the receiver acknowledged receipt but left the ending to us.
    abort(jingle::make_reason(ReasonCondition::success));
    m_channel.reset();
    co_return Result<void>{};
  }
  m_channel.reset();  // ended by the peer
  const auto reason =
      verdict->jingle.reason.value_or(jingle::make_reason(ReasonCondition::general_error));
  if (reason.condition == ReasonCondition::success) co_return Result<void>{};
  co_return fail(ErrorKind::data, "not_confirmed", std::string(jingle::to_string(reason.condition)),
                 "peer " + m_peer.str() + " did not confirm the file (" + describe(reason) + ")");
}

// ---- the receiver ----

IncomingTransfers::IncomingTransfers(JingleDispatch& dispatch, IncomingOptions options)
    : m_dispatch(&dispatch), m_options(options) {
  dispatch.on_initiate([this](const Incoming& incoming) { return on_initiate(incoming); });
}

IncomingTransfers::~IncomingTransfers() {
  m_dispatch->on_initiate({});
}

std::optional<stanza::StanzaError> IncomingTransfers::on_initiate(const Incoming& incoming) {
  // SECURITY.md row 50: a cap on parallel sessions.
  if (!jingle::admit_session(m_dispatch->live_sessions(), m_options.max_sessions))
    return jingle::make_resource_constraint();
  // The peer is the iq's 'from' (session_peer); a different 'initiator' is ignored (row 50).
  const Jid& peer = jingle::session_peer(incoming);
  auto channel = m_dispatch->open_channel(peer, incoming.jingle.sid, jingle::Role::responder);
  const jingle::Content& content = incoming.jingle.contents.front();

  auto reject = [&](ReasonCondition condition, std::string text) {
    m_rejections.push_back(Rejection{channel, condition, std::move(text)});
    m_news.notify_all();
    return std::nullopt;
  };
  auto file = file_of(content);
  // Our application with a broken <file/> (a size that is not a number, a bad hash): say what is
  // wrong rather than "unsupported" (XEP-0166 §7.4 failed-application).
  if (file && !*file) return reject(ReasonCondition::failed_application, (*file).error().message);
  if (!file || !is_offer(content))
    return reject(ReasonCondition::unsupported_applications,
                  "only file offers (XEP-0234) are taken");
  TransportKind kind;
  if (in_ns(content.transport ? &*content.transport : nullptr, ibb::k_ns_jingle))
    kind = TransportKind::ibb;
  else if (in_ns(content.transport ? &*content.transport : nullptr, s5b::k_ns_jingle))
    kind = TransportKind::s5b;
  else
    return reject(ReasonCondition::unsupported_transports, "only SOCKS5 and in-band bytestreams");

  IncomingOffer offer;
  offer.peer = peer;
  offer.sid = incoming.jingle.sid;
  offer.file = std::move(**file);
  offer.transport = kind;
  offer.channel = std::move(channel);
  offer.content = content;
  m_offers.push_back(std::move(offer));
  m_news.notify_all();
  return std::nullopt;
}

awaitable<Result<IncomingOffer>> IncomingTransfers::next_offer(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    while (!m_rejections.empty()) {
      // Acknowledged before (XEP-0166 §6.3.2), so the terminate follows the ack.
      auto r = std::move(m_rejections.front());
      m_rejections.pop_front();
      // Its own wait for the answer: next_offer(0) (a drain) still sends it and hears back.
      (void)co_await m_dispatch->send(
          *r.channel,
          jingle::make_session_terminate(r.channel->sid, jingle::make_reason(r.condition, r.text)),
          std::max(timeout, k_rejection_timeout));
    }
    if (!m_offers.empty()) {
      auto offer = std::move(m_offers.front());
      m_offers.pop_front();
      co_return offer;
    }
    if (auto lost = m_dispatch->session().failure()) co_return fail(*lost);
    if (std::chrono::steady_clock::now() >= deadline)
      co_return fail(ErrorKind::temporary, "timeout", "",
                     "no file offer within " + std::to_string(timeout.count()) + " ms");
    (void)co_await m_news.wait_until(
        std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(250)));
  }
}

awaitable<Result<std::unique_ptr<ByteSource>>> IncomingTransfers::accept(IncomingOffer& offer,
                                                                         AcceptOptions options) {
  auto& session = m_dispatch->session();
  auto& channel = *offer.channel;
  auto end_with = [&](Error error, ReasonCondition condition) {
    m_dispatch->post_terminate(channel, jingle::make_reason(condition, error.message));
    return error;
  };
  if (options.range) {
    // Our caller's mistake (a partial file longer than the offer, say): the peer learns only
    // that the application failed.
    if (auto fits = check_range(offer.file.size, *options.range); !fits)
      co_return fail(end_with(make_error(ErrorKind::usage, "bad_range", "",
                                         "cannot ask " + offer.peer.str() +
                                             " for that part of the file: " + fits.error().message),
                              ReasonCondition::failed_application));
  }
  auto description = accept_description(offer, options.range);

  // IBB: the source listens before the peer hears session-accept or transport-accept (ibb_ops).
  auto expect_ibb = [&](xml::Element transport,
                        Action action) -> awaitable<Result<std::unique_ptr<ByteSource>>> {
    auto theirs = ibb::parse_transport(transport);
    if (!theirs)
      co_return fail(
          end_with(theirs.error().with_context("in-band transport from " + offer.peer.str()),
                   ReasonCondition::failed_transport));
    auto block = ibb::negotiate_block_size(theirs->block_size, options.ibb_max_block_size);
    if (!block)
      co_return fail(
          end_with(protocol_error("bad_offer", offer.peer, "offered an in-band block size of 0"),
                   ReasonCondition::incompatible_parameters));
    ibb::SourceOptions source_options;
    source_options.idle_timeout = options.idle_timeout;
    auto source = ibb::expect_source(session, offer.peer, theirs->sid, *block, source_options);
    if (!source) co_return fail(end_with(source.error(), ReasonCondition::failed_transport));
    ibb::Transport ours = *theirs;
    ours.block_size = *block;
    auto content = jingle::transport_content(offer.content, ibb::make_transport(ours));
    if (action == Action::session_accept) {
      content.description = description;
      content.senders = offer.content.senders;
    }
    auto answer =
        action == Action::session_accept
            ? jingle::make_session_accept(offer.sid, session.jid(), one(std::move(content)))
            : jingle::make_content_action(action, offer.sid, one(std::move(content)));
    auto sent = co_await m_dispatch->send(channel, std::move(answer), options.request_timeout);
    if (!sent) co_return fail(end_with(sent.error(), ReasonCondition::failed_transport));
    co_return std::move(*source);
  };

  if (offer.transport == TransportKind::ibb)
    co_return co_await expect_ibb(*offer.content.transport, Action::session_accept);

  auto theirs = s5b::parse_transport(*offer.content.transport);
  if (!theirs)
    co_return fail(
        end_with(theirs.error().with_context("session-initiate from " + offer.peer.str()),
                 ReasonCondition::failed_transport));
  auto gather =
      gather_options(options.s5b, theirs->sid, session.jid(), offer.peer, s5b::Role::responder);
  gather.peer_candidates = theirs->candidates;
  auto ours = co_await s5b::gather(session, std::move(gather));
  if (!ours) co_return fail(end_with(ours.error(), ReasonCondition::failed_transport));
  jingle::Content content = offer.content;
  content.description = std::move(description);
  content.transport = s5b::make_transport(ours->transport);
  auto sent = co_await m_dispatch->send(
      channel, jingle::make_session_accept(offer.sid, session.jid(), one(std::move(content))),
      options.request_timeout);
  if (!sent) co_return fail(end_with(sent.error(), ReasonCondition::failed_transport));

  JingleSignalling signalling(*m_dispatch, offer.channel, offer.content, options.request_timeout);
  auto connected = co_await s5b::negotiate(session, *ours, std::move(*theirs), signalling,
                                           options.s5b.negotiate);
  if (connected)
    co_return std::unique_ptr<ByteSource>(
        std::make_unique<s5b::SocketBytestream>(std::move(connected->socket), options.s5b.io));
  if (!s5b_failed_over(connected.error()))
    co_return fail(
        end_with(connected.error().with_context("SOCKS5 bytestream with " + offer.peer.str()),
                 ReasonCondition::connectivity_error));
  // XEP-0260 §2.6: the initiator replaces the transport with IBB.
  JingleDispatch::Predicate wanted = [](const Incoming& i) {
    return is_action(i, Action::transport_replace);
  };
  auto replace = co_await m_dispatch->next(offer.channel, std::move(wanted),
                                           options.fallback_timeout, "in-band fallback");
  if (!replace) {
    if (replace.error().kind == ErrorKind::remote) co_return fail(replace.error());
    co_return fail(end_with(replace.error(), ReasonCondition::connectivity_error));
  }
  const xml::Element* transport = transport_of(replace->jingle);
  if (!in_ns(transport, ibb::k_ns_jingle)) {
    // Nothing else to fall back to: refuse the replacement and end (XEP-0166 §7.2.14).
    co_return fail(end_with(protocol_error("bad_offer", offer.peer,
                                           "replaced the SOCKS5 transport with an unknown one"),
                            ReasonCondition::unsupported_transports));
  }
  offer.transport = TransportKind::ibb;  // what carries the bytes from now on
  co_return co_await expect_ibb(*transport, Action::transport_accept);
}

awaitable<Result<void>> IncomingTransfers::decline(IncomingOffer& offer, jingle::Reason reason,
                                                   std::chrono::milliseconds timeout) {
  co_return co_await m_dispatch->send(
      *offer.channel, jingle::make_session_terminate(offer.sid, std::move(reason)), timeout);
}

awaitable<Result<void>> IncomingTransfers::complete(IncomingOffer& offer, bool verified,
                                                    std::chrono::milliseconds timeout) {
  auto reason = verified ? jingle::make_reason(ReasonCondition::success)
                         : jingle::make_reason(ReasonCondition::media_error, "hash mismatch");
  co_return co_await m_dispatch->send(
      *offer.channel, jingle::make_session_terminate(offer.sid, std::move(reason)), timeout);
}

}  // namespace xmpp::jingle_ft
