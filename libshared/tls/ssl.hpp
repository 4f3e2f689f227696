// The one Asio SSL include of libshared, and the definition of the opaque ClientContext
// (tls/context.hpp). Only tls/*.cpp include this: OpenSSL stays out of every other header.
#pragma once

#include "net/asio.hpp"

#include <boost/asio/ssl.hpp>

#include "tls/context.hpp"

namespace xmpp::tls {

struct ClientContext {
  explicit ClientContext(asio::ssl::context c) : ssl(std::move(c)) {}
  asio::ssl::context ssl;
};

}  // namespace xmpp::tls
