// libFuzzer target for the data-form codec (XEP-0004, with XEP-0122 validation and XEP-0141
// layout; SECURITY.md "Fuzzing": data forms). The input is the body of a stream: every
// {jabber:x:data}x found at any depth of any stanza is read with forms::parse. Properties:
//   - what parses, written with forms::to_element and parsed again, is the same form (the
//     round trip form.hpp promises);
//   - the table view, the input vars and a fill with no answers never crash, and a fill that
//     succeeds gives a submit form that survives the same round trip.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "xep/forms/answers.hpp"
#include "xep/forms/form.hpp"
#include "xep/forms/table.hpp"
#include "xml/stream_parser.hpp"
#include "xml/writer.hpp"

namespace {

namespace forms = xmpp::forms;
namespace xml = xmpp::xml;

constexpr std::string_view k_header =
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    "version='1.0'>";

[[noreturn]] void violation(const char* what, const xml::Element& x) {
  std::fprintf(stderr, "forms fuzz: %s\n  form: %s\n", what, xml::to_string(x).c_str());
  std::abort();
}

void round_trip(const forms::Form& form, const xml::Element& x) {
  const auto again = forms::parse(forms::to_element(form));
  if (!again) violation("to_element() does not parse again", x);
  if (*again != form) violation("parse(to_element(form)) != form", x);
}

void check_form(const xml::Element& x) {
  const auto form = forms::parse(x);
  if (!form) {
    if (form.error().code != "bad_form") violation("parse error code is not bad_form", x);
    return;
  }
  round_trip(*form, x);
  (void)forms::table(*form);
  (void)form->input_vars();
  if (auto submit = forms::fill(*form, {})) round_trip(*submit, x);
}

void visit(const xml::Element& element) {
  if (element.is("x", forms::k_ns)) check_form(element);
  for (const xml::Element* child : element.elements()) visit(*child);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  xml::StreamParser parser(xml::Limits{});
  if (!parser.feed(k_header)) return 0;
  if (!parser.feed(std::string_view(reinterpret_cast<const char*>(data), size))) return 0;
  for (;;) {
    auto next = parser.next();
    if (!next || !*next) return 0;
    if ((*next)->kind == xml::StreamEvent::Kind::element) visit(*(*next)->element);
  }
}
