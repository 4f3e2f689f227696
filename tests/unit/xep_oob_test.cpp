// XEP-0066 Out of Band Data, jabber:x:oob (§4), against the spec's example 5.
#include <doctest/doctest.h>

#include "stanza/message.hpp"
#include "xep/oob/oob.hpp"
#include "xep_examples.hpp"

using namespace xmpp;
using test::canonical;
using test::example;

TEST_CASE("XEP-0066 example 5: the URL a message communicates") {
  const auto message = example("xep0066-ex5-x-oob.xml");
  CHECK(oob::oob_url(message) == "http://www.jabber.org/images/psa-license.jpg");
  CHECK_FALSE(oob::oob_desc(message));
}

TEST_CASE("make_oob builds example 5's <x/>") {
  const auto message = example("xep0066-ex5-x-oob.xml");
  const auto* example = message.child("x", oob::k_ns);
  REQUIRE(example != nullptr);
  CHECK(canonical(oob::make_oob("http://www.jabber.org/images/psa-license.jpg")) ==
        canonical(*example));
}

TEST_CASE("make_oob with a description round-trips through oob_url and oob_desc") {
  auto m = stanza::make_message("b@example.org", stanza::MessageType::chat, "a file");
  m.add_child(oob::make_oob("https://upload.example.org/x/a%20b.png", "holiday <photo>"));
  CHECK(oob::oob_url(m) == "https://upload.example.org/x/a%20b.png");
  CHECK(oob::oob_desc(m) == "holiday <photo>");
}

TEST_CASE("oob_url: no <x/>, no <url/>, an empty one or another namespace is no URL") {
  CHECK_FALSE(oob::oob_url(test::parse_stanza("<message><body>x</body></message>")));
  CHECK_FALSE(oob::oob_url(test::parse_stanza("<message><x xmlns='jabber:x:oob'/></message>")));
  CHECK_FALSE(
      oob::oob_url(test::parse_stanza("<message><x xmlns='jabber:x:oob'><url/></x></message>")));
  CHECK_FALSE(oob::oob_url(test::parse_stanza(
      "<message><x xmlns='jabber:x:oob'><url xmlns='urn:other'>u</url></x></message>")));
  CHECK_FALSE(oob::oob_url(
      test::parse_stanza("<message><x xmlns='jabber:iq:oob'><url>u</url></x></message>")));
}
