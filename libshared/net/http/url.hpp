// HTTP(S) URLs as XEP-0363 slots carry them (RFC 3986 §3, RFC 9110 §4.2): scheme, host, port and
// request target, checked strictly enough that nothing a peer sends can smuggle bytes into a
// request line or Host field.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace xmpp::net::http {

/// An absolute http or https URL, split for a request.
struct Url {
  std::string scheme;  ///< "https" or "http", lowercase
  /// Lowercase DNS name, or an IP literal (IPv6 without its brackets).
  std::string host;
  unsigned short port = 443;  ///< the explicit port, else the scheme's default (443, 80)
  /// Path and query in origin-form (RFC 9112 §3.2.1): "/" when the URL has no path; never the
  /// fragment.
  std::string target;
  bool ipv6 = false;  ///< host is an IPv6 literal

  bool https() const { return scheme == "https"; }
  /// host[:port] for the Host field (RFC 9110 §7.2): IPv6 in brackets, default port left out.
  std::string authority() const;
  /// "https://host:port" for messages: slot paths and queries are secrets (XEP-0363 §11), so
  /// errors name only the origin.
  std::string origin() const;
};

/// Parses an absolute URL. Accepted: scheme http or https (any case); a host that is a DNS name
/// (letters, digits, '-', '.', '_'), an IPv4 literal or a bracketed IPv6 literal (no zone, no
/// IPvFuture); an optional port 1-65535; a path and query made only of RFC 3986 characters with
/// well-formed percent-encoding (non-ASCII must be percent-encoded, XEP-0363 §4). The fragment is
/// dropped. Refused: other schemes, userinfo ("user@host", RFC 9110 §4.2.4 deprecates it and it
/// serves phishing), anything else. Errors: kind protocol, code "bad_url", saying what is wrong.
Result<Url> parse_url(std::string_view text);

}  // namespace xmpp::net::http
