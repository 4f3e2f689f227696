// Stanza errors (RFC 6120 §8.3): the <error/> child of an iq/message/presence of type 'error',
// parsed into a plain struct, built back, and turned into an Error value for the exit-code layer.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "xml/element.hpp"

namespace xmpp::stanza {

/// RFC 6120 §8.3.2 error types.
enum class ErrorType { auth, cancel, continue_, modify, wait };

std::string_view to_string(ErrorType type);
std::optional<ErrorType> parse_error_type(std::string_view text);

/// A stanza error as carried in <error/> (RFC 6120 §8.3.2).
struct StanzaError {
  ErrorType type = ErrorType::cancel;
  std::string condition = "undefined-condition";  ///< one of the §8.3.3 defined conditions
  std::string text;                               ///< the optional human <text/>, may be empty
  std::string by;                                 ///< the 'by' attribute, may be empty
  std::string alternate;                          ///< character data of <gone/> and <redirect/>
  std::optional<xml::Element> application;        ///< an application-specific condition element
};

/// True for the 22 defined conditions of RFC 6120 §8.3.3.
bool is_stanza_condition(std::string_view condition);
/// The type RFC 6120 §8.3.3 gives for `condition` (e.g. item-not-found -> cancel, bad-request ->
/// modify, forbidden -> auth, resource-constraint -> wait).
ErrorType default_type(std::string_view condition);

/// A StanzaError with the usual type for `condition`.
StanzaError make_stanza_error(std::string condition, std::string text = {});

/// Parses the <error/> child of `stanza` (an iq, message or presence of type 'error').
/// Tolerant, as RFC 6120 §8.3.2 asks of receivers: a missing <error/> or an unknown or missing
/// condition gives undefined-condition; an unknown type gives cancel.
StanzaError parse_stanza_error(const xml::Element& stanza);

/// Builds the <error/> element (jabber:client) for `error`.
xml::Element make_error_element(const StanzaError& error);

/// Turns an error stanza into Error{kind remote, code "stanza_error", condition, message
/// "<context>: <condition> (<text>)"}; `context` says what was asked ("disco#info to x.example").
Error to_error(const xml::Element& error_stanza, std::string_view context);

}  // namespace xmpp::stanza
