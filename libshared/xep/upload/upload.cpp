#include "xep/upload/upload.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "net/http/url.hpp"
#include "stanza/iq.hpp"
#include "stanza/namespaces.hpp"
#include "xml/whitespace.hpp"

namespace xmpp::upload {
namespace {

constexpr std::array<std::string_view, 3> k_allowed_headers = {"Authorization", "Cookie",
                                                               "Expires"};

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::optional<std::string_view> canonical_header(std::string_view name) {
  for (const auto allowed : k_allowed_headers) {
    if (allowed.size() == name.size() &&
        std::equal(allowed.begin(), allowed.end(), name.begin(),
                   [](char a, char b) { return ascii_lower(a) == ascii_lower(b); }))
      return allowed;
  }
  return std::nullopt;
}

std::string without_newlines(std::string text) {
  std::erase_if(text, [](char c) { return c == '\r' || c == '\n'; });
  return text;
}

bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && u != '\t') || u == 0x7f;
  });
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  text = xml::trim_space(text);
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

Result<std::string> check_url(std::optional<std::string> url, std::string_view which,
                              bool allow_plain_http) {
  if (!url)
    return fail(ErrorKind::protocol, "bad_reply", "",
                "upload slot without a " + std::string(which) + " URL");
  auto parsed = net::http::parse_url(*url);
  if (!parsed) return fail(parsed.error().with_context("upload slot " + std::string(which)));
  if (!parsed->https() && !allow_plain_http)
    return fail(ErrorKind::no_perm, "insecure_upload", "",
                "the upload service offered plain http (" + parsed->origin() + ") for the " +
                    std::string(which) + " URL instead of https; refusing to upload");
  return std::move(*url);
}

}  // namespace

xml::Element make_slot_request(const Jid& service, std::string filename, std::uint64_t size,
                               std::string content_type, std::string id) {
  xml::Element request("request", std::string(k_ns));
  request.set_attr("filename", std::move(filename));
  request.set_attr("size", std::to_string(size));
  if (!content_type.empty()) request.set_attr("content-type", std::move(content_type));
  return stanza::make_iq(stanza::IqType::get, service.str(), std::move(request), std::move(id));
}

Result<Slot> parse_slot(const xml::Element& iq, bool allow_plain_http) {
  const auto* slot = iq.child("slot", k_ns);
  if (slot == nullptr)
    return fail(ErrorKind::protocol, "bad_reply", "",
                "upload slot result without <slot xmlns='" + std::string(k_ns) + "'/>");
  const auto* put = slot->child("put", k_ns);
  const auto* get = slot->child("get", k_ns);
  Slot out;
  auto put_url = check_url(put ? put->attr("url") : std::nullopt, "put", allow_plain_http);
  if (!put_url) return fail(put_url.error());
  auto get_url = check_url(get ? get->attr("url") : std::nullopt, "get", allow_plain_http);
  if (!get_url) return fail(get_url.error());
  out.put_url = std::move(*put_url);
  out.get_url = std::move(*get_url);
  for (const auto* header : put->children("header", k_ns)) {
    // §5.1: names are case-insensitive; anything but the three is ignored, never sent.
    const auto name = canonical_header(without_newlines(header->attr("name").value_or("")));
    if (!name) continue;
    std::string value = without_newlines(header->text());
    if (has_control(value))
      return fail(ErrorKind::protocol, "bad_reply", "",
                  "upload slot header " + std::string(*name) + " holds control characters");
    out.put_headers.push_back(Header{std::string(*name), std::move(value)});
  }
  return out;
}

std::optional<std::uint64_t> parse_file_too_large(const xml::Element& error_iq) {
  const auto* error = error_iq.child("error", stanza::k_ns_client);
  if (error == nullptr) return std::nullopt;
  const auto* too_large = error->child("file-too-large", k_ns);
  if (too_large == nullptr) return std::nullopt;
  const auto max = too_large->child_text("max-file-size", k_ns);
  if (!max) return std::nullopt;
  return parse_size(*max);
}

Error file_too_large(std::uint64_t size, std::optional<std::uint64_t> max_size) {
  std::string message = "file is " + std::to_string(size) + " bytes; the upload service ";
  message += max_size ? "accepts at most " + std::to_string(*max_size)
                      : std::string("refused it as too large");
  return make_error(ErrorKind::remote, "file_too_large", "not-acceptable", std::move(message));
}

bool is_upload_service(const disco::DiscoInfo& info) {
  return info.has_feature(k_ns);
}

std::optional<std::uint64_t> max_file_size(const disco::DiscoInfo& info) {
  const auto value = info.field_value(k_ns, k_max_file_size_var);
  if (!value) return std::nullopt;
  return parse_size(*value);
}

}  // namespace xmpp::upload
