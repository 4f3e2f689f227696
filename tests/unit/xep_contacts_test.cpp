// XEP-0157 Contact Addresses: read from the XEP's own example (tests/fixtures/xep0157-ex2-*.xml),
// rebuilt with make_form, and the edge cases of the form.
#include <doctest/doctest.h>

#include "stanza/iq.hpp"
#include "xep/contacts/contacts.hpp"
#include "xep/disco/disco.hpp"
#include "xep_examples.hpp"

using namespace xmpp;
using xmpp::test::canonical;
using xmpp::test::example;
using xmpp::test::with_from;

namespace {

using Roles = std::vector<contacts::RoleAddresses>;

disco::DiscoInfo info_with(std::string form_type,
                           std::map<std::string, std::vector<std::string>> fields) {
  disco::DiscoInfo info;
  info.forms.push_back(disco::ExtensionForm{std::move(form_type), std::move(fields)});
  return info;
}

}  // namespace

TEST_CASE("XEP-0157 example 2: every role and address, in the registry's order") {
  const auto info = disco::parse_info_result(example("xep0157-ex2-serverinfo-result.xml"));
  REQUIRE(info.has_value());
  const auto addresses = contacts::read(*info);
  const Roles expected = {
      {"abuse", {"mailto:abuse@shakespeare.lit", "xmpp:abuse@shakespeare.lit"}},
      {"admin", {"mailto:xmpp@shakespeare.lit", "xmpp:admins@shakespeare.lit"}},
      {"feedback",
       {"http://shakespeare.lit/feedback.php", "mailto:feedback@shakespeare.lit",
        "xmpp:feedback@shakespeare.lit"}},
      {"sales", {"xmpp:bard@shakespeare.lit"}},
      {"security", {"xmpp:security@shakespeare.lit"}},
      {"status", {"https://status.shakespeare.lit"}},
      {"support", {"http://shakespeare.lit/support.php", "xmpp:support@shakespeare.lit"}},
  };
  CHECK(addresses.roles == expected);
  CHECK(addresses.of("admin") ==
        std::vector<std::string>{"mailto:xmpp@shakespeare.lit", "xmpp:admins@shakespeare.lit"});
  CHECK(addresses.of("press").empty());
}

TEST_CASE("XEP-0157 example 2 is rebuilt from the addresses by make_form") {
  const auto result = example("xep0157-ex2-serverinfo-result.xml");
  const auto info = disco::parse_info_result(result);
  REQUIRE(info.has_value());
  disco::DiscoInfo rebuilt;
  rebuilt.identities = info->identities;
  rebuilt.features = info->features;
  rebuilt.forms.push_back(contacts::make_form(contacts::read(*info)));
  // The request of example 1, answered.
  auto request = stanza::make_iq(stanza::IqType::get, "shakespeare.lit",
                                 xml::Element("query", std::string(disco::k_ns_info)), "disco1");
  request.set_attr("from", *result.attr("to"));
  const auto built = disco::make_info_result(request, rebuilt);
  CHECK(canonical(with_from(built, result)) == canonical(result));
}

TEST_CASE("XEP-0157 read: other FORM_TYPEs, empty values and non-address fields are ignored") {
  CHECK(contacts::read(disco::DiscoInfo{}).empty());
  CHECK(contacts::read(
            info_with("urn:xmpp:http:upload:0", {{"admin-addresses", {"xmpp:admin@example.org"}}}))
            .empty());
  // XEP-0128's own serverinfo example: the FORM_TYPE, but no contact fields.
  const auto serverinfo = disco::parse_info_result(example("xep0128-ex1-serverinfo-result.xml"));
  REQUIRE(serverinfo.has_value());
  CHECK(contacts::read(*serverinfo).empty());

  const auto addresses = contacts::read(info_with(
      std::string(contacts::k_form_type), {{"admin-addresses", {"", "xmpp:admin@example.org"}},
                                           {"abuse-addresses", {""}},
                                           {"c2s_port", {"5222"}},
                                           {"-addresses", {"xmpp:nobody@example.org"}},
                                           {"press-addresses", {"mailto:press@example.org"}}}));
  const Roles expected = {{"admin", {"xmpp:admin@example.org"}},
                          {"press", {"mailto:press@example.org"}}};
  CHECK(addresses.roles == expected);
}

TEST_CASE("XEP-0157 read: the first form of the FORM_TYPE counts") {
  auto info = info_with(std::string(contacts::k_form_type),
                        {{"admin-addresses", {"xmpp:first@example.org"}}});
  info.forms.push_back(disco::ExtensionForm{std::string(contacts::k_form_type),
                                            {{"admin-addresses", {"xmpp:second@example.org"}}}});
  CHECK(contacts::read(info).of("admin") == std::vector<std::string>{"xmpp:first@example.org"});
}
