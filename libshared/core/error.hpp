// Error values carried through Result<T> until main (STYLE.md "Errors and output").
// The kinds are the failure classes of ../shared/CLI.md "Exit codes"; cli/exit_codes.hpp maps
// each kind to its number.
#pragma once

#include <string>

namespace xmpp {

/// What class of failure this is; decides the exit code, nothing else.
enum class ErrorKind {
  remote,       ///< the remote side said no (stanza error, bounce, partial result)      -> 1
  usage,        ///< bad command line; nothing was sent                                 -> 64
  data,         ///< bad input data (payload XML, form answers, hash mismatch)          -> 65
  no_input,     ///< an input file is missing or unreadable                             -> 66
  no_host,      ///< the domain has no XMPP service (DNS)                               -> 68
  unavailable,  ///< could not connect to any address                                   -> 69
  software,     ///< internal error (a bug)                                             -> 70
  cant_create,  ///< cannot create an output file                                       -> 73
  temporary,    ///< timed out, connection lost, server shutting down; retry may work   -> 75
  protocol,     ///< the peer broke the protocol (malformed XML, stream error)          -> 76
  no_perm,      ///< auth failed, certificate untrusted, pin mismatch, TLS refused       -> 77
  config,       ///< configuration error                                                -> 78
  interrupted,  ///< SIGINT                                                             -> 130
};

/// A failure with enough context for a person ("disco#info to pubsub.example.org:
/// item-not-found") and for a script (`code`, `condition`).
struct Error {
  ErrorKind kind = ErrorKind::software;
  std::string code;       ///< stable snake_case identifier, e.g. "auth_failed", "timeout"
  std::string condition;  ///< XMPP defined condition where there is one, e.g. "not-authorized"
  std::string message;    ///< one human sentence, no trailing period needed

  /// Prefixes context to the message: `e.with_context("ping example.org")`.
  Error with_context(const std::string& context) const {
    Error e = *this;
    e.message = context + ": " + e.message;
    return e;
  }
};

/// Convenience constructor: `make_error(ErrorKind::no_host, "no_host", "", "example.org has no XMPP service")`.
inline Error make_error(ErrorKind kind, std::string code, std::string condition, std::string message) {
  return Error{kind, std::move(code), std::move(condition), std::move(message)};
}

/// A bad command line or a bad argument from the caller (exit 64): ErrorKind::usage, code "usage".
inline Error usage_error(std::string message) {
  return make_error(ErrorKind::usage, "usage", "", std::move(message));
}

}  // namespace xmpp
