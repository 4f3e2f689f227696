#include "expat_stream.hpp"

#include <algorithm>
#include <climits>
#include <string>
#include <utility>
#include <vector>

#include <expat.h>

namespace xmpp::bench {
namespace {

// With namespace processing expat reports "URI<sep>local", or "local" when unqualified.
constexpr XML_Char k_ns_separator = '\x01';

std::pair<std::string, std::string> split_expanded(const XML_Char* expanded) {
  const std::string_view text(expanded);
  const auto sep = text.find(k_ns_separator);
  if (sep == std::string_view::npos) return {std::string(), std::string(text)};
  return {std::string(text.substr(0, sep)), std::string(text.substr(sep + 1))};
}

}  // namespace

struct ExpatStream::State {
  std::size_t depth = 0;  // the stream element is depth 1, its children the top-level elements
  std::size_t elements = 0;
  std::vector<xml::Element> open;  // tree mode: the top-level element and its open descendants
  std::string text;                // tree mode: character data since the last tag
  const ElementSink* sink = nullptr;

  void flush_text() {
    if (text.empty()) return;
    open.back().add_text(std::move(text));
    text.clear();
  }
};

namespace {

using ExpatState = ExpatStream::State;

void XMLCALL count_start(void* user, const XML_Char*, const XML_Char**) {
  ++static_cast<ExpatState*>(user)->depth;
}

void XMLCALL count_end(void* user, const XML_Char*) {
  auto* state = static_cast<ExpatState*>(user);
  if (state->depth-- == 2) ++state->elements;
}

void XMLCALL tree_start(void* user, const XML_Char* name, const XML_Char** attrs) {
  auto* state = static_cast<ExpatState*>(user);
  if (++state->depth < 2) return;
  if (!state->open.empty()) state->flush_text();
  auto [ns, local] = split_expanded(name);
  xml::Element element(std::move(local), std::move(ns));
  // Namespace declarations are not reported as attributes in namespace mode.
  for (std::size_t i = 0; attrs[i]; i += 2) {
    auto [attr_ns, attr_name] = split_expanded(attrs[i]);
    element.set_attr_ns(std::move(attr_ns), std::move(attr_name), attrs[i + 1]);
  }
  state->open.push_back(std::move(element));
}

void XMLCALL tree_end(void* user, const XML_Char*) {
  auto* state = static_cast<ExpatState*>(user);
  if (state->depth-- < 2) return;
  state->flush_text();
  xml::Element element = std::move(state->open.back());
  state->open.pop_back();
  if (!state->open.empty()) {
    state->open.back().add_child(std::move(element));
    return;
  }
  ++state->elements;
  if (*state->sink) (*state->sink)(std::move(element));
}

void XMLCALL tree_text(void* user, const XML_Char* s, int len) {
  auto* state = static_cast<ExpatState*>(user);
  // Whitespace between top-level elements belongs to the stream element: not kept.
  if (!state->open.empty()) state->text.append(s, static_cast<std::size_t>(len));
}

}  // namespace

ExpatStream::ExpatStream(Mode mode)
    : m_mode(mode), m_parser(XML_ParserCreateNS("UTF-8", k_ns_separator)),
      m_state(std::make_unique<State>()) {}

ExpatStream::~ExpatStream() {
  XML_ParserFree(m_parser);
}

PassResult ExpatStream::parse(std::string_view stream, std::size_t chunk, const ElementSink& sink) {
  // A reset parser keeps its namespace separator but loses its handlers.
  XML_ParserReset(m_parser, "UTF-8");
  *m_state = State{};
  m_state->sink = &sink;
  XML_SetUserData(m_parser, m_state.get());
  if (m_mode == Mode::count) {
    XML_SetElementHandler(m_parser, count_start, count_end);
  } else {
    XML_SetElementHandler(m_parser, tree_start, tree_end);
    XML_SetCharacterDataHandler(m_parser, tree_text);
  }
  PassResult result;
  const std::size_t step = std::min<std::size_t>(
      chunk == k_whole ? std::max<std::size_t>(stream.size(), 1) : chunk, INT_MAX);
  for (std::size_t offset = 0; offset < stream.size(); offset += step) {
    const auto piece = stream.substr(offset, step);
    // Never final: a stream is not a finished document, exactly as for our parser.
    if (XML_Parse(m_parser, piece.data(), static_cast<int>(piece.size()), XML_FALSE) ==
        XML_STATUS_ERROR) {
      result.error = XML_ErrorString(XML_GetErrorCode(m_parser));
      break;
    }
  }
  result.elements = m_state->elements;
  return result;
}

}  // namespace xmpp::bench
