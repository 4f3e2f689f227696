// SOCKS5 Bytestreams (XEP-0065 version 1.8.2, XEP-0260 version 1.0.3) over the network: dialling
// one streamhost or candidate (TCP, then the client handshake of socks5.hpp, §5.3.2), our own
// streamhost for direct candidates (a Listener that accepts exactly one matching connection per
// bytestream, SECURITY.md row 46), and the proxy over a session: finding it (§4 disco), asking its
// network address (§4) and activating a bytestream (§6.3.5). Every step runs under a deadline.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "net/asio.hpp"
#include "stream/session.hpp"
#include "xep/s5b/s5b.hpp"

namespace xmpp::s5b {

struct DialOptions {
  /// Loopback, link-local and private addresses may be dialled (SECURITY.md row 45:
  /// `--allow-local-candidates`; also right for the proxy our own server named, which we trust).
  bool allow_local = false;
  /// The whole dial: name resolution, TCP connect, SOCKS5 handshake.
  std::chrono::milliseconds timeout{10000};
  /// DNS server "IP[:PORT]" instead of /etc/resolv.conf's (env XMPP_DNS_SERVER; tests).
  std::optional<std::string> dns_server;
};

/// Connects to the streamhost `host`:`port` (an IP address or a DNS name; every address of a name
/// is tried in order) and runs the SOCKS5 client handshake with `dst_addr` (s5b::dst_addr). The
/// returned socket carries the bytestream: nothing after the handshake has been read from it.
/// Errors, each with "streamhost HOST:PORT" in front:
/// - kind unavailable, code "candidate_refused": the host (or every address it resolves to) is
///   loopback, link-local or private without `allow_local`, or unusable (address_scope);
/// - kind unavailable "no_address" (the name does not resolve), "connect_failed",
///   "connect_timeout" (as net::connect_tcp);
/// - kind protocol "socks5_failed": the handshake (ClientHandshake; SECURITY.md rows 43, 44) or
///   the streamhost closing the connection during it;
/// - kind temporary "timeout": the deadline passed during the handshake.
awaitable<Result<asio::ip::tcp::socket>> connect(std::string host, unsigned short port,
                                                 std::string dst_addr, DialOptions options);

/// The client handshake on a connected socket, within `timeout` (what connect() runs).
awaitable<Result<void>> client_handshake(asio::ip::tcp::socket& socket, std::string dst_addr,
                                         std::chrono::milliseconds timeout);
/// The server handshake on an accepted socket, within `timeout` (what Listener runs). Errors:
/// kind protocol "socks5_refused" (ServerHandshake; the failure reply was sent), "socks5_failed"
/// (the client closed the connection), kind temporary "timeout".
awaitable<Result<void>> server_handshake(asio::ip::tcp::socket& socket, std::string dst_addr,
                                         std::chrono::milliseconds timeout);

struct ListenerOptions {
  /// Each connection's handshake must complete within this (a silent connection cannot hold
  /// the listener).
  std::chrono::milliseconds handshake_timeout{10000};
  /// Connections in their handshake at once; more are closed at once.
  std::size_t max_pending = 8;
};

/// Our streamhost for the direct candidates of one bytestream (XEP-0065 §5, XEP-0260 §2.1): listens
/// on an ephemeral port of each given address, from construction on (the peer may connect before
/// accept() is called), runs the server handshake on every connection concurrently, and keeps the
/// first that presents `dst_addr`. Connections with another hash, port or method are answered with
/// a failure and closed; once one matched, the listening sockets are closed and every other
/// connection, pending or later, is closed (SECURITY.md row 46). Move-only; destroying it closes
/// everything it still holds. Runs on the executor it was opened with (one thread).
class Listener {
 public:
  /// Errors: kind unavailable, code "listen_failed", naming the address that could not be bound;
  /// kind usage "no_address" for an empty list.
  static Result<Listener> open(asio::any_io_executor executor,
                               std::vector<asio::ip::address> addresses, std::string dst_addr,
                               ListenerOptions options = {});

  Listener(Listener&&) noexcept = default;
  Listener& operator=(Listener&&) noexcept;
  ~Listener();

  /// Where it listens, one per address (the host and port of our direct candidates).
  std::vector<asio::ip::tcp::endpoint> endpoints() const;
  /// The matching connection, at once if it already arrived, else the first within `timeout`.
  /// Call it at most once at a time. Errors: kind temporary "timeout" ("no connection presented
  /// the bytestream's hash within N ms; K refused: <last reason>"); kind software "closed" after
  /// close() or once the connection was taken.
  awaitable<Result<asio::ip::tcp::socket>> accept(std::chrono::milliseconds timeout);
  /// Stops listening and closes every connection it holds; a waiting accept() ends.
  void close();
  /// Connections closed so far without being the one (wrong hash, second connection, ...).
  std::size_t refused() const;

  /// The shared state of the listening and handshaking coroutines (s5b_ops.cpp).
  struct State;

 private:
  explicit Listener(std::shared_ptr<State> state);
  std::shared_ptr<State> m_state;
};

/// The bytestreams proxy of `domain` (§4): `domain` itself when its disco#info has the identity
/// proxy/bytestreams, else the first of its disco#items whose disco#info has it (items that do not
/// answer are skipped). Errors: the domain's own disco#info failing; kind remote, code
/// "no_proxy", when there is none.
awaitable<Result<Jid>> find_proxy(stream::Session& session, Jid domain,
                                  std::chrono::milliseconds timeout);

/// The proxy's streamhosts (§4, examples 7-8), in its order. Errors: a stanza error reworded for a
/// person, "SOCKS5 proxy X: you may not use this proxy (forbidden)", "... cannot act as a
/// streamhost (not-allowed)" (examples 9, 10), kind remote "stanza_error"; kind protocol
/// "bad_reply"; kind temporary "timeout".
awaitable<Result<std::vector<StreamHost>>> proxy_address(stream::Session& session, Jid proxy,
                                                         std::chrono::milliseconds timeout);

/// Asks the proxy to activate bytestream `sid` towards `target` (§6.3.5, example 23) once both
/// sides are connected to it. Errors as proxy_address, with the §6.3.5 conditions reworded:
/// item-not-found, not-allowed (only one party is connected), not-authorized (the hashes differ),
/// internal-server-error.
awaitable<Result<void>> activate(stream::Session& session, Jid proxy, std::string sid, Jid target,
                                 std::chrono::milliseconds timeout);

}  // namespace xmpp::s5b
