// `xmpp listen`: the stanza-origin rules (SECURITY.md rows 20, 36, 51, 53), decoding, NDJSON and
// human goldens, --from/--type filters, the origin-id duplicate check, and the command end to end
// through the run loop with a scripted session (receipts, --count, --timeout, Ctrl-C, lost
// connections and --retries, a closed stdout). Every run is bounded by --timeout or the script.
#include <doctest/doctest.h>

#include <cerrno>
#include <csignal>
#include <functional>
#include <list>
#include <memory>
#include <regex>
#include <sstream>
#include <variant>

#include <nlohmann/json.hpp>

#include "app.hpp"
#include "listen_filter.hpp"
#include "listen_message.hpp"
#include "test_jid.hpp"
#include "xep_fake_session.hpp"

using namespace xmpp;
using namespace xmpp::cli;
using namespace std::chrono;

namespace {

using test::jid;

ListenScope scope(bool carbons = false) {
  ListenScope s;
  s.own = jid("bob@example.test/listen");
  s.rooms = {jid("room@conference.example.test")};
  s.carbons = carbons;
  return s;
}

ListenMessage message(std::string_view xml, const ListenScope& s = scope()) {
  auto decoded = decode_message(test::parse_stanza(xml), s);
  if (auto* ignored = std::get_if<Ignored>(&decoded)) FAIL("ignored: " << ignored->reason);
  return std::get<ListenMessage>(decoded);
}

std::string ignored(std::string_view xml, const ListenScope& s = scope()) {
  auto decoded = decode_message(test::parse_stanza(xml), s);
  auto* why = std::get_if<Ignored>(&decoded);
  REQUIRE_MESSAGE(why != nullptr, "shown: " << xml);
  return why->reason;
}

ListenPresence presence(std::string_view xml, const ListenScope& s = scope()) {
  auto decoded = decode_presence(test::parse_stanza(xml), s);
  if (auto* why = std::get_if<Ignored>(&decoded)) FAIL("ignored: " << why->reason);
  return std::get<ListenPresence>(decoded);
}

std::string carbon(std::string_view outer_from, std::string_view kind, std::string_view inner) {
  return "<message from='" + std::string(outer_from) + "' to='bob@example.test/listen'><" +
         std::string(kind) + " xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>" +
         std::string(inner) + "</forwarded></" + std::string(kind) + "></message>";
}

constexpr std::string_view k_inner_from_alice =
    "<message xmlns='jabber:client' from='alice@example.test/phone' to='bob@example.test/phone' "
    "type='chat'><body>copied</body></message>";

}  // namespace

// ---- decoding and the origin rules ---------------------------------------------------------

TEST_CASE("decode_message: a chat message with every field listen shows") {
  const auto m =
      message("<message from='Alice@Example.test/phone' to='bob@example.test' type='chat' id='m1'>"
              "<body>hello</body><subject>greeting</subject><thread>t1</thread>"
              "<origin-id xmlns='urn:xmpp:sid:0' id='o1'/><request xmlns='urn:xmpp:receipts'/>"
              "<x xmlns='jabber:x:oob'><url>https://example.test/a.png</url><desc>a</desc></x>"
              "<delay xmlns='urn:xmpp:delay' from='example.test' stamp='2026-11-26T03:00:00Z'/>"
              "</message>");
  CHECK(m.from == "alice@example.test/phone");  // normalised
  CHECK(m.to == "bob@example.test");
  CHECK(m.type == "chat");
  CHECK(m.id == "m1");
  CHECK(m.body == "hello");
  CHECK(m.subject == "greeting");
  CHECK(m.thread == "t1");
  CHECK(m.origin_id == "o1");
  CHECK(m.receipt_requested);
  CHECK(m.oob_url == "https://example.test/a.png");
  CHECK(m.oob_desc == "a");
  REQUIRE(m.delay);
  CHECK(time::format_utc(*m.delay) == "2026-11-26T03:00:00Z");
  CHECK_FALSE(m.history);  // offline storage is delayed, not room history
  CHECK_FALSE(m.carbon);
  CHECK_FALSE(m.room);
  CHECK_FALSE(m.error);
}

TEST_CASE("decode_message: defaults and what is not shown") {
  // RFC 6121 §5.2.2: no type is normal; RFC 6120 §8.1.2.1: no from is our own account.
  const auto m = message("<message><body>from the server</body></message>");
  CHECK(m.type == "normal");
  CHECK(m.from == "bob@example.test");
  CHECK(message("<message type='bogus' from='a@example.test'><body>x</body></message>").type ==
        "normal");
  // Nothing to show: chat states, receipts, markers.
  ignored("<message from='a@example.test/x' type='chat'><composing "
          "xmlns='http://jabber.org/protocol/chatstates'/></message>");
  ignored("<message from='a@example.test/x'><received xmlns='urn:xmpp:receipts' id='m1'/>"
          "</message>");
  // A sender we cannot name is not shown as anyone.
  ignored("<message from='a@b@c'><body>x</body></message>");
  // An empty body is still a body (the sender sent it).
  CHECK(message("<message from='a@example.test'><body/></message>").body == "");
}

TEST_CASE("decode_message: an error message is shown, with its condition, even without a body") {
  const auto m =
      message("<message from='carol@example.test/x' type='error' id='e1'><error type='cancel'>"
              "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
              "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>gone</text></error></message>");
  CHECK(m.type == "error");
  REQUIRE(m.error);
  CHECK(m.error->type == "cancel");
  CHECK(m.error->condition == "item-not-found");
  CHECK(m.error->text == "gone");
  CHECK_FALSE(m.body);
}

TEST_CASE("row 53: groupchat only from rooms we joined, subjects only from the room itself") {
  CHECK(ignored("<message from='other@conference.example.test/eve' type='groupchat'>"
                "<body>x</body></message>")
            .find("did not join") != std::string::npos);
  // A contact sending type='groupchat' is no room either.
  ignored("<message from='carol@example.test/x' type='groupchat'><body>x</body></message>");

  auto m = message("<message from='room@conference.example.test/alice' type='groupchat'>"
                   "<body>hi all</body><subject>taken over</subject></message>");
  CHECK(m.room == "room@conference.example.test");
  CHECK(m.nick == "alice");
  CHECK(m.body == "hi all");
  CHECK_FALSE(m.subject);  // an occupant's <subject/> is dropped
  ignored("<message from='room@conference.example.test/alice' type='groupchat'>"
          "<subject>taken over</subject></message>");

  m = message("<message from='room@conference.example.test' type='groupchat'>"
              "<subject>Weekly sync</subject></message>");
  CHECK(m.subject == "Weekly sync");
  CHECK(m.room == "room@conference.example.test");
  CHECK_FALSE(m.nick);
  // XEP-0045 §7.2.15: the empty subject that ends a join has nothing to show.
  ignored("<message from='room@conference.example.test' type='groupchat'><subject/></message>");

  // History is flagged, never shown as live.
  m = message("<message from='room@conference.example.test/alice' type='groupchat'>"
              "<body>earlier</body><delay xmlns='urn:xmpp:delay' "
              "from='room@conference.example.test' stamp='2026-11-26T02:00:00Z'/></message>");
  CHECK(m.history);
  // A private message from an occupant names the room and the nick.
  m = message("<message from='room@conference.example.test/alice' type='chat'>"
              "<body>psst</body></message>");
  CHECK(m.room == "room@conference.example.test");
  CHECK(m.nick == "alice");
  CHECK_FALSE(m.history);
}

TEST_CASE("row 36: carbons only from our own account, and only when we enabled them") {
  const auto own_copy = carbon("bob@example.test", "received", k_inner_from_alice);
  auto m = message(own_copy, scope(true));
  CHECK(m.carbon == carbons::Direction::received);
  CHECK(m.from == "alice@example.test/phone");
  CHECK(m.body == "copied");
  // Without --carbons, even a genuine copy is not shown.
  ignored(own_copy, scope(false));
  // A copy from anyone else is ignored as a whole: never unwrapped, never shown as its wrapper.
  for (const char* forger : {"carol@example.test/x", "carol@example.test", "bob@example.test/other",
                             "example.test", "bob@evil.example"}) {
    CAPTURE(forger);
    const auto forged = carbon(forger, "received", k_inner_from_alice);
    CHECK(ignored(forged, scope(true)).find("not from our own account") != std::string::npos);
    ignored(forged, scope(false));
  }
  // A wrapper that also has a body of its own is still a copy: still ignored.
  ignored("<message from='carol@example.test/x'><body>look</body><received "
          "xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>" +
              std::string(k_inner_from_alice) + "</forwarded></received></message>",
          scope(true));

  m = message(carbon("bob@example.test", "sent",
                     "<message xmlns='jabber:client' from='bob@example.test/phone' "
                     "to='alice@example.test' type='chat'><body>on my way</body></message>"),
              scope(true));
  CHECK(m.carbon == carbons::Direction::sent);
  CHECK(m.from == "bob@example.test/phone");
  CHECK(m.to == "alice@example.test");
}

TEST_CASE("row 20: a message nested in another is never shown as its own sender's") {
  const auto m = message(
      "<message from='mallory@evil.example/x' type='chat'><body>outer</body>"
      "<forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' "
      "from='boss@example.test/office'><body>pay mallory</body></message></forwarded>"
      "<result xmlns='urn:xmpp:mam:2' id='r'><forwarded xmlns='urn:xmpp:forward:0'><message "
      "xmlns='jabber:client' from='boss@example.test/office'><body>pay</body></message>"
      "</forwarded></result></message>");
  CHECK(m.from == "mallory@evil.example/x");
  CHECK(m.body == "outer");
}

TEST_CASE("decode_presence: type, show, status, priority, room") {
  auto p = presence("<presence from='alice@example.test/phone' to='bob@example.test'><show>away"
                    "</show><status xml:lang='de'>Mittag</status><status>lunch</status>"
                    "<priority>5</priority></presence>");
  CHECK(p.type == "available");
  CHECK(p.show == "away");
  CHECK(p.status == "lunch");  // the one without xml:lang
  CHECK(p.priority == 5);
  for (const char* bad : {"128", "-129", "5x", "", "+1 "}) {
    CAPTURE(bad);
    CHECK_FALSE(presence("<presence from='a@example.test'><priority>" + std::string(bad) +
                         "</priority></presence>")
                    .priority);
  }
  CHECK(presence("<presence from='a@example.test'><priority>-128</priority></presence>").priority ==
        -128);
  CHECK(presence("<presence from='a@example.test' type='unavailable'/>").type == "unavailable");
  CHECK(presence("<presence from='a@example.test' type='subscribe'/>").type == "subscribe");
  // RFC 6121 §4.7.1: an unknown type is ignored.
  CHECK(std::holds_alternative<Ignored>(decode_presence(
      test::parse_stanza("<presence from='a@example.test' type='bogus'/>"), scope())));
  p = presence("<presence from='room@conference.example.test/alice'/>");
  CHECK(p.room == "room@conference.example.test");
  CHECK(p.nick == "alice");
  p = presence("<presence from='a@example.test' type='error'><error type='cancel'>"
               "<remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
               "</error></presence>");
  REQUIRE(p.error);
  CHECK(p.error->condition == "remote-server-not-found");
}

// ---- output ----------------------------------------------------------------------------------

TEST_CASE("NDJSON: every key, absent values null") {
  const auto m = message("<message from='alice@example.test/phone' to='bob@example.test' "
                         "type='chat' id='m1'><body>hi \"there\"\n\t&amp;</body></message>");
  CHECK(dump_json(to_json(m)) ==
        R"({"kind":"message","from":"alice@example.test/phone","to":"bob@example.test",)"
        R"("type":"chat","id":"m1","body":"hi \"there\"\n\t&","subject":null,"thread":null,)"
        R"("delay":null,"history":false,"carbon":null,"origin_id":null,"room":null,)"
        R"("nick":null,"oob":null,"error":null})");
}

TEST_CASE("NDJSON: history, carbons, rooms, OOB, errors, presence, ready") {
  auto m = message("<message from='room@conference.example.test/alice' type='groupchat' "
                   "id='g1'><body>old</body><origin-id xmlns='urn:xmpp:sid:0' id='o'/>"
                   "<x xmlns='jabber:x:oob'><url>https://u</url></x><delay "
                   "xmlns='urn:xmpp:delay' stamp='2026-11-26T02:00:00.5Z'/></message>");
  auto j = to_json(m);
  CHECK(j["history"] == true);
  CHECK(j["delay"] == "2026-11-26T02:00:00.500Z");
  CHECK(j["room"] == "room@conference.example.test");
  CHECK(j["nick"] == "alice");
  CHECK(j["oob"] == "https://u");
  CHECK(j["origin_id"] == "o");

  j = to_json(message(carbon("bob@example.test", "received", k_inner_from_alice), scope(true)));
  CHECK(j["carbon"] == "received");

  j = to_json(message("<message from='c@example.test' type='error'><error type='wait'>"
                      "<resource-constraint xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
                      "</error></message>"));
  CHECK(j["error"] == nlohmann::ordered_json{{"type", "wait"},
                                             {"condition", "resource-constraint"},
                                             {"text", nullptr}});

  CHECK(dump_json(to_json(presence("<presence from='alice@example.test/phone'><show>dnd</show>"
                                   "</presence>"))) ==
        R"({"kind":"presence","from":"alice@example.test/phone","to":null,"type":"available",)"
        R"("show":"dnd","status":null,"priority":null,"delay":null,"room":null,"nick":null,)"
        R"("error":null})");

  CHECK(dump_json(ready_json(jid("bob@example.test/r"), {jid("b@conference.example.test"),
                                                         jid("a@conference.example.test")})) ==
        R"({"kind":"ready","jid":"bob@example.test/r","rooms":["a@conference.example.test",)"
        R"("b@conference.example.test"]})");
}

TEST_CASE("human lines: one per message, tags, indented continuation lines") {
  CHECK(human_line(message("<message from='alice@example.test/phone' type='chat'>"
                           "<body>hello</body></message>"),
                   "12:00:01") == "[12:00:01] alice@example.test/phone: hello");
  CHECK(human_line(message("<message from='alice@example.test/phone' type='headline'>"
                           "<body>one\ntwo\n\nfour</body></message>"),
                   "12:00:01") ==
        "[12:00:01] alice@example.test/phone (headline): one\n    two\n    \n    four");
  CHECK(human_line(message("<message from='room@conference.example.test/alice' "
                           "type='groupchat'><body>old</body><delay xmlns='urn:xmpp:delay' "
                           "stamp='2026-11-26T03:00:00Z'/></message>"),
                   "t") == "[t] room@conference.example.test/alice (history "
                           "2026-11-26T03:00:00Z): old");
  CHECK(human_line(message("<message from='alice@example.test' type='normal'><subject>Plans"
                           "</subject><body>see you</body><delay xmlns='urn:xmpp:delay' "
                           "stamp='2026-11-26T03:00:00Z'/></message>"),
                   "t") == "[t] alice@example.test (normal, delayed 2026-11-26T03:00:00Z, "
                           "subject: Plans): see you");
  CHECK(human_line(message("<message from='room@conference.example.test' type='groupchat'>"
                           "<subject>Weekly</subject></message>"),
                   "t") == "[t] room@conference.example.test: subject: Weekly");
  CHECK(human_line(message(carbon("bob@example.test", "sent",
                                  "<message xmlns='jabber:client' from='bob@example.test/phone' "
                                  "to='alice@example.test' type='chat'><body>ok</body></message>"),
                           scope(true)),
                   "t") == "[t] bob@example.test/phone (carbon sent to alice@example.test): ok");
  CHECK(human_line(message("<message from='c@example.test/x' type='error'><error type='cancel'>"
                           "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text "
                           "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>gone</text></error>"
                           "<body>original</body></message>"),
                   "t") == "[t] c@example.test/x (error): item-not-found: gone\n    original");
  // An OOB URL that the body does not already show gets a line of its own.
  CHECK(human_line(message("<message from='a@example.test' type='chat'><body>a photo</body>"
                           "<x xmlns='jabber:x:oob'><url>https://u/p.png</url><desc>beach</desc>"
                           "</x></message>"),
                   "t") == "[t] a@example.test: a photo\n    link: https://u/p.png (beach)");
  CHECK(human_line(message("<message from='a@example.test' type='chat'><body>https://u/p.png"
                           "</body><x xmlns='jabber:x:oob'><url>https://u/p.png</url></x>"
                           "</message>"),
                   "t") == "[t] a@example.test: https://u/p.png");
}

TEST_CASE("row 51: human lines escape everything remote; a line is a line") {
  const auto line = human_line(
      message("<message from='room@conference.example.test/evil' type='groupchat'>"
              "<body>a&#x9b;2Jb &#x202e;gnp.exe&#13;over\nnext</body><x xmlns='jabber:x:oob'>"
              "<url>https://u/&#x7f;</url></x></message>"),
      "t");
  CHECK(line == "[t] room@conference.example.test/evil: a\\u009b2Jb \\u202egnp.exe\\rover"
                "\n    next\n    link: https://u/\\x7f");
  CHECK(human_line(presence("<presence from='a@example.test/x'><show>away&#x7f;</show>"
                            "<status>line1\nline2&#x202e;</status><priority>-1</priority>"
                            "</presence>"),
                   "t") == "[t] a@example.test/x (presence available, away\\x7f, priority -1): "
                           "line1\n    line2\\u202e");
  CHECK(human_line(presence("<presence from='a@example.test/x' type='unavailable'/>"), "t") ==
        "[t] a@example.test/x (presence unavailable)");
}

TEST_CASE("clock_text is HH:MM:SS") {
  CHECK(std::regex_match(clock_text(system_clock::now()), std::regex(R"(\d\d:\d\d:\d\d)")));
}

// ---- filters and duplicates ------------------------------------------------------------------

TEST_CASE("--from: a bare JID matches every resource, a full JID only itself") {
  ListenFilter f;
  const auto from_alice_phone =
      message("<message from='alice@example.test/phone'><body>x</body></message>");
  const auto from_alice_laptop =
      message("<message from='alice@example.test/laptop'><body>x</body></message>");
  const auto from_carol = message("<message from='carol@example.test/x'><body>x</body></message>");
  CHECK(f.accepts(from_carol));  // no filter: everything
  f.from = {jid("alice@example.test")};
  CHECK(f.accepts(from_alice_phone));
  CHECK(f.accepts(from_alice_laptop));
  CHECK_FALSE(f.accepts(from_carol));
  f.from = {jid("alice@example.test/phone"), jid("carol@example.test")};
  CHECK(f.accepts(from_alice_phone));
  CHECK_FALSE(f.accepts(from_alice_laptop));
  CHECK(f.accepts(from_carol));
  // A room's bare JID matches all its occupants; an occupant JID only that nick.
  const auto occupant = message("<message from='room@conference.example.test/alice' "
                                "type='groupchat'><body>x</body></message>");
  f.from = {jid("room@conference.example.test")};
  CHECK(f.accepts(occupant));
  f.from = {jid("room@conference.example.test/bob")};
  CHECK_FALSE(f.accepts(occupant));
  // A sent carbon is matched by whom it went to: the other side of the conversation.
  const auto sent =
      message(carbon("bob@example.test", "sent",
                     "<message xmlns='jabber:client' from='bob@example.test/phone' "
                     "to='alice@example.test/x' type='chat'><body>ok</body></message>"),
              scope(true));
  f.from = {jid("alice@example.test")};
  CHECK(f.accepts(sent));
  f.from = {jid("bob@example.test")};
  CHECK_FALSE(f.accepts(sent));
  // Presence: by its sender.
  f.from = {jid("alice@example.test")};
  CHECK(f.accepts(presence("<presence from='alice@example.test/phone'/>")));
  CHECK_FALSE(f.accepts(presence("<presence from='carol@example.test/phone'/>")));
}

TEST_CASE("--type: only the listed message types; presence is not filtered by it") {
  ListenFilter f;
  f.types = {"headline", "error"};
  CHECK(f.accepts(message("<message from='a@example.test' type='headline'><body>x</body>"
                          "</message>")));
  CHECK_FALSE(f.accepts(message("<message from='a@example.test' type='chat'><body>x</body>"
                                "</message>")));
  CHECK_FALSE(f.accepts(message("<message from='a@example.test'><body>x</body></message>")));
  CHECK(
      f.accepts(message("<message from='a@example.test' type='error'><error type='cancel'>"
                        "<gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>")));
  CHECK(f.accepts(presence("<presence from='a@example.test'/>")));
}

TEST_CASE("duplicates: same sender and origin-id, within the window") {
  RecentMessages recent(3);
  const auto with = [](std::string_view from, std::string_view origin,
                       std::string_view type = "chat") {
    return message("<message from='" + std::string(from) + "' type='" + std::string(type) +
                   "'><body>x</body>" +
                   (origin.empty()
                        ? std::string()
                        : "<origin-id xmlns='urn:xmpp:sid:0' id='" + std::string(origin) + "'/>") +
                   "</message>");
  };
  const auto first = with("alice@example.test/phone", "o1");
  CHECK_FALSE(recent.seen(first));
  recent.remember(first);
  CHECK(recent.seen(first));
  // A retransmission from another resource of the same account is the same message.
  CHECK(recent.seen(with("alice@example.test/laptop", "o1")));
  CHECK_FALSE(recent.seen(with("carol@example.test/phone", "o1")));
  // In a room, occupants share the room's bare JID: the nick tells them apart.
  const auto in_room = with("room@conference.example.test/alice", "o2", "groupchat");
  recent.remember(in_room);
  CHECK(recent.seen(with("room@conference.example.test/alice", "o2", "groupchat")));
  CHECK_FALSE(recent.seen(with("room@conference.example.test/eve", "o2", "groupchat")));
  // Without an origin-id nothing is a duplicate.
  const auto plain = with("alice@example.test/phone", "");
  recent.remember(plain);
  CHECK_FALSE(recent.seen(plain));
  CHECK(recent.size() == 2);
  // The window: the oldest is forgotten.
  recent.remember(with("alice@example.test", "o3"));
  recent.remember(with("alice@example.test", "o4"));
  CHECK(recent.size() == 3);
  CHECK_FALSE(recent.seen(first));
  CHECK(recent.seen(with("alice@example.test", "o4")));
  CHECK(RecentMessages::k_default_capacity == 4096);
}

// ---- the command, end to end with a scripted session -----------------------------------------

namespace {

/// What one scripted session does: the stanzas it delivers once listen's presence was flushed,
/// then optionally a failure, and a hook run after delivering.
struct Script {
  Script() = default;
  explicit Script(std::vector<std::string> in, std::optional<Error> fail = std::nullopt,
                  std::function<void()> hook = nullptr,
                  std::optional<std::string> carbons_refusal = std::nullopt)
      : inbound(std::move(in)), then_fail(std::move(fail)), after(std::move(hook)),
        carbons_error(std::move(carbons_refusal)) {}

  std::vector<std::string> inbound;
  std::optional<Error> then_fail;
  std::function<void()> after;
  std::optional<std::string> carbons_error;  ///< condition the server answers enable with
};

struct Log {
  std::vector<xml::Element> sent, posted, requests;
  int close_calls = 0;
};

class ListenSession : public stream::Session {
 public:
  ListenSession(asio::any_io_executor executor, Jid jid, Script script, Log& log)
      : m_executor(std::move(executor)), m_jid(std::move(jid)), m_script(std::move(script)),
        m_log(log) {}
  ~ListenSession() override { *m_alive = false; }

  const Jid& jid() const override { return m_jid; }
  const stream::SessionInfo& info() const override { return m_info; }
  stream::Router& router() override { return m_router; }
  std::optional<Error> failure() const override { return m_failure; }

  awaitable<Result<xml::Element>> request(xml::Element iq, milliseconds) override {
    m_log.requests.push_back(iq);
    if (m_failure) co_return fail(*m_failure);
    if (m_script.carbons_error)
      co_return fail(make_error(ErrorKind::remote, "stanza_error", *m_script.carbons_error,
                                *m_script.carbons_error));
    co_return xml::Element("iq", "jabber:client");
  }
  awaitable<Result<void>> send(xml::Element stanza) override {
    if (m_failure) co_return fail(*m_failure);
    m_log.sent.push_back(std::move(stanza));
    co_return Result<void>{};
  }
  void post(xml::Element stanza) override {
    if (!m_failure) m_log.posted.push_back(std::move(stanza));
  }
  awaitable<Result<void>> flush(milliseconds) override {
    if (m_failure) co_return fail(*m_failure);
    if (!m_delivered) {
      // Listen is about to say "ready": deliver the script from the event loop, as a reader would.
      m_delivered = true;
      asio::post(m_executor, [this, alive = m_alive] {
        if (!*alive) return;
        for (const auto& text : m_script.inbound)
          deliver(test::parse_stanza(text));
        if (m_script.then_fail) fail_now(*m_script.then_fail);
        if (m_script.after) m_script.after();
      });
    }
    co_return Result<void>{};
  }
  awaitable<Result<xml::Element>> wait_for(stream::StanzaPredicate predicate,
                                           milliseconds timeout) override {
    if (m_failure) co_return fail(*m_failure);
    asio::steady_timer timer(m_executor, timeout);
    Waiter waiter{std::move(predicate), std::nullopt, &timer};
    m_waiters.push_back(&waiter);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    m_waiters.remove(&waiter);
    if (waiter.match) co_return std::move(*waiter.match);
    if (m_failure) co_return fail(*m_failure);
    co_return fail(ErrorKind::temporary, "timeout", "", "no matching stanza");
  }
  awaitable<Result<void>> close() override {
    ++m_log.close_calls;
    if (!m_failure) fail_now(make_error(ErrorKind::software, "closed", "", "closed"));
    co_return Result<void>{};
  }

 private:
  struct Waiter {
    stream::StanzaPredicate predicate;
    std::optional<xml::Element> match;
    asio::steady_timer* timer;
  };

  void deliver(const xml::Element& stanza) {
    if (m_failure) return;
    m_router.dispatch(stanza);
    for (auto* w : m_waiters)
      if (!w->match && w->predicate(stanza)) {
        w->match = stanza;
        w->timer->cancel();
      }
  }
  void fail_now(Error e) {
    m_failure = std::move(e);
    for (auto* w : m_waiters)
      w->timer->cancel();
  }

  asio::any_io_executor m_executor;
  Jid m_jid;
  Script m_script;
  Log& m_log;
  stream::SessionInfo m_info;
  stream::Router m_router;
  std::optional<Error> m_failure;
  std::list<Waiter*> m_waiters;
  bool m_delivered = false;
  std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
};

/// A stream buffer that fails every write with `error` (a closed pipe, a full disk).
class FailingBuffer : public std::streambuf {
 public:
  explicit FailingBuffer(int error) : m_error(error) {}

 protected:
  int_type overflow(int_type) override {
    errno = m_error;
    return traits_type::eof();
  }
  std::streamsize xsputn(const char*, std::streamsize) override {
    errno = m_error;
    return 0;
  }

 private:
  int m_error;
};

struct ListenHarness {
  std::ostringstream out, err;
  std::vector<Script> scripts;  ///< one per session opened, in order
  Log log;
  int opened = 0;
  std::optional<asio::any_io_executor> executor;
  std::ostream* stdout_stream = &out;
  std::unique_ptr<Io> io;

  int run(std::vector<std::string> args) {
    io = std::make_unique<Io>(Io{
        *stdout_stream, err,
        [](std::string_view) -> Result<std::optional<Secret>> { return std::optional<Secret>{}; },
        [this](stream::SessionOptions o) -> awaitable<Result<std::unique_ptr<stream::Session>>> {
          executor = co_await asio::this_coro::executor;
          const auto index = static_cast<std::size_t>(opened++);
          Script script = index < scripts.size() ? scripts[index] : Script{};
          co_return std::unique_ptr<stream::Session>(std::make_unique<ListenSession>(
              *executor, o.jid.with_resource("r" + std::to_string(index + 1)), std::move(script),
              log));
        },
        false});
    Environment env;
    env.password = "pw";
    args.insert(args.begin(), {"-j", "bob@example.test"});
    return cli::run_main(args, env, *io);
  }

  std::vector<nlohmann::json> objects() const {
    std::vector<nlohmann::json> docs;
    std::istringstream in(out.str());
    for (std::string line; std::getline(in, line);)
      docs.push_back(nlohmann::json::parse(line));
    return docs;
  }
};

std::string chat(std::string_view id, std::string_view body, std::string_view extra = {}) {
  return "<message from='alice@example.test/phone' to='bob@example.test' type='chat' id='" +
         std::string(id) + "'><body>" + std::string(body) + "</body>" + std::string(extra) +
         "</message>";
}

constexpr std::string_view k_request = "<request xmlns='urn:xmpp:receipts'/>";

}  // namespace

TEST_CASE("listen --json: ready, messages as they come, receipts, --count") {
  ListenHarness h;
  h.scripts = {Script{{
      chat("m1", "first", std::string(k_request) + "<origin-id xmlns='urn:xmpp:sid:0' id='o1'/>"),
      "<message from='alice@example.test/phone' type='chat'><active "
      "xmlns='http://jabber.org/protocol/chatstates'/></message>",
      "<message from='other@conference.example.test/x' type='groupchat'><body>not joined</body>"
      "</message>",
      // A retransmission: not shown again, but answered again.
      chat("m1-again", "first",
           std::string(k_request) + "<origin-id xmlns='urn:xmpp:sid:0' id='o1'/>"),
      chat("m2", "second"),
      chat("m3", "beyond the count", std::string(k_request)),
  }}};
  CHECK(h.run({"listen", "--json", "--count", "2"}) == 0);
  const auto docs = h.objects();
  REQUIRE(docs.size() == 3);
  CHECK(docs[0]["kind"] == "ready");
  CHECK(docs[0]["jid"] == "bob@example.test/r1");
  CHECK(docs[1]["body"] == "first");
  CHECK(docs[1]["id"] == "m1");
  CHECK(docs[2]["body"] == "second");
  CHECK(h.err.str().empty());
  // The initial presence came first: no type, no priority (0, RFC 6121 §8.5.2.1.1).
  REQUIRE_FALSE(h.log.sent.empty());
  CHECK(h.log.sent.front() == xml::Element("presence", "jabber:client"));
  // Receipts for m1 and its retransmission, none beyond the count.
  REQUIRE(h.log.posted.size() == 2);
  CHECK(h.log.posted[0].attr("to") == "alice@example.test/phone");
  CHECK(h.log.posted[0].child("received", "urn:xmpp:receipts")->attr("id") == "m1");
  CHECK(h.log.posted[1].child("received", "urn:xmpp:receipts")->attr("id") == "m1-again");
  CHECK(h.log.close_calls == 1);
  CHECK(h.log.requests.empty());  // no carbons asked for
}

TEST_CASE("listen: human lines, and -v says why something is not shown") {
  ListenHarness h;
  h.scripts = {Script{
      {chat("m1", "one\ntwo"), carbon("carol@example.test/x", "received", k_inner_from_alice)},
      std::nullopt,
      [] { std::raise(SIGINT); }}};
  CHECK(h.run({"listen", "-v"}) == 0);
  CHECK(std::regex_match(h.out.str(), std::regex(R"(\[\d\d:\d\d:\d\d\] alice@example.test/phone: )"
                                                 R"(one\n    two\n)")));
  CHECK(h.err.str().find("xmpp: listening as bob@example.test/r1") != std::string::npos);
  CHECK(h.err.str().find("ignored: carbon copy from carol@example.test/x") != std::string::npos);
}

TEST_CASE("listen --no-receipts answers nothing; carbons and groupchat are never answered") {
  ListenHarness h;
  h.scripts = {Script{{chat("m1", "x", std::string(k_request))}}};
  CHECK(h.run({"listen", "--json", "--count", "1", "--no-receipts"}) == 0);
  CHECK(h.log.posted.empty());

  ListenHarness c;
  const std::string inner_with_request =
      "<message xmlns='jabber:client' from='alice@example.test/phone' to='bob@example.test/x' "
      "type='chat' id='c1'><body>copied</body><request xmlns='urn:xmpp:receipts'/></message>";
  c.scripts = {Script{{carbon("bob@example.test", "received", inner_with_request)}}};
  CHECK(c.run({"listen", "--json", "--count", "1", "--carbons"}) == 0);
  CHECK(c.objects().back()["carbon"] == "received");
  CHECK(c.log.posted.empty());
  REQUIRE(c.log.requests.size() == 1);
  CHECK(c.log.requests[0].child("enable", "urn:xmpp:carbons:2") != nullptr);
}

TEST_CASE("listen --carbons refused by the server: exit 1, nothing listened to") {
  ListenHarness h;
  h.scripts = {Script{{chat("m1", "x")}, std::nullopt, nullptr, "forbidden"}};
  CHECK(h.run({"listen", "--json", "--carbons", "--timeout", "10"}) == 1);
  CHECK(h.out.str().empty());
  CHECK(h.err.str().find("enabling carbons") != std::string::npos);
}

TEST_CASE("Ctrl-C ends listen with exit 0 after closing the stream; SIGTERM is still 143") {
  for (const auto& [signal_number, expected] : {std::pair{SIGINT, 0}, std::pair{SIGTERM, 143}}) {
    const int sig = signal_number;  // clang 14 cannot capture structured bindings
    const int code = expected;
    CAPTURE(sig);
    ListenHarness h;
    h.scripts = {
        Script{{chat("m1", "before the signal")}, std::nullopt, [sig] { std::raise(sig); }}};
    const auto started = steady_clock::now();
    CHECK(h.run({"listen", "--json"}) == code);
    CHECK(steady_clock::now() - started < seconds(5));
    const auto docs = h.objects();
    REQUIRE(docs.size() == 2);
    CHECK(docs[1]["body"] == "before the signal");
    CHECK(h.log.close_calls >= 1);
    if (code == 0) CHECK(h.err.str().empty());
  }
}

TEST_CASE("--timeout: a normal end, unless --count asked for more than came (exit 75)") {
  ListenHarness h;
  h.scripts = {Script{{chat("m1", "one")}}};
  CHECK(h.run({"listen", "--json", "--timeout", "0.5"}) == 0);
  CHECK(h.objects().size() == 2);
  CHECK(h.err.str().empty());

  ListenHarness c;
  c.scripts = {Script{{chat("m1", "one")}}};
  CHECK(c.run({"listen", "--json", "--timeout", "0.5", "--count", "3"}) == 75);
  CHECK(c.objects().size() == 2);
  CHECK(c.err.str().find("1 of 3 messages") != std::string::npos);
  CHECK(c.err.str().find(R"("code":"timeout")") != std::string::npos);
}

TEST_CASE("a lost connection: exit 75 without --retries; with them, a new session, same output") {
  const auto lost = make_error(ErrorKind::temporary, "connection_lost", "", "connection lost");
  ListenHarness h;
  h.scripts = {Script{{chat("m1", "one")}, lost}};
  CHECK(h.run({"listen", "--json"}) == 75);
  CHECK(h.opened == 1);
  CHECK(h.objects().size() == 2);  // what arrived before the loss is printed

  ListenHarness r;
  r.scripts = {Script{{chat("m1", "one", "<origin-id xmlns='urn:xmpp:sid:0' id='o1'/>")}, lost},
               Script{{chat("m1", "one", "<origin-id xmlns='urn:xmpp:sid:0' id='o1'/>"),
                       chat("m2", "two")}}};
  CHECK(r.run({"listen", "--json", "--retries", "2", "--count", "2"}) == 0);
  CHECK(r.opened == 2);
  const auto docs = r.objects();
  REQUIRE(docs.size() == 4);
  CHECK(docs[0]["jid"] == "bob@example.test/r1");
  CHECK(docs[1]["body"] == "one");
  CHECK(docs[2]["kind"] == "ready");
  CHECK(docs[2]["jid"] == "bob@example.test/r2");
  CHECK(docs[3]["body"] == "two");  // the resent "one" is a duplicate
  CHECK(r.err.str().find("reconnecting") != std::string::npos);
  // The second session got its presence too.
  CHECK(std::count(r.log.sent.begin(), r.log.sent.end(),
                   xml::Element("presence", "jabber:client")) == 2);

  // Being replaced by another session (<conflict/>) is not worth fighting over.
  ListenHarness c;
  c.scripts = {Script{{}, make_error(ErrorKind::temporary, "stream_error", "conflict", "replaced")},
               Script{}};
  CHECK(c.run({"listen", "--json", "--retries", "2"}) == 75);
  CHECK(c.opened == 1);
}

TEST_CASE("stdout gone: a closed pipe ends quietly (exit 0), another write error is exit 73") {
  for (const auto& [error_number, expected] : {std::pair{EPIPE, 0}, std::pair{ENOSPC, 73}}) {
    const int error = error_number;  // clang 14 cannot capture structured bindings
    const int code = expected;
    CAPTURE(error);
    FailingBuffer buffer(error);
    std::ostream failing(&buffer);
    ListenHarness h;
    h.stdout_stream = &failing;
    h.scripts = {Script{{chat("m1", "one"), chat("m2", "two")}}};
    CHECK(h.run({"listen", "--json", "--timeout", "10"}) == code);
    CHECK(h.log.close_calls == 1);
    if (code == 0)
      CHECK(h.err.str().empty());
    else
      CHECK(h.err.str().find("cannot write to standard output") != std::string::npos);
  }
}

TEST_CASE("usage errors are found before connecting: exit 64") {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"listen", "--nick", "x"},
        {"listen", "--room-password", "p"},
        {"listen", "--muc", "room@conference.example.test/nick"},
        {"listen", "--muc", "conference.example.test"},
        {"listen", "--type", "chat,bogus"},
        {"listen", "--count", "0"},
        {"listen", "--from", "a@b@c"}}) {
    CAPTURE(args.back());
    ListenHarness h;
    CHECK(h.run(args) == 64);
    CHECK(h.opened == 0);
    CHECK(h.out.str().empty());
  }
}
