// XEP-0363 HTTP File Upload (version 1.2.0): the slot request, the slot, the file-too-large error
// and the max-file-size discovery field. No I/O; the HTTP PUT is net/http/put.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "xep/disco/disco.hpp"
#include "xml/element.hpp"

namespace xmpp::upload {

inline constexpr std::string_view k_ns = "urn:xmpp:http:upload:0";
/// The XEP-0128 field carrying the service's limit in bytes (§4).
inline constexpr std::string_view k_max_file_size_var = "max-file-size";

/// A header the slot asks to be sent with the PUT (§5.1).
struct Header {
  std::string name;  ///< "Authorization", "Cookie" or "Expires" (canonical case)
  std::string value;
  bool operator==(const Header&) const = default;
};

/// A slot (§5): where to PUT the file and where it can then be fetched.
struct Slot {
  std::string put_url;
  std::string get_url;
  std::vector<Header> put_headers;  ///< in the order the service sent them
  bool operator==(const Slot&) const = default;
};

/// `<iq type='get' to=SERVICE><request xmlns='urn:xmpp:http:upload:0' filename size
/// [content-type]/></iq>` (§5, example 5). An empty `content_type` is left out; an empty `id` too.
xml::Element make_slot_request(const Jid& service, std::string filename, std::uint64_t size,
                               std::string content_type = {}, std::string id = {});

/// Reads a slot result (example 6).
/// - Headers (§5.1, §11): only Authorization, Cookie and Expires (any case) are kept, others are
///   dropped; CR and LF are stripped from names and values; relative order is kept.
/// - Both URLs must parse (net/http/url.hpp) and be https: a plain http URL is refused with kind
///   no_perm, code "insecure_upload" ("the upload service offered plain http ..."), unless
///   `allow_plain_http` (never set by the product).
/// Errors: kind protocol, code "bad_reply", for a result without <slot/>, <put url/> or
/// <get url/>, or with a header value holding other control characters; "bad_url" for a URL that
/// does not parse.
Result<Slot> parse_slot(const xml::Element& iq, bool allow_plain_http = false);

/// The <max-file-size/> of a <file-too-large/> in an error reply (§6, example 11), if any.
std::optional<std::uint64_t> parse_file_too_large(const xml::Element& error_iq);

/// The error for a file the service will not take: kind remote, code "file_too_large", condition
/// not-acceptable, message "file is N bytes; the upload service accepts at most M" (or "... the
/// upload service refused it as too large" when the limit is unknown).
Error file_too_large(std::uint64_t size, std::optional<std::uint64_t> max_size);

/// True when `info` advertises the urn:xmpp:http:upload:0 feature (§4).
bool is_upload_service(const disco::DiscoInfo& info);
/// The service's max-file-size from its XEP-0128 form (FORM_TYPE urn:xmpp:http:upload:0), if it
/// gives one that is a decimal number.
std::optional<std::uint64_t> max_file_size(const disco::DiscoInfo& info);

}  // namespace xmpp::upload
