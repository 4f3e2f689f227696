// XEP-0059 Result Set Management: the <set/> codec against the spec's numbered examples
// (tests/fixtures/xep0059-*.xml), both directions, and tolerance of malformed numbers.
#include <doctest/doctest.h>

#include "xep/rsm/rsm.hpp"
#include "xep_examples.hpp"

using namespace xmpp;
using test::canonical;
using test::example;

namespace {

/// The <query/> (the payload, whatever its namespace) of an example iq.
const xml::Element& query_of(const xml::Element& iq) {
  const auto children = iq.elements();
  REQUIRE_FALSE(children.empty());
  REQUIRE(children.front()->name() == "query");
  return *children.front();
}

const xml::Element& set_of(const xml::Element& iq) {
  const auto* set = query_of(iq).child("set", rsm::k_ns);
  REQUIRE(set != nullptr);
  return *set;
}

}  // namespace

TEST_CASE("XEP-0059 requests (examples 3, 5, 8, 11, 12, 15, 17, 19): parsed and rebuilt") {
  struct Case {
    const char* file;
    rsm::Request request;
  };
  const Case cases[] = {
      {"xep0059-ex3-first-page-request.xml", {10, std::nullopt, std::nullopt, std::nullopt}},
      {"xep0059-ex5-second-page-request.xml",
       {10, "peterpan@neverland.lit", std::nullopt, std::nullopt}},
      {"xep0059-ex8-previous-page-request.xml",
       {10, std::nullopt, "peter@pixyland.org", std::nullopt}},
      {"xep0059-ex11-last-page-request.xml", {10, std::nullopt, "", std::nullopt}},
      {"xep0059-ex12-index-request.xml", {10, std::nullopt, std::nullopt, 371}},
      {"xep0059-ex15-count-request.xml", {0, std::nullopt, std::nullopt, std::nullopt}},
      {"xep0059-ex17-disco-limit-request.xml", {20, std::nullopt, std::nullopt, std::nullopt}},
      {"xep0059-ex19-disco-after-request.xml",
       {20, "4da91d4b330112f683dddaebf93180b1bd25e95f", std::nullopt, std::nullopt}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.file);
    const auto ex = example(c.file);
    const auto parsed = rsm::parse_request(query_of(ex));
    REQUIRE(parsed.has_value());
    CHECK(*parsed == c.request);
    CHECK(canonical(rsm::make_set(c.request)) == canonical(set_of(ex)));
  }
}

TEST_CASE("XEP-0059 results (examples 4, 6, 7, 13, 16, 18): pages parsed and rebuilt") {
  struct Case {
    const char* file;
    rsm::Page page;
  };
  const Case cases[] = {
      {"xep0059-ex4-first-page-result.xml",
       {"stpeter@jabber.org", 0, "peterpan@neverland.lit", 800}},
      {"xep0059-ex6-second-page-result.xml", {"peter@pixyland.org", 10, "peter@rabbit.lit", 800}},
      {"xep0059-ex7-empty-page.xml", {std::nullopt, std::nullopt, std::nullopt, 790}},
      {"xep0059-ex13-index-result.xml", {"peter@pixyland.org", 371, "peter@rabbit.lit", 800}},
      {"xep0059-ex16-count-result.xml", {std::nullopt, std::nullopt, std::nullopt, 800}},
      {"xep0059-ex18-disco-limited-result.xml",
       {"acc3594e844c77696f7a7ba9367ae324b6b958ad", 0, "4da91d4b330112f683dddaebf93180b1bd25e95f",
        150}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.file);
    const auto ex = example(c.file);
    const auto parsed = rsm::parse_set(query_of(ex));
    REQUIRE(parsed.has_value());
    CHECK(*parsed == c.page);
    CHECK(canonical(rsm::make_page(c.page)) == canonical(set_of(ex)));
  }
}

TEST_CASE("XEP-0059: a result or request without <set/> has none") {
  // XEP-0030 example 12 is a disco#items result from an entity that does not page.
  const auto items = example("xep0030-ex12-items-result.xml");
  CHECK_FALSE(rsm::parse_set(query_of(items)).has_value());
  CHECK_FALSE(rsm::parse_request(query_of(items)).has_value());
  // Only the rsm namespace counts.
  const auto other = test::parse_stanza(
      "<iq type='result' id='x'><query xmlns='http://jabber.org/protocol/disco#items'>"
      "<set xmlns='urn:example:not-rsm'><count>3</count></set></query></iq>");
  CHECK_FALSE(rsm::parse_set(query_of(other)).has_value());
}

TEST_CASE("XEP-0059: malformed numbers are left out, the rest of the set is kept") {
  const auto iq = test::parse_stanza(R"(
    <iq type='result' id='x'>
      <query xmlns='http://jabber.org/protocol/disco#items'>
        <set xmlns='http://jabber.org/protocol/rsm'>
          <first index='-1'>a</first>
          <last>z</last>
          <count>many</count>
        </set>
      </query>
    </iq>)");
  const auto page = rsm::parse_set(query_of(iq));
  REQUIRE(page.has_value());
  CHECK(page->first == "a");
  CHECK_FALSE(page->first_index.has_value());
  CHECK(page->last == "z");
  CHECK_FALSE(page->count.has_value());

  for (const char* bad :
       {"", "-5", "+", "+-5", "5x", "0x10", "1.5", "99999999999999999999999999"}) {
    CAPTURE(bad);
    auto query = xml::Element("query", "urn:x");
    query.add_child(rsm::make_set({}))
        .add_child(xml::Element("count", std::string(rsm::k_ns)))
        .add_text(bad);
    const auto parsed = rsm::parse_set(query);
    REQUIRE(parsed.has_value());
    CHECK_FALSE(parsed->count.has_value());
  }

  // XML Schema's xs:int collapses surrounding whitespace and allows a '+' sign.
  const auto spaced =
      test::parse_stanza("<iq type='set' id='x'><query xmlns='jabber:iq:search'><set "
                         "xmlns='http://jabber.org/protocol/rsm'><max>\n 15 "
                         "\n</max><index>+3</index></set></query></iq>");
  const auto request = rsm::parse_request(query_of(spaced));
  REQUIRE(request.has_value());
  CHECK(request->max == 15u);
  CHECK(request->index == 3u);
  CHECK_FALSE(request->after.has_value());
  CHECK_FALSE(request->before.has_value());
}

TEST_CASE("XEP-0059: an empty request is an empty <set/>; a page with one item has first == last") {
  const auto set = rsm::make_set({});
  CHECK(set.is("set", rsm::k_ns));
  CHECK(set.elements().empty());

  const auto page = rsm::make_page({"only", 4, "only", 5});
  auto query = xml::Element("query", "urn:x");
  query.add_child(page);
  const auto parsed = rsm::parse_set(query);
  REQUIRE(parsed.has_value());
  CHECK(parsed->first == parsed->last);
  CHECK(parsed->first_index == 4u);
}
