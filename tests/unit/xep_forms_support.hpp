// Helpers for the data forms tests (xep_forms_*_test.cpp): the <x/> of a fixture stanza, fixtures
// that are bare <field/> elements (XEP-0122's examples), and a parsed form that must parse.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include "xep/forms/form.hpp"
#include "xep_examples.hpp"

namespace xmpp::test {

/// The first data form in `e` or anywhere below it (an iq's <command/>, a message).
inline const xml::Element* find_form(const xml::Element& e) {
  if (e.is("x", forms::k_ns)) return &e;
  for (const auto* child : e.elements())
    if (const auto* x = find_form(*child)) return x;
  return nullptr;
}

/// The data form of fixture `name` (an iq, a message or a bare <x/>).
inline xml::Element form_element(const std::string& name) {
  const auto stanza = example(name);
  const auto* x = find_form(stanza);
  REQUIRE_MESSAGE(x != nullptr, "no data form in " << name);
  return *x;
}

/// Fixture `name` holds bare <field/> elements written without a namespace, as XEP-0122's
/// examples are: they are read inside `<x xmlns='jabber:x:data' type='form'>`.
inline xml::Element fields_example(const std::string& name) {
  std::ifstream in(std::string(XMPP_FIXTURES) + "/" + name);
  REQUIRE_MESSAGE(in.good(), "missing fixture " << name);
  std::stringstream text;
  text << in.rdbuf();
  return parse_stanza("<x xmlns='jabber:x:data' type='form'>" + text.str() + "</x>");
}

inline forms::Form parse_form(const xml::Element& x) {
  auto form = forms::parse(x);
  REQUIRE_MESSAGE(form.has_value(), (form ? std::string() : form.error().message));
  return std::move(*form);
}

inline forms::Form form_of(const std::string& name) {
  return parse_form(form_element(name));
}

}  // namespace xmpp::test
