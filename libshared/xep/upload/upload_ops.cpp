#include "xep/upload/upload_ops.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <system_error>
#include <utility>

#include "net/http/put.hpp"
#include "net/http/url.hpp"
#include "xep/disco/disco_ops.hpp"
#include "xep/upload/upload.hpp"
#include "xml/writer.hpp"

namespace xmpp::upload {
namespace {

constexpr std::string_view k_default_type = "application/octet-stream";

// Common types only: the service may refuse or serve as an attachment what it does not know.
constexpr std::array<std::pair<std::string_view, std::string_view>, 24> k_types = {{
    {"txt", "text/plain"},        {"log", "text/plain"},        {"md", "text/markdown"},
    {"csv", "text/csv"},          {"json", "application/json"}, {"xml", "application/xml"},
    {"pdf", "application/pdf"},   {"zip", "application/zip"},   {"gz", "application/gzip"},
    {"tar", "application/x-tar"}, {"png", "image/png"},         {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},       {"gif", "image/gif"},         {"webp", "image/webp"},
    {"svg", "image/svg+xml"},     {"mp3", "audio/mpeg"},        {"ogg", "audio/ogg"},
    {"opus", "audio/ogg"},        {"m4a", "audio/mp4"},         {"wav", "audio/wav"},
    {"mp4", "video/mp4"},         {"webm", "video/webm"},       {"mkv", "video/x-matroska"},
}};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// A name XML can carry and a server can store: no control characters (XML 1.0 §2.2 forbids most,
// and \t \n \r in a file name only confuse), valid UTF-8. A local name that is not gets every
// offending byte replaced, so that the upload still works.
std::string safe_filename(std::string name) {
  const bool ok = xml::is_xml_text(name) &&
                  name.find_first_of(std::string_view("\t\n\r\x7f", 4)) == std::string::npos;
  if (!ok)
    for (char& c : name) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u >= 0x7f) c = '_';
    }
  return name.empty() ? std::string("file") : name;
}

// Services that name themselves like upload services are asked first (one round trip, usually).
bool looks_like_upload(const disco::DiscoItem& item) {
  const auto name = lower(item.name.value_or(""));
  return item.jid.domain().rfind("upload.", 0) == 0 || item.jid.domain().rfind("http", 0) == 0 ||
         name.find("upload") != std::string::npos;
}

}  // namespace

std::string guess_content_type(std::string_view filename) {
  const auto dot = filename.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == filename.size())
    return std::string(k_default_type);
  const auto extension = lower(filename.substr(dot + 1));
  for (const auto& [ext, type] : k_types)
    if (ext == extension) return std::string(type);
  return std::string(k_default_type);
}

awaitable<Result<Service>> find_service(stream::Session& session,
                                        std::chrono::milliseconds timeout) {
  const Jid server = session.jid().domain_jid();
  auto items = co_await disco::items(session, server, std::nullopt, timeout);
  if (!items) co_return fail(items.error());

  std::vector<Jid> candidates;
  for (const auto& item : items->items)
    if (!item.node && !item.jid.has_local() && item.jid.is_bare() && looks_like_upload(item))
      candidates.push_back(item.jid);
  for (const auto& item : items->items)
    if (!item.node && !item.jid.has_local() && item.jid.is_bare() && !looks_like_upload(item))
      candidates.push_back(item.jid);
  // Some servers advertise the feature themselves.
  candidates.push_back(server);

  std::vector<Jid> asked;
  for (const auto& candidate : candidates) {
    if (std::find(asked.begin(), asked.end(), candidate) != asked.end()) continue;
    asked.push_back(candidate);
    auto info = co_await disco::info(session, candidate, std::nullopt, timeout);
    if (!info) continue;  // a component that does not answer is not the upload service
    if (is_upload_service(*info)) co_return Service{candidate, max_file_size(*info)};
  }
  co_return fail(ErrorKind::remote, "no_upload_service", "",
                 server.str() + " offers no HTTP File Upload service (XEP-0363)");
}

awaitable<Result<Uploaded>> upload_file(stream::Session& session, std::filesystem::path file,
                                        UploadOptions options) {
  // The file first: nothing is asked of the network for a file we cannot send.
  std::error_code ec;
  const auto status = std::filesystem::status(file, ec);
  const auto unreadable = [&](const std::string& why) {
    return make_error(ErrorKind::no_input, "file_unreadable", "",
                      "cannot read " + file.string() + ": " + why);
  };
  if (ec) co_return fail(unreadable(ec.message()));
  if (!std::filesystem::is_regular_file(status))
    co_return fail(
        unreadable(std::filesystem::exists(status) ? "not a regular file" : "no such file"));
  const std::uint64_t size = std::filesystem::file_size(file, ec);
  if (ec) co_return fail(unreadable(ec.message()));
  if (!std::ifstream(file, std::ios::binary)) co_return fail(unreadable("permission denied"));

  Uploaded done;
  done.size = size;
  done.filename = safe_filename(options.filename.value_or(file.filename().string()));
  done.content_type = options.content_type.value_or(guess_content_type(done.filename));
  if (options.filename && done.filename != *options.filename)
    co_return fail(ErrorKind::usage, "bad_filename", "",
                   "the file name to announce contains control characters or invalid UTF-8");
  // Sent as an XML attribute and as an HTTP field value (RFC 9110 §5.5): no control characters.
  if (done.content_type.empty() || !xml::is_xml_text(done.content_type) ||
      std::any_of(done.content_type.begin(), done.content_type.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
    co_return fail(ErrorKind::usage, "bad_content_type", "",
                   "content type '" + done.content_type + "' cannot be sent");

  std::optional<std::uint64_t> max_size;
  if (options.service) {
    done.service = *options.service;
  } else {
    auto service = co_await find_service(session, options.timeout);
    if (!service) co_return fail(service.error());
    done.service = service->jid;
    max_size = service->max_file_size;
  }
  // §4: the advertised limit spares a slot request that can only fail.
  if (max_size && size > *max_size) co_return fail(file_too_large(size, max_size));

  const auto what = "upload slot from " + done.service.str();
  auto reply = co_await session.request(
      make_slot_request(done.service, done.filename, size, done.content_type), options.timeout);
  if (!reply) co_return fail(reply.error().with_context(what));
  auto slot = parse_slot(*reply, options.allow_plain_http);
  if (!slot) co_return fail(slot.error().with_context(what));

  net::http::PutRequest put;
  put.url = slot->put_url;
  put.file = file;
  put.size = size;
  put.content_type = done.content_type;
  for (auto& header : slot->put_headers)
    put.headers.emplace_back(std::move(header.name), std::move(header.value));
  put.ca_file = options.ca_file;
  put.insecure = options.insecure;
  put.allow_plain_http = options.allow_plain_http;
  put.dns_server = options.dns_server;
  put.timeout = options.transfer_timeout;
  put.progress = std::move(options.progress);
  auto response = co_await net::http::put_file(std::move(put));
  if (!response) co_return fail(response.error());
  // §7: 201 means the file is ready at the GET URL; 200 is what some servers answer to a PUT.
  if (response->status != 201 && response->status != 200) {
    const auto origin = net::http::parse_url(slot->put_url);
    co_return fail(ErrorKind::remote, "http_status", "",
                   "HTTP upload to " + (origin ? origin->origin() : std::string("the slot")) +
                       ": " + response->status_line());
  }
  done.http_status = response->status;
  done.get_url = std::move(slot->get_url);
  co_return done;
}

}  // namespace xmpp::upload
