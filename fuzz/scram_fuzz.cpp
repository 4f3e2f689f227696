// libFuzzer target for the SCRAM server-message parsers (RFC 5802 §7; SECURITY.md "Fuzzing": SCRAM
// server-message parser). Input: server-first-message [NUL server-final-message]. Each input runs
// SCRAM-SHA-256 twice: server-final delivered in <success/> and as a challenge (RFC 6120 §6.4.6).
//
// Run it with `fuzz/run SECONDS scram`; the seed in fuzz/corpus/scram/ is the RFC 7677 §3 exchange,
// which this setup completes successfully.
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
