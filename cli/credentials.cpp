#include "credentials.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <fmt/format.h>
#include <openssl/crypto.h>

extern char** environ;

namespace xmpp::cli {

namespace {

constexpr std::size_t k_max_secret_bytes = 64 * 1024;

tl::unexpected<Error> cred_error(std::string code, std::string message) {
  return fail(ErrorKind::config, std::move(code), "", std::move(message));
}

/// Reads all of `fd` (up to the cap; the rest is drained so a writer never blocks) into `out`,
/// which is reserved up front so the secret is never copied by a reallocation.
bool read_all(int fd, std::string& out) {
  out.reserve(k_max_secret_bytes);
  char buf[4096];
  for (;;) {
    const auto n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      OPENSSL_cleanse(buf, sizeof buf);
      return false;
    }
    if (n == 0) break;
    const auto room = k_max_secret_bytes - out.size();
    out.append(buf, std::min(static_cast<std::size_t>(n), room));
  }
  OPENSSL_cleanse(buf, sizeof buf);
  return true;
}

/// Keeps only the first line of `text`, wiping the rest.
Secret keep_first_line(std::string& text) {
  const auto line = first_line(text);
  Secret secret{std::string(line)};
  cleanse(text);
  return secret;
}

Result<Secret> from_file(const PasswordSource& source) {
  const int fd = ::open(source.detail.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return cred_error("password_file",
                      fmt::format("cannot read password file {} ({}): {}", source.detail,
                                  source.origin, std::strerror(errno)));
  std::string text;
  const bool ok = read_all(fd, text);
  const int saved = errno;
  ::close(fd);
  if (!ok) {
    cleanse(text);
    return cred_error("password_file", fmt::format("cannot read password file {}: {}",
                                                   source.detail, std::strerror(saved)));
  }
  auto secret = keep_first_line(text);
  if (secret.empty())
    return cred_error("password_file",
                      fmt::format("password file {} has an empty first line", source.detail));
  return secret;
}

Result<Secret> from_command(const PasswordSource& source) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
    return cred_error("password_command",
                      fmt::format("cannot run the password command: {}", std::strerror(errno)));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // The child writes the password to the pipe; its stdin and stderr stay ours so that a command
  // such as `pass` can ask for a passphrase.
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  std::string command = source.detail;
  char sh[] = "/bin/sh";
  char dash_c[] = "-c";
  char* argv[] = {sh, dash_c, command.data(), nullptr};
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, "/bin/sh", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (rc != 0) {
    ::close(pipe_fds[0]);
    return cred_error(
        "password_command",
        fmt::format("cannot run /bin/sh for the password command: {}", std::strerror(rc)));
  }
  std::string text;
  read_all(pipe_fds[0], text);
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    cleanse(text);
    const auto how = WIFEXITED(status) ? fmt::format("exited with status {}", WEXITSTATUS(status))
                                       : fmt::format("was killed by signal {}", WTERMSIG(status));
    return cred_error("password_command",
                      fmt::format("the password command ({}) {}", source.origin, how));
  }
  auto secret = keep_first_line(text);
  if (secret.empty())
    return cred_error(
        "password_command",
        fmt::format("the password command ({}) printed an empty first line", source.origin));
  return secret;
}

volatile std::sig_atomic_t g_prompt_signal = 0;
extern "C" void on_prompt_signal(int sig) {
  g_prompt_signal = sig;
}

/// Restores the terminal and the signal handlers however the prompt ends.
class EchoOff {
 public:
  EchoOff(int fd, const termios& saved) : m_fd(fd), m_saved(saved) {
    g_prompt_signal = 0;
    struct sigaction sa {};
    sa.sa_handler = on_prompt_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: read() must return EINTR so we can restore the terminal
    ::sigaction(SIGINT, &sa, &m_old_int);
    ::sigaction(SIGTERM, &sa, &m_old_term);
    termios noecho = saved;
    noecho.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    noecho.c_lflag |= ECHONL;
    ::tcsetattr(fd, TCSAFLUSH, &noecho);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;
  ~EchoOff() {
    ::tcsetattr(m_fd, TCSAFLUSH, &m_saved);
    ::sigaction(SIGINT, &m_old_int, nullptr);
    ::sigaction(SIGTERM, &m_old_term, nullptr);
  }

 private:
  int m_fd;
  termios m_saved;
  struct sigaction m_old_int {};
  struct sigaction m_old_term {};
};

}  // namespace

Secret::Secret(Secret&& other) noexcept : m_value(std::move(other.m_value)) {
  other.clear();
}

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    clear();
    m_value = std::move(other.m_value);
    other.clear();
  }
  return *this;
}

Secret::~Secret() {
  clear();
}

void Secret::clear() {
  cleanse(m_value);
}

void cleanse(std::string& s) {
  // The whole buffer, not just size(): a moved-from short string keeps its old bytes there.
  if (s.capacity() > 0) OPENSSL_cleanse(s.data(), s.capacity());
  s.clear();
}

std::string_view first_line(std::string_view text) {
  auto line = text.substr(0, text.find('\n'));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

void protect_process() {
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  const rlimit none{0, 0};
  ::setrlimit(RLIMIT_CORE, &none);
}

Result<std::optional<Secret>> tty_prompt(std::string_view prompt) {
  const int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return std::optional<Secret>{};
  termios saved{};
  if (::tcgetattr(fd, &saved) != 0) {
    ::close(fd);
    return std::optional<Secret>{};
  }
  std::string line;
  line.reserve(4096);
  bool interrupted = false;
  {
    EchoOff guard(fd, saved);
    (void)!::write(fd, prompt.data(), prompt.size());
    char c = 0;
    for (;;) {
      const auto n = ::read(fd, &c, 1);
      if (n < 0 && errno == EINTR) {
        if (g_prompt_signal != 0) {
          interrupted = true;
          break;
        }
        continue;
      }
      if (n <= 0 || c == '\n' || c == '\r') break;
      if (line.size() < line.capacity()) line += c;
    }
    c = 0;
  }
  ::close(fd);
  if (interrupted) {
    cleanse(line);
    return fail(ErrorKind::interrupted, "interrupted", "",
                "interrupted while asking for the password");
  }
  return std::optional<Secret>(Secret{std::move(line)});
}

Result<Secret> obtain_password(const PasswordSource& source, std::string_view jid,
                               const Prompter& prompter) {
  protect_process();
  switch (source.kind) {
  case PasswordSource::Kind::file:
    return from_file(source);
  case PasswordSource::Kind::command:
    return from_command(source);
  case PasswordSource::Kind::value:
    if (!source.value || source.value->empty())
      return cred_error("no_password", fmt::format("the password from {} is empty", source.origin));
    return Secret{source.value->str()};
  case PasswordSource::Kind::prompt:
    break;
  }
  auto answer =
      prompter ? prompter(fmt::format("Password for {}: ", jid)) : Result<std::optional<Secret>>{};
  if (!answer) return fail(answer.error());
  if (!*answer)
    return cred_error("no_password", "no password source: use --password-file, --password-command, "
                                     "XMPP_PASSWORD or a config file");
  if ((*answer)->empty()) return cred_error("no_password", "empty password");
  return std::move(**answer);
}

}  // namespace xmpp::cli
