// XEP-0313 Message Archive Management codecs against the spec's numbered examples
// (tests/fixtures/xep0313-*.xml): queries with filter forms and RSM (examples 2, 5-13, 16, 18, 20,
// 23, 24), result messages (3, 17, 27), <fin/> (4, 19, 22), an error (21); and the origin check of
// §8.2 (SECURITY.md row 37, CVE-2020-26547).
#include <doctest/doctest.h>

#include "stanza/error.hpp"
#include "xep/mam/mam.hpp"
#include "xep_examples.hpp"

using namespace xmpp;
using test::canonical;
using test::example;
using test::jid;

namespace {

time::Timestamp at(std::string_view text) {
  auto t = time::parse_datetime(text);
  REQUIRE(t);
  return *t;
}

/// The example's 'to' as the archive (nullopt when it has none, i.e. our own archive).
std::optional<Jid> archive_of(const xml::Element& iq) {
  if (auto to = iq.attr("to")) return jid(*to);
  return std::nullopt;
}

/// Our result messages are addressed by the caller: copy the example's envelope.
xml::Element with_envelope(xml::Element built, const xml::Element& example) {
  for (const char* name : {"id", "from", "to"})
    if (auto value = example.attr(name)) built.set_attr(name, *value);
  return built;
}

const Jid& juliet() {
  static const Jid j = jid("juliet@capulet.lit/chamber");
  return j;
}

}  // namespace

TEST_CASE("XEP-0313 queries (examples 2, 5-11, 18, 20, 23, 24): parsed and rebuilt") {
  struct Case {
    const char* file;
    mam::Query query;
  };
  mam::Filter with;
  with.with = jid("juliet@capulet.lit");
  mam::Filter timespan;
  timespan.start = at("2010-06-07T00:00:00Z");
  timespan.end = at("2010-07-07T13:23:54Z");
  mam::Filter since;
  since.start = at("2010-08-07T00:00:00Z");
  mam::Filter after_id;
  after_id.after_id = "09af3-cc343-b409f";
  mam::Filter between;
  between.after_id = "28482-98726-73623";
  between.before_id = "09af3-cc343-b409f";
  mam::Filter ids;
  ids.ids = {"28482-98726-73623"};
  const rsm::Request first10{10, std::nullopt, std::nullopt, std::nullopt};
  const rsm::Request after10{10, "09af3-cc343-b409f", std::nullopt, std::nullopt};
  const rsm::Request last10{10, std::nullopt, "", std::nullopt};
  const Case cases[] = {
      {"xep0313-ex2-own-query.xml", {"f27", std::nullopt, {}, std::nullopt, false}},
      {"xep0313-ex5-pubsub-query.xml", {"f28", std::nullopt, {}, std::nullopt, false}},
      {"xep0313-ex6-with-query.xml", {"", std::nullopt, with, std::nullopt, false}},
      {"xep0313-ex7-timespan-query.xml", {"", std::nullopt, timespan, std::nullopt, false}},
      {"xep0313-ex8-start-query.xml", {"", std::nullopt, since, std::nullopt, false}},
      {"xep0313-ex9-after-id-query.xml", {"", std::nullopt, after_id, std::nullopt, false}},
      {"xep0313-ex10-between-ids-query.xml", {"", std::nullopt, between, std::nullopt, false}},
      {"xep0313-ex11-ids-query.xml", {"", std::nullopt, ids, std::nullopt, false}},
      {"xep0313-ex18-rsm-query.xml", {"", std::nullopt, since, first10, false}},
      {"xep0313-ex20-page-query.xml", {"", std::nullopt, since, after10, false}},
      {"xep0313-ex23-last-page-query.xml", {"", std::nullopt, since, last10, false}},
      {"xep0313-ex24-flip-page-query.xml", {"", std::nullopt, since, after10, true}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.file);
    const auto ex = example(c.file);
    const auto parsed = mam::parse_query(ex);
    REQUIRE_MESSAGE(parsed, (parsed ? "" : parsed.error().message));
    CHECK(*parsed == c.query);
    const auto built = mam::make_query_iq(archive_of(ex), c.query, *ex.attr("id"));
    CHECK(canonical(built) == canonical(ex));
  }
}

TEST_CASE("XEP-0313 examples 12 and 13: include-groupchat true and false") {
  const auto include = mam::parse_query(example("xep0313-ex12-include-groupchat-query.xml"));
  REQUIRE(include);
  CHECK(include->filter.include_groupchat == true);
  const auto exclude = mam::parse_query(example("xep0313-ex13-exclude-groupchat-query.xml"));
  REQUIRE(exclude);
  CHECK(exclude->filter.include_groupchat == false);
  // Built back: one field after FORM_TYPE, value "false".
  const auto form = mam::make_filter_form(exclude->filter);
  const auto fields = form.children("field", mam::k_ns_data);
  REQUIRE(fields.size() == 2);
  CHECK(fields[1]->attr("var") == "include-groupchat");
  CHECK(fields[1]->child_text("value", mam::k_ns_data) == "false");
}

TEST_CASE("XEP-0313 example 16: fields the archive does not know -> feature-not-implemented "
          "(§4.1.5)") {
  const auto parsed = mam::parse_query(example("xep0313-ex16-custom-fields-query.xml"));
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().kind == ErrorKind::protocol);
  CHECK(parsed.error().code == "bad_query");
  CHECK(parsed.error().condition == "feature-not-implemented");
  CHECK(parsed.error().message.find("free-text-search") != std::string::npos);
}

TEST_CASE("the filter form: FORM_TYPE first, fields in the registry's order, UTC stamps") {
  mam::Filter f;
  f.end = at("2024-03-01T12:00:00.250+01:00");
  f.start = at("2024-02-29T23:59:59Z");
  f.with = jid("Coven@Chat.Shakespeare.lit/FirstWitch");
  const auto form = mam::make_filter_form(f);
  CHECK(form.is("x", "jabber:x:data"));
  CHECK(form.attr("type") == "submit");
  const auto fields = form.children("field", mam::k_ns_data);
  REQUIRE(fields.size() == 4);
  CHECK(fields[0]->attr("var") == "FORM_TYPE");
  CHECK(fields[0]->attr("type") == "hidden");
  CHECK(fields[0]->child_text("value", mam::k_ns_data) == "urn:xmpp:mam:2");
  CHECK(fields[1]->attr("var") == "with");
  CHECK(fields[1]->child_text("value", mam::k_ns_data) == "coven@chat.shakespeare.lit/FirstWitch");
  CHECK(fields[2]->attr("var") == "start");
  CHECK(fields[2]->child_text("value", mam::k_ns_data) == "2024-02-29T23:59:59Z");
  CHECK(fields[3]->attr("var") == "end");
  CHECK(fields[3]->child_text("value", mam::k_ns_data) == "2024-03-01T11:00:00.250Z");

  // No filter: no form at all (§4.1: all fields are optional).
  CHECK(mam::Filter{}.empty());
  const auto bare = mam::make_query({"q1", std::nullopt, {}, std::nullopt, false});
  CHECK(bare.elements().empty());
  CHECK(bare.attr("queryid") == "q1");
  CHECK_FALSE(bare.attr("node"));
  // A pubsub node's archive (XEP-0442) and the round trip of a full query.
  mam::Query full{"q2", "princely_musings", f, rsm::Request{5, "x1", std::nullopt, std::nullopt},
                  false};
  CHECK(mam::make_query(full).attr("node") == "princely_musings");
  const auto reparsed =
      mam::parse_query(mam::make_query_iq(jid("pubsub.shakespeare.lit"), full, "i1"));
  REQUIRE(reparsed);
  CHECK(*reparsed == full);
  const auto iq = mam::make_query_iq(std::nullopt, full);
  CHECK(iq.attr("type") == "set");
  CHECK_FALSE(iq.attr("to"));  // our own archive: no 'to'
  CHECK_FALSE(iq.attr("id"));  // left to Session::request
}

TEST_CASE("parse_query refuses malformed filters with the condition an archive answers") {
  struct Case {
    const char* xml;
    const char* condition;
  };
  const Case cases[] = {
      {"<iq type='set' id='a'/>", "bad-request"},
      {"<iq type='set' id='a'><query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' "
       "type='form'><field var='FORM_TYPE'><value>urn:xmpp:mam:2</value></field></x></query></iq>",
       "bad-request"},
      {"<iq type='set' id='a'><query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' "
       "type='submit'><field var='FORM_TYPE'><value>urn:xmpp:mam:1</value></field></x></query>"
       "</iq>",
       "bad-request"},
      {"<iq type='set' id='a'><query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' "
       "type='submit'><field var='start'><value>2010-08-07T00:00:00Z</value></field></x></query>"
       "</iq>",
       "bad-request"},
      {"<iq type='set' id='a'><query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' "
       "type='submit'><field var='FORM_TYPE'><value>urn:xmpp:mam:2</value></field>"
       "<field var='start'><value>yesterday</value></field></x></query></iq>",
       "bad-request"},
      {"<iq type='set' id='a'><query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' "
       "type='submit'><field var='FORM_TYPE'><value>urn:xmpp:mam:2</value></field>"
       "<field var='with'><value>@nobody</value></field></x></query></iq>",
       "jid-malformed"},
      {"<iq type='set' id='a'><query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' "
       "type='submit'><field var='FORM_TYPE'><value>urn:xmpp:mam:2</value></field>"
       "<field var='include-groupchat'><value>maybe</value></field></x></query></iq>",
       "bad-request"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.xml);
    const auto parsed = mam::parse_query(test::parse_stanza(c.xml));
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code == "bad_query");
    CHECK(parsed.error().condition == c.condition);
  }
}

TEST_CASE("XEP-0313 examples 3, 17, 27: result messages unwrapped and rebuilt") {
  struct Case {
    const char* file;
    const char* queryid;
    const char* id;
    const char* stamp;
    std::optional<std::string> from;
    std::optional<std::string> to;
    const char* body;
  };
  const Case cases[] = {
      {"xep0313-ex3-result.xml", "f27", "28482-98726-73623", "2010-07-10T23:08:25Z",
       "witch@shakespeare.lit", "macbeth@shakespeare.lit", "Hail to thee"},
      {"xep0313-ex17-result-romeo.xml", "f27", "28482-98726-73623", "2010-07-10T23:08:25Z",
       "romeo@montague.lit/orchard", "juliet@capulet.lit/balcony",
       "Call me but love, and I'll be new baptized; Henceforth I never will be Romeo."},
      {"xep0313-ex17-result-juliet.xml", "f27", "5d398-28273-f7382", "2010-07-10T23:09:32Z",
       "juliet@capulet.lit/balcony", "romeo@montague.lit/orchard",
       "What man art thou that thus bescreen'd in night so stumblest on my counsel?"},
      {"xep0313-ex27-muc-result-first.xml", "g27", "78527-06716-51603", "2002-10-13T23:58:37Z",
       "coven@chat.shakespeare.lit/firstwitch", std::nullopt, "Thrice the brinded cat hath mew'd."},
      {"xep0313-ex27-muc-result-second.xml", "g27", "34482-21985-73620", "2002-10-13T23:58:43Z",
       "coven@chat.shakespeare.lit/secondwitch", std::nullopt,
       "Thrice and once the hedge-pig whined."},
  };
  for (const auto& c : cases) {
    CAPTURE(c.file);
    const auto ex = example(c.file);
    CHECK(mam::is_result(ex));
    CHECK(mam::result_queryid(ex) == c.queryid);
    const auto item = mam::parse_result(ex);
    REQUIRE_MESSAGE(item, (item ? "" : item.error().message));
    CHECK(item->id == c.id);
    CHECK(item->stamp == at(c.stamp));
    CHECK(item->from == (c.from ? std::optional<Jid>(jid(*c.from)) : std::nullopt));
    CHECK(item->to == (c.to ? std::optional<Jid>(jid(*c.to)) : std::nullopt));
    CHECK(item->body == c.body);
    REQUIRE(item->message);
    CHECK(item->message->is("message", "jabber:client"));
    CHECK(canonical(with_envelope(mam::make_result(*item, c.queryid), ex)) == canonical(ex));
  }
}

TEST_CASE("parse_result: an id and a <forwarded/> are required; a removed message is kept as its "
          "id (§3.2)") {
  const auto no_id = mam::parse_result(
      test::parse_stanza("<message><result xmlns='urn:xmpp:mam:2' queryid='q'><forwarded "
                         "xmlns='urn:xmpp:forward:0'/></result></message>"));
  REQUIRE_FALSE(no_id);
  CHECK(no_id.error().code == "bad_result");
  CHECK(no_id.error().kind == ErrorKind::protocol);
  const auto no_forwarded = mam::parse_result(
      test::parse_stanza("<message><result xmlns='urn:xmpp:mam:2' id='a1'/></message>"));
  REQUIRE_FALSE(no_forwarded);
  CHECK(no_forwarded.error().code == "bad_result");
  const auto two = mam::parse_result(test::parse_stanza(
      "<message><result xmlns='urn:xmpp:mam:2' id='a1'><forwarded xmlns='urn:xmpp:forward:0'>"
      "<message xmlns='jabber:client'><body>one</body></message>"
      "<message xmlns='jabber:client'><body>two</body></message></forwarded>"
      "</result></message>"));
  REQUIRE_FALSE(two);
  CHECK(two.error().code == "bad_result");
  CHECK_FALSE(mam::parse_result(test::parse_stanza("<message><body>hi</body></message>")));

  const auto removed = mam::parse_result(test::parse_stanza(
      "<message><result xmlns='urn:xmpp:mam:2' id='a2'><forwarded xmlns='urn:xmpp:forward:0'>"
      "<delay xmlns='urn:xmpp:delay' stamp='bogus'/></forwarded></result></message>"));
  REQUIRE(removed);
  CHECK(removed->id == "a2");
  CHECK_FALSE(removed->stamp);  // a stamp that is no dateTime tells nothing
  CHECK_FALSE(removed->message);
  CHECK_FALSE(removed->body);
  CHECK_FALSE(removed->from);

  const auto bad_from = mam::parse_result(test::parse_stanza(
      "<message><result xmlns='urn:xmpp:mam:2' id='a3'><forwarded xmlns='urn:xmpp:forward:0'>"
      "<message xmlns='jabber:client' from='@@' to='bob@example.test'><body>x</body></message>"
      "</forwarded></result>"
      "</message>"));
  REQUIRE(bad_from);
  CHECK_FALSE(bad_from->from);
  CHECK(bad_from->to == jid("bob@example.test"));
  CHECK(bad_from->message->attr("from") == "@@");  // kept as stored
}

TEST_CASE("XEP-0313 examples 4, 19, 22: <fin/> parsed and rebuilt") {
  struct Case {
    const char* file;
    mam::Fin fin;
  };
  const Case cases[] = {
      {"xep0313-ex4-fin.xml",
       {false, true, rsm::Page{"28482-98726-73623", 0, "09af3-cc343-b409f", std::nullopt}}},
      {"xep0313-ex19-limited-fin.xml",
       {false, true, rsm::Page{"28482-98726-73623", 0, "09af3-cc343-b409f", 20}}},
      {"xep0313-ex22-complete-fin.xml",
       {true, true, rsm::Page{"23452-4534-1", 0, "390-2342-22", 16}}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.file);
    const auto ex = example(c.file);
    const auto fin = mam::parse_fin(ex);
    REQUIRE(fin);
    CHECK(*fin == c.fin);
    CHECK(canonical(mam::make_fin(c.fin)) == canonical(*ex.child("fin", mam::k_ns)));
  }
}

TEST_CASE("parse_fin: complete/stable as xs:boolean, no <set/>, no <fin/>") {
  const auto fin = mam::parse_fin(test::parse_stanza(
      "<iq type='result' id='a'><fin xmlns='urn:xmpp:mam:2' complete='1' stable='false'/></iq>"));
  REQUIRE(fin);
  CHECK(fin->complete);
  CHECK_FALSE(fin->stable);
  CHECK_FALSE(fin->page);
  const auto odd = mam::parse_fin(test::parse_stanza(
      "<iq type='result' id='a'><fin xmlns='urn:xmpp:mam:2' complete='yes' stable='0'/></iq>"));
  REQUIRE(odd);
  CHECK_FALSE(odd->complete);
  CHECK_FALSE(odd->stable);
  CHECK(canonical(mam::make_fin(*fin)) ==
        canonical(
            test::parse_stanza("<fin xmlns='urn:xmpp:mam:2' complete='true' stable='false'/>")));
  const auto none = mam::parse_fin(test::parse_stanza("<iq type='result' id='a'/>"));
  REQUIRE_FALSE(none);
  CHECK(none.error().kind == ErrorKind::protocol);
  CHECK(none.error().code == "bad_fin");
  // The mam:1 namespace is another protocol.
  CHECK_FALSE(mam::parse_fin(
      test::parse_stanza("<iq type='result' id='a'><fin xmlns='urn:xmpp:mam:1'/></iq>")));
}

TEST_CASE("cve_2020_26547_mam_result_origin: results count only from the archive asked, with our "
          "queryid (§8.2, SECURITY.md row 37)") {
  const auto own = jid("alice@example.test/res1");
  const auto room = jid("coven@chat.shakespeare.lit");
  auto result = [](const std::string& from, const std::string& queryid) {
    return test::parse_stanza(
        "<message to='alice@example.test/res1'" + (from.empty() ? "" : " from='" + from + "'") +
        "><result xmlns='urn:xmpp:mam:2'" + (queryid.empty() ? "" : " queryid='" + queryid + "'") +
        " id='r1'><forwarded xmlns='urn:xmpp:forward:0'><message><body>x</body></message>"
        "</forwarded></result></message>");
  };
  struct Case {
    std::string from;
    std::optional<Jid> archive;
    bool accepted;
  };
  const Case cases[] = {
      // Our own archive: the server speaks for the account (no from, or our bare JID).
      {"", std::nullopt, true},
      {"alice@example.test", std::nullopt, true},
      {"Alice@Example.Test", std::nullopt, true},
      {"alice@example.test", jid("alice@example.test"), true},
      {"", jid("alice@example.test"), true},
      {"alice@example.test/other", std::nullopt, false},
      {"example.test", std::nullopt, false},
      {"mallory@evil.example", std::nullopt, false},
      {"coven@chat.shakespeare.lit", std::nullopt, false},
      // A room's archive: only the room's bare JID.
      {"coven@chat.shakespeare.lit", room, true},
      {"COVEN@chat.shakespeare.lit", room, true},
      {"coven@chat.shakespeare.lit/firstwitch", room, false},
      {"", room, false},
      {"alice@example.test", room, false},
      {"chat.shakespeare.lit", room, false},
      {"other@chat.shakespeare.lit", room, false},
      {"not a jid@", room, false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.from);
    CAPTURE((c.archive ? c.archive->str() : "own"));
    CHECK(mam::is_from_archive(result(c.from, "q1"), c.archive, own) == c.accepted);
    CHECK(mam::is_result_of(result(c.from, "q1"), c.archive, own, "q1") == c.accepted);
    CHECK_FALSE(mam::is_result_of(result(c.from, "q2"), c.archive, own, "q1"));
    CHECK_FALSE(mam::is_result_of(result(c.from, ""), c.archive, own, "q1"));
  }
  // A query sent without queryid takes only results without one.
  CHECK(mam::is_result_of(result("", ""), std::nullopt, own, ""));
  CHECK_FALSE(mam::is_result_of(result("", "q1"), std::nullopt, own, ""));
  // Example 3 answers juliet's own query f27, example 27 the room's query g27.
  CHECK(mam::is_result_of(example("xep0313-ex3-result.xml"), std::nullopt, juliet(), "f27"));
  CHECK_FALSE(mam::is_result_of(example("xep0313-ex3-result.xml"), std::nullopt, juliet(), "f28"));
  const auto muc = example("xep0313-ex27-muc-result-first.xml");
  CHECK(mam::is_result_of(muc, jid("coven@chat.shakespeare.lit"), jid("hag66@shakespeare.lit/pda"),
                          "g27"));
  CHECK_FALSE(mam::is_result_of(muc, std::nullopt, jid("hag66@shakespeare.lit/pda"), "g27"));
  // Not a result at all.
  CHECK_FALSE(mam::is_result_of(test::parse_stanza("<message><body>hi</body></message>"),
                                std::nullopt, own, ""));
  CHECK(mam::is_own_archive(std::nullopt, own));
  CHECK(mam::is_own_archive(jid("alice@example.test"), own));
  CHECK_FALSE(mam::is_own_archive(jid("alice@example.test/res1"), own));
  CHECK_FALSE(mam::is_own_archive(room, own));
}

TEST_CASE("XEP-0313 example 21 and other archive errors, in words a person understands") {
  const auto own = jid("juliet@capulet.lit/balcony");
  const auto room = jid("coven@chat.shakespeare.lit");
  const auto error = stanza::to_error(example("xep0313-ex21-item-not-found.xml"), "");
  const auto by_id = mam::describe_error(error, std::nullopt, own, true);
  CHECK(by_id.kind == ErrorKind::remote);
  CHECK(by_id.code == "stanza_error");
  CHECK(by_id.condition == "item-not-found");
  CHECK(by_id.message == "a message id asked for is not (or no longer) in it (item-not-found)");
  CHECK(mam::describe_error(error, room, own, false).message ==
        "coven@chat.shakespeare.lit does not exist (item-not-found)");

  auto stanza_error = [](const std::string& condition, const std::string& text) {
    const std::string ns = "urn:ietf:params:xml:ns:xmpp-stanzas";
    std::string xml =
        "<iq type='error' id='q'><error type='cancel'><" + condition + " xmlns='" + ns + "'/>";
    if (!text.empty()) xml += "<text xmlns='" + ns + "'>" + text + "</text>";
    return stanza::to_error(test::parse_stanza(xml + "</error></iq>"), "");
  };
  CHECK(
      mam::describe_error(stanza_error("feature-not-implemented", ""), room, own, false).message ==
      "coven@chat.shakespeare.lit keeps no message archive (XEP-0313), or cannot "
      "filter as asked (feature-not-implemented)");
  CHECK(mam::describe_error(stanza_error("service-unavailable", "MAM disabled"), std::nullopt, own,
                            false)
            .message == "our server keeps no message archive (XEP-0313) we may read "
                        "(service-unavailable: MAM disabled)");
  CHECK(mam::describe_error(stanza_error("forbidden", ""), room, own, false).message ==
        "not allowed to read it (forbidden)");
  CHECK(mam::describe_error(stanza_error("registration-required", ""), room, own, false).message ==
        "not allowed to read it (registration-required)");
  CHECK(mam::describe_error(stanza_error("resource-constraint", ""), room, own, false).message ==
        "it is busy or limits queries; try again later (resource-constraint)");
  CHECK(mam::describe_error(stanza_error("undefined-condition", ""), room, own, false).message ==
        "the query failed (undefined-condition)");
  // Not a stanza error: unchanged.
  const auto timeout = make_error(ErrorKind::temporary, "timeout", "", "no reply within 5 s");
  const auto same = mam::describe_error(timeout, room, own, false);
  CHECK(same.message == timeout.message);
  CHECK(same.kind == ErrorKind::temporary);

  CHECK(mam::describe_archive(std::nullopt, own) == "our message archive (juliet@capulet.lit)");
  CHECK(mam::describe_archive(room, own) == "message archive of coven@chat.shakespeare.lit");
}
