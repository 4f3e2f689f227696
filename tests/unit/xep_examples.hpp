// Helpers for testing XEP codecs against the specs' numbered examples (tests/fixtures/xepNNNN-exN-
// ....xml): load an example as a stanza, compare elements by content.
#pragma once

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <tuple>

#include <doctest/doctest.h>

#include "jid/jid.hpp"
#include "test_jid.hpp"
#include "xep_fake_session.hpp"
#include "xml/element.hpp"

namespace xmpp::test {

/// The example stanza in tests/fixtures/`name`.
inline xml::Element example(const std::string& name) {
  std::ifstream in(std::string(XMPP_FIXTURES) + "/" + name);
  REQUIRE_MESSAGE(in.good(), "missing fixture " << name);
  std::stringstream text;
  text << in.rdbuf();
  return parse_stanza(text.str());
}

/// The element without formatting whitespace and with attributes in a fixed order, so that a
/// pretty-printed example and a built stanza compare by content.
inline xml::Element canonical(const xml::Element& e) {
  xml::Element out(e.name(), e.ns());
  auto attrs = e.attributes();
  std::sort(attrs.begin(), attrs.end(), [](const auto& a, const auto& b) {
    return std::tie(a.ns, a.name) < std::tie(b.ns, b.name);
  });
  for (const auto& a : attrs)
    out.set_attr_ns(a.ns, a.name, a.value);
  for (const auto& n : e.nodes()) {
    if (!n.is_text())
      out.add_child(canonical(n.element()));
    else if (n.text().find_first_not_of(" \t\r\n") != std::string::npos)
      out.add_text(n.text());
  }
  return out;
}

/// Our builders leave 'from' to the server (RFC 6120 §8.1.2.1); the examples show it.
inline xml::Element with_from(xml::Element e, const xml::Element& example) {
  if (auto from = example.attr("from")) e.set_attr("from", *from);
  return e;
}

/// The example stanza in tests/fixtures/`fixture` as the answer to `request`: its id, and from
/// the address the request went to.
inline xml::Element example_answer(const xml::Element& request, const std::string& fixture) {
  auto e = example(fixture);
  e.set_attr("id", *request.attr("id"));
  e.set_attr("from", *request.attr("to"));
  return e;
}

}  // namespace xmpp::test
