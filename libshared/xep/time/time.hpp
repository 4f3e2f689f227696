// XEP-0202 Entity Time (version 2.0) with the XEP-0082 (version 1.1) dateTime and TZD profiles:
// the urn:xmpp:time query and its result. No I/O, no clock: times are passed in.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "xml/element.hpp"

namespace xmpp::time {

inline constexpr std::string_view k_ns = "urn:xmpp:time";

using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

/// An entity's clock: UTC time and its numeric offset from UTC (XEP-0202 §3).
struct EntityTime {
  Timestamp utc;
  std::chrono::minutes tzo{0};  ///< the entity's time zone offset: local = utc + tzo
  bool operator==(const EntityTime&) const = default;
};

/// Parses an XEP-0082 §3.2 dateTime, CCYY-MM-DDThh:mm:ss[.sss]TZD, into UTC. Fractions beyond
/// microseconds are truncated. Errors: kind protocol, code "bad_datetime".
Result<Timestamp> parse_datetime(std::string_view text);
/// Parses an XEP-0082 TZD: "Z" or ±hh:mm. Errors: kind protocol, code "bad_datetime".
Result<std::chrono::minutes> parse_tzo(std::string_view text);
/// "2006-12-19T17:58:35Z"; a non-zero fraction is written with 3 digits, or 6 when needed.
std::string format_utc(Timestamp t);
/// "-06:00", "+00:00".
std::string format_tzo(std::chrono::minutes tzo);
/// The entity's wall clock with its offset: "2006-12-19T11:58:35-06:00".
std::string format_local(const EntityTime& t);

/// `<iq type='get' to=TO id=ID><time xmlns='urn:xmpp:time'/></iq>` (XEP-0202 §4, example 1).
/// An empty `id` is left out (Session::request assigns one).
xml::Element make_request(const Jid& to, std::string id = {});

/// True when `iq` is an iq of type get carrying a urn:xmpp:time <time/>.
bool is_request(const xml::Element& iq);

/// Reads an iq result (example 2). Both <tzo/> and <utc/> are REQUIRED (§3). Errors: kind protocol,
/// code "bad_reply" (missing element) or "bad_datetime" (unparsable value).
Result<EntityTime> parse_result(const xml::Element& iq);

/// The result answering `request` (to its sender, with its id), carrying `now`.
xml::Element make_result(const xml::Element& request, const EntityTime& now);

}  // namespace xmpp::time
