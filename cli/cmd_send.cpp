#include "cmd_send.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "commands.hpp"
#include "core/random.hpp"
#include "stanza/message.hpp"
#include "stanza/namespaces.hpp"
#include "stanza/presence.hpp"
#include "stdin_lines.hpp"
#include "stream/router.hpp"
#include "stream/signal.hpp"
#include "xep/muc/muc.hpp"
#include "xep/muc/muc_ops.hpp"
#include "xep/oob/oob.hpp"
#include "xep/receipts/receipts.hpp"
#include "xep/sid/sid.hpp"
#include "xep/upload/upload_ops.hpp"
#include "xml/parser.hpp"
#include "xml/writer.hpp"

namespace xmpp::cli {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

/// Messages in flight before reading more input waits for the server (--lines back-pressure).
constexpr std::size_t k_window = 256;
/// A bounce from another server (s2s) can come after the local server's ack; messages to other
/// domains wait this long for one before they count as delivered.
constexpr milliseconds k_remote_bounce_wait{1000};
/// With --lines, a dropped connection is resumed or re-established at least this many times.
constexpr int k_lines_reconnects = 10;
/// Human output lists this many failed messages, then counts the rest.
constexpr std::size_t k_human_failures = 20;
/// How long leaving a room may take before we close the stream anyway (the server then leaves
/// for us).
constexpr milliseconds k_leave_wait{2000};

nlohmann::ordered_json message_json(const SentMessage& m) {
  nlohmann::ordered_json j;
  if (m.line) j["line"] = *m.line;
  j["to"] = m.to;
  j["id"] = m.id;
  j["acked"] = m.state == stream::DeliveryState::acked;
  if (m.receipt) j["receipt"] = *m.receipt;
  if (m.error && m.error->kind == ErrorKind::data)
    j["status"] = "invalid";  // bad input, never sent
  else if (m.state != stream::DeliveryState::acked)
    j["status"] = std::string(stream::to_string(m.state));
  if (m.error) j["error"] = error_object(*m.error);
  return j;
}

/// The message type for the recipients: chat by default, groupchat in rooms.
Result<stanza::MessageType> message_type(const SendArgs& args) {
  if (args.type.empty()) return args.muc ? stanza::MessageType::groupchat : stanza::MessageType::chat;
  auto type = stanza::parse_message_type(args.type);
  if (!type || *type == stanza::MessageType::error)
    return fail(usage_error("--type must be chat, normal, headline or groupchat"));
  if (*type == stanza::MessageType::groupchat && !args.muc)
    return fail(usage_error("--type groupchat needs --muc: a room only accepts messages from occupants"));
  if (args.muc && *type != stanza::MessageType::groupchat)
    return fail(usage_error("--muc sends groupchat messages; --type " + args.type + " does not apply"));
  return *type;
}

Result<void> check_text(std::string_view what, const std::optional<std::string>& text) {
  if (text && !xml::is_xml_text(*text))
    return fail(ErrorKind::data, "bad_text", "",
                std::string(what) +
                    " is not valid UTF-8 text (or holds control characters XML cannot carry)");
  return {};
}

/// Checks the combinations CLI11 cannot express. Nothing has been read or sent yet.
Result<void> check_args(const SendArgs& args) {
  if (args.raw) {
    if (!args.recipients.empty())
      return fail(usage_error("--raw sends the stanzas from stdin as they are: give no JID"));
    if (args.message || args.lines || args.muc || args.attach || args.url || args.subject ||
        args.thread || args.id || args.receipt || !args.type.empty())
      return fail(usage_error("--raw cannot be combined with message options"));
    return {};
  }
  if (args.recipients.empty()) return fail(usage_error("give at least one recipient JID"));
  if (args.lines && args.message) return fail(usage_error("--lines reads stdin; it cannot go with -m"));
  if (args.lines && args.attach) return fail(usage_error("--lines cannot go with --attach"));
  if (args.attach && args.message)
    return fail(usage_error("--attach sends the file's URL as the body; it cannot go with -m"));
  if (args.receipt && args.muc)
    return fail(usage_error("--receipt is for one-to-one messages (XEP-0184 §5.3), not rooms"));
  if ((args.nick || args.room_password) && !args.muc)
    return fail(usage_error("--nick and --room-password need --muc"));
  if (auto r = check_text("--subject", args.subject); !r) return r;
  if (auto r = check_text("--thread", args.thread); !r) return r;
  if (auto r = check_text("--url", args.url); !r) return r;
  if (args.id && (args.id->empty() || !xml::is_xml_text(*args.id)))
    return fail(usage_error("--id must be non-empty text"));
  return {};
}

/// The message to one recipient: body, subject, thread, XEP-0066 link, XEP-0184 request and the
/// XEP-0359 origin-id (equal to the stanza id, so a receiver can drop our resends).
xml::Element compose(const SendArgs& args, const std::string& to, stanza::MessageType type,
                     const std::string& body, const std::string& id) {
  auto message = stanza::make_message(to, type, body, id);
  if (args.subject) {
    xml::Element subject("subject", std::string(stanza::k_ns_client));
    subject.add_text(*args.subject);
    message.add_child(std::move(subject));
  }
  if (args.thread) {
    xml::Element thread("thread", std::string(stanza::k_ns_client));
    thread.add_text(*args.thread);
    message.add_child(std::move(thread));
  }
  if (args.url) message.add_child(oob::make_oob(*args.url));
  if (args.receipt) message.add_child(receipts::make_request());
  message.add_child(sid::make_origin_id(id));
  return message;
}

/// Ids: --id for a single message, --id-N for several, random otherwise.
class IdSource {
 public:
  IdSource(std::optional<std::string> base, bool several) : m_base(std::move(base)), m_several(several) {}
  std::string next() {
    ++m_count;
    if (!m_base) return random_id();
    return m_several ? fmt::format("{}-{}", *m_base, m_count) : *m_base;
  }

 private:
  std::optional<std::string> m_base;
  bool m_several;
  std::size_t m_count = 0;
};

/// --raw: stdin as a sequence of stanzas, checked for well-formedness and for being stanzas.
Result<std::vector<xml::Element>> parse_raw(std::string_view input) {
  if (!xml::is_xml_text(input))
    return fail(ErrorKind::data, "bad_xml", "", "stdin is not valid UTF-8 XML text");
  xml::XercesParser parser;
  std::string document = "<raw xmlns='jabber:client'>";
  document += input;
  document += "</raw>";
  auto root = parser.parse_document(document);
  if (!root)
    return fail(ErrorKind::data, "bad_xml", root.error().condition,
                "stdin is not well-formed XML stanzas: " + root.error().message);
  std::vector<xml::Element> stanzas;
  for (const auto& node : root->nodes()) {
    if (node.is_text()) {
      if (node.text().find_first_not_of(" \t\r\n") != std::string::npos)
        return fail(ErrorKind::data, "bad_xml", "", "stdin has text outside of stanzas");
      continue;
    }
    const xml::Element& e = node.element();
    if (e.ns() != stanza::k_ns_client ||
        (e.name() != "message" && e.name() != "presence" && e.name() != "iq"))
      return fail(ErrorKind::data, "bad_xml", "",
                  "stdin holds <" + e.name() + "/>, which is not a jabber:client stanza");
    stanzas.push_back(e);
  }
  if (stanzas.empty()) return fail(ErrorKind::data, "empty_input", "", "stdin holds no stanza");
  return stanzas;
}

bool is_remote(const std::string& to, const Jid& own) {
  auto jid = Jid::parse(to);
  if (!jid) return false;
  const std::string& d = jid->domain();
  const std::string& ours = own.domain();
  return d != ours && !(d.size() > ours.size() && d.ends_with("." + ours));
}

struct Room {
  Jid jid;
  std::optional<muc::Joined> joined;
  std::optional<Error> refused;
};

}  // namespace

void SentLog::push_back(const SentMessage& m) {
  Entry e;
  e.index = m.index;
  e.line = m.line.value_or(0);
  auto known = m_to_index.find(m.to);
  if (known == m_to_index.end()) {
    known = m_to_index.emplace(m.to, static_cast<std::uint32_t>(m_to.size())).first;
    m_to.push_back(m.to);
  }
  e.to = known->second;
  e.receipt = m.receipt ? static_cast<std::int8_t>(*m.receipt) : std::int8_t{-1};
  if (m.id.size() <= k_inline_id) {
    e.id_size = static_cast<std::uint8_t>(m.id.size());
    std::copy(m.id.begin(), m.id.end(), e.id);
  } else {
    e.id_size = k_inline_id + 1;
    e.long_id = static_cast<std::uint32_t>(m_long_ids.size());
    m_long_ids.push_back(m.id);
  }
  m_entries.push_back(e);
}

SentMessage SentLog::at(std::size_t i) const {
  const Entry& e = m_entries[i];
  SentMessage m;
  if (e.line != 0) m.line = static_cast<std::size_t>(e.line);
  m.to = m_to[e.to];
  m.id = e.id_size <= k_inline_id ? std::string(e.id, e.id_size) : m_long_ids[e.long_id];
  m.state = stream::DeliveryState::acked;
  if (e.receipt >= 0) m.receipt = e.receipt == 1;
  m.index = static_cast<std::size_t>(e.index);
  return m;
}

void SentLog::erase_index(std::size_t index) {
  for (auto it = m_entries.rbegin(); it != m_entries.rend(); ++it)
    if (it->index == index) {
      m_entries.erase(std::next(it).base());
      return;
    }
}

void SentLog::clear() {
  m_entries.clear();
  m_to.clear();
  m_to_index.clear();
  m_long_ids.clear();
}

nlohmann::ordered_json SendReport::to_json() const {
  if (dry_run) return {{"dry_run", true}, {"stanzas", *dry_run}};
  nlohmann::ordered_json j;
  auto s = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < sent.size(); ++i)
    s.push_back(message_json(sent.at(i)));
  auto f = nlohmann::ordered_json::array();
  for (const auto& m : failed) f.push_back(message_json(m));
  j["sent"] = std::move(s);
  j["failed"] = std::move(f);
  j["resent"] = resent;
  if (url) j["url"] = *url;
  return j;
}

void SendReport::write_json(std::ostream& out) const {
  if (dry_run) {
    Report::write_json(out);
    return;
  }
  // dump_json writes compactly ("," and ":" with no spaces around them), so the document is its
  // pieces joined by hand, byte for byte what to_json() would dump.
  out << "{\"sent\":[";
  for (std::size_t i = 0; i < sent.size(); ++i)
    out << (i == 0 ? "" : ",") << dump_json(message_json(sent.at(i)));
  out << "],\"failed\":[";
  for (std::size_t i = 0; i < failed.size(); ++i)
    out << (i == 0 ? "" : ",") << dump_json(message_json(failed[i]));
  out << "],\"resent\":" << resent;
  if (url) out << ",\"url\":" << dump_json(*url);
  out << "}\n";
}

void SendReport::print_human(std::ostream& out) const {
  if (dry_run) {
    for (const auto& stanza : *dry_run) out << stanza << '\n';
    return;
  }
  std::size_t shown = 0;
  for (const auto& m : failed) {
    if (++shown > k_human_failures) {
      out << fmt::format("... and {} more (--json lists them all)\n", failed.size() - k_human_failures);
      break;
    }
    std::string where = m.line ? fmt::format("line {} to {}", *m.line, m.to) : m.to;
    std::string what = m.state == stream::DeliveryState::acked && m.receipt == false
                           ? "no receipt"
                           : std::string(stream::to_string(m.state));
    out << escape_terminal(where) << ": " << what;
    if (m.error) out << ": " << escape_terminal(m.error->message);
    out << " (id " << escape_terminal(m.id) << ")\n";
  }
  if (url) out << escape_terminal(*url) << '\n';
}

awaitable<Outcome> run_send(Context& ctx, SendArgs args) {
  if (auto ok = check_args(args); !ok) co_return Outcome::failure(ok.error());
  stanza::MessageType type = stanza::MessageType::normal;
  if (!args.raw) {
    auto t = message_type(args);
    if (!t) co_return Outcome::failure(t.error());
    type = *t;
  }
  std::vector<std::string> recipients;
  for (const auto& r : args.recipients) {
    auto jid = Jid::parse(r);
    if (!jid) co_return Outcome::failure(jid.error());
    if (args.muc && (!jid->has_local() || !jid->is_bare()))
      co_return Outcome::failure(usage_error("--muc needs room JIDs (room@service), got " + r));
    recipients.push_back(jid->str());
  }

  // The input, read and checked before anything is sent.
  std::string body;
  std::vector<xml::Element> raw;
  if (args.raw) {
    auto input = read_all(STDIN_FILENO);
    if (!input) co_return Outcome::failure(input.error());
    auto stanzas = parse_raw(*input);
    if (!stanzas) co_return Outcome::failure(stanzas.error());
    raw = std::move(*stanzas);
  } else if (!args.lines && !args.attach) {
    if (args.message) {
      body = *args.message;
    } else {
      auto input = read_all(STDIN_FILENO);
      if (!input) co_return Outcome::failure(input.error());
      body = std::move(*input);
      // `echo text | xmpp send` means "text": one final line ending is not part of the message.
      if (body.ends_with('\n')) body.pop_back();
      if (body.ends_with('\r')) body.pop_back();
    }
    if (auto ok = check_text(args.message ? "-m" : "the message from stdin",
                             std::optional<std::string>(body));
        !ok)
      co_return Outcome::failure(ok.error());
    if (body.empty() && !args.subject && !args.url)
      co_return Outcome::failure(make_error(ErrorKind::data, "empty_message", "",
                                            "nothing to send: the message is empty"));
  }

  if (args.attach) {
    // Checked before connecting, so that a typo costs no login (exit 66, nothing sent).
    std::error_code ec;
    const std::filesystem::path file(*args.attach);
    if (!std::filesystem::is_regular_file(file, ec) || ::access(file.c_str(), R_OK) != 0)
      co_return Outcome::failure(make_error(ErrorKind::no_input, "file_unreadable", "",
                                            *args.attach + ": not a readable file"));
  }

  const std::string nick_fallback =
      ctx.settings().jid && ctx.settings().jid->has_local() ? ctx.settings().jid->local() : "xmpp";
  muc::JoinOptions join_options;
  join_options.nick = args.nick.value_or(nick_fallback);
  join_options.password = args.room_password;
  join_options.history_stanzas = 0;
  join_options.nick_retries = 3;
  join_options.allow_create = false;

  if (args.dry_run) {
    auto report = std::make_unique<SendReport>();
    std::vector<std::string> stanzas;
    const auto show = [&](const xml::Element& e) { stanzas.push_back(xml::to_string(e, "")); };
    if (args.raw) {
      for (const auto& e : raw) show(e);
    } else {
      IdSource ids(args.id, recipients.size() > 1 || args.lines);
      const std::string shown_body =
          args.attach ? "https://upload.invalid/(the URL of " + *args.attach + ")" : body;
      // The same join and leave presences muc::join and muc::leave send.
      std::vector<Jid> occupants;
      if (args.muc)
        for (const auto& r : recipients) {
          auto occupant = Jid::parse(r)->try_with_resource(join_options.nick);
          if (!occupant) co_return Outcome::failure(occupant.error());
          show(muc::make_join_presence(*occupant, join_options.password,
                                       join_options.history_stanzas));
          occupants.push_back(std::move(*occupant));
        }
      if (args.lines) {
        LineReader reader(ctx.executor(), STDIN_FILENO);
        for (;;) {
          auto line = co_await reader.next();
          if (!line) co_return Outcome::failure(line.error());
          if (!*line) break;
          if ((*line)->empty() || !xml::is_xml_text(**line)) continue;
          for (const auto& r : recipients) show(compose(args, r, type, **line, ids.next()));
        }
      } else {
        for (const auto& r : recipients) show(compose(args, r, type, shown_body, ids.next()));
      }
      for (const auto& occupant : occupants) show(muc::make_leave_presence(occupant));
    }
    report->dry_run = std::move(stanzas);
    co_return Outcome::success(std::move(report));
  }

  // --lines streams like a listening command: no default deadline (an explicit --timeout stays).
  if (args.lines) (void)ctx.drop_default_deadline();
  auto opened = co_await ctx.session();
  if (!opened) co_return Outcome::failure(opened.error());
  stream::Session* session = *opened;
  auto report = std::make_unique<SendReport>();

  if (args.attach) {
    upload::UploadOptions options;
    options.timeout = ctx.remaining();
    options.transfer_timeout = ctx.remaining();
    options.ca_file = ctx.settings().ca_file;
    options.insecure = ctx.settings().insecure;
    options.dns_server = ctx.settings().dns_server;
    auto uploaded = co_await upload::upload_file(*session, *args.attach, options);
    if (!uploaded) co_return Outcome::failure(uploaded.error());
    ctx.note(fmt::format("uploaded {} bytes to {}", uploaded->size, uploaded->service.str()));
    report->url = uploaded->get_url;
    body = uploaded->get_url;
    args.url = uploaded->get_url;
  }

  // Rooms: join each; a refusal fails that room's messages, the others go on.
  std::vector<Room> rooms;
  if (args.muc) {
    for (const auto& r : recipients) {
      Room room{*Jid::parse(r), std::nullopt, std::nullopt};
      auto joined = co_await muc::join(*session, room.jid, join_options);
      if (joined)
        room.joined = std::move(*joined);
      else
        room.refused = joined.error();
      rooms.push_back(std::move(room));
    }
  }
  const auto refused = [&](const std::string& to) -> const Error* {
    for (const auto& room : rooms)
      if (room.refused && room.jid.str() == to) return &*room.refused;
    return nullptr;
  };

  // Receipts (XEP-0184) from the addressee's bare JID, matched by our id.
  std::set<std::string> receipts_seen;
  std::map<std::string, std::string> receipt_wanted;  // id -> addressee bare JID
  stream::Signal receipt_signal;
  stream::Subscription receipt_sub;
  const auto watch_receipts = [&](stream::Session& s) {
    if (!args.receipt) return;
    receipt_sub = s.router().on(stream::StanzaMatch{"message", std::string(receipts::k_ns), ""},
                                [&](const xml::Element& m) {
                                  auto id = receipts::received_id(m);
                                  if (!id) return;
                                  auto wanted = receipt_wanted.find(*id);
                                  auto from = Jid::parse(m.attr("from").value_or(""));
                                  if (wanted == receipt_wanted.end() || !from ||
                                      from->bare_str() != wanted->second)
                                    return;
                                  receipts_seen.insert(*id);
                                  receipt_signal.notify_all();
                                });
  };
  watch_receipts(*session);
  // A receipt comes back to our full JID, which the server routes to us only once we are
  // available; priority -1 keeps messages to our bare JID away from this short-lived resource.
  const auto announce = [&](stream::Session& s) -> awaitable<Result<void>> {
    if (!args.receipt) co_return Result<void>{};
    auto presence = stanza::make_presence();
    xml::Element priority("priority", std::string(stanza::k_ns_client));
    priority.add_text("-1");
    presence.add_child(std::move(priority));
    co_return co_await s.send(std::move(presence));
  };
  if (auto ok = co_await announce(*session); !ok) co_return Outcome::failure(ok.error());

  stream::OutboxOptions options;
  options.window = k_window;
  options.ack_timeout = std::min<milliseconds>(ctx.remaining(), milliseconds(30000));
  options.reconnect_attempts =
      args.lines ? std::max(ctx.settings().retries, k_lines_reconnects) : ctx.settings().retries;
  options.reconnect = [&ctx]() { return ctx.reopen_session(); };
  options.setup = [&](stream::Session& s) -> awaitable<Result<void>> {
    watch_receipts(s);
    if (auto ok = co_await announce(s); !ok) co_return ok;
    for (auto& room : rooms) {
      if (!room.joined) continue;
      auto joined = co_await muc::join(s, room.jid, join_options);
      if (!joined) co_return fail(joined.error());
      room.joined = std::move(*joined);
    }
    co_return Result<void>{};
  };
  options.on_note = [&ctx](std::string_view text) { ctx.warn(text); };
  // The report is kept as messages settle, not from the outbox (which forgets settled messages):
  // acknowledged ones only when they will be printed (--json) or checked (--receipt), so that a
  // long `--lines` run in human mode keeps nothing but failures and a count.
  const bool keep_sent = ctx.json() || args.receipt;
  std::size_t acked_count = 0;
  const auto line_of = [](std::uint64_t tag) {
    return tag == 0 ? std::nullopt : std::optional<std::size_t>(tag);
  };
  options.on_update = [&](const stream::Delivery& d) {
    SentMessage m{line_of(d.tag), d.to, d.id, d.state, std::nullopt, d.error, d.index};
    // Counted once per message: a late bounce after the ack is its second update.
    if (d.transmissions > 1 && !(d.server_acked && d.state == stream::DeliveryState::bounced))
      ++report->resent;
    if (d.state == stream::DeliveryState::acked) {
      ++acked_count;
      if (keep_sent) report->sent.push_back(std::move(m));
      return;
    }
    if (d.server_acked && d.state == stream::DeliveryState::bounced) {
      // A late bounce (another server's) for a message already counted as delivered.
      --acked_count;
      report->sent.erase_index(d.index);
    }
    report->failed.push_back(std::move(m));
  };
  stream::Outbox outbox(ctx.executor(), *session, std::move(options));

  IdSource ids(args.id, recipients.size() > 1 || args.lines);
  std::vector<SentMessage> not_sent;                // refused rooms, bad lines
  std::optional<Error> stop;                        // why submitting stopped early
  const auto deadline = [&ctx] { return Clock::now() + ctx.remaining() - k_deadline_margin; };
  const auto submit = [&](const std::string& text,
                          std::optional<std::size_t> line) -> awaitable<bool> {
    for (const auto& r : recipients) {
      const std::string id = ids.next();
      if (const Error* e = refused(r)) {
        not_sent.push_back(SentMessage{line, r, id, stream::DeliveryState::bounced,
                                       std::nullopt, *e});
        continue;
      }
      if (args.receipt) receipt_wanted[id] = Jid::parse(r)->bare_str();
      auto ok = co_await outbox.submit(compose(args, r, type, text, id), deadline(), line.value_or(0));
      if (!ok) {
        stop = ok.error();
        co_return false;
      }
    }
    co_return true;
  };

  if (args.raw) {
    for (auto& stanza : raw) {
      if (!stanza.attr("id")) stanza.set_attr("id", random_id());
      auto ok = co_await outbox.submit(std::move(stanza), deadline());
      if (!ok) {
        stop = ok.error();
        break;
      }
    }
  } else if (args.lines) {
    LineReader reader(ctx.executor(), STDIN_FILENO);
    // SIGINT ends the input: what was read is still confirmed before the exit.
    bool interrupted = false;
    ctx.on_interrupt([&] {
      interrupted = true;
      reader.cancel();
    });
    // The deadline ends the input like Ctrl-C: what was read is still submitted, and drain()
    // then reports what the server did not confirm in time.
    asio::steady_timer input_deadline(ctx.executor());
    if (ctx.deadline()) {
      input_deadline.expires_at(*ctx.deadline() - k_deadline_margin);
      input_deadline.async_wait([&reader](const boost::system::error_code& ec) {
        if (!ec) reader.cancel();
      });
    }
    for (std::size_t n = 1; !interrupted; ++n) {
      auto line = co_await reader.next();
      if (!line) {
        not_sent.push_back(SentMessage{n, recipients.front(), "", stream::DeliveryState::unconfirmed,
                                       std::nullopt, line.error()});
        if (line.error().kind == ErrorKind::no_input) break;
        continue;
      }
      if (!*line) break;
      if ((*line)->empty()) continue;
      if (!xml::is_xml_text(**line)) {
        not_sent.push_back(SentMessage{
            n, recipients.front(), "", stream::DeliveryState::unconfirmed, std::nullopt,
            make_error(ErrorKind::data, "bad_text", "",
                       "not valid UTF-8 text (or holds control characters XML cannot carry)")});
        continue;
      }
      if (!co_await submit(**line, n)) break;
    }
    input_deadline.cancel();
    ctx.on_interrupt(nullptr);
  } else {
    (void)co_await submit(body, std::nullopt);
  }

  auto drained = co_await outbox.drain(deadline());
  session = &outbox.session();

  // Bounces from other servers may trail the local ack.
  if (drained && std::any_of(recipients.begin(), recipients.end(),
                             [&](const std::string& r) { return is_remote(r, session->jid()); })) {
    asio::steady_timer wait(ctx.executor());
    wait.expires_after(std::min(k_remote_bounce_wait, ctx.remaining()));
    boost::system::error_code ignored;
    co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  // Receipts, until the deadline.
  if (args.receipt && drained) {
    const auto all_in = [&] {
      for (std::size_t i = 0; i < report->sent.size(); ++i)
        if (!receipts_seen.count(report->sent.at(i).id)) return false;
      return true;
    };
    const auto until = deadline() - milliseconds(200);
    while (!all_in()) {
      if (!co_await receipt_signal.wait_until(until) && !all_in()) break;
    }
  }
  for (auto& room : rooms)
    if (room.joined) (void)co_await muc::leave(*session, *room.joined, std::min(k_leave_wait, ctx.remaining()));
  // Some servers ack first and route afterwards (ejabberd 23.01 bounces a message to a missing
  // account right after the XEP-0198 <a/>), so the bounce can arrive after we are done. Close
  // the stream here, while the outbox still listens: every stanza the server sends before its
  // </stream:stream> (or before stream::k_close_wait ran out) is dispatched, and a bounce among
  // them fails its message as one before the ack would. The run loop's close then finds it done.
  // Only once everything was acknowledged, and with time for the close left: with messages still
  // unconfirmed (a stalled server) the report must come out before the deadline, not after.
  if (drained && ctx.remaining() > stream::k_close_wait) co_await ctx.settle_session(*session);

  // The report: receipts decide the fate of acknowledged messages; failures in input order.
  std::size_t unconfirmed = 0, refused_count = 0;
  if (args.receipt) {
    SentLog confirmed;
    for (std::size_t i = 0; i < report->sent.size(); ++i) {
      SentMessage m = report->sent.at(i);
      m.receipt = receipts_seen.count(m.id) != 0;
      if (*m.receipt) {
        confirmed.push_back(m);
        continue;
      }
      m.error = make_error(ErrorKind::remote, "no_receipt", "",
                           "no delivery receipt from " + m.to + " before the deadline");
      --acked_count;
      report->failed.push_back(std::move(m));
    }
    report->sent = std::move(confirmed);
  }
  for (const auto& m : report->failed) {
    if (m.state == stream::DeliveryState::unconfirmed) ++unconfirmed;
    else ++refused_count;
  }
  std::stable_sort(report->failed.begin(), report->failed.end(),
                   [](const SentMessage& a, const SentMessage& b) { return a.index < b.index; });
  for (auto& m : not_sent) {
    if (m.error && m.error->kind == ErrorKind::remote) ++refused_count;
    report->failed.push_back(std::move(m));
  }
  const std::size_t total = outbox.submitted() + not_sent.size();
  ctx.note(fmt::format("{} of {} messages acknowledged by the server", acked_count,
                       outbox.submitted()));
  if (report->failed.empty() && !stop) co_return Outcome::success(std::move(report));

  // Exit status: unconfirmed (75) before refused (1) before bad input (65).
  std::optional<Error> error;
  if (unconfirmed > 0 || stop) {
    const Error cause = stop ? *stop : drained ? Error{} : drained.error();
    error = make_error(ErrorKind::temporary, cause.code.empty() ? "unconfirmed" : cause.code,
                       cause.condition,
                       fmt::format("{} of {} messages not confirmed by the server{}", unconfirmed,
                                   total, cause.message.empty() ? "" : ": " + cause.message));
  } else if (refused_count > 0) {
    const auto first = std::find_if(report->failed.begin(), report->failed.end(),
                                    [](const SentMessage& m) { return m.error.has_value(); });
    error = make_error(ErrorKind::remote, first->error->code, first->error->condition,
                       report->failed.size() == 1
                           ? first->error->message
                           : fmt::format("{} of {} messages failed; first: {}",
                                         report->failed.size(), total, first->error->message));
  } else {
    const Error& first = *report->failed.front().error;
    error = make_error(first.kind, first.code, first.condition,
                       fmt::format("{} of {} lines could not be sent: {}", report->failed.size(),
                                   total, first.message));
  }
  co_return Outcome::failure(std::move(*error), std::move(report));
}

Runner setup_send(CLI::App& command) {
  auto args = std::make_shared<SendArgs>();
  command.add_option("JID", args->recipients, "recipients (with --muc: rooms)")
      ->check(jid_validator());
  command.add_option("-m,--message", args->message, "the message body (default: all of stdin)")
      ->type_name("TEXT");
  command.add_flag("--lines", args->lines,
                   "send each stdin line as its own message, as it arrives");
  command.add_option("--type", args->type, "chat (default), normal, headline or groupchat")
      ->type_name("TYPE")
      ->check(CLI::IsMember({"chat", "normal", "headline", "groupchat"}));
  command.add_option("--subject", args->subject, "message subject")->type_name("TEXT");
  command.add_option("--thread", args->thread, "conversation thread id")->type_name("ID");
  command.add_option("--id", args->id, "message id (with several messages: ID-1, ID-2, ...)")
      ->type_name("ID");
  command.add_option("--url", args->url, "add an XEP-0066 out-of-band link")->type_name("URL");
  command.add_option("--attach", args->attach,
                     "upload FILE (XEP-0363) and send its URL")
      ->type_name("FILE");
  command.add_flag("--muc", args->muc, "recipients are rooms: join, send, leave");
  command.add_option("--nick", args->nick, "nick in the rooms (default: the JID's local part)")
      ->type_name("NICK");
  command.add_option("--room-password", args->room_password, "password of the rooms")
      ->type_name("PASSWORD");
  command.add_flag("--receipt", args->receipt,
                   "wait for each recipient's delivery receipt (XEP-0184)");
  command.add_flag("--raw", args->raw,
                   "stdin is stanza XML, checked for well-formedness and sent as is");
  command.add_flag("--dry-run", args->dry_run,
                   "print the stanzas that would be sent; connect to nothing");
  return [args](Context& ctx) { return run_send(ctx, *args); };
}

}  // namespace xmpp::cli
