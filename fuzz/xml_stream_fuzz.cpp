// libFuzzer target for the inbound XML stream (xml/stream_parser.hpp; SECURITY.md "Fuzzing":
// framer+parser fed in random chunk sizes). The property is the one the header promises: every
// split of the input yields the same events and the same final error. The input is parsed once in
// a single feed, then again cut into chunks whose sizes come from the input's first bytes (and,
// for short inputs, byte by byte); any difference aborts. Half of the inputs (by the first byte)
// run under the pre-authentication limits, so the limit checks are split too.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "xml/stream_parser.hpp"
#include "xml/writer.hpp"

namespace {

using xmpp::xml::Limits;
using xmpp::xml::StreamEvent;
using xmpp::xml::StreamParser;

std::string describe(const StreamEvent& event) {
  switch (event.kind) {
    case StreamEvent::Kind::header: {
      const auto& h = event.header;
      std::string text = "header from=" + h.from + " to=" + h.to + " id=" + h.id +
                         " version=" + h.version + " lang=" + h.lang + " ns=" + h.default_ns;
      for (const auto& [prefix, uri] : h.namespaces) text += " " + prefix + "=" + uri;
      return text;
    }
    case StreamEvent::Kind::element:
      return "element " + xmpp::xml::to_string(*event.element);
    case StreamEvent::Kind::end:
      return "end";
  }
  return "?";
}

/// What the parser made of the input: its events, then "error <condition>" or "more".
std::vector<std::string> parse(std::string_view input, const std::vector<std::size_t>& cuts,
                               const Limits& limits) {
  StreamParser parser(limits);
  std::vector<std::string> out;
  std::size_t at = 0;
  auto drain = [&]() -> bool {
    for (;;) {
      auto next = parser.next();
      if (!next) {
        out.push_back("error " + next.error().condition);
        return false;
      }
      if (!*next) return true;
      out.push_back(describe(**next));
    }
  };
  for (std::size_t cut : cuts) {
    const std::size_t end = std::min(input.size(), at + cut);
    if (auto fed = parser.feed(input.substr(at, end - at)); !fed) {
      // feed() fails at once only when no complete event comes before the violation.
      out.push_back("error " + fed.error().condition);
      return out;
    }
    at = end;
    if (!drain()) return out;
    if (at == input.size()) break;
  }
  out.push_back("more");
  return out;
}

[[noreturn]] void violation(const char* what, const std::vector<std::string>& whole,
                            const std::vector<std::string>& split) {
  std::fprintf(stderr, "xml stream fuzz: %s\n", what);
  for (const auto& e : whole) std::fprintf(stderr, "  whole: %s\n", e.c_str());
  for (const auto& e : split) std::fprintf(stderr, "  split: %s\n", e.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t mode = data[0];
  const uint8_t seed = data[1];
  const std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);
  const Limits limits = (mode & 1) ? Limits::pre_auth() : Limits{};

  const auto whole = parse(input, {input.size()}, limits);

  // Chunk sizes 1..64 from a small linear congruential sequence seeded by the input.
  std::vector<std::size_t> cuts;
  unsigned state = seed | (static_cast<unsigned>(mode) << 8);
  for (std::size_t total = 0; total < input.size();) {
    state = state * 1103515245u + 12345u;
    const std::size_t cut = 1 + ((state >> 16) % 64);
    cuts.push_back(cut);
    total += cut;
  }
  const auto split = parse(input, cuts, limits);
  if (split != whole) violation("chunked parse differs from whole parse", whole, split);

  if (input.size() <= 4096) {
    const auto bytes = parse(input, std::vector<std::size_t>(input.size(), 1), limits);
    if (bytes != whole) violation("byte-by-byte parse differs from whole parse", whole, bytes);
  }
  return 0;
}
