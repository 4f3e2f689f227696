// `xmpp jingle-file receive`: be discoverable (caps presence, disco#info), take offers from the
// allowed senders, write each file under a private temporary name, verify, rename; decline the
// rest. Runs until --count files were handled, --timeout, or Ctrl-C.
#include <filesystem>
#include <memory>
#include <set>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "cmd_jingle_file.hpp"
#include "core/base64.hpp"
#include "event_lines.hpp"
#include "stanza/presence.hpp"
#include "transfer_display.hpp"
#include "xep/caps/caps_ops.hpp"
#include "xep/disco/disco.hpp"
#include "xep/hashes/hashes.hpp"
#include "xep/ibb/ibb.hpp"
#include "xep/jingle_ft/file_writer.hpp"
#include "xep/jingle_ft/transfer_ops.hpp"
#include "xep/roster/roster_ops.hpp"
#include "xep/s5b/s5b.hpp"

namespace xmpp::cli {

namespace {

using std::chrono::milliseconds;

/// The answer to a decline sent on the way out.
constexpr milliseconds k_last_words{2000};
/// XEP-0115 §4: the node names the software; it is not fetched.
constexpr std::string_view k_caps_node = "urn:xmpp-cli:jingle-file";

/// What we are (XEP-0030): a command-line client that takes files over Jingle.
disco::DiscoInfo our_features() {
  disco::DiscoInfo info;
  info.identities.push_back(disco::Identity{"client", "console", "xmpp", std::nullopt});
  info.features = {std::string(disco::k_ns_info), std::string(caps::k_ns),
                   std::string(jingle::k_ns),     std::string(jingle_ft::k_ns),
                   std::string(s5b::k_ns_jingle), std::string(ibb::k_ns_jingle)};
  for (auto& feature : hashes::disco_features())
    info.features.push_back(std::move(feature));
  return info;
}

/// Who may send us files: --from, else our own account and the roster.
class Senders {
 public:
  void add_exact(Jid jid) { m_jids.push_back(std::move(jid)); }
  void add_bare(const Jid& jid) { m_bare.insert(jid.bare().str()); }
  bool allows(const Jid& peer) const {
    if (m_bare.count(peer.bare().str()) > 0) return true;
    for (const auto& jid : m_jids) {
      if (jid.is_bare() ? jid.str() == peer.bare().str() : jid.str() == peer.str()) return true;
    }
    return false;
  }

 private:
  std::vector<Jid> m_jids;       ///< --from, as given
  std::set<std::string> m_bare;  ///< own account, roster
};

class Receiver {
 public:
  Receiver(Context& ctx, JingleFileArgs args, std::optional<std::uint64_t> max_size)
      : m_ctx(ctx), m_args(std::move(args)), m_max_size(max_size), m_display(ctx) {}

  awaitable<Outcome> run() {
    m_ctx.drop_default_deadline();
    auto session = co_await m_ctx.session();
    if (!session) co_return Outcome::failure(session.error());
    auto& s = **session;
    if (auto allowed = co_await load_senders(s); !allowed)
      co_return Outcome::failure(allowed.error());

    const auto info = our_features();
    const auto caps = caps::caps_for(info, std::string(k_caps_node));
    auto responder = caps::answer_disco_info(s, info, caps);
    // Priority -1: chat messages to our bare JID are not routed to a file receiver (RFC 6121
    // §4.7.2.3); senders still see the resource and its caps.
    auto presence = caps ? caps::make_presence(*caps, -1) : stanza::make_presence();
    if (auto sent = co_await s.send(std::move(presence)); !sent)
      co_return Outcome::failure(sent.error());
    if (auto taken = co_await s.flush(step_timeout()); !taken)
      co_return Outcome::failure(taken.error());
    auto s5b = co_await s5b_settings(m_ctx, s, m_args);

    jingle_ft::JingleDispatch dispatch(s);
    jingle_ft::IncomingTransfers incoming(dispatch, {});
    m_ctx.set_sigint_ends_normally(true);
    m_ctx.on_interrupt([this] {
      if (m_source) m_source->cancel();
      m_ctx.close_session_soon();
    });
    struct Unregister {
      Context& context;
      ~Unregister() { context.on_interrupt(nullptr); }
    } unregister{m_ctx};

    m_display.emit({{"kind", "ready"}, {"jid", s.jid().str()}, {"dir", m_args.dir}});
    m_ctx.note(fmt::format("receiving as {} into {}", s.jid().str(), escape_terminal(m_args.dir)));
    std::vector<char> buffer(k_transfer_block);
    while (m_args.count == 0 || m_handled < m_args.count) {
      const auto left = m_ctx.remaining() - k_deadline_margin;
      if (left.count() <= 0) break;
      auto offer = co_await incoming.next_offer(left);
      if (!offer) {
        if (m_ctx.interrupted()) break;
        if (offer.error().code == "timeout" && !s.failure()) break;  // the deadline
        co_return Outcome::failure(offer.error());
      }
      co_await handle(incoming, *offer, s5b, buffer);
      if (m_ctx.interrupted()) break;
    }
    if (!m_ctx.interrupted() && !s.failure()) co_await decline_queued(incoming);
    if (m_interrupted_transfer) co_return Outcome::failure(*m_interrupted_transfer);
    if (m_first_failure) co_return Outcome::failure(*m_first_failure);
    if (!m_ctx.interrupted() && m_args.count > 0 && m_handled < m_args.count)
      co_return deadline_outcome(m_ctx.settings().timeout, m_args.count, m_handled, "files");
    co_return Outcome::success(nullptr);
  }

 private:
  milliseconds step_timeout() const {
    return std::clamp(m_ctx.remaining(), milliseconds(1), k_step_timeout);
  }

  /// Offers that arrived while we were busy and are still queued when we stop (--count reached,
  /// the deadline): each is declined, so that no sender waits for its own timeout.
  awaitable<void> decline_queued(jingle_ft::IncomingTransfers& incoming) {
    const jingle::Reason reason{jingle::ReasonCondition::decline, "no longer receiving",
                                std::nullopt, std::nullopt};
    for (;;) {
      auto offer = co_await incoming.next_offer(milliseconds(0));
      if (!offer) co_return;
      m_display.emit(offer_event(*offer, false, "no longer receiving"));
      (void)co_await incoming.decline(*offer, reason, k_last_words);
    }
  }

  awaitable<Result<void>> load_senders(stream::Session& session) {
    for (const auto& text : m_args.from) {
      auto jid = Jid::parse(text);
      if (!jid) co_return fail(jid.error().with_context("--from"));
      m_senders.add_exact(std::move(*jid));
    }
    if (!m_args.from.empty()) co_return Result<void>{};
    m_senders.add_bare(session.jid());
    std::optional<roster::Roster> cached;
    auto fetched = co_await roster::fetch(session, std::move(cached), step_timeout());
    if (!fetched) co_return fail(fetched.error().with_context("fetching the roster"));
    for (const auto& item : fetched->roster.items)
      m_senders.add_bare(item.jid);
    co_return Result<void>{};
  }

  void record_failure(const Error& error) {
    if (!m_first_failure) m_first_failure = error;
  }

  nlohmann::ordered_json offer_event(const jingle_ft::IncomingOffer& offer, bool accepted,
                                     std::optional<std::string> reason) const {
    const auto& f = offer.file;
    const auto or_null = [](const auto& value) {
      return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
    };
    std::optional<std::string> hash;
    if (!f.hashes.empty())
      hash = f.hashes.front().algo + ":" + base64_encode(f.hashes.front().digest);
    return {{"kind", "offer"},
            {"from", offer.peer.str()},
            {"file", f.name.value_or("")},
            {"size", or_null(f.size)},
            {"media_type", or_null(f.media_type)},
            {"date", or_null(f.date)},
            {"description", or_null(f.desc)},
            {"hash", or_null(hash)},
            {"accepted", accepted},
            {"reason", or_null(reason)}};
  }

  /// Declines `offer` (best effort) and says why; `failure` also counts it as a failed file.
  awaitable<void> refuse(jingle_ft::IncomingTransfers& incoming, jingle_ft::IncomingOffer& offer,
                         jingle::Reason reason, std::string why, std::optional<Error> failure) {
    m_display.emit(offer_event(offer, false, why));
    m_ctx.warn(fmt::format("declined {} from {}: {}",
                           escape_terminal(offer.file.name.value_or("(no name)")),
                           escape_terminal(offer.peer.str()), why));
    (void)co_await incoming.decline(offer, std::move(reason), step_timeout());
    if (failure) {
      ++m_handled;
      record_failure(*failure);
    }
  }

  awaitable<void> handle(jingle_ft::IncomingTransfers& incoming, jingle_ft::IncomingOffer& offer,
                         const jingle_ft::S5bOptions& s5b, std::vector<char>& buffer) {
    const jingle::Reason decline{jingle::ReasonCondition::decline, std::nullopt, std::nullopt,
                                 std::nullopt};
    if (!m_senders.allows(offer.peer)) {
      // Named locals, not temporaries inside the co_await: g++ 12 destroys those twice.
      std::string why = "not an allowed sender (see --from)";
      co_await refuse(incoming, offer, decline, std::move(why), std::nullopt);
      co_return;
    }
    if (!offer.file.size) {
      std::string why = "the offer declares no size";
      Error failure = make_error(ErrorKind::data, "no_size", "", why);
      co_await refuse(incoming, offer, decline, std::move(why), std::move(failure));
      co_return;
    }
    const std::uint64_t size = *offer.file.size;
    if (auto fits = jingle_ft::check_max_size(size, m_max_size); !fits) {
      auto reason = jingle_ft::make_reason(jingle_ft::FtCondition::file_too_large);
      std::string why = fmt::format("{} is larger than --max-size", format_bytes(size));
      Error failure = fits.error();
      co_await refuse(incoming, offer, std::move(reason), std::move(why), std::move(failure));
      co_return;
    }
    std::optional<hashes::Hash> expected;
    if (const auto* hash = hashes::strongest_usable(offer.file.hashes)) expected = *hash;
    jingle_ft::WriterOptions writer;
    writer.overwrite = m_args.overwrite;
    writer.keep_partial = m_args.keep_partial;
    writer.resume = m_args.keep_partial;
    auto file = jingle_ft::IncomingFile::create(m_args.dir, offer.file.name.value_or(""), size,
                                                expected, writer);
    if (!file) {
      Error failure = file.error();
      std::string why = failure.message;
      co_await refuse(incoming, offer, decline, std::move(why), std::move(failure));
      co_return;
    }
    m_display.emit(offer_event(offer, true, std::nullopt));
    ++m_handled;
    jingle_ft::AcceptOptions accept;
    accept.s5b = s5b;
    if (file->offset() > 0) {
      accept.range = jingle_ft::Range{file->offset(), std::nullopt, {}};
      m_ctx.note(
          fmt::format("resuming {} at byte {}", escape_terminal(file->name()), file->offset()));
    }
    const std::string peer = offer.peer.str();
    std::optional<Error> error;
    std::optional<std::string> transport;
    std::optional<jingle_ft::ReceivedFile> received;
    m_display.start(file->name(), size);
    auto source = co_await incoming.accept(offer, accept);
    if (!source) {
      error = source.error();
    } else {
      transport = std::string(jingle_ft::to_string(offer.transport));
      m_source = source->get();
      error = co_await pump(**source, *file, buffer);
      m_source = nullptr;
      source->reset();  // over S5B the sender's close waits for our side of the socket
    }
    m_display.finish(file->size());
    if (!error) {
      auto done = file->finish();
      if (done) {
        received = std::move(*done);
        (void)co_await incoming.complete(offer, received->verified || !expected, step_timeout());
      } else {
        error = done.error();
        if (done.error().code == "hash_mismatch") {
          (void)co_await incoming.complete(offer, false, step_timeout());
        } else {
          co_await end_failed(incoming, offer, done.error());
        }
      }
    } else if (source) {
      co_await end_failed(incoming, offer, *error);
    }
    std::optional<std::filesystem::path> kept;
    if (error) {
      if (auto aborted = file->abort(); aborted && *aborted) kept = **aborted;
      if (m_ctx.interrupted()) {
        m_interrupted_transfer = make_error(ErrorKind::interrupted, "interrupted", "",
                                            "interrupted during the transfer of " + file->name());
      }
    }
    report(offer, *file, transport, received, error, kept);
  }

  /// Ends an accepted session that failed on our side (best effort: the session may be gone).
  awaitable<void> end_failed(jingle_ft::IncomingTransfers& incoming,
                             jingle_ft::IncomingOffer& offer, const Error& error) {
    const auto condition = error.kind == ErrorKind::data
                               ? jingle::ReasonCondition::media_error
                               : jingle::ReasonCondition::connectivity_error;
    jingle::Reason reason{condition, error.message, std::nullopt, std::nullopt};
    (void)co_await incoming.decline(offer, std::move(reason), step_timeout());
  }

  awaitable<std::optional<Error>> pump(jingle_ft::ByteSource& source, jingle_ft::IncomingFile& file,
                                       std::vector<char>& buffer) {
    for (;;) {
      auto got = co_await source.read(buffer);
      if (!got) co_return got.error();
      if (*got == 0) co_return std::nullopt;
      if (auto wrote = file.write(std::span<const char>(buffer.data(), *got)); !wrote) {
        source.cancel();
        co_return wrote.error();
      }
      m_display.update(file.size());
    }
  }

  void report(const jingle_ft::IncomingOffer& offer, const jingle_ft::IncomingFile& file,
              const std::optional<std::string>& transport,
              const std::optional<jingle_ft::ReceivedFile>& received,
              const std::optional<Error>& error, const std::optional<std::filesystem::path>& kept) {
    auto result = m_display.result_json();
    result["status"] = error ? "failed" : "received";
    result["peer"] = offer.peer.str();
    result["transport"] =
        transport ? nlohmann::ordered_json(*transport) : nlohmann::ordered_json(nullptr);
    result["hash"] =
        received ? received->hash.algo + ":" + base64_encode(received->hash.digest) : std::string();
    result["path"] = received ? nlohmann::ordered_json(received->path.string())
                     : kept   ? nlohmann::ordered_json(kept->string())
                              : nlohmann::ordered_json(nullptr);
    result["error"] = error ? error_object(*error) : nlohmann::ordered_json(nullptr);
    m_display.emit(result);
    if (error) {
      record_failure(*error);
      if (!m_ctx.json())
        m_ctx.warn(fmt::format("{} from {} not received: {}{}", escape_terminal(file.name()),
                               escape_terminal(offer.peer.str()), error->message,
                               kept ? "; kept as " + escape_terminal(kept->string()) : ""));
      return;
    }
    const double seconds = result.value("seconds", 0.0);
    m_display.say(fmt::format("received {} ({}) from {} over {} into {}, {}",
                              escape_terminal(received->name), format_bytes(received->size),
                              escape_terminal(offer.peer.str()), transport.value_or("?"),
                              escape_terminal(received->path.string()),
                              received->verified ? "verified" : "NOT verified (no usable hash)"));
    (void)seconds;
  }

  Context& m_ctx;
  JingleFileArgs m_args;
  std::optional<std::uint64_t> m_max_size;
  TransferDisplay m_display;
  Senders m_senders;
  int m_handled = 0;
  jingle_ft::ByteSource* m_source = nullptr;
  std::optional<Error> m_first_failure;
  std::optional<Error> m_interrupted_transfer;
};

}  // namespace

awaitable<Outcome> run_jingle_file_receive(Context& ctx, JingleFileArgs args) {
  std::optional<std::uint64_t> max_size;
  if (args.max_size) {
    auto parsed = parse_byte_size(*args.max_size);
    if (!parsed) co_return Outcome::failure(parsed.error());
    max_size = *parsed;
  }
  // A directory we cannot write into fails now, not at the first offer.
  std::error_code ec;
  if (!std::filesystem::is_directory(args.dir, ec))
    co_return Outcome::failure(make_error(ErrorKind::cant_create, "cannot_open_dir", "",
                                          fmt::format("--dir {}: not a directory", args.dir)));
  if (::access(args.dir.c_str(), W_OK | X_OK) != 0)
    co_return Outcome::failure(make_error(ErrorKind::cant_create, "cannot_open_dir", "",
                                          fmt::format("--dir {}: not writable", args.dir)));
  Receiver receiver(ctx, std::move(args), max_size);
  co_return co_await receiver.run();
}

}  // namespace xmpp::cli
