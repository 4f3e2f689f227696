// libFuzzer target for the SOCKS5 handshake machines (SECURITY.md rows 43, 44, 46; issue 11
// "SOCKS5 replies"): the peer's bytes are fed in splits the input chooses. Properties: a machine
// never consumes more than the handshake's length (the rest is the bytestream's), nothing while
// it wants nothing, nothing after it finished, fails with its error code and a reason, and succeeds
// only on bytes that are exactly a valid reply (client) or request (server) for our hash.
//
// Input: byte 0 picks the machine (bit 0: 0 client, 1 server) and seeds the split sizes; the rest
// is what the peer sends. Run it with `fuzz/run SECONDS socks5`. tests/unit/xep_s5b_socks5_test.cpp
// includes this file with XMPP_FUZZ_NO_ENTRY to replay the corpus in the unit tests.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "jid/jid.hpp"
#include "xep/s5b/s5b.hpp"
#include "xep/s5b/socks5.hpp"

namespace xmpp::fuzz {
namespace {

[[noreturn]] inline void socks5_violation(const char* what) {
  std::fprintf(stderr, "socks5 fuzz: %s\n", what);
  std::abort();
}

inline void socks5_check(bool ok, const char* what) {
  if (!ok) socks5_violation(what);
}

/// The hash every input is checked against (what the seed corpus carries).
inline const std::string& socks5_hash() {
  static const std::string hash =
      s5b::dst_addr("vj3hs98y", Jid::parse("romeo@montague.lit/orchard").value(),
                    Jid::parse("juliet@capulet.lit/balcony").value());
  return hash;
}

template <class Machine>
void socks5_run(Machine& machine, std::string_view input, std::uint8_t seed,
                std::size_t max_length) {
  std::size_t consumed = 0;
  std::uint32_t state = seed * 2654435761U + 1;
  std::size_t at = 0;
  bool finished = machine.state() != s5b::HandshakeState::running;
  while (at < input.size()) {
    state = state * 1103515245U + 12345U;
    const std::size_t chunk = 1 + (state >> 16) % 64;
    const auto piece = input.substr(at, chunk);
    const std::size_t wanted = machine.wanted();
    const std::size_t used = machine.feed(piece);
    if (wanted == 0) socks5_check(used == 0, "consumed while wanting nothing");
    socks5_check(used <= piece.size(), "consumed more than given");
    if (finished) socks5_check(used == 0, "consumed after finishing");
    consumed += used;
    socks5_check(consumed <= max_length, "consumed past the handshake's length");
    machine.take_output();
    finished = machine.state() != s5b::HandshakeState::running;
    if (finished) socks5_check(machine.wanted() == 0, "wants bytes after finishing");
    // The machine stops taking bytes only when it finished: the rest is the bytestream's.
    if (used < piece.size()) socks5_check(finished, "refused bytes while running");
    at += piece.size();
  }
  if (machine.state() == s5b::HandshakeState::failed) {
    socks5_check(!machine.error().code.empty() && !machine.error().message.empty(),
                 "a failure without code or reason");
    socks5_check(machine.error().kind == ErrorKind::protocol, "a failure of another kind");
  }
  if (machine.state() == s5b::HandshakeState::done) {
    socks5_check(consumed == max_length, "done before the whole handshake");
  }
}

}  // namespace

inline int socks5_one_input(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string& hash = socks5_hash();
  if ((data[0] & 1) == 0) {
    // Client: 05 00, then 05 00 RSV 03 LEN HASH 00 00 (RSV free, so not compared).
    s5b::ClientHandshake machine(hash);
    socks5_check(machine.take_output() == std::string("\x05\x01\x00", 3), "greeting");
    const std::size_t length = 2 + 4 + 1 + hash.size() + 2;
    socks5_run(machine, input, data[0], length);
    if (machine.state() == s5b::HandshakeState::done) {
      std::string expected("\x05\x00\x05\x00", 4);
      socks5_check(input.substr(0, 4) == expected, "done without success codes");
      socks5_check(input[5] == 0x03 && static_cast<unsigned char>(input[6]) == hash.size() &&
                       input.substr(7, hash.size()) == hash &&
                       input.substr(7 + hash.size(), 2) == std::string(2, '\0'),
                   "done on a reply that is not our hash at port 0");
    }
  } else {
    s5b::ServerHandshake machine(hash);
    socks5_check(machine.take_output().empty(), "server speaks first");
    // Greeting with N methods, then the request: the length depends on N.
    const std::size_t methods = input.size() >= 2 ? static_cast<unsigned char>(input[1]) : 0;
    const std::size_t length = 2 + methods + 4 + 1 + hash.size() + 2;
    socks5_run(machine, input, data[0], length);
    if (machine.state() == s5b::HandshakeState::done) {
      const auto request = input.substr(2 + methods);
      socks5_check(input.substr(2, methods).find('\0') != std::string_view::npos,
                   "done without method 00 offered");
      socks5_check(request.substr(0, 2) == std::string_view("\x05\x01", 2) && request[3] == 0x03,
                   "done on a request that is no CONNECT to a domain");
      socks5_check(request.substr(5, hash.size()) == hash, "done on another hash");
    }
  }
  return 0;
}

}  // namespace xmpp::fuzz

#ifndef XMPP_FUZZ_NO_ENTRY
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return xmpp::fuzz::socks5_one_input(data, size);
}
#endif
