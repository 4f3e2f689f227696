// libFuzzer target for the file-name sanitiser (SECURITY.md row 47 and "Fuzzing": the file-name
// sanitiser). The input is a peer's <name/> as raw bytes. Properties of jingle_ft::safe_file_name:
//   - it fails only with kind data, code bad_file_name;
//   - what it returns is valid UTF-8, 1 to 255 bytes, not "." or "..", one path component (no
//     '/', '\', U+2215, U+2044, U+FF0F), free of control characters (C0, DEL, C1), without a
//     leading dot (no hidden file) and without a trailing dot or space;
//   - it is idempotent: safe_file_name(result) == result.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "xep/jingle_ft/file_name.hpp"

namespace {

[[noreturn]] void violation(const char* what, std::string_view input) {
  std::fprintf(stderr, "file_name fuzz: %s (input of %zu bytes)\n", what, input.size());
  std::abort();
}

/// Decodes `s` as UTF-8 and checks each code point; false on invalid UTF-8 or a forbidden one.
bool clean_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t n = b0 < 0x80             ? 1
                    : (b0 & 0xE0) == 0xC0 ? 2
                    : (b0 & 0xF0) == 0xE0 ? 3
                    : (b0 & 0xF8) == 0xF0 ? 4
                                          : 0;
    if (n == 0 || i + n > s.size()) return false;
    char32_t cp = n == 1 ? b0 : n == 2 ? (b0 & 0x1F) : n == 3 ? (b0 & 0x0F) : (b0 & 0x07);
    for (std::size_t k = 1; k < n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    static constexpr char32_t k_min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < k_min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) return false;
    if (cp == '/' || cp == '\\' || cp == 0x2215 || cp == 0x2044 || cp == 0xFF0F) return false;
    i += n;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto out = xmpp::jingle_ft::safe_file_name(input);
  if (!out) {
    if (out.error().code != "bad_file_name" || out.error().kind != xmpp::ErrorKind::data)
      violation("an error other than data/bad_file_name", input);
    return 0;
  }
  const std::string& name = *out;
  if (name.empty() || name.size() > xmpp::jingle_ft::k_max_name_bytes)
    violation("empty or longer than 255 bytes", input);
  if (name == "." || name == "..") violation("'.' or '..'", input);
  if (name.back() == '.' || name.back() == ' ') violation("a trailing dot or space", input);
  if (name.front() == '.') violation("a leading dot (a hidden file)", input);
  if (!clean_utf8(name)) violation("invalid UTF-8, a separator or a control character", input);
  const auto again = xmpp::jingle_ft::safe_file_name(name);
  if (!again || *again != name) violation("not idempotent", input);
  return 0;
}
