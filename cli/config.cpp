#include "config.hpp"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <openssl/crypto.h>

namespace xmpp::cli {

namespace {

constexpr std::size_t k_max_config_bytes = 1024 * 1024;

/// Closes a file descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : m_fd(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (m_fd >= 0) ::close(m_fd);
  }
  int get() const { return m_fd; }

 private:
  int m_fd;
};

tl::unexpected<Error> config_error(std::string message) {
  return fail(ErrorKind::config, "config", "", std::move(message));
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return s.substr(first, last - first + 1);
}

bool valid_account_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
      return false;
  return true;
}

/// The value after '=', unquoted. Errors are plain strings (the caller adds PATH:LINE).
tl::expected<std::string, std::string> unquote(std::string_view raw) {
  const auto v = trim(raw);
  if (v.empty() || (v.front() != '"' && v.front() != '\'')) return std::string(v);
  const char quote = v.front();
  std::string out;
  out.reserve(v.size());  // no reallocation leaving copies of a password behind
  std::size_t i = 1;
  for (; i < v.size(); ++i) {
    const char c = v[i];
    if (c == quote) break;
    if (quote == '"' && c == '\\') {
      if (i + 1 >= v.size() || (v[i + 1] != '"' && v[i + 1] != '\\'))
        return tl::unexpected<std::string>(
            "only \\\" and \\\\ are escapes in a double-quoted value");
      out += v[++i];
      continue;
    }
    out += c;
  }
  if (i >= v.size()) return tl::unexpected<std::string>("unterminated quoted value");
  if (i + 1 != v.size()) return tl::unexpected<std::string>("text after the closing quote");
  return out;
}

}  // namespace

const Account* Config::find(std::string_view name) const {
  for (const auto& a : accounts)
    if (a.name == name) return &a;
  return nullptr;
}

std::string shell_quote(std::string_view word) {
  const bool plain =
      !word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789_-./+:@%,=") == std::string_view::npos;
  if (plain) return std::string(word);
  std::string out = "'";
  for (char c : word) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

Result<Config> parse_config(std::string_view text, std::string path) {
  Config config;
  config.path = std::move(path);
  Account* current = nullptr;
  int line_no = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto where = fmt::format("{}:{}", config.path, line_no);
    line = trim(line);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']') return config_error(where + ": a section header must end with ']'");
      const auto section = trim(line.substr(1, line.size() - 2));
      constexpr std::string_view prefix = "account.";
      if (section.substr(0, prefix.size()) != prefix)
        return config_error(fmt::format(
            "{}: unknown section [{}] (only [account.NAME] sections exist)", where, section));
      const auto name = section.substr(prefix.size());
      if (!valid_account_name(name))
        return config_error(where + ": an account name is letters, digits, '_', '-' and '.'");
      if (config.find(name) != nullptr)
        return config_error(fmt::format("{}: [account.{}] appears twice", where, name));
      current = &config.accounts.emplace_back();
      current->name = std::string(name);
      current->line = line_no;
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) return config_error(where + ": expected 'key = value'");
    const auto key = trim(line.substr(0, eq));
    if (current == nullptr)
      return config_error(fmt::format("{}: '{}' outside an [account.NAME] section", where, key));
    auto value = unquote(line.substr(eq + 1));
    if (!value) return config_error(fmt::format("{}: {}: {}", where, key, value.error()));
    current->key_lines.emplace(std::string(key), line_no);  // keeps the first

    const auto set = [&](std::optional<std::string>& slot) -> Result<void> {
      if (slot)
        return config_error(
            fmt::format("{}: '{}' appears twice in [account.{}]", where, key, current->name));
      slot = std::move(*value);
      return {};
    };
    Result<void> ok;
    if (key == "jid") {
      ok = set(current->jid);
    } else if (key == "password") {
      if (current->password)
        return config_error(
            fmt::format("{}: 'password' appears twice in [account.{}]", where, current->name));
      current->password = std::make_shared<Secret>(std::move(*value));
      cleanse(*value);  // a moved-from short string keeps its bytes
      config.holds_password = true;
    } else if (key == "password_file") {
      ok = set(current->password_file);
    } else if (key == "password_command") {
      ok = set(current->password_command);
    } else if (key == "host") {
      ok = set(current->host);
    } else if (key == "tls") {
      if (*value != "auto" && *value != "starttls" && *value != "direct")
        return config_error(
            fmt::format("{}: tls must be auto, starttls or direct, not '{}'", where, *value));
      ok = set(current->tls);
    } else if (key == "ca_file") {
      ok = set(current->ca_file);
    } else if (key == "resource") {
      ok = set(current->resource);
    } else if (key == "persist") {
      ok = set(current->persist);
    } else if (key == "pin") {
      current->pins.push_back(std::move(*value));
    } else if (key == "port") {
      unsigned port = 0;
      const auto* first = value->data();
      const auto* last = first + value->size();
      const auto [p, ec] = std::from_chars(first, last, port);
      if (ec != std::errc() || p != last || port == 0 || port > 65535)
        return config_error(
            fmt::format("{}: port must be a number from 1 to 65535, not '{}'", where, *value));
      if (current->port)
        return config_error(
            fmt::format("{}: 'port' appears twice in [account.{}]", where, current->name));
      current->port = static_cast<unsigned short>(port);
    } else if (key == "timeout") {
      double seconds = -1;
      const auto* first = value->data();
      const auto* last = first + value->size();
      const auto [p, ec] = std::from_chars(first, last, seconds);
      if (ec != std::errc() || p != last || !(seconds >= 0) || seconds > 86400 * 365)
        return config_error(
            fmt::format("{}: timeout must be a number of seconds, not '{}'", where, *value));
      if (current->timeout)
        return config_error(
            fmt::format("{}: 'timeout' appears twice in [account.{}]", where, current->name));
      current->timeout = seconds;
    } else {
      return config_error(fmt::format("{}: unknown key '{}' (known: jid, password, password_file, "
                                      "password_command, host, port, tls, "
                                      "ca_file, pin, resource, timeout, persist)",
                                      where, key));
    }
    if (!ok) return fail(ok.error());
  }
  return config;
}

std::optional<std::string> default_config_path(const std::optional<std::string>& xdg_config_home,
                                               const std::optional<std::string>& home) {
  // XDG Base Directory: a relative $XDG_CONFIG_HOME is invalid and must be ignored.
  if (xdg_config_home && !xdg_config_home->empty() && xdg_config_home->front() == '/')
    return *xdg_config_home + "/xmpp/config";
  if (home && !home->empty()) return *home + "/.config/xmpp/config";
  return std::nullopt;
}

std::optional<std::string> default_cache_dir(const std::optional<std::string>& xdg_cache_home,
                                             const std::optional<std::string>& home) {
  if (xdg_cache_home && !xdg_cache_home->empty() && xdg_cache_home->front() == '/')
    return *xdg_cache_home + "/xmpp";
  if (home && !home->empty()) return *home + "/.cache/xmpp";
  return std::nullopt;
}

Result<std::optional<Config>> load_config(const std::string& path, bool must_exist) {
  const auto slash = path.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base.empty()) return config_error(fmt::format("config file {}: not a file name", path));

  Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() < 0) {
    if (errno == ENOENT && !must_exist) return std::optional<Config>{};
    return config_error(fmt::format("cannot open config file {}: {}", path, std::strerror(errno)));
  }
  Fd fd(::openat(dir_fd.get(), base.c_str(),
                 O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) {
    const int e = errno;
    if (e == ENOENT && !must_exist) return std::optional<Config>{};
    if (e == ELOOP)
      return config_error(fmt::format(
          "config file {} is a symbolic link; refusing it (name the file itself)", path));
    return config_error(fmt::format("cannot open config file {}: {}", path, std::strerror(e)));
  }

  struct stat dst {};
  struct stat st {};
  if (::fstat(dir_fd.get(), &dst) != 0 || ::fstat(fd.get(), &st) != 0)
    return config_error(fmt::format("cannot stat config file {}: {}", path, std::strerror(errno)));
  const uid_t me = ::geteuid();
  if (!S_ISREG(st.st_mode))
    return config_error(fmt::format("config file {} is not a regular file", path));
  if (st.st_uid != me && st.st_uid != 0)
    return config_error(
        fmt::format("config file {} belongs to uid {}, not to you (uid {}); refusing it: "
                    "copy it to a file of your own",
                    path, st.st_uid, me));
  // Anyone who can write the file could set password_command: that is running code as us.
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    return config_error(fmt::format("config file {} is writable by others; run: chmod go-w {}",
                                    path, shell_quote(path)));
  // ... and anyone who can replace it in its directory too (the sticky bit stops that).
  if (dst.st_uid != me && dst.st_uid != 0)
    return config_error(
        fmt::format("the directory of config file {} belongs to uid {}, not to you; refusing it",
                    path, dst.st_uid));
  if ((dst.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (dst.st_mode & S_ISVTX) == 0)
    return config_error(
        fmt::format("the directory of config file {} is writable by others; run: chmod go-w {}",
                    path, shell_quote(dir)));
  if (st.st_size < 0 || static_cast<std::size_t>(st.st_size) > k_max_config_bytes)
    return config_error(fmt::format("config file {} is larger than 1 MiB", path));

  std::string text;
  text.resize(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (got < text.size()) {
    const auto n = ::read(fd.get(), text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return config_error(
          fmt::format("cannot read config file {}: {}", path, std::strerror(errno)));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  text.resize(got);

  auto config = parse_config(text, path);
  // The secret itself is in the text: wipe the buffer whatever the outcome.
  OPENSSL_cleanse(text.data(), text.size());
  if (!config) return fail(config.error());
  if (config->holds_password && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    return config_error(
        fmt::format("config file {} holds a password and is readable by others; run: chmod 600 {}",
                    path, shell_quote(path)));
  return std::optional<Config>(std::move(*config));
}

}  // namespace xmpp::cli
