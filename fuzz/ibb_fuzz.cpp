// libFuzzer target for the IBB receiving machine (XEP-0047, SECURITY.md row 49; issue 11 "IBB
// data"): the input is a sequence of <open/>, <data/> and <close/> elements (in the IBB namespace,
// an optional from='...' naming the sender, default the peer) that is parsed and fed to one
// ibb::Reader for peer romeo@montague.net/orchard, sid i781hf64, block size 4096. Properties: an
// accepted chunk comes with the next seq, at most the block size, and its bytes encode back to
// exactly the text (strict base64); an error never carries bytes; nothing is accepted once the
// session closed; a stranger (another JID or sid) never closes the session; the byte count is
// the sum of the accepted chunks.
//
// Run it with `fuzz/run SECONDS ibb`; every test build replays the corpus (fuzz_replay_ibb).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/base64.hpp"
#include "jid/jid.hpp"
#include "xep/ibb/ibb.hpp"
#include "xml/parser.hpp"

namespace xmpp::fuzz {
namespace {

[[noreturn]] inline void ibb_violation(const char* what) {
  std::fprintf(stderr, "ibb fuzz: %s\n", what);
  std::abort();
}

inline void ibb_check(bool ok, const char* what) {
  if (!ok) ibb_violation(what);
}

}  // namespace

inline int ibb_one_input(const std::uint8_t* data, std::size_t size) {
  // Bounded like a stanza would be; the parser is not what this target tests.
  if (size > 65536) return 0;
  const std::string document = "<r xmlns='http://jabber.org/protocol/ibb'>" +
                               std::string(reinterpret_cast<const char*>(data), size) + "</r>";
  static xml::XercesParser parser;
  const auto root = parser.parse_document(document);
  if (!root) return 0;

  const Jid peer = Jid::parse("romeo@montague.net/orchard").value();
  ibb::Reader reader(peer, "i781hf64", 4096);
  std::uint64_t total = 0;
  for (const auto* e : root->elements()) {
    Jid from = peer;
    if (const auto text = e->attr("from")) {
      auto parsed = Jid::parse(*text);
      if (!parsed) continue;
      from = std::move(*parsed);
    }
    const bool stranger = from != peer;
    const bool was_closed = reader.is_closed();
    const auto seq_before = reader.next_seq();
    ibb::Reader::Outcome out;
    if (e->name() == "open") {
      const auto open = ibb::parse_open(*e);
      if (!open) continue;
      out = reader.on_open(from, *open);
      ibb_check(!out.close, "an <open/> closed the session");
      if (!out.error) ibb_check(reader.block_size() == open->block_size, "block size not taken");
      ibb_check(reader.block_size() >= 1 && reader.block_size() <= 4096, "block size out of range");
    } else if (e->name() == "data") {
      const auto chunk = ibb::parse_data(*e);
      if (!chunk) continue;
      const bool other_sid = chunk->sid != "i781hf64";
      out = reader.on_data(from, *chunk);
      if (out.error) {
        ibb_check(out.bytes.empty(), "an error with bytes");
        ibb_check(reader.next_seq() == seq_before, "seq moved on an error");
      } else {
        ibb_check(!was_closed && !stranger && !other_sid, "accepted after close or from another");
        ibb_check(chunk->seq == seq_before, "accepted an out-of-order seq");
        ibb_check(reader.next_seq() == static_cast<std::uint16_t>(seq_before + 1),
                  "seq not advanced");
        ibb_check(out.bytes.size() <= reader.block_size(), "chunk above the block size");
        ibb_check(base64_encode(out.bytes) == chunk->text, "bytes do not encode back to the text");
        total += out.bytes.size();
      }
      if (stranger || other_sid) ibb_check(!out.close, "a stranger closed the session");
    } else if (e->name() == "close") {
      const auto sid = ibb::parse_close(*e);
      if (!sid) continue;
      out = reader.on_close(from, *sid);
      if (stranger || *sid != "i781hf64") ibb_check(!out.close, "a stranger closed the session");
    } else {
      continue;
    }
    if (out.close) ibb_check(reader.is_closed(), "close without closing");
    if (out.error || out.close) ibb_check(!out.reason.empty(), "no reason given");
    ibb_check(reader.bytes_received() == total, "byte count differs from the chunks");
  }
  return 0;
}

}  // namespace xmpp::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return xmpp::fuzz::ibb_one_input(data, size);
}
