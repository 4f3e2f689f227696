// XEP-0122 data forms validation: the <validate/> element of the spec's seven examples, the XML
// Schema datatypes, ranges over numbers and dates, POSIX regexes, and the XEP-0004 §3.3 per-type
// checks of one value (boolean, JIDs, one line, XML text).
#include <doctest/doctest.h>

#include "xep/forms/form.hpp"
#include "xep/forms/validate.hpp"
#include "xep_forms_support.hpp"

using namespace xmpp;
using forms::FieldType;
using forms::Method;
using test::canonical;
using test::fields_example;
using test::parse_form;

namespace {

forms::Field only_field(const std::string& fixture) {
  const auto form = parse_form(fields_example(fixture));
  REQUIRE(form.fields.size() == 1);
  return form.fields[0];
}

bool passes(const forms::Field& f, std::string_view value) {
  return !forms::check_field_value(f, value).has_value();
}

bool valid(std::string_view datatype, std::string_view value) {
  return !forms::check_datatype(datatype, value).has_value();
}

forms::Validation ranged(std::string datatype, std::optional<std::string> min,
                         std::optional<std::string> max) {
  forms::Validation v;
  v.datatype = std::move(datatype);
  v.method = Method::range;
  v.range = forms::Range{std::move(min), std::move(max)};
  return v;
}

forms::Validation regex(std::string pattern) {
  forms::Validation v;
  v.method = Method::regex;
  v.regex = std::move(pattern);
  return v;
}

}  // namespace

TEST_CASE("XEP-0122 examples 1-6: <validate/> read, checked and rebuilt") {
  SUBCASE("example 1: datatype only") {
    const auto f = only_field("xep0122-ex1-datatype.xml");
    REQUIRE(f.validation.has_value());
    CHECK(f.validation->datatype == "xs:dateTime");
    CHECK(f.validation->method == Method::none);
    CHECK(f.values == std::vector<std::string>{"2003-10-06T11:22:00-07:00"});
    CHECK(passes(f, f.values[0]));
    CHECK_FALSE(passes(f, "next tuesday"));
  }
  SUBCASE("example 2: basic") {
    const auto f = only_field("xep0122-ex2-basic.xml");
    CHECK(f.validation->method == Method::basic);
    CHECK(passes(f, "2003-10-06T11:22:00Z"));
    CHECK_FALSE(passes(f, "2003-10-06"));
  }
  SUBCASE("example 3: open list") {
    const auto f = only_field("xep0122-ex3-open.xml");
    CHECK(f.type == FieldType::list_single);
    CHECK(f.validation->method == Method::open);
    CHECK(f.validation->datatype == "xs:string");
    CHECK(f.options.size() == 3);
    CHECK_FALSE(forms::is_closed_list(f));
    CHECK(passes(f, "birthday"));
  }
  SUBCASE("example 4: dateTime range") {
    const auto f = only_field("xep0122-ex4-range.xml");
    CHECK(f.validation->method == Method::range);
    CHECK(f.validation->range.min == "2003-10-05T00:00:00-07:00");
    CHECK(f.validation->range.max == "2003-10-24T23:59:59-07:00");
    CHECK(passes(f, "2003-10-06T11:22:00-07:00"));
    CHECK(passes(f, "2003-10-05T07:00:00Z"));  // the minimum, in UTC
    CHECK_FALSE(passes(f, "2003-10-05T06:59:59Z"));
    CHECK(passes(f, "2003-10-25T06:59:59Z"));  // the maximum, in UTC
    CHECK_FALSE(passes(f, "2003-10-25T00:00:00-07:00"));
    const auto why = forms::check_field_value(f, "2003-10-04T00:00:00Z");
    REQUIRE(why.has_value());
    CHECK(why->find("below the minimum 2003-10-05T00:00:00-07:00") != std::string::npos);
  }
  SUBCASE("example 5: regex") {
    const auto f = only_field("xep0122-ex5-regex.xml");
    CHECK(f.validation->method == Method::regex);
    CHECK(f.validation->regex == "([0-9]{3})-([0-9]{2})-([0-9]{4})");
    CHECK(f.desc.has_value());
    CHECK(passes(f, "123-12-1234"));
    CHECK_FALSE(passes(f, "123-121-234"));
    CHECK_FALSE(passes(f, "x123-12-1234"));  // the whole value must match
    CHECK_FALSE(passes(f, "123-12-12345"));
  }
  SUBCASE("example 6: list-range beside basic") {
    const auto f = only_field("xep0122-ex6-list-range.xml");
    CHECK(f.type == FieldType::list_multi);
    CHECK(f.validation->method == Method::basic);
    REQUIRE(f.validation->list_range.has_value());
    CHECK(f.validation->list_range->min == 1u);
    CHECK(f.validation->list_range->max == 3u);
    CHECK(forms::is_closed_list(f));
    CHECK(forms::is_option(f, "cell phone"));
    CHECK_FALSE(forms::is_option(f, "fax"));
  }
  for (const char* file :
       {"xep0122-ex1-datatype.xml", "xep0122-ex2-basic.xml", "xep0122-ex3-open.xml",
        "xep0122-ex4-range.xml", "xep0122-ex5-regex.xml", "xep0122-ex6-list-range.xml"}) {
    CAPTURE(file);
    const auto x = fields_example(file);
    const auto form = parse_form(x);
    CHECK(canonical(forms::to_element(form)) == canonical(x));
    CHECK(parse_form(forms::to_element(form)) == form);
  }
}

TEST_CASE(
    "XEP-0122 example 7: prefixed <xdv:validate/>, with <basic/> left in the form's namespace") {
  const auto form = test::form_of("xep0122-ex7-prefixed.xml");
  REQUIRE(form.fields.size() == 3);
  CHECK_FALSE(form.fields[0].validation.has_value());
  for (const auto* var : {"date/start", "date/end"}) {
    const auto* f = form.field(var);
    REQUIRE(f != nullptr);
    REQUIRE(f->validation.has_value());
    CHECK(f->validation->datatype == "xs:date");
    CHECK(f->validation->method == Method::basic);
    CHECK(passes(*f, "2004-02-29"));
    CHECK_FALSE(passes(*f, "2003-02-29"));
  }
  CHECK(parse_form(forms::to_element(form)) == form);
}

TEST_CASE("Datatypes: valid and invalid lexical forms") {
  struct Case {
    const char* datatype;
    const char* value;
    bool ok;
  };
  const Case cases[] = {
      {"xs:string", "anything at all", true},
      {"xs:boolean", "true", true},
      {"xs:boolean", "0", true},
      {"xs:boolean", " 1 ", true},  // whitespace collapses
      {"xs:boolean", "yes", false},
      {"xs:boolean", "TRUE", false},
      {"xs:integer", "-0012345678901234567890", true},
      {"xs:integer", "+7", true},
      {"xs:integer", "1.0", false},
      {"xs:integer", "", false},
      {"xs:integer", "1e3", false},
      {"xs:int", "2147483647", true},
      {"xs:int", "2147483648", false},
      {"xs:int", "-2147483648", true},
      {"xs:long", "-9223372036854775809", false},
      {"xs:short", "32767", true},
      {"xs:short", "-32769", false},
      {"xs:byte", "127", true},
      {"xs:byte", "128", false},
      {"xs:nonNegativeInteger", "0", true},
      {"xs:nonNegativeInteger", "-1", false},
      {"xs:positiveInteger", "0", false},
      {"xs:unsignedByte", "255", true},
      {"xs:unsignedByte", "256", false},
      {"xs:decimal", "-1.50", true},
      {"xs:decimal", ".5", true},
      {"xs:decimal", "5.", true},
      {"xs:decimal", ".", false},
      {"xs:decimal", "1,5", false},
      {"xs:double", "1.5E-3", true},
      {"xs:double", "-INF", true},
      {"xs:double", "NaN", true},
      {"xs:double", "1e400", true},  // a valid literal; the value is INF
      {"xs:double", "inf", false},
      {"xs:double", "0x1p3", false},
      {"xs:double", "1e", false},
      {"xs:float", "3.25", true},
      {"xs:date", "2004-02-29", true},
      {"xs:date", "2003-02-29", false},
      {"xs:date", "2000-02-29Z", true},
      {"xs:date", "1900-02-29", false},
      {"xs:date", "2003-13-01", false},
      {"xs:date", "0000-01-01", false},
      {"xs:date", "-0044-03-15", true},
      {"xs:date", "12345-01-01", true},
      {"xs:date", "02003-01-01", false},
      {"xs:date", "2003-1-01", false},
      {"xs:time", "13:20:00", true},
      {"xs:time", "13:20:00.5+01:00", true},
      {"xs:time", "24:00:00", true},
      {"xs:time", "24:00:01", false},
      {"xs:time", "13:60:00", false},
      {"xs:time", "13:20", false},
      {"xs:time", "13:20:00+15:00", false},
      {"xs:dateTime", "2003-10-06T11:22:00-07:00", true},
      {"xs:dateTime", "2003-10-06T11:22:00.123Z", true},
      {"xs:dateTime", "2003-10-06 11:22:00", false},
      {"xs:dateTime", "2003-10-06T11:22:00Zjunk", false},
      {"xs:anyURI", "http://example.org/a%20b?x#y", true},
      {"xs:anyURI", "xmpp:juliet@capulet.lit", true},
      {"xs:anyURI", "relative/path", true},
      {"xs:anyURI", "http://exa mple.org/", false},
      {"xs:anyURI", "http://example.org/%zz", false},
      {"xs:anyURI", "1http://example.org", false},
      {"xs:language", "en", true},
      {"xs:language", "en-GB", true},
      {"xs:language", "zh-Hant-TW", true},
      {"xs:language", "toolongtag", false},
      {"xs:language", "1en", false},
      {"xs:language", "en-", false},
      // XEP-0122 §4.1: unknown datatypes are checked as xs:string.
      {"xs:gYear", "not a year", true},
      {"x:mytype", "anything", true},
  };
  for (const auto& c : cases) {
    CAPTURE(c.datatype);
    CAPTURE(c.value);
    CHECK(valid(c.datatype, c.value) == c.ok);
  }
  CHECK(forms::is_known_datatype("xs:dateTime"));
  CHECK_FALSE(forms::is_known_datatype("xs:gYear"));
  CHECK_FALSE(forms::is_known_datatype("int"));  // the xs: prefix is part of the name
}

TEST_CASE("Datatype errors say what is wrong") {
  const auto why = forms::check_datatype("xs:date", "2003-02-30");
  REQUIRE(why.has_value());
  CHECK(why->find("day 30 out of range") != std::string::npos);
  CHECK(forms::check_datatype("xs:byte", "300") == "above the largest xs:byte (127)");
}

TEST_CASE("compare_values orders numbers exactly and times across zones") {
  CHECK(forms::compare_values("xs:decimal", "1.50", "1.5") == 0);
  CHECK(forms::compare_values("xs:decimal", "-0", "0") == 0);
  CHECK(forms::compare_values("xs:decimal", "-2.5", "-2.25") == -1);
  CHECK(forms::compare_values("xs:decimal", "0.0001", "0.001") == -1);
  CHECK(forms::compare_values("xs:integer", "100000000000000000000001",
                              "99999999999999999999999") == 1);
  CHECK(forms::compare_values("xs:integer", "007", "7") == 0);
  CHECK(forms::compare_values("xs:double", "1e400", "1e300") == 1);
  CHECK(forms::compare_values("xs:double", "-INF", "-1E308") == -1);
  CHECK_FALSE(forms::compare_values("xs:double", "NaN", "1").has_value());
  CHECK(forms::compare_values("xs:dateTime", "2003-10-06T11:22:00-07:00", "2003-10-06T18:22:00Z") ==
        0);
  CHECK(forms::compare_values("xs:dateTime", "2003-10-06T18:22:00.5Z", "2003-10-06T18:22:00.25Z") ==
        1);
  CHECK(forms::compare_values("xs:date", "2003-12-31", "2004-01-01") == -1);
  CHECK(forms::compare_values("xs:date", "-0001-12-31", "0001-01-01") == -1);
  CHECK(forms::compare_values("xs:time", "23:59:59", "24:00:00") == -1);
  CHECK(forms::compare_values("xs:time", "10:00:00+02:00", "08:00:00Z") == 0);
  CHECK_FALSE(forms::compare_values("xs:string", "a", "b").has_value());
  CHECK_FALSE(forms::compare_values("xs:int", "1", "one").has_value());
}

TEST_CASE("Ranges over integers and decimals; bounds that are not values are ignored") {
  const auto v = ranged("xs:int", "1", "10");
  CHECK_FALSE(forms::check_validation(v, "1").has_value());
  CHECK_FALSE(forms::check_validation(v, "10").has_value());
  CHECK(forms::check_validation(v, "0") == "below the minimum 1");
  CHECK(forms::check_validation(v, "11") == "above the maximum 10");
  CHECK(forms::check_validation(v, "ten") == "not an integer");

  const auto open_below = ranged("xs:decimal", std::nullopt, "2.5");
  CHECK_FALSE(forms::check_validation(open_below, "-1000000").has_value());
  CHECK(forms::check_validation(open_below, "2.51").has_value());

  const auto bad_bound = ranged("xs:integer", "one", "10");
  CHECK_FALSE(forms::check_validation(bad_bound, "-5").has_value());
  CHECK(forms::check_validation(bad_bound, "11").has_value());

  // §5: a range over xs:string means nothing.
  const auto strings = ranged("xs:string", "b", "c");
  CHECK_FALSE(forms::check_validation(strings, "zzz").has_value());
}

TEST_CASE("Regexes: POSIX ERE over the whole value; unusable patterns are skipped") {
  CHECK_FALSE(forms::check_validation(regex("[a-z]+(-[a-z]+)*"), "data-forms").has_value());
  CHECK(forms::check_validation(regex("[a-z]+(-[a-z]+)*"), "Data").has_value());
  CHECK(forms::check_validation(regex("a|b"), "ab").has_value());
  CHECK_FALSE(forms::check_validation(regex("a|b"), "b").has_value());
  // Not compilable: skipped (the form processor validates anyway, XEP-0122 §4.4).
  CHECK_FALSE(forms::check_validation(regex("(unclosed"), "x").has_value());
  // Nested bounded repeats that regcomp would expand to millions of nodes: skipped.
  CHECK_FALSE(forms::check_validation(regex("((a{1000}){1000}){1000}"), "b").has_value());
  // Back-references (exponential matching): skipped.
  CHECK_FALSE(forms::check_validation(regex("(a*)*\\1"), "b").has_value());
  CHECK_FALSE(forms::check_validation(regex(std::string(2000, 'a')), "b").has_value());
  // A usual pattern with several bounded repeats is still applied.
  const auto date = regex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}");
  CHECK_FALSE(forms::check_validation(date, "2024-01-31T10:00").has_value());
  CHECK(forms::check_validation(date, "2024-1-31T10:00").has_value());
}

TEST_CASE("parse_boolean takes exactly 0, 1, true, false (XEP-0004 §3.3)") {
  CHECK(forms::parse_boolean("1") == true);
  CHECK(forms::parse_boolean("true") == true);
  CHECK(forms::parse_boolean("0") == false);
  CHECK(forms::parse_boolean("false") == false);
  for (const char* no : {"", "yes", "True", "FALSE", "2", " 1", "on"})
    CHECK_FALSE(forms::parse_boolean(no).has_value());
}

TEST_CASE("check_field_value: per field type") {
  forms::Field f;
  f.var = "x";

  f.type = FieldType::boolean;
  CHECK(passes(f, "true"));
  CHECK(passes(f, "0"));
  CHECK(forms::check_field_value(f, "maybe") == "expected 0, 1, true or false");

  f.type = FieldType::jid_single;
  CHECK(passes(f, "juliet@capulet.com/balcony"));
  CHECK(passes(f, "capulet.com"));
  const auto why = forms::check_field_value(f, "juliet@");
  REQUIRE(why.has_value());
  CHECK(why->rfind("not a JID: ", 0) == 0);
  f.type = FieldType::jid_multi;
  CHECK_FALSE(passes(f, "@capulet.com"));

  f.type = FieldType::text_single;
  CHECK(passes(f, "one line"));
  CHECK(forms::check_field_value(f, "two\nlines") == "a text-single field takes one line");
  f.type = FieldType::text_private;
  CHECK_FALSE(passes(f, "a\rb"));
  f.type = FieldType::text_multi;
  CHECK(passes(f, "lines are split before"));

  // Kept as given: only text XML can carry.
  f.type = FieldType::hidden;
  CHECK(passes(f, "multi\nline"));
  f.type = FieldType::fixed;
  CHECK(passes(f, "anything"));

  for (const auto type : {FieldType::text_single, FieldType::hidden, FieldType::text_multi}) {
    f.type = type;
    CHECK_FALSE(passes(f, std::string("bell\x07")));
    CHECK_FALSE(passes(f, "\xC0\xAF"));
  }

  // Empty clears the field whatever the type.
  f.type = FieldType::boolean;
  CHECK(passes(f, ""));

  // The field's <validate/> applies after the type.
  f.type = FieldType::text_single;
  f.validation = ranged("xs:integer", "1", std::nullopt);
  CHECK(passes(f, "5"));
  CHECK_FALSE(passes(f, "0"));
  CHECK_FALSE(passes(f, "five"));
}

TEST_CASE("Closed and open lists (XEP-0122 §3.2: any method but basic opens a list)") {
  forms::Field f;
  f.var = "l";
  f.type = FieldType::list_single;
  CHECK_FALSE(forms::is_closed_list(f));  // no options: cannot be checked
  f.options = {{std::nullopt, "a"}, {std::nullopt, "b"}};
  CHECK(forms::is_closed_list(f));
  f.validation = forms::Validation{};
  CHECK(forms::is_closed_list(f));
  f.validation->method = Method::basic;
  CHECK(forms::is_closed_list(f));
  f.validation->method = Method::regex;
  CHECK_FALSE(forms::is_closed_list(f));
  f.validation->method = Method::open;
  CHECK_FALSE(forms::is_closed_list(f));
  f.type = FieldType::text_single;
  f.validation.reset();
  CHECK_FALSE(forms::is_closed_list(f));
}

TEST_CASE("<validate/> oddities: first method counts, malformed list-range numbers dropped") {
  const auto form = parse_form(test::parse_stanza(
      "<x xmlns='jabber:x:data' type='form'><field var='n' type='list-multi'>"
      "<validate xmlns='http://jabber.org/protocol/xdata-validate' datatype='xs:int'>"
      "<range min='1' max='5'/><regex>[0-9]</regex><list-range min='two' max='4'/>"
      "</validate></field></x>"));
  const auto& v = *form.fields[0].validation;
  CHECK(v.method == Method::range);
  CHECK(v.range.min == "1");
  CHECK(v.regex.empty());
  REQUIRE(v.list_range.has_value());
  CHECK_FALSE(v.list_range->min.has_value());
  CHECK(v.list_range->max == 4u);
  CHECK(v.effective_datatype() == "xs:int");
  CHECK(forms::Validation{}.effective_datatype() == "xs:string");
}
