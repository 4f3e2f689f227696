// XEP-0030 Service Discovery and XEP-0128 extension forms: the codec against the specs' numbered
// examples (tests/fixtures/xep0030-*.xml, xep0128-*.xml), tolerance of sloppy results, and the
// info/items operations over a scripted session.
#include <doctest/doctest.h>

#include "stanza/error.hpp"
#include "stanza/iq.hpp"
#include "xep/disco/disco.hpp"
#include "xep/disco/disco_ops.hpp"
#include "xep_examples.hpp"
#include "xep_fake_session.hpp"

using namespace xmpp;
using namespace std::chrono;
using test::canonical;
using test::example;
using test::jid;
using test::with_from;

namespace {

struct DiscoFixture {
  asio::io_context io;
  test::FakeSession session{io.get_executor(), jid("romeo@montague.net/orchard")};
};

}  // namespace

TEST_CASE("XEP-0030 examples 1, 9, 11, 18: requests are rebuilt by make_*_request") {
  struct Case {
    const char* file;
    bool info;
  };
  for (const auto& c :
       {Case{"xep0030-ex1-info-query.xml", true}, Case{"xep0030-ex9-node-info-query.xml", true},
        Case{"xep0030-ex11-items-query.xml", false},
        Case{"xep0030-ex18-node-items-query.xml", false}}) {
    CAPTURE(c.file);
    const auto ex = example(c.file);
    const auto to = jid(*ex.attr("to"));
    const auto* query = ex.child_in(c.info ? disco::k_ns_info : disco::k_ns_items);
    REQUIRE(query != nullptr);
    const auto built = c.info ? disco::make_info_request(to, query->attr("node"), *ex.attr("id"))
                              : disco::make_items_request(to, query->attr("node"), *ex.attr("id"));
    CHECK(canonical(with_from(built, ex)) == canonical(ex));
    CHECK(disco::is_info_request(ex) == c.info);
    CHECK(disco::is_items_request(ex) == !c.info);
  }
}

TEST_CASE("XEP-0030 example 2: identities and features; make_info_result rebuilds it") {
  const auto ex = example("xep0030-ex2-info-result.xml");
  const auto info = disco::parse_info_result(ex);
  REQUIRE(info.has_value());
  CHECK_FALSE(info->node.has_value());
  REQUIRE(info->identities.size() == 2);
  CHECK(info->identities[0] ==
        disco::Identity{"conference", "text", "Play-Specific Chatrooms", std::nullopt});
  CHECK(info->identities[1].category == "directory");
  CHECK(info->identities[1].type == "chatroom");
  CHECK(info->features.size() == 7);
  CHECK(info->features.front() == "http://jabber.org/protocol/disco#info");
  CHECK(info->has_feature("http://jabber.org/protocol/muc"));
  CHECK_FALSE(info->has_feature("urn:xmpp:http:upload:0"));
  CHECK(info->has_identity("conference", "text"));
  CHECK_FALSE(info->has_identity("conference", "irc"));
  CHECK(info->forms.empty());

  const auto request = example("xep0030-ex1-info-query.xml");
  CHECK(canonical(with_from(disco::make_info_result(request, *info), ex)) == canonical(ex));
}

TEST_CASE("XEP-0030 example 10: a node's info keeps the node") {
  const auto request = example("xep0030-ex9-node-info-query.xml");
  const auto ex = example("xep0030-ex10-node-info-result.xml");
  const auto info = disco::parse_info_result(ex);
  REQUIRE(info.has_value());
  CHECK(info->node == "http://jabber.org/protocol/commands");
  REQUIRE(info->identities.size() == 1);
  CHECK_FALSE(info->identities[0].name.has_value());
  CHECK(canonical(with_from(disco::make_info_result(request, *info), ex)) == canonical(ex));
}

TEST_CASE("XEP-0030 examples 12, 13, 17: items, the empty set, nodes") {
  const auto all = disco::parse_items_result(example("xep0030-ex12-items-result.xml"));
  REQUIRE(all.has_value());
  REQUIRE(all->items.size() == 8);
  CHECK(all->items[0] ==
        disco::DiscoItem{jid("people.shakespeare.lit"), std::nullopt, "Directory of Characters"});
  CHECK(all->items[7].jid == jid("en2fr.shakespeare.lit"));
  CHECK(all->skipped == 0);
  const auto request = example("xep0030-ex11-items-query.xml");
  const auto ex12 = example("xep0030-ex12-items-result.xml");
  CHECK(canonical(with_from(disco::make_items_result(request, *all), ex12)) == canonical(ex12));

  const auto empty = disco::parse_items_result(example("xep0030-ex13-empty-items.xml"));
  REQUIRE(empty.has_value());
  CHECK(empty->items.empty());

  const auto nodes = disco::parse_items_result(example("xep0030-ex17-nodes-result.xml"));
  REQUIRE(nodes.has_value());
  REQUIRE(nodes->items.size() == 3);
  CHECK(nodes->items[1].node == "clothing");
  CHECK(nodes->items[1].name == "Wear your literary taste with pride");
  CHECK(nodes->items[2].jid == jid("catalog.shakespeare.lit"));
}

TEST_CASE("XEP-0128 example 1: extension form fields by FORM_TYPE and var; round trip") {
  const auto ex = example("xep0128-ex1-serverinfo-result.xml");
  const auto info = disco::parse_info_result(ex);
  REQUIRE(info.has_value());
  REQUIRE(info->forms.size() == 1);
  const auto& form = info->forms[0];
  CHECK(form.form_type == "http://jabber.org/network/serverinfo");
  CHECK(form.fields.count("FORM_TYPE") == 0);
  CHECK(form.fields.at("ip_version") == std::vector<std::string>{"ipv4", "ipv6"});
  CHECK(info->field_value("http://jabber.org/network/serverinfo", "c2s_port") == "5222");
  CHECK(info->field_value("http://jabber.org/network/serverinfo", "ip_version") == "ipv4");
  CHECK_FALSE(info->field_value("http://jabber.org/network/serverinfo", "nope").has_value());
  CHECK_FALSE(info->field_value("urn:other", "c2s_port").has_value());
  CHECK(info->form("urn:other") == nullptr);

  // make_info_result writes fields in var order, so compare what parses back.
  const auto rebuilt = disco::make_info_result(
      test::parse_stanza("<iq type='get' id='disco1' from='capulet.com'><query "
                         "xmlns='http://jabber.org/protocol/disco#info'/></iq>"),
      *info);
  CHECK(rebuilt.attr("to") == "capulet.com");
  const auto reparsed = disco::parse_info_result(rebuilt);
  REQUIRE(reparsed.has_value());
  CHECK(*reparsed == *info);
}

TEST_CASE("disco#info: sloppy results are read as far as they make sense") {
  const auto info = disco::parse_info_result(test::parse_stanza(R"(
    <iq type='result' id='i'>
      <query xmlns='http://jabber.org/protocol/disco#info'>
        <identity category='client' type='pc' name='Gajim' xml:lang='en'/>
        <identity category='client'/>
        <identity type='pc'/>
        <feature var='urn:a'/>
        <feature/>
        <feature var='urn:b' xmlns='urn:elsewhere'/>
        <x xmlns='jabber:x:data' type='result'>
          <field var='no-form-type'><value>1</value></field>
        </x>
        <x xmlns='jabber:x:data' type='result'>
          <field var='FORM_TYPE' type='hidden'><value>urn:t</value></field>
          <field var='multi'><value>a</value></field>
          <field var='multi'><value>b</value></field>
          <field><value>no var</value></field>
          <field var='empty'/>
        </x>
        <x xmlns='jabber:x:data' type='result'>
          <field var='FORM_TYPE' type='hidden'><value>urn:t</value></field>
          <field var='second'><value>ignored by lookups</value></field>
        </x>
      </query>
    </iq>)"));
  REQUIRE(info.has_value());
  REQUIRE(info->identities.size() == 1);
  CHECK(info->identities[0].lang == "en");
  CHECK(info->features == std::vector<std::string>{"urn:a"});
  REQUIRE(info->forms.size() == 2);
  CHECK(info->forms[0].fields.at("multi") == std::vector<std::string>{"a", "b"});
  CHECK(info->forms[0].fields.at("empty").empty());
  CHECK_FALSE(info->field_value("urn:t", "empty").has_value());
  CHECK_FALSE(info->field_value("urn:t", "second").has_value());
  CHECK(info->field_value("urn:t", "multi") == "a");

  // The identity's xml:lang survives a rebuild.
  const auto rebuilt = disco::make_info_result(
      test::parse_stanza("<iq type='get' id='i' from='a@b/c'><query "
                         "xmlns='http://jabber.org/protocol/disco#info'/></iq>"),
      *info);
  CHECK(disco::parse_info_result(rebuilt)->identities == info->identities);
}

TEST_CASE("disco#items: items with a missing or invalid jid are skipped and counted") {
  const auto items = disco::parse_items_result(test::parse_stanza(R"(
    <iq type='result' id='i'>
      <query xmlns='http://jabber.org/protocol/disco#items' node='n'>
        <item jid='ok.example.test'/>
        <item name='no jid'/>
        <item jid='@example.test'/>
        <item jid='a@b@c'/>
        <item jid=''/>
        <item jid='user@example.test/res' node='x' name='Full'/>
      </query>
    </iq>)"));
  REQUIRE(items.has_value());
  CHECK(items->node == "n");
  CHECK(items->skipped == 4);
  REQUIRE(items->items.size() == 2);
  CHECK(items->items[1] == disco::DiscoItem{jid("user@example.test/res"), "x", "Full"});
}

TEST_CASE("disco: a result without the right <query/> is a protocol error") {
  const auto none = test::parse_stanza("<iq type='result' id='i'/>");
  const auto wrong = test::parse_stanza(
      "<iq type='result' id='i'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
  const auto info = disco::parse_info_result(none);
  REQUIRE_FALSE(info.has_value());
  CHECK(info.error().kind == ErrorKind::protocol);
  CHECK(info.error().code == "bad_reply");
  CHECK_FALSE(disco::parse_info_result(wrong).has_value());
  CHECK_FALSE(disco::parse_items_result(none).has_value());
  CHECK(disco::parse_items_result(wrong).has_value());
}

TEST_CASE("disco::info sends the request with its node and parses the result") {
  DiscoFixture f;
  f.session.responder = [](const xml::Element& iq) {
    disco::DiscoInfo info;
    info.node = iq.child("query", disco::k_ns_info)->attr("node");
    info.features = {"urn:xmpp:ping"};
    return std::optional(disco::make_info_result(iq, info));
  };
  const auto info = test::run_coroutine<Result<disco::DiscoInfo>>(f.io, [&] {
    return disco::info(f.session, jid("pubsub.example.test"), "princely_musings", seconds(5));
  });
  REQUIRE(info.has_value());
  CHECK(info->node == "princely_musings");
  CHECK(info->has_feature("urn:xmpp:ping"));
  REQUIRE(f.session.requests.size() == 1);
  CHECK(disco::is_info_request(f.session.requests[0]));
  CHECK(f.session.requests[0].attr("to") == "pubsub.example.test");
}

TEST_CASE("disco::items parses; errors keep the condition and name what was asked") {
  DiscoFixture f;
  f.session.responder = [](const xml::Element& iq) -> std::optional<xml::Element> {
    if (iq.attr("to") == "gone.example.test")
      return stanza::make_error_reply(iq, stanza::make_stanza_error("item-not-found"));
    if (iq.attr("to") == "broken.example.test") return stanza::make_result(iq);
    disco::DiscoItems items;
    items.items = {disco::DiscoItem{jid("upload.example.test"), std::nullopt, "Upload"}};
    return disco::make_items_result(iq, items);
  };
  const auto ok = test::run_coroutine<Result<disco::DiscoItems>>(
      f.io, [&] { return disco::items(f.session, jid("example.test"), std::nullopt, seconds(5)); });
  REQUIRE(ok.has_value());
  REQUIRE(ok->items.size() == 1);
  CHECK(ok->items[0].name == "Upload");

  const auto gone = test::run_coroutine<Result<disco::DiscoItems>>(
      f.io, [&] { return disco::items(f.session, jid("gone.example.test"), "n1", seconds(5)); });
  REQUIRE_FALSE(gone.has_value());
  CHECK(gone.error().kind == ErrorKind::remote);
  CHECK(gone.error().condition == "item-not-found");
  CHECK(gone.error().message.rfind("disco#items to gone.example.test node n1: item-not-found", 0) ==
        0);

  const auto broken = test::run_coroutine<Result<disco::DiscoInfo>>(f.io, [&] {
    return disco::info(f.session, jid("broken.example.test"), std::nullopt, seconds(5));
  });
  REQUIRE_FALSE(broken.has_value());
  CHECK(broken.error().kind == ErrorKind::protocol);
  CHECK(broken.error().message.rfind("disco#info to broken.example.test: ", 0) == 0);

  const auto silent = test::run_coroutine<Result<disco::DiscoInfo>>(f.io, [&] {
    f.session.responder = nullptr;
    return disco::info(f.session, jid("example.test"), std::nullopt, milliseconds(30));
  });
  REQUIRE_FALSE(silent.has_value());
  CHECK(silent.error().kind == ErrorKind::temporary);
  CHECK(silent.error().code == "timeout");
}

TEST_CASE("XEP-0128 forms: a FORM_TYPE that is not hidden or has several values is recorded") {
  const auto info = disco::parse_info_result(test::parse_stanza(R"(
    <iq type='result' id='i'>
      <query xmlns='http://jabber.org/protocol/disco#info'>
        <x xmlns='jabber:x:data' type='result'>
          <field var='FORM_TYPE' type='hidden'><value>urn:hidden</value></field>
        </x>
        <x xmlns='jabber:x:data' type='result'>
          <field var='FORM_TYPE'><value>urn:visible</value></field>
          <field var='a'><value>1</value></field>
        </x>
        <x xmlns='jabber:x:data' type='result'>
          <field var='FORM_TYPE' type='hidden'><value>urn:one</value><value>urn:two</value></field>
        </x>
        <x xmlns='jabber:x:data' type='result'>
          <field var='FORM_TYPE' type='hidden'><value>urn:same</value></field>
          <field var='FORM_TYPE' type='hidden'><value>urn:same</value></field>
        </x>
        <x xmlns='jabber:x:data' type='result'>
          <field var='FORM_TYPE' type='hidden'/>
          <field var='FORM_TYPE' type='text-single'><value>urn:late</value></field>
        </x>
      </query>
    </iq>)"));
  REQUIRE(info.has_value());
  REQUIRE(info->forms.size() == 5);
  CHECK(info->forms[0].form_type_hidden);
  CHECK_FALSE(info->forms[0].form_type_ambiguous);
  CHECK_FALSE(info->forms[1].form_type_hidden);
  CHECK(info->forms[1].fields.at("a") == std::vector<std::string>{"1"});
  CHECK(info->forms[2].form_type == "urn:one");
  CHECK(info->forms[2].form_type_ambiguous);
  CHECK_FALSE(info->forms[3].form_type_ambiguous);
  // The FORM_TYPE field that gives the value decides whether it was hidden.
  CHECK(info->forms[4].form_type == "urn:late");
  CHECK_FALSE(info->forms[4].form_type_hidden);

  // make_info_result writes type='hidden' only where the form had it, so the flag round-trips.
  const auto rebuilt = disco::make_info_result(
      test::parse_stanza("<iq type='get' id='i' from='a@b/c'><query "
                         "xmlns='http://jabber.org/protocol/disco#info'/></iq>"),
      *info);
  const auto reparsed = disco::parse_info_result(rebuilt);
  REQUIRE(reparsed.has_value());
  REQUIRE(reparsed->forms.size() == 5);
  CHECK(reparsed->forms[0].form_type_hidden);
  CHECK_FALSE(reparsed->forms[1].form_type_hidden);
  CHECK(reparsed->forms[1] == info->forms[1]);
}

TEST_CASE("disco#items: one result is one page; paging fields are items_all's") {
  const auto items = disco::parse_items_result(example("xep0030-ex12-items-result.xml"));
  REQUIRE(items.has_value());
  CHECK(items->pages == 1);
  CHECK_FALSE(items->count.has_value());
  CHECK_FALSE(items->truncated);
}
