// What --trace shows (SECURITY.md (c) "Logs"): the XML as sent and received, with secrets
// replaced by "[redacted]": SASL <auth/>, <response/>, <challenge/>, <success/> payloads (RFC 6120
// §6.4, and their SASL2 counterparts), XEP-0077 <password/>, and XEP-0004 text-private values.
#pragma once

#include <string>

#include "xml/element.hpp"
#include "xml/stream_parser.hpp"

namespace xmpp::stream {

inline constexpr std::string_view k_redacted = "[redacted]";

/// A copy of `e` with every secret's character data replaced by "[redacted]".
xml::Element redact(const xml::Element& e);
/// The redacted element serialised as inside a jabber:client stream.
std::string trace_text(const xml::Element& e);
/// The received stream header, rendered as an opening tag.
std::string trace_text(const xml::StreamHeader& header);

}  // namespace xmpp::stream
