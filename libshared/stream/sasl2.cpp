#include "stream/sasl2.hpp"

#include "core/base64.hpp"
#include "stream/namespaces.hpp"
#include "stream/sm.hpp"
#include "xml/whitespace.hpp"

namespace xmpp::stream {

std::optional<Sasl2Offer> parse_sasl2_offer(const xml::Element& features) {
  const xml::Element* auth = features.child("authentication", k_ns_sasl2);
  if (!auth) return std::nullopt;
  Sasl2Offer offer;
  for (const xml::Element* m : auth->children("mechanism", k_ns_sasl2))
    offer.mechanisms.push_back(std::string(xml::trim_space(m->text())));
  if (const xml::Element* inl = auth->child("inline", k_ns_sasl2)) {
    if (const xml::Element* bind = inl->child("bind", k_ns_bind2)) {
      offer.bind2 = true;
      // XEP-0386 "Discovering support": the features Bind 2 can enable are listed in its own
      // <inline/>.
      if (const xml::Element* features2 = bind->child("inline", k_ns_bind2))
        for (const xml::Element* f : features2->children("feature", k_ns_bind2))
          if (f->attr("var") == k_ns_sm) offer.bind2_sm = true;
    }
  }
  return offer;
}

xml::Element make_authenticate(const Sasl2Request& request) {
  xml::Element auth("authenticate", std::string(k_ns_sasl2));
  auth.set_attr("mechanism", request.mechanism);
  if (request.initial_response) {
    // XEP-0388 "SASL Data Encoding": an empty initial response is an empty element (no "=" special
    // case).
    xml::Element initial("initial-response", std::string(k_ns_sasl2));
    if (!request.initial_response->empty())
      initial.add_text(base64_encode(*request.initial_response));
    auth.add_child(std::move(initial));
  }
  if (request.bind2) {
    xml::Element bind("bind", std::string(k_ns_bind2));
    if (request.enable_sm) bind.add_child(StreamManagement::make_enable());
    auth.add_child(std::move(bind));
  }
  return auth;
}

Result<Sasl2Success> parse_sasl2_success(const xml::Element& success) {
  Sasl2Success s;
  if (const xml::Element* data = success.child("additional-data", k_ns_sasl2)) {
    const std::string text(xml::trim_space(data->text()));
    if (text.empty()) {
      s.additional_data = std::string();
    } else {
      s.additional_data = base64_decode(text);
      if (!s.additional_data)
        return fail(ErrorKind::protocol, "stream_error", "bad-format",
                    "SASL2 additional data is not valid base64");
    }
  }
  const auto aid = success.child_text("authorization-identifier", k_ns_sasl2);
  if (!aid)
    return fail(ErrorKind::protocol, "stream_error", "bad-format",
                "SASL2 success without an authorization identifier");
  s.authorization_identifier = std::string(xml::trim_space(*aid));
  if (const xml::Element* bound = success.child("bound", k_ns_bind2)) {
    s.bound = true;
    for (const xml::Element* c : bound->elements()) {
      if (c->ns() == k_ns_sm && (c->name() == "enabled" || c->name() == "failed")) {
        s.sm_result = *c;
        break;
      }
    }
  }
  return s;
}

std::vector<std::string> sasl2_tasks(const xml::Element& cont) {
  std::vector<std::string> names;
  if (const xml::Element* tasks = cont.child("tasks", k_ns_sasl2))
    for (const xml::Element* t : tasks->children("task", k_ns_sasl2))
      names.push_back(std::string(xml::trim_space(t->text())));
  return names;
}

}  // namespace xmpp::stream
