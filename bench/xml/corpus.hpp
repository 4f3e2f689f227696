// The recorded stanza corpus of bench_xml (bench/xml/corpus/*.xml, written by
// bench/xml/record-corpus): one complete inbound XMPP stream per file (RFC 6120 §4), header,
// top-level elements and closing tag, as our session would have received it.
#pragma once

#include <string>
#include <vector>

#include "core/result.hpp"

namespace xmpp::bench {

/// One stream of the corpus.
struct CorpusFile {
  std::string name;   ///< the file name without ".xml" ("chat", "mixed", ...)
  std::string bytes;  ///< the whole stream
};

/// Every `*.xml` file in `dir`, sorted by name. An error when the folder cannot be read or holds
/// no such file.
Result<std::vector<CorpusFile>> load_corpus(const std::string& dir);

}  // namespace xmpp::bench
