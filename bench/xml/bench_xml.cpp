// bench_xml (issue 10): throughput of our inbound XML path, framer + Xerces fragment parser
// (OurStream), against expat (ExpatStream) on the recorded corpus, with Google Benchmark 1.7.
// For each corpus file and read size (4 KiB, 16 KiB = the session's read buffer, the whole
// stream) it reports bytes/s and top-level elements ("stanzas") per second of:
//   ours/FILE/READ         xml::StreamParser, every element built and dropped
//   expat_tree/FILE/READ   expat building the same xml::Element trees (the fair comparison)
//   expat_count/FILE/READ  expat with counting callbacks only (the floor)
// Before measuring, every file is parsed by all three and the trees compared, so the figures are
// for the same work (`--no-check` skips that, for profilers). Usage: README.md; `--corpus=DIR`
// reads another folder of streams.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "corpus.hpp"
#include "expat_stream.hpp"
#include "our_stream.hpp"

namespace xmpp::bench {
namespace {

struct ReadSize {
  const char* label;
  std::size_t bytes;
};
constexpr ReadSize k_read_sizes[] = {{"4096", 4096}, {"16384", 16384}, {"whole", k_whole}};

// Ours and expat's trees must be the same, element by element, at every read size; and expat's
// counting pass must count as many.
bool cross_check(const CorpusFile& file) {
  OurStream ours;
  ExpatStream tree(ExpatStream::Mode::tree);
  ExpatStream count(ExpatStream::Mode::count);
  for (const auto& read : k_read_sizes) {
    std::vector<xml::Element> a, b;
    const auto ra =
        ours.parse(file.bytes, read.bytes, [&a](xml::Element&& e) { a.push_back(std::move(e)); });
    // Twice on the same object: a reset parser must give the same result again.
    (void)tree.parse(file.bytes, read.bytes);
    const auto rb =
        tree.parse(file.bytes, read.bytes, [&b](xml::Element&& e) { b.push_back(std::move(e)); });
    (void)count.parse(file.bytes, read.bytes);
    const auto rc = count.parse(file.bytes, read.bytes);
    const auto mismatch = [&](const std::string& why) {
      std::fprintf(stderr, "bench_xml: %s (read size %s): %s\n", file.name.c_str(), read.label,
                   why.c_str());
      return false;
    };
    if (ra.error) return mismatch("ours stopped: " + *ra.error);
    if (rb.error) return mismatch("expat (tree) stopped: " + *rb.error);
    if (rc.error) return mismatch("expat (count) stopped: " + *rc.error);
    if (a.size() != b.size() || rc.elements != a.size())
      return mismatch("element counts differ: ours " + std::to_string(a.size()) + ", expat tree " +
                      std::to_string(b.size()) + ", expat count " + std::to_string(rc.elements));
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!(a[i] == b[i])) return mismatch("element " + std::to_string(i) + " differs");
  }
  return true;
}

// One benchmark: `Parser` reads the whole stream per iteration.
template <typename Parser>
void run_pass(benchmark::State& state, Parser& parser, const CorpusFile& file, std::size_t read) {
  std::size_t elements = 0;
  for (auto _ : state) {
    const auto result = parser.parse(file.bytes, read);
    if (result.error) {
      state.SkipWithError(result.error->c_str());
      return;
    }
    elements = result.elements;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(file.bytes.size()));
  state.counters["stanzas"] = benchmark::Counter(static_cast<double>(elements),
                                                 benchmark::Counter::kIsIterationInvariantRate);
  state.counters["bytes"] = static_cast<double>(file.bytes.size());
}

void register_file(const CorpusFile& file) {
  for (const auto& read : k_read_sizes) {
    const std::string suffix = "/" + file.name + "/" + read.label;
    const std::size_t bytes = read.bytes;
    benchmark::RegisterBenchmark(("ours" + suffix).c_str(), [&file,
                                                             bytes](benchmark::State& state) {
      OurStream parser;
      run_pass(state, parser, file, bytes);
    })->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("expat_tree" + suffix).c_str(), [&file,
                                                                   bytes](benchmark::State& state) {
      ExpatStream parser(ExpatStream::Mode::tree);
      run_pass(state, parser, file, bytes);
    })->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("expat_count" + suffix).c_str(), [&file, bytes](
                                                                       benchmark::State& state) {
      ExpatStream parser(ExpatStream::Mode::count);
      run_pass(state, parser, file, bytes);
    })->Unit(benchmark::kMicrosecond);
  }
}

}  // namespace
}  // namespace xmpp::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  std::string dir = XMPP_BENCH_CORPUS_DIR;
  bool check = true;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.starts_with("--corpus=")) {
      dir = std::string(arg.substr(9));
    } else if (arg == "--no-check") {
      check = false;  // for a profiler: then only the benchmarks' own passes run
    } else {
      std::fprintf(stderr,
                   "bench_xml: unknown argument %s (--corpus=DIR, --no-check, --benchmark_*)\n",
                   argv[i]);
      return 64;
    }
  }
  auto corpus = xmpp::bench::load_corpus(dir);
  if (!corpus) {
    std::fprintf(stderr, "bench_xml: %s\n", corpus.error().message.c_str());
    return 66;
  }
  for (const auto& file : *corpus)
    if (check && !xmpp::bench::cross_check(file)) return 1;
  // The corpus outlives the benchmarks, which refer to its files.
  for (const auto& file : *corpus)
    xmpp::bench::register_file(file);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
