// The one Asio include (STYLE.md "Async"). Debian 12 ships Boost 1.74: <utility> must come first,
// and under clang the coroutine macros are defined by cmake/flags.cmake. 1.74 lacks `||` awaitable
// operators, as_tuple and channels: deadlines are a watchdog timer per I/O.
#pragma once

#include <utility>

// g++ 12 at -O2 reports -Wnull-dereference inside Asio's scheduler: not our code, so silenced
// for these headers only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#pragma GCC diagnostic pop

namespace xmpp {
namespace asio = boost::asio;
using asio::awaitable;
}  // namespace xmpp
