// XEP-0092 Software Version (version 1.1): the jabber:iq:version query and its result. No I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "xml/element.hpp"

namespace xmpp::version {

inline constexpr std::string_view k_ns = "jabber:iq:version";

/// What an entity says about its software (XEP-0092 §2). `name` and `version` are REQUIRED in a
/// result, but entities that hide them exist; absent elements stay nullopt rather than failing.
struct SoftwareVersion {
  std::optional<std::string> name;
  std::optional<std::string> version;
  std::optional<std::string> os;  ///< OPTIONAL (§2, §5: may be withheld)
  bool operator==(const SoftwareVersion&) const = default;
};

/// `<iq type='get' to=TO id=ID><query xmlns='jabber:iq:version'/></iq>` (XEP-0092 §3, example 1).
/// An empty `id` is left out (Session::request assigns one).
xml::Element make_request(const Jid& to, std::string id = {});

/// True when `iq` is an iq of type get carrying a jabber:iq:version <query/>.
bool is_request(const xml::Element& iq);

/// Reads an iq result (example 2). Errors: kind protocol, code "bad_reply", when the result has
/// no <query xmlns='jabber:iq:version'/>.
Result<SoftwareVersion> parse_result(const xml::Element& iq);

/// The result answering `request` (to its sender, with its id), carrying `info`.
xml::Element make_result(const xml::Element& request, const SoftwareVersion& info);

}  // namespace xmpp::version
