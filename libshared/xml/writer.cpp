#include "xml/writer.hpp"

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>

#include "xml/stream_parser.hpp"

namespace xmpp::xml {
namespace {

// The next code point of valid UTF-8 at s[i] (advancing i), or -1 (Unicode 15 Table 3-7).
long next_code_point(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  std::size_t len;
  unsigned char lo = 0x80, hi = 0xBF;
  long cp;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;  // overlong
    if (b0 == 0xED) hi = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return -1;
  }
  if (i + len > s.size()) return -1;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) return -1;
    cp = (cp << 6) | (b & 0x3F);
  }
  i += len;
  return cp;
}

bool is_xml_char(long c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

// XML Namespaces NCName (XML 1.0 5th edition NameStartChar / NameChar, without ':').
bool is_name_start_char(long c) {
  return (c >= 'A' && c <= 'Z') || c == '_' || (c >= 'a' && c <= 'z') || (c >= 0xC0 && c <= 0xD6) ||
         (c >= 0xD8 && c <= 0xF6) || (c >= 0xF8 && c <= 0x2FF) || (c >= 0x370 && c <= 0x37D) ||
         (c >= 0x37F && c <= 0x1FFF) || (c >= 0x200C && c <= 0x200D) ||
         (c >= 0x2070 && c <= 0x218F) || (c >= 0x2C00 && c <= 0x2FEF) ||
         (c >= 0x3001 && c <= 0xD7FF) || (c >= 0xF900 && c <= 0xFDCF) ||
         (c >= 0xFDF0 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0xEFFFF);
}
bool is_name_char(long c) {
  return is_name_start_char(c) || c == '-' || c == '.' || (c >= '0' && c <= '9') || c == 0xB7 ||
         (c >= 0x300 && c <= 0x36F) || (c >= 0x203F && c <= 0x2040);
}

bool is_ncname(std::string_view s) {
  if (s.empty()) return false;
  std::size_t i = 0;
  bool first = true;
  while (i < s.size()) {
    const long c = next_code_point(s, i);
    if (c < 0 || !(first ? is_name_start_char(c) : is_name_char(c))) return false;
    first = false;
  }
  return true;
}

void check_text(std::string_view s, const char* what) {
  if (!is_xml_text(s))
    throw std::invalid_argument(std::string("XML writer: ") + what + " is not XML 1.0 text");
}

void check_name(std::string_view s) {
  if (!is_ncname(s))
    throw std::invalid_argument("XML writer: invalid name '" + std::string(s) + "'");
}

template <bool attr> void append_escaped(std::string& out, std::string_view s) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char* rep = nullptr;
    switch (s[i]) {
    case '&':
      rep = "&amp;";
      break;
    case '<':
      rep = "&lt;";
      break;
    case '>':
      rep = "&gt;";
      break;
    case '\r':
      rep = "&#xD;";
      break;
    case '\'':
      rep = attr ? "&apos;" : nullptr;
      break;
    case '"':
      rep = attr ? "&quot;" : nullptr;
      break;
    case '\t':
      rep = attr ? "&#x9;" : nullptr;
      break;
    case '\n':
      rep = attr ? "&#xA;" : nullptr;
      break;
    default:
      break;
    }
    if (!rep) continue;
    out.append(s.data() + start, i - start);
    out.append(rep);
    start = i + 1;
  }
  out.append(s.data() + start, s.size() - start);
}

class Writer {
 public:
  explicit Writer(std::string& out) : m_out(out) {}

  void element(const Element& e, std::string_view default_ns) {
    check_name(e.name());
    check_text(e.ns(), "a namespace name");
    const std::size_t scope = m_bindings.size();
    std::string_view child_default = default_ns;
    std::string prefix;

    std::string decls;
    if (e.ns() == k_ns_streams) {
      prefix = "stream";
      if (lookup_uri("stream") != k_ns_streams) declare(decls, "stream", k_ns_streams);
    } else if (e.ns() != default_ns) {
      decls += " xmlns='";
      append_escaped<true>(decls, e.ns());
      decls += '\'';
      child_default = e.ns();
    }

    std::string attrs;
    for (const Attribute& a : e.attributes()) {
      check_name(a.name);
      check_text(a.value, "an attribute value");
      attrs += ' ';
      if (a.ns.empty()) {
        if (a.name == "xmlns")
          throw std::invalid_argument("XML writer: 'xmlns' is not an attribute");
      } else if (a.ns == k_ns_xml) {
        attrs += "xml:";
      } else {
        check_text(a.ns, "a namespace name");
        std::string p = lookup_prefix(a.ns);
        if (p.empty()) {
          do
            p = "ns" + std::to_string(++m_generated);
          while (!lookup_uri(p).empty());
          declare(decls, p, a.ns);
        }
        attrs += p;
        attrs += ':';
      }
      attrs += a.name;
      attrs += "='";
      append_escaped<true>(attrs, a.value);
      attrs += '\'';
    }

    m_out += '<';
    if (!prefix.empty()) m_out += prefix + ':';
    m_out += e.name();
    m_out += decls;
    m_out += attrs;
    if (e.nodes().empty()) {
      m_out += "/>";
    } else {
      m_out += '>';
      for (const Node& n : e.nodes()) {
        if (n.is_text()) {
          check_text(n.text(), "character data");
          append_escaped<false>(m_out, n.text());
        } else {
          element(n.element(), child_default);
        }
      }
      m_out += "</";
      if (!prefix.empty()) m_out += prefix + ':';
      m_out += e.name();
      m_out += '>';
    }
    m_bindings.resize(scope);
  }

 private:
  void declare(std::string& decls, const std::string& prefix, std::string_view uri) {
    decls += " xmlns:" + prefix + "='";
    append_escaped<true>(decls, uri);
    decls += '\'';
    m_bindings.emplace_back(prefix, std::string(uri));
  }
  // The URI `prefix` is bound to in scope ("" if unbound).
  std::string_view lookup_uri(std::string_view prefix) const {
    for (auto it = m_bindings.rbegin(); it != m_bindings.rend(); ++it)
      if (it->first == prefix) return it->second;
    return {};
  }
  // A prefix in scope bound to `uri` and not shadowed by a later binding ("" if none).
  std::string lookup_prefix(std::string_view uri) const {
    for (auto it = m_bindings.rbegin(); it != m_bindings.rend(); ++it)
      if (it->second == uri && lookup_uri(it->first) == uri) return it->first;
    return {};
  }

  std::string& m_out;
  std::vector<std::pair<std::string, std::string>> m_bindings;  // prefix -> URI, innermost last
  int m_generated = 0;
};

}  // namespace

bool is_xml_text(std::string_view text) {
  constexpr std::uint64_t k_ones = 0x0101010101010101;
  constexpr std::uint64_t k_high = 0x8080808080808080;
  std::size_t i = 0;
  while (i < text.size()) {
    // Eight bytes at a time while all are printable ASCII (0x20-0x7F): no byte has its high bit
    // set and none is below 0x20 (a byte below 0x20 borrows into its own high bit in w - 0x20..;
    // the test is exact as a whole). Anything else goes through the code-point check below.
    if (text.size() - i >= 8) {
      std::uint64_t w;
      std::memcpy(&w, text.data() + i, sizeof w);
      if (((w | ((w - 0x20 * k_ones) & ~w)) & k_high) == 0) {
        i += 8;
        continue;
      }
    }
    const auto b = static_cast<unsigned char>(text[i]);
    if (b >= 0x20 && b < 0x80) {  // the common case
      ++i;
      continue;
    }
    const long c = next_code_point(text, i);
    if (c < 0 || !is_xml_char(c)) return false;
  }
  return true;
}

std::string escape_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_escaped<false>(out, text);
  return out;
}

std::string escape_attr(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  append_escaped<true>(out, value);
  return out;
}

std::string to_string(const Element& e, std::string_view parent_ns) {
  check_text(parent_ns, "a namespace name");
  std::string out;
  Writer(out).element(e, parent_ns);
  return out;
}

std::string stream_open(std::string_view to, std::string_view from, std::string_view lang) {
  check_text(to, "to");
  check_text(from, "from");
  check_text(lang, "xml:lang");
  std::string out = "<?xml version='1.0'?><stream:stream xmlns='";
  out += k_ns_client;
  out += "' xmlns:stream='";
  out += k_ns_streams;
  out += "' to='";
  append_escaped<true>(out, to);
  out += '\'';
  if (!from.empty()) {
    out += " from='";
    append_escaped<true>(out, from);
    out += '\'';
  }
  out += " version='1.0'";
  if (!lang.empty()) {
    out += " xml:lang='";
    append_escaped<true>(out, lang);
    out += '\'';
  }
  out += '>';
  return out;
}

std::string_view stream_close() {
  return "</stream:stream>";
}

}  // namespace xmpp::xml
