#include "roster_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/random.hpp"
#include "output.hpp"

namespace xmpp::cli {
namespace {

using json = nlohmann::ordered_json;

tl::unexpected<Error> bad_file(std::string_view where, const std::string& what) {
  return fail(ErrorKind::data, "bad_roster_file", "", fmt::format("{}: {}", where, what));
}

tl::unexpected<Error> cant_create(const std::string& path, int error) {
  return fail(ErrorKind::cant_create, "cant_create", "",
              fmt::format("cannot write {}: {}", path, std::strerror(error)));
}

Result<roster::Item> parse_item(const json& value, std::string_view where, std::size_t index) {
  const auto what = [&](const std::string& problem) {
    return bad_file(where, fmt::format("item {}: {}", index + 1, problem));
  };
  if (!value.is_object()) return what("not an object");
  const auto jid_value = value.find("jid");
  if (jid_value == value.end() || !jid_value->is_string()) return what("no \"jid\" string");
  auto jid = Jid::parse(jid_value->get<std::string>());
  if (!jid) return what(fmt::format("\"jid\": {}", jid.error().message));
  if (!jid->is_bare()) return what(fmt::format("\"jid\": {} is not a bare JID", jid->str()));
  roster::Item item;
  item.jid = *jid;
  if (const auto name = value.find("name"); name != value.end() && !name->is_null()) {
    if (!name->is_string()) return what("\"name\" is not a string");
    if (!name->get<std::string>().empty()) item.name = name->get<std::string>();
  }
  if (const auto groups = value.find("groups"); groups != value.end() && !groups->is_null()) {
    if (!groups->is_array()) return what("\"groups\" is not an array");
    for (const auto& group : *groups) {
      if (!group.is_string() || group.get<std::string>().empty())
        return what("\"groups\" holds something that is not a group name");
      const auto name = group.get<std::string>();
      if (std::find(item.groups.begin(), item.groups.end(), name) == item.groups.end())
        item.groups.push_back(name);
    }
  }
  if (const auto sub = value.find("subscription"); sub != value.end() && !sub->is_null()) {
    const auto state = sub->is_string() ? roster::parse_subscription(sub->get<std::string>())
                                        : std::nullopt;
    if (!state || *state == roster::SubscriptionState::remove)
      return what("\"subscription\" is not one of none, to, from, both");
    item.subscription = *state;
  }
  if (const auto ask = value.find("ask"); ask != value.end() && ask->is_boolean())
    item.ask = ask->get<bool>();
  if (const auto approved = value.find("approved"); approved != value.end() && approved->is_boolean())
    item.approved = approved->get<bool>();
  return item;
}

}  // namespace

json roster_item_json(const roster::Item& item) {
  json out;
  out["jid"] = item.jid.str();
  out["name"] = item.name ? json(*item.name) : json(nullptr);
  out["subscription"] = std::string(roster::to_string(item.subscription));
  out["ask"] = item.ask;
  out["approved"] = item.approved;
  out["groups"] = item.groups;
  return out;
}

json roster_export_json(const Jid& account, const roster::Roster& roster) {
  json doc;
  doc["format"] = k_roster_format;
  doc["version"] = k_roster_format_version;
  doc["account"] = account.bare_str();
  json items = json::array();
  for (const auto& item : roster.items) {
    json out;
    out["jid"] = item.jid.str();
    out["name"] = item.name ? json(*item.name) : json(nullptr);
    out["groups"] = item.groups;
    out["subscription"] = std::string(roster::to_string(item.subscription));
    items.push_back(std::move(out));
  }
  doc["items"] = std::move(items);
  return doc;
}

Result<roster::Roster> parse_roster_file(std::string_view text, std::string_view where) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return bad_file(where, "not a JSON document");
  if (!doc.is_object()) return bad_file(where, "not a JSON object");
  if (const auto format = doc.find("format"); format != doc.end()) {
    if (!format->is_string() || format->get<std::string>() != k_roster_format)
      return bad_file(where, fmt::format("\"format\" is not \"{}\"", k_roster_format));
    const auto version = doc.find("version");
    if (version == doc.end() || !version->is_number_integer() ||
        version->get<long long>() < 1 || version->get<long long>() > k_roster_format_version)
      return bad_file(where, fmt::format("\"version\" must be 1 to {} (a newer xmpp wrote it?)",
                                         k_roster_format_version));
  }
  const auto items = doc.find("items");
  if (items == doc.end() || !items->is_array()) return bad_file(where, "no \"items\" array");
  roster::Roster result;
  for (std::size_t i = 0; i < items->size(); ++i) {
    auto item = parse_item((*items)[i], where, i);
    if (!item) return fail(item.error());
    result.items.push_back(std::move(*item));
  }
  if (const auto ver = doc.find("roster_version"); ver != doc.end() && ver->is_string())
    result.version = ver->get<std::string>();
  return result;
}

std::string roster_cache_path(const std::string& cache_dir, const Jid& account) {
  return cache_dir + "/roster/" + account.bare_str() + ".json";
}

std::optional<roster::Roster> load_roster_cache(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  auto roster = parse_roster_file(text.str(), path);
  if (!roster || !roster->version) return std::nullopt;
  return std::move(*roster);
}

Result<void> save_roster_cache(const std::string& path, const Jid& account,
                               const roster::Roster& roster) {
  // mkdir -p with 0700 (XDG Base Directory: directories we create are the user's alone).
  const auto dir = path.substr(0, path.rfind('/'));
  for (auto slash = dir.find('/', 1); ; slash = dir.find('/', slash + 1)) {
    const auto d = dir.substr(0, slash);
    if (::mkdir(d.c_str(), 0700) != 0 && errno != EEXIST) return cant_create(d, errno);
    if (slash == std::string::npos) break;
  }
  auto doc = roster_export_json(account, roster);
  doc["roster_version"] = roster.version ? json(*roster.version) : json(nullptr);
  json items = json::array();
  for (const auto& item : roster.items) items.push_back(roster_item_json(item));
  doc["items"] = std::move(items);
  return write_file_replacing(path, dump_json(doc) + "\n", 0600);
}

Result<void> write_file_replacing(const std::string& path, std::string_view content,
                                  unsigned mode) {
  const auto slash = path.rfind('/');
  const auto dir = slash == std::string::npos ? std::string(".") : path.substr(0, slash + 1);
  const auto temp = (slash == std::string::npos ? std::string() : dir) + "." +
                    path.substr(slash == std::string::npos ? 0 : slash + 1) + "." +
                    random_id() + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                        static_cast<mode_t>(mode));
  if (fd < 0) return cant_create(path, errno);
  std::size_t done = 0;
  while (done < content.size()) {
    const auto n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int e = errno;
      ::close(fd);
      ::unlink(temp.c_str());
      return cant_create(path, e);
    }
    done += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  const int sync_error = errno;
  if (::close(fd) != 0 || !synced) {
    const int e = synced ? errno : sync_error;
    ::unlink(temp.c_str());
    return cant_create(path, e);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(temp.c_str());
    return cant_create(path, e);
  }
  return {};
}

}  // namespace xmpp::cli
