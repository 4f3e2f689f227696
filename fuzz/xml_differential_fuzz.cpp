// Differential libFuzzer target (SECURITY.md "Fuzzing", issue 11): our stream parser against
// expat (Debian libexpat1-dev) on the same whole stream. Both report the top-level elements they
// accepted, in order, as {namespace}name and byte span (from the '<' of the start tag to the '>'
// of the end tag, as stream offsets), and whether they stopped on an error.
//
// We are allowed to be stricter than expat (restricted XML, limits, namespace rules of RFC 6120
// §4.8 and §11 that a generic XML parser does not know), so an error of ours proves nothing. What
// must never happen:
//   - both accept an element at the same position but disagree on its name, its namespace or the
//     bytes it spans (a framer that cut a stanza short or long would still parse the piece);
//   - we accept more elements than expat, which stopped on an error: we took in bytes that are not
//     well-formed XML;
//   - neither stopped on an error, yet the counts differ: one of us lost or invented an element.
//
// One known, correct disagreement is excused: name characters. Expat classifies them by XML 1.0's
// fourth edition (Appendix B), Xerces and we by the fifth (§2.3 NameStartChar, NameChar), which
// admits far more non-ASCII characters (e.g. U+FEFF in an attribute name: found by this target
// in CI, fuzz/corpus/xml_differential/fifth-edition-name-char-feff). So when expat stopped on an
// error and we accepted more, the input is let go if it has a non-ASCII byte inside markup.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include <expat.h>

#include "xml/stream_parser.hpp"

namespace {

/// One complete top-level element: "{ns}name@begin-end".
struct Seen {
  std::string name;
  std::size_t begin = 0, end = 0;
  bool operator==(const Seen&) const = default;
  std::string str() const { return fmt::format("{}@{}-{}", name, begin, end); }
};

struct Accepted {
  std::vector<Seen> elements;
  bool error = false;
};

Accepted ours(std::string_view input) {
  Accepted result;
  xmpp::xml::StreamParser parser(xmpp::xml::Limits{});
  if (auto fed = parser.feed(input); !fed) {
    result.error = true;
    return result;
  }
  for (;;) {
    auto next = parser.next();
    if (!next) {
      result.error = true;
      return result;
    }
    if (!*next) return result;
    if ((*next)->kind == xmpp::xml::StreamEvent::Kind::element) {
      const auto& e = *(*next)->element;
      result.elements.push_back(Seen{"{" + e.ns() + "}" + e.name(), (*next)->begin, (*next)->end});
    }
  }
}

// Expat with namespace processing: names arrive as "URI<sep>local" (or "local" when unqualified).
constexpr char k_separator = '\x01';

struct ExpatState {
  XML_Parser parser = nullptr;
  int depth = 0;
  std::vector<std::string> names;  ///< the open elements' qualified names
  std::size_t begin = 0;           ///< where the open stanza's start tag begins
  std::size_t start_tag_end = 0;   ///< and where it ends
  Accepted* result = nullptr;
};

std::string braced(const XML_Char* name) {
  const std::string text(name);
  const auto sep = text.find(k_separator);
  if (sep == std::string::npos) return "{}" + text;
  return "{" + text.substr(0, sep) + "}" + text.substr(sep + 1);
}

void XMLCALL on_start(void* user, const XML_Char* name, const XML_Char**) {
  auto* state = static_cast<ExpatState*>(user);
  ++state->depth;
  state->names.push_back(braced(name));
  if (state->depth == 2) {
    state->begin = static_cast<std::size_t>(XML_GetCurrentByteIndex(state->parser));
    state->start_tag_end =
        state->begin + static_cast<std::size_t>(XML_GetCurrentByteCount(state->parser));
  }
}

void XMLCALL on_end(void* user, const XML_Char*) {
  auto* state = static_cast<ExpatState*>(user);
  // depth 1 is the stream element; its children (depth 2) are the stanzas.
  if (state->depth == 2) {
    // An empty-element tag's end event has no bytes of its own: it ends where the tag does.
    const auto count = static_cast<std::size_t>(XML_GetCurrentByteCount(state->parser));
    const auto end = count == 0 ? state->start_tag_end
                                : static_cast<std::size_t>(XML_GetCurrentByteIndex(state->parser)) +
                                      count;
    state->result->elements.push_back(Seen{state->names.back(), state->begin, end});
  }
  --state->depth;
  state->names.pop_back();
}

Accepted theirs(std::string_view input) {
  Accepted result;
  ExpatState state;
  state.result = &result;
  XML_Parser parser = XML_ParserCreateNS("UTF-8", k_separator);
  state.parser = parser;
  XML_SetUserData(parser, &state);
  XML_SetElementHandler(parser, on_start, on_end);
  // Not final: a stream that has not ended is not an error, exactly as for our parser.
  if (XML_Parse(parser, input.data(), static_cast<int>(input.size()), XML_FALSE) ==
      XML_STATUS_ERROR) {
    result.error = true;
  }
  XML_ParserFree(parser);
  return result;
}

[[noreturn]] void violation(const char* what, const Accepted& a, const Accepted& b) {
  std::fprintf(stderr, "xml differential fuzz: %s\n", what);
  std::fprintf(stderr, "  ours (%s):", a.error ? "error" : "ok");
  for (const auto& e : a.elements) std::fprintf(stderr, " %s", e.str().c_str());
  std::fprintf(stderr, "\n  expat (%s):", b.error ? "error" : "ok");
  for (const auto& e : b.elements) std::fprintf(stderr, " %s", e.str().c_str());
  std::fprintf(stderr, "\n");
  std::abort();
}

}  // namespace

/// True when a byte >= 0x80 stands inside markup (between '<' and '>', outside quoted values):
/// where the two editions' name classes may differ. Coarse on purpose (comments and CDATA count
/// as markup): it only excuses, it never hides a disagreement on ASCII names.
bool non_ascii_in_markup(std::string_view input) {
  bool markup = false;
  char quote = 0;
  for (const char c : input) {
    if (!markup) {
      markup = c == '<';
    } else if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '>') {
      markup = false;
    } else if (static_cast<unsigned char>(c) >= 0x80) {
      return true;
    }
  }
  return false;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 1 << 20) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const Accepted a = ours(input);
  const Accepted b = theirs(input);
  const std::size_t common = std::min(a.elements.size(), b.elements.size());
  for (std::size_t i = 0; i < common; ++i) {
    if (a.elements[i].name != b.elements[i].name) violation("element names differ", a, b);
    if (a.elements[i] != b.elements[i]) violation("element byte spans differ", a, b);
  }
  if (b.error && a.elements.size() > b.elements.size() && !non_ascii_in_markup(input)) {
    violation("we accepted an element expat rejects", a, b);
  }
  if (!a.error && !b.error && a.elements.size() != b.elements.size()) {
    violation("element counts differ on a stream both accept", a, b);
  }
  return 0;
}
