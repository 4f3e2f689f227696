// XEP-0359 Unique and Stable Stanza IDs against the spec's examples 2 and 3: origin-id as the
// sender set it, stanza-id only from the entity we ask for (§7).
#include <doctest/doctest.h>

#include "xep/sid/sid.hpp"
#include "xep_examples.hpp"

using namespace xmpp;
using test::canonical;
using test::example;
using test::jid;

TEST_CASE("XEP-0359 example 2: the origin-id") {
  const auto message = example("xep0359-ex2-origin-id.xml");
  CHECK(sid::origin_id(message) == "de305d54-75b4-431b-adb2-eb6b9e546013");
  CHECK_FALSE(sid::stanza_id(message, jid("room@muc.example.com")));
}

TEST_CASE("XEP-0359 example 3: the stanza-id of the room, the origin-id kept") {
  const auto message = example("xep0359-ex3-stanza-id.xml");
  CHECK(sid::origin_id(message) == "de305d54-75b4-431b-adb2-eb6b9e546013");
  CHECK(sid::stanza_id(message, jid("room@muc.example.com")) ==
        "5f3dbc5e-e1d3-4077-a492-693f3769c7ad");
  // Only the assigning entity vouches for an id (§7): anyone else's name finds nothing.
  CHECK_FALSE(sid::stanza_id(message, jid("juliet@capulet.example")));
  CHECK_FALSE(sid::stanza_id(message, jid("room@muc.example.com/nick")));
  CHECK_FALSE(sid::stanza_id(message, jid("muc.example.com")));
}

TEST_CASE("make_origin_id builds what example 2 carries") {
  const auto message = example("xep0359-ex2-origin-id.xml");
  const auto* example = message.child("origin-id", sid::k_ns);
  REQUIRE(example != nullptr);
  CHECK(canonical(sid::make_origin_id("de305d54-75b4-431b-adb2-eb6b9e546013")) ==
        canonical(*example));
}

TEST_CASE("stanza_id compares 'by' as a normalised JID and skips incomplete elements") {
  const auto message = test::parse_stanza(
      "<message><stanza-id xmlns='urn:xmpp:sid:0' id='no-by'/>"
      "<stanza-id xmlns='urn:xmpp:sid:0' by='not a jid@@'/>"
      "<stanza-id xmlns='urn:xmpp:sid:0' by='Juliet@Capulet.Example' id=''/>"
      "<stanza-id xmlns='urn:xmpp:sid:0' by='Juliet@Capulet.Example' id='s-1'/></message>");
  CHECK(sid::stanza_id(message, jid("juliet@capulet.example")) == "s-1");
}

TEST_CASE("origin_id: only a direct child with a non-empty id counts") {
  CHECK_FALSE(sid::origin_id(test::parse_stanza("<message><body>x</body></message>")));
  CHECK_FALSE(
      sid::origin_id(test::parse_stanza("<message><origin-id xmlns='urn:xmpp:sid:0'/></message>")));
  CHECK_FALSE(sid::origin_id(
      test::parse_stanza("<message><origin-id xmlns='urn:xmpp:sid:0' id=''/></message>")));
  CHECK_FALSE(sid::origin_id(test::parse_stanza(
      "<message><origin-id xmlns='urn:xmpp:sid:1' id='other-version'/></message>")));
  // A forwarded message's origin-id belongs to that message, not to the wrapper.
  CHECK_FALSE(sid::origin_id(test::parse_stanza(
      "<message><forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client'>"
      "<origin-id xmlns='urn:xmpp:sid:0' id='inner'/></message></forwarded></message>")));
}
