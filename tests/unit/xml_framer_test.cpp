// The sans-I/O framer (xml/framer.hpp) on its own: frame boundaries and bounded buffering.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "xml/framer.hpp"
#include "xml_harness.hpp"

using namespace xmpp::xml;
using FK = Frame::Kind;

namespace {

struct Cut {
  FK kind;
  std::string bytes;
  std::string qname;
};

std::vector<Cut> drain(Framer& f) {
  std::vector<Cut> out;
  while (auto fr = f.pop())
    out.push_back({fr->kind, std::string(fr->bytes), std::string(fr->qname)});
  return out;
}

}  // namespace

TEST_CASE("frames are exact byte spans") {
  Framer f(Limits{});
  const std::string header = "<?xml version='1.0'?>\n<stream:stream xmlns='jabber:client' "
                             "xmlns:stream='http://etherx.jabber.org/streams'>";
  const std::string a = "<message a='>' b=\"/>\"><body><![CDATA[</message>]]></body></message>";
  const std::string b = "<presence/>";
  f.feed(header + " \n" + a + "\t" + b + "\r\n</stream:stream >  ");
  const auto cuts = drain(f);
  REQUIRE(cuts.size() == 4);
  CHECK(cuts[0].kind == FK::header);
  CHECK(cuts[0].bytes == header);
  CHECK(cuts[0].qname == "stream:stream");
  CHECK(cuts[1].kind == FK::element);
  CHECK(cuts[1].bytes == a);
  CHECK(cuts[2].bytes == b);
  CHECK(cuts[3].kind == FK::end);
  CHECK(cuts[3].bytes == "</stream:stream >");
  CHECK(!f.error());
  CHECK(f.buffered() == 2);
}

TEST_CASE("buffered() counts everything after the last popped frame") {
  Framer f(Limits{});
  f.feed(std::string(xml_test::k_header) + "<a/>  <b");
  CHECK(f.buffered() == xml_test::k_header.size() + 8);
  CHECK(f.pop()->kind == FK::header);
  CHECK(f.buffered() == 8);
  CHECK(f.pop()->bytes == "<a/>");
  CHECK(f.buffered() == 4);
  CHECK(!f.pop());
  f.reset();
  CHECK(f.buffered() == 0);
}

TEST_CASE("a long stream of stanzas popped as it goes keeps the buffer small") {
  Framer f(Limits{});
  f.feed(xml_test::k_header);
  REQUIRE(f.pop());
  const std::string stanza = "<message to='x'><body>hello</body></message>  ";
  std::string chunk;
  for (int i = 0; i < 1000; ++i)
    chunk += stanza;
  std::size_t frames = 0, peak = 0;
  for (int round = 0; round < 50; ++round) {
    f.feed(chunk);
    peak = std::max(peak, f.buffer_bytes());
    while (f.pop())
      ++frames;
  }
  CHECK(frames == 50000);
  CHECK(peak <= 2 * chunk.size());
  CHECK(!f.error());
}

TEST_CASE("whitespace keepalives are not buffered") {
  Framer f(Limits::pre_auth());
  f.feed(xml_test::k_header);
  REQUIRE(f.pop());
  const std::string spaces(64 * 1024, ' ');
  for (int i = 0; i < 160; ++i)
    f.feed(spaces);  // 10 MiB of keepalives
  CHECK(!f.error());
  CHECK(f.buffer_bytes() <= spaces.size());
  CHECK(f.buffered() == 160 * spaces.size());
  f.feed("<a/>");
  CHECK(f.pop()->bytes == "<a/>");
  CHECK(f.buffered() == 0);
}

TEST_CASE("an oversized stanza fed in one piece is never buffered whole") {
  Limits l{};
  Framer f(l);
  f.feed(xml_test::k_header);
  REQUIRE(f.pop());
  const std::string huge = "<message><body>" + std::string(10 * 1024 * 1024, 'x');
  f.feed(huge);
  REQUIRE(f.error());
  CHECK(f.error()->condition == "policy-violation");
  CHECK(f.buffer_bytes() <= l.max_stanza_bytes + 64 * 1024);
  CHECK(f.buffered() == huge.size());
}

TEST_CASE("a violation after complete frames leaves those frames poppable") {
  Framer f(Limits{});
  f.feed(std::string(xml_test::k_header) + "<a/><!-- x --><b/>");
  CHECK(f.error());
  CHECK(f.has_frame());
  CHECK(f.pop()->kind == FK::header);
  CHECK(f.pop()->bytes == "<a/>");
  CHECK(!f.pop());
  CHECK(f.error()->condition == "restricted-xml");
}
