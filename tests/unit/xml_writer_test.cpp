// The writer (xml/writer.hpp): escaping, namespaces, is_xml_text, and writer/parser round trips
// on examples from the XEPs.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "xml/parser.hpp"
#include "xml/stream_parser.hpp"
#include "xml/writer.hpp"
#include "xml_harness.hpp"

using namespace xmpp::xml;

namespace {

// Parses `xml` as one stanza of a c2s stream.
Element parse_stanza(const std::string& xml) {
  StreamParser p(Limits{});
  REQUIRE(p.feed(xml_test::stream(xml)));
  auto h = p.next();
  REQUIRE(h);
  REQUIRE(*h);
  auto e = p.next();
  REQUIRE(e);
  REQUIRE(*e);
  REQUIRE((*e)->element);
  return *(*e)->element;
}

}  // namespace

TEST_CASE("escape_text and escape_attr") {
  CHECK(escape_text("a & b < c > d ' \" \t\n") == "a &amp; b &lt; c &gt; d ' \" \t\n");
  CHECK(escape_text("x\r\ny") == "x&#xD;\ny");
  CHECK(escape_text("]]>") == "]]&gt;");
  CHECK(escape_attr("a & b < c > d ' \"") == "a &amp; b &lt; c &gt; d &apos; &quot;");
  CHECK(escape_attr("\t\n\r") == "&#x9;&#xA;&#xD;");
  CHECK(escape_text("") == "");
  CHECK(escape_text("caf\xC3\xA9") == "caf\xC3\xA9");
}

TEST_CASE("to_string: text and attributes are escaped and read back identically") {
  Element m("message", "jabber:client");
  m.set_attr("to", "a'b\"c<d>&e\tf\ng\rh");
  m.add_child(Element("body", "jabber:client"))
      .add_text("1 < 2 && 3 > 2 ]]> \r\n \xF0\x9F\x98\x80");
  const std::string xml = to_string(m, "jabber:client");
  CHECK(xml == "<message to='a&apos;b&quot;c&lt;d&gt;&amp;e&#x9;f&#xA;g&#xD;h'><body>1 &lt; 2 "
               "&amp;&amp; 3 &gt; 2 ]]&gt; "
               "&#xD;\n \xF0\x9F\x98\x80</body></message>");
  CHECK(parse_stanza(xml) == m);
}

TEST_CASE("to_string: default namespace omitted when equal to the parent's") {
  Element iq("iq", "jabber:client");
  iq.set_attr("type", "get");
  Element& q = iq.add_child(Element("query", "http://jabber.org/protocol/disco#info"));
  q.add_child(Element("feature", "http://jabber.org/protocol/disco#info")).set_attr("var", "urn:x");
  q.add_child(Element("x", "jabber:x:data"));
  CHECK(to_string(iq, "jabber:client") ==
        "<iq type='get'><query xmlns='http://jabber.org/protocol/disco#info'><feature var='urn:x'/>"
        "<x xmlns='jabber:x:data'/></query></iq>");
  CHECK(to_string(iq) ==
        "<iq xmlns='jabber:client' type='get'><query xmlns='http://jabber.org/protocol/disco#info'>"
        "<feature var='urn:x'/><x xmlns='jabber:x:data'/></query></iq>");
}

TEST_CASE("to_string: an element in no namespace under a default namespace undeclares it") {
  Element a("a", "urn:a");
  a.add_child(Element("b", "")).add_child(Element("c", ""));
  CHECK(to_string(a) == "<a xmlns='urn:a'><b xmlns=''><c/></b></a>");
  XercesParser p;
  CHECK(*p.parse_document(to_string(a)) == a);
}

TEST_CASE("to_string: namespaced attributes get a prefix; xml:lang uses xml:") {
  Element m("message", "jabber:client");
  m.set_attr_ns(std::string(k_ns_xml), "lang", "en");
  m.set_attr_ns("urn:e", "from", "x");
  m.set_attr_ns("urn:f", "from", "y");
  Element& c = m.add_child(Element("c", "urn:c"));
  c.set_attr_ns("urn:e", "k", "1");  // the ancestor's declaration is reused
  const std::string xml = to_string(m, "jabber:client");
  CHECK(xml ==
        "<message xmlns:ns1='urn:e' xmlns:ns2='urn:f' xml:lang='en' ns1:from='x' ns2:from='y'>"
        "<c xmlns='urn:c' ns1:k='1'/></message>");
  const Element back = parse_stanza(xml);
  CHECK(back == m);
  CHECK(back.attr("from") == std::nullopt);
}

TEST_CASE("to_string: stream-namespace elements use the stream: prefix") {
  Element err("error", std::string(k_ns_streams));
  err.add_child(Element("conflict", "urn:ietf:params:xml:ns:xmpp-streams"));
  Element& text = err.add_child(Element("text", "urn:ietf:params:xml:ns:xmpp-streams"));
  text.set_attr_ns(std::string(k_ns_xml), "lang", "en");
  text.add_text("Replaced");
  const std::string xml = to_string(err, "jabber:client");
  CHECK(xml == "<stream:error xmlns:stream='http://etherx.jabber.org/streams'>"
               "<conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
               "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' "
               "xml:lang='en'>Replaced</text></stream:error>");
  CHECK(parse_stanza(xml) == err);
  // Children without an own namespace stay in the inherited default namespace.
  Element f("features", std::string(k_ns_streams));
  f.add_child(Element("bind", "urn:ietf:params:xml:ns:xmpp-bind"));
  f.add_child(Element("x", "jabber:client"));
  CHECK(to_string(f, "jabber:client") ==
        "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>"
        "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><x/></stream:features>");
}

TEST_CASE("to_string rejects what XML cannot carry") {
  Element bad_text("a", "");
  bad_text.add_text(std::string("x\0y", 3));
  CHECK_THROWS_AS(to_string(bad_text), std::invalid_argument);
  Element bad_attr("a", "");
  bad_attr.set_attr("b", "\x1B[2J");
  CHECK_THROWS_AS(to_string(bad_attr), std::invalid_argument);
  Element bad_utf8("a", "");
  bad_utf8.add_text("\xC0\xAF");
  CHECK_THROWS_AS(to_string(bad_utf8), std::invalid_argument);
  CHECK_THROWS_AS(to_string(Element("a b", "")), std::invalid_argument);
  CHECK_THROWS_AS(to_string(Element("p:a", "")), std::invalid_argument);
  CHECK_THROWS_AS(to_string(Element("", "")), std::invalid_argument);
  CHECK_THROWS_AS(to_string(Element("1a", "")), std::invalid_argument);
  Element xmlns_attr("a", "");
  xmlns_attr.set_attr("xmlns", "urn:x");
  CHECK_THROWS_AS(to_string(xmlns_attr), std::invalid_argument);
  CHECK_NOTHROW(to_string(Element("caf\xC3\xA9-1.x_y", "")));
}

TEST_CASE("is_xml_text") {
  CHECK(is_xml_text(""));
  CHECK(is_xml_text("plain ascii \t\r\n"));
  CHECK(is_xml_text("\xC2\x80 \xE2\x82\xAC \xED\x9F\xBF \xEE\x80\x80 \xEF\xBF\xBD \xF0\x90\x80\x80 "
                    "\xF4\x8F\xBF\xBF"));
  for (const char* bad : {"\x01",
                          "\x1F",
                          "\x0B",
                          "\xC0\xAF",
                          "\xC1\xBF",
                          "\x80",
                          "\xBF",
                          "\xE0\x80\x80",
                          "\xED\xA0\x80",
                          "\xED\xBF\xBF",
                          "\xEF\xBF\xBE",
                          "\xEF\xBF\xBF",
                          "\xF0\x80\x80\x80",
                          "\xF4\x90\x80\x80",
                          "\xF5\x80\x80\x80",
                          "\xFE",
                          "\xFF",
                          "\xC2",
                          "\xE2\x82",
                          "\xF0\x9F\x98"}) {
    CAPTURE(bad);
    CHECK_FALSE(is_xml_text(std::string("a") + bad + "b"));
    CHECK_FALSE(is_xml_text(bad));
  }
  CHECK_FALSE(is_xml_text(std::string("a\0b", 3)));
  CHECK(is_xml_text("\x7F"));  // DEL is an XML 1.0 Char
}

TEST_CASE("stream_open and stream_close") {
  CHECK(stream_open("example.org") == "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                                      "xmlns:stream='http://etherx.jabber.org/streams' "
                                      "to='example.org' version='1.0' xml:lang='en'>");
  CHECK(stream_open("example.org", "juliet@example.org", "") ==
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
        "xmlns:stream='http://etherx.jabber.org/streams' "
        "to='example.org' from='juliet@example.org' version='1.0'>");
  CHECK_THROWS_AS(stream_open("a\x01"), std::invalid_argument);
  // What we send is what our own parser accepts.
  StreamParser p;
  REQUIRE(p.feed(stream_open("example.org", "j@example.org", "fr") + "<presence/>" +
                 std::string(stream_close())));
  auto h = p.next();
  REQUIRE(h);
  CHECK((*h)->header.to == "example.org");
  CHECK((*h)->header.lang == "fr");
  CHECK((*p.next())->element->is("presence", "jabber:client"));
  CHECK((*p.next())->kind == StreamEvent::Kind::end);
}

TEST_CASE("round trip: XEP examples survive parse -> write -> parse") {
  // Adapted from the specs' examples: XEP-0030 disco#info result, XEP-0045 room subject, XEP-0004
  // bot configuration form (inside a XEP-0050 command), XEP-0198 <a/>, XEP-0280 carbon with a
  // XEP-0297 forwarded message, RFC 6120 §6.4.2 SASL <auth/>.
  const char* examples[] = {
      ("<iq type='result' from='plays.shakespeare.lit' to='romeo@montague.net/orchard' id='info1'>"
       "<query xmlns='http://jabber.org/protocol/disco#info'>"
       "<identity category='conference' type='text' name='Play-Specific Chatrooms'/>"
       "<identity category='directory' type='chatroom' name='Play-Specific Chatrooms'/>"
       "<feature var='http://jabber.org/protocol/disco#info'/><feature "
       "var='http://jabber.org/protocol/muc'/>"
       "<feature var='jabber:iq:register'/><feature var='jabber:iq:search'/><feature "
       "var='jabber:iq:time'/>"
       "<feature var='jabber:iq:version'/></query></iq>"),

      ("<message from='coven@chat.shakespeare.lit/secondwitch' "
       "id='F437C672-D438-4BD3-9BFF-091050D32EE2' "
       "to='crone1@shakespeare.lit/desktop' type='groupchat'><subject>Fire Burn and Cauldron "
       "Bubble!</subject>"
       "</message>"),

      ("<iq from='joogle@botster.shakespeare.lit/home' id='create1' to='pubsub.shakespeare.lit' "
       "type='set'>"
       "<command xmlns='http://jabber.org/protocol/commands' node='config' "
       "sessionid='config:20020923T213616Z-700'>"
       "<x xmlns='jabber:x:data' type='form'><title>Bot Configuration</title>"
       "<instructions>Fill out this form to configure your new bot!</instructions>"
       "<field type='hidden' var='FORM_TYPE'><value>jabber:bot</value></field>"
       "<field type='fixed'><value>Section 1: Bot Info</value></field>"
       "<field type='text-single' label='The name of your bot' var='botname'/>"
       "<field type='text-multi' label='Helpful description of your bot' var='description'/>"
       "<field type='boolean' label='Public bot?' var='public'><required/></field>"
       "<field type='text-private' label='Password for special access' var='password'/>"
       "<field type='list-multi' label='What features will the bot support?' var='features'>"
       "<option label='Contests'><value>contests</value></option><option "
       "label='News'><value>news</value></option>"
       "<value>news</value><value>search</value></field></x></command></iq>"),

      ("<a xmlns='urn:xmpp:sm:3' h='1'/>"),

      ("<message xmlns='jabber:client' from='romeo@montague.example' "
       "to='romeo@montague.example/garden' "
       "type='chat'><received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>"
       "<message xmlns='jabber:client' from='juliet@capulet.example/balcony' "
       "to='romeo@montague.example/garden' "
       "type='chat'><body>What man art thou that, thus bescreen'd in night, so stumblest on my "
       "counsel?</body>"
       "<thread>0e3141cd80894871a68e6fe6b1ec56fa</thread></message></forwarded></received></"
       "message>"),

      ("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>"
       "biwsbj1qdWxpZXQscj1vTXNUQUF3QUFBQU1BQUFBTlAwVEFBQUFBQUJQVTBBQQ==</auth>"),
  };
  for (const char* example : examples) {
    CAPTURE(example);
    const Element first = parse_stanza(example);
    const std::string written = to_string(first, "jabber:client");
    const Element second = parse_stanza(written);
    CHECK(second == first);
    CHECK(to_string(second, "jabber:client") == written);
  }
}
