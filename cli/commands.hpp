// The ONE list of commands (STYLE.md "Layout"; ninja's table of subtools). Adding a command is one
// cmd_<name>.cpp defining `Runner setup_<id>(CLI::App&)` and one line in XMPP_COMMANDS below (plus
// its man page and completions, which the drift test checks against `--help`).
#pragma once

#include <string_view>

#include <CLI/CLI.hpp>

#include "context.hpp"

// X(identifier, "name", "one-line summary for xmpp --help")
#define XMPP_COMMANDS(X)                                                                           \
  X(send, "send", "send messages to people or rooms, confirmed by the server")                     \
  X(listen, "listen", "print messages (and presence) as they arrive")                              \
  X(roster, "roster", "contacts and presence subscriptions (RFC 6121)")                            \
  X(muc, "muc", "chat rooms: join, send, create, configure, administer (XEP-0045)")                \
  X(pubsub, "pubsub", "publish-subscribe: nodes, items, publish, subscribe, listen (XEP-0060)")    \
  X(disco, "disco", "service discovery: info, items, or the whole tree (XEP-0030)")                \
  X(cmd, "cmd", "ad-hoc commands: list, show a form, run with answers (XEP-0050)")                 \
  X(jingle_file, "jingle-file", "peer-to-peer files: send, or receive into a directory (XEP-0234)")\
  X(probe, "probe", "one-shot server report: DNS, TLS, features, services")                        \
  X(ping, "ping", "round-trip times to an entity (XEP-0199)")                                      \
  X(version, "version", "software name and version of an entity (XEP-0092)")                       \
  X(time, "time", "an entity's clock and its offset from ours (XEP-0202)")                         \
  X(config, "config", "the settings in effect and where each came from; check the set-up")

namespace xmpp::cli {

/// Adds a command's arguments and options to `command` (its CLI11 subcommand) and returns the
/// command's run function, bound to the values CLI11 will parse into.
using Setup = Runner (*)(CLI::App& command);

#define XMPP_DECLARE_SETUP(id, name, summary) Runner setup_##id(CLI::App& command);
XMPP_COMMANDS(XMPP_DECLARE_SETUP)
#undef XMPP_DECLARE_SETUP

struct Command {
  std::string_view name;
  std::string_view summary;
  Setup setup;
};

#define XMPP_COMMAND_ROW(id, name, summary) Command{name, summary, &setup_##id},
inline constexpr Command k_commands[] = {XMPP_COMMANDS(XMPP_COMMAND_ROW)};
#undef XMPP_COMMAND_ROW

}  // namespace xmpp::cli
