// libFuzzer target for the Jingle and file-transfer codecs (XEP-0166, XEP-0234, XEP-0300;
// SECURITY.md "Fuzzing": Jingle and file-transfer codecs). The input is the body of a stream:
// every element at any depth of any stanza is tried as what its name and namespace say.
// Properties:
//   - parse errors are protocol errors (bad_jingle / bad_file / bad_hash);
//   - what parses, written back with the builders, serialises and parses again to the same value
//     (jingle::Jingle, jingle_ft::File, Checksum, Received, hashes::Hash);
//   - parse_iq, validate, the state machine and file_of never crash, and a parsed file's name,
//     through safe_file_name, never gives "." or ".." or a name with a '/'.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "xep/hashes/hashes.hpp"
#include "xep/jingle/jingle.hpp"
#include "xep/jingle_ft/file_name.hpp"
#include "xep/jingle_ft/jingle_ft.hpp"
#include "xml/stream_parser.hpp"
#include "xml/writer.hpp"

namespace {

namespace jingle = xmpp::jingle;
namespace jingle_ft = xmpp::jingle_ft;
namespace hashes = xmpp::hashes;
namespace xml = xmpp::xml;

constexpr std::string_view k_header =
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    "version='1.0'>";

[[noreturn]] void violation(const char* what, const xml::Element& e) {
  std::fprintf(stderr, "jingle fuzz: %s\n  element: %s\n", what, xml::to_string(e).c_str());
  std::abort();
}

template <class T> void expect_protocol_error(const xmpp::Result<T>& r, const xml::Element& e) {
  if (!r && r.error().kind != xmpp::ErrorKind::protocol) violation("a non-protocol error", e);
}

/// True when `r` parsed to `value`.
template <class T> bool same(const xmpp::Result<T>& r, const T& value) {
  return r.has_value() && *r == value;
}

/// The builder's element, written and read back by the writer and the parser's rules: to_string
/// must not throw for anything that parsed.
void serialises(const xml::Element& built) {
  (void)xml::to_string(built);
}

void check_file(const xml::Element& e) {
  const auto f = jingle_ft::parse_file(e);
  expect_protocol_error(f, e);
  if (!f) return;
  const auto built = jingle_ft::make_file(*f);
  serialises(built);
  if (!same(jingle_ft::parse_file(built), *f)) violation("parse_file(make_file(f)) != f", e);
  (void)jingle_ft::expected_bytes(*f);
  if (f->name)
    if (const auto safe = jingle_ft::safe_file_name(*f->name))
      if (*safe == "." || *safe == ".." || safe->find('/') != std::string::npos)
        violation("safe_file_name gave an unsafe name", e);
  (void)hashes::strongest_usable(f->hashes);
}

void check_jingle(const xml::Element& e) {
  const auto j = jingle::parse(e);
  expect_protocol_error(j, e);
  if (!j) return;
  (void)jingle::validate(*j);
  const auto built = jingle::to_element(*j);
  serialises(built);
  if (!same(jingle::parse(built), *j)) violation("parse(to_element(j)) != j", e);
  for (const auto& c : j->contents) {
    if (const auto f = jingle_ft::file_of(c)) expect_protocol_error(*f, e);
    (void)jingle_ft::is_offer(c);
  }
  if (j->reason) (void)jingle_ft::ft_condition(*j->reason);
  // Every action against every state: never a crash.
  for (auto role : {jingle::Role::initiator, jingle::Role::responder}) {
    jingle::SessionState s(role);
    if (!s.check_incoming(j->action)) s.apply(j->action, false);
    (void)s.may_send(j->action);
  }
}

void visit(const xml::Element& e) {
  if (e.is("jingle", jingle::k_ns)) {
    check_jingle(e);
  } else if (e.is("file", jingle_ft::k_ns)) {
    check_file(e);
  } else if (e.is("checksum", jingle_ft::k_ns)) {
    const auto c = jingle_ft::parse_checksum(e);
    expect_protocol_error(c, e);
    if (c && !same(jingle_ft::parse_checksum(jingle_ft::make_checksum(*c)), *c))
      violation("checksum round trip", e);
  } else if (e.is("received", jingle_ft::k_ns)) {
    const auto r = jingle_ft::parse_received(e);
    expect_protocol_error(r, e);
    if (r && !same(jingle_ft::parse_received(jingle_ft::make_received(*r)), *r))
      violation("received round trip", e);
  } else if (e.is("hash", hashes::k_ns)) {
    const auto h = hashes::parse_hash(e);
    expect_protocol_error(h, e);
    if (h && !same(hashes::parse_hash(hashes::make_hash(*h)), *h)) violation("hash round trip", e);
  } else if (e.is("iq", "jabber:client")) {
    const auto incoming = jingle::parse_iq(e);
    expect_protocol_error(incoming, e);
    if (incoming) (void)jingle::claims_other_party(*incoming);
    (void)jingle::error_condition(e);
  }
  for (const xml::Element* child : e.elements())
    visit(*child);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  xml::StreamParser parser(xml::Limits{});
  if (!parser.feed(k_header)) return 0;
  if (!parser.feed(std::string_view(reinterpret_cast<const char*>(data), size))) return 0;
  for (;;) {
    auto next = parser.next();
    if (!next || !*next) return 0;
    if ((*next)->kind == xml::StreamEvent::Kind::element) visit(*(*next)->element);
  }
}
