#include "listen_message.hpp"

#include <charconv>
#include <ctime>

#include <fmt/format.h>

#include "output.hpp"
#include "stanza/error.hpp"
#include "stanza/message.hpp"
#include "stanza/namespaces.hpp"
#include "stanza/presence.hpp"
#include "xep/delay/delay.hpp"
#include "xep/oob/oob.hpp"
#include "xep/receipts/receipts.hpp"
#include "xep/sid/sid.hpp"

namespace xmpp::cli {

namespace {

using Json = nlohmann::ordered_json;

/// The sender of an inbound stanza: RFC 6120 §8.1.2.1, no 'from' means our own account.
std::optional<Jid> sender_of(const xml::Element& stanza, const Jid& own) {
  const auto from = stanza.attr("from");
  if (!from) return own.bare();
  auto parsed = Jid::parse(*from);
  if (!parsed) return std::nullopt;
  return std::move(*parsed);
}

/// The first <status/> (or <body/>-like element) without xml:lang, else the first one.
std::optional<std::string> first_text(const xml::Element& stanza, std::string_view name) {
  const auto elements = stanza.children(name, stanza::k_ns_client);
  for (const xml::Element* e : elements)
    if (!e->attr_ns(xml::k_ns_xml, "lang")) return e->text();
  if (!elements.empty()) return elements.front()->text();
  return std::nullopt;
}

ShownError shown_error(const xml::Element& stanza) {
  const auto e = stanza::parse_stanza_error(stanza);
  ShownError shown{std::string(stanza::to_string(e.type)), e.condition, std::nullopt};
  if (!e.text.empty()) shown.text = e.text;
  return shown;
}

Json error_json(const std::optional<ShownError>& error) {
  if (!error) return nullptr;
  return Json{
      {"type", error->type}, {"condition", error->condition}, {"text", or_null(error->text)}};
}

Json stamp_json(const std::optional<time::Timestamp>& stamp) {
  return stamp ? Json(time::format_utc(*stamp)) : Json(nullptr);
}

/// Room and nick when `sender` is a room we joined or one of its occupants.
void set_room(const Jid& sender, const ListenScope& scope, std::optional<std::string>& room,
              std::optional<std::string>& nick) {
  if (!scope.rooms.contains(sender.bare())) return;
  room = sender.bare_str();
  if (!sender.is_bare()) nick = sender.resource();
}

std::string error_text(const ShownError& error) {
  return error.text ? error.condition + ": " + *error.text : error.condition;
}

/// Appends `text` (already escaped, newlines kept) with every line after the first indented.
void append_indented(std::string& out, std::string_view text) {
  std::size_t start = 0;
  for (;;) {
    const auto end = text.find('\n', start);
    out += text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (end == std::string_view::npos) break;
    out += "\n    ";
    start = end + 1;
  }
}

}  // namespace

std::variant<ListenMessage, Ignored> decode_message(const xml::Element& outer,
                                                    const ListenScope& scope) {
  const xml::Element* message = &outer;
  std::optional<carbons::Carbon> carbon;
  if (carbons::is_carbon(outer)) {
    auto unwrapped = carbons::unwrap(outer, scope.own);
    if (!unwrapped) return Ignored{unwrapped.error().message};
    if (!scope.carbons) return Ignored{"carbon copy, but carbons were not enabled (--carbons)"};
    carbon = std::move(*unwrapped);
    message = &carbon->message;
  }

  auto sender = sender_of(*message, scope.own);
  if (!sender) return Ignored{"message from an invalid JID"};
  ListenMessage m;
  m.sender = *sender;
  m.from = sender->str();
  m.to = message->attr("to");
  const auto type = stanza::message_type(*message);
  m.type = std::string(stanza::to_string(type));
  m.id = message->attr("id");
  m.body = stanza::message_body(*message);
  m.subject = first_text(*message, "subject");
  m.thread = message->child_text("thread", stanza::k_ns_client);
  m.origin_id = sid::origin_id(*message);
  if (const auto d = delay::parse_delay(*message)) m.delay = d->stamp;
  if (carbon) m.carbon = carbon->direction;
  m.oob_url = oob::oob_url(*message);
  if (m.oob_url) m.oob_desc = oob::oob_desc(*message);
  m.receipt_requested = receipts::has_request(*message);
  set_room(*sender, scope, m.room, m.nick);

  if (type == stanza::MessageType::error) {
    m.error = shown_error(*message);
    return m;
  }
  if (type == stanza::MessageType::groupchat) {
    // SECURITY.md row 53: groupchat only from rooms we are in, the subject only from the room
    // itself, and history (XEP-0045 §7.2.15: stamped with <delay/>) never shown as live.
    if (!m.room) return Ignored{"groupchat message from " + m.from + ", a room we did not join"};
    if (!sender->is_bare()) m.subject.reset();
    m.history = m.delay.has_value();
  }
  // XEP-0045 §7.2.15 ends every join with the subject, empty when there is none: nothing to show.
  if (m.subject && m.subject->empty() && !m.body) m.subject.reset();
  if (!m.body && !m.subject && !m.oob_url)
    return Ignored{"message from " + m.from + " with nothing to show"};
  return m;
}

std::variant<ListenPresence, Ignored> decode_presence(const xml::Element& presence,
                                                      const ListenScope& scope) {
  auto sender = sender_of(presence, scope.own);
  if (!sender) return Ignored{"presence from an invalid JID"};
  const auto type = stanza::presence_type(presence);
  // RFC 6121 §4.7.1: a presence with an unknown type is ignored.
  if (!type) return Ignored{"presence of unknown type from " + sender->str()};
  ListenPresence p;
  p.sender = *sender;
  p.from = sender->str();
  p.to = presence.attr("to");
  // The absent type attribute (RFC 6121 §4.7.1) is spelt out for readers of the output.
  p.type = *type == stanza::PresenceType::available ? std::string("available")
                                                    : std::string(stanza::to_string(*type));
  p.show = presence.child_text("show", stanza::k_ns_client);
  p.status = first_text(presence, "status");
  if (const auto priority = presence.child_text("priority", stanza::k_ns_client)) {
    // RFC 6121 §4.7.2.3: an integer from -128 to +127; anything else tells nothing.
    int value = 0;
    const auto* end = priority->data() + priority->size();
    const auto [ptr, ec] = std::from_chars(priority->data(), end, value);
    if (ec == std::errc() && ptr == end && value >= -128 && value <= 127) p.priority = value;
  }
  if (const auto d = delay::parse_delay(presence)) p.delay = d->stamp;
  set_room(*sender, scope, p.room, p.nick);
  if (*type == stanza::PresenceType::error) p.error = shown_error(presence);
  return p;
}

Json to_json(const ListenMessage& m) {
  return Json{
      {"kind", "message"},
      {"from", m.from},
      {"to", or_null(m.to)},
      {"type", m.type},
      {"id", or_null(m.id)},
      {"body", or_null(m.body)},
      {"subject", or_null(m.subject)},
      {"thread", or_null(m.thread)},
      {"delay", stamp_json(m.delay)},
      {"history", m.history},
      {"carbon", m.carbon ? Json(std::string(carbons::to_string(*m.carbon))) : Json(nullptr)},
      {"origin_id", or_null(m.origin_id)},
      {"room", or_null(m.room)},
      {"nick", or_null(m.nick)},
      {"oob", or_null(m.oob_url)},
      {"error", error_json(m.error)},
  };
}

Json to_json(const ListenPresence& p) {
  return Json{
      {"kind", "presence"},
      {"from", p.from},
      {"to", or_null(p.to)},
      {"type", p.type},
      {"show", or_null(p.show)},
      {"status", or_null(p.status)},
      {"priority", p.priority ? Json(*p.priority) : Json(nullptr)},
      {"delay", stamp_json(p.delay)},
      {"room", or_null(p.room)},
      {"nick", or_null(p.nick)},
      {"error", error_json(p.error)},
  };
}

Json ready_json(const Jid& jid, const std::set<Jid>& rooms) {
  auto list = Json::array();
  for (const auto& room : rooms)
    list.push_back(room.str());
  return Json{{"kind", "ready"}, {"jid", jid.str()}, {"rooms", std::move(list)}};
}

std::string human_line(const ListenMessage& m, std::string_view clock) {
  std::vector<std::string> tags;
  if (m.type != "chat" && m.type != "groupchat") tags.push_back(m.type);
  if (m.delay) tags.push_back((m.history ? "history " : "delayed ") + time::format_utc(*m.delay));
  if (m.carbon == carbons::Direction::received) tags.emplace_back("carbon received");
  if (m.carbon == carbons::Direction::sent)
    tags.push_back("carbon sent to " + escape_terminal(m.to.value_or("?")));
  if (m.subject && m.body) tags.push_back("subject: " + escape_terminal(*m.subject));

  std::string out = fmt::format("[{}] {}", clock, escape_terminal(m.from));
  for (std::size_t i = 0; i < tags.size(); ++i)
    out += (i == 0 ? " (" : ", ") + tags[i] + (i + 1 == tags.size() ? ")" : "");
  out += ':';
  std::string text;
  if (m.error) {
    text = escape_terminal(error_text(*m.error));
    if (m.body) text += "\n" + escape_terminal(*m.body, true);
  } else if (m.body) {
    text = escape_terminal(*m.body, true);
  } else if (m.subject) {
    text = "subject: " + escape_terminal(*m.subject, true);
  }
  if (!text.empty()) {
    out += ' ';
    append_indented(out, text);
  }
  if (m.oob_url && (!m.body || m.body->find(*m.oob_url) == std::string::npos)) {
    out += "\n    link: " + escape_terminal(*m.oob_url);
    if (m.oob_desc && !m.oob_desc->empty()) out += " (" + escape_terminal(*m.oob_desc) + ")";
  }
  return out;
}

std::string human_line(const ListenPresence& p, std::string_view clock) {
  std::string tags = "presence " + p.type;
  if (p.show) tags += ", " + escape_terminal(*p.show);
  if (p.priority) tags += fmt::format(", priority {}", *p.priority);
  if (p.delay) tags += ", delayed " + time::format_utc(*p.delay);
  std::string out = fmt::format("[{}] {} ({})", clock, escape_terminal(p.from), tags);
  std::string text;
  if (p.error)
    text = escape_terminal(error_text(*p.error));
  else if (p.status && !p.status->empty())
    text = escape_terminal(*p.status, true);
  if (!text.empty()) {
    out += ": ";
    append_indented(out, text);
  }
  return out;
}

std::string clock_text(std::chrono::system_clock::time_point now) {
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm local{};
  localtime_r(&t, &local);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &local);
  return buf;
}

}  // namespace xmpp::cli
