#include "net/http/put.hpp"

#include "core/text.hpp"
#include "net/asio.hpp"

#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/file.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <array>

#include "net/connect.hpp"
#include "net/http/url.hpp"
#include "net/watchdog.hpp"

namespace xmpp::net::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds k_dns_timeout{5000};

// RFC 9110 §5.6.2 tchar.
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

// RFC 9110 §5.5 field-value: no CR, LF or NUL (request smuggling), nor other controls but HTAB.
bool is_field_value(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u == '\t' || (u >= 0x20 && u != 0x7f);
  });
}

bool is_ours(std::string_view name) {
  for (const std::string_view reserved :
       {"host", "content-length", "content-type", "transfer-encoding", "connection"})
    if (ascii_iequals(name, reserved)) return true;
  return false;
}

std::string text_of(beast::string_view s) {
  return std::string(s.data(), s.size());
}

Error bad_response(const Url& url, const std::string& what) {
  return make_error(ErrorKind::protocol, "bad_http_response", "",
                    "HTTP response from " + url.origin() + ": " + what);
}

using ResponseParser = bhttp::response_parser<bhttp::string_body>;

Response to_response(ResponseParser& parser, bool truncated) {
  auto& message = parser.get();
  Response response;
  response.status = message.result_int();
  response.reason = text_of(message.reason());
  if (!truncated) response.body = std::move(message.body());
  response.body_truncated = truncated;
  return response;
}

// Reads one final response (RFC 9112 §6: Content-Length, chunked, or until close), skipping
// interim 1xx responses (RFC 9110 §15.2).
awaitable<Result<Response>> read_response(Transport& transport, const Url& url) {
  std::optional<ResponseParser> parser;
  const auto fresh = [&parser] {
    parser.emplace();
    parser->body_limit(k_max_body);
    parser->header_limit(k_max_header);
  };
  fresh();
  std::string pending;
  std::array<char, 16 * 1024> buffer{};
  for (;;) {
    while (!pending.empty()) {
      beast::error_code ec;
      const std::size_t used = parser->put(asio::buffer(pending), ec);
      pending.erase(0, used);
      if (ec == bhttp::error::need_more) {
        if (used == 0) break;
        continue;
      }
      // The status is what matters; a body beyond the cap is not read.
      if (ec == bhttp::error::body_limit && parser->is_header_done())
        co_return to_response(*parser, true);
      if (ec) co_return fail(bad_response(url, ec.message()));
      if (parser->is_done()) {
        if (parser->get().version() / 10 != 1) co_return fail(bad_response(url, "not HTTP/1.x"));
        const unsigned status = parser->get().result_int();
        if (status >= 100 && status < 200) {
          fresh();
          continue;
        }
        co_return to_response(*parser, false);
      }
      if (used == 0) break;
    }
    auto n = co_await transport.read_some(buffer.data(), buffer.size());
    if (!n) co_return fail(n.error());
    if (*n == 0) {
      // A body delimited by the end of the connection (RFC 9112 §6.3 rule 8) ends here.
      beast::error_code ec;
      parser->put_eof(ec);
      if (ec || !parser->is_done())
        co_return fail(
            bad_response(url, "the server closed the connection before the response was complete"));
      co_return to_response(*parser, false);
    }
    pending.append(buffer.data(), *n);
  }
}

}  // namespace

std::string Response::status_line() const {
  return reason.empty() ? std::to_string(status) : std::to_string(status) + " " + reason;
}

awaitable<Result<Response>> put_file(PutRequest request) {
  const auto deadline = Clock::now() + request.timeout;
  auto url = parse_url(request.url);
  if (!url) co_return fail(url.error());
  if (!url->https() && !request.allow_plain_http)
    co_return fail(ErrorKind::no_perm, "insecure_url", "",
                   "refusing to upload to " + url->origin() + " without TLS");
  for (const auto& [name, value] : request.headers) {
    if (!is_token(name) || !is_field_value(value) || is_ours(name))
      co_return fail(ErrorKind::software, "bad_header", "",
                     "header field '" + name + "' may not be sent as given");
  }

  bhttp::request<bhttp::file_body> message;
  beast::error_code ec;
  message.body().open(request.file.c_str(), beast::file_mode::scan, ec);
  if (ec)
    co_return fail(ErrorKind::no_input, "file_unreadable", "",
                   "cannot read " + request.file.string() + ": " + ec.message());
  if (message.body().size() != request.size)
    co_return fail(ErrorKind::data, "file_changed", "",
                   request.file.string() + " is now " + std::to_string(message.body().size()) +
                       " bytes, not the " + std::to_string(request.size) + " announced");
  message.method(bhttp::verb::put);
  message.target(url->target);
  message.version(11);
  message.set(bhttp::field::host, url->authority());
  if (!request.content_type.empty()) {
    if (!is_field_value(request.content_type))
      co_return fail(ErrorKind::software, "bad_header", "", "malformed Content-Type");
    message.set(bhttp::field::content_type, request.content_type);
  }
  for (const auto& [name, value] : request.headers)
    message.insert(name, value);
  // One request per connection: no keep-alive state, and the server closes after answering.
  message.set(bhttp::field::connection, "close");
  message.content_length(request.size);

  ConnectOptions connect_options;
  connect_options.domain = url->host;
  connect_options.host = url->host;
  connect_options.port = url->port;
  // "starttls" with an explicit host and port: a plain TCP connection that start_tls() below
  // upgrades without ALPN "xmpp-client" (this is HTTP).
  connect_options.tls = TlsMode::starttls;
  connect_options.policy.reference_domain = url->host;
  connect_options.policy.ca_file = request.ca_file;
  connect_options.policy.insecure = request.insecure;
  connect_options.dns_server = request.dns_server;
  connect_options.attempt_timeout = request.timeout;
  connect_options.dns_timeout = std::min(request.timeout, k_dns_timeout);
  auto connected = co_await connect(std::move(connect_options));
  if (!connected) co_return fail(connected.error());
  Transport& transport = *connected->transport;

  const auto timed_out = [&] {
    return make_error(ErrorKind::temporary, "timeout", "",
                      "HTTP upload to " + url->origin() + " did not finish within " +
                          std::to_string(request.timeout.count()) + " ms");
  };
  const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
  if (left <= milliseconds::zero()) co_return fail(timed_out());
  auto executor = co_await asio::this_coro::executor;
  Watchdog dog(executor, left, [&transport] { transport.cancel(); });

  if (url->https()) {
    auto handshake = co_await transport.start_tls();
    // SECURITY.md (b): a handshake that times out is a TLS failure, as in net::connect.
    if (dog.expired())
      co_return fail(ErrorKind::no_perm, "tls_failed", "",
                     "TLS handshake with " + url->origin() + " timed out");
    if (!handshake) co_return fail(handshake.error());
  }

  // The header first (split), then the body as file_body reads it, gathered into writes of about
  // chunk_size bytes.
  bhttp::request_serializer<bhttp::file_body> serializer{message};
  serializer.split(true);
  const std::size_t chunk = std::max<std::size_t>(request.chunk_size, 1);
  std::string out;
  out.reserve(chunk + 8192);
  std::uint64_t sent = 0;
  std::uint64_t queued = 0;
  std::optional<Error> write_error;
  while (!serializer.is_done()) {
    const bool body_part = serializer.is_header_done();
    serializer.next(ec, [&](beast::error_code& visit_ec, const auto& buffers) {
      visit_ec = {};
      std::size_t n = 0;
      for (const auto piece : beast::buffers_range_ref(buffers)) {
        out.append(static_cast<const char*>(piece.data()), piece.size());
        n += piece.size();
      }
      serializer.consume(n);
      if (body_part) queued += n;
    });
    if (ec) {
      // file_body reports a file that shrank as short_read.
      co_return fail(ErrorKind::data, "file_changed", "",
                     "reading " + request.file.string() + " failed: " + ec.message());
    }
    if (out.size() < chunk && !serializer.is_done()) continue;
    auto written = co_await transport.write(std::move(out));
    out.clear();
    out.reserve(chunk + 8192);
    if (dog.expired()) co_return fail(timed_out());
    if (!written) {
      write_error = written.error();
      break;
    }
    sent += queued;
    queued = 0;
    if (request.progress) request.progress(sent, request.size);
  }

  auto response = co_await read_response(transport, *url);
  if (dog.expired()) co_return fail(timed_out());
  // A server may answer early (413, 401) and close while the body is still on its way: its answer
  // explains the failed write better than "connection lost".
  if (!response) co_return fail(write_error ? *write_error : response.error());
  dog.disarm();
  co_await transport.shutdown();
  co_return std::move(*response);
}

}  // namespace xmpp::net::http
