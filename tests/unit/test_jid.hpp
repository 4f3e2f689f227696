// The JID of a literal in a test: it must parse, or the test fails there.
#pragma once

#include <string_view>

#include <doctest/doctest.h>

#include "jid/jid.hpp"

namespace xmpp::test {

inline Jid jid(std::string_view text) {
  auto j = Jid::parse(text);
  REQUIRE_MESSAGE(j.has_value(), text);
  return *j;
}

}  // namespace xmpp::test
