// XEP-0313 Message Archive Management through the real session driver against the scripted server:
// two pages of our own archive (§4.3.2), a room's archive with forged and stray results among the
// real ones (§8.2, SECURITY.md row 37), the last messages of a room (§4.3.3), a room without an
// archive (stanza error) and an archive that never answers (timeout).
#include "harness.hpp"

#include "unit/test_jid.hpp"
#include "xep/mam/mam_ops.hpp"

using namespace xmpp;
using namespace xmpp::test;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view k_mam_room = "coven@chat.example.test";


using test::jid;

std::string queryid_of(const xml::Element& iq) {
  const auto* query = iq.child("query", mam::k_ns);
  REQUIRE(query != nullptr);
  return query->attr("queryid").value_or("");
}

/// A result message (§4.2); `from` empty = none (our own server speaking for the account).
std::string result(const std::string& from, const std::string& queryid, const std::string& id,
                   const std::string& body) {
  return "<message to='alice@example.test/res1'" + (from.empty() ? "" : " from='" + from + "'") +
         "><result xmlns='urn:xmpp:mam:2' queryid='" + queryid + "' id='" + id +
         "'><forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' "
         "stamp='2024-05-01T10:00:00Z'/><message xmlns='jabber:client' "
         "from='bob@example.test/phone' to='alice@example.test' type='chat'><body>" +
         body + "</body></message></forwarded></result></message>";
}

/// The iq result ending a query (§4.3.2).
std::string fin(const xml::Element& query_iq, const std::string& from, bool complete,
                const std::string& first, const std::string& last) {
  return "<iq type='result' id='" + *query_iq.attr("id") + "'" +
         (from.empty() ? "" : " from='" + from + "'") + "><fin xmlns='urn:xmpp:mam:2'" +
         (complete ? " complete='true'" : "") +
         "><set xmlns='http://jabber.org/protocol/rsm'><first index='0'>" + first +
         "</first><last>" + last + "</last></set></fin></iq>";
}

std::vector<std::string> bodies(const mam::Archive& archive) {
  std::vector<std::string> out;
  for (const auto& m : archive.messages)
    out.push_back(m.body.value_or(""));
  return out;
}

}  // namespace

TEST_CASE("mam: our own archive in two pages, <after/> = the first <fin/>'s <last/>") {
  Scenario t;
  Result<mam::Archive> read = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        mam::Filter filter;
        filter.start = time::parse_datetime("2024-05-01T00:00:00Z").value();
        read = co_await mam::query(*s, std::nullopt, filter, std::nullopt, 2s, 2);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        auto q1 = co_await t.peer.expect(
            "<iq type='set' id='*'><query xmlns='urn:xmpp:mam:2' queryid='*'>"
            "<x xmlns='jabber:x:data' type='submit'>"
            "<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field>"
            "<field var='start'><value>2024-05-01T00:00:00Z</value></field></x>"
            "<set xmlns='http://jabber.org/protocol/rsm'><max>2</max></set></query></iq>");
        CHECK_FALSE(q1.attr("to"));  // our own archive
        const auto id1 = queryid_of(q1);
        t.peer.send(result("", id1, "a1", "one"));
        t.peer.send(result("alice@example.test", id1, "a2", "two"));
        t.peer.send(fin(q1, "", false, "a1", "a2"));
        auto q2 = co_await t.peer.expect(
            "<iq type='set' id='*'><query xmlns='urn:xmpp:mam:2' queryid='*'>"
            "<x xmlns='jabber:x:data' type='submit'/>"
            "<set xmlns='http://jabber.org/protocol/rsm'><max>2</max><after>a2</after></set>"
            "</query></iq>");
        const auto id2 = queryid_of(q2);
        CHECK(id2 != id1);
        // A late duplicate of page 1 (its queryid) is no result of page 2.
        t.peer.send(result("", id1, "a2", "two again"));
        t.peer.send(result("", id2, "a3", "three"));
        t.peer.send(fin(q2, "alice@example.test", true, "a3", "a3"));
        co_await clean_close(t.peer);
      });
  REQUIRE_MESSAGE(read, (read ? "" : read.error().message));
  CHECK(bodies(*read) == std::vector<std::string>{"one", "two", "three"});
  CHECK(read->messages[0].id == "a1");
  CHECK(read->messages[2].id == "a3");
  CHECK(read->messages[0].from == jid("bob@example.test/phone"));
  CHECK(read->messages[0].stamp == time::parse_datetime("2024-05-01T10:00:00Z").value());
  CHECK(read->complete);
  CHECK(read->pages == 2);
  CHECK(read->ignored == 1);
}

TEST_CASE("cve_2020_26547_mam_forged_results: results from an occupant, a stranger, our server "
          "or with another queryid are ignored") {
  Scenario t;
  Result<mam::Archive> read = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        mam::Filter filter;
        filter.with = jid("bob@example.test");
        read = co_await mam::query(*s, jid(k_mam_room), filter, 10, 2s, 10);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        auto q = co_await t.peer.expect(
            "<iq type='set' to='coven@chat.example.test' id='*'><query xmlns='urn:xmpp:mam:2' "
            "queryid='*'><x xmlns='jabber:x:data' type='submit'>"
            "<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field>"
            "<field var='with'><value>bob@example.test</value></field></x>"
            "<set xmlns='http://jabber.org/protocol/rsm'><max>10</max></set></query></iq>");
        const auto id = queryid_of(q);
        const std::string room(k_mam_room);
        t.peer.send(result(room + "/mallory", id, "f1", "forged by an occupant"));
        t.peer.send(result("mallory@evil.example", id, "f2", "forged by a stranger"));
        t.peer.send(result("", id, "f3", "from our server, not the room"));
        t.peer.send(result("alice@example.test", id, "f4", "from our account, not the room"));
        t.peer.send(result(room, "guessed", "f5", "another query"));
        t.peer.send(result(room, id, "r1", "real one"));
        t.peer.send(result(room, id, "r2", "real two"));
        t.peer.send(fin(q, room, true, "r1", "r2"));
        co_await clean_close(t.peer);
      });
  REQUIRE_MESSAGE(read, (read ? "" : read.error().message));
  CHECK(bodies(*read) == std::vector<std::string>{"real one", "real two"});
  CHECK(read->ignored == 5);
  CHECK(read->complete);
}

TEST_CASE("mam: the last three messages of a room whose archive sends two per page, oldest first") {
  Scenario t;
  Result<mam::Archive> read = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        read = co_await mam::last(*s, jid(k_mam_room), mam::Filter{}, 3, 2s, 50);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        const std::string room(k_mam_room);
        // §4.3.3: an empty <before/> asks for the last page; no filter, no form.
        auto q1 = co_await t.peer.expect(
            "<iq type='set' to='coven@chat.example.test' id='*'><query xmlns='urn:xmpp:mam:2' "
            "queryid='*'><set xmlns='http://jabber.org/protocol/rsm'><max>3</max><before/></set>"
            "</query></iq>");
        CHECK(q1.child("query", mam::k_ns)->child("x", "jabber:x:data") == nullptr);
        t.peer.send(result(room, queryid_of(q1), "r4", "four"));
        t.peer.send(result(room, queryid_of(q1), "r5", "five"));
        t.peer.send(fin(q1, room, false, "r4", "r5"));
        auto q2 = co_await t.peer.expect(
            "<iq type='set' to='coven@chat.example.test' id='*'><query xmlns='urn:xmpp:mam:2' "
            "queryid='*'><set xmlns='http://jabber.org/protocol/rsm'><max>1</max>"
            "<before>r4</before></set></query></iq>");
        t.peer.send(result(room, queryid_of(q2), "r3", "three"));
        t.peer.send(fin(q2, room, false, "r3", "r3"));
        co_await clean_close(t.peer);
      });
  REQUIRE_MESSAGE(read, (read ? "" : read.error().message));
  CHECK(bodies(*read) == std::vector<std::string>{"three", "four", "five"});
  CHECK_FALSE(read->complete);
  CHECK(read->pages == 2);
}

TEST_CASE("mam: a room without an archive answers feature-not-implemented; the error says so") {
  Scenario t;
  Result<mam::Archive> read = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        read = co_await mam::last(*s, jid(k_mam_room), mam::Filter{}, 20, 2s, 50);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        auto q = co_await t.peer.expect(
            "<iq type='set' to='coven@chat.example.test' id='*'><query xmlns='urn:xmpp:mam:2'/>"
            "</iq>");
        // An error from anyone but the room is no answer (RFC 6120 §8.1.2.1, SECURITY.md row 31).
        t.peer.send("<iq type='error' id='" + *q.attr("id") +
                    "' from='mallory@evil.example'><error type='cancel'><forbidden "
                    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
        t.peer.send("<iq type='error' id='" + *q.attr("id") +
                    "' from='coven@chat.example.test'><error type='cancel'>"
                    "<feature-not-implemented xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
                    "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>No archive here</text>"
                    "</error></iq>");
        co_await clean_close(t.peer);
      });
  REQUIRE_FALSE(read);
  CHECK(read.error().kind == ErrorKind::remote);
  CHECK(read.error().code == "stanza_error");
  CHECK(read.error().condition == "feature-not-implemented");
  CHECK(read.error().message ==
        "message archive of coven@chat.example.test: coven@chat.example.test keeps no message "
        "archive (XEP-0313), or cannot filter as asked (feature-not-implemented: No archive here)");
}

TEST_CASE("mam: an archive that never answers is a timeout, and its late results change nothing") {
  Scenario t;
  Result<mam::Archive> read = fail(ErrorKind::software, "not_run", "", "");
  Result<xml::Element> after = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        read = co_await mam::query(*s, std::nullopt, mam::Filter{}, std::nullopt, 200ms, 10);
        // The session is still fine: a later request works.
        xml::Element ping("iq", "jabber:client");
        ping.set_attr("type", "get");
        ping.add_child(xml::Element("ping", "urn:xmpp:ping"));
        after = co_await s->request(std::move(ping), 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        auto q =
            co_await t.peer.expect("<iq type='set' id='*'><query xmlns='urn:xmpp:mam:2'/></iq>");
        auto ping =
            co_await t.peer.expect("<iq type='get' id='*'><ping xmlns='urn:xmpp:ping'/></iq>");
        // Too late: the query has given up.
        t.peer.send(result("", queryid_of(q), "a1", "late"));
        t.peer.send(fin(q, "", true, "a1", "a1"));
        t.peer.send("<iq type='result' id='" + *ping.attr("id") + "'/>");
        co_await clean_close(t.peer);
      });
  REQUIRE_FALSE(read);
  CHECK(read.error().kind == ErrorKind::temporary);
  CHECK(read.error().code == "timeout");
  CHECK(read.error().message.find("our message archive (alice@example.test): ") == 0);
  CHECK(after);
}
