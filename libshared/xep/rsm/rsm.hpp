// XEP-0059 Result Set Management (version 1.0): the <set/> element that pages a result (disco
// items, MAM, pubsub items). No I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "xml/element.hpp"

namespace xmpp::rsm {

inline constexpr std::string_view k_ns = "http://jabber.org/protocol/rsm";

/// What the requester asks for (XEP-0059 §2.1-2.5).
struct Request {
  std::optional<std::size_t> max;     ///< <max/>: at most this many items
  std::optional<std::string> after;   ///< <after/>: the page after this item id
  std::optional<std::string> before;  ///< <before/>: the page before ("" = the last page)
  std::optional<std::size_t> index;   ///< <index/>: jump to this offset
  bool operator==(const Request&) const = default;
};

/// What the responder says about the page it returned (XEP-0059 §2.2).
struct Page {
  std::optional<std::string> first;        ///< <first/> text: id of the first item of the page
  std::optional<std::size_t> first_index;  ///< its 'index' attribute
  std::optional<std::string> last;         ///< <last/> text: id of the last item of the page
  std::optional<std::size_t> count;        ///< <count/>: items in the whole result set
  bool operator==(const Page&) const = default;
};

/// `<set xmlns='http://jabber.org/protocol/rsm'>` with the children `request` has, in the order
/// of the spec's examples (max, after, before, index).
xml::Element make_set(const Request& request);

/// The <set/> among the children of `parent` (the <query/> of a result), or nullopt when there
/// is none. Malformed numbers are left out rather than failing the whole result.
std::optional<Page> parse_set(const xml::Element& parent);

// ---- the responder's side (fakes in tests, and a future responder) ----

/// The <set/> of a request among the children of `parent`, or nullopt when there is none. An
/// empty <before/> is kept as "" (§2.5: the last page); malformed numbers are left out.
std::optional<Request> parse_request(const xml::Element& parent);

/// `<set xmlns='http://jabber.org/protocol/rsm'>` describing a returned page: <first index=..>,
/// <last/>, <count/>, each only when `page` has it (§2.2: no <first/> or <last/> on an empty page).
xml::Element make_page(const Page& page);

}  // namespace xmpp::rsm
