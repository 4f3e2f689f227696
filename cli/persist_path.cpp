#include "persist_path.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include <fmt/format.h>
#include <boost/uuid/name_generator_sha1.hpp>

namespace xmpp::cli::persist {

namespace {

Error persist_usage(std::string message) {
  return make_error(ErrorKind::usage, "usage", "", std::move(message));
}

Error unsafe(std::string message) {
  return make_error(ErrorKind::config, "persist_unsafe", "", std::move(message));
}

std::string mode_text(mode_t mode) {
  return fmt::format("{:04o}", mode & 07777);
}

}  // namespace

Result<Persist> parse_persist(std::string_view text) {
  Persist p;
  if (text == "stop" || text == "check") {
    p.action = text == "stop" ? Persist::Action::stop : Persist::Action::check;
    return p;
  }
  if (text == "no" || text == "off") return p;
  const auto bad = [&] {
    return fail(persist_usage(fmt::format(
        "'{}' is no duration: give seconds (90, 90s), minutes (10m) or hours (1h), or no, stop, "
        "check",
        text)));
  };
  if (text.empty()) return bad();
  long long n = 0;
  const auto* first = text.data();
  const auto* last = first + text.size();
  const auto [end, ec] = std::from_chars(first, last, n);
  if (ec != std::errc() || end == first || n <= 0) return bad();
  long long scale = 1;
  if (end != last) {
    if (end + 1 != last) return bad();
    switch (*end) {
    case 's':
      scale = 1;
      break;
    case 'm':
      scale = 60;
      break;
    case 'h':
      scale = 3600;
      break;
    default:
      return bad();
    }
  }
  constexpr long long k_year = 86400LL * 366;
  if (n > k_year / scale) return bad();
  p.action = Persist::Action::run;
  p.idle = std::chrono::seconds(n * scale);
  return p;
}

std::string connection_key(const Settings& s, std::string_view cwd) {
  std::string key = "xmpp-persist-1\n";
  const auto line = [&](std::string_view name, std::string_view value) {
    key += fmt::format("{}={}\n", name, value);
  };
  line("jid", s.jid ? s.jid->str() : "");
  line("host", s.host.value_or(""));
  line("port", s.port ? std::to_string(*s.port) : "");
  line("tls", std::to_string(static_cast<int>(s.tls)));
  std::string ca = s.ca_file.value_or("");
  if (!ca.empty() && ca.front() != '/') ca = fmt::format("{}/{}", cwd, ca);
  line("ca_file", ca);
  for (const auto& pin : s.pins)
    line("pin", pin);
  line("insecure", s.insecure ? "1" : "0");
  for (const auto& mech : s.sasl)
    line("sasl", mech);
  line("anonymous", s.anonymous ? "1" : "0");
  line("resource", s.resource);
  line("dns_server", s.dns_server.value_or(""));
  return key;
}

std::string socket_name(const Settings& settings, std::string_view cwd) {
  // A name-based UUID (RFC 4122 version 5) of the key in our own namespace: a stable digest
  // without OpenSSL, whose first EVP call would load openssl.cnf and its algorithm tables:
  // two thirds of a `--persist` client's instructions, for a process that makes no connection.
  static constexpr boost::uuids::uuid k_namespace = {{0xcf, 0x63, 0x5b, 0x7e, 0x58, 0x3d, 0x49,
                                                      0x05, 0xac, 0xdb, 0x71, 0x74, 0x34, 0xd9,
                                                      0xef, 0xeb}};
  const auto id = boost::uuids::name_generator_sha1(k_namespace)(connection_key(settings, cwd));
  std::string name;
  for (const auto byte : id)
    name += fmt::format("{:02x}", byte);
  return name + ".sock";
}

std::string socket_dir(const std::optional<std::string>& xdg_runtime_dir, uid_t uid) {
  if (xdg_runtime_dir && !xdg_runtime_dir->empty() && xdg_runtime_dir->front() == '/')
    return *xdg_runtime_dir + "/xmpp";
  return fmt::format("/tmp/xmpp-{}", uid);
}

Result<void> check_private_dir(const std::string& dir, uid_t uid) {
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0)
    return fail(unsafe(fmt::format("{}: {}", dir, std::strerror(errno))));
  if (S_ISLNK(st.st_mode))
    return fail(unsafe(fmt::format("{} is a symbolic link: refusing to put a socket there", dir)));
  if (!S_ISDIR(st.st_mode)) return fail(unsafe(fmt::format("{} is not a directory", dir)));
  if (st.st_uid != uid)
    return fail(
        unsafe(fmt::format("{} is owned by uid {}, not by us (uid {}): refusing to use its sockets",
                           dir, st.st_uid, uid)));
  if ((st.st_mode & 077) != 0)
    return fail(unsafe(fmt::format("{} has mode {}: others could reach our sockets; run: chmod "
                                   "700 {}",
                                   dir, mode_text(st.st_mode), dir)));
  return {};
}

Result<void> ensure_private_dir(const std::string& dir, uid_t uid) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return fail(make_error(ErrorKind::cant_create, "cant_create", "",
                           fmt::format("cannot create {}: {}", dir, std::strerror(errno))));
  return check_private_dir(dir, uid);
}

Result<bool> check_socket_file(const std::string& path, uid_t uid) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return false;
    return fail(unsafe(fmt::format("{}: {}", path, std::strerror(errno))));
  }
  if (!S_ISSOCK(st.st_mode))
    return fail(unsafe(fmt::format("{} is not a socket: refusing to use or replace it", path)));
  if (st.st_uid != uid)
    return fail(
        unsafe(fmt::format("{} is owned by uid {}, not by us (uid {})", path, st.st_uid, uid)));
  if ((st.st_mode & 077) != 0)
    return fail(unsafe(fmt::format("{} has mode {}: refusing a socket others may use; remove it",
                                   path, mode_text(st.st_mode))));
  return true;
}

}  // namespace xmpp::cli::persist
