// `--help` that fits an 80-column terminal (issue 13), as git's and curl's do: CLI11 prints each
// description on one line however long; this formatter wraps descriptions at word boundaries,
// continuing under the description column, and wraps the command description on top.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <string>
#include <string_view>

namespace xmpp::cli {

inline constexpr std::size_t k_help_width = 80;

/// Word-wraps `text` so no line is longer than `width` (a word longer than that stands alone on
/// its line); existing line breaks are kept. Lines after the first are NOT indented: the caller
/// indents them (CLI11 indents after each '\n' in a description).
std::string wrap_words(std::string_view text, std::size_t width);

class HelpFormatter : public CLI::Formatter {
 public:
  HelpFormatter();
  std::string make_option_desc(const CLI::Option* opt) const override;
  std::string make_subcommand(const CLI::App* sub) const override;
  std::string make_description(const CLI::App* app) const override;
};

}  // namespace xmpp::cli
