// --trace FILE (CLI.md "Global options"): every XML byte sent and received, one timestamped line
// per element or header ("2026-11-25T12:00:00.123Z OUT <iq .../>", the direction upper-cased),
// control characters escaped so a line is a line. The session redacts SASL payloads before they get
// here (SECURITY.md (c) "Logs").
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "stream/session.hpp"

namespace xmpp::cli {

/// Opens `path` for tracing ("-" = stderr): created or truncated like curl --trace, mode 0600
/// (an existing file of ours is chmod'ed to 0600), never through a symbolic link.
/// Errors: kind cant_create.
Result<stream::TraceSink> open_trace(const std::string& path);

/// One trace line, without the newline: "<UTC time, ms> <DIRECTION> <escaped data>".
std::string trace_line(std::chrono::system_clock::time_point when, std::string_view direction,
                       std::string_view data);

}  // namespace xmpp::cli
