// The only file that includes Xerces-C (STYLE.md "XML"). Configuration: SECURITY.md
// "Settings (SAX2)", row by row.
#include "xml/parser.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <xercesc/framework/MemoryManager.hpp>
#include <xercesc/parsers/SAX2XMLReaderImpl.hpp>
#include <xercesc/sax/InputSource.hpp>
#include <xercesc/sax/SAXParseException.hpp>
#include <xercesc/sax2/Attributes.hpp>
#include <xercesc/sax2/DefaultHandler.hpp>
#include <xercesc/sax2/SAX2XMLReader.hpp>
#include <xercesc/sax2/XMLReaderFactory.hpp>
#include <xercesc/util/BinInputStream.hpp>
#include <xercesc/util/OutOfMemoryException.hpp>
#include <xercesc/util/PlatformUtils.hpp>
#include <xercesc/util/SecurityManager.hpp>
#include <xercesc/util/XMLEntityResolver.hpp>
#include <xercesc/util/XMLException.hpp>
#include <xercesc/util/XMLUni.hpp>
#include <xercesc/util/XercesVersion.hpp>

#include "xml/framer.hpp"
#include "xml/init.hpp"
#include "xml/writer.hpp"

namespace xmpp::xml {

void initialize() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Debian's 3.2.4 has no disallow-doctype feature but checks this variable in scanProlog at
    // each parse (SECURITY.md "Settings (SAX2)").
    ::setenv("XERCES_DISABLE_DTD", "1", 1);
    xercesc::XMLPlatformUtils::Initialize();
  });
}

namespace {

namespace xc = xercesc;

constexpr std::string_view k_ns_xmlns = "http://www.w3.org/2000/xmlns/";
constexpr std::string_view k_wrapper_close = "</w>";
// What a configured reader holds between parses is well under this; the rest of the budget scales
// with the largest fragment the framer lets through.
constexpr std::size_t k_memory_base = 4 * 1024 * 1024;
constexpr std::size_t k_memory_per_stanza_byte = 8;
constexpr std::size_t k_recycle_growth = 1024 * 1024;
/// Predefined-entity references one document may hold: each takes at least 4 bytes ("&lt;"), so
/// a stanza within the framer's limits never comes near it.
constexpr XMLSize_t k_entity_expansion_limit = 64 * 1024 * 1024;

// Thrown by handlers to stop Xerces at once; caught in XercesParser::Impl::run().
struct Abort {
  std::string condition;
  std::string message;
};

void append_utf8(std::string& out, const XMLCh* s, std::size_t n) {
  // Written through a pointer into room made once: an ASCII unit gives 1 byte, any other at most
  // 3 (a surrogate pair, two units, gives 4). Sizing the ASCII prefix exactly keeps short names in
  // the string's inline buffer.
  std::size_t ascii = 0;
  for (std::uint64_t w; ascii + 4 <= n; ascii += 4) {  // four units at a time
    std::memcpy(&w, s + ascii, sizeof w);
    if (w & 0xFF80FF80FF80FF80) break;
  }
  while (ascii < n && s[ascii] < 0x80)
    ++ascii;
  const std::size_t old_size = out.size();
  out.resize(old_size + ascii + 3 * (n - ascii));
  char* const begin = out.data();
  char* p = begin + old_size;
  for (std::size_t k = 0; k < ascii; ++k)
    p[k] = static_cast<char>(s[k]);
  p += ascii;
  std::size_t i = ascii;
  while (i < n) {
    // The common case: a run of ASCII, copied unit by unit without the branches below.
    while (i < n && s[i] < 0x80)
      *p++ = static_cast<char>(s[i++]);
    if (i == n) break;
    char32_t c = s[i++];
    if (c >= 0xD800 && c <= 0xDFFF) {
      // Xerces validated the input, so only a well-formed surrogate pair can get here.
      if (c > 0xDBFF || i >= n || s[i] < 0xDC00 || s[i] > 0xDFFF)
        throw Abort{"not-well-formed", "invalid character"};
      c = 0x10000 + ((c - 0xD800) << 10) + (static_cast<char32_t>(s[i]) - 0xDC00);
      ++i;
    }
    if (c < 0x800) {
      *p++ = static_cast<char>(0xC0 | (c >> 6));
    } else if (c < 0x10000) {
      *p++ = static_cast<char>(0xE0 | (c >> 12));
      *p++ = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    } else {
      *p++ = static_cast<char>(0xF0 | (c >> 18));
      *p++ = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      *p++ = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    }
    *p++ = static_cast<char>(0x80 | (c & 0x3F));
  }
  out.resize(static_cast<std::size_t>(p - begin));
}

std::size_t xml_len(const XMLCh* s) {
  std::size_t n = 0;
  if (s)
    while (s[n])
      ++n;
  return n;
}

std::string utf8(const XMLCh* s) {
  std::string out;
  append_utf8(out, s, xml_len(s));
  return out;
}

// SECURITY.md settings table: a per-connection memory manager that throws above a budget.
class CountingMemoryManager final : public xc::MemoryManager {
 public:
  xc::MemoryManager* getExceptionMemoryManager() override {
    return xc::XMLPlatformUtils::fgMemoryManager;
  }
  CountingMemoryManager() = default;
  CountingMemoryManager(const CountingMemoryManager&) = delete;
  CountingMemoryManager& operator=(const CountingMemoryManager&) = delete;
  ~CountingMemoryManager() override {
    for (void* block : m_cache)
      ::operator delete(block);
  }

  void* allocate(XMLSize_t size) override {
    if (size > m_budget || m_used > m_budget - size) throw xc::OutOfMemoryException();
    std::max_align_t* block = nullptr;
    // Each parse allocates the same few large reader buffers; reusing them saves a round trip
    // through the system allocator (and its page faults) per stanza.
    for (auto it = m_cache.begin(); it != m_cache.end(); ++it) {
      if (*reinterpret_cast<std::size_t*>(*it) == size) {
        block = static_cast<std::max_align_t*>(*it);
        m_cache.erase(it);
        break;
      }
    }
    if (!block)
      block = static_cast<std::max_align_t*>(::operator new(sizeof(std::max_align_t) + size));
    *reinterpret_cast<std::size_t*>(block) = size;
    m_used += size;
    return block + 1;
  }
  void deallocate(void* p) override {
    if (!p) return;
    auto* block = static_cast<std::max_align_t*>(p) - 1;
    const std::size_t size = *reinterpret_cast<std::size_t*>(block);
    m_used -= size;
    if (size >= k_cache_min && size <= k_cache_max && m_cache.size() < k_cache_blocks) {
      m_cache.push_back(block);
      return;
    }
    ::operator delete(block);
  }
  void set_budget(std::size_t bytes) { m_budget = bytes; }
  std::size_t used() const { return m_used; }

 private:
  std::size_t m_budget = k_memory_base + k_memory_per_stanza_byte * 1024 * 1024;
  std::size_t m_used = 0;
  static constexpr std::size_t k_cache_min = 8 * 1024;
  static constexpr std::size_t k_cache_max = 128 * 1024;
  static constexpr std::size_t k_cache_blocks = 4;
  std::vector<void*> m_cache;  // freed large blocks kept for reuse (size in their header)
};

// Reads the wrapper start tag, the fragments and the wrapper end tag without copying them
// together. The parts are not owned: they outlive the parse.
class SegmentStream final : public xc::BinInputStream {
 public:
  explicit SegmentStream(std::span<const std::string_view> parts) : m_parts(parts) {}
  XMLFilePos curPos() const override { return m_read; }
  XMLSize_t readBytes(XMLByte* const to, const XMLSize_t max) override {
    XMLSize_t n = 0;
    while (n < max && m_index < m_parts.size()) {
      const std::string_view part = m_parts[m_index];
      if (m_offset == part.size()) {
        ++m_index;
        m_offset = 0;
        continue;
      }
      const std::size_t k = std::min<std::size_t>(max - n, part.size() - m_offset);
      std::memcpy(to + n, part.data() + m_offset, k);
      n += k;
      m_offset += k;
    }
    m_read += n;
    return n;
  }
  const XMLCh* getContentType() const override { return nullptr; }

 private:
  std::span<const std::string_view> m_parts;
  std::size_t m_index = 0;
  std::size_t m_offset = 0;
  XMLFilePos m_read = 0;
};

class SegmentSource final : public xc::InputSource {
 public:
  SegmentSource(std::span<const std::string_view> parts, xc::MemoryManager* memory)
      : xc::InputSource(memory), m_parts(parts) {
    // XMPP is UTF-8 only (RFC 6120 §11.6): a forced encoding also skips BOM/encoding sniffing.
    setEncoding(u"UTF-8");
    setSystemId(u"xmpp-stream");
  }
  xc::BinInputStream* makeStream() const override {
    return new (getMemoryManager()) SegmentStream(m_parts);
  }

 private:
  std::span<const std::string_view> m_parts;
};

// Nothing is ever loaded from outside: DTDs, external entities, schemas (SECURITY.md row 2, 3).
class RefusingResolver final : public xc::XMLEntityResolver {
 public:
  xc::InputSource* resolveEntity(xc::XMLResourceIdentifier* const) override {
    throw Abort{"restricted-xml", "external resource"};
  }
};

class Handler final : public xc::DefaultHandler {
 public:
  /// batch: several fragments in one wrapper, each root element ending exactly at the stream
  /// offset given for it in begin().
  enum class Mode { header, fragment, batch, document };

  void begin(Mode mode, std::span<const std::size_t> batch_ends = {}) {
    m_mode = mode;
    m_depth = 0;
    m_roots = 0;
    m_max_roots = mode == Mode::batch ? batch_ends.size() : 1;
    m_batch_ends = batch_ends;
    m_stack.clear();
    m_text.clear();
    m_result.reset();
    m_batch.clear();
    m_batch.reserve(batch_ends.size());
    m_prefix.clear();
    m_namespaces.clear();
  }
  /// Where batch mode reads Xerces' byte offset (set once per reader).
  void set_reader(const xc::SAX2XMLReader* reader) { m_reader = reader; }
  std::optional<Element>& result() { return m_result; }
  std::vector<Element>& batch() { return m_batch; }
  std::string& prefix() { return m_prefix; }
  std::map<std::string, std::string>& namespaces() { return m_namespaces; }

  void startElement(const XMLCh* const uri, const XMLCh* const localname, const XMLCh* const qname,
                    const xc::Attributes& attrs) override {
    ++m_depth;
    if (m_depth < root_depth()) return;  // the wrapper
    if (m_depth == root_depth() && ++m_roots > m_max_roots)
      throw Abort{"not-well-formed", "more than one element in a fragment"};
    flush_text();
    // Built in place on the stack: an element is moved once, into its parent, when it ends.
    Element& e = m_stack.emplace_back(utf8(localname), utf8(uri));
    const XMLSize_t count = attrs.getLength();
    e.reserve_attributes(count);
    for (XMLSize_t i = 0; i < count; ++i) {
      std::string ns = utf8(attrs.getURI(i));
      if (ns == k_ns_xmlns) continue;  // namespace declarations are not attributes
      std::string name = utf8(attrs.getLocalName(i));
      // XML Namespaces §6.3: no two attributes with the same expanded name (row 12).
      if (e.attr_ns(ns, name)) throw Abort{"not-well-formed", "duplicate attribute " + name};
      e.set_attr_ns(std::move(ns), std::move(name), utf8(attrs.getValue(i)));
    }
    if (m_mode == Mode::header) {
      const std::string q = utf8(qname);
      const auto colon = q.find(':');
      m_prefix = colon == std::string::npos ? std::string() : q.substr(0, colon);
    }
  }

  void endElement(const XMLCh* const, const XMLCh* const, const XMLCh* const) override {
    const std::size_t depth = m_depth--;
    if (depth < root_depth()) return;
    flush_text();
    if (m_stack.size() > 1) {
      m_stack[m_stack.size() - 2].add_child(std::move(m_stack.back()));
      m_stack.pop_back();
      return;
    }
    Element e = std::move(m_stack.back());
    m_stack.pop_back();
    if (m_mode == Mode::batch) {
      // The framer's boundary and Xerces' must be the same byte: the root element ends exactly
      // where its fragment ends (Xerces has just consumed the end tag's '>').
      if (m_reader->getSrcOffset() != m_batch_ends[m_batch.size()])
        throw Abort{"not-well-formed", "fragment boundary disagreement"};
      m_batch.push_back(std::move(e));
    } else {
      m_result = std::move(e);
    }
  }

  void characters(const XMLCh* const chars, const XMLSize_t length) override {
    if (m_stack.empty()) {
      if (length) throw Abort{"not-well-formed", "character data outside the top-level element"};
      return;
    }
    // Kept as UTF-16 until the run ends, so a surrogate pair split between calls stays whole.
    m_text.append(chars, length);
  }
  void ignorableWhitespace(const XMLCh* const chars, const XMLSize_t length) override {
    characters(chars, length);
  }

  void startPrefixMapping(const XMLCh* const prefix, const XMLCh* const uri) override {
    if (m_mode == Mode::header && m_depth == 0) m_namespaces[utf8(prefix)] = utf8(uri);
  }

  // RFC 6120 §11.1: no processing instructions, comments, DTDs or entity declarations.
  void processingInstruction(const XMLCh* const, const XMLCh* const) override {
    throw Abort{"restricted-xml", "processing instruction"};
  }
  void comment(const XMLCh* const, const XMLSize_t) override {
    throw Abort{"restricted-xml", "comment"};
  }
  void startDTD(const XMLCh* const, const XMLCh* const, const XMLCh* const) override {
    throw Abort{"restricted-xml", "DOCTYPE declaration"};
  }
  void startEntity(const XMLCh* const) override {
    throw Abort{"restricted-xml", "entity reference"};
  }
  xc::InputSource* resolveEntity(const XMLCh* const, const XMLCh* const) override {
    throw Abort{"restricted-xml", "external resource"};
  }

  void warning(const xc::SAXParseException&) override {}
  void error(const xc::SAXParseException& e) override {
    throw Abort{"not-well-formed", describe(e)};
  }
  void fatalError(const xc::SAXParseException& e) override {
    throw Abort{"not-well-formed", describe(e)};
  }

 private:
  std::size_t root_depth() const {
    return m_mode == Mode::fragment || m_mode == Mode::batch ? 2 : 1;
  }

  void flush_text() {
    if (m_text.empty()) return;
    std::string text;
    append_utf8(text, m_text.data(), m_text.size());
    m_text.clear();
    m_stack.back().add_text(std::move(text));
  }

  static std::string describe(const xc::SAXParseException& e) {
    return utf8(e.getMessage()) + " (column " + std::to_string(e.getColumnNumber()) + ")";
  }

  Mode m_mode = Mode::document;
  std::size_t m_depth = 0;
  std::size_t m_roots = 0;
  std::size_t m_max_roots = 1;
  std::span<const std::size_t> m_batch_ends;
  const xc::SAX2XMLReader* m_reader = nullptr;
  std::vector<Element> m_batch;
  std::vector<Element> m_stack;
  std::u16string m_text;
  std::optional<Element> m_result;
  std::string m_prefix;
  std::map<std::string, std::string> m_namespaces;
};

}  // namespace

struct XercesParser::Impl {
  CountingMemoryManager memory;
  Handler handler;
  RefusingResolver resolver;
  xc::SecurityManager security;
  xc::SAX2XMLReader* reader = nullptr;
  bool broken = false;
  std::size_t recycle_at = 0;
  std::string wrapper_open = "<w>";
  std::vector<std::string_view> batch_parts;  // parse_fragments' input, kept for its capacity
  std::vector<std::size_t> batch_ends;

  Impl() { make_reader(); }
  ~Impl() { delete reader; }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void make_reader() {
    delete reader;
    reader = nullptr;
    broken = false;
    reader = xc::XMLReaderFactory::createXMLReader(&memory);
    recycle_at = memory.used() + k_recycle_growth;
    // The scanner first: switching it creates a new scanner that copies the other settings.
    reader->setProperty(xc::XMLUni::fgXercesScannerName,
                        const_cast<XMLCh*>(xc::XMLUni::fgWFXMLScanner));
    reader->setFeature(xc::XMLUni::fgSAX2CoreNameSpaces, true);
    reader->setFeature(xc::XMLUni::fgSAX2CoreNameSpacePrefixes, false);
    reader->setFeature(xc::XMLUni::fgSAX2CoreValidation, false);
    reader->setFeature(xc::XMLUni::fgXercesDynamic, false);
    reader->setFeature(xc::XMLUni::fgXercesSchema, false);
    reader->setFeature(xc::XMLUni::fgXercesLoadSchema, false);
    reader->setFeature(xc::XMLUni::fgXercesLoadExternalDTD, false);
#if _XERCES_VERSION >= 30205
    reader->setFeature(xc::XMLUni::fgXercesDisallowDoctype, true);
#endif
    reader->setFeature(xc::XMLUni::fgXercesDisableDefaultEntityResolution, true);
    reader->setFeature(xc::XMLUni::fgXercesCalculateSrcOfs, true);
    reader->setFeature(xc::XMLUni::fgXercesContinueAfterFatalError, false);
    // Xerces counts every reference to the five predefined entities (&amp; &lt; ...) as an
    // expansion, and no other entity can exist (DOCTYPE is refused), so a small limit such as
    // SECURITY.md's ~16 refused ordinary text with 17 ampersands. The budget and the framer's
    // stanza limit bound what a predefined reference can cost; this stays as a last backstop.
    security.setEntityExpansionLimit(k_entity_expansion_limit);
    reader->setProperty(xc::XMLUni::fgXercesSecurityManager, &security);
    XMLSize_t low_water_mark = 0;
    reader->setProperty(xc::XMLUni::fgXercesLowWaterMark, &low_water_mark);
    reader->setContentHandler(&handler);
    handler.set_reader(reader);
    reader->setErrorHandler(&handler);
    reader->setEntityResolver(&handler);
    reader->setLexicalHandler(&handler);
    reader->setDTDHandler(&handler);
    reader->setDeclarationHandler(&handler);
    if (auto* impl = dynamic_cast<xc::SAX2XMLReaderImpl*>(reader))
      impl->setXMLEntityResolver(&resolver);
  }

  Result<void> run(std::span<const std::string_view> parts, Handler::Mode mode,
                   std::span<const std::size_t> ends = {}) {
    // Xerces' UTF-8 decoder is not trusted: depending on where an invalid sequence falls in its
    // buffer it may drop the bytes instead of failing (seen with a 0xF7 lead byte inside an
    // attribute value). Every character of an XML document must be a Char (XML 1.0 §2.2), so
    // the whole input is checked here first and never "repaired" (SECURITY.md row 8).
    for (const std::string_view part : parts)
      if (!is_xml_text(part))
        return tl::unexpected(
            stream_error("not-well-formed", "invalid UTF-8 or a character XML 1.0 does not allow"));
    // After an exception escaped Xerces mid-parse, start from a fresh reader.
    if (broken) make_reader();
    handler.begin(mode, ends);
    broken = true;
    try {
      SegmentSource source(parts, &memory);
      reader->parse(source);
    } catch (const Abort& a) {
      return tl::unexpected(stream_error(a.condition, a.message));
    } catch (const xc::OutOfMemoryException&) {
      return tl::unexpected(stream_error("policy-violation", "XML parser memory budget exceeded"));
    } catch (const xc::XMLException& e) {
      return tl::unexpected(stream_error("not-well-formed", utf8(e.getMessage())));
    } catch (const xc::SAXException& e) {
      return tl::unexpected(stream_error("not-well-formed", utf8(e.getMessage())));
    }
    broken = false;
    // Xerces keeps every element name and namespace URI it has seen in pools that live as long as
    // the reader, so a peer sending ever new names would grow them without bound: start afresh
    // once they have grown by k_recycle_growth.
    if (memory.used() > recycle_at) make_reader();
    if (mode == Handler::Mode::batch ? handler.batch().size() != ends.size() : !handler.result())
      return tl::unexpected(stream_error("not-well-formed", "no element"));
    return {};
  }
};

XercesParser::XercesParser() {
  initialize();
  m_impl = std::make_unique<Impl>();
}

XercesParser::~XercesParser() = default;

Result<ParsedHeader> XercesParser::parse_header(std::string_view header, std::string_view qname,
                                                bool self_closed) {
  std::string close;
  if (!self_closed) close = "</" + std::string(qname) + ">";
  const std::array<std::string_view, 2> parts{header, close};
  auto r = m_impl->run(parts, Handler::Mode::header);
  if (!r) return tl::unexpected(r.error());
  auto& h = m_impl->handler;
  return ParsedHeader{std::move(*h.result()), std::move(h.prefix()), std::move(h.namespaces())};
}

void XercesParser::set_context(const std::map<std::string, std::string>& namespaces) {
  std::string w = "<w";
  for (const auto& [prefix, uri] : namespaces) {
    w += prefix.empty() ? " xmlns='" : " xmlns:" + prefix + "='";
    w += escape_attr(uri);
    w += '\'';
  }
  w += '>';
  m_impl->wrapper_open = std::move(w);
}

Result<Element> XercesParser::parse_fragment(std::string_view fragment) {
  const std::array<std::string_view, 3> parts{m_impl->wrapper_open, fragment, k_wrapper_close};
  auto r = m_impl->run(parts, Handler::Mode::fragment);
  if (!r) return tl::unexpected(r.error());
  return std::move(*m_impl->handler.result());
}

Result<std::vector<Element>>
XercesParser::parse_fragments(std::span<const std::string_view> fragments) {
  auto& parts = m_impl->batch_parts;
  auto& ends = m_impl->batch_ends;
  parts.clear();
  ends.clear();
  parts.push_back(m_impl->wrapper_open);
  std::size_t offset = m_impl->wrapper_open.size();
  for (const std::string_view f : fragments) {
    parts.push_back(f);
    offset += f.size();
    ends.push_back(offset);
  }
  parts.push_back(k_wrapper_close);
  auto r = m_impl->run(parts, Handler::Mode::batch, ends);
  if (!r) return tl::unexpected(r.error());
  return std::move(m_impl->handler.batch());
}

Result<Element> XercesParser::parse_document(std::string_view document) {
  // Xerces accepts some malformed declarations (version="1.0 "); ours is strict.
  if (document.starts_with("<?xml") && document.size() > 5 &&
      (document[5] == ' ' || document[5] == '\t' || document[5] == '\r' || document[5] == '\n' ||
       document[5] == '?')) {
    const auto end = document.find("?>");
    if (end == std::string_view::npos)
      return tl::unexpected(stream_error("not-well-formed", "unterminated XML declaration"));
    if (auto e = check_xml_declaration(document.substr(0, end + 2))) return tl::unexpected(*e);
  }
  const std::array<std::string_view, 1> parts{document};
  auto r = m_impl->run(parts, Handler::Mode::document);
  if (!r) return tl::unexpected(r.error());
  return std::move(*m_impl->handler.result());
}

void XercesParser::set_max_fragment_bytes(std::size_t bytes) {
  m_impl->memory.set_budget(bytes > (SIZE_MAX - k_memory_base) / k_memory_per_stanza_byte
                                ? SIZE_MAX
                                : k_memory_base + k_memory_per_stanza_byte * bytes);
}

std::size_t XercesParser::memory_in_use() const {
  return m_impl->memory.used();
}

std::string_view xerces_version() {
  return XERCES_FULLVERSIONDOT;
}

}  // namespace xmpp::xml
