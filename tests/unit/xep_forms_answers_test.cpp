// Filling in data forms: assignments parsed, answers applied to the spec's forms give the spec's
// submit forms (XEP-0004 examples 3 and 7, XEP-0050 examples 12 and 14), every problem kind with
// what it names, canonical values (booleans, JIDs, list order), what a submit carries, and
// submit forms written without a received form (XEP-0060 publish-options).
#include <doctest/doctest.h>

#include <algorithm>

#include "xep/forms/answers.hpp"
#include "xep_forms_support.hpp"

using namespace xmpp;
using forms::Answers;
using forms::FieldType;
using forms::ProblemKind;
using test::canonical;
using test::form_element;
using test::form_of;
using test::parse_form;
using test::parse_stanza;

namespace {

using Strings = std::vector<std::string>;
using Problems = std::vector<forms::Problem>;

forms::Form filled(const forms::Form& form, const Answers& answers,
                   const forms::SubmitOptions& options = {}) {
  auto submit = forms::fill(form, answers, options);
  if (!submit) FAIL("unexpected problems: " << forms::to_error(submit.error()).message);
  return std::move(*submit);
}

Problems problems(const forms::Form& form, const Answers& answers) {
  auto submit = forms::fill(form, answers);
  REQUIRE_MESSAGE(!submit.has_value(), "expected problems");
  return submit.error();
}

forms::Problem only(const Problems& p) {
  REQUIRE(p.size() == 1);
  return p.front();
}

bool mentions(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

Strings values_of(const forms::Form& submit, std::string_view var) {
  const auto* f = submit.field(var);
  REQUIRE_MESSAGE(f != nullptr, "submit has no field " << var);
  return f->values;
}

forms::Form bot_form() {
  return form_of("xep0004-ex2-bot-creation-form.xml");
}

/// Everything example 3 submits except the features (example 2's default).
Answers bot_answers() {
  return {
      {"botname", {"The Jabber Google Bot"}},
      {"description",
       {"This bot enables you to send requests to\nGoogle and receive the search results right\n"
        "in your Jabber client. It' really cool!\nIt even supports Google News!"}},
      {"public", {"false"}},
      {"password", {"v3r0na"}},
      {"maxsubs", {"50"}},
      {"invitelist", {"juliet@capulet.com", "benvolio@montague.net"}},
  };
}

forms::Form single_field_form(std::string xml_field) {
  return parse_form(parse_stanza("<x xmlns='jabber:x:data' type='form'>" + xml_field + "</x>"));
}

}  // namespace

TEST_CASE("parse_assignment: VAR=VALUE, VAR=@FILE, VAR=@@TEXT, VAR=") {
  struct Case {
    const char* text;
    forms::Assignment expected;
  };
  const Case cases[] = {
      {"botname=The Bot", {"botname", "The Bot", false}},
      {"a=b=c", {"a", "b=c", false}},
      {"muc#roomconfig_roomname=", {"muc#roomconfig_roomname", "", false}},
      {"description=@/tmp/desc.txt", {"description", "/tmp/desc.txt", true}},
      {"nick=@@home", {"nick", "@home", false}},
      {"x=@@", {"x", "@", false}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const auto a = forms::parse_assignment(c.text);
    REQUIRE(a.has_value());
    CHECK(*a == c.expected);
  }
  for (const char* bad : {"novalue", "=value", "", "x=@"}) {
    CAPTURE(bad);
    const auto a = forms::parse_assignment(bad);
    REQUIRE_FALSE(a.has_value());
    CHECK(a.error().kind == ErrorKind::usage);
    CHECK(a.error().code == "bad_assignment");
  }
}

TEST_CASE("collect gathers repeated vars; overlay replaces whole vars") {
  const auto answers = forms::collect({{"a", "1", false}, {"b", "2", false}, {"a", "3", false}});
  CHECK(answers == Answers{{"a", {"1", "3"}}, {"b", {"2"}}});
  const auto merged =
      forms::overlay({{"a", {"1"}}, {"b", {"2", "3"}}}, {{"b", {"9"}}, {"c", {"4"}}});
  CHECK(merged == Answers{{"a", {"1"}}, {"b", {"9"}}, {"c", {"4"}}});
}

TEST_CASE("XEP-0004 example 2 filled in gives example 3's submit, element for element") {
  const auto submit = filled(bot_form(), bot_answers());
  CHECK(submit.type == forms::FormType::submit);
  // The boolean written as the form wants it: the form has no value, so "0" (as example 3).
  CHECK(values_of(submit, "public") == Strings{"0"});
  // Unanswered list-multi keeps the form's default (Carry::all), like example 3.
  CHECK(values_of(submit, "features") == Strings{"news", "search"});
  const auto expected = form_element("xep0004-ex3-bot-creation-submit.xml");
  CHECK(canonical(forms::to_element(submit)) == canonical(expected));
}

TEST_CASE("The same submit from command-line VAR=VALUE strings (repeated var = several values)") {
  const char* const argv[] = {
      "botname=The Jabber Google Bot",
      "description=@desc.txt",  // the caller reads the file
      "public=0",
      "password=v3r0na",
      "maxsubs=50",
      "invitelist=juliet@capulet.com",
      "invitelist=benvolio@montague.net",
  };
  std::vector<forms::Assignment> assignments;
  for (const char* arg : argv) {
    auto a = forms::parse_assignment(arg);
    REQUIRE(a.has_value());
    if (a->from_file) {
      CHECK(a->value == "desc.txt");
      a->value = "This bot enables you to send requests to\nGoogle and receive the search results "
                 "right\nin your Jabber client. It' really cool!\nIt even supports Google News!\n";
      a->from_file = false;
    }
    assignments.push_back(std::move(*a));
  }
  const auto submit = filled(bot_form(), forms::collect(assignments));
  CHECK(canonical(forms::to_element(submit)) ==
        canonical(form_element("xep0004-ex3-bot-creation-submit.xml")));
}

TEST_CASE("XEP-0004 example 6 filled in gives example 7") {
  const auto submit =
      filled(form_of("xep0004-ex6-search-form.xml"), {{"search_request", {"verona"}}});
  CHECK(canonical(forms::to_element(submit)) ==
        canonical(form_element("xep0004-ex7-search-submit.xml")));
}

TEST_CASE("XEP-0050 stage forms filled in give examples 12 and 14 (no type attributes)") {
  const forms::SubmitOptions untyped{forms::Carry::all, false};
  const auto stage1 =
      filled(form_of("xep0050-ex11-stage1-form.xml"), {{"service", {"httpd"}}}, untyped);
  CHECK(canonical(forms::to_element(stage1)) ==
        canonical(form_element("xep0050-ex12-stage2-submit.xml")));
  const auto stage2 = filled(form_of("xep0050-ex13-stage2-form.xml"),
                             {{"runlevel", {"3"}}, {"state", {"on"}}}, untyped);
  CHECK(canonical(forms::to_element(stage2)) ==
        canonical(form_element("xep0050-ex14-stage3-submit.xml")));
}

TEST_CASE("Unknown var: names the var and lists the form's inputs") {
  auto answers = bot_answers();
  answers.push_back({"colour", {"blue"}});
  const auto& p = only(problems(bot_form(), answers));
  CHECK(p.kind == ProblemKind::unknown_var);
  CHECK(p.var == "colour");
  CHECK_FALSE(p.type.has_value());
  CHECK(p.valid_vars == Strings{"botname", "description", "public", "password", "features",
                                "maxsubs", "invitelist"});
  CHECK(p.message ==
        "the form has no field 'colour'; its fields: botname, description, public, password, "
        "features, maxsubs, invitelist");
  CHECK(forms::code(p.kind) == "unknown_field");
}

TEST_CASE("Missing required field: names the field, its type and its options") {
  SUBCASE("boolean without a default") {
    auto answers = bot_answers();
    answers.erase(answers.begin() + 2);  // public
    const auto& p = only(problems(bot_form(), answers));
    CHECK(p.kind == ProblemKind::missing_required);
    CHECK(p.var == "public");
    CHECK(p.type == FieldType::boolean);
    CHECK(p.label == "Public bot?");
    CHECK(p.message == "required field 'public' (boolean, \"Public bot?\") has no value");
  }
  SUBCASE("list-single: the options are listed") {
    const auto form =
        single_field_form("<field var='state' type='list-single' label='Run State'><required/>"
                          "<option label='Active'><value>off</value></option>"
                          "<option label='Inactive'><value>on</value></option></field>");
    const auto& p = only(problems(form, {}));
    CHECK(p.kind == ProblemKind::missing_required);
    CHECK(p.type == FieldType::list_single);
    CHECK(p.options.size() == 2);
    CHECK(p.message == "required field 'state' (list-single, \"Run State\") has no value; "
                       "options: off (Active), on (Inactive)");
  }
  SUBCASE("a required field with a default is satisfied; clearing it is not") {
    const auto form =
        single_field_form("<field var='n' type='text-single'><required/><value>x</value></field>");
    CHECK(values_of(filled(form, {}), "n") == Strings{"x"});
    CHECK(values_of(filled(form, {}, {forms::Carry::answered, true}), "n") == Strings{"x"});
    CHECK(only(problems(form, {{"n", {""}}})).kind == ProblemKind::missing_required);
  }
  SUBCASE("search form (XEP-0004 example 6) answered with nothing") {
    const auto& p = only(problems(form_of("xep0004-ex6-search-form.xml"), {}));
    CHECK(p.var == "search_request");
    CHECK(p.type == FieldType::text_single);
  }
}

TEST_CASE("Bad values for the field's type") {
  struct Case {
    const char* var;
    Strings values;
    const char* says;
  };
  const Case cases[] = {
      {"public",
       {"maybe"},
       "field 'public' (boolean, \"Public bot?\"): 'maybe' is invalid (expected 0, 1, true or "
       "false)"},
      {"public", {"yes"}, "expected 0, 1, true or false"},
      {"invitelist", {"juliet@capulet.com", "romeo@"}, "'romeo@' is invalid (not a JID: "},
      {"botname", {"two\nlines"}, "a text-single field takes one line"},
      {"botname", {"bell\x07"}, "not text XML can carry"},
      {"password", {"pass\nword"}, "a text-private field takes one line"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.var);
    const auto answers = forms::overlay(bot_answers(), {{c.var, c.values}});
    const auto& p = only(problems(bot_form(), answers));
    CHECK(p.kind == ProblemKind::bad_value);
    CHECK(p.var == c.var);
    CHECK(mentions(p.message, c.says));
  }
}

TEST_CASE("Too many values for a single-valued field") {
  auto answers = bot_answers();
  answers[0].values.push_back("Another name");  // botname
  const auto& p = only(problems(bot_form(), answers));
  CHECK(p.kind == ProblemKind::too_many_values);
  CHECK(p.message ==
        "field 'botname' (text-single, \"The name of your bot\") takes one value, got 2");
}

TEST_CASE("Not an option of a closed list; open lists take other values") {
  auto answers = bot_answers();
  answers[4].values = {"25"};  // maxsubs
  const auto& p = only(problems(bot_form(), answers));
  CHECK(p.kind == ProblemKind::not_an_option);
  CHECK(p.value == "25");
  CHECK(p.options.size() == 6);
  CHECK(p.message ==
        "field 'maxsubs' (list-single, \"Maximum number of subscribers\"): '25' is not an option; "
        "options: 10, 20, 30, 50, 100, none (None)");

  auto multi = bot_answers();
  multi.push_back({"features", {"news", "weather"}});
  CHECK(only(problems(bot_form(), multi)).kind == ProblemKind::not_an_option);

  const auto open = parse_form(test::fields_example("xep0122-ex3-open.xml"));
  CHECK(values_of(filled(open, {{"evt.category", {"birthday"}}}), "evt.category") ==
        Strings{"birthday"});
}

TEST_CASE("XEP-0122 list-range: too few and too many selections") {
  const auto form = parse_form(test::fields_example("xep0122-ex6-list-range.xml"));
  const auto& few = only(problems(form, {{"evt.notify-methods", {""}}}));
  CHECK(few.kind == ProblemKind::too_few_values);
  CHECK(forms::code(few.kind) == "too_few_values");
  CHECK(mentions(few.message, "needs at least 1 selected, got 0"));
  CHECK(mentions(few.message, "options: e-mail, jabber/xmpp"));

  const auto& many = only(problems(
      form, {{"evt.notify-methods", {"e-mail", "work phone", "home phone", "cell phone"}}}));
  CHECK(many.kind == ProblemKind::too_many_values);
  CHECK(mentions(many.message, "takes at most 3, got 4"));

  CHECK(values_of(filled(form, {{"evt.notify-methods", {"cell phone", "e-mail"}}}),
                  "evt.notify-methods") == Strings{"e-mail", "cell phone"});
}

TEST_CASE("XEP-0122 datatypes and ranges apply to answers") {
  const auto form = single_field_form(
      "<field var='max_items' type='text-single'>"
      "<validate xmlns='http://jabber.org/protocol/xdata-validate' datatype='xs:int'>"
      "<range min='1' max='100'/></validate><value>10</value></field>");
  CHECK(values_of(filled(form, {{"max_items", {"100"}}}), "max_items") == Strings{"100"});
  const auto& p = only(problems(form, {{"max_items", {"101"}}}));
  CHECK(p.kind == ProblemKind::bad_value);
  CHECK(p.message == "field 'max_items' (text-single): '101' is invalid (above the maximum 100)");
  CHECK(only(problems(form, {{"max_items", {"many"}}})).message ==
        "field 'max_items' (text-single): 'many' is invalid (not an integer)");
}

TEST_CASE("A fixed field is not an input") {
  const auto form =
      single_field_form("<field var='note' type='fixed'><value>Read me</value></field>");
  const auto& p = only(problems(form, {{"note", {"x"}}}));
  CHECK(p.kind == ProblemKind::bad_value);
  CHECK(p.message == "field 'note' (fixed) is text to read, not an input");
  CHECK(form.input_vars().empty());
  CHECK(filled(form, {}).fields.empty());  // never carried
}

TEST_CASE("Every problem is reported at once, and as one data error") {
  const Answers answers{{"colour", {"blue"}}, {"maxsubs", {"7"}}, {"invitelist", {"nope@"}}};
  const auto all = problems(bot_form(), answers);
  REQUIRE(all.size() == 4);
  CHECK(all[0].kind == ProblemKind::unknown_var);
  CHECK(all[1].kind == ProblemKind::missing_required);  // public, in form order
  CHECK(all[2].kind == ProblemKind::not_an_option);
  CHECK(all[3].kind == ProblemKind::bad_value);
  const auto error = forms::to_error(all);
  CHECK(error.kind == ErrorKind::data);
  CHECK(error.code == "unknown_field");
  CHECK(mentions(error.message, "no field 'colour'"));
  CHECK(mentions(error.message, "; required field 'public'"));
  CHECK(mentions(error.message, "'7' is not an option"));
  CHECK(mentions(error.message, "'nope@' is invalid (not a JID"));
}

TEST_CASE("Booleans: 0/1/true/false accepted, written as the form writes its own") {
  const auto words = single_field_form("<field var='b' type='boolean'><value>true</value></field>");
  const auto digits = single_field_form("<field var='b' type='boolean'><value>1</value></field>");
  const auto bare = single_field_form("<field var='b' type='boolean'/>");
  struct Case {
    const char* given;
    const char* as_words;
    const char* as_digits;
  };
  for (const auto& c : {Case{"1", "true", "1"}, Case{"true", "true", "1"}, Case{"0", "false", "0"},
                        Case{"false", "false", "0"}}) {
    CAPTURE(c.given);
    CHECK(values_of(filled(words, {{"b", {c.given}}}), "b") == Strings{c.as_words});
    CHECK(values_of(filled(digits, {{"b", {c.given}}}), "b") == Strings{c.as_digits});
    CHECK(values_of(filled(bare, {{"b", {c.given}}}), "b") == Strings{c.as_digits});
  }
  CHECK(only(problems(bare, {{"b", {"TRUE"}}})).kind == ProblemKind::bad_value);
}

TEST_CASE("JIDs: validated with xmpp::Jid, normalised, duplicates in jid-multi dropped") {
  const auto form = single_field_form(
      "<field var='owner' type='jid-single'/><field var='admins' type='jid-multi'/>");
  const auto submit =
      filled(form, {{"owner", {"Juliet@Capulet.COM/Balcony"}},
                    {"admins", {"romeo@montague.net", "ROMEO@montague.net", "nurse@capulet.com"}}});
  CHECK(values_of(submit, "owner") == Strings{"juliet@capulet.com/Balcony"});
  CHECK(values_of(submit, "admins") == Strings{"romeo@montague.net", "nurse@capulet.com"});
  CHECK(only(problems(form, {{"owner", {"a@b@c"}}})).kind == ProblemKind::bad_value);
  CHECK(only(problems(form, {{"owner", {"a@b.c", "d@e.f"}}})).kind == ProblemKind::too_many_values);
}

TEST_CASE("list-multi: written in the options' order, duplicates dropped") {
  auto answers = bot_answers();
  answers.push_back({"features", {"search", "contests", "search"}});
  const auto submit = filled(bot_form(), answers);
  CHECK(values_of(submit, "features") == Strings{"contests", "search"});
}

TEST_CASE("text-multi: one <value/> per line") {
  const auto form = single_field_form("<field var='t' type='text-multi'/>");
  CHECK(values_of(filled(form, {{"t", {"a\nb\r\nc\n"}}}), "t") == Strings{"a", "b", "c"});
  CHECK(values_of(filled(form, {{"t", {"a\n\nb"}}}), "t") == Strings{"a", "", "b"});
  CHECK(values_of(filled(form, {{"t", {"a", "b\nc"}}}), "t") == Strings{"a", "b", "c"});
  CHECK(values_of(filled(form, {{"t", {""}}}), "t").empty());
}

TEST_CASE("Clearing: single-valued fields get an empty <value/>, multi-valued ones none") {
  auto answers = bot_answers();
  answers[0].values = {""};               // botname
  answers.push_back({"features", {""}});  // select nothing
  const auto submit = filled(bot_form(), answers);
  CHECK(values_of(submit, "botname") == Strings{""});
  CHECK(values_of(submit, "features").empty());
  const auto x = forms::to_element(submit);
  const auto written = forms::parse(x);
  REQUIRE(written.has_value());
  CHECK(written->field("botname")->values == Strings{""});
}

TEST_CASE("What a submit carries: hidden and required always, the rest by Carry") {
  const auto form = single_field_form(
      "<field var='FORM_TYPE' type='hidden'><value>urn:example:config</value></field>"
      "<field var='token' type='hidden'><value>a</value><value>b</value></field>"
      "<field type='fixed'><value>Section</value></field>"
      "<field var='name' type='text-single'><value>old</value></field>"
      "<field var='empty' type='text-single'/>"
      "<field var='must' type='text-single'><required/><value>kept</value></field>"
      "<field var='colour' type='list-single'><value>red</value>"
      "<option><value>red</value></option><option><value>blue</value></option></field>");
  auto vars = [](const forms::Form& f) {
    Strings out;
    for (const auto& field : f.fields)
      out.push_back(field.var);
    return out;
  };

  const auto all = filled(form, {{"colour", {"blue"}}});
  CHECK(vars(all) == Strings{"FORM_TYPE", "token", "name", "must", "colour"});
  CHECK(values_of(all, "token") == Strings{"a", "b"});
  CHECK(values_of(all, "colour") == Strings{"blue"});
  CHECK(all.form_type() == "urn:example:config");

  const auto changed = filled(form, {{"colour", {"blue"}}}, {forms::Carry::answered, true});
  CHECK(vars(changed) == Strings{"FORM_TYPE", "token", "must", "colour"});

  // A hidden field may be answered (XEP-0004 §3.3: if the using protocol says so): kept as given.
  const auto hidden = filled(form, {{"token", {"c d\ne"}}});
  CHECK(values_of(hidden, "token") == Strings{"c d\ne"});

  // Types are written as the form wrote them, or not at all.
  CHECK(all.field("colour")->type == FieldType::list_single);
  CHECK_FALSE(filled(form, {}, {forms::Carry::all, false}).field("colour")->type.has_value());
}

TEST_CASE("text-private fields are marked, and filled like text-single") {
  const auto form = bot_form();
  CHECK(form.private_vars() == Strings{"password"});
  CHECK(form.field("password")->is_private());
  CHECK(values_of(filled(form, bot_answers()), "password") == Strings{"v3r0na"});
}

TEST_CASE("make_submit: a submit without a received form (XEP-0060 §7.1.5 publish-options)") {
  const auto submit =
      forms::make_submit("http://jabber.org/protocol/pubsub#publish-options",
                         {{"pubsub#access_model", {"presence"}}, {"FORM_TYPE", {"ignored"}}});
  REQUIRE(submit.has_value());
  // The <x/> of XEP-0060 example "Publishing with options".
  const auto expected =
      parse_stanza("<x xmlns='jabber:x:data' type='submit'>"
                   "<field var='FORM_TYPE' type='hidden'>"
                   "<value>http://jabber.org/protocol/pubsub#publish-options</value></field>"
                   "<field var='pubsub#access_model'><value>presence</value></field></x>");
  CHECK(canonical(forms::to_element(*submit)) == canonical(expected));

  const auto plain = forms::make_submit(std::nullopt, {{"a", {"1", "2"}}});
  REQUIRE(plain.has_value());
  REQUIRE(plain->fields.size() == 1);
  CHECK(plain->fields[0].values == Strings{"1", "2"});
  CHECK_FALSE(plain->form_type().has_value());

  const auto bad = forms::make_submit(std::nullopt, {{"a", {"nul\x01"}}});
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().kind == ErrorKind::data);
  CHECK(bad.error().code == "bad_field_value");
}

TEST_CASE("Answers for one var given twice add up, as repeated --field does") {
  const auto form = single_field_form("<field var='j' type='jid-multi'/>");
  const auto submit = filled(form, {{"j", {"a@b.c"}}, {"j", {"d@e.f"}}});
  CHECK(values_of(submit, "j") == Strings{"a@b.c", "d@e.f"});
}
