// XEP-0115 Entity Capabilities (version 1.6.0): the <c/> a presence or the stream features carry,
// and checking its 'ver' hash against a disco#info result (§5.1 verification string, §5.4
// processing). No I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "xep/disco/disco.hpp"
#include "xml/element.hpp"

namespace xmpp::caps {

inline constexpr std::string_view k_ns = "http://jabber.org/protocol/caps";

/// <c xmlns='http://jabber.org/protocol/caps' hash=.. node=.. ver=../> (§4).
struct Caps {
  std::string hash;  ///< IANA hash name: "sha-1", "sha-256", ...
  std::string node;
  std::string ver;  ///< base64 of the hash of the verification string
  bool operator==(const Caps&) const = default;
};

/// The <c/> child of `parent` (a presence, or <stream:features/> per §6.3); nullopt when absent,
/// when it has no hash (the legacy format of §13, which cannot be verified) or no node or ver.
std::optional<Caps> parse(const xml::Element& parent);

/// The verification string S of §5.1 (identities, features, then extension forms, each sorted
/// byte-wise, every item followed by '<'); forms whose FORM_TYPE is not hidden are left out
/// (§5.4 3.6). Errors (kind protocol, code "caps_ill_formed") when §5.4 says the disco#info
/// result must not be used: a duplicate identity (same category/type/lang/name), a duplicate
/// feature, two extension forms with the same FORM_TYPE, or a FORM_TYPE with several values.
Result<std::string> verification_string(const disco::DiscoInfo& info);

/// base64(hash(S)) for `hash` ("sha-1", "sha-224", "sha-256", "sha-384", "sha-512"; names are
/// compared case-insensitively); nullopt for an unknown hash or an ill-formed `info`.
std::optional<std::string> compute_ver(const disco::DiscoInfo& info, std::string_view hash);

enum class Verdict {
  match,         ///< the ver is the hash of this disco#info result
  mismatch,      ///< it is not (stale or forged caps, or a non-conforming entity)
  unknown_hash,  ///< we do not implement the announced hash function
  ill_formed,    ///< §5.4: the disco#info result itself may not be used for caps
};

Verdict verify(const Caps& caps, const disco::DiscoInfo& info);

/// "match", "mismatch", "unknown-hash", "ill-formed" (the JSON spelling).
std::string_view to_string(Verdict verdict);

/// The disco#info node that describes these caps, "NODE#VER" (§6.2: the request carries it for
/// backwards compatibility).
std::string info_node(const Caps& caps);

/// <c xmlns='http://jabber.org/protocol/caps' hash=.. node=.. ver=../> (§4), for a presence.
xml::Element make_element(const Caps& caps);

/// Our caps for `info`: hash "sha-1" (mandatory to implement, §9.1: every verifier has it), `node`
/// (a URI naming the software, §4), ver = compute_ver(info, "sha-1"). nullopt when `info` is
/// ill-formed (§5.4: nobody could verify it).
std::optional<Caps> caps_for(const disco::DiscoInfo& info, std::string node);

}  // namespace xmpp::caps
