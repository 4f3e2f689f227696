// XercesParser (xml/parser.hpp): the Xerces configuration on its own, and reuse of one reader.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "xml/parser.hpp"
#include "xml/writer.hpp"

using namespace xmpp::xml;

TEST_CASE("parse_document: restricted XML and well-formedness") {
  XercesParser p;
  CHECK(p.parse_document("<a><!-- c --></a>").error().condition == "restricted-xml");
  CHECK(p.parse_document("<a><?pi x?></a>").error().condition == "restricted-xml");
  CHECK(p.parse_document("<?pi x?><a/>").error().condition == "restricted-xml");
  CHECK(p.parse_document("<!DOCTYPE a><a/>").error().condition == "not-well-formed");
  CHECK(p.parse_document("<a>&lol;</a>").error().condition == "not-well-formed");
  CHECK(p.parse_document("<a></b>").error().condition == "not-well-formed");
  CHECK(p.parse_document("<a/><b/>").error().condition == "not-well-formed");
  CHECK(p.parse_document("").error().condition == "not-well-formed");
  CHECK(p.parse_document("<p:a/>").error().condition == "not-well-formed");
  // The reader is usable again after every kind of failure.
  auto ok = p.parse_document("<a xmlns='urn:a' b='&lt;&#x20AC;'>x<![CDATA[<y>]]>z<c/></a>");
  REQUIRE(ok);
  CHECK(ok->is("a", "urn:a"));
  CHECK(ok->attr("b") == "<\xE2\x82\xAC");
  CHECK(ok->text() == "x<y>z");
  CHECK(ok->child("c", "urn:a"));
}

TEST_CASE("predefined entity references are text, however many (no expansion limit hit)") {
  XercesParser p;
  std::string body;
  for (int i = 0; i < 5000; ++i) body += "&amp;&lt;&gt;&quot;&apos;";
  auto e = p.parse_document("<body>" + body + "</body>");
  REQUIRE(e);
  CHECK(e->text().size() == 5000 * 5);
  CHECK(e->text().substr(0, 5) == "&<>\"'");
}

TEST_CASE("parse_fragment: exactly one element spanning the fragment, in the header's context") {
  XercesParser p;
  p.set_context(
      {{"", "jabber:client"}, {"stream", "http://etherx.jabber.org/streams"}, {"q", "urn:'q\""}});
  auto e = p.parse_fragment("<stream:features><q:x/></stream:features>");
  REQUIRE(e);
  CHECK(e->is("features", "http://etherx.jabber.org/streams"));
  CHECK(e->child("x", "urn:'q\""));
  CHECK(p.parse_fragment("<a/><b/>").error().condition == "not-well-formed");
  CHECK(p.parse_fragment("<a/>x").error().condition == "not-well-formed");
  CHECK(p.parse_fragment(" <a/>").error().condition == "not-well-formed");
  CHECK(p.parse_fragment("<a>").error().condition == "not-well-formed");
  CHECK(p.parse_fragment("<a></w><w>").error().condition == "not-well-formed");
  CHECK(p.parse_fragment("").error().condition == "not-well-formed");
  CHECK(p.parse_fragment("<a/><!-- x -->").error().condition == "restricted-xml");
  auto m = p.parse_fragment("<message/>");
  REQUIRE(m);
  CHECK(m->is("message", "jabber:client"));
}

TEST_CASE("parse_fragments: one element per fragment, ending where its fragment ends") {
  XercesParser p;
  p.set_context({{"", "jabber:client"}, {"q", "urn:q"}});
  using V = std::vector<std::string_view>;
  auto ok =
      p.parse_fragments(V{"<message id='1'><q:x/></message>", "<iq xmlns:q='urn:r'><q:y/></iq>",
                          "<presence>\xE2\x82\xAC\r\n&amp;<![CDATA[<]]></presence>"});
  REQUIRE(ok);
  REQUIRE(ok->size() == 3);
  CHECK((*ok)[0].is("message", "jabber:client"));
  CHECK((*ok)[0].child("x", "urn:q"));
  CHECK((*ok)[1].child("y", "urn:r"));  // a fragment's own declarations stay its own
  CHECK((*ok)[2].text() == "\xE2\x82\xAC\n&<");
  // The framer's boundaries must be Xerces' too, or the batch is refused (the caller then
  // parses one by one): an element spanning two fragments, two elements in one, text between.
  CHECK(!p.parse_fragments(V{"<a>", "</a>"}));
  CHECK(!p.parse_fragments(V{"<a><b/>", "</a>", "<c/>"}));
  CHECK(!p.parse_fragments(V{"<a/><b/>", "<c/>"}));
  CHECK(!p.parse_fragments(V{"<a/>", "<b/><c/>"}));
  CHECK(!p.parse_fragments(V{"<a/>x", "<b/>"}));
  CHECK(!p.parse_fragments(V{"<a/>", " <b/>"}));
  CHECK(!p.parse_fragments(V{"<a/>", "<b>&lol;</b>"}));
  CHECK(!p.parse_fragments(V{"<a/>", "<b><!-- c --></b>"}));
  CHECK(!p.parse_fragments(V{"<q:a/>", "<z:b/>"}));
  // One element across a 4-byte character at the boundary: offsets are bytes, not UTF-16 units.
  auto wide = p.parse_fragments(V{"<a>\xF0\x9F\x98\x80</a>", "<b>\xF0\x9F\x98\x80</b>"});
  REQUIRE(wide);
  CHECK((*wide)[1].text() == "\xF0\x9F\x98\x80");
  // The reader is usable again after each refusal.
  auto m = p.parse_fragment("<message/>");
  REQUIRE(m);
  CHECK(m->is("message", "jabber:client"));
}

TEST_CASE("one reader parses many fragments in bounded memory, whatever the names") {
  XercesParser p;
  p.set_context({{"", "jabber:client"}});
  REQUIRE(p.parse_fragment("<warmup/>"));
  const std::size_t baseline = p.memory_in_use();
  std::size_t peak = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string n = std::to_string(i);
    auto e = p.parse_fragment("<e" + n + " xmlns='urn:" + n + "' xmlns:p" + n + "='urn:p" + n +
                              "' p" + n + ":a" + n + "='v'><c" + n + "/></e" + n + ">");
    REQUIRE(e);
    CHECK(e->name() == "e" + n);
    peak = std::max(peak, p.memory_in_use());
  }
  CHECK(peak < baseline + 2 * 1024 * 1024);
}

TEST_CASE("the memory budget stops Xerces: policy-violation") {
  XercesParser p;
  p.set_max_fragment_bytes(0);  // the base budget only: a few MiB
  const std::string big = "<a v='" + std::string(8 * 1024 * 1024, 'x') + "'/>";
  auto r = p.parse_document(big);
  REQUIRE(!r);
  CHECK(r.error().condition == "policy-violation");
  p.set_max_fragment_bytes(big.size());
  auto ok = p.parse_document(big);
  REQUIRE(ok);
  CHECK(ok->attr("v")->size() == 8 * 1024 * 1024);
}

TEST_CASE("parse_header reports prefix and declarations") {
  XercesParser p;
  auto h =
      p.parse_header("<?xml version='1.0'?>\n<s:stream xmlns:s='http://etherx.jabber.org/streams' "
                     "xmlns='jabber:client' xml:lang='de' to='x'>",
                     "s:stream", false);
  REQUIRE(h);
  CHECK(h->prefix == "s");
  CHECK(h->element.is("stream", "http://etherx.jabber.org/streams"));
  CHECK(h->element.attr_ns(k_ns_xml, "lang") == "de");
  CHECK(h->element.attr("to") == "x");
  CHECK(h->namespaces.size() == 2);
  CHECK(h->namespaces.at("") == "jabber:client");
  CHECK(h->namespaces.at("s") == "http://etherx.jabber.org/streams");
}
