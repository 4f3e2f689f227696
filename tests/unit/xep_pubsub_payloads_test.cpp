// Payload presets of `xmpp pubsub publish`: the --text default element, the Atom entry (RFC 4287
// §4.1.2, compared with XEP-0060 example 1's entry), XEP-0080 geoloc (its example 1 layout) and
// XEP-0335 JSON; each built, serialised and read back byte-exact.
#include <doctest/doctest.h>

#include <regex>
#include <set>

#include "xep/pubsub/payloads.hpp"
#include "xml/writer.hpp"
#include "xep_examples.hpp"

using namespace xmpp;

namespace {

time::Timestamp at(std::string_view text) {
  auto t = time::parse_datetime(text);
  REQUIRE(t);
  return *t;
}

/// Serialised and parsed again, as the item travels.
xml::Element round_trip(const xml::Element& e) {
  const auto message =
      test::parse_stanza("<message>" + xml::to_string(e, "jabber:client") + "</message>");
  REQUIRE(message.elements().size() == 1);
  return *message.elements().front();
}

}  // namespace

TEST_CASE("--text: <data xmlns='https://prosody.im/protocol/data'> carries the text exactly") {
  const std::string text = "  build #42 <ok> & \"done\"\n\ttabs, ünïcode, 🚀  \n";
  auto e = pubsub::make_text(text);
  REQUIRE(e);
  CHECK(e->is("data", "https://prosody.im/protocol/data"));
  CHECK(xml::to_string(*e).rfind("<data xmlns='https://prosody.im/protocol/data'>", 0) == 0);
  CHECK(pubsub::text_of(round_trip(*e)) == text);
  // Empty text is an empty element.
  auto empty = pubsub::make_text("");
  REQUIRE(empty);
  CHECK(pubsub::text_of(*empty) == "");
  CHECK_FALSE(pubsub::text_of(xml::Element("data", "urn:other")));
  // Text XML cannot carry: data error, not a throw from the writer.
  for (const std::string& bad : {std::string("a\x01z"), std::string("\xff\xfe"), std::string(1, '\0')}) {
    const auto refused = pubsub::make_text(bad);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == ErrorKind::data);
    CHECK(refused.error().code == "bad_payload");
  }
}

TEST_CASE("--atom: an RFC 4287 entry with title, link, summary, id, updated (XEP-0060 ex. 1)") {
  pubsub::AtomEntry entry{"Soliloquy", "http://denmark.lit/2003/12/13/atom03",
                          "To be, or not to be", "tag:denmark.lit,2003:entry-32397",
                          at("2003-12-13T18:30:02Z")};
  auto e = pubsub::make_atom_entry(entry);
  REQUIRE(e);
  const std::string atom = "http://www.w3.org/2005/Atom";
  CHECK(e->is("entry", atom));
  // Example 1's entry, less its <published/>, in our element order.
  const auto expected = test::parse_stanza(
      "<message><entry xmlns='http://www.w3.org/2005/Atom'><title type='text'>Soliloquy</title>"
      "<link rel='alternate' href='http://denmark.lit/2003/12/13/atom03'/>"
      "<summary type='text'>To be, or not to be</summary>"
      "<id>tag:denmark.lit,2003:entry-32397</id><updated>2003-12-13T18:30:02Z</updated>"
      "</entry></message>");
  CHECK(test::canonical(*e) == test::canonical(*expected.elements().front()));
  auto back = pubsub::parse_atom_entry(round_trip(*e));
  REQUIRE(back);
  CHECK(*back == entry);

  // Only the title: link and summary are left out.
  entry.link.reset();
  entry.summary.reset();
  e = pubsub::make_atom_entry(entry);
  REQUIRE(e);
  CHECK(e->elements().size() == 3);

  entry.title.clear();
  const auto untitled = pubsub::make_atom_entry(entry);
  REQUIRE_FALSE(untitled);
  CHECK(untitled.error().kind == ErrorKind::usage);
  entry.title = "t\x02";
  CHECK(pubsub::make_atom_entry(entry).error().kind == ErrorKind::data);

  const auto broken = pubsub::parse_atom_entry(xml::Element("entry", atom));
  REQUIRE_FALSE(broken);
  CHECK(broken.error().kind == ErrorKind::protocol);
}

TEST_CASE("Atom ids are urn:uuid version 4, different each time (RFC 4122 §4.4)") {
  const std::regex uuid4("urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const auto id = pubsub::new_atom_id();
    CHECK(std::regex_match(id, uuid4));
    seen.insert(id);
  }
  CHECK(seen.size() == 50);
}

TEST_CASE("--geoloc: XEP-0080 lat, lon, accuracy, text in the schema's order") {
  auto geo = pubsub::parse_lat_lon("45.44, 12.33");
  REQUIRE(geo);
  CHECK(geo->lat == "45.44");
  CHECK(geo->lon == "12.33");
  geo->accuracy = "20";
  geo->text = "Venice";
  auto e = pubsub::make_geoloc(*geo);
  REQUIRE(e);
  CHECK(e->is("geoloc", "http://jabber.org/protocol/geoloc"));
  CHECK(e->attr_ns(xml::k_ns_xml, "lang") == "en");
  const auto children = e->elements();
  REQUIRE(children.size() == 4);
  CHECK(children[0]->name() == "accuracy");
  CHECK(children[1]->name() == "lat");
  CHECK(children[2]->name() == "lon");
  CHECK(children[3]->name() == "text");
  auto back = pubsub::parse_geoloc(round_trip(*e));
  REQUIRE(back);
  CHECK(*back == *geo);
  CHECK(pubsub::k_node_geoloc == "http://jabber.org/protocol/geoloc");

  CHECK(pubsub::parse_lat_lon("-90,180"));
  CHECK(pubsub::parse_lat_lon("+0.5,-179.999999"));
  for (const char* bad : {"45.44", "91,0", "0,180.5", "1e2,3", "abc,1", ",", "1,", "1.2.3,4",
                          "0x10,1", " ,1"}) {
    CAPTURE(bad);
    const auto refused = pubsub::parse_lat_lon(bad);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == ErrorKind::usage);
    CHECK(refused.error().code == "bad_geoloc");
  }
  pubsub::Geoloc negative{"1", "2", "-5", std::nullopt};
  CHECK_FALSE(pubsub::make_geoloc(negative));
  // An empty <geoloc/> (§4.3: publishing stopped) reads as no position.
  auto stopped = pubsub::parse_geoloc(xml::Element("geoloc", "http://jabber.org/protocol/geoloc"));
  REQUIRE(stopped);
  CHECK(stopped->lat.empty());
}

TEST_CASE("--json-payload: XEP-0335 <json xmlns='urn:xmpp:json:0'> keeps the JSON text") {
  const std::string json = R"({"build":42,"ok":true,"msg":"<b>&amp;</b>","list":[1,2]})";
  auto e = pubsub::make_json(json);
  REQUIRE(e);
  CHECK(e->is("json", "urn:xmpp:json:0"));
  CHECK(pubsub::json_of(round_trip(*e)) == json);
  CHECK_FALSE(pubsub::json_of(xml::Element("json", "urn:other")));
  CHECK(pubsub::make_json("\x1b[31m").error().kind == ErrorKind::data);
}
