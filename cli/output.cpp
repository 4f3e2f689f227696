#include "output.hpp"

#include <cmath>
#include <cstdio>

#include "exit_codes.hpp"
#include "terminal_colour.hpp"

namespace xmpp::cli {

namespace {

void append_hex(std::string& out, unsigned char byte) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02x", byte);
  out += buf;
}

void append_u(std::string& out, char32_t cp) {
  char buf[12];
  std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
  out += buf;
}

/// Code points that reorder or hide text on a terminal, or break lines where a terminal does not.
bool is_dangerous(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) ||      // C1 controls (CSI, OSC, ...)
         cp == 0x061C ||                    // ARABIC LETTER MARK
         cp == 0x200E || cp == 0x200F ||    // LRM, RLM
         (cp >= 0x202A && cp <= 0x202E) ||  // LRE, RLE, PDF, LRO, RLO
         (cp >= 0x2066 && cp <= 0x2069) ||  // LRI, RLI, FSI, PDI
         cp == 0x2028 || cp == 0x2029;      // LINE / PARAGRAPH SEPARATOR
}

/// Length of the valid UTF-8 sequence at `s[i]` and its code point, or 0 when invalid
/// (overlong forms, surrogates and values above U+10FFFF are invalid, RFC 3629 §3).
std::size_t decode_utf8(std::string_view s, std::size_t i, char32_t& cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  char32_t min = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

}  // namespace

std::string escape_terminal(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      if (byte == '\n') {
        out += keep_newlines ? "\n" : "\\n";
      } else if (byte == '\t') {
        out += "\\t";
      } else if (byte == '\r') {
        out += "\\r";
      } else if (byte < 0x20 || byte == 0x7F) {
        append_hex(out, byte);
      } else {
        out += static_cast<char>(byte);
      }
      ++i;
      continue;
    }
    char32_t cp = 0;
    const auto len = decode_utf8(text, i, cp);
    if (len == 0) {
      append_hex(out, byte);
      ++i;
    } else {
      if (is_dangerous(cp))
        append_u(out, cp);
      else
        out.append(text.substr(i, len));
      i += len;
    }
  }
  return out;
}

std::string dump_json(const nlohmann::ordered_json& value) {
  const std::string text =
      value.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  // The serializer escapes C0 controls only. Outside ASCII a JSON document has characters only
  // inside strings, where \uXXXX means the same character: so the ones that act on a terminal
  // (SECURITY.md row 51) are spelled that way and `xmpp --json | cat` cannot drive the terminal.
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    const auto len = static_cast<unsigned char>(text[i]) < 0x80 ? 0 : decode_utf8(text, i, cp);
    if (len != 0 && is_dangerous(cp)) {
      append_u(out, cp);
      i += len;
    } else {
      const std::size_t n = len == 0 ? 1 : len;
      out.append(text, i, n);
      i += n;
    }
  }
  return out;
}

void Report::write_json(std::ostream& out) const {
  out << dump_json(to_json()) << '\n';
}

void print_report(const Report& report, bool json, std::ostream& out) {
  if (json)
    report.write_json(out);
  else
    report.print_human(out);
  out.flush();
}

std::string error_json(const Error& error) {
  return error_json(error, exit_code(error.kind));
}

nlohmann::ordered_json error_object(const Error& error) {
  return {{"code", error.code},
          {"condition", error.condition.empty() ? nlohmann::ordered_json(nullptr)
                                                : nlohmann::ordered_json(error.condition)},
          {"message", error.message}};
}

std::string error_json(const Error& error, int exit) {
  auto body = error_object(error);
  body["exit"] = exit;
  return dump_json(nlohmann::ordered_json{{"error", std::move(body)}});
}

void print_error(const Error& error, bool json, std::ostream& err) {
  print_error(error, json, err, exit_code(error.kind));
}

void print_error(const Error& error, bool json, std::ostream& err, int exit) {
  err << diagnostic_prefix(Diagnostic::error) << escape_terminal(error.message) << '\n';
  if (json) err << error_json(error, exit) << '\n';
  err.flush();
}

double round_ms(double ms) {
  return std::round(ms * 1000.0) / 1000.0;
}

}  // namespace xmpp::cli
