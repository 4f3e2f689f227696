// XEP-0280 Message Carbons against the spec's examples: enable/disable (3, 6), a received copy
// (9, 10), a sent copy (12, 13), and the impersonation attempt of example 11 (§11, SECURITY.md
// row 36, CVE-2017-5589).
#include <doctest/doctest.h>

#include "xep/carbons/carbons.hpp"
#include "xep_examples.hpp"

using namespace xmpp;
using test::canonical;
using test::example;
using test::jid;

namespace {

/// Our builders leave 'from' to the server and 'id' to Session::request.
xml::Element as_example(xml::Element built, const xml::Element& example) {
  for (const char* name : {"from", "id"})
    if (auto value = example.attr(name)) built.set_attr(name, *value);
  return built;
}

const Jid& romeo_home() {
  static const Jid j = jid("romeo@montague.example/home");
  return j;
}

}  // namespace

TEST_CASE("XEP-0280 examples 3 and 6: enable and disable") {
  const auto enable = example("xep0280-ex3-enable.xml");
  CHECK(canonical(as_example(carbons::make_enable(), enable)) == canonical(enable));
  const auto disable = example("xep0280-ex6-disable.xml");
  CHECK(canonical(as_example(carbons::make_disable(), disable)) == canonical(disable));
  CHECK_FALSE(carbons::make_enable().attr("to"));  // to our own server (§4)
}

TEST_CASE("XEP-0280 example 10: a received copy unwraps to example 9") {
  const auto copy = example("xep0280-ex10-received.xml");
  CHECK(carbons::is_carbon(copy));
  auto carbon = carbons::unwrap(copy, romeo_home());
  REQUIRE(carbon);
  CHECK(carbon->direction == carbons::Direction::received);
  CHECK(canonical(carbon->message) == canonical(example("xep0280-ex9-directed.xml")));
  CHECK(carbons::to_string(carbon->direction) == "received");
}

TEST_CASE("XEP-0280 example 13: a sent copy unwraps to example 12") {
  const auto copy = example("xep0280-ex13-sent.xml");
  auto carbon = carbons::unwrap(copy, jid("romeo@montague.example/garden"));
  REQUIRE(carbon);
  CHECK(carbon->direction == carbons::Direction::sent);
  CHECK(canonical(carbon->message) == canonical(example("xep0280-ex12-outbound.xml")));
  CHECK(carbons::to_string(carbon->direction) == "sent");
}

TEST_CASE("cve_2017_5589_forged_carbon XEP-0280 example 11: a copy from anyone but our bare JID is refused (§11)") {
  const auto forged = example("xep0280-ex11-impersonation.xml");
  CHECK(carbons::is_carbon(forged));  // a copy all the same: never shown as a plain message
  auto carbon = carbons::unwrap(forged, romeo_home());
  REQUIRE_FALSE(carbon);
  CHECK(carbon.error().code == "forged_carbon");
  CHECK(carbon.error().kind == ErrorKind::protocol);

  auto copy = example("xep0280-ex10-received.xml");
  // Another resource of our own account is not the account (the 'from' MUST be the bare JID).
  copy.set_attr("from", "romeo@montague.example/garden");
  CHECK(carbons::unwrap(copy, romeo_home()).error().code == "forged_carbon");
  copy.set_attr("from", "montague.example");
  CHECK(carbons::unwrap(copy, romeo_home()).error().code == "forged_carbon");
  copy.set_attr("from", "romeo@evil.example");
  CHECK(carbons::unwrap(copy, romeo_home()).error().code == "forged_carbon");
  copy.set_attr("from", "not@@a jid");
  CHECK(carbons::unwrap(copy, romeo_home()).error().code == "forged_carbon");
  // Equal after normalisation is equal (RFC 7622 case mapping of the localpart).
  copy.set_attr("from", "Romeo@Montague.Example");
  CHECK(carbons::unwrap(copy, romeo_home()));
  // No 'from': the server speaking for the account (RFC 6120 §8.1.2.1).
  copy.remove_attr("from");
  CHECK(carbons::unwrap(copy, romeo_home()));
}

TEST_CASE("malformed copies are refused; an ordinary message is no carbon") {
  const Jid& own = romeo_home();
  const auto directed = example("xep0280-ex9-directed.xml");
  CHECK_FALSE(carbons::is_carbon(directed));
  CHECK(carbons::unwrap(directed, own).error().code == "bad_carbon");
  const auto bad = [&](std::string_view text) {
    auto r = carbons::unwrap(test::parse_stanza(text), own);
    return !r && r.error().code == "bad_carbon";
  };
  CHECK(bad("<message from='romeo@montague.example'><received xmlns='urn:xmpp:carbons:2'/>"
            "</message>"));
  CHECK(bad("<message from='romeo@montague.example'><received xmlns='urn:xmpp:carbons:2'>"
            "<forwarded xmlns='urn:xmpp:forward:0'/></received></message>"));
  CHECK(bad("<message from='romeo@montague.example'><received xmlns='urn:xmpp:carbons:2'>"
            "<forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client'/>"
            "<message xmlns='jabber:client'/></forwarded></received></message>"));
  CHECK(bad("<message from='romeo@montague.example'><received xmlns='urn:xmpp:carbons:2'>"
            "<forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:server'/>"
            "</forwarded></received></message>"));
  CHECK(bad("<message from='romeo@montague.example'><received xmlns='urn:xmpp:carbons:2'>"
            "<forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client'/></forwarded>"
            "</received><sent xmlns='urn:xmpp:carbons:2'/></message>"));
  // The older carbons:1 namespace is not this protocol.
  CHECK_FALSE(carbons::is_carbon(
      test::parse_stanza("<message><received xmlns='urn:xmpp:carbons:1'/></message>")));
}
