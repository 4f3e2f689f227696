#include "exit_codes.hpp"

#include <fmt/format.h>

#include "help_formatter.hpp"

namespace xmpp::cli {

std::string exit_codes_help() {
  std::string out = "Exit codes:\n";
  // "  NNN  NAME            " then the meaning, wrapped under itself to fit 80 columns.
  constexpr std::size_t k_indent = 2 + 3 + 2 + 14 + 2;
  const std::string hang = "\n" + std::string(k_indent, ' ');
  for (const auto& row : k_exit_codes) {
    auto meaning = wrap_words(row.meaning, k_help_width - k_indent);
    for (auto at = meaning.find('\n'); at != std::string::npos; at = meaning.find('\n', at + 1))
      meaning.replace(at, 1, hang);
    out += fmt::format("  {:>3}  {:<14}  {}\n", row.code, row.name, meaning);
  }
  return out;
}

}  // namespace xmpp::cli
