// XEP-0060 event notifications against the spec's numbered examples: items with payloads (100),
// without (101), with publisher (102), retractions (117, 118 with SubID headers), configuration
// (150, 151), deletion with redirect (160), purge (165); built back from the parsed events; and
// the origin check of SECURITY.md row 38 (CVE-2023-28686).
#include <doctest/doctest.h>

#include "xep/pubsub/events.hpp"
#include "xep_examples.hpp"

using namespace xmpp;
using test::canonical;
using test::example;
using test::jid;

namespace {

std::string event_example(int number, const char* slug) {
  return "xep0060-ex" + std::to_string(number) + "-" + slug + ".xml";
}

std::vector<pubsub::Event> events_of(const xml::Element& message) {
  auto events = pubsub::parse_event(message);
  REQUIRE_MESSAGE(events, (events ? "" : events.error().message));
  return *events;
}

/// Our notifications are addressed by the caller: copy the example's envelope.
xml::Element with_envelope(xml::Element built, const xml::Element& ex) {
  for (const char* name : {"id", "from", "to"})
    if (auto value = ex.attr(name)) built.set_attr(name, *value);
  return built;
}

const Jid& own() {
  static const Jid j = jid("francisco@denmark.lit/barracks");
  return j;
}

}  // namespace

TEST_CASE("XEP-0060 examples 100-102: published items, with and without payload, publisher") {
  const auto with_payload = example(event_example(100, "event-payload"));
  CHECK(pubsub::is_event(with_payload));
  auto events = events_of(with_payload);
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == pubsub::EventKind::published);
  CHECK(events[0].node == "princely_musings");
  CHECK(events[0].item.id == "ae890ac52d0df67ed7cfdf51b644e901");
  REQUIRE(events[0].item.payload.has_value());
  CHECK(events[0].item.payload->child_text("title", "http://www.w3.org/2005/Atom") ==
        "Soliloquy");
  CHECK_FALSE(events[0].delayed.has_value());
  CHECK(canonical(with_envelope(pubsub::make_event_message(events[0]), with_payload)) ==
        canonical(with_payload));

  const auto bare = example(event_example(101, "event-no-payload"));
  events = events_of(bare);
  REQUIRE(events.size() == 1);
  CHECK_FALSE(events[0].item.payload.has_value());
  CHECK(canonical(with_envelope(pubsub::make_event_message(events[0]), bare)) == canonical(bare));

  events = events_of(example(event_example(102, "event-publisher")));
  REQUIRE(events.size() == 1);
  CHECK(events[0].item.publisher == "hamlet@denmark.lit");
}

TEST_CASE("XEP-0060 examples 117, 118: retractions, with SubID headers (§12.3)") {
  const auto plain = example(event_example(117, "event-retract"));
  auto events = events_of(plain);
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == pubsub::EventKind::retracted);
  CHECK(events[0].item.id == "ae890ac52d0df67ed7cfdf51b644e901");
  CHECK(canonical(with_envelope(pubsub::make_event_message(events[0]), plain)) ==
        canonical(plain));
  const auto notated = example(event_example(118, "event-retract-subids"));
  events = events_of(notated);
  REQUIRE(events.size() == 1);
  CHECK(events[0].subids == std::vector<std::string>{"123-abc", "004-yyy"});
  CHECK(canonical(with_envelope(pubsub::make_event_message(events[0]), notated)) ==
        canonical(notated));
}

TEST_CASE("XEP-0060 examples 150, 151, 160, 165: configuration, deletion, purge") {
  auto events = events_of(example(event_example(150, "event-configuration")));
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == pubsub::EventKind::configured);
  CHECK_FALSE(events[0].config.has_value());

  const auto full = example(event_example(151, "event-configuration-form"));
  events = events_of(full);
  REQUIRE(events.size() == 1);
  REQUIRE(events[0].config.has_value());
  CHECK(events[0].config->field("pubsub#max_payload_size")->values ==
        std::vector<std::string>{"9216"});
  CHECK(canonical(with_envelope(pubsub::make_event_message(events[0]), full)) == canonical(full));

  const auto deleted = example(event_example(160, "event-delete"));
  events = events_of(deleted);
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == pubsub::EventKind::deleted);
  CHECK(events[0].redirect == "xmpp:hamlet@denmark.lit?;node=blog");
  CHECK(canonical(with_envelope(pubsub::make_event_message(events[0]), deleted)) ==
        canonical(deleted));

  const auto purged = example(event_example(165, "event-purge"));
  events = events_of(purged);
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == pubsub::EventKind::purged);
  CHECK(events[0].node == "princely_musings");
  CHECK(canonical(with_envelope(pubsub::make_event_message(events[0]), purged)) ==
        canonical(purged));
  CHECK(pubsub::to_string(pubsub::EventKind::purged) == "purged");
}

TEST_CASE("several items and retractions in one message keep their order; a delay is kept") {
  const auto message = test::parse_stanza(
      "<message from='pubsub.example.test'><event xmlns='http://jabber.org/protocol/pubsub#event'>"
      "<items node='ci'><item id='1'><data xmlns='https://prosody.im/protocol/data'>one</data>"
      "</item><retract id='0'/><item id='2'/></items><collection node='x'/></event>"
      "<delay xmlns='urn:xmpp:delay' stamp='2024-05-01T10:00:00Z'/></message>");
  const auto events = events_of(message);
  REQUIRE(events.size() == 3);
  CHECK(events[0].item.id == "1");
  CHECK(events[1].kind == pubsub::EventKind::retracted);
  CHECK(events[1].item.id == "0");
  CHECK(events[2].item.id == "2");
  CHECK(events[0].delayed.has_value());
}

TEST_CASE("malformed events are protocol errors") {
  for (const char* text : {
           "<message><body>x</body></message>",
           "<message><event xmlns='http://jabber.org/protocol/pubsub#event'><items>"
           "<item id='1'/></items></event></message>",
           "<message><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='n'>"
           "<retract/></items></event></message>",
           "<message><event xmlns='http://jabber.org/protocol/pubsub#event'><purge/></event>"
           "</message>",
       }) {
    CAPTURE(text);
    const auto events = pubsub::parse_event(test::parse_stanza(text));
    REQUIRE_FALSE(events);
    CHECK(events.error().kind == ErrorKind::protocol);
    CHECK(events.error().code == "bad_event");
  }
}

TEST_CASE("cve_2023_28686_pubsub_event_origin: events only from the service subscribed to "
          "(SECURITY.md row 38)") {
  const auto from = [](const char* sender) {
    std::string text = "<message";
    if (sender != nullptr) text += std::string(" from='") + sender + "'";
    text +=
        "><event xmlns='http://jabber.org/protocol/pubsub#event'><purge node='n'/></event>"
        "</message>";
    return test::parse_stanza(text);
  };
  const pubsub::Service component = jid("pubsub.shakespeare.lit");
  CHECK(pubsub::is_from_service(from("pubsub.shakespeare.lit"), component, own()));
  CHECK(pubsub::is_from_service(from("PubSub.Shakespeare.lit"), component, own()));
  for (const char* other : {"pubsub.shakespeare.lit/x", "evil.example", "shakespeare.lit",
                            "francisco@denmark.lit", "hamlet@pubsub.shakespeare.lit", "@@"}) {
    CAPTURE(other);
    CHECK_FALSE(pubsub::is_from_service(from(other), component, own()));
  }
  CHECK_FALSE(pubsub::is_from_service(from(nullptr), component, own()));

  // Our own PEP service (bookmarks, geoloc): only our bare JID, or no 'from' at all.
  for (const pubsub::Service& pep : {pubsub::Service{}, pubsub::Service{jid("francisco@denmark.lit")}}) {
    CHECK(pubsub::is_from_service(from("francisco@denmark.lit"), pep, own()));
    CHECK(pubsub::is_from_service(from(nullptr), pep, own()));
    for (const char* other : {"francisco@denmark.lit/barracks", "denmark.lit", "mallory@evil.example",
                              "hamlet@denmark.lit"}) {
      CAPTURE(other);
      CHECK_FALSE(pubsub::is_from_service(from(other), pep, own()));
    }
  }
  // Another account's PEP: exactly its bare JID.
  const pubsub::Service hamlet = jid("hamlet@denmark.lit");
  CHECK(pubsub::is_from_service(from("hamlet@denmark.lit"), hamlet, own()));
  CHECK_FALSE(pubsub::is_from_service(from("hamlet@denmark.lit/phone"), hamlet, own()));
  CHECK_FALSE(pubsub::is_from_service(from(nullptr), hamlet, own()));
}
