#include "xep/version/version.hpp"

#include "stanza/iq.hpp"

namespace xmpp::version {

xml::Element make_request(const Jid& to, std::string id) {
  return stanza::make_iq(stanza::IqType::get, to.str(), xml::Element("query", std::string(k_ns)),
                         std::move(id));
}

bool is_request(const xml::Element& iq) {
  return stanza::is_get_of(iq, "query", k_ns);
}

Result<SoftwareVersion> parse_result(const xml::Element& iq) {
  const auto* query = iq.child("query", k_ns);
  if (query == nullptr)
    return fail(ErrorKind::protocol, "bad_reply", "",
                "software version result without <query xmlns='jabber:iq:version'/>");
  SoftwareVersion info;
  info.name = query->child_text("name", k_ns);
  info.version = query->child_text("version", k_ns);
  info.os = query->child_text("os", k_ns);
  return info;
}

xml::Element make_result(const xml::Element& request, const SoftwareVersion& info) {
  xml::Element query("query", std::string(k_ns));
  const auto add = [&](const char* name, const std::optional<std::string>& value) {
    if (value) query.add_child(xml::Element(name, std::string(k_ns))).add_text(*value);
  };
  add("name", info.name);
  add("version", info.version);
  add("os", info.os);
  return stanza::make_result(request, std::move(query));
}

}  // namespace xmpp::version
