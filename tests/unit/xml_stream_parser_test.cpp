// StreamParser against SECURITY.md table (a) rows 1-23 and the happy paths. Every input goes
// through run_all(): whole, byte by byte, split at every position, irregular chunks.
#include <sys/resource.h>

#include <string>

#include "xml_harness.hpp"

using namespace xml_test;
using namespace xmpp::xml;
using K = StreamEvent::Kind;

namespace {

const std::string k_before = "<message id='before'><body>ok</body></message>";
const std::string k_after = "<message id='after'><body>smuggled</body></message>";

// `bad` between a valid stanza and a stanza that must never come out.
void expect_stream_error(const std::string& bad, std::string_view condition, Limits limits = {}) {
  CAPTURE(bad);
  const Outcome o = run_all(stream(k_before + bad + k_after), limits);
  CHECK(o.condition == condition);
  REQUIRE(o.events.size() == 2);
  CHECK(o.raw[0].kind == K::header);
  CHECK(o.raw[1].element->attr("id") == "before");
}

// `bad` as the start of the stream: nothing at all comes out.
void expect_prolog_error(const std::string& input, std::string_view condition, Limits limits = {}) {
  CAPTURE(input);
  const Outcome o = run_all(input, limits);
  CHECK(o.condition == condition);
  CHECK(o.events.empty());
}

long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

}  // namespace

TEST_CASE("happy path: header, stanzas, end") {
  const Outcome o = run_all(stream(
      "<message from='juliet@example.com/balcony' to='romeo@example.net' type='chat' xml:lang='fr'>"
      "<body>Bonjour &amp; &#x263A; &#128512; caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80</body>"
      "<html xmlns='http://jabber.org/protocol/xhtml-im'><body "
      "xmlns='http://www.w3.org/1999/xhtml'>"
      "<p>mixed <em>content</em> here</p></body></html></message>"
      " \n\t \r\n"
      "<presence/>\n"
      "<iq type='result' id='1'><query xmlns='jabber:iq:roster'><![CDATA[a < b && ]] > "
      "c]]></query></iq>"
      "</stream:stream>  \n"));
  CHECK(o.condition.empty());
  REQUIRE(o.raw.size() == 5);
  const StreamHeader& h = o.raw[0].header;
  CHECK(h.from == "example.org");
  CHECK(h.id == "s1");
  CHECK(h.version == "1.0");
  CHECK(h.lang == "en");
  CHECK(h.default_ns == "jabber:client");
  CHECK(h.namespaces.at("stream") == "http://etherx.jabber.org/streams");
  CHECK(h.namespaces.at("") == "jabber:client");

  const Element& m = *o.raw[1].element;
  CHECK(m.is("message", "jabber:client"));
  CHECK(m.attr("type") == "chat");
  CHECK(m.attr_ns(k_ns_xml, "lang") == "fr");
  CHECK(m.attr("lang") == std::nullopt);
  CHECK(m.child_text("body", "jabber:client") ==
        "Bonjour & \xE2\x98\xBA \xF0\x9F\x98\x80 caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  const Element* html = m.child("html", "http://jabber.org/protocol/xhtml-im");
  REQUIRE(html);
  const Element* p = html->child("body", "http://www.w3.org/1999/xhtml")
                         ->child("p", "http://www.w3.org/1999/xhtml");
  REQUIRE(p);
  REQUIRE(p->nodes().size() == 3);
  CHECK(p->nodes()[0].text() == "mixed ");
  CHECK(p->nodes()[1].element().text() == "content");
  CHECK(p->nodes()[2].text() == " here");

  CHECK(o.raw[2].element->is("presence", "jabber:client"));
  CHECK(o.raw[3].element->child("query", "jabber:iq:roster")->text() == "a < b && ]] > c");
  CHECK(o.raw[4].kind == K::end);
  CHECK(o.buffered == 3);  // the whitespace after the end tag was never returned
}

TEST_CASE("each event's byte span in the stream, across a restart") {
  const std::string header =
      "<?xml version='1.0'?>\n<stream:stream xmlns='jabber:client' "
      "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";
  const std::string first = "<message><body>a</body></message>";
  const std::string second = "<presence/>";
  const std::string input = header + first + " \n" + second + "</stream:stream>";
  const Outcome o = run_all(input);
  CHECK(o.condition.empty());
  REQUIRE(o.raw.size() == 4);
  CHECK(o.raw[0].begin == 0);
  CHECK(o.raw[0].end == header.size());
  CHECK(input.substr(o.raw[1].begin, o.raw[1].end - o.raw[1].begin) == first);
  CHECK(input.substr(o.raw[2].begin, o.raw[2].end - o.raw[2].begin) == second);
  CHECK(input.substr(o.raw[3].begin, o.raw[3].end - o.raw[3].begin) == "</stream:stream>");

  // After reset() (a stream restart) offsets count from the new stream's first byte.
  StreamParser parser(Limits{});
  REQUIRE(parser.feed("<stream:stream xmlns='jabber:client' "
                      "xmlns:stream='http://etherx.jabber.org/streams'><a/>"));
  while (auto ev = parser.next()) {
    if (!*ev) break;
  }
  parser.reset();
  const std::string restarted =
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
  REQUIRE(parser.feed(restarted + "<b/>"));
  auto h = parser.next();
  REQUIRE((h && *h));
  CHECK((*h)->begin == 0);
  auto b = parser.next();
  REQUIRE((b && *b));
  CHECK((*b)->begin == restarted.size());
  CHECK((*b)->end == restarted.size() + 4);
}

TEST_CASE("header with extra namespaces declared for later stanzas") {
  const Outcome o = run_all(
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
      "xmlns:db='jabber:server:dialback' to='example.org' version=\"1.0\">"
      "<stream:features><db:dialback/><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
      "<mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>");
  CHECK(o.condition.empty());
  REQUIRE(o.raw.size() == 2);
  CHECK(o.raw[0].header.to == "example.org");
  CHECK(o.raw[0].header.namespaces.at("db") == "jabber:server:dialback");
  const Element& f = *o.raw[1].element;
  CHECK(f.is("features", k_ns_streams));
  CHECK(f.child("dialback", "jabber:server:dialback"));
  CHECK(f.child("mechanisms", "urn:ietf:params:xml:ns:xmpp-sasl")
            ->child_text("mechanism", "urn:ietf:params:xml:ns:xmpp-sasl") == "SCRAM-SHA-1");
}

TEST_CASE("XML declaration variants accepted") {
  for (const char* decl :
       {"<?xml version='1.0' encoding='UTF-8'?>", "<?xml version=\"1.0\" encoding=\"utf-8\"?>",
        "<?xml version = '1.0' standalone='yes' ?>", "", "\n  "}) {
    CAPTURE(decl);
    const Outcome o =
        run_all(std::string(decl) + "<stream:stream xmlns='jabber:client' "
                                    "xmlns:stream='http://etherx.jabber.org/streams'><a/>");
    CHECK(o.condition.empty());
    CHECK(o.events.size() == 2);
  }
}

TEST_CASE("malformed XML declarations") {
  const std::string tail =
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
  for (const char* decl :
       {"<?xml?>", "<?xml encoding='UTF-8'?>", "<?xml version='1.0' foo='bar'?>",
        "<?xml version='1.0'encoding='UTF-8'?>", "<?xml version='1.0' encoding='8bit'?>",
        "<?xml version='1.0' standalone='maybe'?>", "<?xml version='x'?>", "<?XML version='1.0'?>",
        " <?xml version='1.0'?>"}) {
    CAPTURE(decl);
    expect_prolog_error(decl + tail, "not-well-formed");
  }
}

TEST_CASE("whitespace keepalives between stanzas are ignored") {
  std::string s = stream(" ");
  for (int i = 0; i < 5; ++i)
    s += "\n \n<presence/>   \t";
  const Outcome o = run_all(s);
  CHECK(o.condition.empty());
  CHECK(o.elements() == 5);
}

TEST_CASE("self-closed stream header is a header then the end") {
  const Outcome o = run_all(
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'/>");
  CHECK(o.condition.empty());
  REQUIRE(o.raw.size() == 2);
  CHECK(o.raw[0].kind == K::header);
  CHECK(o.raw[1].kind == K::end);
}

TEST_CASE("attribute values containing > and />, CDATA containing < and ]]> boundaries") {
  const Outcome o = run_all(
      stream("<message to='a>b' id=\"/>\"><body a='&gt;' b='x/>y'>1 > 0</body></message>"
             "<message><body><![CDATA[</body></message><message>]]]]><![CDATA[>]]></body></message>"
             "<message><body><![CDATA[]]><![CDATA[]]]><![CDATA[]>]]></body></message>"));
  CHECK(o.condition.empty());
  REQUIRE(o.elements() == 3);
  CHECK(o.raw[1].element->attr("to") == "a>b");
  CHECK(o.raw[1].element->attr("id") == "/>");
  CHECK(o.raw[1].element->child("body", "jabber:client")->attr("b") == "x/>y");
  CHECK(o.raw[1].element->child_text("body", "jabber:client") == "1 > 0");
  CHECK(o.raw[2].element->child_text("body", "jabber:client") == "</body></message><message>]]>");
  CHECK(o.raw[3].element->child_text("body", "jabber:client") == "]]>");
}

TEST_CASE("a fragment's own namespace declarations and prefixed stanzas") {
  const Outcome o = run_all(stream(
      "<c:message xmlns:c='jabber:client' c:to='x'><c:body>hi</c:body></c:message>"
      "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"));
  CHECK(o.condition.empty());
  REQUIRE(o.elements() == 2);
  const Element& m = *o.raw[1].element;
  CHECK(m.is("message", "jabber:client"));
  CHECK(m.attr("to") == std::nullopt);  // a prefixed attribute is namespaced, never the plain one
  CHECK(m.child_text("body", "jabber:client") == "hi");
  CHECK(o.raw[2].element->is("error", k_ns_streams));
  CHECK(o.raw[2].element->child("conflict", "urn:ietf:params:xml:ns:xmpp-streams"));
}

TEST_CASE("reset() after STARTTLS: a new stream with a new XML declaration") {
  StreamParser p;
  REQUIRE(p.feed(stream("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")));
  CHECK((*p.next())->kind == K::header);
  CHECK((*p.next())->element->is("proceed", "urn:ietf:params:xml:ns:xmpp-tls"));
  CHECK(p.buffered() == 0);
  p.reset();
  REQUIRE(p.feed("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                 "xmlns:stream='http://etherx.jabber.org/streams' id='s2'><stream:features/>"));
  auto h = p.next();
  REQUIRE(h);
  REQUIRE(*h);
  CHECK((*h)->header.id == "s2");
  CHECK((*p.next())->element->is("features", k_ns_streams));
  CHECK(!*p.next());
}

TEST_CASE("reset() revives a parser that failed") {
  StreamParser p;
  CHECK(!p.feed("<!-- x -->"));
  p.reset();
  REQUIRE(p.feed(stream("<a/>")));
  CHECK((*p.next())->kind == K::header);
  CHECK((*p.next())->element->name() == "a");
}

// --- SECURITY.md table (a) ---------------------------------------------------------------------

TEST_CASE("row 1 cve_2011_1753_billion_laughs: billion laughs DOCTYPE before the header -> restricted-xml, nothing expanded") {
  std::string doctype = "<?xml version='1.0'?><!DOCTYPE stream:stream [<!ENTITY a \"aaaaaaaaaa\">";
  for (int i = 1; i < 10; ++i) {
    doctype += "<!ENTITY " + std::string(1, static_cast<char>('a' + i)) + " \"";
    for (int k = 0; k < 10; ++k)
      doctype += "&" + std::string(1, static_cast<char>('a' + i - 1)) + ";";
    doctype += "\">";
  }
  doctype += "]>";
  const long before = peak_rss_kib();
  expect_prolog_error(doctype + std::string(k_header).substr(21) +
                          "<message><body>&j;</body></message>",
                      "restricted-xml");
  CHECK(peak_rss_kib() - before < 1024);
}

TEST_CASE("row 2: DOCTYPE with an external id -> restricted-xml") {
  expect_prolog_error("<!DOCTYPE x SYSTEM \"file:///etc/passwd\">" +
                          std::string(k_header).substr(21),
                      "restricted-xml");
  expect_prolog_error("<!DOCTYPE x SYSTEM \"http://127.0.0.1:9/x.dtd\">" +
                          std::string(k_header).substr(21),
                      "restricted-xml");
  // Inside the stream too (not well-formed there, reported as restricted XML).
  expect_stream_error("<!DOCTYPE x SYSTEM \"file:///etc/passwd\">", "restricted-xml");
  expect_stream_error("<message><!DOCTYPE x></message>", "restricted-xml");
}

TEST_CASE("row 3: xsi:schemaLocation is an ordinary attribute") {
  const Outcome o =
      run_all(stream("<message><body xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance' "
                     "xsi:schemaLocation='urn:x http://127.0.0.1:9/x.xsd' "
                     "xsi:noNamespaceSchemaLocation='file:///etc/passwd'/>"
                     "</message>"));
  CHECK(o.condition.empty());
  REQUIRE(o.elements() == 1);
  const Element* body = o.raw[1].element->child("body", "jabber:client");
  REQUIRE(body);
  CHECK(body->attr_ns("http://www.w3.org/2001/XMLSchema-instance", "schemaLocation") ==
        "urn:x http://127.0.0.1:9/x.xsd");
}

TEST_CASE("row 4: comments -> restricted-xml, between stanzas and inside one") {
  expect_stream_error("<!-- hi -->", "restricted-xml");
  expect_stream_error("<message><!-- hi --></message>", "restricted-xml");
  expect_stream_error("<message><body>a<!---->b</body></message>", "restricted-xml");
  expect_prolog_error("<!-- hi -->" + std::string(k_header), "restricted-xml");
  // Not a comment inside CDATA or an attribute value.
  const Outcome o = run_all(stream("<message a='<!-- x -->'/>"));
  CHECK(o.condition == "not-well-formed");  // '<' is never allowed in an attribute value
  const Outcome c = run_all(stream("<message><body><![CDATA[<!-- x -->]]></body></message>"));
  CHECK(c.condition.empty());
  CHECK(c.raw[1].element->child_text("body", "jabber:client") == "<!-- x -->");
}

TEST_CASE("row 5: processing instructions -> restricted-xml") {
  expect_stream_error("<message><?foo bar?></message>", "restricted-xml");
  expect_stream_error("<?foo bar?>", "restricted-xml");
  expect_stream_error("<message><?xml-stylesheet href='x'?></message>", "restricted-xml");
  expect_prolog_error("<?foo?>" + std::string(k_header), "restricted-xml");
  expect_prolog_error("<?xml version='1.0'?><?foo?>" + std::string(k_header).substr(21),
                      "restricted-xml");
}

TEST_CASE("row 6 cve_2022_22784_xml_decl_reset: the parser never resets") {
  expect_stream_error("<?xml version='1.0'?>", "not-well-formed");
  expect_stream_error("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                      "xmlns:stream='http://etherx.jabber.org/streams'>",
                      "not-well-formed");
  expect_stream_error("<message><?xml version='1.0'?></message>", "not-well-formed");
  expect_stream_error("<?XmL version='1.0'?>", "not-well-formed");
  expect_stream_error(
      "<aaa\xEB/><?\xEB?><xml><iq type='set'><query xmlns='jabber:iq:roster'/></iq>",
      "not-well-formed");
}

TEST_CASE("row 7: undeclared entities and invalid character references") {
  for (const char* bad : {"&lol;", "&#0;", "&#x1;", "&#xD800;", "&#x110000;", "&#xFFFE;",
                          "&#1114112;", "&#x;", "&amp", "& ", "&#xDFFF;"}) {
    expect_stream_error(std::string("<message><body>") + bad + "</body></message>",
                        "not-well-formed");
    expect_stream_error(std::string("<message id='") + bad + "'/>", "not-well-formed");
  }
}

TEST_CASE("row 8: invalid UTF-8 is never skipped or repaired") {
  for (const char* bad :
       {"\xC0\xAF", "\x80", "\xEB\x3C\x3E", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xFF", "\xC2",
        "\xE2\x82", "\xF0\x9F\x98", "\xF8\x88\x80\x80\x80", "\xEF\xBF\xBE"}) {
    expect_stream_error(std::string("<message><body>a") + bad + "b</body></message>",
                        "not-well-formed");
    expect_stream_error(std::string("<message id='") + bad + "'/>", "not-well-formed");
    expect_stream_error(std::string("<message") + bad + "/>", "not-well-formed");
  }
  // In the header.
  expect_prolog_error(
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
      "to='\xC0\xAF'>",
      "not-well-formed");
}

TEST_CASE("row 8: invalid UTF-8 deep inside long text and attribute values") {
  // Xerces' own decoder silently dropped an F7-led sequence in an attribute value; the parser
  // checks every byte itself, wherever it falls relative to Xerces' buffers.
  for (const std::size_t offset : {0u, 1u, 100u, 16383u, 16384u, 16385u, 49151u, 49152u, 65536u}) {
    for (const char* bad :
         {"\xF7\x80\x80\x80", "\xF5\x80\x80\x80", "\xC0\xAF", "\xED\xA0\x80", "\x80"}) {
      CAPTURE(offset);
      const std::string pad(offset, 'p');
      for (const std::string& stanza : {"<m a='" + pad + bad + "'/>", "<m>" + pad + bad + "</m>"}) {
        const Outcome o = run_whole(stream(stanza + k_after), Limits{});
        CHECK(o.condition == "not-well-formed");
        CHECK(o.elements() == 0);
      }
    }
  }
}

TEST_CASE("row 9: raw NUL and C0 control characters") {
  for (int c = 0; c < 0x20; ++c) {
    if (c == '\t' || c == '\n' || c == '\r') continue;
    const std::string ch(1, static_cast<char>(c));
    expect_stream_error("<message><body>a" + ch + "b</body></message>", "not-well-formed");
    expect_stream_error("<message id='a" + ch + "b'/>", "not-well-formed");
  }
  expect_stream_error(std::string("\0", 1), "not-well-formed");
}

TEST_CASE("row 10: encodings other than UTF-8 and XML 1.1 -> unsupported-encoding") {
  const std::string tag = std::string(k_header).substr(21);
  expect_prolog_error("<?xml version='1.0' encoding='ISO-8859-1'?>" + tag, "unsupported-encoding");
  expect_prolog_error("<?xml version='1.0' encoding='UTF-16'?>" + tag, "unsupported-encoding");
  expect_prolog_error("<?xml version='1.0' encoding='UTF8'?>" + tag, "unsupported-encoding");
  expect_prolog_error("<?xml version='1.1'?>" + tag, "unsupported-encoding");
  expect_prolog_error("<?xml version='1.1' encoding='ISO-8859-1'?>" + tag, "unsupported-encoding");
  expect_prolog_error(std::string("\xFF\xFE<\0?\0x\0m\0l\0", 12), "unsupported-encoding");
  expect_prolog_error(std::string("\xFE\xFF\0<\0?", 6), "unsupported-encoding");
  expect_prolog_error(std::string("\0<\0?", 4), "unsupported-encoding");
  // A UTF-8 "BOM" is U+FEFF, character data before the root (RFC 6120 §11.6).
  expect_prolog_error("\xEF\xBB\xBF" + std::string(k_header), "not-well-formed");
}

TEST_CASE("row 11: mismatched and unclosed tags; the partial stanza is discarded") {
  expect_stream_error("<message><body></message>", "not-well-formed");
  expect_stream_error("<message><body>hi</body></stream:stream>", "not-well-formed");
  expect_stream_error("</message>", "not-well-formed");
  expect_stream_error("</stream:streamx>", "not-well-formed");
  expect_stream_error("<message><body><x></body></x></message>", "not-well-formed");
  expect_stream_error("<message><body></bodyx></message>", "not-well-formed");
  // Unclosed at the end of the input: nothing after the last complete stanza comes out.
  const Outcome o = run_all(stream(k_before + "<message><body>partial"));
  CHECK(o.condition.empty());
  CHECK(o.elements() == 1);
}

TEST_CASE("row 12: duplicate attributes, also through two prefixes for one namespace") {
  expect_stream_error("<message to='a' to='b'/>", "not-well-formed");
  expect_stream_error("<message xmlns:p='urn:x' xmlns:q='urn:x' p:x='1' q:x='2'/>",
                      "not-well-formed");
  expect_stream_error("<message xmlns:p='urn:x' xmlns:p='urn:y'/>", "not-well-formed");
  expect_stream_error("<message><body undeclared:x='1'/></message>", "not-well-formed");
  // Distinct namespaces are distinct attributes.
  const Outcome o =
      run_all(stream("<message xmlns:p='urn:x' xmlns:q='urn:y' p:x='1' q:x='2' x='3'/>"));
  CHECK(o.condition.empty());
  CHECK(o.raw[1].element->attributes().size() == 3);
}

TEST_CASE("row 13: a stanza over max_stanza_bytes -> policy-violation") {
  Limits small = Limits::pre_auth();
  small.max_stanza_bytes = 200;
  expect_stream_error("<message><body>" + std::string(300, 'x') + "</body></message>",
                      "policy-violation", small);
  // Exactly at the limit is fine, one byte more is not.
  const std::string at_limit = "<m>" + std::string(200 - 7, 'y') + "</m>";
  REQUIRE(at_limit.size() == 200);
  CHECK(run_all(stream(at_limit), small).condition.empty());
  expect_stream_error("<m>" + std::string(200 - 6, 'y') + "</m>", "policy-violation", small);
}

TEST_CASE("row 13: a 10 MiB stanza fed in socket-sized chunks is cut off at 1 MiB") {
  const Limits defaults{};
  StreamParser p(defaults);
  REQUIRE(p.feed(stream("<message><body>")));
  CHECK((*p.next())->kind == K::header);
  const std::string chunk(64 * 1024, 'x');
  std::size_t fed = 0;
  xmpp::Result<void> r;
  while (fed < 10 * 1024 * 1024) {
    r = p.feed(chunk);
    if (!r) break;
    fed += chunk.size();
  }
  REQUIRE(!r);
  CHECK(r.error().condition == "policy-violation");
  CHECK(fed <= defaults.max_stanza_bytes);
  CHECK(p.next().error().condition == "policy-violation");
}

TEST_CASE("row 14: huge attribute value or element name with no closing '>'") {
  Limits small = Limits::pre_auth();
  small.max_stanza_bytes = 512;
  expect_stream_error("<message to='" + std::string(2000, 'a'), "policy-violation", small);
  expect_stream_error("<message" + std::string(2000, 'a'), "policy-violation", small);
  expect_stream_error("<message a" + std::string(2000, 'a'), "policy-violation", small);
  // And in the stream header.
  expect_prolog_error("<stream:stream to='" + std::string(5000, 'a'), "policy-violation");
  expect_prolog_error("<stream:stream" + std::string(5000, 'a'), "policy-violation");
  expect_prolog_error(std::string(5000, ' '), "policy-violation");
}

TEST_CASE("row 14: a 10 MiB attribute value fed whole is never buffered beyond one slice") {
  std::string huge = stream("<message to='") + std::string(10 * 1024 * 1024, 'a');
  [[maybe_unused]] const long before = peak_rss_kib();
  StreamParser p(Limits{});
  CHECK(p.feed(huge));  // the header is waiting, so the error comes after it
  CHECK((*p.next())->kind == K::header);
  CHECK(p.next().error().condition == "policy-violation");
#ifndef __SANITIZE_ADDRESS__
  // Measured in the normal build only: ASan's quarantine keeps every freed buffer resident (the
  // slices the framer let go of included), so there RSS measures the sanitizer (3.6 MiB once).
  CHECK(peak_rss_kib() - before < 3 * 1024);
#endif
}

TEST_CASE("row 15 cve_2016_4463_deep_nesting: 100000 nested elements -> policy-violation, no stack overflow") {
  std::string deep;
  for (int i = 0; i < 100000; ++i)
    deep += "<a>";
  expect_stream_error(deep, "policy-violation", Limits{});
  expect_stream_error(deep, "policy-violation", Limits::pre_auth());
  // Empty elements and closed siblings do not add depth; the limit itself is allowed.
  Limits l{};
  l.max_depth = 3;
  CHECK(run_all(stream("<a><b><c/><c></c></b><b/></a>"), l).condition.empty());
  expect_stream_error("<a><b><c><d/></c></b></a>", "policy-violation", l);
}

TEST_CASE("row 16: too many attributes or namespace declarations -> policy-violation") {
  std::string attrs = "<message";
  for (int i = 0; i < 100000; ++i)
    attrs += " a" + std::to_string(i) + "='x'";
  expect_stream_error(attrs + "/>", "policy-violation", Limits{});
  std::string decls = "<message";
  for (int i = 0; i < 100000; ++i)
    decls += " xmlns:p" + std::to_string(i) + "='urn:" + std::to_string(i) + "'";
  expect_stream_error(decls + "/>", "policy-violation", Limits{});
  std::string header =
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'";
  for (int i = 0; i < 100; ++i)
    header += " a" + std::to_string(i) + "='x'";
  expect_prolog_error(header + ">", "policy-violation", Limits{1 << 20, 1 << 20, 64, 64});
  Limits l{};
  l.max_attributes = 3;
  const std::string short_header =
      "<s:stream xmlns:s='http://etherx.jabber.org/streams' xmlns='jabber:client'>";
  CHECK(
      run_all(short_header + "<message a='1' b='2' xmlns='jabber:client'/>", l).condition.empty());
  const Outcome o = run_all(short_header + "<a/><message a='1' b='2' c='3' d='4'/><b/>", l);
  CHECK(o.condition == "policy-violation");
  CHECK(o.elements() == 1);
}

TEST_CASE("row 17: a namespaced e:from is not the from attribute") {
  const Outcome o =
      run_all(stream("<message xmlns:e='urn:e' e:from='boss@corp' to='me@example.org'>"
                     "<body>hi</body></message>"));
  CHECK(o.condition.empty());
  REQUIRE(o.elements() == 1);
  const Element& m = *o.raw[1].element;
  CHECK(m.attr("from") == std::nullopt);
  CHECK(m.attr_ns("urn:e", "from") == "boss@corp");
  CHECK(m.attr("to") == "me@example.org");
}

TEST_CASE("row 18: stream prefix games") {
  // Decision: any prefix bound to the stream namespace is accepted (RFC 6120 §4.8.5 makes the
  // name 'stream' a SHOULD); its end tag must use the same prefix.
  const Outcome s =
      run_all("<s:stream xmlns:s='http://etherx.jabber.org/streams' xmlns='jabber:client'>"
              "<s:features/><message/></s:stream>");
  CHECK(s.condition.empty());
  REQUIRE(s.raw.size() == 4);
  CHECK(s.raw[1].element->is("features", k_ns_streams));
  CHECK(s.raw[3].kind == K::end);
  CHECK(run_all("<s:stream xmlns:s='http://etherx.jabber.org/streams' "
                "xmlns='jabber:client'></stream:stream>")
            .condition == "not-well-formed");

  expect_prolog_error("<stream:stream xmlns:stream='urn:wrong' xmlns='jabber:client'>",
                      "invalid-namespace");
  expect_prolog_error(
      "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:server'>",
      "invalid-namespace");
  expect_prolog_error(
      "<stream:other xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client'>",
      "invalid-namespace");
  expect_prolog_error("<message xmlns='jabber:client'>", "invalid-namespace");
  // Unprefixed: the content namespace would be the stream namespace (RFC 6120 §4.8.2).
  expect_prolog_error("<stream xmlns='http://etherx.jabber.org/streams'>", "bad-namespace-prefix");
  // An undeclared prefix is not namespace-well-formed.
  expect_prolog_error("<stream:stream xmlns='jabber:client'>", "not-well-formed");
  // No content namespace at all is allowed (RFC 6120 §4.8.2): stanzas then carry their own.
  const Outcome n =
      run_all("<stream:stream xmlns:stream='http://etherx.jabber.org/streams'><message/>");
  CHECK(n.condition.empty());
  REQUIRE(n.elements() == 1);
  CHECK(n.raw[1].element->ns().empty());
}

TEST_CASE("row 19 cve_2022_20917_nested_stream_elements: payload only") {
  const Outcome o = run_all(
      stream("<message><stream:error xmlns:stream='http://etherx.jabber.org/streams'>"
             "<conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></message>"
             "<message><stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
             "xmlns='jabber:client'>"
             "<message/></stream:stream></message>"
             "<message><stream:error/></message>"));
  CHECK(o.condition.empty());
  REQUIRE(o.raw.size() == 4);
  for (std::size_t i = 1; i < 4; ++i)
    CHECK(o.raw[i].element->is("message", "jabber:client"));
  CHECK(o.raw[1].element->child("error", k_ns_streams));
  CHECK(o.raw[2].element->child("stream", k_ns_streams));
  CHECK(o.raw[3].element->child("error", k_ns_streams));
}

TEST_CASE("row 20: a nested stanza-named payload is a child, never a stanza") {
  const Outcome o =
      run_all(stream("<message from='a@x'><message xmlns='jabber:client' from='boss@corp'>"
                     "<body>pay</body></message></message>"));
  CHECK(o.condition.empty());
  REQUIRE(o.elements() == 1);
  const Element& outer = *o.raw[1].element;
  CHECK(outer.attr("from") == "a@x");
  CHECK(outer.child("message", "jabber:client")->attr("from") == "boss@corp");
}

TEST_CASE("row 21: unknown top-level elements are returned; the session decides") {
  const Outcome o = run_all(stream("<foo/><x xmlns='urn:unknown'><y/></x>"));
  CHECK(o.condition.empty());
  REQUIRE(o.elements() == 2);
  CHECK(o.raw[1].element->is("foo", "jabber:client"));
  CHECK(o.raw[2].element->is("x", "urn:unknown"));
}

TEST_CASE("row 22: a second stream header -> unsupported-stanza-type") {
  expect_stream_error(std::string(k_header).substr(21), "unsupported-stanza-type");
  expect_stream_error(std::string(k_header).substr(21) + "<message/></stream:stream>",
                      "unsupported-stanza-type");
  expect_stream_error(
      "<s2:stream xmlns:s2='http://etherx.jabber.org/streams'><message/></s2:stream>",
      "unsupported-stanza-type");
}

TEST_CASE("row 22: nothing after </stream:stream> is processed") {
  const Outcome o = run_all(stream(k_before + "</stream:stream>" + k_after));
  CHECK(o.condition == "not-well-formed");
  REQUIRE(o.raw.size() == 3);
  CHECK(o.raw[2].kind == K::end);
  const Outcome t = run_all(stream(k_before + "</stream:stream>x"));
  CHECK(t.condition == "not-well-formed");
  const Outcome ws = run_all(stream(k_before + "</stream:stream>\r\n "));
  CHECK(ws.condition.empty());
  CHECK(ws.raw.size() == 3);
}

TEST_CASE("row 23: bytes after <proceed/> are reported, never returned as events") {
  // They may be parsed ahead together with <proceed/> (one Xerces document per read), but
  // buffered() counts them and reset() drops them: the session aborts on them as before.
  const std::string success = "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>";
  StreamParser p;
  REQUIRE(p.feed(stream("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" + success)));
  CHECK((*p.next())->kind == K::header);
  auto proceed = p.next();
  REQUIRE(proceed);
  CHECK((*proceed)->element->is("proceed", "urn:ietf:params:xml:ns:xmpp-tls"));
  CHECK(p.buffered() == success.size());
  // An incomplete element and bare whitespace count too.
  StreamParser q;
  REQUIRE(q.feed(stream("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/> <succ")));
  CHECK((*q.next())->kind == K::header);
  CHECK((*q.next())->element->name() == "proceed");
  CHECK(q.buffered() == 6);
  // After the restart the injected element is gone.
  p.reset();
  CHECK(p.buffered() == 0);
  REQUIRE(p.feed(stream("")));
  CHECK((*p.next())->kind == K::header);
  CHECK(!*p.next());
}

TEST_CASE("stanzas parsed ahead together: the same events, errors and buffered() as one by one") {
  // StreamParser parses the fragments waiting in one read as one Xerces document (at most 64 of
  // them, 64 KiB); a bad one anywhere must still end the stream exactly after the ones before it.
  auto stanza = [](int i) {
    return "<message id='" + std::to_string(i) + "'><body>" +
           std::string(static_cast<std::size_t>(i * 37 % 1500), 'x') + "</body></message>";
  };
  for (const int bad_at : {-1, 0, 1, 2, 63, 64, 65, 130, 199}) {
    CAPTURE(bad_at);
    std::string body;
    for (int i = 0; i < 200; ++i)
      body += i == bad_at ? "<message><body>&lol;</body></message>" : stanza(i);
    const std::string input = stream(body + " ");
    StreamParser p(Limits{});
    REQUIRE(p.feed(input));
    auto header = p.next();
    REQUIRE(header);
    REQUIRE(*header);
    CHECK(p.buffered() == input.size() - (*header)->end);
    int seen = 0;
    std::string condition;
    for (;;) {
      auto e = p.next();
      if (!e) {
        condition = e.error().condition;
        break;
      }
      if (!*e) break;
      REQUIRE((*e)->kind == K::element);
      CHECK((*e)->element->attr("id") == std::to_string(seen));
      CHECK(input.substr((*e)->begin, (*e)->end - (*e)->begin) == stanza(seen));
      CHECK(p.buffered() == input.size() - (*e)->end);
      ++seen;
    }
    CHECK(seen == (bad_at < 0 ? 200 : bad_at));
    CHECK(condition == (bad_at < 0 ? "" : "not-well-formed"));
    if (bad_at < 0) CHECK(p.buffered() == 1);  // the trailing whitespace
  }
}

TEST_CASE("top-level character data and CDATA are not-well-formed") {
  expect_stream_error("text", "not-well-formed");
  expect_stream_error("&amp;", "not-well-formed");
  expect_stream_error("<![CDATA[x]]>", "not-well-formed");
  expect_prolog_error("hello" + std::string(k_header), "not-well-formed");
  expect_prolog_error("</stream:stream>", "not-well-formed");
}

TEST_CASE("malformed tags are not-well-formed") {
  for (const char* bad :
       {"< message/>", "<message a/>", "<message a=x/>", "<message a='1'b='2'/>", "<message/ >",
        "<1message/>", "<message a='1' / >", "<message =''/>", "<message a=='1'/>",
        "<message></ message>", "<message></message x>", "<!foo>", "<!-x>", "<!DOCTYPx>",
        "<message><![CDATX[x]]></message>", "<message>]]></message>", "<m:message/>"}) {
    expect_stream_error(bad, "not-well-formed");
  }
}

TEST_CASE("limits can be raised after authentication") {
  StreamParser p(Limits::pre_auth());
  p.set_limits(Limits{});
  const std::string big = "<message><body>" + std::string(100 * 1024, 'z') + "</body></message>";
  REQUIRE(p.feed(stream(big)));
  CHECK((*p.next())->kind == K::header);
  auto e = p.next();
  REQUIRE(e);
  REQUIRE(*e);
  CHECK((*e)->element->child_text("body", "jabber:client")->size() == 100 * 1024);
}
