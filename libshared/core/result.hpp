// Result<T>: a value or an Error (tl::expected), for everything a peer, the network or the user
// can cause (STYLE.md "Errors and output"). Exceptions are only for bugs.
#pragma once

#include <tl/expected.hpp>

#include "core/error.hpp"

namespace xmpp {

template <class T>
using Result = tl::expected<T, Error>;

/// `return fail(ErrorKind::usage, "bad_jid", "", "...");` in a function returning Result<T>.
inline tl::unexpected<Error> fail(ErrorKind kind, std::string code, std::string condition,
                                  std::string message) {
  return tl::unexpected<Error>(make_error(kind, std::move(code), std::move(condition), std::move(message)));
}
inline tl::unexpected<Error> fail(Error e) { return tl::unexpected<Error>(std::move(e)); }

}  // namespace xmpp
