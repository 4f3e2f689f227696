// SASL mechanisms, sans-I/O (RFC 4422, RFC 6120 §6): the session passes decoded challenge bytes in
// and sends the returned bytes out; nonces are injected so tests use the RFCs' fixed vectors.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace xmpp::sasl {

struct Credentials {
  std::string authcid;   ///< the JID's localpart
  std::string password;  ///< SASLprep'd by the mechanism; cleansed on destruction by the owner
  std::string authzid;   ///< usually empty
};

/// TLS facts a mechanism needs for channel binding (RFC 5056, RFC 9266, RFC 5929).
struct TlsState {
  bool active = false;
  bool verified = false;         ///< PLAIN is only allowed when true (and policy.allow_plain)
  bool tls13 = false;
  std::string exporter;          ///< tls-exporter data (TLS 1.3)
  std::string server_end_point;  ///< tls-server-end-point data
  std::string unique;            ///< tls-unique data (TLS 1.2 only; what Prosody 0.12 supports)
};

/// What the session knows at <mechanisms/> time.
struct Offer {
  std::vector<std::string> mechanisms;     ///< as offered by the server, in its order
  std::vector<std::string> cb_types;       ///< XEP-0440 <sasl-channel-binding/> types, if advertised
  bool cb_types_advertised = false;
};

/// Policy from the command line / config (CLI.md --sasl, --anonymous).
struct Policy {
  std::vector<std::string> allowed;  ///< empty = default preference order
  bool anonymous = false;
  bool allow_plain = true;           ///< PLAIN still needs verified TLS
};

class Mechanism {
 public:
  virtual ~Mechanism() = default;
  virtual std::string name() const = 0;
  /// The initial response (raw bytes, before base64); nullopt = none (send empty <auth/>).
  virtual Result<std::optional<std::string>> initial_response() = 0;
  /// Answers a server challenge (raw bytes). Errors are kind no_perm (code "auth_failed" or
  /// "downgrade") or protocol, and abort authentication.
  virtual Result<std::string> respond(const std::string& challenge) = 0;
  /// Checks <success/> additional data (SCRAM server signature `v=`; missing `v=` is an error).
  virtual Result<void> verify_success(const std::optional<std::string>& additional_data) = 0;
  /// The channel-binding type in use ("tls-exporter", "tls-server-end-point", "tls-unique"), or
  /// empty when the mechanism binds no channel; for -v and --json output.
  virtual std::string channel_binding() const { return {}; }
};

/// Source of client nonces; tests inject a fixed one. A nonce must be printable ASCII without ','
/// (RFC 5802 §7); the default is core/random.hpp's random_id() (132 bits from RAND_bytes).
using NonceSource = std::function<std::string()>;

/// The mechanism names choose() can pick, strongest first (for validating --sasl).
const std::vector<std::string>& supported_mechanisms();

/// Picks the strongest acceptable mechanism: SCRAM-SHA-512-PLUS > SCRAM-SHA-256-PLUS >
/// SCRAM-SHA-1-PLUS > SCRAM-SHA-512 > SCRAM-SHA-256 > SCRAM-SHA-1 > PLAIN (only over verified
/// TLS), or ANONYMOUS when policy.anonymous. Error kind no_perm, code "no_mechanism", when nothing
/// acceptable is offered (the message lists what was offered).
///
/// Policy.allowed names are compared case-insensitively; unknown names are ignored. With
/// policy.anonymous only ANONYMOUS is considered. PLAIN needs tls.verified and policy.allow_plain.
/// Channel binding (RFC 5056; RFC 5802 §6; XEP-0440 §4 "Business Rules"; XEP-0474 §5):
/// - -PLUS binds with the best type of ours the server lists in <sasl-channel-binding/>
///   (tls-exporter [TLS 1.3, RFC 9266] > tls-server-end-point [RFC 5929] > tls-unique [TLS 1.2]);
///   when no types are advertised (or the list is empty, which XEP-0440 forbids) it binds with
///   tls-exporter on TLS 1.3 and tls-unique on TLS 1.2 (RFC 5929's default). That is safe: a
///   server that lacks the type fails authentication, it cannot make us authenticate without
///   binding.
/// - TLS 1.3 and no types advertised: -PLUS comes after every plain SCRAM mechanism (before
///   PLAIN), since such a server may bind only tls-unique, which TLS 1.3 lacks (ejabberd 23.01
///   offers -PLUS there and fails tls-exporter); the plain SCRAM then sends "n" (RFC 5802 §6: the
///   server advertised -PLUS, so "y" would rightly fail). Unless policy.allowed names a -PLUS
///   mechanism (--sasl): then the order is unchanged, and the server's answer decides.
/// - -PLUS is skipped when the data for that type is empty (the non-PLUS variant is used).
/// - types advertised, -PLUS offered, none in common: the non-PLUS variant with gs2 flag "n", and
///   the server-first-message MUST then carry a matching XEP-0474 `h=` (else code "downgrade").
/// - types advertised but no -PLUS offered while we have binding data and the policy permits -PLUS:
///   error no_perm code "downgrade" (XEP-0440 §4 rule 5; SECURITY.md row 30).
/// - non-PLUS SCRAM sends "y" when we could bind (TLS active, data present, -PLUS permitted) but
///   the server offered no -PLUS and no types (RFC 5802 §6 downgrade detection), else "n".
/// Credentials are SASLprep'd here: an unusable user name or password is kind usage, code
/// "bad_credentials".
Result<std::unique_ptr<Mechanism>> choose(const Offer& offer, const Policy& policy,
                                          const Credentials& credentials, const TlsState& tls,
                                          NonceSource nonce = {});

}  // namespace xmpp::sasl
