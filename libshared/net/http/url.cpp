#include "net/http/url.hpp"

#include <charconv>

#include "net/asio.hpp"

namespace xmpp::net::http {
namespace {

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// RFC 3986 §2.2-2.3: unreserved and sub-delims, plus the ':' and '@' of pchar (§3.3) and the '/'
// and '?' that path and query allow (§3.4). '%' is checked separately.
bool is_target_char(char c) {
  // unreserved "-._~", sub-delims "!$&'()*+,;=", then ":@/?".
  return is_alpha(c) || is_digit(c) ||
         std::string_view("-._~!$&'()*+,;=:@/?").find(c) != std::string_view::npos;
}

Error bad(std::string reason) {
  return make_error(ErrorKind::protocol, "bad_url", "", "bad URL: " + std::move(reason));
}

}  // namespace

std::string Url::authority() const {
  std::string out = ipv6 ? "[" + host + "]" : host;
  const unsigned short default_port = https() ? 443 : 80;
  if (port != default_port) out += ":" + std::to_string(port);
  return out;
}

std::string Url::origin() const {
  return scheme + "://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<Url> parse_url(std::string_view text) {
  Url url;
  // RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then "://" (§3.2).
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) return fail(bad("no scheme"));
  for (std::size_t i = 0; i < colon; ++i) {
    const char c = text[i];
    if (!(is_alpha(c) || (i > 0 && (is_digit(c) || c == '+' || c == '-' || c == '.'))))
      return fail(bad("malformed scheme"));
    url.scheme += lower(c);
  }
  if (url.scheme != "https" && url.scheme != "http")
    return fail(bad("scheme " + url.scheme + " is not http or https"));
  if (text.substr(colon, 3) != "://") return fail(bad("no authority (\"//\") after the scheme"));
  text.remove_prefix(colon + 3);

  const auto authority_end = text.find_first_of("/?#");
  std::string_view authority = text.substr(0, authority_end);
  std::string_view rest =
      authority_end == std::string_view::npos ? std::string_view() : text.substr(authority_end);
  if (authority.find('@') != std::string_view::npos)
    return fail(bad("user information in the authority is not accepted"));

  // Host: a bracketed IPv6 literal (RFC 3986 §3.2.2) or a name / IPv4 address up to the port.
  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return fail(bad("unterminated IPv6 literal"));
    const std::string literal(authority.substr(1, close - 1));
    boost::system::error_code ec;
    // make_address_v6 also takes "fe80::1%eth0"; a zone (RFC 6874) has no meaning for a slot.
    const auto address = asio::ip::make_address_v6(literal, ec);
    if (ec || literal.find('%') != std::string::npos) return fail(bad("malformed IPv6 literal"));
    url.host = address.to_string();
    url.ipv6 = true;
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail(bad("junk after the IPv6 literal"));
      has_port = true;
      port_text = after.substr(1);
    }
  } else {
    const auto port_colon = authority.find(':');
    const std::string_view host = authority.substr(0, port_colon);
    if (port_colon != std::string_view::npos) {
      has_port = true;
      port_text = authority.substr(port_colon + 1);
    }
    if (host.empty()) return fail(bad("no host"));
    // DNS names only (RFC 1123 §2.1 letters, digits, hyphens, plus '_'): percent-encoded or
    // non-ASCII reg-names would need IDNA processing that no slot needs.
    for (const char c : host) {
      if (!(is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_'))
        return fail(bad("the host contains a character other than letters, digits, '-', '.', '_'"));
      url.host += lower(c);
    }
    // One trailing dot is the root (RFC 1034 §3.1): the same name, but SNI must not carry it
    // (RFC 6066 §3).
    if (url.host.size() > 1 && url.host.back() == '.') url.host.pop_back();
    if (url.host.front() == '.' || url.host.find("..") != std::string::npos)
      return fail(bad("the host has an empty label"));
  }
  url.port = url.https() ? 443 : 80;
  // RFC 3986 §3.2.3: an empty port after ':' means the default.
  if (has_port && !port_text.empty()) {
    unsigned value = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port_text.size() > 5 ||
        value == 0 || value > 65535)
      return fail(bad("the port is not a number from 1 to 65535"));
    url.port = static_cast<unsigned short>(value);
  }

  // Path and query; the fragment is client-side only (RFC 9110 §4.2.5: never sent).
  rest = rest.substr(0, rest.find('#'));
  for (std::size_t i = 0; i < rest.size(); ++i) {
    const char c = rest[i];
    if (c == '%') {
      if (i + 2 >= rest.size() || !is_hex(rest[i + 1]) || !is_hex(rest[i + 2]))
        return fail(bad("malformed percent-encoding"));
      i += 2;
    } else if (!is_target_char(c)) {
      return fail(bad("the path or query contains a character RFC 3986 does not allow there"));
    }
  }
  url.target = rest.empty() || rest.front() == '?' ? "/" + std::string(rest) : std::string(rest);
  return url;
}

}  // namespace xmpp::net::http
