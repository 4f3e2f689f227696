#include "xep/last/last.hpp"

#include <charconv>

#include "stanza/iq.hpp"

namespace xmpp::last {

namespace {

// xs:unsignedLong as the XEP's schema types 'seconds': decimal digits only (no sign, no space).
std::optional<std::uint64_t> parse_seconds(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

}  // namespace

xml::Element make_request(const Jid& to, std::string id) {
  return stanza::make_iq(stanza::IqType::get, to.str(), xml::Element("query", std::string(k_ns)),
                         std::move(id));
}

bool is_request(const xml::Element& iq) {
  return stanza::is_get_of(iq, "query", k_ns);
}

Result<LastActivity> parse_result(const xml::Element& iq) {
  const auto* query = iq.child("query", k_ns);
  if (query == nullptr)
    return fail(ErrorKind::protocol, "bad_reply", "",
                "last activity result without <query xmlns='jabber:iq:last'/>");
  const auto seconds_text = query->attr("seconds");
  if (!seconds_text)
    return fail(ErrorKind::protocol, "bad_reply", "",
                "last activity result without the REQUIRED 'seconds' attribute");
  const auto seconds = parse_seconds(*seconds_text);
  if (!seconds)
    return fail(ErrorKind::protocol, "bad_reply", "",
                "last activity result with 'seconds' not a non-negative integer");
  LastActivity out;
  out.seconds = *seconds;
  if (auto text = query->text(); !text.empty()) out.status = std::move(text);
  return out;
}

xml::Element make_result(const xml::Element& request, const LastActivity& activity) {
  xml::Element query("query", std::string(k_ns));
  query.set_attr("seconds", std::to_string(activity.seconds));
  if (activity.status) query.add_text(*activity.status);
  return stanza::make_result(request, std::move(query));
}

}  // namespace xmpp::last
