// Stream errors (RFC 6120 §4.9): parsing a received <stream:error/> into an Error with the exit
// class of CLI.md, and building the one we send before closing a stream we reject.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "xml/element.hpp"

namespace xmpp::stanza {

/// A stream error as carried in <stream:error/> (RFC 6120 §4.9.2).
struct StreamError {
  std::string condition = "undefined-condition";  ///< one of the §4.9.3 defined conditions
  std::string text;                               ///< the optional <text/>
  std::string other_host;                         ///< character data of <see-other-host/>
  std::optional<xml::Element> application;        ///< an application-specific condition
};

/// True for the defined conditions of RFC 6120 §4.9.3.
bool is_stream_condition(std::string_view condition);

/// True when `e` is <error xmlns='http://etherx.jabber.org/streams'/>.
bool is_stream_error(const xml::Element& e);

/// Parses <stream:error/>; an unknown or missing condition gives undefined-condition (§4.9.2).
StreamError parse_stream_error(const xml::Element& e);

/// The Error for a stream error received from the server (code "stream_error"):
/// system-shutdown, reset, connection-timeout and conflict -> temporary (75); see-other-host ->
/// unavailable (69), since redirects are not followed; everything else -> protocol (76).
/// The message carries the server's <text/> unescaped: the printer escapes it.
Error to_error(const StreamError& error);

/// Builds <stream:error><CONDITION xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>[<text/>]
/// [application]</stream:error> for sending.
xml::Element make_stream_error(std::string condition, std::string text = {},
                               std::optional<xml::Element> application = std::nullopt);

}  // namespace xmpp::stanza
