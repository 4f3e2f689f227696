// Helpers for the XEP codec tests: the specs' numbered examples from tests/fixtures/, compared
// with built stanzas by content (formatting whitespace and attribute order do not count).
#pragma once

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <tuple>

#include <doctest/doctest.h>

#include "jid/jid.hpp"
#include "xep_fake_session.hpp"

namespace xmpp::test {

/// The fixture file `name` parsed as a stanza of a jabber:client stream.
inline xml::Element fixture(const std::string& name) {
  std::ifstream in(std::string(XMPP_FIXTURES) + "/" + name);
  REQUIRE_MESSAGE(in.good(), "missing fixture " << name);
  std::stringstream text;
  text << in.rdbuf();
  return parse_stanza(text.str());
}

/// The element without formatting whitespace and with attributes in a fixed order.
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

inline Jid jid(std::string_view text) {
  auto j = Jid::parse(text);
  REQUIRE_MESSAGE(j.has_value(), text);
  return *j;
}

}  // namespace xmpp::test
