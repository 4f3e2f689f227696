// XEP-0047 In-Band Bytestreams and XEP-0261 Jingle IBB transport codecs against the specs'
// numbered examples (tests/fixtures/xep0047-*, xep0261-*, and the IBB transports of xep0260-ex15,
// ex17): <open/> of XEP-0047 example 1 and XEP-0261 example 5, <data/> of XEP-0047 examples 6 and
// 11 and XEP-0261 example 7, <close/> of XEP-0047 example 8 and XEP-0261 example 11, the Jingle
// <transport/> of XEP-0261 examples 1, 3, 9 and XEP-0260 examples 15, 17; the Reader against every
// case of SECURITY.md row 49; the ibb fuzz target replays its corpus under ctest
// (fuzz_replay_ibb).
#include <doctest/doctest.h>


#include "core/base64.hpp"
#include "stanza/error.hpp"
#include "xep/ibb/ibb.hpp"
#include "xep_examples.hpp"

using namespace xmpp;
using test::canonical;
using test::example;
using test::jid;
using test::with_from;

namespace {

constexpr std::string_view k_ns_jingle = "urn:xmpp:jingle:1";

const xml::Element& child(const xml::Element& e, std::string_view name, std::string_view ns) {
  const auto* c = e.child(name, ns);
  REQUIRE_MESSAGE(c != nullptr, "no <" << name << "/> in <" << e.name() << "/>");
  return *c;
}

xml::Element jingle_transport(const xml::Element& iq) {
  return child(child(child(iq, "jingle", k_ns_jingle), "content", k_ns_jingle), "transport",
               ibb::k_ns_jingle);
}

/// The example with the pretty-printing whitespace taken out of its <data/>'s base64.
xml::Element without_data_whitespace(xml::Element stanza) {
  auto* data = stanza.child("data", ibb::k_ns);
  REQUIRE(data != nullptr);
  std::string text;
  for (char c : data->text())
    if (c != ' ' && c != '\n' && c != '\t' && c != '\r') text += c;
  data->nodes().clear();
  data->add_text(text);
  return stanza;
}

ibb::Data chunk(std::uint16_t seq, std::string_view bytes, std::string sid = "s1") {
  return {std::move(sid), seq, base64_encode(bytes)};
}

const Jid k_romeo = Jid::parse("romeo@montague.net/orchard").value();
const Jid k_mallory = Jid::parse("mallory@evil.example/x").value();

/// A Reader for romeo's sid s1 at `block` bytes, already opened.
ibb::Reader opened(std::uint32_t block = 4096) {
  ibb::Reader reader(k_romeo, "s1", block);
  REQUIRE_FALSE(reader.on_open(k_romeo, {"s1", block, ibb::StanzaKind::iq}).error);
  return reader;
}

}  // namespace

// ---- codecs ----

TEST_CASE("XEP-0047 §2.1 <open/>: example 1 read and built, XEP-0261 example 5 too") {
  auto ex = example("xep0047-ex1-open.xml");
  auto open = ibb::parse_open(child(ex, "open", ibb::k_ns));
  REQUIRE(open);
  CHECK(*open == ibb::Open{"i781hf64", 4096, ibb::StanzaKind::iq});
  CHECK(canonical(with_from(ibb::make_open(jid("juliet@capulet.com/balcony"), *open, "jn3h8g65"),
                            ex)) == canonical(ex));

  ex = example("xep0261-ex5-open.xml");
  open = ibb::parse_open(child(ex, "open", ibb::k_ns));
  REQUIRE(open);
  CHECK(open->block_size == 2048);
  CHECK(canonical(with_from(ibb::make_open(jid("juliet@capulet.com/balcony"), *open, "jn3h8g65"),
                            ex)) == canonical(ex));
}

TEST_CASE("XEP-0047 §2.2 <data/>: examples 6 (iq) and 11 (message), XEP-0261 example 7") {
  for (const char* name :
       {"xep0047-ex6-data-iq.xml", "xep0047-ex11-data-message.xml", "xep0261-ex7-data.xml"}) {
    CAPTURE(name);
    const auto ex = example(name);
    const auto data = ibb::parse_data(child(ex, "data", ibb::k_ns));
    REQUIRE(data);
    CHECK(data->seq == 0);
    // The examples wrap their base64 over lines: pretty-printing, which strict base64 (RFC 4648
    // §3.3, SECURITY.md row 49) refuses; without it the chunk is 240 bytes.
    CHECK_FALSE(base64_decode(data->text));
    const auto flat = ibb::parse_data(child(without_data_whitespace(ex), "data", ibb::k_ns));
    REQUIRE(flat);
    const auto bytes = base64_decode(flat->text);
    REQUIRE(bytes);
    CHECK(bytes->size() == 240);
    if (ex.name() == "iq") {
      const auto built =
          ibb::make_data(jid("juliet@capulet.com/balcony"), data->sid, 0, *bytes, *ex.attr("id"));
      CHECK(canonical(with_from(built, ex)) == canonical(without_data_whitespace(ex)));
    } else {
      CHECK(canonical(ibb::make_data_element(data->sid, 0, *bytes)) ==
            canonical(child(without_data_whitespace(ex), "data", ibb::k_ns)));
    }
  }
}

TEST_CASE("XEP-0047 §2.3 <close/>: example 8 and XEP-0261 example 11 read and built") {
  for (const auto& c : {std::pair{"xep0047-ex8-close.xml", "i781hf64"},
                        std::pair{"xep0261-ex11-close.xml", "bt8a71h6"}}) {
    const char* name = c.first;
    const char* sid = c.second;
    CAPTURE(name);
    const auto ex = example(name);
    CHECK(ibb::parse_close(child(ex, "close", ibb::k_ns)) == std::string(sid));
    CHECK(canonical(with_from(ibb::make_close(jid("juliet@capulet.com/balcony"), sid, "us71g45j"),
                              ex)) == canonical(ex));
  }
}

TEST_CASE("XEP-0047 errors: examples 4 and 5 carry the conditions the Reader answers with") {
  CHECK(stanza::parse_stanza_error(example("xep0047-ex4-resource-constraint.xml")).condition ==
        "resource-constraint");
  CHECK(stanza::parse_stanza_error(example("xep0047-ex5-not-acceptable.xml")).condition ==
        "not-acceptable");
  CHECK(stanza::parse_stanza_error(example("xep0047-ex10-close-item-not-found.xml")).condition ==
        "item-not-found");
  ibb::Reader reader(k_romeo, "i781hf64", 2048);
  CHECK(reader.on_open(k_romeo, {"i781hf64", 4096, ibb::StanzaKind::iq}).error ==
        "resource-constraint");
  CHECK(reader.on_open(k_romeo, {"other", 2048, ibb::StanzaKind::iq}).error == "not-acceptable");
  CHECK(reader.on_close(k_romeo, "other").error == "item-not-found");
}

TEST_CASE("XEP-0261 <transport/>: examples 1, 3, 9 and XEP-0260 examples 15, 17") {
  const std::tuple<const char*, std::uint32_t, const char*> cases[] = {
      {"xep0261-ex1-session-initiate.xml", 4096, "ch3d9s71"},
      {"xep0261-ex3-session-accept.xml", 2048, "ch3d9s71"},
      {"xep0261-ex9-transport-info.xml", 2048, "bt8a71h6"},
      {"xep0260-ex15-transport-replace-ibb.xml", 4096, "ch3d9s71"},
      {"xep0260-ex17-transport-accept-ibb.xml", 2048, "ch3d9s71"},
  };
  for (const auto& c : cases) {
    const auto& [name_, block, sid] = c;
    const char* name = name_;
    CAPTURE(name);
    const auto transport = jingle_transport(example(name));
    const auto t = ibb::parse_transport(transport);
    REQUIRE(t);
    CHECK(t->block_size == block);
    CHECK(t->sid == sid);
    CHECK_FALSE(t->stanza);
    CHECK(canonical(ibb::make_transport(*t)) == canonical(transport));
  }
  // The responder lowers the block size (XEP-0261 §2.2): 4096 offered, 2048 wanted.
  CHECK(ibb::negotiate_block_size(4096, 2048) == 2048u);
  CHECK(ibb::negotiate_block_size(2048, 4096) == 2048u);
  CHECK(ibb::negotiate_block_size(1000000, 1000000) == 65535u);
  CHECK_FALSE(ibb::negotiate_block_size(0, 4096));
}

TEST_CASE("XEP-0047 elements that do not parse") {
  const auto e = [](std::string_view text) { return test::parse_stanza(text); };
  const std::string ns = "xmlns='http://jabber.org/protocol/ibb'";
  CHECK(ibb::parse_open(e("<open " + ns + " block-size='4096'/>")).error().code == "bad_open");
  CHECK_FALSE(ibb::parse_open(e("<open " + ns + " sid='s'/>")));
  for (const auto* size : {"-1", "x", "4294967296", " 1", "1.5"})
    CHECK_MESSAGE(!ibb::parse_open(e("<open " + ns + " sid='s' block-size='" + size + "'/>")),
                  size);
  CHECK_FALSE(ibb::parse_open(e("<open " + ns + " sid='s' block-size='1' stanza='presence'/>")));
  // Large values parse; the Reader refuses them (resource-constraint).
  CHECK(ibb::parse_open(e("<open " + ns + " sid='s' block-size='1000000'/>"))->block_size ==
        1000000u);
  CHECK(ibb::parse_data(e("<data " + ns + " seq='0'>AA==</data>")).error().code == "bad_data");
  for (const auto* seq : {"65536", "-1", "", "x"})
    CHECK_MESSAGE(!ibb::parse_data(e("<data " + ns + " sid='s' seq='" + seq + "'/>")), seq);
  CHECK(ibb::parse_data(e("<data " + ns + " sid='s' seq='65535'/>"))->seq == 65535);
  CHECK(ibb::parse_close(e("<close " + ns + "/>")).error().code == "bad_close");
  CHECK_FALSE(
      ibb::parse_transport(e("<transport xmlns='urn:xmpp:jingle:transports:ibb:1' sid='s'/>")));
  CHECK(ibb::parse_transport(e("<transport xmlns='urn:xmpp:jingle:transports:ibb:1' sid='s' "
                               "block-size='8' stanza='message'/>"))
            ->stanza == ibb::StanzaKind::message);
}

// ---- the Reader (SECURITY.md row 49) ----

TEST_CASE("ibb::Reader: open, data in order, close") {
  auto reader = opened();
  CHECK(reader.is_open());
  std::string received;
  for (std::uint16_t seq = 0; seq < 3; ++seq) {
    const auto out = reader.on_data(k_romeo, chunk(seq, "part" + std::to_string(seq)));
    CHECK_FALSE(out.error);
    CHECK_FALSE(out.close);
    received += out.bytes;
  }
  CHECK(received == "part0part1part2");
  CHECK(reader.bytes_received() == 15);
  CHECK(reader.next_seq() == 3);
  // An empty chunk is a chunk.
  CHECK_FALSE(reader.on_data(k_romeo, {"s1", 3, ""}).error);
  const auto closed = reader.on_close(k_romeo, "s1");
  CHECK_FALSE(closed.error);
  CHECK(closed.close);
  CHECK(reader.is_closed());
  // After the close, data is for no session.
  const auto late = reader.on_data(k_romeo, chunk(4, "x"));
  CHECK(late.error == "item-not-found");
  CHECK(late.bytes.empty());
}

TEST_CASE("SECURITY.md row 49: block-size 1000000 is resource-constraint; smaller is enforced") {
  ibb::Reader reader(k_romeo, "s1", 4096);
  auto out = reader.on_open(k_romeo, {"s1", 1000000, ibb::StanzaKind::iq});
  CHECK(out.error == "resource-constraint");
  CHECK_FALSE(out.close);
  CHECK_FALSE(reader.is_open());
  CHECK(reader.on_open(k_romeo, {"s1", 0, ibb::StanzaKind::iq}).error == "bad-request");
  // The sender may try again with less (XEP-0047 §2.1); a smaller size becomes the limit.
  CHECK_FALSE(reader.on_open(k_romeo, {"s1", 16, ibb::StanzaKind::iq}).error);
  CHECK(reader.block_size() == 16);
  CHECK(reader.on_open(k_romeo, {"s1", 16, ibb::StanzaKind::iq}).error == "unexpected-request");
  CHECK_THROWS_AS(ibb::Reader(k_romeo, "s1", 0), std::invalid_argument);
  CHECK_THROWS_AS(ibb::Reader(k_romeo, "s1", 65536), std::invalid_argument);
}

TEST_CASE("SECURITY.md row 49: a chunk larger than the block size closes the session") {
  auto reader = opened(16);
  CHECK_FALSE(reader.on_data(k_romeo, chunk(0, std::string(16, 'a'))).error);
  const auto out = reader.on_data(k_romeo, chunk(1, std::string(17, 'a')));
  CHECK(out.error == "not-acceptable");
  CHECK(out.close);
  CHECK(out.bytes.empty());
  CHECK(reader.is_closed());
  // A text far beyond the block size is refused on its length, never decoded.
  auto big = opened(16);
  const auto huge = big.on_data(k_romeo, {"s1", 0, std::string(1 << 20, 'A')});
  CHECK(huge.error == "not-acceptable");
  CHECK(huge.close);
}

TEST_CASE("SECURITY.md row 49: a repeated or skipped seq is unexpected-request and closes") {
  auto reader = opened();
  CHECK_FALSE(reader.on_data(k_romeo, chunk(0, "a")).error);
  auto out = reader.on_data(k_romeo, chunk(0, "a"));
  CHECK(out.error == "unexpected-request");
  CHECK(out.close);
  CHECK(out.reason == "seq 0, expected 1");
  // Nothing after it is processed (§2.2), not even the right seq.
  CHECK(reader.on_data(k_romeo, chunk(1, "b")).error == "item-not-found");

  reader = opened();
  CHECK_FALSE(reader.on_data(k_romeo, chunk(0, "a")).error);
  out = reader.on_data(k_romeo, chunk(2, "c"));
  CHECK(out.error == "unexpected-request");
  CHECK(out.close);
  CHECK(reader.bytes_received() == 1);
}

TEST_CASE("XEP-0047 §2.2: seq wraps from 65535 to 0") {
  auto reader = opened();
  for (std::uint32_t i = 0; i <= 65536; ++i) {
    const auto out = reader.on_data(k_romeo, {"s1", static_cast<std::uint16_t>(i), ""});
    REQUIRE_MESSAGE(!out.error, i);
  }
  CHECK(reader.next_seq() == 1);
  CHECK(reader.on_data(k_romeo, {"s1", 65535, ""}).error == "unexpected-request");
}

TEST_CASE("SECURITY.md row 49: base64 that is not strict is bad-request and closes") {
  for (const auto* text :
       {"=AAA", "AA AA", "AAAA\n", "*AAA", "QQ=", "QR==", "QQ==QQ==", "A", "YWJj\tZA=="}) {
    CAPTURE(text);
    auto reader = opened();
    const auto out = reader.on_data(k_romeo, {"s1", 0, text});
    CHECK(out.error == "bad-request");
    CHECK(out.close);
    CHECK(out.bytes.empty());
  }
}

TEST_CASE("SECURITY.md row 49: data for an unknown sid or from another JID is item-not-found") {
  auto reader = opened();
  auto out = reader.on_data(k_romeo, chunk(0, "x", "other"));
  CHECK(out.error == "item-not-found");
  CHECK_FALSE(out.close);
  out = reader.on_data(k_mallory, chunk(0, "x"));
  CHECK(out.error == "item-not-found");
  CHECK_FALSE(out.close);
  // A stranger's <open/> or <close/> changes nothing either.
  CHECK(reader.on_open(k_mallory, {"s1", 4096, ibb::StanzaKind::iq}).error == "not-acceptable");
  CHECK(reader.on_close(k_mallory, "s1").error == "item-not-found");
  // The bare JID is not the peer's full JID.
  CHECK(reader.on_data(k_romeo.bare(), chunk(0, "x")).error == "item-not-found");
  // The session goes on, seq 0 still expected.
  out = reader.on_data(k_romeo, chunk(0, "ok"));
  CHECK_FALSE(out.error);
  CHECK(out.bytes == "ok");
  // Data before <open/> belongs to no open session.
  ibb::Reader fresh(k_romeo, "s1", 4096);
  CHECK(fresh.on_data(k_romeo, chunk(0, "x")).error == "item-not-found");
}
