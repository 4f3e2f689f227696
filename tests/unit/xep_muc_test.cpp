// XEP-0045 Multi-User Chat: the codecs against the spec's own examples (§7.2, §7.14, §10.1), the
// origin rules of SECURITY.md row 53, and join()/leave() against a scripted room (no network),
// each under a deadline.
#include <doctest/doctest.h>

#include <algorithm>

#include "stanza/iq.hpp"
#include "stanza/message.hpp"
#include "stanza/namespaces.hpp"
#include "stanza/presence.hpp"
#include "test_jid.hpp"
#include "xep/muc/muc.hpp"
#include "xep/muc/muc_ops.hpp"
#include "xep_examples.hpp"
#include "xep_fake_session.hpp"
#include "xep_muc_fake.hpp"

using namespace xmpp;
using xmpp::test::canonical;
using namespace std::chrono;

namespace {

using test::jid;

xml::Element stanza_of(std::string_view text) {
  return test::parse_stanza(text);
}


/// A spec example as we would build it: the server adds 'from' (RFC 6120 §8.1.2.1) and ids are
/// ours to choose, so both are dropped from the example.
xml::Element muc_as_sent(std::string_view example) {
  auto e = stanza_of(example);
  e.remove_attr("from");
  e.remove_attr("id");
  return canonical(e);
}

const Jid k_coven = *Jid::parse("coven@chat.shakespeare.lit");
const Jid k_me = *Jid::parse("coven@chat.shakespeare.lit/thirdwitch");

// ---- scripted room pieces ----

xml::Element occupant_presence(const std::string& from, std::vector<int> codes,
                               const char* type = nullptr, const char* affiliation = "member",
                               const char* role = "participant") {
  auto p = stanza::make_presence(type ? *stanza::parse_presence_type(type)
                                      : stanza::PresenceType::available,
                                 "hag66@shakespeare.lit/pda");
  p.set_attr("from", from);
  xml::Element x("x", std::string(muc::k_ns_user));
  auto& item = x.add_child(xml::Element("item", std::string(muc::k_ns_user)));
  item.set_attr("affiliation", affiliation);
  item.set_attr("role", role);
  for (int c : codes)
    x.add_child(xml::Element("status", std::string(muc::k_ns_user)))
        .set_attr("code", std::to_string(c));
  p.add_child(std::move(x));
  return p;
}

xml::Element error_presence(const std::string& from, const char* condition, std::string text = {}) {
  auto request = stanza::make_presence(stanza::PresenceType::available, from);
  request.set_attr("from", "hag66@shakespeare.lit/pda");
  auto reply =
      stanza::make_error_reply(request, stanza::make_stanza_error(condition, std::move(text)));
  reply.set_attr("from", from);
  return reply;
}

xml::Element subject_message(const std::string& from, const std::string& subject) {
  auto m = stanza::make_message("hag66@shakespeare.lit/pda", stanza::MessageType::groupchat, "");
  m.set_attr("from", from);
  m.add_child(xml::Element("subject", std::string(stanza::k_ns_client))).add_text(subject);
  return m;
}

struct Room {
  asio::io_context io;
  test::RoomSession session{io.get_executor(), jid("hag66@shakespeare.lit/pda")};

  Result<muc::Joined> join(muc::JoinOptions options) {
    return test::run_coroutine<Result<muc::Joined>>(
        io, [&] { return muc::join(session, k_coven, options); });
  }
  Result<void> leave(const muc::Joined& joined, milliseconds timeout) {
    return test::run_coroutine<Result<void>>(io,
                                             [&] { return muc::leave(session, joined, timeout); });
  }
};

muc::JoinOptions options(std::string nick = "thirdwitch") {
  muc::JoinOptions o;
  o.nick = std::move(nick);
  o.timeout = seconds(5);
  return o;
}

/// The error message of a failed result, for REQUIRE_MESSAGE (evaluated even on success).
template <class T> std::string why(const Result<T>& r) {
  return r ? std::string() : r.error().message;
}

bool is_join_to(const xml::Element& e, const Jid& occupant) {
  return stanza::is_presence(e) && !e.attr("type") && e.attr("to") == occupant.str() &&
         e.child("x", muc::k_ns) != nullptr;
}

}  // namespace

// ---- codecs ------------------------------------------------------------------------------------

TEST_CASE("muc: the join presence is §7.2.1's example; password (§7.2.5) and history (§7.2.14)") {
  CHECK(canonical(muc::make_join_presence(k_me, std::nullopt, std::nullopt)) == muc_as_sent(R"(
<presence from='hag66@shakespeare.lit/pda' id='n13mt3l' to='coven@chat.shakespeare.lit/thirdwitch'>
  <x xmlns='http://jabber.org/protocol/muc'/>
</presence>)"));
  CHECK(canonical(muc::make_join_presence(k_me, std::string("cauldronburn"), std::nullopt)) ==
        muc_as_sent(R"(
<presence from='hag66@shakespeare.lit/pda' id='djn4714' to='coven@chat.shakespeare.lit/thirdwitch'>
  <x xmlns='http://jabber.org/protocol/muc'>
    <password>cauldronburn</password>
  </x>
</presence>)"));
  CHECK(canonical(muc::make_join_presence(k_me, std::nullopt, 20)) == muc_as_sent(R"(
<presence from='hag66@shakespeare.lit/pda' id='n13mt3l' to='coven@chat.shakespeare.lit/thirdwitch'>
  <x xmlns='http://jabber.org/protocol/muc'>
    <history maxstanzas='20'/>
  </x>
</presence>)"));
  // No history: §7.2.14's MUST (maxchars='0'), plus maxstanzas='0'.
  const auto none = muc::make_join_presence(k_me, std::nullopt, 0);
  const auto* history = none.child("x", muc::k_ns)->child("history", muc::k_ns);
  REQUIRE(history != nullptr);
  CHECK(history->attr("maxchars") == "0");
  CHECK(history->attr("maxstanzas") == "0");
  // A negative count is the room's default, as nullopt.
  CHECK(muc::make_join_presence(k_me, std::nullopt, -1) ==
        muc::make_join_presence(k_me, std::nullopt, std::nullopt));
}

TEST_CASE("muc: leave (§7.14) and instant room (§10.1.2) are the spec's examples") {
  CHECK(canonical(muc::make_leave_presence(k_me)) == muc_as_sent(R"(
<presence from='hag66@shakespeare.lit/pda' to='coven@chat.shakespeare.lit/thirdwitch'
    type='unavailable'/>)"));
  CHECK(canonical(muc::make_instant_room_request(k_coven)) == muc_as_sent(R"(
<iq from='crone1@shakespeare.lit/desktop' id='create1' to='coven@chat.shakespeare.lit' type='set'>
  <query xmlns='http://jabber.org/protocol/muc#owner'>
    <x xmlns='jabber:x:data' type='submit'/>
  </query>
</iq>)"));
  // Addressed to the room even when given an occupant JID.
  const auto cancel = muc::make_cancel_configuration(k_me);
  CHECK(cancel.attr("to") == "coven@chat.shakespeare.lit");
  CHECK(cancel.attr("type") == "set");
  CHECK(cancel.child("query", muc::k_ns_owner)->child("x", muc::k_ns_data)->attr("type") ==
        "cancel");
}

TEST_CASE("muc: muc#user <x/> of §7.2.12's self-presence: item and status codes") {
  const auto p = stanza_of(R"(
<presence from='coven@chat.shakespeare.lit/thirdwitch' id='n13mt3l' to='hag66@shakespeare.lit/pda'>
  <x xmlns='http://jabber.org/protocol/muc#user'>
    <item affiliation='member' role='participant'/>
    <status code='100'/>
    <status code='110'/>
    <status code='170'/>
    <status code='210'/>
  </x>
</presence>)");
  const auto info = muc::parse_user_x(p);
  REQUIRE(info.has_value());
  CHECK(info->status_codes == std::vector<int>{100, 110, 170, 210});
  CHECK(info->has_status(muc::k_status_logged));
  CHECK_FALSE(info->has_status(muc::k_status_created));
  REQUIRE(info->items.size() == 1);
  CHECK(info->items[0].affiliation == muc::Affiliation::member);
  CHECK(info->items[0].role == muc::Role::participant);
  CHECK_FALSE(info->items[0].jid.has_value());
}

TEST_CASE("muc: muc#user parsing is tolerant of bad values and refuses two <x/>") {
  const auto p = stanza_of(R"(
<presence from='coven@chat.shakespeare.lit/firstwitch'>
  <x xmlns='http://jabber.org/protocol/muc#user'>
    <item affiliation='emperor' role='moderator' jid='crone1@shakespeare.lit/desktop' nick='cr'>
      <reason>because</reason>
    </item>
    <status code='abc'/><status code='1100'/><status code='42'/><status/><status code='307'/>
    <destroy jid='coven2@chat.shakespeare.lit'><reason>moved</reason></destroy>
  </x>
</presence>)");
  const auto info = muc::parse_user_x(p);
  REQUIRE(info.has_value());
  CHECK(info->status_codes == std::vector<int>{307});
  REQUIRE(info->items.size() == 1);
  CHECK_FALSE(info->items[0].affiliation.has_value());
  CHECK(info->items[0].role == muc::Role::moderator);
  CHECK(info->items[0].jid == jid("crone1@shakespeare.lit/desktop"));
  CHECK(info->items[0].nick == "cr");
  CHECK(info->items[0].reason == "because");
  REQUIRE(info->destroy.has_value());
  CHECK(info->destroy->alternate == jid("coven2@chat.shakespeare.lit"));
  CHECK(info->destroy->reason == "moved");

  CHECK_FALSE(muc::parse_user_x(stanza_of("<presence/>")).has_value());
  // §7.2.2: never more than one; a second one could be an occupant's reflected payload.
  CHECK_FALSE(muc::parse_user_x(stanza_of(R"(
<presence from='coven@chat.shakespeare.lit/thirdwitch'>
  <x xmlns='http://jabber.org/protocol/muc#user'><status code='110'/></x>
  <x xmlns='http://jabber.org/protocol/muc#user'><status code='210'/></x>
</presence>)"))
                  .has_value());
  CHECK(muc::to_string(muc::Affiliation::outcast) == "outcast");
  CHECK(muc::parse_role("visitor") == muc::Role::visitor);
  CHECK_FALSE(muc::parse_role("Visitor").has_value());
}

// ---- origin rules (SECURITY.md row 53) ---------------------------------------------------------

TEST_CASE("muc row 53: 110 only counts on our own occupant JID") {
  CHECK(muc::is_self_presence(occupant_presence(k_me.str(), {110}), k_me));
  // 110 on someone else's nick, on the bare room, in another room: not about us.
  CHECK_FALSE(muc::is_self_presence(
      occupant_presence("coven@chat.shakespeare.lit/firstwitch", {110}), k_me));
  CHECK_FALSE(muc::is_self_presence(occupant_presence("coven@chat.shakespeare.lit", {110}), k_me));
  CHECK_FALSE(muc::is_self_presence(
      occupant_presence("other@chat.shakespeare.lit/thirdwitch", {110}), k_me));
  // Our occupant JID without 110 is another session of ours, not the room speaking of us.
  CHECK_FALSE(muc::is_self_presence(occupant_presence(k_me.str(), {100}), k_me));
  // The comparison is on normalised JIDs (RFC 7622): the service's case is not ours.
  CHECK(muc::is_self_presence(occupant_presence("Coven@Chat.Shakespeare.Lit/thirdwitch", {110}),
                              k_me));
  CHECK_FALSE(muc::is_self_presence(
      occupant_presence("coven@chat.shakespeare.lit/ThirdWitch", {110}), k_me));
}

TEST_CASE("muc row 53: while joining, another nick is ours only with 110 and 210 (§7.2.2)") {
  CHECK(muc::join_self_presence(occupant_presence(k_me.str(), {110}), k_me) == k_me);
  CHECK(muc::join_self_presence(occupant_presence("coven@chat.shakespeare.lit/oldhag", {110, 210}),
                                k_me) == jid("coven@chat.shakespeare.lit/oldhag"));
  CHECK_FALSE(
      muc::join_self_presence(occupant_presence("coven@chat.shakespeare.lit/oldhag", {110}), k_me)
          .has_value());
  CHECK_FALSE(
      muc::join_self_presence(occupant_presence("coven@chat.shakespeare.lit", {110, 210}), k_me)
          .has_value());
  CHECK_FALSE(
      muc::join_self_presence(occupant_presence("other@chat.shakespeare.lit/x", {110, 210}), k_me)
          .has_value());
}

TEST_CASE("muc row 53: a subject change comes only from the room's bare JID, without a body") {
  const std::string bare = k_coven.str();
  CHECK(muc::is_room_subject_change(subject_message(bare, "Fire Burn"), k_coven));
  CHECK(muc::room_subject(subject_message(bare, "Fire Burn"), k_coven) == "Fire Burn");
  CHECK(muc::room_subject(subject_message(bare, ""), k_coven) == "");  // §7.2.15: no subject set
  // From an occupant JID (§7.2.15's own example, ex. 38): not a subject change for us.
  CHECK_FALSE(muc::is_room_subject_change(stanza_of(R"(
<message from='coven@chat.shakespeare.lit/secondwitch' id='F437C672-D438-4BD3-9BFF-091050D32EE2'
    to='crone1@shakespeare.lit/desktop' type='groupchat'>
  <subject>Fire Burn and Cauldron Bubble!</subject>
  <delay xmlns='urn:xmpp:delay' from='coven@chat.shakespeare.lit' stamp='1610-04-20T00:00:00Z'/>
</message>)"),
                                          k_coven));
  CHECK_FALSE(muc::room_subject(subject_message(bare + "/mallory", "pwned"), k_coven).has_value());
  // §8.1: with a <body/> or a <thread/> it is an ordinary message.
  auto with_body = subject_message(bare, "x");
  with_body.add_child(xml::Element("body", std::string(stanza::k_ns_client))).add_text("hi");
  CHECK_FALSE(muc::is_room_subject_change(with_body, k_coven));
  auto with_thread = subject_message(bare, "x");
  with_thread.add_child(xml::Element("thread", std::string(stanza::k_ns_client))).add_text("t");
  CHECK_FALSE(muc::is_room_subject_change(with_thread, k_coven));
  // Not groupchat, another room.
  auto chat = subject_message(bare, "x");
  chat.set_attr("type", "chat");
  CHECK_FALSE(muc::is_room_subject_change(chat, k_coven));
  CHECK_FALSE(
      muc::is_room_subject_change(subject_message("other@chat.shakespeare.lit", "x"), k_coven));
}

TEST_CASE("muc row 53: history is what carries the room's own <delay/> (§7.2.13)") {
  const auto history = stanza_of(R"(
<message from='coven@chat.shakespeare.lit/firstwitch' id='162BEBB1-F6DB-4D9A-9BD8-CFDCC801A0B2'
    to='hecate@shakespeare.lit/broom' type='groupchat'>
  <body>Thrice the brinded cat hath mew'd.</body>
  <delay xmlns='urn:xmpp:delay' from='coven@chat.shakespeare.lit' stamp='2002-10-13T23:58:37Z'/>
</message>)");
  CHECK(muc::is_history(history, k_coven));
  CHECK(muc::history_stamp(history, k_coven) == "2002-10-13T23:58:37Z");
  CHECK_FALSE(muc::is_history(history, jid("other@chat.shakespeare.lit")));

  const auto live = stanza_of(R"(
<message from='coven@chat.shakespeare.lit/firstwitch' type='groupchat'><body>now</body></message>)");
  CHECK_FALSE(muc::is_history(live, k_coven));
  CHECK_FALSE(muc::history_stamp(live, k_coven).has_value());
  // A <delay/> stamped by anyone but the room (the sender's own payload) is not the room's.
  const auto self_stamped = stanza_of(R"(
<message from='coven@chat.shakespeare.lit/firstwitch' type='groupchat'><body>old?</body>
  <delay xmlns='urn:xmpp:delay' from='coven@chat.shakespeare.lit/firstwitch' stamp='2002-10-13T23:58:37Z'/>
</message>)");
  CHECK_FALSE(muc::is_history(self_stamped, k_coven));
  // The room's delay next to a foreign one still counts.
  const auto two = stanza_of(R"(
<message from='coven@chat.shakespeare.lit/firstwitch' type='groupchat'><body>old</body>
  <delay xmlns='urn:xmpp:delay' from='shakespeare.lit' stamp='2002-10-13T23:00:00Z'/>
  <delay xmlns='urn:xmpp:delay' from='coven@chat.shakespeare.lit' stamp='2002-10-13T23:58:37Z'/>
</message>)");
  CHECK(muc::history_stamp(two, k_coven) == "2002-10-13T23:58:37Z");
  // Only groupchat is room history.
  auto chat = history;
  chat.set_attr("type", "chat");
  CHECK_FALSE(muc::is_history(chat, k_coven));
}

TEST_CASE("muc row 53: status codes in a message only from the room's bare JID") {
  const auto notice = stanza_of(R"(
<message from='coven@chat.shakespeare.lit' to='crone1@shakespeare.lit/desktop' type='groupchat'>
  <x xmlns='http://jabber.org/protocol/muc#user'><status code='104'/></x>
</message>)");
  CHECK(muc::room_status_codes(notice, k_coven) == std::vector<int>{104});
  auto forged = notice;
  forged.set_attr("from", "coven@chat.shakespeare.lit/mallory");
  CHECK(muc::room_status_codes(forged, k_coven).empty());
  CHECK(muc::is_from_room(forged, k_coven));
  CHECK_FALSE(muc::is_from_room_itself(forged, k_coven));
  CHECK(muc::is_from_room_itself(notice, k_coven));
  CHECK_FALSE(muc::is_from_room(stanza_of("<message type='groupchat'/>"), k_coven));
  CHECK_FALSE(
      muc::is_from_room(stanza_of("<message from='not a jid@' type='groupchat'/>"), k_coven));
}

TEST_CASE("muc: refused joins read as a person would say them (§7.2.17)") {
  struct Case {
    const char* condition;
    bool gave_password;
    const char* message;
  };
  const Case cases[] = {
      {"not-authorized", false, "room coven@chat.shakespeare.lit needs a password"},
      {"not-authorized", true, "wrong password for room coven@chat.shakespeare.lit"},
      {"registration-required", false, "room coven@chat.shakespeare.lit is members-only"},
      {"forbidden", false, "banned from room coven@chat.shakespeare.lit"},
      {"conflict", false, "nick thirdwitch is taken in room coven@chat.shakespeare.lit"},
      {"service-unavailable", false,
       "room coven@chat.shakespeare.lit is full or does not accept new occupants"},
      {"item-not-found", false, "room coven@chat.shakespeare.lit does not exist"},
      {"not-allowed", false, "room coven@chat.shakespeare.lit cannot be created here"},
      {"not-acceptable", false, "room coven@chat.shakespeare.lit only accepts your reserved nick"},
      {"jid-malformed", false,
       "nick thirdwitch is not acceptable in room coven@chat.shakespeare.lit"},
      {"gone", false, "room coven@chat.shakespeare.lit was destroyed"},
      {"resource-constraint", false,
       "cannot join room coven@chat.shakespeare.lit: resource-constraint"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.condition);
    const auto e = muc::join_error(error_presence(k_me.str(), c.condition), k_coven, "thirdwitch",
                                   c.gave_password);
    CHECK(e.kind == ErrorKind::remote);
    CHECK(e.code == "stanza_error");
    CHECK(e.condition == c.condition);
    CHECK(e.message == c.message);
  }
  const auto with_text = muc::join_error(
      error_presence(k_me.str(), "service-unavailable", "Room is full"), k_coven, "x", false);
  CHECK(with_text.message ==
        "room coven@chat.shakespeare.lit is full or does not accept new occupants (Room is full)");
  auto moved = stanza::make_stanza_error("gone");
  moved.alternate = "xmpp:coven2@chat.shakespeare.lit?join";
  auto moved_presence = stanza::make_error_reply(
      stanza::make_presence(stanza::PresenceType::available, k_me.str()), moved);
  CHECK(muc::join_error(moved_presence, k_coven, "x", false).message ==
        "room coven@chat.shakespeare.lit was destroyed (successor: "
        "xmpp:coven2@chat.shakespeare.lit?join)");
  // §7.2.5's example, as the room sends it.
  const auto example = stanza_of(R"(
<presence from='coven@chat.shakespeare.lit/thirdwitch' id='n13mt3l' to='hag66@shakespeare.lit/pda'
    type='error'>
  <x xmlns='http://jabber.org/protocol/muc'/>
  <error by='coven@chat.shakespeare.lit' type='auth'>
    <not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
  </error>
</presence>)");
  CHECK(muc::is_join_error(example, k_me));
  CHECK_FALSE(muc::is_join_error(example, jid("coven@chat.shakespeare.lit/firstwitch")));
  CHECK(muc::is_join_error(error_presence(k_coven.str(), "jid-malformed"), k_me));
  CHECK_FALSE(muc::is_join_error(occupant_presence(k_me.str(), {110}), k_me));
}

// ---- join / leave ------------------------------------------------------------------------------

TEST_CASE("muc join: other occupants, then our self-presence with 110; the subject if it came") {
  Room r;
  r.session.script = [](const xml::Element& sent) -> std::vector<xml::Element> {
    if (!is_join_to(sent, k_me)) return {};
    return {occupant_presence("coven@chat.shakespeare.lit/firstwitch", {}, nullptr, "owner",
                              "moderator"),
            occupant_presence("coven@chat.shakespeare.lit/secondwitch", {}, nullptr, "admin",
                              "moderator"),
            occupant_presence(k_me.str(), {100, 110, 170}),
            subject_message(k_coven.str(), "Fire Burn and Cauldron Bubble!")};
  };
  auto o = options();
  o.history_stanzas = 0;
  const auto joined = r.join(o);
  REQUIRE_MESSAGE(joined.has_value(), why(joined));
  CHECK(joined->room == k_coven);
  CHECK(joined->occupant == k_me);
  CHECK_FALSE(joined->created);
  CHECK(joined->status_codes == std::vector<int>{100, 110, 170});
  CHECK(joined->subject == "Fire Burn and Cauldron Bubble!");
  REQUIRE(r.session.sent.size() == 1);
  CHECK(r.session.sent[0] == muc::make_join_presence(k_me, std::nullopt, 0));
  CHECK(r.session.requests.empty());
}

TEST_CASE("muc join: answers that come after send() returned are seen too") {
  Room r;
  r.session.answer_during_send = false;
  r.session.delay = milliseconds(20);
  r.session.script = [](const xml::Element& sent) -> std::vector<xml::Element> {
    if (!is_join_to(sent, k_me)) return {};
    return {occupant_presence("coven@chat.shakespeare.lit/firstwitch", {}),
            occupant_presence(k_me.str(), {110})};
  };
  const auto joined = r.join(options());
  REQUIRE_MESSAGE(joined.has_value(), why(joined));
  CHECK(joined->occupant == k_me);
  CHECK_FALSE(joined->subject.has_value());
}

TEST_CASE("muc join: a 110 on someone else's nick or from another room is ignored (row 53)") {
  Room r;
  r.session.script = [](const xml::Element& sent) -> std::vector<xml::Element> {
    if (!is_join_to(sent, k_me)) return {};
    return {occupant_presence("coven@chat.shakespeare.lit/firstwitch", {110}),
            occupant_presence("other@chat.shakespeare.lit/thirdwitch", {110}),
            error_presence("coven@chat.shakespeare.lit/firstwitch", "conflict"),
            subject_message(k_coven.str(), "too early")};
  };
  auto o = options();
  o.timeout = milliseconds(50);
  const auto joined = r.join(o);
  REQUIRE_FALSE(joined.has_value());
  CHECK(joined.error().kind == ErrorKind::temporary);
  CHECK(joined.error().code == "timeout");
  CHECK(joined.error().message ==
        "joining room coven@chat.shakespeare.lit: room coven@chat.shakespeare.lit did not answer "
        "within 50 ms");
  CHECK(r.session.delivered == 4);
}

TEST_CASE("muc join: then our own 110 after the impostor's") {
  Room r;
  r.session.script = [](const xml::Element& sent) -> std::vector<xml::Element> {
    if (!is_join_to(sent, k_me)) return {};
    return {occupant_presence("coven@chat.shakespeare.lit/firstwitch", {110}),
            occupant_presence(k_me.str(), {110})};
  };
  const auto joined = r.join(options());
  REQUIRE(joined.has_value());
  CHECK(joined->occupant == k_me);
}

TEST_CASE("muc join: the room assigns another nick (110 + 210)") {
  Room r;
  r.session.script = [](const xml::Element& sent) -> std::vector<xml::Element> {
    if (!is_join_to(sent, k_me)) return {};
    return {occupant_presence("coven@chat.shakespeare.lit/hecate", {110, 210})};
  };
  const auto joined = r.join(options());
  REQUIRE(joined.has_value());
  CHECK(joined->occupant == jid("coven@chat.shakespeare.lit/hecate"));
}

TEST_CASE("muc join: the password goes in the join presence; a wrong one is not-authorized") {
  Room r;
  r.session.script = [](const xml::Element& sent) -> std::vector<xml::Element> {
    const auto* x = sent.child("x", muc::k_ns);
    if (!x) return {};
    if (x->child_text("password", muc::k_ns) == "cauldronburn")
      return {occupant_presence(k_me.str(), {110})};
    return {error_presence(k_me.str(), "not-authorized")};
  };
  auto o = options();
  o.password = "cauldronburn";
  const auto joined = r.join(o);
  REQUIRE(joined.has_value());
  CHECK(r.session.sent.at(0).child("x", muc::k_ns)->child_text("password", muc::k_ns) ==
        "cauldronburn");

  o.password = "wrong";
  const auto wrong = r.join(o);
  REQUIRE_FALSE(wrong.has_value());
  CHECK(wrong.error().kind == ErrorKind::remote);
  CHECK(wrong.error().condition == "not-authorized");
  CHECK(wrong.error().message == "wrong password for room coven@chat.shakespeare.lit");

  o.password.reset();
  const auto none = r.join(o);
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().message == "room coven@chat.shakespeare.lit needs a password");
  CHECK(r.session.sent.at(2).child("x", muc::k_ns)->child("password", muc::k_ns) == nullptr);
}

TEST_CASE("muc join: a nick conflict retries as NICK_2, NICK_3 within nick_retries") {
  Room r;
  r.session.script = [](const xml::Element& sent) -> std::vector<xml::Element> {
    const auto to = sent.attr("to").value_or("");
    if (to == "coven@chat.shakespeare.lit/witch_3") return {occupant_presence(to, {110})};
    return {error_presence(to, "conflict")};
  };
  auto o = options("witch");
  o.nick_retries = 2;
  const auto joined = r.join(o);
  REQUIRE_MESSAGE(joined.has_value(), why(joined));
  CHECK(joined->occupant == jid("coven@chat.shakespeare.lit/witch_3"));
  REQUIRE(r.session.sent.size() == 3);
  CHECK(r.session.sent[0].attr("to") == "coven@chat.shakespeare.lit/witch");
  CHECK(r.session.sent[1].attr("to") == "coven@chat.shakespeare.lit/witch_2");
  CHECK(r.session.sent[2].attr("to") == "coven@chat.shakespeare.lit/witch_3");

  r.session.sent.clear();
  o.nick_retries = 1;
  const auto taken = r.join(o);
  REQUIRE_FALSE(taken.has_value());
  CHECK(taken.error().condition == "conflict");
  CHECK(taken.error().message == "nick witch_2 is taken in room coven@chat.shakespeare.lit");
  CHECK(r.session.sent.size() == 2);

  r.session.sent.clear();
  o.nick_retries = 0;
  const auto no_retry = r.join(o);
  REQUIRE_FALSE(no_retry.has_value());
  CHECK(no_retry.error().message == "nick witch is taken in room coven@chat.shakespeare.lit");
  CHECK(r.session.sent.size() == 1);
}

TEST_CASE("muc join: other refusals fail at once, whatever nick_retries says") {
  Room r;
  r.session.script = [](const xml::Element& sent) -> std::vector<xml::Element> {
    return {error_presence(sent.attr("to").value_or(""), "registration-required")};
  };
  auto o = options();
  o.nick_retries = 3;
  const auto joined = r.join(o);
  REQUIRE_FALSE(joined.has_value());
  CHECK(joined.error().condition == "registration-required");
  CHECK(joined.error().message == "room coven@chat.shakespeare.lit is members-only");
  CHECK(r.session.sent.size() == 1);
}

TEST_CASE("muc join: a room our join created is dropped again without allow_create (201)") {
  Room r;
  r.session.script = [](const xml::Element& sent) -> std::vector<xml::Element> {
    if (is_join_to(sent, k_me))
      return {occupant_presence(k_me.str(), {110, 201}, nullptr, "owner", "moderator")};
    if (stanza::presence_type(sent) == stanza::PresenceType::unavailable)
      return {occupant_presence(k_me.str(), {110}, "unavailable", "owner", "none")};
    return {};
  };
  r.session.responder = [](const xml::Element& iq) {
    return std::optional(stanza::make_result(iq));
  };
  const auto joined = r.join(options());
  REQUIRE_FALSE(joined.has_value());
  CHECK(joined.error().kind == ErrorKind::remote);
  CHECK(joined.error().condition == "item-not-found");
  CHECK(joined.error().message == "room coven@chat.shakespeare.lit does not exist");
  // §10.1.1 step 5: the configuration is cancelled, then we leave.
  REQUIRE(r.session.requests.size() == 1);
  CHECK(r.session.requests[0]
            .child("query", muc::k_ns_owner)
            ->child("x", muc::k_ns_data)
            ->attr("type") == "cancel");
  REQUIRE(r.session.sent.size() == 2);
  CHECK(r.session.sent[1] == muc::make_leave_presence(k_me));
}

TEST_CASE("muc join: with allow_create the new room becomes an instant room (§10.1.2)") {
  Room r;
  r.session.script = [](const xml::Element& sent) -> std::vector<xml::Element> {
    if (!is_join_to(sent, k_me)) return {};
    return {occupant_presence(k_me.str(), {110, 201}, nullptr, "owner", "moderator")};
  };
  r.session.responder = [](const xml::Element& iq) {
    return std::optional(stanza::make_result(iq));
  };
  auto o = options();
  o.allow_create = true;
  const auto joined = r.join(o);
  REQUIRE_MESSAGE(joined.has_value(), why(joined));
  CHECK(joined->created);
  REQUIRE(r.session.requests.size() == 1);
  auto request = r.session.requests[0];
  request.remove_attr("id");
  CHECK(request == muc::make_instant_room_request(k_coven));
  CHECK(r.session.sent.size() == 1);

  // The service refuses the instant room: we leave and say why.
  r.session.requests.clear();
  r.session.sent.clear();
  r.session.responder = [](const xml::Element& iq) {
    return std::optional(stanza::make_error_reply(iq, stanza::make_stanza_error("forbidden")));
  };
  const auto refused = r.join(o);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().condition == "forbidden");
  CHECK(refused.error().message.find("creating room coven@chat.shakespeare.lit: ") == 0);
  REQUIRE(r.session.sent.size() == 2);
  CHECK(r.session.sent[1] == muc::make_leave_presence(k_me));
}

TEST_CASE("muc join: an unavailable self-presence while joining is a refusal") {
  Room r;
  r.session.script = [](const xml::Element& sent) -> std::vector<xml::Element> {
    if (!is_join_to(sent, k_me)) return {};
    return {occupant_presence(k_me.str(), {110, 307, 333}, "unavailable", "none", "none")};
  };
  const auto joined = r.join(options());
  REQUIRE_FALSE(joined.has_value());
  CHECK(joined.error().kind == ErrorKind::remote);
  CHECK(joined.error().message ==
        "room coven@chat.shakespeare.lit removed us while we joined (status 110, 307, 333)");
}

TEST_CASE("muc join: no answer is a timeout; a failed session ends the wait at once") {
  Room r;
  auto o = options();
  o.timeout = milliseconds(40);
  const auto start = steady_clock::now();
  const auto joined = r.join(o);
  REQUIRE_FALSE(joined.has_value());
  CHECK(joined.error().kind == ErrorKind::temporary);
  CHECK(joined.error().code == "timeout");
  CHECK(steady_clock::now() - start >= milliseconds(40));

  // The stream dies while we wait: the session's error, long before the 5 s deadline.
  Room dead;
  asio::steady_timer kill(dead.io, milliseconds(20));
  kill.async_wait([&](boost::system::error_code) {
    dead.session.fail_with(make_error(ErrorKind::temporary, "connection_lost", "", "gone"));
  });
  const auto t0 = steady_clock::now();
  const auto lost = dead.join(options());
  REQUIRE_FALSE(lost.has_value());
  CHECK(lost.error().code == "connection_lost");
  CHECK(lost.error().message == "joining room coven@chat.shakespeare.lit: gone");
  CHECK(steady_clock::now() - t0 < seconds(4));
}

TEST_CASE(
    "muc join: a nick that is no resourcepart and a room without localpart are usage errors") {
  Room r;
  const auto empty = r.join(options(""));
  REQUIRE_FALSE(empty.has_value());
  CHECK(empty.error().kind == ErrorKind::usage);
  const auto bad = r.join(options(std::string("a\x7f", 2)));
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().kind == ErrorKind::usage);
  const auto service = test::run_coroutine<Result<muc::Joined>>(
      r.io, [&] { return muc::join(r.session, jid("chat.shakespeare.lit"), options()); });
  REQUIRE_FALSE(service.has_value());
  CHECK(service.error().kind == ErrorKind::usage);
  CHECK(r.session.sent.empty());
}

TEST_CASE("muc leave: unavailable presence, then the room's unavailable 110") {
  Room r;
  const muc::Joined joined{k_coven, k_me, false, {110}, std::nullopt};
  r.session.script = [](const xml::Element& sent) -> std::vector<xml::Element> {
    if (stanza::presence_type(sent) != stanza::PresenceType::unavailable) return {};
    // Someone else's departure with a 110 first: not our confirmation.
    return {occupant_presence("coven@chat.shakespeare.lit/firstwitch", {110}, "unavailable"),
            occupant_presence(k_me.str(), {110}, "unavailable", "member", "none")};
  };
  const auto left = r.leave(joined, seconds(5));
  REQUIRE_MESSAGE(left.has_value(), why(left));
  REQUIRE(r.session.sent.size() == 1);
  CHECK(r.session.sent[0] == muc::make_leave_presence(k_me));

  // No confirmation: a timeout the caller may ignore before closing the stream.
  r.session.script = [](const xml::Element& sent) -> std::vector<xml::Element> {
    if (stanza::presence_type(sent) != stanza::PresenceType::unavailable) return {};
    return {occupant_presence("coven@chat.shakespeare.lit/firstwitch", {110}, "unavailable")};
  };
  const auto silent = r.leave(joined, milliseconds(30));
  REQUIRE_FALSE(silent.has_value());
  CHECK(silent.error().kind == ErrorKind::temporary);
  CHECK(silent.error().code == "timeout");
  CHECK(silent.error().message ==
        "leaving room coven@chat.shakespeare.lit: room coven@chat.shakespeare.lit did not confirm "
        "that we left within 30 ms");

  // A zero timeout sends and returns.
  r.session.sent.clear();
  const auto quick = r.leave(joined, milliseconds(0));
  CHECK(quick.has_value());
  CHECK(r.session.sent.size() == 1);
}

TEST_CASE("muc leave: an error from our occupant JID (room gone) also means we are out") {
  Room r;
  r.session.answer_during_send = false;
  const muc::Joined joined{k_coven, k_me, false, {110}, std::nullopt};
  r.session.script = [](const xml::Element&) -> std::vector<xml::Element> {
    return {error_presence(k_me.str(), "item-not-found")};
  };
  CHECK(r.leave(joined, seconds(5)).has_value());
}
