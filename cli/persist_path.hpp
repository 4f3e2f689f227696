// Connection reuse (`--persist`, issue 10), the part that needs no socket: what --persist's value
// means, which socket serves which connection, and whether its directory and file may be trusted.
// Conventions follow ssh's ControlMaster/ControlPersist (man xmpp, PERSISTENT CONNECTIONS).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "options.hpp"

namespace xmpp::cli::persist {

/// Parses --persist's value (or the config key `persist`): a duration "N", "Ns", "Nm" or "Nh"
/// (N a whole number > 0; bare N is seconds), "no"/"off" (never reuse, overrides the config key),
/// or the control words "stop" and "check" (ssh -O stop / -O check). Errors: kind usage.
Result<Persist> parse_persist(std::string_view text);

/// Everything that decides which connection is made, one "name=value" a line: the JID as given,
/// host, port, TLS mode, CA file (made absolute against `cwd`), pins, --insecure, SASL
/// mechanisms, --anonymous, resource, DNS server. Two invocations share a master only when
/// their keys are equal; the password is not part of it (the master is already logged in).
std::string connection_key(const Settings& settings, std::string_view cwd);

/// The socket's file name: the version-5 UUID (SHA-1, our namespace) of connection_key in hex,
/// ".sock".
std::string socket_name(const Settings& settings, std::string_view cwd);

/// Where the sockets live: "$XDG_RUNTIME_DIR/xmpp" when that variable is an absolute path,
/// else "/tmp/xmpp-UID".
std::string socket_dir(const std::optional<std::string>& xdg_runtime_dir, uid_t uid);

/// Creates `dir` (mode 0700) when missing (its parent must exist), then checks it as
/// check_private_dir does.
Result<void> ensure_private_dir(const std::string& dir, uid_t uid);

/// Refuses (kind config, exit 78; the message says how to fix it) a `dir` that is a symbolic
/// link or no directory, is owned by another user than `uid`, or has any group/other permission
/// bit: someone else could then plant or replace our socket.
Result<void> check_private_dir(const std::string& dir, uid_t uid);

/// Refuses (kind config) a `path` that exists but is no socket, is owned by another user, or has
/// any group/other permission bit. A missing path is fine (nullopt); else true.
Result<bool> check_socket_file(const std::string& path, uid_t uid);

}  // namespace xmpp::cli::persist
