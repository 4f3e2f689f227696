// XEP-0045 room configuration over the real session driver against the scripted server: a
// reserved room created and configured before anyone may enter (§10.1.1, §10.1.3-§10.1.4: join
// with status 201, form request, submission, read back, leave), a subsequent configuration
// refused to a non-owner (§10.2, example 164), and an unknown field cancelling and destroying the
// half-made room (§10.1.6, §10.9).
#include "harness.hpp"

#include "room_peer.hpp"
#include "xep/muc/config.hpp"
#include "xep/muc/config_ops.hpp"

using namespace xmpp;
using namespace xmpp::test;
using namespace std::chrono_literals;

namespace {




std::string form(const std::string& name, const std::string& persistent) {
  return "<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' "
         "type='form'><field var='FORM_TYPE' type='hidden'><value>"
         "http://jabber.org/protocol/muc#roomconfig</value></field>"
         "<field var='muc#roomconfig_roomname' type='text-single'><value>" +
         name +
         "</value></field><field var='muc#roomconfig_persistentroom' type='boolean'><value>" +
         persistent + "</value></field></x></query>";
}

const char* k_created =
    "<presence from='coven@chat.example.test/alice' to='alice@example.test/res1'>"
    "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/>"
    "<status code='110'/><status code='201'/></x></presence>";
const char* k_left =
    "<presence type='unavailable' from='coven@chat.example.test/alice' "
    "to='alice@example.test/res1'><x xmlns='http://jabber.org/protocol/muc#user'>"
    "<item affiliation='owner' role='none'/><status code='110'/></x></presence>";

muc::CreateOptions create_options(forms::Answers answers) {
  muc::CreateOptions o;
  o.join.nick = "alice";
  o.join.timeout = 2s;
  o.answers = [answers](const forms::Form&) -> Result<forms::Answers> { return answers; };
  return o;
}

}  // namespace

TEST_CASE("muc config session: a reserved room is created, configured, read back, left") {
  Scenario t;
  Result<muc::Created> created = fail(ErrorKind::software, "not_run", "", "");
  // Built outside the coroutine: GCC 12 rejects braced lists in a coroutine lambda's co_await.
  const auto options = create_options({{"muc#roomconfig_roomname", {"Cave"}},
                                       {"muc#roomconfig_persistentroom", {"1"}}});
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        created = co_await muc::create_room(*s, k_room, options);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_without_sm(t.peer);
        co_await t.peer.expect(
            "<presence to='coven@chat.example.test/alice'>"
            "<x xmlns='http://jabber.org/protocol/muc'/></presence>");
        t.peer.send(k_created);
        // No instant-room request: the room is configured from its form (§10.1.3).
        auto get = co_await t.peer.expect(
            "<iq type='get' to='coven@chat.example.test' id='*'>"
            "<query xmlns='http://jabber.org/protocol/muc#owner'/></iq>");
        t.peer.send(result_from_room(get, form("", "0")));
        auto set = co_await t.peer.expect(
            "<iq type='set' to='coven@chat.example.test' id='*'>"
            "<query xmlns='http://jabber.org/protocol/muc#owner'>"
            "<x xmlns='jabber:x:data' type='submit'>"
            "<field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value>"
            "</field><field var='muc#roomconfig_roomname'><value>Cave</value></field>"
            "<field var='muc#roomconfig_persistentroom'><value>1</value></field>"
            "</x></query></iq>");
        t.peer.send(result_from_room(set));
        auto again = co_await t.peer.expect(
            "<iq type='get' to='coven@chat.example.test' id='*'>"
            "<query xmlns='http://jabber.org/protocol/muc#owner'/></iq>");
        t.peer.send(result_from_room(again, form("Cave", "1")));
        co_await t.peer.expect(
            "<presence type='unavailable' to='coven@chat.example.test/alice'/>");
        t.peer.send(k_left);
        co_await clean_close(t.peer);
      });
  REQUIRE_MESSAGE(created.has_value(), (created ? "" : created.error().message));
  CHECK(created->created);
  CHECK_FALSE(created->instant);
  CHECK(created->persistent == true);
  REQUIRE(created->configured);
  REQUIRE(created->configured->changes.size() == 2);
  CHECK(created->configured->changes[0].after == std::vector<std::string>{"Cave"});
}

TEST_CASE("muc config session: a non-owner is refused the form (example 164)") {
  Scenario t;
  Result<forms::Form> got = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        got = co_await muc::get_config(*s, k_room, 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_without_sm(t.peer);
        auto get = co_await t.peer.expect(
            "<iq type='get' to='coven@chat.example.test' id='*'>"
            "<query xmlns='http://jabber.org/protocol/muc#owner'/></iq>");
        t.peer.send("<iq type='error' from='coven@chat.example.test' "
                    "to='alice@example.test/res1' id='" +
                    id_of(get) +
                    "'><error type='auth'><forbidden "
                    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
        co_await clean_close(t.peer);
      });
  REQUIRE_FALSE(got.has_value());
  CHECK(got.error().kind == ErrorKind::remote);
  CHECK(got.error().condition == "forbidden");
  CHECK(got.error().message.find("room coven@chat.example.test: you are not its owner") == 0);
}

TEST_CASE("muc config session: an unknown field cancels and destroys the new room") {
  Scenario t;
  Result<muc::Created> created = fail(ErrorKind::software, "not_run", "", "");
  const auto options = create_options({{"muc#nope", {"1"}}});
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        created = co_await muc::create_room(*s, k_room, options);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_without_sm(t.peer);
        co_await t.peer.expect("<presence to='coven@chat.example.test/alice'/>");
        t.peer.send(k_created);
        auto get = co_await t.peer.expect("<iq type='get' to='coven@chat.example.test'/>");
        t.peer.send(result_from_room(get, form("", "0")));
        auto cancel = co_await t.peer.expect(
            "<iq type='set' to='coven@chat.example.test'>"
            "<query xmlns='http://jabber.org/protocol/muc#owner'>"
            "<x xmlns='jabber:x:data' type='cancel'/></query></iq>");
        t.peer.send(result_from_room(cancel));
        auto destroy = co_await t.peer.expect(
            "<iq type='set' to='coven@chat.example.test'>"
            "<query xmlns='http://jabber.org/protocol/muc#owner'><destroy/></query></iq>");
        t.peer.send(result_from_room(destroy));
        co_await t.peer.expect(
            "<presence type='unavailable' to='coven@chat.example.test/alice'/>");
        co_await clean_close(t.peer);
      });
  REQUIRE_FALSE(created.has_value());
  CHECK(created.error().kind == ErrorKind::data);
  CHECK(created.error().code == "unknown_field");
}
