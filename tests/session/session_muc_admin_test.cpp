// XEP-0045 room administration over the real session driver against the scripted server: an
// affiliation list round trip (§10.5), a forbidden reply, several affiliation changes stopped by a
// refusal (§9.5), a kick (§8.2), destroy (§10.9), occupants collected during a join (§7.2.2), the
// subject reflected (§8.1) with spoofed subjects from another room or occupant ignored
// (SECURITY.md row 53) and refused, and invitations confirmed by a flush (§7.8.2, XEP-0249).
#include "harness.hpp"

#include "room_peer.hpp"
#include "xep/muc/admin_ops.hpp"

using namespace xmpp;
using namespace xmpp::test;
using namespace std::chrono_literals;

namespace {

const Jid k_me = Jid::parse("coven@chat.example.test/alice").value();
constexpr const char* k_admin = "http://jabber.org/protocol/muc#admin";



std::string error_from_room(const xml::Element& request, const std::string& type,
                            const std::string& condition, const std::string& text = {}) {
  return "<iq type='error' from='coven@chat.example.test' to='alice@example.test/res1' id='" +
         id_of(request) + "'><error type='" + type + "'><" + condition +
         " xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>" +
         (text.empty() ? ""
                       : "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>" + text + "</text>") +
         "</error></iq>";
}

std::string occupant_presence(const std::string& nick, const std::string& affiliation,
                              const std::string& role, const std::string& extra = {}) {
  return "<presence from='coven@chat.example.test/" + nick +
         "' to='alice@example.test/res1'><x xmlns='http://jabber.org/protocol/muc#user'>"
         "<item affiliation='" +
         affiliation + "' role='" + role + "'" + extra + "/></x></presence>";
}

std::string self_presence() {
  return "<presence from='coven@chat.example.test/alice' to='alice@example.test/res1'>"
         "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' "
         "role='moderator'/><status code='110'/></x></presence>";
}

std::string unavailable_self() {
  return "<presence type='unavailable' from='coven@chat.example.test/alice' "
         "to='alice@example.test/res1'><x xmlns='http://jabber.org/protocol/muc#user'>"
         "<item affiliation='owner' role='none'/><status code='110'/></x></presence>";
}

std::string subject_from(const std::string& from, const std::string& text) {
  return "<message type='groupchat' from='" + from + "' to='alice@example.test/res1'><subject>" +
         text + "</subject></message>";
}

/// A round trip through the client (its session answers an XEP-0199 ping from our server): every
/// stanza the peer sent before has been dispatched once the answer is back.
awaitable<void> sync(Peer& peer, const std::string& id) {
  peer.send("<iq type='get' from='example.test' to='alice@example.test/res1' id='" + id +
            "'><ping xmlns='urn:xmpp:ping'/></iq>");
  co_await peer.expect("<iq type='result' id='" + id + "' to='example.test'/>");
}

muc::Joined joined_as_alice() {
  muc::Joined j;
  j.room = k_room;
  j.occupant = k_me;
  return j;
}

}  // namespace

TEST_CASE("muc admin session: the owner list round trip (§10.5)") {
  Scenario t;
  Result<std::vector<muc::Item>> owners = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        owners = co_await muc::affiliations(*s, k_room, muc::Affiliation::owner, 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_without_sm(t.peer);
        auto get = co_await t.peer.expect(
            "<iq type='get' to='coven@chat.example.test' id='*'>"
            "<query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='owner'/>"
            "</query></iq>");
        t.peer.send(result_from_room(
            get, "<query xmlns='http://jabber.org/protocol/muc#admin'>"
                 "<item affiliation='owner' jid='crone1@example.test' nick='crone'/>"
                 "<item affiliation='owner' jid='alice@example.test'/></query>"));
        co_await clean_close(t.peer);
      });
  REQUIRE_MESSAGE(owners.has_value(), (owners ? "" : owners.error().message));
  REQUIRE(owners->size() == 2);
  CHECK((*owners)[0].jid == Jid::parse("crone1@example.test").value());
  CHECK((*owners)[0].nick == "crone");
  CHECK((*owners)[1].affiliation == muc::Affiliation::owner);
}

TEST_CASE("muc admin session: a forbidden reply says what it means") {
  Scenario t;
  Result<std::vector<muc::Item>> admins = fail(ErrorKind::software, "not_run", "", "");
  Result<void> destroyed = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        admins = co_await muc::affiliations(*s, k_room, muc::Affiliation::admin, 2s);
        destroyed = co_await muc::destroy(*s, k_room, muc::DestroyRequest{}, 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_without_sm(t.peer);
        auto get = co_await t.peer.expect("<iq type='get' to='coven@chat.example.test' id='*'>"
                                          "<query xmlns='http://jabber.org/protocol/muc#admin'>"
                                          "<item affiliation='admin'/></query></iq>");
        t.peer.send(error_from_room(get, "auth", "forbidden"));
        auto set = co_await t.peer.expect(
            "<iq type='set' to='coven@chat.example.test' id='*'>"
            "<query xmlns='http://jabber.org/protocol/muc#owner'><destroy/></query></iq>");
        t.peer.send(error_from_room(set, "auth", "forbidden", "Only owners can configure rooms"));
        co_await clean_close(t.peer);
      });
  REQUIRE_FALSE(admins.has_value());
  CHECK(admins.error().kind == ErrorKind::remote);
  CHECK(admins.error().condition == "forbidden");
  CHECK(admins.error().message == "room coven@chat.example.test: you are not an owner (forbidden)");
  REQUIRE_FALSE(destroyed.has_value());
  CHECK(destroyed.error().message == "room coven@chat.example.test: you are not an owner "
                                     "(forbidden (Only owners can configure rooms))");
}

TEST_CASE("muc admin session: destroy with reason and alternate venue (§10.9)") {
  Scenario t;
  Result<void> destroyed = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        muc::DestroyRequest request;
        request.reason = "Macbeth doth come.";
        request.alternate = Jid::parse("heath@chat.example.test").value();
        destroyed = co_await muc::destroy(*s, k_room, request, 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_without_sm(t.peer);
        auto set = co_await t.peer.expect(
            "<iq type='set' to='coven@chat.example.test' id='*'>"
            "<query xmlns='http://jabber.org/protocol/muc#owner'>"
            "<destroy jid='heath@chat.example.test'><reason>Macbeth doth come.</reason></destroy>"
            "</query></iq>");
        // The room empties itself first (§10.9 example 202), then answers.
        t.peer.send("<presence type='unavailable' from='coven@chat.example.test/alice' "
                    "to='alice@example.test/res1'><x xmlns='http://jabber.org/protocol/muc#user'>"
                    "<item affiliation='none' role='none'/><destroy "
                    "jid='heath@chat.example.test'><reason>Macbeth doth come.</reason></destroy>"
                    "</x></presence>");
        t.peer.send(result_from_room(set));
        co_await clean_close(t.peer);
      });
  CHECK_MESSAGE(destroyed.has_value(), (destroyed ? "" : destroyed.error().message));
}

TEST_CASE("muc admin session: a kick (§8.2) and a refused one (§8.2 example 93)") {
  Scenario t;
  Result<void> kicked = fail(ErrorKind::software, "not_run", "", "");
  Result<void> refused = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        kicked = co_await muc::set_role(*s, k_room, "pistol", muc::Role::none,
                                        std::string("Avaunt, you cullion!"), 2s);
        refused = co_await muc::set_role(*s, k_room, "crone", muc::Role::none, std::nullopt, 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_without_sm(t.peer);
        auto kick = co_await t.peer.expect(
            "<iq type='set' to='coven@chat.example.test' id='*'>"
            "<query xmlns='http://jabber.org/protocol/muc#admin'><item nick='pistol' role='none'>"
            "<reason>Avaunt, you cullion!</reason></item></query></iq>");
        t.peer.send(occupant_presence("pistol", "none", "none"));
        t.peer.send(result_from_room(kick));
        auto second = co_await t.peer.expect(
            "<iq type='set' to='coven@chat.example.test' id='*'>"
            "<query xmlns='http://jabber.org/protocol/muc#admin'><item nick='crone' role='none'/>"
            "</query></iq>");
        CHECK_FALSE(
            second.child("query", k_admin)->child("item", k_admin)->child("reason", k_admin));
        t.peer.send(error_from_room(second, "cancel", "not-allowed"));
        co_await clean_close(t.peer);
      });
  CHECK_MESSAGE(kicked.has_value(), (kicked ? "" : kicked.error().message));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().condition == "not-allowed");
  CHECK(refused.error().message.find("you may not change the role of crone") != std::string::npos);
}

TEST_CASE("muc admin session: affiliation changes go one per request and stop at a refusal") {
  Scenario t;
  Result<void> changed = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        std::vector<muc::AffiliationChange> changes{
            {Jid::parse("hecate@example.test").value(), muc::Affiliation::member,
             std::string("hecate"), std::nullopt},
            {Jid::parse("crone1@example.test").value(), muc::Affiliation::none, std::nullopt,
             std::string("demoted")},
            {Jid::parse("never@example.test").value(), muc::Affiliation::outcast, std::nullopt,
             std::nullopt}};
        changed = co_await muc::set_affiliations(*s, k_room, changes, 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_without_sm(t.peer);
        auto first = co_await t.peer.expect(
            "<iq type='set' to='coven@chat.example.test' id='*'>"
            "<query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member' "
            "jid='hecate@example.test' nick='hecate'/></query></iq>");
        CHECK(first.child("query", k_admin)->children("item", k_admin).size() == 1);
        t.peer.send(result_from_room(first));
        auto second = co_await t.peer.expect(
            "<iq type='set' to='coven@chat.example.test' id='*'>"
            "<query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='none' "
            "jid='crone1@example.test'><reason>demoted</reason></item></query></iq>");
        t.peer.send(error_from_room(second, "cancel", "not-allowed"));
        // The third change is never sent: the client closes next.
        co_await clean_close(t.peer);
      });
  REQUIRE_FALSE(changed.has_value());
  CHECK(changed.error().condition == "not-allowed");
  CHECK(changed.error().message.find("crone1@example.test") != std::string::npos);
  CHECK(changed.error().message.find("1 of 3 changes were made before this one") !=
        std::string::npos);
}

TEST_CASE("muc admin session: occupants are the presences before our self-presence (§7.2.2)") {
  Scenario t;
  Result<muc::RoomOccupants> seen = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        muc::JoinOptions options;
        options.nick = "alice";
        options.history_stanzas = 0;
        options.timeout = 2s;
        seen = co_await muc::occupants(*s, k_room, options);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_without_sm(t.peer);
        co_await t.peer.expect("<presence to='coven@chat.example.test/alice'>"
                               "<x xmlns='http://jabber.org/protocol/muc'/></presence>");
        t.peer.send(
            occupant_presence("crone", "owner", "moderator", " jid='crone1@example.test/desktop'"));
        t.peer.send(occupant_presence("hecate", "member", "participant"));
        t.peer.send(occupant_presence("gone", "none", "participant"));
        t.peer.send("<presence type='unavailable' from='coven@chat.example.test/gone'/>");
        // Another room's occupant is no occupant of this one.
        t.peer.send("<presence from='heath@chat.example.test/stranger'>"
                    "<x xmlns='http://jabber.org/protocol/muc#user'>"
                    "<item affiliation='owner' role='moderator'/></x></presence>");
        t.peer.send(self_presence());
        t.peer.send(subject_from("coven@chat.example.test/crone", "Spells"));
        co_await t.peer.expect("<presence type='unavailable' to='coven@chat.example.test/alice'/>");
        t.peer.send(unavailable_self());
        co_await clean_close(t.peer);
      });
  REQUIRE_MESSAGE(seen.has_value(), (seen ? "" : seen.error().message));
  CHECK(seen->joined.occupant == k_me);
  const auto& list = seen->occupants;
  REQUIRE(list.size() == 3);
  CHECK(list[0].nick == "crone");
  CHECK(list[0].affiliation == muc::Affiliation::owner);
  CHECK(list[0].role == muc::Role::moderator);
  CHECK(list[0].jid == Jid::parse("crone1@example.test/desktop").value());
  CHECK_FALSE(list[0].self);
  CHECK(list[1].nick == "hecate");
  CHECK_FALSE(list[1].jid);
  CHECK(list[2].nick == "alice");
  CHECK(list[2].self);
  REQUIRE(seen->subject);
  CHECK(seen->subject->text == "Spells");
  CHECK_FALSE(seen->subject->from_room_itself);
}

TEST_CASE("muc admin session: our subject is confirmed by its reflection; spoofs from another "
          "room or another occupant are ignored (SECURITY.md row 53)") {
  Scenario t;
  Result<void> set = fail(ErrorKind::software, "not_run", "", "");
  bool client_done = false;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        set = co_await muc::set_subject(*s, joined_as_alice(), "Fire Burn", 2s);
        client_done = true;
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_without_sm(t.peer);
        co_await t.peer.expect("<message type='groupchat' to='coven@chat.example.test' id='*'>"
                               "<subject>Fire Burn</subject></message>");
        // Same text, but from another room with our nick, from another occupant, and with a body.
        t.peer.send(subject_from("heath@chat.example.test/alice", "Fire Burn"));
        t.peer.send(subject_from("coven@chat.example.test/mallory", "Fire Burn"));
        t.peer.send("<message type='groupchat' from='coven@chat.example.test/alice'>"
                    "<subject>Fire Burn</subject><body>not a subject change</body></message>");
        co_await sync(t.peer, "sync1");
        CHECK_FALSE(client_done);
        // Prosody reflects it from the changer's occupant JID, without an id.
        t.peer.send(subject_from("coven@chat.example.test/alice", "Fire Burn"));
        co_await clean_close(t.peer);
      });
  CHECK(client_done);
  CHECK_MESSAGE(set.has_value(), (set ? "" : set.error().message));
}

TEST_CASE("muc admin session: a refused subject change fails with the room's error") {
  Scenario t;
  Result<void> set = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        set = co_await muc::set_subject(*s, joined_as_alice(), "Mine now", 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_without_sm(t.peer);
        auto m = co_await t.peer.expect("<message type='groupchat' to='coven@chat.example.test' "
                                        "id='*'><subject>Mine now</subject></message>");
        // An error with another id is not the answer to ours.
        t.peer.send("<message type='error' from='coven@chat.example.test' id='other'>"
                    "<error type='modify'><bad-request "
                    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>");
        // §8.1 example 87.
        t.peer.send("<message type='error' from='coven@chat.example.test/alice' id='" + id_of(m) +
                    "'><subject>Mine now</subject><error by='coven@chat.example.test' "
                    "type='auth'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
                    "</error></message>");
        co_await clean_close(t.peer);
      });
  REQUIRE_FALSE(set.has_value());
  CHECK(set.error().condition == "forbidden");
  CHECK(set.error().message ==
        "room coven@chat.example.test: you may not change the subject (forbidden)");
}

TEST_CASE("muc admin session: no reflection at all is a timeout") {
  Scenario t;
  Result<void> set = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        set = co_await muc::set_subject(*s, joined_as_alice(), "Silence", 200ms);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_without_sm(t.peer);
        co_await t.peer.expect("<message type='groupchat' to='coven@chat.example.test' id='*'>"
                               "<subject>Silence</subject></message>");
        t.peer.send(subject_from("coven@chat.example.test/mallory", "Silence"));
        co_await clean_close(t.peer);
      });
  REQUIRE_FALSE(set.has_value());
  CHECK(set.error().kind == ErrorKind::temporary);
  CHECK(set.error().code == "timeout");
}

TEST_CASE("muc admin session: set_room_subject sends nothing when the room already shows our "
          "subject (Prosody reflects no change), and changes it otherwise") {
  for (const bool already : {true, false}) {
    CAPTURE(already);
    Scenario t;
    Result<void> set = fail(ErrorKind::software, "not_run", "", "");
    t.run(
        [&]() -> awaitable<void> {
          auto s = co_await open_session(t);
          muc::JoinOptions options;
          options.nick = "alice";
          options.timeout = 2s;
          set = co_await muc::set_room_subject(*s, k_room, options, "Spells");
          co_await s->close();
        },
        [&]() -> awaitable<void> {
          co_await login_without_sm(t.peer);
          co_await t.peer.expect("<presence to='coven@chat.example.test/alice'>"
                                 "<x xmlns='http://jabber.org/protocol/muc'/></presence>");
          t.peer.send(self_presence());
          t.peer.send(subject_from(already ? "coven@chat.example.test/alice"
                                           : "coven@chat.example.test/crone",
                                   "Spells"));
          if (!already) {
            co_await t.peer.expect("<message type='groupchat' to='coven@chat.example.test' "
                                   "id='*'><subject>Spells</subject></message>");
            t.peer.send(subject_from("coven@chat.example.test/alice", "Spells"));
          }
          co_await t.peer.expect(
              "<presence type='unavailable' to='coven@chat.example.test/alice'/>");
          t.peer.send(unavailable_self());
          co_await clean_close(t.peer);
        });
    CHECK_MESSAGE(set.has_value(), (set ? "" : set.error().message));
  }
}

TEST_CASE("muc admin session: invitations, mediated and direct, confirmed by a flush") {
  Scenario t;
  Result<void> mediated = fail(ErrorKind::software, "not_run", "", "");
  Result<void> direct = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        muc::Invitation inv;
        inv.kind = muc::InvitationKind::mediated;
        inv.room = k_room;
        inv.reason = "join us";
        inv.password = "cauldronburn";
        const std::vector<Jid> who{Jid::parse("hecate@example.test").value(),
                                   Jid::parse("bard@example.test").value()};
        mediated = co_await muc::invite(*s, inv, who, 2s);
        inv.kind = muc::InvitationKind::direct;
        direct = co_await muc::invite(*s, inv, who, 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_without_sm(t.peer);
        auto m = co_await t.peer.expect(
            "<message to='coven@chat.example.test' id='*'>"
            "<x xmlns='http://jabber.org/protocol/muc#user'>"
            "<invite to='hecate@example.test'><reason>join us</reason></invite>"
            "<invite to='bard@example.test'><reason>join us</reason></invite></x></message>");
        // The room adds its password itself (§7.8.2): ours is not sent.
        CHECK_FALSE(m.child("x", "http://jabber.org/protocol/muc#user")
                        ->child("password", "http://jabber.org/protocol/muc#user"));
        auto ping = co_await t.peer.expect(
            "<iq type='get' to='example.test' id='*'><ping xmlns='urn:xmpp:ping'/></iq>");
        t.peer.send("<iq type='result' from='example.test' id='" + id_of(ping) + "'/>");
        for (const char* to : {"hecate@example.test", "bard@example.test"})
          co_await t.peer.expect(std::string("<message to='") + to +
                                 "' id='*'><x xmlns='jabber:x:conference' "
                                 "jid='coven@chat.example.test' password='cauldronburn' "
                                 "reason='join us'/></message>");
        ping = co_await t.peer.expect(
            "<iq type='get' to='example.test' id='*'><ping xmlns='urn:xmpp:ping'/></iq>");
        t.peer.send("<iq type='result' from='example.test' id='" + id_of(ping) + "'/>");
        co_await clean_close(t.peer);
      });
  CHECK_MESSAGE(mediated.has_value(), (mediated ? "" : mediated.error().message));
  CHECK_MESSAGE(direct.has_value(), (direct ? "" : direct.error().message));
}
