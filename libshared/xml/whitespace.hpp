// XML's white space (XML 1.0 §2.3 production S: space, tab, CR, LF), which surrounds text
// content such as a SASL mechanism name or a date in many protocol elements.
#pragma once

#include <string_view>

namespace xmpp::xml {

inline constexpr std::string_view k_space = " \t\r\n";

/// `text` without leading and trailing XML white space.
inline std::string_view trim_space(std::string_view text) {
  const auto first = text.find_first_not_of(k_space);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(k_space) - first + 1);
}

}  // namespace xmpp::xml
