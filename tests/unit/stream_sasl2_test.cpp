// XEP-0388 SASL2 / XEP-0386 Bind 2 elements (stream/sasl2.hpp): the offer read from the stream
// features, the <authenticate/> built, and what a <success/> carries.
#include <doctest/doctest.h>

#include "core/base64.hpp"
#include "stream/sasl2.hpp"
#include "stream_support.hpp"

using namespace xmpp;
using namespace xmpp::stream;
using xmpp::test::parse;
using xmpp::test::str;

TEST_CASE("sasl2: the offer: mechanisms in order, Bind 2 and its XEP-0198 inline feature") {
  const auto f =
      parse("<stream:features><authentication xmlns='urn:xmpp:sasl:2'><mechanism> SCRAM-SHA-1 "
            "</mechanism><mechanism>PLAIN</mechanism><inline><bind xmlns='urn:xmpp:bind:0'><inline>"
            "<feature var='urn:xmpp:carbons:2'/><feature var='urn:xmpp:sm:3'/></inline></bind>"
            "</inline></authentication></stream:features>");
  const auto offer = parse_sasl2_offer(f);
  REQUIRE(offer);
  CHECK(offer->mechanisms == std::vector<std::string>{"SCRAM-SHA-1", "PLAIN"});
  CHECK(offer->bind2);
  CHECK(offer->bind2_sm);

  const auto bare = parse_sasl2_offer(
      parse("<stream:features><authentication xmlns='urn:xmpp:sasl:2'><mechanism>PLAIN"
            "</mechanism><inline><sm xmlns='urn:xmpp:sm:3'/></inline></authentication>"
            "</stream:features>"));
  REQUIRE(bare);
  CHECK_FALSE(bare->bind2);
  CHECK_FALSE(bare->bind2_sm);  // SASL2's own <sm/> is resumption, not Bind 2's enable

  CHECK_FALSE(parse_sasl2_offer(
      parse("<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>"
            "PLAIN</mechanism></mechanisms></stream:features>")));
}

TEST_CASE("sasl2: <authenticate/> with and without initial response and Bind 2") {
  Sasl2Request r;
  r.mechanism = "PLAIN";
  r.initial_response = std::string("\0a\0b", 4);
  r.bind2 = true;
  r.enable_sm = true;
  CHECK(str(make_authenticate(r)) ==
        "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='PLAIN'><initial-response>" +
            base64_encode(std::string("\0a\0b", 4)) +
            "</initial-response><bind xmlns='urn:xmpp:bind:0'><enable xmlns='urn:xmpp:sm:3' "
            "resume='true'/></bind></authenticate>");
  Sasl2Request empty;
  empty.mechanism = "ANONYMOUS";
  empty.initial_response = std::string();
  CHECK(str(make_authenticate(empty)) ==
        "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='ANONYMOUS'><initial-response/>"
        "</authenticate>");
  Sasl2Request none;
  none.mechanism = "X";
  CHECK(str(make_authenticate(none)) == "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='X'/>");
}

TEST_CASE("sasl2: <success/> parsed: additional data, identifier, Bind 2 and XEP-0198") {
  auto s = parse_sasl2_success(
      parse("<success xmlns='urn:xmpp:sasl:2'><additional-data>" + base64_encode("v=abc") +
            "</additional-data><authorization-identifier>a@example.test/r"
            "</authorization-identifier><bound xmlns='urn:xmpp:bind:0'><enabled "
            "xmlns='urn:xmpp:sm:3' id='x' resume='1'/></bound></success>"));
  REQUIRE(s);
  CHECK(s->additional_data == std::string("v=abc"));
  CHECK(s->authorization_identifier == "a@example.test/r");
  CHECK(s->bound);
  REQUIRE(s->sm_result);
  CHECK(s->sm_result->name() == "enabled");

  auto plain = parse_sasl2_success(
      parse("<success xmlns='urn:xmpp:sasl:2'><authorization-identifier>a@example.test"
            "</authorization-identifier></success>"));
  REQUIRE(plain);
  CHECK_FALSE(plain->additional_data);
  CHECK_FALSE(plain->bound);

  auto no_id = parse_sasl2_success(parse("<success xmlns='urn:xmpp:sasl:2'/>"));
  REQUIRE_FALSE(no_id);
  CHECK(no_id.error().condition == "bad-format");
  auto bad64 = parse_sasl2_success(
      parse("<success xmlns='urn:xmpp:sasl:2'><additional-data>!!!</additional-data>"
            "<authorization-identifier>a@example.test</authorization-identifier></success>"));
  REQUIRE_FALSE(bad64);
  CHECK(bad64.error().condition == "bad-format");
}

TEST_CASE("sasl2: <continue/> task names") {
  CHECK(sasl2_tasks(parse("<continue xmlns='urn:xmpp:sasl:2'><tasks><task>A</task><task>B</task>"
                          "</tasks></continue>")) == std::vector<std::string>{"A", "B"});
  CHECK(sasl2_tasks(parse("<continue xmlns='urn:xmpp:sasl:2'/>")).empty());
}
