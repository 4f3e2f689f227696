// XEP-0004 data forms: the model read from the spec's numbered examples (XEP-0004, XEP-0050)
// field by field, every example round-tripped (model and element), result tables, media,
// lookup helpers and malformed forms.
#include <doctest/doctest.h>

#include "xep/forms/form.hpp"
#include "xep/forms/table.hpp"
#include "xep_forms_support.hpp"

using namespace xmpp;
using forms::FieldType;
using forms::FormType;
using forms::Option;
using test::canonical;
using test::form_element;
using test::form_of;
using test::parse_form;
using test::parse_stanza;

namespace {

using Strings = std::vector<std::string>;

const forms::Field& field(const forms::Form& form, std::string_view var) {
  const auto* f = form.field(var);
  REQUIRE_MESSAGE(f != nullptr, "no field " << var);
  return *f;
}

// Every fixture holding a data form.
const char* const k_form_fixtures[] = {
    "xep0004-ex2-bot-creation-form.xml",
    "xep0004-ex3-bot-creation-submit.xml",
    "xep0004-ex4-bot-creation-result.xml",
    "xep0004-ex6-search-form.xml",
    "xep0004-ex7-search-submit.xml",
    "xep0004-ex8-search-results.xml",
    "xep0050-ex9-execute-result-table.xml",
    "xep0050-ex11-stage1-form.xml",
    "xep0050-ex12-stage2-submit.xml",
    "xep0050-ex13-stage2-form.xml",
    "xep0050-ex14-stage3-submit.xml",
    "xep0050-ex17-revert-stage1-form.xml",
    "xep0050-ex21-result-table-lang.xml",
    "xep0141-ex1-sample-form.xml",
    "xep0141-ex2-pages.xml",
    "xep0141-ex3-sections.xml",
    "xep0141-ex4-nested-sections.xml",
};

}  // namespace

TEST_CASE("XEP-0004 example 2: the bot creation form, field by field") {
  const auto form = form_of("xep0004-ex2-bot-creation-form.xml");
  CHECK(form.type == FormType::form);
  CHECK(form.title == "Bot Configuration");
  CHECK(form.instructions == Strings{"Fill out this form to configure your new bot!"});
  REQUIRE(form.fields.size() == 12);
  CHECK(form.form_type() == "jabber:bot");

  const auto& form_type = form.fields[0];
  CHECK(form_type.var == "FORM_TYPE");
  CHECK(form_type.type == FieldType::hidden);
  CHECK_FALSE(form_type.is_input());

  const auto& section1 = form.fields[1];
  CHECK(section1.var.empty());
  CHECK(section1.type == FieldType::fixed);
  CHECK(section1.values == Strings{"Section 1: Bot Info"});

  const auto& botname = field(form, "botname");
  CHECK(botname.type == FieldType::text_single);
  CHECK(botname.label == "The name of your bot");
  CHECK(botname.values.empty());
  CHECK_FALSE(botname.required);

  CHECK(field(form, "description").type == FieldType::text_multi);

  const auto& pub = field(form, "public");
  CHECK(pub.type == FieldType::boolean);
  CHECK(pub.required);
  CHECK(pub.label == "Public bot?");

  const auto& password = field(form, "password");
  CHECK(password.type == FieldType::text_private);
  CHECK(password.is_private());

  const auto& features = field(form, "features");
  CHECK(features.type == FieldType::list_multi);
  CHECK(features.values == Strings{"news", "search"});
  CHECK(features.options == std::vector<Option>{{"Contests", "contests"},
                                                {"News", "news"},
                                                {"Polls", "polls"},
                                                {"Reminders", "reminders"},
                                                {"Search", "search"}});

  const auto& maxsubs = field(form, "maxsubs");
  CHECK(maxsubs.type == FieldType::list_single);
  CHECK(maxsubs.values == Strings{"20"});
  REQUIRE(maxsubs.options.size() == 6);
  CHECK(maxsubs.options.back() == Option{"None", "none"});

  const auto& invite = field(form, "invitelist");
  CHECK(invite.type == FieldType::jid_multi);
  CHECK(invite.desc == "Tell all your friends about your new bot!");

  CHECK(form.input_vars() == Strings{"botname", "description", "public", "password", "features",
                                     "maxsubs", "invitelist"});
  CHECK(form.private_vars() == Strings{"password"});
  CHECK(form.reported.empty());
  CHECK(form.items.empty());
  CHECK(form.layout.empty());
}

TEST_CASE("XEP-0004 examples 3 and 4: submitted and result values") {
  const auto submit = form_of("xep0004-ex3-bot-creation-submit.xml");
  CHECK(submit.type == FormType::submit);
  CHECK(field(submit, "description").values ==
        Strings{"This bot enables you to send requests to",
                "Google and receive the search results right",
                "in your Jabber client. It' really cool!", "It even supports Google News!"});
  CHECK(field(submit, "public").values == Strings{"0"});
  CHECK(field(submit, "invitelist").values ==
        Strings{"juliet@capulet.com", "benvolio@montague.net"});
  CHECK(submit.fields.size() == 8);

  const auto result = form_of("xep0004-ex4-bot-creation-result.xml");
  CHECK(result.type == FormType::result);
  CHECK(result.form_type() == "jabber:bot");
  CHECK(field(result, "maxsubs").values == Strings{"50"});
  CHECK(field(result, "password").values == Strings{"v3r0na"});
}

TEST_CASE("XEP-0004 examples 6 and 7: the search form and its submission") {
  const auto form = form_of("xep0004-ex6-search-form.xml");
  CHECK(form.title == "Joogle Search");
  REQUIRE(form.fields.size() == 1);
  CHECK(form.fields[0].var == "search_request");
  CHECK(form.fields[0].required);
  CHECK_FALSE(form.form_type().has_value());

  const auto submit = form_of("xep0004-ex7-search-submit.xml");
  CHECK(submit.type == FormType::submit);
  CHECK(field(submit, "search_request").values == Strings{"verona"});
}

TEST_CASE("XEP-0004 example 8: search results as a table") {
  const auto form = form_of("xep0004-ex8-search-results.xml");
  CHECK(form.type == FormType::result);
  CHECK(form.title == "Joogle Search: verona");
  CHECK(form.fields.empty());
  REQUIRE(form.reported.size() == 2);
  CHECK_FALSE(form.reported[0].type.has_value());  // no type written: left to context
  REQUIRE(form.items.size() == 5);
  CHECK(form.items[2].field("url")->values == Strings{"http://www.univr.it/"});

  const auto t = forms::table(form);
  REQUIRE(t.columns.size() == 2);
  CHECK(t.columns[0].var == "name");
  CHECK(t.columns[1].var == "url");
  REQUIRE(t.rows.size() == 5);
  CHECK(t.rows[0][0] == Strings{"Comune di Verona - Benvenuti nel sito ufficiale"});
  CHECK(t.rows[4][1] == Strings{"http://www.veronafiere.it/"});
}

TEST_CASE("XEP-0050 examples 9 and 21: the service list table with labelled columns") {
  for (const char* file :
       {"xep0050-ex9-execute-result-table.xml", "xep0050-ex21-result-table-lang.xml"}) {
    CAPTURE(file);
    const auto t = forms::table(form_of(file));
    REQUIRE(t.columns.size() == 5);
    CHECK(t.columns[0].label == "Service");
    CHECK(t.columns[4].var == "runlevel-5");
    CHECK(t.columns[4].label == "X-Window mode");
    REQUIRE(t.rows.size() == 3);
    CHECK(t.rows[1][0] == Strings{"postgresql"});
    CHECK(t.rows[2][3] == Strings{"on"});
  }
}

TEST_CASE("XEP-0050 examples 11, 13, 17: stage forms") {
  const auto stage1 = form_of("xep0050-ex11-stage1-form.xml");
  CHECK(stage1.title == "Configure Service");
  REQUIRE(stage1.instructions.size() == 1);
  CHECK(forms::display_text(stage1.instructions[0]) == "Please select the service to configure.");
  const auto& service = field(stage1, "service");
  CHECK(service.type == FieldType::list_single);
  CHECK(service.values.empty());
  CHECK(service.options == std::vector<Option>{{std::nullopt, "httpd"},
                                               {std::nullopt, "jabberd"},
                                               {std::nullopt, "postgresql"}});

  const auto stage2 = form_of("xep0050-ex13-stage2-form.xml");
  CHECK(field(stage2, "runlevel").values == Strings{"3", "5"});
  CHECK(field(stage2, "runlevel").options[1] == Option{"Non-Networked Multi-User", "2"});
  CHECK(field(stage2, "state").values == Strings{"off"});

  const auto reverted = form_of("xep0050-ex17-revert-stage1-form.xml");
  CHECK(field(reverted, "service").values == Strings{"httpd"});
}

TEST_CASE("Every example form round-trips: parse(to_element(form)) == form") {
  for (const char* file : k_form_fixtures) {
    CAPTURE(file);
    const auto form = form_of(file);
    const auto again = parse_form(forms::to_element(form));
    CHECK(again == form);
  }
}

TEST_CASE("Examples written in schema order are rebuilt element for element") {
  // Left out: XEP-0004 example 2 (its list-multi puts <option/>s before <value/>s, §9's schema
  // has values first) and XEP-0141 example 4 (its "..." stands for elided fields).
  for (const char* file : k_form_fixtures) {
    const std::string name = file;
    if (name == "xep0004-ex2-bot-creation-form.xml" || name == "xep0141-ex4-nested-sections.xml")
      continue;
    CAPTURE(file);
    const auto x = form_element(file);
    CHECK(canonical(forms::to_element(form_of(file))) == canonical(x));
  }
}

TEST_CASE("A form without <reported/> still gives a table; missing cells stay empty") {
  const auto form =
      parse_form(parse_stanza("<x xmlns='jabber:x:data' type='result'>"
                              "<item><field var='jid'><value>a@b.c</value></field><field "
                              "var='nick'><value>A</value></field></item>"
                              "<item><field var='jid'><value>d@e.f</value></field><field "
                              "var='role'><value>x</value></field></item>"
                              "</x>"));
  const auto t = forms::table(form);
  REQUIRE(t.columns.size() == 3);
  CHECK(t.columns[2].var == "role");
  REQUIRE(t.rows.size() == 2);
  CHECK(t.rows[0][2].empty());
  CHECK(t.rows[1][1].empty());
  CHECK(t.rows[1][0] == Strings{"d@e.f"});
}

TEST_CASE("<reported/> after the items (before XEP-0004 2.12.0) is still the header") {
  const auto form = parse_form(parse_stanza(
      "<x xmlns='jabber:x:data' type='result'>"
      "<item><field var='a'><value>1</value></field><field var='b'><value>2</value></field></item>"
      "<reported><field var='b' label='B'/></reported>"
      "</x>"));
  const auto t = forms::table(form);
  REQUIRE(t.columns.size() == 1);
  CHECK(t.columns[0].label == "B");
  CHECK(t.rows == std::vector<std::vector<Strings>>{{{"2"}}});
}

TEST_CASE("Lenient reading: unknown field types, options without value, no type on a field") {
  const auto form = parse_form(parse_stanza("<x xmlns='jabber:x:data' type='form'>"
                                            "<field var='a' type='color-picker'/>"
                                            "<field var='b'/>"
                                            "<field var='c' type='list-single'><option "
                                            "label='x'/><option><value>y</value></option></field>"
                                            "<foo xmlns='urn:example'/>"
                                            "</x>"));
  REQUIRE(form.fields.size() == 3);
  // §3.3: a type the submitter does not understand MUST be taken as text-single.
  CHECK(form.fields[0].type == FieldType::text_single);
  CHECK_FALSE(form.fields[1].type.has_value());
  CHECK(form.fields[1].effective_type() == FieldType::text_single);
  CHECK(form.fields[2].options == std::vector<Option>{{std::nullopt, "y"}});
}

TEST_CASE("Malformed forms are protocol errors") {
  struct Case {
    const char* xml;
    const char* says;
  };
  const Case cases[] = {
      {"<x xmlns='jabber:x:data'/>", "without a 'type'"},
      {"<x xmlns='jabber:x:data' type='questionnaire'/>", "unknown type 'questionnaire'"},
      {"<x xmlns='jabber:x:oob' type='form'/>", "expected a data form"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.xml);
    const auto form = forms::parse(parse_stanza(c.xml));
    REQUIRE_FALSE(form.has_value());
    CHECK(form.error().kind == ErrorKind::protocol);
    CHECK(form.error().code == "bad_form");
    CHECK(form.error().message.find(c.says) != std::string::npos);
  }
}

TEST_CASE("Form and field type names") {
  for (const auto type : {FormType::form, FormType::submit, FormType::cancel, FormType::result})
    CHECK(forms::parse_form_type(forms::to_string(type)) == type);
  for (const auto type :
       {FieldType::boolean, FieldType::fixed, FieldType::hidden, FieldType::jid_multi,
        FieldType::jid_single, FieldType::list_multi, FieldType::list_single, FieldType::text_multi,
        FieldType::text_private, FieldType::text_single})
    CHECK(forms::parse_field_type(forms::to_string(type)) == type);
  CHECK(forms::to_string(FieldType::jid_multi) == "jid-multi");
  CHECK_FALSE(forms::parse_field_type("text").has_value());
  CHECK(forms::is_multi_valued(FieldType::hidden));
  CHECK(forms::is_multi_valued(FieldType::text_multi));
  CHECK_FALSE(forms::is_multi_valued(FieldType::list_single));
  CHECK_FALSE(forms::is_multi_valued(FieldType::boolean));
}

TEST_CASE("XEP-0221 media in a field: read and written") {
  const auto x = parse_stanza("<x xmlns='jabber:x:data' type='form'>"
                              "<field var='ocr' label='Type the letters'>"
                              "<media xmlns='urn:xmpp:media-element' height='60' width='200'>"
                              "<uri type='image/png'>cid:sha1+0123@bob.xmpp.org</uri>"
                              "<uri type='image/jpeg'>https://captcha.example/c.jpg</uri>"
                              "</media><required/></field></x>");
  const auto form = parse_form(x);
  REQUIRE(form.fields.size() == 1);
  REQUIRE(form.fields[0].media.has_value());
  const auto& media = *form.fields[0].media;
  CHECK(media.height == 60u);
  CHECK(media.width == 200u);
  CHECK(media.uris ==
        std::vector<forms::MediaUri>{{"image/png", "cid:sha1+0123@bob.xmpp.org"},
                                     {"image/jpeg", "https://captcha.example/c.jpg"}});
  CHECK(parse_form(forms::to_element(form)) == form);
}

TEST_CASE("find: the first form, or the one with a FORM_TYPE (XEP-0128 serverinfo)") {
  const auto iq = test::example("xep0128-ex1-serverinfo-result.xml");
  const auto* query = iq.child("query", "http://jabber.org/protocol/disco#info");
  REQUIRE(query != nullptr);
  const auto* any = forms::find(*query);
  REQUIRE(any != nullptr);
  CHECK(forms::find(*query, "http://jabber.org/network/serverinfo") == any);
  CHECK(forms::find(*query, "urn:xmpp:dataforms:softwareinfo") == nullptr);
  const auto form = parse_form(*any);
  CHECK(form.field("ip_version")->values == Strings{"ipv4", "ipv6"});
  CHECK(forms::find(iq) == nullptr);  // only direct children
}

TEST_CASE("The cancel form is an empty <x type='cancel'/>") {
  const auto cancel = forms::cancel_form();
  CHECK(cancel.type == FormType::cancel);
  CHECK(cancel.fields.empty());
  CHECK(canonical(forms::to_element(cancel)) ==
        canonical(parse_stanza("<x xmlns='jabber:x:data' type='cancel'/>")));
}

TEST_CASE("display_text collapses layout whitespace") {
  CHECK(forms::display_text("\n   Please select\n   the service.  \n") ==
        "Please select the service.");
  CHECK(forms::display_text("") == "");
  CHECK(forms::display_text(" \t\r\n") == "");
  CHECK(forms::display_text("one") == "one");
}
