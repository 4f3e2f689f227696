#include "xep/jingle_ft/jingle_ft.hpp"

#include <charconv>
#include <utility>

namespace xmpp::jingle_ft {
namespace {

xml::Element element(std::string_view name, std::string_view ns = k_ns) {
  return xml::Element(std::string(name), std::string(ns));
}

tl::unexpected<Error> bad_file(std::string message) {
  return fail(ErrorKind::protocol, "bad_file", "bad-request", std::move(message));
}

void add_text_child(xml::Element& parent, std::string_view name,
                    const std::optional<std::string>& text) {
  if (text) parent.add_child(element(name)).add_text(*text);
}

/// Appends the <hash/> and <hash-used/> children of `e` to `hashes` and `used`.
Result<void> read_hashes(const xml::Element& e, std::vector<hashes::Hash>& out,
                         std::vector<std::string>* used) {
  for (const auto* child : e.elements()) {
    if (child->is("hash", hashes::k_ns)) {
      auto hash = hashes::parse_hash(*child);
      if (!hash) return bad_file(hash.error().message);
      out.push_back(std::move(*hash));
    } else if (used != nullptr && child->is("hash-used", hashes::k_ns)) {
      auto algo = hashes::parse_hash_used(*child);
      if (!algo) return bad_file(algo.error().message);
      used->push_back(std::move(*algo));
    }
  }
  return {};
}

Result<std::optional<std::uint64_t>> size_attr(const xml::Element& e, std::string_view name) {
  const auto text = e.attr(name);
  if (!text) return std::optional<std::uint64_t>();
  auto value = parse_size(*text, name);
  if (!value) return fail(value.error());
  return std::optional<std::uint64_t>(*value);
}

Result<Range> parse_range(const xml::Element& e) {
  Range r;
  auto offset = size_attr(e, "offset");
  if (!offset) return fail(offset.error());
  r.offset = *offset;
  auto length = size_attr(e, "length");
  if (!length) return fail(length.error());
  r.length = *length;
  if (auto ok = read_hashes(e, r.hashes, nullptr); !ok) return fail(ok.error());
  return r;
}

/// 'creator' and 'name' of <checksum/> and <received/>.
Result<std::pair<jingle::Role, std::string>> content_id(const xml::Element& e) {
  const auto creator = e.attr("creator");
  const auto role = creator ? jingle::parse_role(*creator) : std::nullopt;
  if (!role) return bad_file("a <" + e.name() + "/> has no valid 'creator'");
  auto name = e.attr("name");
  if (!name || name->empty()) return bad_file("a <" + e.name() + "/> has no 'name'");
  return std::pair{*role, std::move(*name)};
}

void set_content_id(xml::Element& e, jingle::Role creator, const std::string& name) {
  e.set_attr("creator", std::string(jingle::to_string(creator)));
  e.set_attr("name", name);
}

bool is_xml_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

}  // namespace

Result<std::uint64_t> parse_size(std::string_view text, std::string_view what) {
  while (!text.empty() && is_xml_space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_xml_space(text.back()))
    text.remove_suffix(1);
  const auto invalid = [&] {
    return bad_file("the " + std::string(what) + " is not a number from 0 to 2^63-1");
  };
  // Digits only: from_chars alone would take a leading '-' for an unsigned type as a failure,
  // but this also refuses '+', which xs:integer allows and no sender needs.
  if (text.empty() || text.size() > 19) return invalid();
  for (char c : text)
    if (c < '0' || c > '9') return invalid();
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > k_max_size) return invalid();
  return value;
}

xml::Element make_file(const File& file) {
  auto e = element("file");
  add_text_child(e, "date", file.date);
  add_text_child(e, "desc", file.desc);
  add_text_child(e, "media-type", file.media_type);
  add_text_child(e, "name", file.name);
  if (file.range) {
    auto& range = e.add_child(element("range"));
    if (file.range->offset) range.set_attr("offset", std::to_string(*file.range->offset));
    if (file.range->length) range.set_attr("length", std::to_string(*file.range->length));
    for (const auto& h : file.range->hashes)
      range.add_child(hashes::make_hash(h));
  }
  if (file.size) e.add_child(element("size")).add_text(std::to_string(*file.size));
  for (const auto& h : file.hashes)
    e.add_child(hashes::make_hash(h));
  for (const auto& algo : file.hash_used)
    e.add_child(hashes::make_hash_used(algo));
  return e;
}

Result<File> parse_file(const xml::Element& e) {
  if (!e.is("file", k_ns)) return bad_file("expected a <file/> in " + std::string(k_ns));
  File f;
  f.date = e.child_text("date", k_ns);
  f.desc = e.child_text("desc", k_ns);
  f.media_type = e.child_text("media-type", k_ns);
  f.name = e.child_text("name", k_ns);
  if (const auto size = e.child_text("size", k_ns)) {
    auto value = parse_size(*size);
    if (!value) return fail(value.error());
    f.size = *value;
  }
  if (const auto* range = e.child("range", k_ns)) {
    auto r = parse_range(*range);
    if (!r) return fail(r.error());
    f.range = std::move(*r);
  }
  if (auto ok = read_hashes(e, f.hashes, &f.hash_used); !ok) return fail(ok.error());
  return f;
}

xml::Element make_description(const File& file) {
  auto e = element("description");
  e.add_child(make_file(file));
  return e;
}

Result<File> parse_description(const xml::Element& description) {
  if (!description.is("description", k_ns))
    return bad_file("expected a file-transfer <description/>");
  const auto* file = description.child("file", k_ns);
  if (file == nullptr) return bad_file("the file-transfer <description/> has no <file/>");
  return parse_file(*file);
}

std::optional<Result<File>> file_of(const jingle::Content& content) {
  if (!content.description || content.description->ns() != k_ns) return std::nullopt;
  return parse_description(*content.description);
}

bool is_offer(const jingle::Content& content) {
  const auto senders = content.effective_senders();
  return (content.creator == jingle::Role::initiator && senders == jingle::Senders::initiator) ||
         (content.creator == jingle::Role::responder && senders == jingle::Senders::responder);
}

// ---- informational messages ----

xml::Element make_checksum(const Checksum& checksum) {
  auto e = element("checksum");
  set_content_id(e, checksum.creator, checksum.name);
  e.add_child(make_file(checksum.file));
  return e;
}

Result<Checksum> parse_checksum(const xml::Element& e) {
  if (!e.is("checksum", k_ns)) return bad_file("expected a <checksum/> in " + std::string(k_ns));
  auto id = content_id(e);
  if (!id) return fail(id.error());
  const auto* file = e.child("file", k_ns);
  if (file == nullptr) return bad_file("the <checksum/> has no <file/>");
  auto f = parse_file(*file);
  if (!f) return fail(f.error());
  return Checksum{id->first, std::move(id->second), std::move(*f)};
}

xml::Element make_received(const Received& received) {
  auto e = element("received");
  set_content_id(e, received.creator, received.name);
  return e;
}

Result<Received> parse_received(const xml::Element& e) {
  if (!e.is("received", k_ns)) return bad_file("expected a <received/> in " + std::string(k_ns));
  auto id = content_id(e);
  if (!id) return fail(id.error());
  return Received{id->first, std::move(id->second)};
}

// ---- errors ----

std::string_view to_string(FtCondition condition) {
  return condition == FtCondition::file_not_available ? "file-not-available" : "file-too-large";
}

jingle::Reason make_reason(FtCondition condition, std::optional<std::string> text) {
  auto reason = jingle::make_reason(condition == FtCondition::file_not_available
                                        ? jingle::ReasonCondition::failed_application
                                        : jingle::ReasonCondition::media_error,
                                    std::move(text));
  reason.detail = element(to_string(condition), k_ns_errors);
  return reason;
}

std::optional<FtCondition> ft_condition(const jingle::Reason& reason) {
  if (!reason.detail || reason.detail->ns() != k_ns_errors) return std::nullopt;
  if (reason.detail->name() == "file-not-available") return FtCondition::file_not_available;
  if (reason.detail->name() == "file-too-large") return FtCondition::file_too_large;
  return std::nullopt;
}

// ---- size checks ----

Result<std::uint64_t> expected_bytes(const File& file) {
  if (!file.size)
    return fail(ErrorKind::data, "no_size", "", "the offer does not say the file's size");
  const std::uint64_t offset = file.range ? file.range->offset.value_or(0) : 0;
  if (offset > *file.size)
    return fail(ErrorKind::data, "bad_range", "",
                "the range starts at " + std::to_string(offset) + ", past the file's size " +
                    std::to_string(*file.size));
  const std::uint64_t rest = *file.size - offset;
  if (file.range && file.range->length) {
    if (*file.range->length > rest)
      return fail(ErrorKind::data, "bad_range", "",
                  "the range of " + std::to_string(*file.range->length) + " bytes at " +
                      std::to_string(offset) + " ends past the file's size " +
                      std::to_string(*file.size));
    return *file.range->length;
  }
  return rest;
}

Result<void> check_max_size(std::uint64_t declared, std::optional<std::uint64_t> max_size) {
  if (max_size && declared > *max_size)
    return fail(ErrorKind::data, "too_large", "",
                "the file has " + std::to_string(declared) + " bytes, more than the limit of " +
                    std::to_string(*max_size));
  return {};
}

}  // namespace xmpp::jingle_ft
