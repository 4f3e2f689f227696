// The scripted server playing one peer, bob@example.test/laptop, towards our client
// alice@example.test/res1: the stanzas the bytestream and Jingle session tests send and expect.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "harness.hpp"
#include "jid/jid.hpp"
#include "unit/test_jid.hpp"
#include "xml/element.hpp"

namespace xmpp::test {

inline constexpr std::string_view k_bob = "bob@example.test/laptop";
inline constexpr std::string_view k_alice = "alice@example.test/res1";

/// Bob's result to the client's iq.
inline std::string ack(const xml::Element& iq) {
  return "<iq type='result' id='" + id_of(iq) + "' from='" + std::string(k_bob) + "' to='" +
         std::string(k_alice) + "'/>";
}

/// An iq set from `from` (bob by default) to the client carrying `payload`.
inline std::string inbound(const std::string& id, const std::string& payload,
                           std::string from = std::string(k_bob)) {
  return "<iq type='set' id='" + id + "' from='" + from + "' to='" + std::string(k_alice) + "'>" +
         payload + "</iq>";
}

/// The client's iq set to bob carrying `payload`, any id.
inline std::string set_pattern(const std::string& payload) {
  return "<iq type='set' to='" + std::string(k_bob) + "' id='*'>" + payload + "</iq>";
}

inline std::span<const char> bytes_of(const std::string& s) {
  return std::span<const char>(s.data(), s.size());
}

}  // namespace xmpp::test
