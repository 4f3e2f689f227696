#include "xep/s5b/socket_bytestream.hpp"

#include <array>
#include <string>
#include <utility>

#include "net/watchdog.hpp"

namespace xmpp::s5b {
namespace {

using boost::system::error_code;

Result<void> io_failure(const error_code& ec, bool expired, bool cancelled,
                        std::chrono::milliseconds timeout, const char* what) {
  if (expired)
    return fail(ErrorKind::temporary, "timeout", "",
                std::string("bytestream ") + what + " timed out after " +
                    std::to_string(timeout.count()) + " ms");
  if (cancelled)
    return fail(ErrorKind::unavailable, "cancelled", "", "the bytestream was cancelled");
  if (ec == asio::error::eof)
    return fail(ErrorKind::unavailable, "connection_lost", "",
                std::string("bytestream ") + what + ": the peer closed the connection");
  return fail(ErrorKind::unavailable, "connection_lost", "",
              std::string("bytestream ") + what + ": " + ec.message());
}

}  // namespace

SocketBytestream::SocketBytestream(asio::ip::tcp::socket socket, SocketBytestreamOptions options)
    : m_socket(std::move(socket)), m_options(options) {}

SocketBytestream::~SocketBytestream() {
  error_code ignored;
  m_socket.close(ignored);
}

awaitable<Result<void>> SocketBytestream::write(std::span<const char> bytes) {
  if (m_cancelled || !m_socket.is_open())
    co_return fail(ErrorKind::unavailable, "cancelled", "", "the bytestream was cancelled");
  auto executor = co_await asio::this_coro::executor;
  net::Watchdog dog(executor, m_options.io_timeout, [this] {
    error_code ignored;
    m_socket.cancel(ignored);
  });
  error_code ec;
  const std::size_t n =
      co_await asio::async_write(m_socket, asio::buffer(bytes.data(), bytes.size()),
                                 asio::redirect_error(asio::use_awaitable, ec));
  m_written += n;
  const bool expired = dog.expired();
  dog.disarm();
  if (ec || expired) co_return io_failure(ec, expired, m_cancelled, m_options.io_timeout, "write");
  co_return Result<void>{};
}

awaitable<Result<std::size_t>> SocketBytestream::read(std::span<char> buffer) {
  if (m_eof) co_return std::size_t{0};
  if (m_cancelled || !m_socket.is_open())
    co_return fail(ErrorKind::unavailable, "cancelled", "", "the bytestream was cancelled");
  if (buffer.empty()) co_return fail(ErrorKind::software, "empty_buffer", "", "read into nothing");
  auto executor = co_await asio::this_coro::executor;
  net::Watchdog dog(executor, m_options.io_timeout, [this] {
    error_code ignored;
    m_socket.cancel(ignored);
  });
  error_code ec;
  const std::size_t n = co_await m_socket.async_read_some(
      asio::buffer(buffer.data(), buffer.size()), asio::redirect_error(asio::use_awaitable, ec));
  const bool expired = dog.expired();
  dog.disarm();
  if (ec == asio::error::eof && !expired && !m_cancelled) {
    m_eof = true;
    co_return std::size_t{0};
  }
  if (ec || expired) {
    auto failure = io_failure(ec, expired, m_cancelled, m_options.io_timeout, "read");
    co_return fail(failure.error());
  }
  co_return n;
}

awaitable<Result<void>> SocketBytestream::close() {
  if (m_cancelled || !m_socket.is_open())
    co_return fail(ErrorKind::unavailable, "cancelled", "", "the bytestream was cancelled");
  error_code ec;
  m_socket.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  if (ec) {
    auto failure = io_failure(ec, false, false, m_options.close_timeout, "close");
    cancel();
    co_return failure;
  }
  // Waiting for the peer's EOF (it read everything and closed) before closing: closing with
  // unread incoming bytes would send a reset that can destroy what we wrote in flight.
  auto executor = co_await asio::this_coro::executor;
  net::Watchdog dog(executor, m_options.close_timeout, [this] {
    error_code ignored;
    m_socket.cancel(ignored);
  });
  std::array<char, 4096> discard{};
  while (!m_eof) {
    co_await m_socket.async_read_some(asio::buffer(discard),
                                      asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::eof && !dog.expired()) m_eof = true;
    if (ec) break;
  }
  const bool expired = dog.expired();
  dog.disarm();
  const bool clean = m_eof;
  cancel();
  if (!clean) co_return io_failure(ec, expired, false, m_options.close_timeout, "close");
  co_return Result<void>{};
}

void SocketBytestream::cancel() {
  m_cancelled = true;
  error_code ignored;
  m_socket.close(ignored);
}

}  // namespace xmpp::s5b
