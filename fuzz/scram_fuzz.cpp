// libFuzzer target for the SCRAM server-message parsers (RFC 5802 §7; SECURITY.md "Fuzzing": SCRAM
// server-message parser). Input: server-first-message [NUL server-final-message]. Each input runs
// SCRAM-SHA-256 twice: server-final delivered in <success/> and as a challenge (RFC 6120 §6.4.6).
//
// Not wired into CMake. Build and run by hand from the repository root:
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Ilibshared \
//     fuzz/scram_fuzz.cpp libshared/sasl/*.cpp libshared/core/*.cpp -lcrypto -lidn -o scram_fuzz
//   mkdir -p corpus && printf
//   'r=rOprNGfwEbeRWgbNEkqO%%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096\0v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='
//   > corpus/rfc7677
//   ./scram_fuzz -max_total_time=20 corpus
// The seed is the RFC 7677 §3 exchange, which this setup completes successfully.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "sasl/scram.hpp"

namespace {

std::unique_ptr<xmpp::sasl::Mechanism> started() {
  xmpp::sasl::ScramSetup setup;
  setup.hash = xmpp::sasl::ScramHash::sha256;
  setup.username = "user";
  setup.password = "pencil";
  setup.client_nonce = "rOprNGfwEbeRWgbNEkqO";
  // Mechanisms and types for the XEP-0474 h= check.
  setup.offer = {{"SCRAM-SHA-256", "SCRAM-SHA-256-PLUS", "PLAIN"}, {"tls-exporter"}, true};
  // Small iteration counts keep executions fast; the bounds check itself is still exercised.
  setup.min_iterations = 1;
  setup.max_iterations = 4096;
  auto m = xmpp::sasl::make_scram(std::move(setup));
  if (!m || !(*m)->initial_response()) __builtin_trap();
  return std::move(*m);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::size_t split = input.find('\0');
  const std::string server_first = input.substr(0, split);
  const std::optional<std::string> server_final =
      split == std::string::npos ? std::nullopt
                                 : std::optional<std::string>(input.substr(split + 1));

  auto in_success = started();
  if (in_success->respond(server_first)) {
    auto verified = in_success->verify_success(server_final);
    (void)verified;
  }

  auto as_challenge = started();
  if (as_challenge->respond(server_first) && server_final) {
    if (as_challenge->respond(*server_final)) {
      if (!as_challenge->verify_success(std::nullopt)) __builtin_trap();  // verified already
    }
  }
  return 0;
}
