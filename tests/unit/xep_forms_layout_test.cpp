// XEP-0141 data forms layout: pages, sections (nested), <text/>, <fieldref/> and <reportedref/>
// read from the spec's four examples in document order, written back, and what a renderer needs
// (the vars each page places).
#include <doctest/doctest.h>

#include "xep/forms/form.hpp"
#include "xep/forms/layout.hpp"
#include "xep_forms_support.hpp"

using namespace xmpp;
using forms::FieldRef;
using forms::LayoutItem;
using forms::LayoutText;
using forms::Page;
using forms::ReportedRef;
using forms::Section;
using test::canonical;
using test::form_of;
using test::parse_form;
using test::parse_stanza;

namespace {

using Strings = std::vector<std::string>;

template <class T> const T& as(const LayoutItem& item) {
  const auto* v = std::get_if<T>(&item.value);
  REQUIRE(v != nullptr);
  return *v;
}

/// A compact picture of a page or section: "text", "field:VAR", "table", "section:LABEL{...}".
std::string shape(const std::vector<LayoutItem>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ' ';
    if (std::holds_alternative<LayoutText>(item.value)) out += "text";
    if (const auto* ref = std::get_if<FieldRef>(&item.value)) out += "field:" + ref->var;
    if (std::holds_alternative<ReportedRef>(item.value)) out += "table";
    if (const auto* s = std::get_if<Section>(&item.value))
      out += "section:" + s->label.value_or("") + "{" + shape(s->items) + "}";
  }
  return out;
}

}  // namespace

TEST_CASE("XEP-0141 example 1: the sample form has no layout") {
  const auto form = form_of("xep0141-ex1-sample-form.xml");
  CHECK(form.layout.empty());
  CHECK(form.fields.size() == 9);
  CHECK(form.field("jid")->type == forms::FieldType::jid_single);
}

TEST_CASE("XEP-0141 example 2: three pages of fields") {
  const auto form = form_of("xep0141-ex2-pages.xml");
  REQUIRE(form.layout.size() == 3);
  CHECK(form.fields.size() == 9);
  const auto& one = form.layout[0];
  CHECK(one.label == "Personal Information");
  CHECK(shape(one.items) ==
        "text text field:name.first field:name.last field:email field:jid field:background");
  CHECK(as<LayoutText>(one.items[0]).text == "This is page one of three.");
  CHECK(
      forms::display_text(as<LayoutText>(one.items[1]).text).rfind("Note: In accordance with", 0) ==
      0);
  CHECK(form.layout[1].label == "Community Activity");
  CHECK(as<LayoutText>(form.layout[1].items[2]).text ==
        "You do post to the mailing lists, don't you?");
  CHECK(forms::referenced_vars(form.layout[1]) ==
        Strings{"activity.mailing-lists", "activity.xeps"});
  CHECK(form.layout[2].label == "Plans and Reasonings");
  CHECK(forms::referenced_vars(form.layout[2]) == Strings{"future", "reasoning"});
}

TEST_CASE("XEP-0141 example 3: one unlabelled page of three sections") {
  const auto form = form_of("xep0141-ex3-sections.xml");
  REQUIRE(form.layout.size() == 1);
  const auto& page = form.layout[0];
  CHECK_FALSE(page.label.has_value());
  CHECK(shape(page.items) ==
        "section:Personal Information{text field:name.first field:name.last field:email field:jid "
        "field:background} "
        "section:Community Activity{text text field:activity.mailing-lists field:activity.xeps} "
        "section:Plans and Reasoning{text text field:future field:reasoning}");
  CHECK(forms::referenced_vars(page).size() == 9);
}

TEST_CASE("XEP-0141 example 4: nested sections and a free-standing fieldref") {
  const auto form = form_of("xep0141-ex4-nested-sections.xml");
  REQUIRE(form.layout.size() == 1);
  const auto& personal = as<Section>(form.layout[0].items[0]);
  CHECK(personal.label == "Personal Information");
  CHECK(shape(personal.items) ==
        "text section:Name{text field:name.first field:name.last} "
        "section:Contact Information{text field:email field:jid} field:background");
  CHECK(as<LayoutText>(as<Section>(personal.items[1]).items[0]).text == "Who are you?");
  CHECK(forms::referenced_vars(form.layout[0]) == Strings{"name.first", "name.last", "email", "jid",
                                                          "background", "activity.mailing-lists",
                                                          "activity.xeps", "future", "reasoning"});
}

TEST_CASE("Layouts round-trip through to_element") {
  for (const char* file :
       {"xep0141-ex2-pages.xml", "xep0141-ex3-sections.xml", "xep0141-ex4-nested-sections.xml"}) {
    CAPTURE(file);
    const auto form = form_of(file);
    const auto again = parse_form(forms::to_element(form));
    CHECK(again.layout == form.layout);
    // Each page on its own, inside a bare form.
    for (const auto& page : form.layout) {
      xml::Element x("x", std::string(forms::k_ns));
      x.add_child(forms::to_element(page));
      CHECK(forms::parse_layout(x) == std::vector<Page>{page});
    }
  }
}

TEST_CASE("<reportedref/> places the result table; unknown layout elements are skipped") {
  const auto x =
      parse_stanza("<x xmlns='jabber:x:data' type='result'>"
                   "<page xmlns='http://jabber.org/protocol/xdata-layout' label='Results'>"
                   "<text>Matches</text><reportedref/><chart/><fieldref/>"
                   "<section><fieldref var='total'/></section></page>"
                   "<field var='total'><value>2</value></field>"
                   "<reported><field var='jid'/></reported>"
                   "<item><field var='jid'><value>a@b.c</value></field></item>"
                   "</x>");
  const auto form = parse_form(x);
  REQUIRE(form.layout.size() == 1);
  CHECK(shape(form.layout[0].items) == "text table section:{field:total}");
  const auto page = forms::to_element(form.layout[0]);
  CHECK(page.is("page", forms::k_ns_layout));
  CHECK(page.child("reportedref", forms::k_ns_layout) != nullptr);
  CHECK(parse_form(forms::to_element(form)) == form);
}

TEST_CASE("A page built in code is written in XEP-0141's shape") {
  Page page;
  page.label = "Connection";
  page.items.push_back(LayoutItem{LayoutText{"Where the bot connects."}});
  page.items.push_back(
      LayoutItem{Section{"Server", {LayoutItem{FieldRef{"host"}}, LayoutItem{FieldRef{"port"}}}}});
  const auto expected = parse_stanza(
      "<page xmlns='http://jabber.org/protocol/xdata-layout' label='Connection'>"
      "<text>Where the bot connects.</text>"
      "<section label='Server'><fieldref var='host'/><fieldref var='port'/></section></page>");
  CHECK(canonical(forms::to_element(page)) == canonical(expected));
  CHECK(forms::referenced_vars(page) == Strings{"host", "port"});
}
