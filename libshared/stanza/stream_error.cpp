#include "stanza/stream_error.hpp"

#include <array>

#include "stanza/namespaces.hpp"

namespace xmpp::stanza {
namespace {

// RFC 6120 §4.9.3.1 - §4.9.3.25.
constexpr std::array<std::string_view, 25> k_stream_conditions{
    "bad-format",
    "bad-namespace-prefix",
    "conflict",
    "connection-timeout",
    "host-gone",
    "host-unknown",
    "improper-addressing",
    "internal-server-error",
    "invalid-from",
    "invalid-namespace",
    "invalid-xml",
    "not-authorized",
    "not-well-formed",
    "policy-violation",
    "remote-connection-failed",
    "reset",
    "resource-constraint",
    "restricted-xml",
    "see-other-host",
    "system-shutdown",
    "undefined-condition",
    "unsupported-encoding",
    "unsupported-feature",
    "unsupported-stanza-type",
    "unsupported-version",
};

}  // namespace

bool is_stream_condition(std::string_view condition) {
  for (auto c : k_stream_conditions)
    if (c == condition) return true;
  return false;
}

bool is_stream_error(const xml::Element& e) {
  return e.is("error", k_ns_streams);
}

StreamError parse_stream_error(const xml::Element& e) {
  StreamError out;
  bool have_condition = false;
  for (const xml::Element* child : e.elements()) {
    if (child->ns() == k_ns_stream_errors) {
      if (child->name() == "text") {
        if (out.text.empty()) out.text = child->text();
      } else if (!have_condition) {
        have_condition = true;
        out.condition = is_stream_condition(child->name()) ? child->name() : "undefined-condition";
        if (child->name() == "see-other-host") out.other_host = child->text();
      }
    } else if (!out.application) {
      out.application = *child;
    }
  }
  return out;
}

Error to_error(const StreamError& error) {
  ErrorKind kind = ErrorKind::protocol;
  std::string message = "server closed the stream: " + error.condition;
  const std::string& c = error.condition;
  if (c == "system-shutdown" || c == "reset" || c == "connection-timeout" || c == "conflict") {
    kind = ErrorKind::temporary;
  } else if (c == "see-other-host") {
    // SECURITY.md row 41: following a redirect needs the original domain as TLS reference
    // identity; until that exists we stop and say where the server wanted us to go.
    kind = ErrorKind::unavailable;
    message = "server redirected us to '" + error.other_host +
              "' (see-other-host); redirects are not followed";
  }
  if (!error.text.empty()) message += " (" + error.text + ")";
  return make_error(kind, "stream_error", error.condition, std::move(message));
}

xml::Element make_stream_error(std::string condition, std::string text,
                               std::optional<xml::Element> application) {
  xml::Element e("error", std::string(k_ns_streams));
  e.add_child(xml::Element(std::move(condition), std::string(k_ns_stream_errors)));
  if (!text.empty()) {
    xml::Element t("text", std::string(k_ns_stream_errors));
    t.set_attr_ns(std::string(xml::k_ns_xml), "lang", "en");
    t.add_text(std::move(text));
    e.add_child(std::move(t));
  }
  if (application) e.add_child(std::move(*application));
  return e;
}

}  // namespace xmpp::stanza
