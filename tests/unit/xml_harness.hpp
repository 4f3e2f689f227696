// Test harness for the stream parser: feeds an input whole, byte by byte and split at every
// position (SECURITY.md (d) 1) and checks that every feeding gives the same events and verdict.
#pragma once

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xml/stream_parser.hpp"
#include "xml/writer.hpp"

namespace xml_test {

inline constexpr std::string_view k_header =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams' from='example.org' id='s1' version='1.0' "
    "xml:lang='en'>";

/// What a feeding produced: one line per event, then the error condition ("" when none).
struct Outcome {
  std::vector<std::string> events;
  std::vector<xmpp::xml::StreamEvent> raw;
  std::string condition;
  std::size_t buffered = 0;

  bool operator==(const Outcome& o) const { return events == o.events && condition == o.condition; }
  std::size_t elements() const {
    std::size_t n = 0;
    for (const auto& e : raw)
      n += e.kind == xmpp::xml::StreamEvent::Kind::element;
    return n;
  }
};

inline std::string describe(const xmpp::xml::StreamEvent& e) {
  using K = xmpp::xml::StreamEvent::Kind;
  switch (e.kind) {
  case K::header: {
    std::string s = "header from=" + e.header.from + " to=" + e.header.to + " id=" + e.header.id +
                    " version=" + e.header.version + " lang=" + e.header.lang +
                    " ns=" + e.header.default_ns;
    for (const auto& [p, u] : e.header.namespaces)
      s += " [" + p + "=" + u + "]";
    return s;
  }
  case K::element:
    return xmpp::xml::to_string(*e.element);
  case K::end:
    return "end";
  }
  return "?";
}

/// Feeds `chunks` in order, draining next() after each feed, until the first error.
inline Outcome run_chunks(const std::vector<std::string_view>& chunks, xmpp::xml::Limits limits) {
  Outcome out;
  xmpp::xml::StreamParser parser(limits);
  for (auto chunk : chunks) {
    auto fed = parser.feed(chunk);
    for (;;) {
      auto ev = parser.next();
      if (!ev) {
        out.condition = ev.error().condition;
        CHECK(ev.error().kind == xmpp::ErrorKind::protocol);
        CHECK(ev.error().code == "stream_error");
        // Dead: feed() and next() keep failing the same way.
        CHECK(parser.feed("<a/>").error().condition == out.condition);
        CHECK(parser.next().error().condition == out.condition);
        return out;
      }
      if (!*ev) break;
      // The span is part of the description: every split of the input must place each event at
      // the same stream offsets.
      out.events.push_back(describe(**ev) + fmt::format(" @{}-{}", (*ev)->begin, (*ev)->end));
      out.raw.push_back(std::move(**ev));
    }
    if (!fed) {
      out.condition = fed.error().condition;
      return out;
    }
  }
  out.buffered = parser.buffered();
  return out;
}

inline Outcome run_whole(std::string_view input, xmpp::xml::Limits limits = {}) {
  return run_chunks({input}, limits);
}

/// Runs `input` whole, byte by byte and split in two at every position (at a sample of positions
/// for long inputs), checks all agree, and returns the whole-input outcome.
inline Outcome run_all(std::string_view input, xmpp::xml::Limits limits = {}) {
  const Outcome whole = run_whole(input, limits);
  std::vector<std::string_view> bytes;
  bytes.reserve(input.size());
  for (std::size_t i = 0; i < input.size(); ++i)
    bytes.push_back(input.substr(i, 1));
  const Outcome bytewise = run_chunks(bytes, limits);
  CHECK_MESSAGE(bytewise == whole, "byte by byte differs from whole input");
  std::vector<std::size_t> cuts;
  if (input.size() <= 2048) {
    for (std::size_t i = 1; i < input.size(); ++i)
      cuts.push_back(i);
  } else {
    for (std::size_t i = 1; i < 64; ++i)
      cuts.push_back(input.size() * i / 64);
    for (std::size_t i = 1; i < 256; ++i)
      cuts.push_back(i);
  }
  for (const std::size_t cut : cuts) {
    const Outcome split = run_chunks({input.substr(0, cut), input.substr(cut)}, limits);
    if (!(split == whole)) {
      FAIL_CHECK("split at " << cut << " differs: " << split.condition << " vs "
                             << whole.condition);
      break;
    }
  }
  // Irregular chunk sizes too.
  std::vector<std::string_view> irregular;
  for (std::size_t i = 0, n = 1; i < input.size(); i += n, n = n % 7 + 1)
    irregular.push_back(input.substr(i, n));
  CHECK(run_chunks(irregular, limits) == whole);
  return whole;
}

inline std::string stream(std::string_view body) {
  return std::string(k_header) + std::string(body);
}

}  // namespace xml_test
