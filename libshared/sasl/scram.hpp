// SCRAM client (RFC 5802; SHA-256 RFC 7677; SHA-512 per the IANA SASL registry), with channel
// binding (RFC 5056, RFC 5929, RFC 9266) and XEP-0474 (0.5.0) downgrade protection. Sans-I/O.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sasl/mechanism.hpp"

namespace xmpp::sasl {

enum class ScramHash { sha1, sha256, sha512 };

/// Channel-binding types we implement, weakest first (RFC 5929, RFC 9266).
enum class ChannelBinding { none, tls_unique, tls_server_end_point, tls_exporter };

/// "tls-unique", "tls-server-end-point", "tls-exporter"; empty for none.
std::string_view to_string(ChannelBinding cb);

/// RFC 5802 §7 bounds we accept for the server's iteration count `i=` (SECURITY.md (c)).
inline constexpr unsigned k_min_iterations = 4096;
inline constexpr unsigned k_max_iterations = 1'000'000;

struct ScramSetup {
  ScramHash hash = ScramHash::sha256;
  /// The gs2 channel-binding flag (RFC 5802 §7 gs2-cbind-flag): 'n', 'y' or 'p'.
  char cbind_flag = 'n';
  ChannelBinding binding = ChannelBinding::none;  ///< with 'p' only
  std::string binding_data;                       ///< with 'p' only; must not be empty
  std::string username;                           ///< before SASLprep and escaping
  std::string password;                           ///< before SASLprep; cleansed by make_scram
  std::string authzid;                            ///< empty = none
  std::string client_nonce;                       ///< printable ASCII without ','
  /// What was offered at <mechanisms/> time, for the XEP-0474 hash (`h=`).
  Offer offer;
  /// XEP-0474 §5 new rule 6: the server-first-message must carry a valid `h=`.
  bool require_ssdp = false;
  unsigned min_iterations = k_min_iterations;
  unsigned max_iterations = k_max_iterations;
};

/// Builds a SCRAM mechanism ("SCRAM-SHA-256", or "...-PLUS" when cbind_flag is 'p'). SASLprep's the
/// user name (query string, RFC 5802 §5.1) and the password. Errors: kind usage, code
/// "bad_credentials" (empty user name, SASLprep failure); kind software for a bad nonce or setup.
///
/// Error kinds of the exchange (RFC 5802 §5, SECURITY.md rows 28-29):
/// - protocol, code "sasl_malformed": a message that does not parse (bad syntax, missing or
///   misplaced attribute, salt that is not canonical base64 or is empty, non-numeric `i=`), an
///   unexpected extra challenge;
/// - no_perm, code "auth_failed": nonce not prefixed by ours or not longer, `i=` outside
///   [min_iterations, max_iterations], a mandatory extension `m=`, server error `e=` (its text in
///   the message), wrong or missing `v=`, <success/> before the exchange completed;
/// - no_perm, code "downgrade": XEP-0474 `h=` that does not match the offer, or missing while
///   required.
Result<std::unique_ptr<Mechanism>> make_scram(ScramSetup setup);

/// RFC 5802 §5.1 saslname escaping: ',' -> "=2C", '=' -> "=3D".
std::string escape_saslname(std::string_view name);

/// XEP-0474 §3.1: base64 of H(sorted mechanisms joined by 0x1E [+ 0x1F + sorted cb types joined
/// by 0x1E when XEP-0440 was used]), sorted by "i;octet".
std::string ssdp_hash(ScramHash hash, const Offer& offer);

}  // namespace xmpp::sasl
