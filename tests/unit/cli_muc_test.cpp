// `xmpp muc` (the occupant subcommands): the reports' JSON keys and human text (remote text
// escaped, SECURITY.md row 51), the join events and the tracker that makes them from what a room
// sends (origin rules of row 53), the --since TIME parser, the argument checks (exit 64 before any
// login), and the commands end to end over a scripted room.
#include <doctest/doctest.h>

#include <sstream>
#include <variant>

#include "app.hpp"
#include "cli_support.hpp"
#include "muc_report.hpp"
#include "stanza/iq.hpp"
#include "test_jid.hpp"
#include "xep/disco/disco.hpp"
#include "xep/mam/mam.hpp"
#include "xep_fake_session.hpp"
#include "xep_muc_fake.hpp"

using namespace xmpp;
using namespace xmpp::cli;
using namespace std::chrono;
using Json = nlohmann::ordered_json;

namespace {

constexpr std::string_view k_cli_room = "coven@chat.example.test";
using test::k_rlo;

using test::jid;

using test::human;

using test::keys;

muc::Occupant occupant(std::string nick, muc::Role role, muc::Affiliation affiliation,
                       std::optional<std::string> real = std::nullopt) {
  muc::Occupant o;
  o.nick = nick;
  // A nick can hold what no resourcepart may (bidi controls): the table shows it anyway.
  if (auto full = Jid::parse(std::string(k_cli_room) + "/" + nick)) o.occupant_jid = *full;
  o.role = role;
  o.affiliation = affiliation;
  if (real) o.jid = jid(*real);
  return o;
}

muc::RoomInfo coven_info() {
  muc::RoomInfo info;
  info.room = jid(k_cli_room);
  info.is_room = true;
  info.name = "A Dark Cave";
  info.features = {"http://jabber.org/protocol/muc", "muc_passwordprotected", "muc_hidden"};
  info.password_protected = true;
  info.is_public = false;
  info.persistent = true;
  info.description = "The place for all good witches!";
  info.occupants = 3;
  info.contacts = {"crone1@shakespeare.lit"};
  info.form["muc#roominfo_lang"] = {"en"};
  return info;
}

}  // namespace

// ---- shared pieces ------------------------------------------------------------------------------

TEST_CASE("room flags: each pair true, false or null; human names only what is known") {
  muc::RoomInfo info;
  CHECK(room_flags_json(info).dump() ==
        R"({"members_only":null,"moderated":null,"password_protected":null,"persistent":null,)"
        R"("public":null,"non_anonymous":null})");
  CHECK(room_flags_human(info).empty());
  info.members_only = true;
  info.moderated = false;
  info.password_protected = false;
  info.persistent = false;
  info.is_public = true;
  info.non_anonymous = false;
  CHECK(room_flags_json(info)["members_only"] == true);
  CHECK(room_flags_json(info)["public"] == true);
  CHECK(room_flags_human(info) ==
        std::vector<std::string>{"members-only", "unmoderated", "unsecured", "temporary", "public",
                                 "semi-anonymous"});
  info.members_only = false;
  info.moderated = true;
  info.password_protected = true;
  info.persistent = true;
  info.is_public = false;
  info.non_anonymous = true;
  CHECK(room_flags_human(info) ==
        std::vector<std::string>{"open", "moderated", "password-protected", "persistent", "hidden",
                                 "non-anonymous"});
}

TEST_CASE("occupant and subject JSON: every key, absent values null") {
  auto o = occupant("firstwitch", muc::Role::moderator, muc::Affiliation::owner,
                    "crone1@shakespeare.lit/desktop");
  o.show = "away";
  o.self = true;
  CHECK(occupant_json(o).dump() ==
        R"({"nick":"firstwitch","role":"moderator","affiliation":"owner",)"
        R"("jid":"crone1@shakespeare.lit/desktop","show":"away","status":null,"self":true})");
  muc::Occupant bare;
  bare.nick = "x";
  CHECK(occupant_json(bare).dump() == R"({"nick":"x","role":null,"affiliation":null,"jid":null,)"
                                      R"("show":null,"status":null,"self":false})");
  CHECK(subject_json({"Spells", jid("coven@chat.example.test/firstwitch"), false}).dump() ==
        R"({"text":"Spells","set_by":"firstwitch","from_room":false})");
  CHECK(subject_json({"", jid(k_cli_room), true}).dump() ==
        R"({"text":"","set_by":null,"from_room":true})");
}

// ---- reports ------------------------------------------------------------------------------------

TEST_CASE("list report: rooms with names, counts, flags and errors in place") {
  MucListReport report;
  report.list.service = jid("chat.example.test");
  muc::RoomListEntry a;
  a.jid = jid(k_cli_room);
  a.info = coven_info();
  a.occupants = 3;  // the name comes from the room's info when the service gave none
  muc::RoomListEntry b;
  b.jid = jid("x@chat.example.test");
  b.name = std::string("Evil ") + std::string(k_rlo) + "name";
  b.info_error = make_error(ErrorKind::remote, "stanza_error", "forbidden", "disco#info: forbidden");
  muc::RoomListEntry c;
  c.jid = jid("longer-name@chat.example.test");
  c.name = "Plain";
  c.occupants = 1;
  report.list.rooms = {a, b, c};
  report.list.count = 3;
  const auto doc = report.to_json();
  CHECK(keys(doc) ==
        std::vector<std::string>{"service", "rooms", "count", "truncated", "skipped"});
  CHECK(doc["service"] == "chat.example.test");
  CHECK(doc["count"] == 3);
  CHECK(doc["truncated"] == false);
  CHECK(keys(doc["rooms"][0]) ==
        std::vector<std::string>{"jid", "name", "occupants", "description", "flags", "error"});
  CHECK(doc["rooms"][0]["name"] == "A Dark Cave");
  CHECK(doc["rooms"][0]["occupants"] == 3);
  CHECK(doc["rooms"][0]["description"] == "The place for all good witches!");
  CHECK(doc["rooms"][0]["flags"]["password_protected"] == true);
  CHECK(doc["rooms"][0]["error"].is_null());
  CHECK(doc["rooms"][1]["flags"].is_null());
  CHECK(doc["rooms"][1]["occupants"].is_null());
  CHECK(doc["rooms"][1]["error"]["condition"] == "forbidden");
  CHECK(human(report) ==
        "coven@chat.example.test        \"A Dark Cave\"  3 occupants  password-protected, "
        "persistent, hidden\n"
        "x@chat.example.test            \"Evil \\u202ename\"  (info: disco#info: forbidden)\n"
        "longer-name@chat.example.test  \"Plain\"  1 occupant\n");
  report.list.rooms.clear();
  report.list.truncated = true;
  CHECK(human(report) == "(no rooms)\n");
  CHECK(report.to_json()["rooms"] == Json::array());
}

TEST_CASE("info report: every key; human fields with remote text escaped") {
  MucInfoReport report;
  report.info = coven_info();
  report.info.subject = std::string("Spells\n") + std::string(k_rlo) + "more";
  report.info.subject_changeable = false;
  const auto doc = report.to_json();
  CHECK(keys(doc) == std::vector<std::string>{"room", "is_room", "name", "description", "subject",
                                              "occupants", "language", "logs", "contacts",
                                              "subject_changeable", "flags", "features", "form"});
  CHECK(doc["is_room"] == true);
  CHECK(doc["occupants"] == 3);
  CHECK(doc["language"].is_null());
  CHECK(doc["contacts"] == Json::array({"crone1@shakespeare.lit"}));
  CHECK(doc["subject_changeable"] == false);
  CHECK(doc["flags"]["persistent"] == true);
  CHECK(doc["features"].size() == 3);
  CHECK(doc["form"].dump() == R"({"muc#roominfo_lang":["en"]})");
  CHECK(human(report) == "room:        coven@chat.example.test\n"
                         "name:        A Dark Cave\n"
                         "description: The place for all good witches!\n"
                         "subject:     Spells\n"
                         "    \\u202emore\n"
                         "occupants:   3\n"
                         "contacts:    crone1@shakespeare.lit\n"
                         "subject:     only moderators may change it\n"
                         "flags:       password-protected, persistent, hidden\n"
                         "features:\n"
                         "  http://jabber.org/protocol/muc\n"
                         "  muc_passwordprotected\n"
                         "  muc_hidden\n"
                         "form:\n"
                         "  muc#roominfo_lang: en\n");
  MucInfoReport other;
  other.info.room = jid("pubsub.example.test");
  CHECK(human(other) == "room:        pubsub.example.test\n"
                        "kind:        not a multi-user chat room\n");
  CHECK(other.to_json()["flags"]["members_only"].is_null());
}

TEST_CASE("occupants report: aligned columns, us marked, hidden JIDs as '-'") {
  MucOccupantsReport report;
  report.room = jid(k_cli_room);
  report.nick = "thirdwitch";
  report.occupants = {occupant("firstwitch", muc::Role::moderator, muc::Affiliation::owner,
                               "crone1@shakespeare.lit/desktop"),
                      occupant("thirdwitch", muc::Role::participant, muc::Affiliation::none),
                      occupant(std::string("e") + std::string(k_rlo) + "vil",
                               muc::Role::visitor, muc::Affiliation::member)};
  report.occupants[1].self = true;
  report.subject = muc::RoomSubject{"Spells", jid(k_cli_room), true};
  const auto doc = report.to_json();
  CHECK(keys(doc) == std::vector<std::string>{"room", "nick", "occupants", "subject"});
  CHECK(doc["nick"] == "thirdwitch");
  CHECK(doc["occupants"].size() == 3);
  CHECK(doc["occupants"][1]["self"] == true);
  CHECK(doc["occupants"][1]["jid"].is_null());
  CHECK(doc["subject"]["from_room"] == true);
  CHECK(human(report) ==
        "firstwitch  moderator    owner   crone1@shakespeare.lit/desktop\n"
        "thirdwitch  participant  none    -                               (you)\n"
        "e\\u202evil  visitor      member  -\n"
        "3 occupants in coven@chat.example.test\n");
  report.occupants.resize(1);
  report.subject.reset();
  CHECK(report.to_json()["subject"].is_null());
  CHECK(human(report) == "firstwitch  moderator  owner  crone1@shakespeare.lit/desktop\n"
                         "1 occupant in coven@chat.example.test\n");
}

TEST_CASE("subject report: read, none, set, cleared") {
  MucSubjectReport report;
  report.room = jid(k_cli_room);
  CHECK(report.to_json().dump() == R"({"room":"coven@chat.example.test","subject":null,)"
                                   R"("changed":false})");
  CHECK(human(report) == "coven@chat.example.test sent no subject\n");
  report.subject = muc::RoomSubject{std::string("Fire ") + std::string(k_rlo) + "burn",
                                    jid("coven@chat.example.test/firstwitch"), false};
  CHECK(report.to_json()["subject"]["set_by"] == "firstwitch");
  CHECK(human(report) == "Fire \\u202eburn  (set by firstwitch)\n");
  report.subject = muc::RoomSubject{"", jid(k_cli_room), true};
  CHECK(human(report) == "(no subject)\n");
  report.changed = true;
  CHECK(human(report) == "subject of coven@chat.example.test cleared\n");
  report.subject = muc::RoomSubject{"New", jid("coven@chat.example.test/bob"), false};
  CHECK(human(report) == "subject of coven@chat.example.test set: New\n");
  CHECK(report.to_json().dump() ==
        R"({"room":"coven@chat.example.test","subject":{"text":"New","set_by":"bob",)"
        R"("from_room":false},"changed":true})");
}

TEST_CASE("history report: oldest first, bodies indented, subjects, withheld messages") {
  MucHistoryReport report;
  report.room = jid(k_cli_room);
  CHECK(human(report) == "(no messages)\n");
  mam::ArchivedMessage one;
  one.id = "a1";
  one.stamp = time::parse_datetime("2026-11-26T10:00:00Z").value();
  one.from = jid("coven@chat.example.test/firstwitch");
  one.body = std::string("line one\nline ") + std::string(k_rlo) + "two";
  one.message = test::parse_stanza(
      "<message from='coven@chat.example.test/firstwitch' type='groupchat'><body>x</body>"
      "</message>");
  mam::ArchivedMessage two;
  two.id = "a2";
  two.from = jid("coven@chat.example.test/secondwitch");
  two.message = test::parse_stanza(
      "<message from='coven@chat.example.test/secondwitch' type='groupchat'>"
      "<subject>Cauldron</subject></message>");
  mam::ArchivedMessage three;
  three.id = "a3";
  report.messages = {one, two, three};
  report.count = 10;
  const auto doc = report.to_json();
  CHECK(keys(doc) == std::vector<std::string>{"room", "messages", "complete", "count"});
  CHECK(doc["count"] == 10);
  CHECK(doc["complete"] == false);
  CHECK(keys(doc["messages"][0]) ==
        std::vector<std::string>{"id", "stamp", "from", "nick", "body", "subject"});
  CHECK(doc["messages"][0]["stamp"] == "2026-11-26T10:00:00Z");
  CHECK(doc["messages"][0]["nick"] == "firstwitch");
  CHECK(doc["messages"][0]["subject"].is_null());
  CHECK(doc["messages"][1]["subject"] == "Cauldron");
  CHECK(doc["messages"][1]["body"].is_null());
  CHECK(doc["messages"][1]["stamp"].is_null());
  CHECK(doc["messages"][2].dump() == R"({"id":"a3","stamp":null,"from":null,"nick":null,)"
                                     R"("body":null,"subject":null})");
  CHECK(human(report) == "[2026-11-26T10:00:00Z] firstwitch: line one\n"
                         "    line \\u202etwo\n"
                         "[?] secondwitch set the subject: Cauldron\n"
                         "[?] ?: (withheld by the archive)\n");
}

// ---- join events --------------------------------------------------------------------------------

TEST_CASE("joined event: JSON keys and the human line's tags") {
  muc::Joined joined;
  joined.room = jid(k_cli_room);
  joined.occupant = jid("coven@chat.example.test/thirdwitch_2");
  joined.status_codes = {100, 110, 170};
  joined.created = true;
  CHECK(to_json(JoinedEvent{joined}).dump() ==
        R"({"kind":"joined","room":"coven@chat.example.test","nick":"thirdwitch_2",)"
        R"("occupant":"coven@chat.example.test/thirdwitch_2","created":true,)"
        R"("status_codes":[100,110,170]})");
  CHECK(human_line(JoinedEvent{joined}) ==
        "joined coven@chat.example.test as thirdwitch_2 (new room, non-anonymous: everyone sees "
        "your JID, logged)");
  joined.status_codes = {110};
  joined.created = false;
  CHECK(human_line(JoinedEvent{joined}) == "joined coven@chat.example.test as thirdwitch_2");
}

TEST_CASE("occupant and subject events: JSON keys and human lines") {
  OccupantEvent event;
  event.room = jid(k_cli_room);
  event.change = OccupantChange::joined;
  event.occupant = occupant("firstwitch", muc::Role::moderator, muc::Affiliation::owner,
                            "crone1@shakespeare.lit/desktop");
  event.occupant.show = "away";
  event.occupant.status = std::string("brewing ") + std::string(k_rlo);
  const auto doc = to_json(JoinEvent{event});
  CHECK(keys(doc) == std::vector<std::string>{"kind", "event", "room", "nick", "role",
                                              "affiliation", "jid", "show", "status", "self",
                                              "new_nick", "reason", "alternate", "status_codes"});
  CHECK(doc["kind"] == "occupant");
  CHECK(doc["event"] == "joined");
  CHECK(doc["status_codes"] == Json::array());
  CHECK(human_line(JoinEvent{event}, "10:00:00") ==
        "[10:00:00] coven@chat.example.test: firstwitch joined (moderator, owner, "
        "crone1@shakespeare.lit/desktop) [away]: brewing \\u202e");
  event.change = OccupantChange::kicked;
  event.reason = "Avaunt, you cullion!";
  CHECK(human_line(JoinEvent{event}, "t") ==
        "[t] coven@chat.example.test: firstwitch was kicked: Avaunt, you cullion!");
  event.change = OccupantChange::renamed;
  event.new_nick = "oldhag";
  event.occupant.self = true;
  CHECK(human_line(JoinEvent{event}, "t") == "[t] coven@chat.example.test: firstwitch (you) is now oldhag");
  event.change = OccupantChange::destroyed;
  event.alternate = jid("heath@chat.example.test");
  event.reason = "Macbeth doth come.";
  CHECK(human_line(JoinEvent{event}, "t") ==
        "[t] coven@chat.example.test: the room was destroyed: Macbeth doth come. (go to "
        "heath@chat.example.test)");
  CHECK(to_json(JoinEvent{event})["alternate"] == "heath@chat.example.test");
  for (auto change : {OccupantChange::present, OccupantChange::joined, OccupantChange::changed,
                      OccupantChange::left, OccupantChange::renamed, OccupantChange::kicked,
                      OccupantChange::banned, OccupantChange::destroyed})
    CHECK_FALSE(to_string(change).empty());

  SubjectEvent subject{jid(k_cli_room), {"Spells", jid("coven@chat.example.test/firstwitch"), false}};
  CHECK(to_json(JoinEvent{subject}).dump() ==
        R"({"kind":"subject","room":"coven@chat.example.test","text":"Spells",)"
        R"("set_by":"firstwitch","from_room":false})");
  CHECK(human_line(JoinEvent{subject}, "t") ==
        "[t] coven@chat.example.test subject: Spells (set by firstwitch)");
  subject.subject = {"", jid(k_cli_room), true};
  CHECK(human_line(JoinEvent{subject}, "t") == "[t] coven@chat.example.test has no subject");
}

namespace {

xml::Element presence(std::string_view nick, std::string_view inner, std::string_view type = {}) {
  std::string text = "<presence from='coven@chat.example.test/" + std::string(nick) +
                     "' to='bob@example.test/r'";
  if (!type.empty()) text += " type='" + std::string(type) + "'";
  text += "><x xmlns='http://jabber.org/protocol/muc#user'>" + std::string(inner) + "</x></presence>";
  return test::parse_stanza(text);
}

muc::Joined joined_as(std::string_view nick) {
  muc::Joined joined;
  joined.room = jid(k_cli_room);
  joined.occupant = jid(std::string(k_cli_room) + "/" + std::string(nick));
  joined.status_codes = {110};
  return joined;
}

template <class T>
T as(std::optional<JoinEvent> event) {
  REQUIRE(event.has_value());
  REQUIRE(std::holds_alternative<T>(*event));
  return std::get<T>(std::move(*event));
}

}  // namespace

TEST_CASE("join tracker: the burst (present, us, history, subject), then live changes") {
  JoinTracker tracker(jid("bob@example.test/r"), joined_as("bob"));
  const auto& first = as<OccupantEvent>(tracker.apply(presence(
      "firstwitch",
      "<item affiliation='owner' role='moderator' jid='crone1@shakespeare.lit/desktop'/>")));
  CHECK(first.change == OccupantChange::present);
  CHECK(first.occupant.jid == jid("crone1@shakespeare.lit/desktop"));
  CHECK_FALSE(first.occupant.self);
  const auto& self = as<OccupantEvent>(tracker.apply(
      presence("bob", "<item affiliation='member' role='participant'/><status code='110'/>")));
  CHECK(self.change == OccupantChange::present);
  CHECK(self.occupant.self);
  CHECK(self.status_codes == std::vector<int>{110});
  const auto& history = as<ListenMessage>(tracker.apply(test::parse_stanza(
      "<message from='coven@chat.example.test/firstwitch' type='groupchat'><body>old</body>"
      "<delay xmlns='urn:xmpp:delay' from='coven@chat.example.test' "
      "stamp='2002-10-13T23:58:37Z'/></message>")));
  CHECK(history.history);
  CHECK(history.nick == "firstwitch");
  CHECK_FALSE(tracker.burst_over());
  const auto& subject = as<SubjectEvent>(tracker.apply(test::parse_stanza(
      "<message from='coven@chat.example.test/firstwitch' type='groupchat'>"
      "<subject>Fire Burn</subject></message>")));
  CHECK(subject.subject.text == "Fire Burn");
  CHECK_FALSE(subject.subject.from_room_itself);
  CHECK(tracker.burst_over());

  CHECK(as<OccupantEvent>(tracker.apply(presence("third", "<item affiliation='none' "
                                                          "role='participant'/>")))
            .change == OccupantChange::joined);
  CHECK(as<OccupantEvent>(tracker.apply(presence("third", "<item affiliation='none' "
                                                          "role='visitor'/>")))
            .change == OccupantChange::changed);
  const auto& live = as<ListenMessage>(tracker.apply(test::parse_stanza(
      "<message from='coven@chat.example.test/third' type='groupchat'><body>now</body>"
      "</message>")));
  CHECK_FALSE(live.history);
  const auto& renamed = as<OccupantEvent>(tracker.apply(presence(
      "third", "<item affiliation='none' role='visitor' nick='fourth'/><status code='303'/>",
      "unavailable")));
  CHECK(renamed.change == OccupantChange::renamed);
  CHECK(renamed.new_nick == "fourth");
  CHECK(renamed.occupant.role == muc::Role::visitor);  // the last presence's values
  const auto& kicked = as<OccupantEvent>(tracker.apply(presence(
      "firstwitch",
      "<item affiliation='owner' role='none'><reason>out</reason></item><status code='307'/>",
      "unavailable")));
  CHECK(kicked.change == OccupantChange::kicked);
  CHECK(kicked.reason == "out");
  CHECK(as<OccupantEvent>(tracker.apply(presence("nobody", "<item affiliation='outcast' "
                                                           "role='none'/><status code='301'/>",
                                                 "unavailable")))
            .change == OccupantChange::banned);
  CHECK(as<OccupantEvent>(
            tracker.apply(presence("fourth", "<item affiliation='none' role='none'/>", "unavailable")))
            .change == OccupantChange::left);
  CHECK_FALSE(tracker.removed().has_value());
}

TEST_CASE("join tracker, row 53: other rooms, errors and strangers are not events") {
  JoinTracker tracker(jid("bob@example.test/r"), joined_as("bob"));
  CHECK_FALSE(tracker.apply(test::parse_stanza(
      "<message from='other@chat.example.test/x' type='groupchat'><body>hi</body></message>")));
  CHECK_FALSE(tracker.apply(test::parse_stanza(
      "<message from='eve@example.test/x' type='chat'><body>hi</body></message>")));
  CHECK_FALSE(tracker.apply(test::parse_stanza(
      "<presence from='other@chat.example.test/x'/>")));
  CHECK_FALSE(tracker.apply(test::parse_stanza(
      "<presence from='coven@chat.example.test/x' type='error'><error type='cancel'>"
      "<conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>")));
  // The room's bare JID speaks no occupant presence.
  CHECK_FALSE(tracker.apply(test::parse_stanza("<presence from='coven@chat.example.test'/>")));
  // A chat state from an occupant: nothing to show.
  CHECK_FALSE(tracker.apply(test::parse_stanza(
      "<message from='coven@chat.example.test/x' type='groupchat'><active "
      "xmlns='http://jabber.org/protocol/chatstates'/></message>")));
  // A subject with a body is a message, not a subject change (§8.1), and not the end of a burst.
  const auto& message = as<ListenMessage>(tracker.apply(test::parse_stanza(
      "<message from='coven@chat.example.test/x' type='groupchat'><subject>s</subject>"
      "<body>b</body></message>")));
  CHECK(message.body == "b");
  CHECK(!message.subject);  // an occupant's subject is dropped (listen's rule)
  CHECK_FALSE(tracker.burst_over());
  // A 110 on someone else's nick does not make them us.
  const auto& other = as<OccupantEvent>(
      tracker.apply(presence("mallory", "<item affiliation='none' role='participant'/>"
                                        "<status code='110'/>")));
  CHECK_FALSE(other.occupant.self);
  CHECK(as<OccupantEvent>(tracker.apply(presence("mallory", "<status code='307'/>",
                                                 "unavailable")))
            .change == OccupantChange::kicked);
  CHECK_FALSE(tracker.removed().has_value());
}

TEST_CASE("join tracker: our own removal and nick change") {
  {
    JoinTracker tracker(jid("bob@example.test/r"), joined_as("bob"));
    (void)tracker.apply(presence("bob", "<item affiliation='none' role='participant'/>"
                                        "<status code='110'/>"));
    const auto& renamed = as<OccupantEvent>(tracker.apply(presence(
        "bob", "<item affiliation='none' role='participant' nick='robert'/><status code='110'/>"
               "<status code='303'/>",
        "unavailable")));
    CHECK(renamed.occupant.self);
    CHECK(tracker.occupant() == jid("coven@chat.example.test/robert"));
    CHECK_FALSE(tracker.removed());
    CHECK(as<OccupantEvent>(tracker.apply(presence("robert", "<item affiliation='none' "
                                                             "role='participant'/>"
                                                             "<status code='110'/>")))
              .occupant.self);
    const auto& kicked = as<OccupantEvent>(tracker.apply(presence(
        "robert", "<item affiliation='none' role='none'><reason>bye</reason></item>"
                  "<status code='110'/><status code='307'/>",
        "unavailable")));
    CHECK(kicked.change == OccupantChange::kicked);
    REQUIRE(tracker.removed().has_value());
    CHECK(tracker.removed()->kind == ErrorKind::remote);
    CHECK(tracker.removed()->code == "removed_from_room");
    CHECK(tracker.removed()->message == "kicked from room coven@chat.example.test (bye)");
  }
  {
    JoinTracker tracker(jid("bob@example.test/r"), joined_as("bob"));
    const auto& destroyed = as<OccupantEvent>(tracker.apply(presence(
        "bob", "<item affiliation='none' role='none'/><destroy jid='heath@chat.example.test'>"
               "<reason>gone</reason></destroy>",
        "unavailable")));
    CHECK(destroyed.change == OccupantChange::destroyed);
    CHECK(destroyed.alternate == jid("heath@chat.example.test"));
    REQUIRE(tracker.removed().has_value());
    CHECK(tracker.removed()->message == "room coven@chat.example.test was destroyed (gone)");
  }
}

// ---- arguments ----------------------------------------------------------------------------------

TEST_CASE("--since: XEP-0082 date and time, or a duration ago") {
  const auto now = system_clock::time_point(seconds(1'800'000'000));
  const auto at = [&](std::string_view text) {
    auto t = parse_since(text, now);
    REQUIRE_MESSAGE(t.has_value(), text);
    return *t;
  };
  CHECK(time::format_utc(at("2026-11-26T10:00:00Z")) == "2026-11-26T10:00:00Z");
  CHECK(time::format_utc(at("2026-11-26T10:00:00+02:00")) == "2026-11-26T08:00:00Z");
  CHECK(time::format_utc(at("2026-11-26T10:00:00.250Z")) == "2026-11-26T10:00:00.250Z");
  const auto ago = [&](std::string_view text) {
    return duration_cast<seconds>(system_clock::time_point(now) - at(text)).count();
  };
  CHECK(ago("90s") == 90);
  CHECK(ago("30m") == 1800);
  CHECK(ago("2h") == 7200);
  CHECK(ago("7d") == 7 * 86400);
  CHECK(ago("0s") == 0);
  CHECK(ago("36600d") == 36600LL * 86400);
  for (const auto* bad : {"", "5", "h", "5x", "1.5h", "-5m", "+5m", "5 m", "5mm", "2026-11-26",
                          "2026-11-26T25:00:00Z", "yesterday", "99999999999999999999d",
                          "36700d", "1e3s"}) {
    auto t = parse_since(bad, now);
    CHECK_FALSE_MESSAGE(t.has_value(), bad);
    if (!t) {
      CHECK(t.error().kind == ErrorKind::usage);
      CHECK(t.error().code == "bad_time");
      CHECK(t.error().message.find("90s, 30m, 2h, 7d") != std::string::npos);
    }
  }
}

TEST_CASE("ROOM and SERVICE: bare JIDs, with and without localpart") {
  CHECK(parse_room("Coven@Chat.Example.Test").value() == jid(k_cli_room));
  for (const auto* bad : {"chat.example.test", "coven@chat.example.test/nick", "@@", ""}) {
    auto r = parse_room(bad);
    REQUIRE_FALSE_MESSAGE(r.has_value(), bad);
    CHECK(r.error().kind == ErrorKind::usage);
  }
  CHECK(parse_service("chat.example.test").value() == jid("chat.example.test"));
  for (const auto* bad : {"coven@chat.example.test", "chat.example.test/x", "a@@b"}) {
    auto r = parse_service(bad);
    REQUIRE_FALSE_MESSAGE(r.has_value(), bad);
    CHECK(r.error().kind == ErrorKind::usage);
  }
}

// ---- the commands end to end, over a scripted room ----------------------------------------------

namespace {

std::string occupant_presence(std::string_view nick, std::string_view item, bool self,
                              std::string_view type = {}) {
  std::string text = "<presence from='coven@chat.example.test/" + std::string(nick) +
                     "' to='bob@example.test/fake'";
  if (!type.empty()) text += " type='" + std::string(type) + "'";
  text += "><x xmlns='http://jabber.org/protocol/muc#user'>" + std::string(item);
  if (self) text += "<status code='110'/>";
  return text + "</x></presence>";
}

/// coven@chat.example.test as Prosody behaves: firstwitch is in, one message of history, the
/// subject set by firstwitch, then (at once) a live message; "taken" is a nick in use.
std::vector<xml::Element> coven(const xml::Element& sent) {
  std::vector<xml::Element> answers;
  const auto to = Jid::parse(sent.attr("to").value_or(""));
  if (!to || to->bare() != jid(k_cli_room)) return answers;
  if (sent.name() == "presence") {
    const auto& nick = to->resource();
    if (sent.attr("type") == "unavailable") {
      answers.push_back(test::parse_stanza(occupant_presence(
          nick, "<item affiliation='none' role='none'/>", true, "unavailable")));
      return answers;
    }
    if (nick == "taken") {
      answers.push_back(test::parse_stanza(
          "<presence from='coven@chat.example.test/taken' type='error'><error type='cancel'>"
          "<conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>"));
      return answers;
    }
    for (const auto* text :
         {"<presence from='coven@chat.example.test/firstwitch'><x "
          "xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator' "
          "jid='crone1@example.test/desktop'/></x></presence>"}) {
      answers.push_back(test::parse_stanza(text));
    }
    answers.push_back(test::parse_stanza(occupant_presence(
        nick, "<item affiliation='none' role='participant' jid='bob@example.test/fake'/>", true)));
    answers.push_back(test::parse_stanza(
        "<message from='coven@chat.example.test/firstwitch' type='groupchat'><body>old</body>"
        "<delay xmlns='urn:xmpp:delay' from='coven@chat.example.test' "
        "stamp='2026-11-26T09:00:00Z'/></message>"));
    answers.push_back(test::parse_stanza(
        "<message from='coven@chat.example.test/firstwitch' type='groupchat'>"
        "<subject>Spells</subject></message>"));
    answers.push_back(test::parse_stanza(
        "<message from='coven@chat.example.test/firstwitch' type='groupchat'><body>live one</body>"
        "</message>"));
    return answers;
  }
  if (sent.name() == "message" && sent.child("subject", "jabber:client")) {
    // The reflection of our change, from our occupant JID (as Prosody sends it).
    auto reflection = sent;
    reflection.set_attr("from", std::string(k_cli_room) + "/bob");
    reflection.set_attr("to", "bob@example.test/fake");
    answers.push_back(std::move(reflection));
  }
  return answers;
}

struct MucHarness {
  std::ostringstream out, err;
  int opened = 0;
  test::RoomSession* session = nullptr;  ///< valid while the command runs
  std::unique_ptr<Io> io;

  /// The iq answers: disco#info of the rooms, the archive of coven.
  std::optional<xml::Element> answer(const xml::Element& iq) {
    const auto to = iq.attr("to").value_or("");
    if (stanza::is_get_of(iq, "query", "http://jabber.org/protocol/disco#info")) {
      disco::DiscoInfo info;
      if (to == "node@pubsub.example.test") {
        info.identities = {{"pubsub", "service", std::nullopt, std::nullopt}};
      } else {
        info.identities = {{"conference", "text", std::string("The Coven"), std::nullopt}};
        info.features = {"http://jabber.org/protocol/muc", "muc_persistent"};
        if (to == k_cli_room) info.features.emplace_back("urn:xmpp:mam:2");
      }
      return disco::make_info_result(iq, info);
    }
    if (const auto* query = iq.child("query", "urn:xmpp:mam:2")) {
      const auto queryid = query->attr("queryid").value_or("");
      for (const auto* id : {"m1", "m2"}) {
        mam::ArchivedMessage item;
        item.id = id;
        item.stamp = time::parse_datetime("2026-11-26T09:00:00Z").value();
        item.message = test::parse_stanza(
            "<message from='coven@chat.example.test/firstwitch' type='groupchat'><body>" +
            std::string(id) + "</body></message>");
        auto result = mam::make_result(item, queryid);
        result.set_attr("from", std::string(k_cli_room));
        result.set_attr("to", "bob@example.test/fake");
        session->deliver(result);
      }
      mam::Fin fin;
      fin.complete = true;
      return stanza::make_result(iq, mam::make_fin(fin));
    }
    return std::nullopt;
  }

  int run(std::vector<std::string> args) {
    io = std::make_unique<Io>(Io{
        out, err,
        [](std::string_view) -> Result<std::optional<Secret>> { return std::optional<Secret>{}; },
        [this](stream::SessionOptions o) -> awaitable<Result<std::unique_ptr<stream::Session>>> {
          auto executor = co_await asio::this_coro::executor;
          ++opened;
          auto s = std::make_unique<test::RoomSession>(executor, o.jid.with_resource("fake"));
          s->script = coven;
          s->responder = [this](const xml::Element& iq) { return answer(iq); };
          session = s.get();
          co_return std::unique_ptr<stream::Session>(std::move(s));
        },
        false});
    Environment env;
    env.password = "pw";
    args.insert(args.begin(), {"-j", "bob@example.test"});
    return cli::run_main(args, env, *io);
  }

  std::vector<nlohmann::json> lines() const {
    std::vector<nlohmann::json> docs;
    std::istringstream in(out.str());
    for (std::string line; std::getline(in, line);)
      docs.push_back(nlohmann::json::parse(line));
    return docs;
  }
};

}  // namespace

TEST_CASE("muc join --json: the burst as NDJSON, ending at the subject; then we leave") {
  MucHarness h;
  CHECK(h.run({"--json", "muc", "join", std::string(k_cli_room)}) == 0);
  const auto docs = h.lines();
  REQUIRE(docs.size() == 5);
  CHECK(docs[0]["kind"] == "joined");
  CHECK(docs[0]["nick"] == "bob");
  CHECK(docs[1]["kind"] == "occupant");
  CHECK(docs[1]["nick"] == "firstwitch");
  CHECK(docs[1]["event"] == "present");
  CHECK(docs[2]["self"] == true);
  CHECK(docs[3]["kind"] == "message");
  CHECK(docs[3]["history"] == true);
  CHECK(docs[3]["body"] == "old");
  CHECK(docs[4]["kind"] == "subject");
  CHECK(docs[4]["text"] == "Spells");
  CHECK(h.err.str().empty());
}

TEST_CASE("muc join --listen --count: live messages counted (not history), then exit 0") {
  MucHarness h;
  CHECK(h.run({"muc", "join", std::string(k_cli_room), "--listen", "--count", "1", "--history",
               "5"}) == 0);
  const auto text = h.out.str();
  CHECK(text.find("joined coven@chat.example.test as bob\n") == 0);
  CHECK(text.find("coven@chat.example.test/firstwitch (history 2026-11-26T09:00:00Z): old") !=
        std::string::npos);
  CHECK(text.find("coven@chat.example.test subject: Spells (set by firstwitch)") !=
        std::string::npos);
  CHECK(text.find("coven@chat.example.test/firstwitch: live one") != std::string::npos);

  MucHarness more;
  CHECK(more.run({"--timeout", "0.3", "muc", "join", std::string(k_cli_room), "--listen", "--count",
                  "2"}) == 75);
  CHECK(more.err.str().find("with 1 of 2 messages") != std::string::npos);
  MucHarness until;
  CHECK(until.run({"--timeout", "0.3", "muc", "join", std::string(k_cli_room), "--listen"}) == 0);
}

TEST_CASE("muc join: a nick in use is exit 1 with conflict and the hint; the fallback works") {
  MucHarness h;
  CHECK(h.run({"--json", "muc", "join", std::string(k_cli_room), "--nick", "taken"}) == 1);
  CHECK(h.err.str().find("--nick-fallback") != std::string::npos);
  CHECK(h.err.str().find(R"("condition":"conflict")") != std::string::npos);
  CHECK(h.out.str().empty());
  MucHarness f;
  CHECK(f.run({"--json", "muc", "join", std::string(k_cli_room), "--nick", "taken",
               "--nick-fallback"}) == 0);
  CHECK(f.lines().at(0)["nick"] == "taken_2");
}

TEST_CASE("muc occupants, subject, info, history over the scripted room") {
  MucHarness occupants;
  CHECK(occupants.run({"--json", "muc", "occupants", std::string(k_cli_room)}) == 0);
  auto doc = nlohmann::json::parse(occupants.out.str());
  CHECK(doc["nick"] == "bob");
  REQUIRE(doc["occupants"].size() == 2);
  CHECK(doc["occupants"][0]["jid"] == "crone1@example.test/desktop");
  CHECK(doc["occupants"][1]["self"] == true);
  CHECK(doc["subject"]["text"] == "Spells");

  MucHarness read;
  CHECK(read.run({"muc", "subject", std::string(k_cli_room)}) == 0);
  CHECK(read.out.str() == "Spells  (set by firstwitch)\n");

  MucHarness set;
  CHECK(set.run({"--json", "muc", "subject", std::string(k_cli_room), "New topic"}) == 0);
  doc = nlohmann::json::parse(set.out.str());
  CHECK(doc["changed"] == true);
  CHECK(doc["subject"]["text"] == "New topic");
  CHECK(doc["subject"]["set_by"] == "bob");

  MucHarness info;
  CHECK(info.run({"--json", "muc", "info", std::string(k_cli_room)}) == 0);
  doc = nlohmann::json::parse(info.out.str());
  CHECK(doc["name"] == "The Coven");
  CHECK(doc["flags"]["persistent"] == true);
  MucHarness not_room;
  CHECK(not_room.run({"--json", "muc", "info", "node@pubsub.example.test"}) == 1);
  CHECK(not_room.err.str().find(R"("code":"not_a_room")") != std::string::npos);
  CHECK(nlohmann::json::parse(not_room.out.str())["is_room"] == false);

  MucHarness history;
  CHECK(history.run({"--json", "muc", "history", std::string(k_cli_room), "--max", "5", "--since",
                     "2026-11-26T08:00:00Z"}) == 0);
  doc = nlohmann::json::parse(history.out.str());
  REQUIRE(doc["messages"].size() == 2);
  CHECK(doc["messages"][0]["body"] == "m1");
  CHECK(doc["messages"][1]["nick"] == "firstwitch");
  CHECK(doc["complete"] == true);

  MucHarness without;
  CHECK(without.run({"--json", "muc", "history", "plain@chat.example.test"}) == 1);
  CHECK(without.err.str().find(R"("code":"not_supported","condition":"feature-not-implemented")") !=
        std::string::npos);
}

TEST_CASE("muc: bad arguments are exit 64 before any login") {
  const std::string room(k_cli_room);
  const std::vector<std::vector<std::string>> cases = {
      {"muc"},
      {"muc", "join"},
      {"muc", "nosuch"},
      {"muc", "join", "chat.example.test"},
      {"muc", "join", "coven@chat.example.test/nick"},
      {"muc", "info", "a@@b"},
      {"muc", "occupants", "chat.example.test"},
      {"muc", "history", "coven@chat.example.test/x"},
      {"muc", "send", "chat.example.test", "-m", "x"},
      {"muc", "list", "coven@chat.example.test"},
      {"muc", "list", "chat.example.test/x"},
      {"muc", "join", room, "--count", "2"},
      {"muc", "join", room, "--count", "0", "--listen"},
      {"muc", "join", room, "--history", "-1"},
      {"muc", "join", room, "--nick", ""},
      {"muc", "join", room, "--password", "a\x01"},
      {"muc", "history", room, "--since", "yesterday"},
      {"muc", "history", room, "--max", "0"},
      {"muc", "subject", room, "a", "b"},
      {"muc", "info", room, "--listen"},
  };
  for (const auto& args : cases) {
    MucHarness h;
    std::string joined;
    for (const auto& a : args)
      joined += a + " ";
    CHECK_MESSAGE(h.run(args) == 64, joined);
    CHECK_MESSAGE(h.opened == 0, joined);
    CHECK_MESSAGE(h.out.str().empty(), joined);
  }
  MucHarness alone;
  CHECK(alone.run({"muc"}) == 64);
  CHECK(alone.err.str().find("list, info, join, send, occupants, subject, history, create") !=
        std::string::npos);
}
