#include "persist_wire.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>

namespace xmpp::cli::persist {

namespace {

constexpr std::size_t k_max_request = 1 << 20;
constexpr std::size_t k_max_fds = 3;

std::string_view action_word(Persist::Action action) {
  switch (action) {
  case Persist::Action::stop:
    return "stop";
  case Persist::Action::check:
    return "check";
  default:
    return "run";
  }
}

Error wire_error(std::string message) {
  return make_error(ErrorKind::protocol, "persist_wire", "", std::move(message));
}

Error io_error(std::string_view what) {
  return make_error(
      ErrorKind::temporary, "master_lost", "",
      fmt::format("the persistent connection's master: {}: {}", what, std::strerror(errno)));
}

Result<void> write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const auto n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(io_error("send"));
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return {};
}

/// Reads exactly `size` bytes; false on EOF before the first byte.
Result<bool> read_all(int fd, char* data, std::size_t size) {
  std::size_t got = 0;
  while (got < size) {
    const auto n = ::recv(fd, data + got, size - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(io_error("receive"));
    }
    if (n == 0) {
      if (got == 0) return false;
      return fail(wire_error("the other end closed the connection in the middle of a message"));
    }
    got += static_cast<std::size_t>(n);
  }
  return true;
}

constexpr const char* k_env_names[] = {
    "XMPP_JID", "XMPP_DNS_SERVER", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "HOME", "XDG_RUNTIME_DIR"};

}  // namespace

std::string encode_request(const Request& r) {
  std::string out;
  const auto put = [&](std::string_view s) {
    out.append(s);
    out.push_back('\0');
  };
  put("v1");
  put(action_word(r.action));
  put(r.cwd);
  for (const auto& [name, value] : r.env)
    put(name + "=" + value);
  put("");
  for (const auto& a : r.args)
    put(a);
  return out;
}

Result<Request> decode_request(std::string_view bytes) {
  std::vector<std::string_view> parts;
  while (!bytes.empty()) {
    const auto nul = bytes.find('\0');
    if (nul == std::string_view::npos) return fail(wire_error("a request must end with NUL"));
    parts.push_back(bytes.substr(0, nul));
    bytes.remove_prefix(nul + 1);
  }
  if (parts.size() < 4 || parts[0] != "v1") return fail(wire_error("not a v1 request"));
  Request r;
  if (parts[1] == "run")
    r.action = Persist::Action::run;
  else if (parts[1] == "stop")
    r.action = Persist::Action::stop;
  else if (parts[1] == "check")
    r.action = Persist::Action::check;
  else
    return fail(wire_error(fmt::format("unknown action '{}'", parts[1])));
  r.cwd = std::string(parts[2]);
  std::size_t i = 3;
  for (; i < parts.size() && !parts[i].empty(); ++i) {
    const auto eq = parts[i].find('=');
    if (eq == std::string_view::npos || eq == 0) return fail(wire_error("bad environment entry"));
    r.env.emplace_back(std::string(parts[i].substr(0, eq)), std::string(parts[i].substr(eq + 1)));
  }
  if (i == parts.size()) return fail(wire_error("no end of the environment"));
  for (++i; i < parts.size(); ++i)
    r.args.emplace_back(parts[i]);
  return r;
}

std::vector<std::pair<std::string, std::string>> environment_entries(const Environment& env) {
  std::vector<std::pair<std::string, std::string>> out;
  const std::optional<std::string>* values[] = {
      &env.jid,  &env.dns_server,     &env.xdg_config_home, &env.xdg_cache_home,
      &env.home, &env.xdg_runtime_dir};
  for (std::size_t i = 0; i < std::size(k_env_names); ++i)
    if (*values[i]) out.emplace_back(k_env_names[i], **values[i]);
  return out;
}

Environment environment_of(const Request& request) {
  Environment env;
  std::optional<std::string>* slots[] = {
      &env.jid,  &env.dns_server,     &env.xdg_config_home, &env.xdg_cache_home,
      &env.home, &env.xdg_runtime_dir};
  for (const auto& [name, value] : request.env)
    for (std::size_t i = 0; i < std::size(k_env_names); ++i)
      if (name == k_env_names[i]) *slots[i] = value;
  return env;
}

Result<void> send_request(int fd, const Request& request, const std::vector<int>& fds) {
  const auto body = encode_request(request);
  if (body.size() > k_max_request) return fail(wire_error("the command line is too long"));
  if (fds.size() > k_max_fds) return fail(wire_error("too many descriptors"));
  std::uint32_t length = static_cast<std::uint32_t>(body.size());
  iovec iov{&length, sizeof length};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * k_max_fds)] = {};
  if (!fds.empty()) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  ssize_t sent;
  do {
    sent = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) return fail(io_error("send"));
  const auto* rest = reinterpret_cast<const char*>(&length) + sent;
  if (auto ok = write_all(fd, rest, sizeof length - static_cast<std::size_t>(sent)); !ok) return ok;
  return write_all(fd, body.data(), body.size());
}

Result<Received> receive_request(int fd) {
  Received out;
  std::uint32_t length = 0;
  iovec iov{&length, sizeof length};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * k_max_fds)] = {};
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t got;
  do {
    got = ::recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
  } while (got < 0 && errno == EINTR);
  if (got < 0) return fail(io_error("receive"));
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const auto n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < n; ++i) {
      int passed = -1;
      std::memcpy(&passed, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      out.fds.push_back(passed);
    }
  }
  const auto close_fds = [&] {
    for (int f : out.fds)
      ::close(f);
    out.fds.clear();
  };
  if ((msg.msg_flags & MSG_CTRUNC) != 0 || out.fds.size() > k_max_fds) {
    close_fds();
    return fail(wire_error("too many descriptors"));
  }
  if (got == 0) {
    close_fds();
    return fail(wire_error("no request"));
  }
  if (static_cast<std::size_t>(got) < sizeof length) {
    auto* rest = reinterpret_cast<char*>(&length) + got;
    auto ok = read_all(fd, rest, sizeof length - static_cast<std::size_t>(got));
    if (!ok || !*ok) {
      close_fds();
      return fail(ok ? wire_error("a truncated request") : ok.error());
    }
  }
  if (length > k_max_request) {
    close_fds();
    return fail(wire_error("a request too long"));
  }
  std::string body(length, '\0');
  auto ok = read_all(fd, body.data(), body.size());
  if (length > 0 && (!ok || !*ok)) {
    close_fds();
    return fail(ok ? wire_error("a truncated request") : ok.error());
  }
  auto request = decode_request(body);
  if (!request) {
    close_fds();
    return fail(request.error());
  }
  out.request = std::move(*request);
  return out;
}

void send_startup_note(int fd, StartupNote note) {
  if (fd < 0) return;
  char bytes[5];
  bytes[0] = note.kind;
  std::memcpy(bytes + 1, &note.value, 4);
  (void)!::write(fd, bytes, sizeof bytes);
}

std::optional<StartupNote> receive_startup_note(int fd) {
  char bytes[5];
  std::size_t got = 0;
  while (got < sizeof bytes) {
    const auto n = ::read(fd, bytes + got, sizeof bytes - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    got += static_cast<std::size_t>(n);
  }
  StartupNote note;
  note.kind = bytes[0];
  std::memcpy(&note.value, bytes + 1, 4);
  return note;
}

Result<void> send_reply(int fd, const Reply& reply) {
  char bytes[9];
  bytes[0] = reply.kind;
  std::memcpy(bytes + 1, &reply.code, 4);
  std::memcpy(bytes + 5, &reply.pid, 4);
  return write_all(fd, bytes, sizeof bytes);
}

Result<Reply> receive_reply(int fd) {
  char bytes[9];
  auto ok = read_all(fd, bytes, sizeof bytes);
  if (!ok) return fail(ok.error());
  if (!*ok)
    return fail(make_error(ErrorKind::temporary, "master_lost", "",
                           "the persistent connection's master ended without an answer"));
  Reply reply;
  reply.kind = bytes[0];
  std::memcpy(&reply.code, bytes + 1, 4);
  std::memcpy(&reply.pid, bytes + 5, 4);
  if (reply.kind != 'X' && reply.kind != 'D')
    return fail(wire_error("an unknown reply from the master"));
  return reply;
}

}  // namespace xmpp::cli::persist
