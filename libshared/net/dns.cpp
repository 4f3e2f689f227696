#include "net/dns.hpp"

#include <ares.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "net/watchdog.hpp"

namespace xmpp::net {
namespace {

using boost::system::error_code;

constexpr int k_type_srv = 33;  // RFC 2782
constexpr int k_class_in = 1;
constexpr int k_tries = 3;

struct AresLibrary {
  AresLibrary() : status(ares_library_init(ARES_LIB_INIT_ALL)) {}
  ~AresLibrary() {
    if (status == ARES_SUCCESS) ares_library_cleanup();
  }
  int status;
};

int ares_library() {
  static const AresLibrary library;
  return library.status;
}

// The answer classes of DnsStatus; everything that is not an answer about the name is `failed`.
DnsStatus classify(int status) {
  switch (status) {
  case ARES_SUCCESS:
    return DnsStatus::ok;
  case ARES_ENOTFOUND:
    return DnsStatus::nxdomain;
  case ARES_ENODATA:
    return DnsStatus::no_data;
  default:
    return DnsStatus::failed;
  }
}

std::string describe_status(int status) {
  switch (status) {
  case ARES_ECANCELLED:
  case ARES_ETIMEOUT:
    return "timeout";
  case ARES_ESERVFAIL:
    return "SERVFAIL";
  // c-ares 1.18 retries SERVFAIL/REFUSED on every server and then reports ECONNREFUSED.
  case ARES_ECONNREFUSED:
    return "no usable answer: SERVFAIL, REFUSED or unreachable";
  case ARES_EREFUSED:
    return "REFUSED";
  case ARES_ENOTFOUND:
    return "NXDOMAIN";
  case ARES_ENODATA:
    return "no records";
  default:
    return ares_strerror(status);
  }
}

bool ready_now(int fd, short events) {
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & (events | POLLERR | POLLHUP)) != 0;
}

}  // namespace

struct DnsClient::Impl : std::enable_shared_from_this<DnsClient::Impl> {
  struct Watch {
    explicit Watch(asio::any_io_executor executor) : descriptor(std::move(executor)) {}
    asio::posix::stream_descriptor descriptor;
    std::uint64_t id = 0;
    bool want_read = false;
    bool want_write = false;
    bool reading = false;
    bool writing = false;
  };

  struct SrvQuery {
    Impl* impl;
    SrvAnswer* out;
  };
  struct AddressQuery {
    Impl* impl;
    AddressAnswer* out;
  };

  Impl(asio::any_io_executor ex, std::chrono::milliseconds limit)
      : executor(ex), timeout(limit), retransmit(ex), done(ex) {}

  ~Impl() {
    alive = false;
    if (channel != nullptr)
      ares_destroy(channel);  // closes its sockets: on_socket_state releases them
    for (auto& entry : watches)
      entry.second->descriptor.release();
  }

  static void socket_state(void* data, ares_socket_t fd, int readable, int writable) {
    static_cast<Impl*>(data)->on_socket_state(fd, readable != 0, writable != 0);
  }

  void on_socket_state(ares_socket_t fd, bool readable, bool writable) {
    auto it = watches.find(fd);
    if (!readable && !writable) {
      // c-ares is about to close fd: Asio must forget it, never close it.
      if (it != watches.end()) {
        it->second->descriptor.release();
        watches.erase(it);
      }
      return;
    }
    if (it == watches.end()) {
      auto watch = std::make_unique<Watch>(executor);
      error_code ec;
      watch->descriptor.assign(fd, ec);
      if (ec) return;  // c-ares's own timeouts still end the query
      watch->id = next_id++;
      it = watches.emplace(fd, std::move(watch)).first;
    }
    it->second->want_read = readable;
    it->second->want_write = writable;
    if (alive && waiting) arm(fd, *it->second);
  }

  void arm(ares_socket_t fd, Watch& watch) {
    if (watch.want_read && !watch.reading) start_wait(fd, watch, true);
    if (watch.want_write && !watch.writing) start_wait(fd, watch, false);
  }

  void start_wait(ares_socket_t fd, Watch& watch, bool read) {
    (read ? watch.reading : watch.writing) = true;
    auto handler = [weak = weak_from_this(), fd, id = watch.id, read](const error_code& ec) {
      if (auto self = weak.lock()) self->on_ready(fd, id, read, ec);
    };
    // Asio's epoll reactor is edge-triggered and async_wait is not speculative: data that arrived
    // before this wait (and that c-ares left unread) would raise no new edge. Poll first.
    if (ready_now(fd, read ? POLLIN : POLLOUT))
      asio::post(executor, [handler] { handler(error_code{}); });
    else
      watch.descriptor.async_wait(read ? asio::posix::stream_descriptor::wait_read
                                       : asio::posix::stream_descriptor::wait_write,
                                  handler);
  }

  void on_ready(ares_socket_t fd, std::uint64_t id, bool read, const error_code& ec) {
    if (!alive) return;
    auto it = watches.find(fd);
    if (it == watches.end() || it->second->id != id) return;  // a closed (maybe reused) fd
    Watch& watch = *it->second;
    (read ? watch.reading : watch.writing) = false;
    if (ec) return;
    const bool wanted = read ? watch.want_read : watch.want_write;
    if (wanted) ares_process_fd(channel, read ? fd : ARES_SOCKET_BAD, read ? ARES_SOCKET_BAD : fd);
    after_process();  // `watch` may be gone now
  }

  // Re-arms every socket c-ares still watches and sets the retransmission timer.
  void after_process() {
    if (!alive || !waiting) return;
    for (auto& [fd, watch] : watches)
      arm(fd, *watch);
    timeval max{};
    max.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    max.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    timeval buf{};
    const timeval* next = ares_timeout(channel, &max, &buf);
    if (next == nullptr || pending == 0) {
      retransmit.cancel();
      return;
    }
    retransmit.expires_after(std::chrono::seconds(next->tv_sec) +
                             std::chrono::microseconds(next->tv_usec));
    retransmit.async_wait([weak = weak_from_this()](const error_code& ec) {
      auto self = weak.lock();
      if (ec || !self || !self->alive) return;
      ares_process_fd(self->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
      self->after_process();
    });
  }

  void finished() {
    if (--pending == 0) {
      retransmit.cancel();
      done.cancel();
    }
  }

  static void on_srv(void* arg, int status, int, unsigned char* abuf, int alen) {
    std::unique_ptr<SrvQuery> query(static_cast<SrvQuery*>(arg));
    if (!query->impl->alive) return;  // ares_destroy: nobody waits for this answer
    SrvAnswer& out = *query->out;
    out.status = classify(status);
    out.detail = describe_status(status);
    if (status == ARES_SUCCESS) {
      ares_srv_reply* replies = nullptr;
      const int parsed = ares_parse_srv_reply(abuf, alen, &replies);
      if (parsed == ARES_SUCCESS) {
        for (const ares_srv_reply* r = replies; r != nullptr; r = r->next)
          out.records.push_back(
              SrvRecord{r->priority, r->weight, r->port, r->host ? r->host : "", false});
      } else if (parsed == ARES_ENODATA) {
        out.status = DnsStatus::no_data;
        out.detail = "no SRV records";
      } else {
        out.status = DnsStatus::failed;
        out.detail = std::string("malformed SRV answer: ") + ares_strerror(parsed);
      }
      ares_free_data(replies);
    }
    query->impl->finished();
  }

  static void on_addresses(void* arg, int status, int, ares_addrinfo* result) {
    std::unique_ptr<AddressQuery> query(static_cast<AddressQuery*>(arg));
    std::unique_ptr<ares_addrinfo, decltype(&ares_freeaddrinfo)> info(result, &ares_freeaddrinfo);
    if (!query->impl->alive) return;
    AddressAnswer& out = *query->out;
    out.status = classify(status);
    out.detail = describe_status(status);
    if (status == ARES_SUCCESS && result != nullptr) {
      for (const ares_addrinfo_node* node = result->nodes; node != nullptr; node = node->ai_next) {
        asio::ip::address address;
        if (node->ai_family == AF_INET && node->ai_addr != nullptr) {
          const auto* sin = reinterpret_cast<const sockaddr_in*>(node->ai_addr);
          asio::ip::address_v4::bytes_type bytes;
          std::memcpy(bytes.data(), &sin->sin_addr, bytes.size());
          address = asio::ip::address_v4(bytes);
        } else if (node->ai_family == AF_INET6 && node->ai_addr != nullptr) {
          const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(node->ai_addr);
          asio::ip::address_v6::bytes_type bytes;
          std::memcpy(bytes.data(), &sin6->sin6_addr, bytes.size());
          address = asio::ip::address_v6(bytes, sin6->sin6_scope_id);
        } else {
          continue;
        }
        if (std::find(out.addresses.begin(), out.addresses.end(), address) == out.addresses.end())
          out.addresses.push_back(address);
      }
      if (out.addresses.empty()) {
        out.status = DnsStatus::no_data;
        out.detail = "no address records";
      }
    }
    query->impl->finished();
  }

  asio::any_io_executor executor;
  std::chrono::milliseconds timeout;
  ares_channel channel = nullptr;
  std::map<ares_socket_t, std::unique_ptr<Watch>> watches;
  std::uint64_t next_id = 1;
  asio::steady_timer retransmit;
  asio::steady_timer done;  // wait() sleeps on it; cancelled when the last answer arrives
  int pending = 0;
  bool alive = true;
  bool waiting = false;
};

DnsClient::DnsClient(std::shared_ptr<Impl> impl) : m_impl(std::move(impl)) {}

DnsClient::~DnsClient() = default;

Result<std::unique_ptr<DnsClient>> DnsClient::create(asio::any_io_executor executor,
                                                     std::optional<std::string> server,
                                                     std::chrono::milliseconds timeout) {
  if (const int status = ares_library(); status != ARES_SUCCESS)
    return fail(ErrorKind::software, "dns_init_failed", "",
                std::string("c-ares: ") + ares_strerror(status));
  if (timeout.count() <= 0) timeout = std::chrono::milliseconds(1);
  auto impl = std::make_shared<Impl>(executor, timeout);

  ares_options options{};
  int mask = 0;
  options.sock_state_cb = &Impl::socket_state;
  options.sock_state_cb_data = impl.get();
  mask |= ARES_OPT_SOCK_STATE_CB;
  // c-ares doubles the per-try timeout each round (1x, 2x, 4x with one server); the batch timer in
  // wait() is the real bound.
  options.timeout = static_cast<int>(std::max<std::int64_t>(timeout.count() / 4, 50));
  mask |= ARES_OPT_TIMEOUTMS;
  options.tries = k_tries;
  mask |= ARES_OPT_TRIES;
  // The JID domain is a fully qualified name: no search list (it would leak the name to other
  // zones and turn NXDOMAIN into unrelated answers).
  options.domains = nullptr;
  options.ndomains = 0;
  mask |= ARES_OPT_DOMAINS;
  // /etc/hosts first, then DNS, whatever host.conf says.
  char lookups[] = "fb";
  options.lookups = lookups;
  mask |= ARES_OPT_LOOKUPS;

  if (const int status = ares_init_options(&impl->channel, &options, mask);
      status != ARES_SUCCESS) {
    impl->channel = nullptr;
    return fail(ErrorKind::software, "dns_init_failed", "",
                std::string("c-ares: ") + ares_strerror(status));
  }
  if (server) {
    if (server->empty() || server->find(',') != std::string::npos ||
        ares_set_servers_ports_csv(impl->channel, server->c_str()) != ARES_SUCCESS)
      return fail(ErrorKind::config, "bad_dns_server", "",
                  "DNS server \"" + *server + "\" is not IP or IP:PORT");
  }
  return std::unique_ptr<DnsClient>(new DnsClient(std::move(impl)));
}

void DnsClient::query_srv(const std::string& name, SrvAnswer& out) {
  out = SrvAnswer{};
  ++m_impl->pending;
  // ares_query, not ares_search: the exact name, no search list.
  ares_query(m_impl->channel, name.c_str(), k_class_in, k_type_srv, &Impl::on_srv,
             new Impl::SrvQuery{m_impl.get(), &out});
}

void DnsClient::query_addresses(const std::string& host, AddressAnswer& out) {
  out = AddressAnswer{};
  ++m_impl->pending;
  ares_addrinfo_hints hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  ares_getaddrinfo(m_impl->channel, host.c_str(), nullptr, &hints, &Impl::on_addresses,
                   new Impl::AddressQuery{m_impl.get(), &out});
}

awaitable<void> DnsClient::wait() {
  std::shared_ptr<Impl> impl = m_impl;
  if (impl->pending == 0) co_return;
  impl->waiting = true;
  impl->after_process();
  Impl* raw = impl.get();
  Watchdog deadline(impl->executor, impl->timeout, [raw] {
    // Every unanswered question completes now with ARES_ECANCELLED ("timeout").
    ares_cancel(raw->channel);
  });
  while (impl->pending > 0) {
    impl->done.expires_at(asio::steady_timer::time_point::max());
    error_code ec;
    co_await impl->done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  impl->waiting = false;
  impl->retransmit.cancel();
}

}  // namespace xmpp::net
