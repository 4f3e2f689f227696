#include "xep/jingle_ft/file_name.hpp"

#include <cctype>
#include <optional>

namespace xmpp::jingle_ft {
namespace {

/// The longest extension kept when a name is cut (step 7).
constexpr std::size_t k_max_extension_bytes = 16;

struct CodePoint {
  char32_t value;
  std::size_t size;  ///< its UTF-8 length
};

/// Decodes the code point at the start of `s`: nullopt for invalid UTF-8 (overlong forms,
/// surrogates, above U+10FFFF, truncated sequences), RFC 3629 §3.
std::optional<CodePoint> decode(std::string_view s) {
  const auto b0 = static_cast<unsigned char>(s[0]);
  if (b0 < 0x80) return CodePoint{b0, 1};
  std::size_t size = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    size = 2;
    cp = b0 & 0x1F;
    min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    size = 3;
    cp = b0 & 0x0F;
    min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    size = 4;
    cp = b0 & 0x07;
    min = 0x10000;
  } else {
    return std::nullopt;
  }
  if (s.size() < size) return std::nullopt;
  for (std::size_t i = 1; i < size; ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if ((b & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  return CodePoint{cp, size};
}

bool is_control(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

/// Invisible characters that reorder what a person reads (Unicode bidi marks, embeddings,
/// overrides and isolates).
bool is_bidi_control(char32_t cp) {
  return cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

bool is_separator(char32_t cp) {
  return cp == '/' || cp == '\\' || cp == 0x2215 || cp == 0x2044 || cp == 0xFF0F;
}

void strip_trailing_dots_and_spaces(std::string& s) {
  while (!s.empty() && (s.back() == '.' || s.back() == ' '))
    s.pop_back();
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(a[i])) != static_cast<unsigned char>(b[i]))
      return false;
  return true;
}

/// True for CON, PRN, AUX, NUL, COM1-9, LPT1-9, with or without an extension, in any case, with
/// spaces before the extension ("con .txt"): names Windows opens as devices.
bool is_device_name(std::string_view name) {
  auto stem = name.substr(0, name.find('.'));
  while (!stem.empty() && stem.back() == ' ')
    stem.remove_suffix(1);
  for (std::string_view device : {"CON", "PRN", "AUX", "NUL"})
    if (iequals(stem, device)) return true;
  if (stem.size() == 4 && (iequals(stem.substr(0, 3), "COM") || iequals(stem.substr(0, 3), "LPT")))
    return stem[3] >= '1' && stem[3] <= '9';
  return false;
}

/// Backs `n` off to the start of a UTF-8 character of `s` (valid UTF-8).
std::size_t boundary(std::string_view s, std::size_t n) {
  while (n > 0 && n < s.size() && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80)
    --n;
  return n;
}

/// Step 7: cuts `s` to k_max_name_bytes keeping a short extension.
void cut(std::string& s) {
  if (s.size() <= k_max_name_bytes) return;
  const auto dot = s.rfind('.');
  if (dot != std::string::npos && dot > 0 && s.size() - dot <= k_max_extension_bytes) {
    const auto extension = s.substr(dot);
    const auto stem = boundary(s, k_max_name_bytes - extension.size());
    s = s.substr(0, stem) + extension;
  } else {
    s.resize(boundary(s, k_max_name_bytes));
  }
}

tl::unexpected<Error> bad_name(std::string message) {
  return fail(ErrorKind::data, "bad_file_name", "", std::move(message));
}

}  // namespace

Result<std::string> safe_file_name(std::string_view name) {
  // Steps 1-3 in one pass: validate, replace, and keep what follows the last separator.
  std::string out;
  out.reserve(name.size() < k_max_name_bytes ? name.size() : k_max_name_bytes);
  for (std::size_t i = 0; i < name.size();) {
    const auto cp = decode(name.substr(i));
    if (!cp) return bad_name("the file name is not valid UTF-8");
    if (is_separator(cp->value))
      out.clear();
    else if (is_control(cp->value) || is_bidi_control(cp->value))
      out.push_back('_');
    else
      out.append(name.substr(i, cp->size));
    i += cp->size;
  }
  // Steps 4, 6 and 7 until nothing changes: a cut can expose trailing spaces or a device name
  // ("CON" followed by 300 spaces and a letter), and a '_' prefix can make a name too long.
  for (;;) {
    const auto before = out;
    strip_trailing_dots_and_spaces(out);
    if (is_device_name(out)) out.insert(out.begin(), '_');
    cut(out);
    if (out == before) break;
  }
  // Step 5; ".." and "." were already emptied by step 4.
  if (out.empty() || out == "." || out == "..")
    // The name itself is not quoted: it may hold control characters meant for a terminal.
    return bad_name("the file name has no usable last component");
  // Step 8: no hidden file. Received into a home directory, ".bashrc" or ".profile" would be
  // code the next login runs; "_bashrc" is inert and in plain sight. It also keeps final names
  // apart from our own temporaries (".NAME.xmpp-RANDOM").
  if (out.front() == '.') out.front() = '_';
  return out;
}

}  // namespace xmpp::jingle_ft
