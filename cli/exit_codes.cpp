#include "exit_codes.hpp"

#include <fmt/format.h>

namespace xmpp::cli {

std::string exit_codes_help() {
  std::string out = "Exit codes:\n";
  for (const auto& row : k_exit_codes)
    out += fmt::format("  {:>3}  {:<14}  {}\n", row.code, row.name, row.meaning);
  return out;
}

}  // namespace xmpp::cli
