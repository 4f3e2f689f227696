// Helpers for the stream/stanza unit tests: XML text -> Element through the real stream parser.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "jid/jid.hpp"
#include "xml/element.hpp"
#include "xml/stream_parser.hpp"
#include "xml/writer.hpp"

namespace xmpp::test {

/// Parses one top-level element written as it would appear inside a c2s stream (default namespace
/// jabber:client, prefix stream: bound).
inline xml::Element parse(std::string_view text) {
  xml::StreamParser parser(xml::Limits{});
  std::string stream =
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
      "version='1.0'>";
  stream += text;
  REQUIRE(parser.feed(stream));
  auto header = parser.next();
  REQUIRE(header);
  REQUIRE(*header);
  auto event = parser.next();
  REQUIRE(event);
  REQUIRE(*event);
  REQUIRE((*event)->kind == xml::StreamEvent::Kind::element);
  return *(*event)->element;
}

inline Jid jid(std::string_view text) {
  auto j = Jid::parse(text);
  REQUIRE(j);
  return *j;
}

inline std::string str(const xml::Element& e) {
  return xml::to_string(e, "jabber:client");
}

}  // namespace xmpp::test
