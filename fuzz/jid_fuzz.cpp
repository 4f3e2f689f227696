// libFuzzer target for the JID parser (RFC 7622), SECURITY.md (d) 2: the round-trip property
// (mellium style). Whatever parses must parse again from its string form to the same JID, also
// from its A-label form and from its parts; whatever fails must fail as a bad_jid usage error
// naming the part. Any violation aborts, which the fuzzer reports as a crash.
//
// Run it with `fuzz/run SECONDS jid` (fuzz/CMakeLists.txt has both builds).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "jid/jid.hpp"

namespace {

[[noreturn]] void violation(const char* what, std::string_view input) {
  std::fprintf(stderr, "jid fuzz: %s (input of %zu bytes)\n", what, input.size());
  std::abort();
}

void check(bool ok, const char* what, std::string_view input) {
  if (!ok) violation(what, input);
}

bool starts_with_part(const std::string& message) {
  return message.starts_with("localpart ") || message.starts_with("domainpart ") ||
         message.starts_with("resourcepart ");
}

bool is_ascii(const std::string& text) {
  for (unsigned char c : text) {
    if (c >= 0x80) return false;
  }
  return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto parsed = xmpp::Jid::parse(input);
  if (!parsed) {
    const xmpp::Error& e = parsed.error();
    check(e.kind == xmpp::ErrorKind::usage, "error kind is not usage", input);
    check(e.code == "bad_jid", "error code is not bad_jid", input);
    check(starts_with_part(e.message), "error message does not name the part", input);
    return 0;
  }
  const xmpp::Jid& jid = *parsed;
  constexpr std::size_t max = xmpp::Jid::k_max_part_bytes;
  check(!jid.domain().empty() && jid.domain().size() <= max, "domainpart length", input);
  check(jid.local().size() <= max && jid.resource().size() <= max, "part length", input);
  check(is_ascii(jid.ascii_domain()), "ascii_domain() is not ASCII", input);
  check(jid.local().find_first_of("\"&'/:<>@") == std::string::npos, "forbidden char", input);

  // The round trip: parse(str()) succeeds and gives the same JID and the same string.
  const std::string text = jid.str();
  const auto again = xmpp::Jid::parse(text);
  check(again.has_value(), "parse(str()) failed", input);
  check(*again == jid, "parse(str()) differs", input);
  check(again->str() == text, "str() is not stable", input);
  check(again->hash() == jid.hash(), "hash differs for equal JIDs", input);

  // The A-label form names the same address.
  std::string ascii = jid.has_local() ? jid.local() + "@" : std::string();
  ascii += jid.ascii_domain();
  if (!jid.is_bare()) ascii += "/" + jid.resource();
  const auto from_ascii = xmpp::Jid::parse(ascii);
  check(from_ascii.has_value() && *from_ascii == jid, "A-label form differs", input);

  // The parts alone build the same JID; the bare form parses to bare().
  const auto from_parts = xmpp::Jid::from_parts(jid.local(), jid.domain(), jid.resource());
  check(from_parts.has_value() && *from_parts == jid, "from_parts differs", input);
  const auto bare = xmpp::Jid::parse(jid.bare_str());
  check(bare.has_value() && *bare == jid.bare(), "bare form differs", input);
  check(xmpp::is_same_bare(jid, jid.bare()), "is_same_bare(jid, bare())", input);
  return 0;
}
