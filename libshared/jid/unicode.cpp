#include "jid/unicode.hpp"

#include <unicase.h>
#include <uninorm.h>
#include <unistr.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>
#include <stdexcept>
#include <vector>

namespace xmpp::jid {
namespace {

// libunistring works on uint32_t; char32_t is a distinct type, so we copy instead of casting
// pointers (the strings are at most a few KiB).
std::vector<uint32_t> to_ucs4(std::u32string_view text) {
  return std::vector<uint32_t>(text.begin(), text.end());
}

struct MallocFree {
  void operator()(void* p) const { std::free(p); }
};

// Takes ownership of a buffer malloc'ed by libunistring; a null result means it ran out of memory
// (the inputs we pass are always valid, so EILSEQ cannot happen).
std::u32string adopt(uint32_t* buffer, std::size_t length) {
  std::unique_ptr<uint32_t, MallocFree> owner(buffer);
  if (!owner) throw std::bad_alloc();
  return std::u32string(owner.get(), owner.get() + length);
}

// Runs a libunistring call with a stack buffer first: mapping one code point gives at most a few
// code points, so the common path allocates nothing.
template <class Call> std::u32string with_small_buffer(Call call) {
  uint32_t buffer[32];
  std::size_t length = sizeof buffer / sizeof buffer[0];
  uint32_t* result = call(buffer, &length);
  if (result == buffer) return std::u32string(buffer, buffer + length);
  return adopt(result, length);
}

} // namespace

std::optional<std::u32string> decode_utf8(std::string_view text) {
  if (text.empty()) return std::u32string();
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  if (u8_check(bytes, text.size()) != nullptr) return std::nullopt;
  std::size_t length = 0;
  uint32_t* decoded = u8_to_u32(bytes, text.size(), nullptr, &length);
  return adopt(decoded, length);
}

std::string encode_utf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t cp : text) {
    uint8_t buffer[6];
    int n = u8_uctomb(buffer, static_cast<ucs4_t>(cp), static_cast<int>(sizeof buffer));
    if (n <= 0) throw std::logic_error("encode_utf8: not a Unicode scalar value");
    out.append(reinterpret_cast<const char*>(buffer), static_cast<std::size_t>(n));
  }
  return out;
}

std::u32string map_width(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (char32_t cp : text) {
    int tag = 0;
    ucs4_t decomposition[UC_DECOMPOSITION_MAX_LENGTH];
    int n = uc_decomposition(static_cast<ucs4_t>(cp), &tag, decomposition);
    if (n > 0 && (tag == UC_DECOMP_WIDE || tag == UC_DECOMP_NARROW)) {
      out.append(decomposition, decomposition + n);
    } else {
      out.push_back(cp);
    }
  }
  return out;
}

std::u32string to_lower(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (char32_t cp : text) {
    if (cp < 0x80) {
      out.push_back(cp >= U'A' && cp <= U'Z' ? cp + (U'a' - U'A') : cp);
      continue;
    }
    const uint32_t one = cp;
    out += with_small_buffer([&](uint32_t* buffer, std::size_t* length) {
      return u32_tolower(&one, 1, nullptr, nullptr, buffer, length);
    });
  }
  return out;
}

std::u32string to_nfc(std::u32string_view text) {
  if (text.empty()) return std::u32string();
  auto units = to_ucs4(text);
  std::size_t length = 0;
  uint32_t* normalized = u32_normalize(UNINORM_NFC, units.data(), units.size(), nullptr, &length);
  return adopt(normalized, length);
}

std::u32string to_nfkc(char32_t cp) {
  const uint32_t one = cp;
  return with_small_buffer([&](uint32_t* buffer, std::size_t* length) {
    return u32_normalize(UNINORM_NFKC, &one, 1, buffer, length);
  });
}

std::string describe(char32_t cp) {
  if (cp >= 0x21 && cp <= 0x7e) return std::string("'") + static_cast<char>(cp) + "'";
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "U+%04X", static_cast<unsigned>(cp));
  return buffer;
}

} // namespace xmpp::jid
