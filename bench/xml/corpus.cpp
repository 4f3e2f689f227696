#include "corpus.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace xmpp::bench {

Result<std::vector<CorpusFile>> load_corpus(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec)
    return fail(ErrorKind::no_input, "corpus", "", "cannot read " + dir + ": " + ec.message());
  std::vector<CorpusFile> files;
  for (const auto& entry : it) {
    if (!entry.is_regular_file() || entry.path().extension() != ".xml") continue;
    // Sized first and read at once (istreambuf_iterator trips g++ 12's -Wnull-dereference at -O3).
    const auto size = fs::file_size(entry.path(), ec);
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes(ec ? 0 : size, '\0');
    if (ec || !in.read(bytes.data(), static_cast<std::streamsize>(bytes.size())))
      return fail(ErrorKind::no_input, "corpus", "", "cannot read " + entry.path().string());
    files.push_back(CorpusFile{entry.path().stem().string(), std::move(bytes)});
  }
  if (files.empty()) return fail(ErrorKind::no_input, "corpus", "", "no *.xml file in " + dir);
  std::sort(files.begin(), files.end(),
            [](const CorpusFile& a, const CorpusFile& b) { return a.name < b.name; });
  return files;
}

}  // namespace xmpp::bench
