// What a command prints (STYLE.md "Errors and output", CLI.md "--json"): each command's Report
// renders itself as human text or one JSON document; errors go to stderr as "xmpp: message" and,
// with --json, also as one JSON line. Remote text is escaped for the terminal (SECURITY.md row 51).
#pragma once

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace xmpp::cli {

/// Makes text from the network safe to print on a terminal (SECURITY.md row 51): C0 controls and
/// DEL become \xNN (with \t \n \r spelled so), C1 controls, bidi overrides and isolates (U+061C,
/// U+200E/F, U+202A-E, U+2066-9) and U+2028/9 become \uNNNN, invalid UTF-8 bytes become \xNN.
/// `keep_newlines` lets \n through for multi-line text such as message bodies.
std::string escape_terminal(std::string_view text, bool keep_newlines = false);

/// JSON null for an absent value, else the value: how every report writes an optional field.
template <class T> nlohmann::ordered_json or_null(const std::optional<T>& value) {
  return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
}

/// A command's result: rendered for people or as one JSON document (stdout only).
class Report {
 public:
  virtual ~Report() = default;
  virtual nlohmann::ordered_json to_json() const = 0;
  /// The JSON document and its newline, as print_report writes it: dump_json(to_json()). A report
  /// that can be very long (send --lines --json) writes the same bytes piece by piece instead, so
  /// the whole tree and its text never sit in memory at once.
  virtual void write_json(std::ostream& out) const;
  /// Human text; every string that came from the network goes through escape_terminal.
  virtual void print_human(std::ostream& out) const = 0;
};

/// What a command's coroutine returns: a report to print (if any) and an error deciding the exit
/// code (if any). Both may be set: a partial result is printed and still exits non-zero.
struct Outcome {
  std::unique_ptr<Report> report;
  std::optional<Error> error;
  /// Replaces the exit code the run loop would derive from `error` (0 without one): for plugin
  /// output whose codes are not CLI.md's (`xmpp probe --nagios`: 0-3). A signal still decides.
  std::optional<int> exit_code;

  static Outcome success(std::unique_ptr<Report> report) {
    return Outcome{std::move(report), std::nullopt, std::nullopt};
  }
  static Outcome failure(Error error, std::unique_ptr<Report> partial = nullptr) {
    return Outcome{std::move(partial), std::move(error), std::nullopt};
  }
  /// A report that exits with `code` (plugin output; see exit_code).
  static Outcome with_exit_code(std::unique_ptr<Report> report, int code) {
    return Outcome{std::move(report), std::nullopt, code};
  }
};

/// Serialises a JSON value on one line; invalid UTF-8 is replaced rather than thrown on.
std::string dump_json(const nlohmann::ordered_json& value);

/// Prints `report` on `out`: one JSON document and a newline, or the human text.
void print_report(const Report& report, bool json, std::ostream& out);

/// `{"code":..,"condition":..,"message":..}` (an empty condition is null): how every report shows
/// an error in its JSON (a failed recipient, an entity of a disco tree, an endpoint of a probe).
nlohmann::ordered_json error_object(const Error& error);
/// `{"error":{"code":..,"condition":..,"message":..,"exit":..}}` (CLI.md "Exit codes"); an empty
/// condition is null. `exit` is the process exit code (exit_code(error.kind) unless a signal
/// decided).
std::string error_json(const Error& error, int exit);
std::string error_json(const Error& error);

/// Prints "xmpp: <message>" (escaped) on `err`, and with `json` also the error_json line.
void print_error(const Error& error, bool json, std::ostream& err, int exit);
void print_error(const Error& error, bool json, std::ostream& err);

/// Rounds a duration in milliseconds to microsecond precision, for JSON.
double round_ms(double ms);

}  // namespace xmpp::cli
