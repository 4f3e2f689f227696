// The exit codes of `xmpp` (CLI.md "Exit codes", sysexits(3) style): the one table mapping each
// ErrorKind to its number and name, used by main, `xmpp --help` and `man xmpp`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace xmpp::cli {

struct ExitCode {
  int code;
  std::string_view name;          ///< sysexits name, empty where there is none
  std::string_view meaning;       ///< one line, as in CLI.md
  std::optional<ErrorKind> kind;  ///< the error kind that exits with this code, if any
};

inline constexpr int k_exit_ok = 0;
inline constexpr int k_exit_terminated = 143;  ///< SIGTERM, the stream closed cleanly (128 + 15)

inline constexpr ExitCode k_exit_codes[] = {
    {0, "", "success: everything asked was done and confirmed", std::nullopt},
    {1, "", "the remote side said no: a stanza error, a bounce or a partial result",
     ErrorKind::remote},
    {64, "EX_USAGE", "bad command line: unknown flag, bad JID, bad value; nothing was sent",
     ErrorKind::usage},
    {65, "EX_DATAERR", "bad input data: payload XML, form answers, file hash", ErrorKind::data},
    {66, "EX_NOINPUT", "an input file is missing or unreadable", ErrorKind::no_input},
    {68, "EX_NOHOST", "the domain has no XMPP service (DNS)", ErrorKind::no_host},
    {69, "EX_UNAVAILABLE", "could not connect to any address of the server",
     ErrorKind::unavailable},
    {70, "EX_SOFTWARE", "internal error (a bug: the message says so)", ErrorKind::software},
    {73, "EX_CANTCREAT", "cannot create an output file", ErrorKind::cant_create},
    {75, "EX_TEMPFAIL", "temporary: timed out, connection lost, server shutting down",
     ErrorKind::temporary},
    {76, "EX_PROTOCOL", "the server or peer broke the protocol", ErrorKind::protocol},
    {77, "EX_NOPERM", "authentication failed, certificate not trusted, pin mismatch, TLS refused",
     ErrorKind::no_perm},
    {78, "EX_CONFIG",
     "configuration error: config file unreadable or too permissive, no password source",
     ErrorKind::config},
    {130, "", "interrupted (SIGINT); the stream was closed cleanly", ErrorKind::interrupted},
    {143, "", "terminated (SIGTERM); the stream was closed cleanly", std::nullopt},
};

/// The exit code for an error of kind `kind`.
constexpr int exit_code(ErrorKind kind) {
  for (const auto& row : k_exit_codes)
    if (row.kind == kind) return row.code;
  return 70;  // unreachable while every ErrorKind has a row (a unit test checks)
}

/// The table as text for `xmpp --help` (one "  CODE  NAME  meaning" line per code).
std::string exit_codes_help();

}  // namespace xmpp::cli
