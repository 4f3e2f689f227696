// XEP-0045 room administration codecs against the spec's numbered examples (§6.3, §6.4, §7.2.2,
// §7.8.2, §8.1-§8.5, §9.1-§9.5, §10.5-§10.9) and XEP-0249's, the origin rules of SECURITY.md
// row 53 for subjects, invitations and occupants, and list_rooms/room_info over a fake session.
#include <doctest/doctest.h>

#include "stanza/iq.hpp"
#include "stanza/message.hpp"
#include "stanza/namespaces.hpp"
#include "xep/disco/disco.hpp"
#include "xep/muc/admin.hpp"
#include "xep/muc/admin_ops.hpp"
#include "xep_examples.hpp"
#include "xep_fake_session.hpp"

using namespace xmpp;
using namespace std::chrono_literals;
using test::canonical;
using test::example;
using test::example_answer;
using test::jid;

namespace {

/// A spec example as we build it: 'from' is the server's to add and the id is ours to choose.
xml::Element admin_as_sent(const std::string& fixture) {
  auto e = example(fixture);
  e.remove_attr("from");
  e.remove_attr("id");
  return canonical(e);
}

std::vector<muc::Item> admin_items(const std::string& fixture) {
  auto items = muc::parse_admin_items(example(fixture));
  REQUIRE(items.has_value());
  return *items;
}

/// The changes an example asks for, read back from its items.
std::vector<muc::AffiliationChange> affiliation_changes(const std::string& fixture) {
  std::vector<muc::AffiliationChange> out;
  for (auto& item : admin_items(fixture)) {
    REQUIRE(item.jid);
    REQUIRE(item.affiliation);
    out.push_back({*item.jid, *item.affiliation, item.nick, item.reason});
  }
  return out;
}

std::vector<muc::RoleChange> role_changes(const std::string& fixture) {
  std::vector<muc::RoleChange> out;
  for (auto& item : admin_items(fixture)) {
    REQUIRE(item.nick);
    REQUIRE(item.role);
    out.push_back({*item.nick, *item.role, item.reason});
  }
  return out;
}

Jid to_of(const xml::Element& e) {
  return jid(e.attr("to").value_or(""));
}

muc::RoomInfo room_info_of(const std::string& fixture) {
  const auto e = example(fixture);
  auto info = disco::parse_info_result(e);
  REQUIRE(info.has_value());
  return muc::room_info_from_disco(jid(*e.attr("from")), *info);
}

xml::Element presence_of(std::string_view text) {
  return test::parse_stanza(text);
}

}  // namespace

// ---- muc#admin lists and changes ---------------------------------------------------------------

TEST_CASE("muc admin: list requests are §8.5, §9.2, §9.5, §10.5 and §10.8's examples") {
  const auto check = [](const std::string& fixture, muc::Affiliation a) {
    const auto e = example(fixture);
    CHECK(canonical(muc::make_affiliation_list_request(to_of(e), a)) == admin_as_sent(fixture));
  };
  check("xep0045-ex116-ban-list-request.xml", muc::Affiliation::outcast);
  check("xep0045-ex129-member-list-request.xml", muc::Affiliation::member);
  check("xep0045-ex181-owner-list-request.xml", muc::Affiliation::owner);
  check("xep0045-ex196-admin-list-request.xml", muc::Affiliation::admin);
  const auto voice = example("xep0045-ex103-voice-list-request.xml");
  CHECK(canonical(muc::make_role_list_request(to_of(voice), muc::Role::participant)) ==
        admin_as_sent("xep0045-ex103-voice-list-request.xml"));
  // The request is the room's bare JID whatever we were given.
  const auto e = muc::make_affiliation_list_request(jid("coven@chat.shakespeare.lit/nick"),
                                                    muc::Affiliation::owner, "x1");
  CHECK(e.attr("to") == "coven@chat.shakespeare.lit");
  CHECK(e.attr("id") == "x1");
}

TEST_CASE("muc admin: list results (examples 104, 117, 130, 182, 197) keep jid, nick, "
          "affiliation, role and reason") {
  const auto voice = admin_items("xep0045-ex104-voice-list-result.xml");
  REQUIRE(voice.size() == 3);
  CHECK(voice[0].jid == jid("polonius@hamlet/castle"));
  CHECK(voice[0].nick == "Polo");
  CHECK(voice[0].affiliation == muc::Affiliation::none);
  CHECK(voice[0].role == muc::Role::participant);
  CHECK(voice[2].affiliation == muc::Affiliation::member);
  CHECK(voice[2].nick == "Hecate");

  const auto bans = admin_items("xep0045-ex117-ban-list-result.xml");
  REQUIRE(bans.size() == 1);
  CHECK(bans[0].jid == jid("earlofcambridge@shakespeare.lit"));
  CHECK(bans[0].affiliation == muc::Affiliation::outcast);
  CHECK(bans[0].reason == "Treason");
  CHECK_FALSE(bans[0].role);

  const auto members = admin_items("xep0045-ex130-member-list-result.xml");
  REQUIRE(members.size() == 1);
  CHECK(members[0].nick == "thirdwitch");
  CHECK(members[0].role == muc::Role::participant);

  const auto owners = admin_items("xep0045-ex182-owner-list-result.xml");
  REQUIRE(owners.size() == 1);
  CHECK(owners[0].jid == jid("crone1@shakespeare.lit"));
  CHECK_FALSE(owners[0].nick);

  const auto admins = admin_items("xep0045-ex197-admin-list-result.xml");
  REQUIRE(admins.size() == 2);
  CHECK(admins[0].nick == "secondwitch");
  CHECK(admins[1].jid == jid("hag66@shakespeare.lit"));
  CHECK(admins[1].affiliation == muc::Affiliation::admin);
}

TEST_CASE("muc admin: an empty list is a list; a reply without the #admin query is bad_reply; "
          "unknown values and JIDs are left out of the item") {
  auto empty = muc::parse_admin_items(test::parse_stanza(
      "<iq type='result' id='a'><query xmlns='http://jabber.org/protocol/muc#admin'/></iq>"));
  REQUIRE(empty.has_value());
  CHECK(empty->empty());
  auto none = muc::parse_admin_items(test::parse_stanza("<iq type='result' id='a'/>"));
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().kind == ErrorKind::protocol);
  CHECK(none.error().code == "bad_reply");
  auto odd = muc::parse_admin_items(test::parse_stanza(
      "<iq type='result' id='a'><query xmlns='http://jabber.org/protocol/muc#admin'>"
      "<item affiliation='king' role='jester' jid='@@'/></query></iq>"));
  REQUIRE(odd.has_value());
  REQUIRE(odd->size() == 1);
  CHECK_FALSE((*odd)[0].affiliation);
  CHECK_FALSE((*odd)[0].role);
  CHECK_FALSE((*odd)[0].jid);
}

TEST_CASE("muc admin: affiliation changes are examples 110, 111, 118, 120, 121, 131, 186, 198") {
  for (const char* fixture :
       {"xep0045-ex110-ban.xml", "xep0045-ex111-ban-reason.xml",
        "xep0045-ex118-ban-list-modify.xml", "xep0045-ex120-grant-member.xml",
        "xep0045-ex121-grant-member-reason.xml", "xep0045-ex131-member-list-modify.xml",
        "xep0045-ex186-grant-admin.xml", "xep0045-ex198-admin-list-modify.xml"}) {
    CAPTURE(fixture);
    const auto e = example(fixture);
    CHECK(canonical(muc::make_affiliation_request(to_of(e), affiliation_changes(fixture))) ==
          admin_as_sent(fixture));
  }
}

TEST_CASE("muc admin: role changes are examples 89 (kick) and 105 (voice list, three at once)") {
  for (const char* fixture : {"xep0045-ex89-kick.xml", "xep0045-ex105-voice-list-modify.xml"}) {
    CAPTURE(fixture);
    const auto e = example(fixture);
    CHECK(canonical(muc::make_role_request(to_of(e), role_changes(fixture))) == admin_as_sent(fixture));
  }
  const auto kick = role_changes("xep0045-ex89-kick.xml");
  REQUIRE(kick.size() == 1);
  CHECK(kick[0].role == muc::Role::none);
  CHECK(kick[0].reason == "Avaunt, you cullion!");
}

// ---- destroy -----------------------------------------------------------------------------------

TEST_CASE("muc admin: destroy is example 201; the alternate's password (§10.9) round-trips") {
  const auto e = example("xep0045-ex201-destroy.xml");
  const auto request = muc::parse_destroy_request(e);
  REQUIRE(request);
  CHECK(request->alternate == jid("coven@chat.shakespeare.lit"));
  CHECK(request->reason == "Macbeth doth come.");
  CHECK_FALSE(request->password);
  CHECK(canonical(muc::make_destroy_request(to_of(e), *request)) ==
        admin_as_sent("xep0045-ex201-destroy.xml"));

  muc::DestroyRequest full{std::string("moving"), jid("new@chat.example"), std::string("pw")};
  const auto built = muc::make_destroy_request(jid("old@chat.example"), full, "d1");
  CHECK(built.attr("type") == "set");
  CHECK(built.attr("id") == "d1");
  CHECK(muc::parse_destroy_request(built) == full);
  // Nothing at all: a bare <destroy/>.
  const auto bare = muc::make_destroy_request(jid("old@chat.example"), {});
  const auto* destroy = bare.child("query", muc::k_ns_owner)->child("destroy", muc::k_ns_owner);
  REQUIRE(destroy);
  CHECK(destroy->attributes().empty());
  CHECK(destroy->elements().empty());
  CHECK_FALSE(muc::parse_destroy_request(example("xep0045-ex89-kick.xml")));
}

// ---- subject -----------------------------------------------------------------------------------

TEST_CASE("muc admin: the subject change is example 84; an empty subject is example 88") {
  const auto room = jid("coven@chat.shakespeare.lit");
  CHECK(canonical(muc::make_subject_message(room, "Fire Burn and Cauldron Bubble!")) ==
        admin_as_sent("xep0045-ex84-subject-change.xml"));
  CHECK(canonical(muc::make_subject_message(room, "")) ==
        admin_as_sent("xep0045-ex88-subject-empty.xml"));
  const auto with_id = muc::make_subject_message(room, "x", "s1");
  CHECK(with_id.attr("id") == "s1");
  CHECK_FALSE(with_id.child("body", stanza::k_ns_client));
}

TEST_CASE("muc admin: our subject's reflection comes from the room or from OUR occupant JID only "
          "(example 85; SECURITY.md row 53)") {
  const auto reflected = example("xep0045-ex85-subject-reflected.xml");
  const std::string text = "Fire Burn and Cauldron Bubble!";
  // Example 85 reflects secondwitch's change from secondwitch's occupant JID.
  CHECK(muc::is_own_subject_reflection(reflected, jid("coven@chat.shakespeare.lit/secondwitch"),
                                       text));
  // Anybody else's nick: not our change.
  CHECK_FALSE(muc::is_own_subject_reflection(reflected,
                                             jid("coven@chat.shakespeare.lit/thirdwitch"), text));
  // Another text: not our change.
  CHECK_FALSE(muc::is_own_subject_reflection(
      reflected, jid("coven@chat.shakespeare.lit/secondwitch"), "Spells"));
  // From the room's bare JID (§8.1 allows it): ours.
  auto bare = reflected;
  bare.set_attr("from", "coven@chat.shakespeare.lit");
  CHECK(muc::is_own_subject_reflection(bare, jid("coven@chat.shakespeare.lit/thirdwitch"), text));
  // Another room, with our nick: not ours.
  auto other = reflected;
  other.set_attr("from", "heath@chat.shakespeare.lit/secondwitch");
  CHECK_FALSE(
      muc::is_own_subject_reflection(other, jid("coven@chat.shakespeare.lit/secondwitch"), text));
  // With a body (§8.1: an ordinary message) or not groupchat: not a subject change.
  auto with_body = reflected;
  with_body.add_child(xml::Element("body", std::string(stanza::k_ns_client))).add_text("hi");
  CHECK_FALSE(muc::is_own_subject_reflection(with_body,
                                             jid("coven@chat.shakespeare.lit/secondwitch"), text));
  auto chat = reflected;
  chat.set_attr("type", "chat");
  CHECK_FALSE(
      muc::is_own_subject_reflection(chat, jid("coven@chat.shakespeare.lit/secondwitch"), text));
}

TEST_CASE("muc admin: read_subject says where the subject came from") {
  const auto room = jid("coven@chat.shakespeare.lit");
  const auto reflected = example("xep0045-ex85-subject-reflected.xml");
  auto s = muc::read_subject(reflected, room);
  REQUIRE(s);
  CHECK(s->text == "Fire Burn and Cauldron Bubble!");
  CHECK(s->from == jid("coven@chat.shakespeare.lit/secondwitch"));
  CHECK_FALSE(s->from_room_itself);
  auto bare = reflected;
  bare.set_attr("from", "coven@chat.shakespeare.lit");
  REQUIRE(muc::read_subject(bare, room));
  CHECK(muc::read_subject(bare, room)->from_room_itself);
  CHECK_FALSE(muc::read_subject(reflected, jid("heath@chat.shakespeare.lit")));
  // The error of example 87 carries a <subject/> but is no subject.
  CHECK_FALSE(muc::read_subject(example("xep0045-ex87-subject-forbidden.xml"), room));
  auto cleared = muc::read_subject(
      test::parse_stanza("<message from='coven@chat.shakespeare.lit' type='groupchat'>"
                         "<subject/></message>"),
      room);
  REQUIRE(cleared);
  CHECK(cleared->text.empty());
}

// ---- invitations -------------------------------------------------------------------------------

TEST_CASE("muc admin: a mediated invitation is example 56; several with <continue/> example 63") {
  muc::Invitation inv;
  inv.kind = muc::InvitationKind::mediated;
  inv.room = jid("coven@chat.shakespeare.lit");
  const auto sent = example("xep0045-ex56-mediated-invite.xml");
  inv.reason = sent.child("x", muc::k_ns_user)
                   ->child("invite", muc::k_ns_user)
                   ->child_text("reason", muc::k_ns_user);
  inv.password = "never sent";  // the room adds its own (§7.8.2)
  const auto built = muc::make_mediated_invitation(inv, {jid("hecate@shakespeare.lit")});
  CHECK(canonical(built) == admin_as_sent("xep0045-ex56-mediated-invite.xml"));
  CHECK_FALSE(built.attr("type"));  // implicitly normal

  muc::Invitation cont;
  cont.kind = muc::InvitationKind::mediated;
  cont.room = jid("coven@chat.shakespeare.lit");
  cont.reason = "This coven needs both wiccarocks and hag66.";
  cont.continues = true;
  cont.thread = "e0ffe42b28561960c6b12b944a092794b9683a38";
  CHECK(canonical(muc::make_mediated_invitation(
            cont, {jid("wiccarocks@shakespeare.lit/laptop"), jid("hag66@shakespeare.lit")})) ==
        admin_as_sent("xep0045-ex63-invites-continue.xml"));
}

TEST_CASE("muc admin: the room's relayed invitation (example 57) is a mediated invitation") {
  auto inv = muc::parse_invitation(example("xep0045-ex57-invite-relayed.xml"));
  REQUIRE(inv);
  CHECK(inv->kind == muc::InvitationKind::mediated);
  CHECK(inv->room == jid("coven@chat.shakespeare.lit"));
  CHECK(inv->from == jid("crone1@shakespeare.lit/desktop"));
  CHECK(inv->password == "cauldronburn");
  REQUIRE(inv->reason);
  CHECK(inv->reason->find("Hey Hecate") != std::string::npos);
  CHECK_FALSE(inv->continues);
}

TEST_CASE("muc admin: a mediated invitation from an occupant JID (example 64) or carried by an "
          "error is ignored (SECURITY.md row 53)") {
  CHECK_FALSE(muc::parse_invitation(example("xep0045-ex64-invite-from-occupant.xml")));
  // Moving the same invitation to the room's bare JID makes it one, with <continue/>.
  auto fixed = example("xep0045-ex64-invite-from-occupant.xml");
  fixed.set_attr("from", "coven@chat.shakespeare.lit");
  auto inv = muc::parse_invitation(fixed);
  REQUIRE(inv);
  CHECK(inv->continues);
  CHECK(inv->thread == "e0ffe42b28561960c6b12b944a092794b9683a38");
  // A user's full JID cannot relay one either, nor can it hide a jabber:x:conference beside it.
  CHECK_FALSE(muc::parse_invitation(test::parse_stanza(
      "<message from='mallory@evil.example/x'><x xmlns='http://jabber.org/protocol/muc#user'>"
      "<invite from='crone1@shakespeare.lit'/></x>"
      "<x xmlns='jabber:x:conference' jid='trap@chat.evil.example'/></message>")));
  // §9.5 example 135: the room's error to a refused invitation.
  CHECK_FALSE(muc::parse_invitation(test::parse_stanza(
      "<message from='coven@chat.shakespeare.lit' type='error'>"
      "<x xmlns='http://jabber.org/protocol/muc#user'><invite to='hecate@shakespeare.lit'/></x>"
      "<error type='auth'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>"
      "</message>")));
  // Two muc#user <x/>: which one counts is not ours to guess.
  CHECK_FALSE(muc::parse_invitation(test::parse_stanza(
      "<message from='coven@chat.shakespeare.lit'>"
      "<x xmlns='http://jabber.org/protocol/muc#user'><invite from='a@b'/></x>"
      "<x xmlns='http://jabber.org/protocol/muc#user'><invite from='c@d'/></x></message>")));
}

TEST_CASE("muc admin: a mediated invitation with the legacy jabber:x:conference copy (§7.8.2 "
          "note) is read once, as mediated") {
  auto inv = muc::parse_invitation(test::parse_stanza(
      "<message from='coven@chat.shakespeare.lit'>"
      "<x xmlns='http://jabber.org/protocol/muc#user'><invite from='crone1@shakespeare.lit'>"
      "<reason>come</reason></invite></x>"
      "<x xmlns='jabber:x:conference' jid='coven@chat.shakespeare.lit'>come</x></message>"));
  REQUIRE(inv);
  CHECK(inv->kind == muc::InvitationKind::mediated);
  CHECK(inv->reason == "come");
}

TEST_CASE("muc admin: direct invitations are XEP-0249 examples 1 and 2, both ways") {
  for (const char* fixture :
       {"xep0249-ex1-direct-invitation.xml", "xep0249-ex2-continue-invitation.xml"}) {
    CAPTURE(fixture);
    const auto e = example(fixture);
    auto inv = muc::parse_invitation(e);
    REQUIRE(inv);
    CHECK(inv->kind == muc::InvitationKind::direct);
    CHECK(inv->room == jid("darkcave@macbeth.shakespeare.lit"));
    CHECK(inv->from == jid("crone1@shakespeare.lit/desktop"));
    CHECK(inv->password == "cauldronburn");
    CHECK(inv->reason == "Hey Hecate, this is the place for all good witches!");
    CHECK(canonical(muc::make_direct_invitation(*inv, to_of(e))) == admin_as_sent(fixture));
  }
  auto cont = muc::parse_invitation(example("xep0249-ex2-continue-invitation.xml"));
  REQUIRE(cont);
  CHECK(cont->continues);
  CHECK(cont->thread == "e0ffe42b28561960c6b12b944a092794b9683a38");
}

TEST_CASE("muc admin: a direct invitation needs a room address in 'jid'") {
  CHECK_FALSE(
      muc::parse_invitation(test::parse_stanza("<message from='crone1@shakespeare.lit/desktop'><x "
                                               "xmlns='jabber:x:conference'/></message>")));
  CHECK_FALSE(muc::parse_invitation(test::parse_stanza(
      "<message from='crone1@shakespeare.lit/desktop'>"
      "<x xmlns='jabber:x:conference' jid='macbeth.shakespeare.lit'/></message>")));
  // A resource on the room address is dropped; continue='1' is true (XML Schema boolean).
  auto inv = muc::parse_invitation(test::parse_stanza(
      "<message from='crone1@shakespeare.lit/desktop'>"
      "<x xmlns='jabber:x:conference' jid='darkcave@macbeth.shakespeare.lit/nick' continue='1'/>"
      "</message>"));
  REQUIRE(inv);
  CHECK(inv->room == jid("darkcave@macbeth.shakespeare.lit"));
  CHECK(inv->continues);
  CHECK_FALSE(muc::parse_invitation(test::parse_stanza("<message from='a@b/c'><body>hi</body>"
                                                       "</message>")));
}

// ---- room information --------------------------------------------------------------------------

TEST_CASE("muc admin: room info from example 9 (features only)") {
  const auto info = room_info_of("xep0045-ex9-room-info-result.xml");
  CHECK(info.room == jid("coven@chat.shakespeare.lit"));
  CHECK(info.is_room);
  CHECK(info.name == "A Dark Cave");
  CHECK(info.password_protected == true);
  CHECK(info.is_public == false);
  CHECK(info.persistent == false);
  CHECK(info.members_only == false);
  CHECK(info.moderated == false);
  CHECK(info.non_anonymous == true);
  CHECK(info.features.size() == 8);
  CHECK(info.form.empty());
  CHECK_FALSE(info.occupants);
  CHECK_FALSE(info.description);
}

TEST_CASE("muc admin: room info from example 10 (the muc#roominfo form)") {
  const auto info = room_info_of("xep0045-ex10-room-info-extended.xml");
  CHECK(info.description == "The place for all good witches!");
  CHECK(info.subject == "Spells");
  CHECK(info.occupants == 3);
  CHECK(info.language == "en");
  CHECK(info.logs == "http://www.shakespeare.lit/chatlogs/coven/");
  CHECK(info.contacts == std::vector<std::string>{"crone1@shakespeare.lit"});
  CHECK(info.subject_changeable == true);
  REQUIRE(info.form.count("muc#maxhistoryfetch") == 1);
  CHECK(info.form.at("muc#maxhistoryfetch") == std::vector<std::string>{"50"});
  CHECK(info.form.count("muc#roominfo_ldapgroup") == 1);
}

TEST_CASE("muc admin: contradicting features give no answer; a non-room is no room") {
  disco::DiscoInfo d;
  d.features = {"muc_membersonly", "muc_open", "muc_persistent"};
  const auto info = muc::room_info_from_disco(jid("r@chat.example"), d);
  CHECK_FALSE(info.members_only);
  CHECK(info.persistent == true);
  CHECK_FALSE(info.moderated);
  CHECK_FALSE(info.is_room);
  CHECK_FALSE(info.name);
  disco::ExtensionForm form;
  form.form_type = std::string(muc::k_form_roominfo);
  form.fields["muc#roominfo_occupants"] = {"many"};
  d.forms = {form};
  CHECK_FALSE(muc::room_info_from_disco(jid("r@chat.example"), d).occupants);
}

// ---- occupants ---------------------------------------------------------------------------------

TEST_CASE("muc admin: the occupant table follows presence from the room's occupant JIDs") {
  muc::OccupantTable table(jid("coven@chat.shakespeare.lit"));
  CHECK(table.apply(example("xep0045-ex20-occupant-presence.xml")));
  CHECK(table.apply(example("xep0045-ex23-nonanonymous-presence.xml")));
  REQUIRE(table.occupants().size() == 2);
  const auto& first = table.occupants()[0];
  CHECK(first.nick == "firstwitch");
  CHECK(first.occupant_jid == jid("coven@chat.shakespeare.lit/firstwitch"));
  CHECK(first.affiliation == muc::Affiliation::owner);
  CHECK(first.role == muc::Role::moderator);
  CHECK_FALSE(first.jid);
  const auto& third = table.occupants()[1];
  CHECK(third.jid == jid("hag66@shakespeare.lit/pda"));  // §7.2.3: a non-anonymous room
  CHECK(third.role == muc::Role::participant);

  // A presence update keeps the place and takes the new values.
  CHECK(table.apply(
      presence_of("<presence from='coven@chat.shakespeare.lit/firstwitch'><show>away</show>"
                  "<status>brewing</status><x xmlns='http://jabber.org/protocol/muc#user'>"
                  "<item affiliation='owner' role='moderator'/></x></presence>")));
  REQUIRE(table.occupants().size() == 2);
  CHECK(table.occupants()[0].show == "away");
  CHECK(table.occupants()[0].status == "brewing");

  // Not about an occupant of this room: ignored.
  CHECK_FALSE(table.apply(presence_of(
      "<presence from='heath@chat.shakespeare.lit/intruder'><x "
      "xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/>"
      "</x></presence>")));
  CHECK_FALSE(table.apply(presence_of("<presence from='coven@chat.shakespeare.lit'/>")));
  CHECK_FALSE(table.apply(presence_of(
      "<presence from='coven@chat.shakespeare.lit/ghost' type='error'><error type='cancel'>"
      "<conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>")));
  CHECK_FALSE(table.apply(test::parse_stanza(
      "<message from='coven@chat.shakespeare.lit/x' type='groupchat'><body>b</body></message>")));
  CHECK(table.occupants().size() == 2);

  // §7.14: unavailable removes.
  CHECK(table.apply(
      presence_of("<presence from='coven@chat.shakespeare.lit/firstwitch' type='unavailable'/>")));
  REQUIRE(table.occupants().size() == 1);
  CHECK(table.occupants()[0].nick == "thirdwitch");
}

// ---- operations over a fake session ------------------------------------------------------------

namespace {

struct Fake {
  asio::io_context io;
  test::FakeSession session{io.get_executor(), jid("hag66@shakespeare.lit/pda")};

  template <class T, class Make> T run(Make make) { return test::run_coroutine<T>(io, make); }
};

}  // namespace

TEST_CASE("muc admin: list_rooms reads the service's items (example 6), no counts guessed") {
  Fake f;
  f.session.responder = [](const xml::Element& iq) -> std::optional<xml::Element> {
    if (!disco::is_items_request(iq)) return std::nullopt;
    return example_answer(iq, "xep0045-ex6-rooms-items-result.xml");
  };
  muc::ListOptions options;
  options.timeout = 2s;
  auto list = f.run<Result<muc::RoomList>>(
      [&] { return muc::list_rooms(f.session, jid("chat.shakespeare.lit"), options); });
  REQUIRE_MESSAGE(list.has_value(), (list ? "" : list.error().message));
  REQUIRE(list->rooms.size() == 4);
  CHECK(list->rooms[1].jid == jid("coven@chat.shakespeare.lit"));
  CHECK(list->rooms[1].name == "A Dark Cave");
  CHECK(list->rooms[3].name == "Macbeth's Castle");
  for (const auto& room : list->rooms) {
    CHECK_FALSE(room.occupants);
    CHECK_FALSE(room.info);
  }
  CHECK(f.session.requests.size() == 1);
}

TEST_CASE("muc admin: list_rooms with info asks each room; a failing room keeps its entry") {
  Fake f;
  f.session.responder = [](const xml::Element& iq) -> std::optional<xml::Element> {
    if (disco::is_items_request(iq)) return example_answer(iq, "xep0045-ex6-rooms-items-result.xml");
    if (iq.attr("to") == "coven@chat.shakespeare.lit")
      return example_answer(iq, "xep0045-ex10-room-info-extended.xml");
    return stanza::make_error_reply(iq, stanza::make_stanza_error("item-not-found"));
  };
  muc::ListOptions options;
  options.with_info = true;
  options.concurrency = 2;
  options.timeout = 2s;
  auto list = f.run<Result<muc::RoomList>>(
      [&] { return muc::list_rooms(f.session, jid("chat.shakespeare.lit"), options); });
  REQUIRE_MESSAGE(list.has_value(), (list ? "" : list.error().message));
  REQUIRE(list->rooms.size() == 4);
  const auto& coven = list->rooms[1];
  REQUIRE(coven.info);
  CHECK(coven.occupants == 3);
  CHECK(coven.info->description == "The place for all good witches!");
  CHECK(coven.name == "A Dark Cave");
  CHECK(list->rooms[0].info_error);
  CHECK_FALSE(list->rooms[0].info);
  // The items once, then one info per room; never the service's own info.
  CHECK(f.session.requests.size() == 5);
  for (const auto& r : f.session.requests)
    CHECK_FALSE((disco::is_info_request(r) && r.attr("to") == "chat.shakespeare.lit"));
}

TEST_CASE("muc admin: list_rooms with info names a room by its identity, not the item's name") {
  // ejabberd 23.01 names items "Name (occupants)"; the room's disco#info identity has the name.
  Fake f;
  f.session.responder = [](const xml::Element& iq) -> std::optional<xml::Element> {
    const std::string id(iq.attr("id").value_or(""));
    if (disco::is_items_request(iq))
      return test::parse_stanza(
          "<iq type='result' from='conference.example.test' id='" + id +
          "'><query xmlns='http://jabber.org/protocol/disco#items'>"
          "<item jid='coven@conference.example.test' name='Coven (0)'/>"
          "<item jid='plain@conference.example.test' name='Plain (2)'/></query></iq>");
    const std::string to(iq.attr("to").value_or(""));
    const std::string identity = to == "coven@conference.example.test"
                                     ? "<identity category='conference' type='text' name='Coven'/>"
                                     : "<identity category='conference' type='text'/>";
    return test::parse_stanza("<iq type='result' from='" + to + "' id='" + id +
                              "'><query xmlns='http://jabber.org/protocol/disco#info'>" +
                              identity +
                              "<feature var='http://jabber.org/protocol/muc'/></query></iq>");
  };
  muc::ListOptions options;
  options.with_info = true;
  options.timeout = 2s;
  auto list = f.run<Result<muc::RoomList>>(
      [&] { return muc::list_rooms(f.session, jid("conference.example.test"), options); });
  REQUIRE_MESSAGE(list.has_value(), (list ? "" : list.error().message));
  REQUIRE(list->rooms.size() == 2);
  CHECK(list->rooms[0].name == "Coven");
  // No name in the identity: the item's name stays.
  CHECK(list->rooms[1].name == "Plain (2)");
}

TEST_CASE("muc admin: list_rooms fails with the service's error and refuses a room address") {
  Fake f;
  f.session.responder = [](const xml::Element& iq) -> std::optional<xml::Element> {
    return stanza::make_error_reply(iq, stanza::make_stanza_error("service-unavailable"));
  };
  muc::ListOptions options;
  options.timeout = 2s;
  auto list = f.run<Result<muc::RoomList>>(
      [&] { return muc::list_rooms(f.session, jid("chat.shakespeare.lit"), options); });
  REQUIRE_FALSE(list.has_value());
  CHECK(list.error().condition == "service-unavailable");
  CHECK(list.error().message.find("chat.shakespeare.lit") != std::string::npos);
  auto usage = f.run<Result<muc::RoomList>>(
      [&] { return muc::list_rooms(f.session, jid("coven@chat.shakespeare.lit"), options); });
  REQUIRE_FALSE(usage.has_value());
  CHECK(usage.error().kind == ErrorKind::usage);
}

TEST_CASE("muc admin: room_info reads disco#info; a missing room says so") {
  Fake f;
  f.session.responder = [](const xml::Element& iq) -> std::optional<xml::Element> {
    if (iq.attr("to") == "coven@chat.shakespeare.lit")
      return example_answer(iq, "xep0045-ex9-room-info-result.xml");
    return stanza::make_error_reply(iq, stanza::make_stanza_error("item-not-found"));
  };
  auto info = f.run<Result<muc::RoomInfo>>(
      [&] { return muc::room_info(f.session, jid("coven@chat.shakespeare.lit"), 2s); });
  REQUIRE(info.has_value());
  CHECK(info->password_protected == true);
  auto missing = f.run<Result<muc::RoomInfo>>(
      [&] { return muc::room_info(f.session, jid("gone@chat.shakespeare.lit"), 2s); });
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().kind == ErrorKind::remote);
  CHECK(missing.error().condition == "item-not-found");
  CHECK(missing.error().message ==
        "room gone@chat.shakespeare.lit does not exist (item-not-found)");
}

TEST_CASE("muc admin: usage errors are caught before anything is sent") {
  Fake f;
  const auto room = jid("coven@chat.shakespeare.lit");
  const auto check_usage = [&](Result<void> r) {
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == ErrorKind::usage);
  };
  check_usage(f.run<Result<void>>([&] {
    return muc::set_affiliations(
        f.session, room,
        {{jid("hag66@shakespeare.lit/pda"), muc::Affiliation::member, std::nullopt, std::nullopt}},
        1s);
  }));
  check_usage(f.run<Result<void>>([&] { return muc::set_affiliations(f.session, room, {}, 1s); }));
  check_usage(f.run<Result<void>>(
      [&] { return muc::set_role(f.session, room, "", muc::Role::none, std::nullopt, 1s); }));
  check_usage(f.run<Result<void>>([&] {
    return muc::set_role(f.session, room, "pistol", muc::Role::none, std::string("bad\x01"), 1s);
  }));
  check_usage(f.run<Result<void>>([&] {
    return muc::destroy(f.session, jid("chat.shakespeare.lit"), muc::DestroyRequest{}, 1s);
  }));
  muc::Invitation inv;
  inv.room = room;
  check_usage(f.run<Result<void>>([&] { return muc::invite(f.session, inv, {}, 1s); }));
  auto list = f.run<Result<std::vector<muc::Item>>>(
      [&] { return muc::affiliations(f.session, room, muc::Affiliation::none, 1s); });
  REQUIRE_FALSE(list.has_value());
  CHECK(list.error().kind == ErrorKind::usage);
  auto roles = f.run<Result<std::vector<muc::Item>>>(
      [&] { return muc::roles(f.session, room, muc::Role::visitor, 1s); });
  REQUIRE_FALSE(roles.has_value());
  CHECK(roles.error().kind == ErrorKind::usage);
  CHECK(f.session.requests.empty());
}

TEST_CASE("muc admin: the spec's answers over a fake session (examples 91, 93, 184, 204)") {
  Fake f;
  f.session.responder = [](const xml::Element& iq) -> std::optional<xml::Element> {
    const auto* query = iq.child("query", muc::k_ns_admin);
    if (iq.child("query", muc::k_ns_owner))
      return example_answer(iq, "xep0045-ex204-destroy-forbidden.xml");
    if (query && iq.attr("type") == "get")
      return example_answer(iq, "xep0045-ex184-owner-list-forbidden.xml");
    const auto* item = query ? query->child("item", muc::k_ns_admin) : nullptr;
    if (item && item->attr("nick") == "pistol") return example_answer(iq, "xep0045-ex91-kick-result.xml");
    return example_answer(iq, "xep0045-ex93-kick-not-allowed.xml");
  };
  const auto room = jid("coven@chat.shakespeare.lit");
  auto kicked = f.run<Result<void>>(
      [&] { return muc::set_role(f.session, room, "pistol", muc::Role::none, std::nullopt, 1s); });
  CHECK_MESSAGE(kicked.has_value(), (kicked ? "" : kicked.error().message));
  auto refused = f.run<Result<void>>(
      [&] { return muc::set_role(f.session, room, "crone", muc::Role::none, std::nullopt, 1s); });
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().kind == ErrorKind::remote);
  CHECK(refused.error().message ==
        "room coven@chat.shakespeare.lit: you may not change the role of crone (a higher "
        "affiliation, or moderator status needs an admin or owner) (not-allowed)");
  auto owners = f.run<Result<std::vector<muc::Item>>>(
      [&] { return muc::affiliations(f.session, room, muc::Affiliation::owner, 1s); });
  REQUIRE_FALSE(owners.has_value());
  CHECK(owners.error().message ==
        "room coven@chat.shakespeare.lit: you are not an owner (forbidden)");
  auto members = f.run<Result<std::vector<muc::Item>>>(
      [&] { return muc::affiliations(f.session, room, muc::Affiliation::member, 1s); });
  REQUIRE_FALSE(members.has_value());
  CHECK(members.error().message ==
        "room coven@chat.shakespeare.lit: you are not an admin or owner (forbidden)");
  auto destroyed =
      f.run<Result<void>>([&] { return muc::destroy(f.session, room, muc::DestroyRequest{}, 1s); });
  REQUIRE_FALSE(destroyed.has_value());
  CHECK(destroyed.error().condition == "forbidden");
  CHECK(destroyed.error().message ==
        "room coven@chat.shakespeare.lit: you are not an owner (forbidden)");
}

TEST_CASE("muc admin: our own presence (example 22) is an occupant like the others") {
  muc::OccupantTable table(jid("coven@chat.shakespeare.lit"));
  CHECK(table.apply(example("xep0045-ex22-self-presence.xml")));
  REQUIRE(table.occupants().size() == 1);
  CHECK(table.occupants()[0].nick == "thirdwitch");
  CHECK(table.occupants()[0].affiliation == muc::Affiliation::member);
  CHECK_FALSE(table.occupants()[0].self);  // OccupantList::occupants(joined) marks it
}
