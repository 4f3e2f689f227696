// A standalone throughput check (not a timing assertion): 10k stanzas through one StreamParser.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "xml/stream_parser.hpp"
#include "xml_harness.hpp"

using namespace xmpp::xml;

TEST_CASE("10k stanzas through one parser, fed in 4 KiB chunks") {
  std::string input(xml_test::k_header);
  for (int i = 0; i < 10000; ++i) {
    input += "<message from='juliet@example.com/balcony' to='romeo@example.net' type='chat' id='m" +
             std::to_string(i) +
             "'><body>Wherefore art thou, Romeo? caf\xC3\xA9 &amp; &#x263A;</body>"
             "<active xmlns='http://jabber.org/protocol/chatstates'/>"
             "<origin-id xmlns='urn:xmpp:sid:0' id='de3a5a9f-6d23-4d58-8a1d-" +
             std::to_string(i) + "'/></message>\n";
  }
  input += "</stream:stream>";

  StreamParser parser(Limits{});
  std::size_t elements = 0, ends = 0;
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t off = 0; off < input.size(); off += 4096) {
    REQUIRE(parser.feed(std::string_view(input).substr(off, 4096)));
    for (;;) {
      auto ev = parser.next();
      REQUIRE(ev);
      if (!*ev) break;
      if ((*ev)->kind == StreamEvent::Kind::element) {
        CHECK((*ev)->element->attr("id") == "m" + std::to_string(elements));
        ++elements;
      }
      ends += (*ev)->kind == StreamEvent::Kind::end;
    }
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  CHECK(elements == 10000);
  CHECK(ends == 1);
  CHECK(parser.buffered() == 0);
  MESSAGE("10000 stanzas, " << input.size() / 1024 << " KiB in " << ms << " ms");
}
