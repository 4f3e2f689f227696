#include "xep/rsm/rsm.hpp"

#include <charconv>

#include "xml/whitespace.hpp"

namespace xmpp::rsm {
namespace {

// XEP-0059 §8 (schema): <max/>, <index/>, <count/> and the 'index' attribute are xs:int. Only
// non-negative values make sense for sizes and offsets; XML Schema allows a '+' sign and
// surrounding whitespace.
std::optional<std::size_t> parse_number(std::string_view text) {
  text = xml::trim_space(text);
  if (text.empty()) return std::nullopt;
  if (text.size() > 1 && text.front() == '+') text.remove_prefix(1);
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<std::size_t> number_child(const xml::Element& set, std::string_view name) {
  const auto text = set.child_text(name, k_ns);
  return text ? parse_number(*text) : std::nullopt;
}

xml::Element& add_text_child(xml::Element& parent, std::string name, std::string text) {
  auto& child = parent.add_child(xml::Element(std::move(name), std::string(k_ns)));
  if (!text.empty()) child.add_text(std::move(text));
  return child;
}

}  // namespace

xml::Element make_set(const Request& request) {
  xml::Element set("set", std::string(k_ns));
  if (request.max) add_text_child(set, "max", std::to_string(*request.max));
  if (request.after) add_text_child(set, "after", *request.after);
  // §2.5: an empty <before/> asks for the last page.
  if (request.before) add_text_child(set, "before", *request.before);
  if (request.index) add_text_child(set, "index", std::to_string(*request.index));
  return set;
}

std::optional<Page> parse_set(const xml::Element& parent) {
  const auto* set = parent.child("set", k_ns);
  if (set == nullptr) return std::nullopt;
  Page page;
  if (const auto* first = set->child("first", k_ns)) {
    page.first = first->text();
    if (const auto index = first->attr("index")) page.first_index = parse_number(*index);
  }
  page.last = set->child_text("last", k_ns);
  page.count = number_child(*set, "count");
  return page;
}

std::optional<Request> parse_request(const xml::Element& parent) {
  const auto* set = parent.child("set", k_ns);
  if (set == nullptr) return std::nullopt;
  Request request;
  request.max = number_child(*set, "max");
  request.after = set->child_text("after", k_ns);
  request.before = set->child_text("before", k_ns);
  request.index = number_child(*set, "index");
  return request;
}

xml::Element make_page(const Page& page) {
  xml::Element set("set", std::string(k_ns));
  if (page.first) {
    auto& first = add_text_child(set, "first", *page.first);
    if (page.first_index) first.set_attr("index", std::to_string(*page.first_index));
  }
  if (page.last) add_text_child(set, "last", *page.last);
  if (page.count) add_text_child(set, "count", std::to_string(*page.count));
  return set;
}

}  // namespace xmpp::rsm
