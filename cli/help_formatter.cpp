#include "help_formatter.hpp"

#include <sstream>

namespace xmpp::cli {

namespace {

// The left column (option names, subcommand names), as CLI11's default.
constexpr std::size_t k_column = 30;

std::string wrap_line(std::string_view line, std::size_t width) {
  std::string out;
  std::size_t used = 0;
  std::size_t pos = 0;
  // Leading blanks are kept (indented lists in descriptions).
  while (pos < line.size() && line[pos] == ' ') {
    out += ' ';
    ++used;
    ++pos;
  }
  const std::size_t indent = used;
  while (pos < line.size()) {
    const auto end = line.find(' ', pos);
    const auto word = line.substr(pos, end == std::string_view::npos ? end : end - pos);
    pos = end == std::string_view::npos ? line.size() : end + 1;
    if (word.empty()) continue;
    if (used > indent && used + 1 + word.size() > width) {
      out += '\n';
      out.append(indent, ' ');
      used = indent;
    } else if (used > indent) {
      out += ' ';
      ++used;
    }
    out += word;
    used += word.size();
  }
  return out;
}

}  // namespace

std::string wrap_words(std::string_view text, std::size_t width) {
  std::string out;
  std::size_t start = 0;
  for (;;) {
    const auto nl = text.find('\n', start);
    out += wrap_line(text.substr(start, nl == std::string_view::npos ? nl : nl - start), width);
    if (nl == std::string_view::npos) break;
    out += '\n';
    start = nl + 1;
  }
  return out;
}

HelpFormatter::HelpFormatter() {
  column_width(k_column);
}

std::string HelpFormatter::make_option_desc(const CLI::Option* opt) const {
  return wrap_words(CLI::Formatter::make_option_desc(opt), k_help_width - k_column);
}

std::string HelpFormatter::make_subcommand(const CLI::App* sub) const {
  std::stringstream out;
  CLI::detail::format_help(out, sub->get_display_name(true),
                           wrap_words(sub->get_description(), k_help_width - k_column), k_column);
  return out.str();
}

std::string HelpFormatter::make_description(const CLI::App* app) const {
  const auto text = CLI::Formatter::make_description(app);
  return text.empty() ? text : wrap_words(text, k_help_width);
}

}  // namespace xmpp::cli
