// XEP-0030 Service Discovery (version 2.5.0): disco#info and disco#items queries and results,
// with XEP-0128 (version 1.0.1) extension forms read just far enough to look up a field by
// FORM_TYPE and var. No I/O. Paging (XEP-0059) is items_all in disco_ops.hpp; XEP-0115 hashing is
// xep/caps.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "xml/element.hpp"

namespace xmpp::disco {

inline constexpr std::string_view k_ns_info = "http://jabber.org/protocol/disco#info";
inline constexpr std::string_view k_ns_items = "http://jabber.org/protocol/disco#items";
/// XEP-0004 data forms, the carrier of XEP-0128 extended information.
inline constexpr std::string_view k_ns_data = "jabber:x:data";

/// <identity/> (XEP-0030 §3.1): category and type are REQUIRED, name and xml:lang OPTIONAL.
struct Identity {
  std::string category;
  std::string type;
  std::optional<std::string> name;
  std::optional<std::string> lang;  ///< xml:lang
  bool operator==(const Identity&) const = default;
};

/// One XEP-0128 extension form: its FORM_TYPE and its other fields' values (fields without a var
/// are left out; a field's values keep their order).
struct ExtensionForm {
  std::string form_type;
  std::map<std::string, std::vector<std::string>> fields;
  /// False when the FORM_TYPE field is not of type "hidden" (XEP-0068 §4 wants it hidden;
  /// XEP-0115 §5.4 leaves such a form out of the caps hash). make_info_result honours it.
  bool form_type_hidden = true;
  /// True when FORM_TYPE carried more than one distinct value (`form_type` is the first);
  /// XEP-0115 §5.4 then calls the whole result ill-formed. Not written by make_info_result.
  bool form_type_ambiguous = false;
  bool operator==(const ExtensionForm&) const = default;
};

/// A disco#info result (XEP-0030 §3.1, XEP-0128 §2).
struct DiscoInfo {
  std::optional<std::string> node;
  std::vector<Identity> identities;
  std::vector<std::string> features;  ///< the var of each <feature/>, in document order
  std::vector<ExtensionForm> forms;   ///< forms with a FORM_TYPE, in document order

  bool has_feature(std::string_view var) const;
  bool has_identity(std::string_view category, std::string_view type) const;
  /// The first form with this FORM_TYPE, or nullptr.
  const ExtensionForm* form(std::string_view form_type) const;
  /// The first value of field `var` in the first form with FORM_TYPE `form_type`.
  std::optional<std::string> field_value(std::string_view form_type, std::string_view var) const;
  bool operator==(const DiscoInfo&) const = default;
};

/// <item/> of a disco#items result (XEP-0030 §4.1).
struct DiscoItem {
  Jid jid;
  std::optional<std::string> node;
  std::optional<std::string> name;
  bool operator==(const DiscoItem&) const = default;
};

/// A disco#items result, or (from items_all) every page of one, merged in order.
struct DiscoItems {
  std::optional<std::string> node;
  std::vector<DiscoItem> items;
  /// Items left out because their 'jid' was missing or is not a valid JID.
  std::size_t skipped = 0;
  /// How many results the items were read from: 1 for one result (parse_items_result, items());
  /// items_all counts the pages it read.
  std::size_t pages = 1;
  /// The XEP-0059 <count/> of the last page that had one: the size of the whole set as the
  /// entity announced it (§2.2: it may be approximate). Filled by items_all only.
  std::optional<std::size_t> count;
  /// items_all stopped before the entity said the set had ended: `max_pages` pages were read and
  /// more were announced, or the entity sent a <last/> it had already sent (it ignores <after/>).
  bool truncated = false;
  bool operator==(const DiscoItems&) const = default;
};

/// `<iq type='get' to=TO><query xmlns='...disco#info' [node=NODE]/></iq>` (XEP-0030 examples 1
/// and 9). An empty `id` is left out (Session::request assigns one).
xml::Element make_info_request(const Jid& to, std::optional<std::string> node = std::nullopt,
                               std::string id = {});
/// `<iq type='get' to=TO><query xmlns='...disco#items' [node=NODE]/></iq>` (examples 11 and 18).
xml::Element make_items_request(const Jid& to, std::optional<std::string> node = std::nullopt,
                                std::string id = {});

/// True when `iq` is a get carrying exactly one disco#info <query/> (for responders).
bool is_info_request(const xml::Element& iq);
/// True when `iq` is a get carrying exactly one disco#items <query/>.
bool is_items_request(const xml::Element& iq);

/// Reads a disco#info result. Tolerant of what XEP-0030 §3.1 requires of the sender: identities
/// without category or type and features without var are skipped; forms without FORM_TYPE are
/// skipped (XEP-0128 §2 requires one). Errors: kind protocol, code "bad_reply", when the result
/// has no disco#info <query/>.
Result<DiscoInfo> parse_info_result(const xml::Element& iq);
/// Reads a disco#items result; items whose jid does not parse are skipped and counted.
/// Errors: kind protocol, code "bad_reply", when the result has no disco#items <query/>.
Result<DiscoItems> parse_items_result(const xml::Element& iq);

/// The result answering `request` with `info` (identities, features, then forms as XEP-0128
/// result forms with a hidden FORM_TYPE field).
xml::Element make_info_result(const xml::Element& request, const DiscoInfo& info);
/// The result answering `request` with `items`.
xml::Element make_items_result(const xml::Element& request, const DiscoItems& items);

}  // namespace xmpp::disco
