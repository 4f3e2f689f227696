// The unauthenticated probe: DNS as net::resolve_addresses plans it (plus the raw SRV answers),
// then for every endpoint one TCP connection, TLS and the stream features, timed on the
// monotonic clock. The STARTTLS steps go through the session's Negotiator, so the probe accepts
// and refuses exactly what a login would.
#include "stream/probe.hpp"

#include <exception>
#include <stdexcept>

#include "net/dns.hpp"
#include "net/resolve.hpp"
#include "net/watchdog.hpp"
#include "stanza/namespaces.hpp"
#include "stanza/stream_error.hpp"
#include "stream/namespaces.hpp"
#include "stream/negotiator.hpp"
#include "stream/session.hpp"
#include "stream/signal.hpp"
#include "stream/trace.hpp"
#include "tls/context.hpp"
#include "tls/transport.hpp"
#include "xml/stream_parser.hpp"
#include "xml/writer.hpp"
#include "xml/whitespace.hpp"

namespace xmpp::stream {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Feature namespaces only the probe reads (the session's own are in stream/namespaces.hpp).
constexpr std::string_view k_ns_fast = "urn:xmpp:fast:0";   // XEP-0484 §3.1
constexpr std::string_view k_ns_register = "http://jabber.org/features/iq-register";  // XEP-0077 §8


double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::vector<std::string> mechanism_names(const xml::Element& parent, std::string_view ns) {
  std::vector<std::string> out;
  for (const xml::Element* m : parent.children("mechanism", ns))
    out.push_back(std::string(xml::trim_space(m->text())));
  return out;
}

Error timeout_error(const std::string& waiting, milliseconds timeout) {
  return make_error(ErrorKind::temporary, "timeout", "",
                    "timed out waiting for " + waiting + " (" + std::to_string(timeout.count()) +
                        " ms)");
}

// One endpoint's stream, over a transport that is connected (and TLS for direct TLS).
class StreamProbe {
 public:
  StreamProbe(net::Transport& transport, ProbeOptions options, EndpointReport& report)
      : m_transport(transport), m_options(std::move(options)), m_report(report),
        m_buffer(k_read_chunk) {}

  awaitable<Result<void>> run() {
    auto jid = Jid::parse(m_options.domain);
    if (!jid) co_return fail(jid.error());
    m_jid = std::move(*jid);
    NegotiatorOptions negotiator_options;
    negotiator_options.jid = m_jid;
    negotiator_options.anonymous = true;
    m_negotiator.emplace(std::move(negotiator_options));

    if (m_transport.tls().active) {
      m_negotiator->set_tls(m_transport.tls());
    } else if (auto tls = co_await starttls(); !tls) {
      co_return fail(tls.error());
    }
    m_report.tls = m_transport.tls();

    const auto start = Clock::now();
    if (auto opened = co_await open_stream(); !opened) co_return fail(opened.error());
    auto features = co_await read_features_element();
    if (!features) co_return fail(features.error());
    m_report.features_ms = ms_since(start);
    // The STARTTLS facts are those of the features before TLS; the rest is what a client would
    // log in with.
    const bool offered = m_report.features.starttls_offered;
    const bool required = m_report.features.starttls_required;
    m_report.features = read_features(*features);
    m_report.features.starttls_offered = offered;
    m_report.features.starttls_required = required;
    co_return Result<void>{};
  }

  /// Ends the stream as politely as `outcome` allows, then shuts the transport down.
  awaitable<void> finish(Result<void> outcome) {
    if (m_stream_open && m_writable && !outcome && m_local_violation) {
      // RFC 6120 §4.9.1.2: the server broke the protocol; say which way before closing.
      // Built apart from the co_await: GCC 12 mishandles temporaries inside co_await expressions.
      std::string condition = outcome.error().condition;
      if (condition.empty()) condition = "undefined-condition";
      xml::Element error = stanza::make_stream_error(std::move(condition));
      (void)co_await send(std::move(error));
    }
    if (m_stream_open && m_writable) {
      auto closed = co_await send_raw(std::string(xml::stream_close()));
      if (closed) co_await drain();
    }
    co_await m_transport.shutdown();
  }

 private:
  // RFC 6120 §5.4.2: features, <starttls/>, <proceed/>, the handshake.
  awaitable<Result<void>> starttls() {
    if (auto opened = co_await open_stream(); !opened) co_return fail(opened.error());
    Clock::time_point start{};
    for (;;) {
      auto element = co_await read_element(std::string(m_negotiator->waiting_for()));
      if (!element) co_return fail(element.error());
      if (element->is("features", stanza::k_ns_streams)) {
        const xml::Element* offer = element->child("starttls", k_ns_tls);
        m_report.features.starttls_offered = offer != nullptr;
        m_report.features.starttls_required =
            offer != nullptr && offer->child("required", k_ns_tls) != nullptr;
      }
      auto action = m_negotiator->on_element(*element);
      if (!action) co_return fail(negotiation_error(action.error()));
      for (const xml::Element& out : action->send) {
        start = Clock::now();
        if (auto sent = co_await send(out); !sent) co_return fail(sent.error());
      }
      if (action->next == Action::Next::start_tls) break;
    }
    // SECURITY.md row 23: bytes after <proceed/> came in the clear; never read them as if TLS
    // protected them.
    if (m_parser.buffered() != 0) {
      m_writable = false;
      co_return fail(ErrorKind::protocol, "starttls_injection", "",
                     "server sent data after <proceed/> (possible injection); aborted before TLS");
    }
    // Whatever happens now, the plaintext stream is over.
    m_writable = false;
    auto executor = co_await asio::this_coro::executor;
    net::Watchdog dog(executor, m_options.step_timeout, [t = &m_transport] { t->cancel(); });
    auto handshake = co_await m_transport.start_tls();
    if (dog.expired()) co_return fail(timeout_error("the TLS handshake", m_options.step_timeout));
    dog.disarm();
    if (!handshake) co_return fail(handshake.error());
    m_report.tls_ms = ms_since(start);
    m_writable = true;
    m_negotiator->set_tls(m_transport.tls());
    co_return Result<void>{};
  }

  awaitable<Result<xml::Element>> read_features_element() {
    for (;;) {
      auto element = co_await read_element(std::string(m_negotiator->waiting_for()));
      if (!element) co_return fail(element.error());
      if (element->is("features", stanza::k_ns_streams)) co_return std::move(*element);
      // Anything else: the negotiator decides, as during a login (an XEP-0198 nonza is ignored,
      // everything else is a violation).
      auto action = m_negotiator->on_element(*element);
      if (!action) co_return fail(negotiation_error(action.error()));
    }
  }

  // A negotiator error: its "stream_error" ones are violations we answer with that condition.
  Error negotiation_error(Error e) {
    m_local_violation = e.kind == ErrorKind::protocol && e.code == "stream_error";
    return e;
  }

  // RFC 6120 §4.3.3: a (re)started stream: a fresh parser, our header, the server's header.
  awaitable<Result<void>> open_stream() {
    m_parser.reset();
    m_parser.set_limits(xml::Limits::pre_auth());
    if (auto sent = co_await send_raw(stream_header(m_jid, m_transport.tls().active, true)); !sent)
      co_return fail(sent.error());
    m_stream_open = true;
    auto event = co_await read_event("the stream header");
    if (!event) co_return fail(event.error());
    if (event->kind != xml::StreamEvent::Kind::header) {
      m_local_violation = true;
      co_return fail(ErrorKind::protocol, "stream_error", "not-well-formed",
                     "server did not open its stream");
    }
    trace("in", trace_text(event->header));
    if (auto ok = m_negotiator->on_header(event->header); !ok)
      co_return fail(negotiation_error(ok.error()));
    co_return Result<void>{};
  }

  // The next top-level element; a received stream error or the end of the stream is an error.
  awaitable<Result<xml::Element>> read_element(std::string waiting) {
    auto event = co_await read_event(waiting);
    if (!event) co_return fail(event.error());
    if (event->kind == xml::StreamEvent::Kind::end) {
      trace("in", "</stream:stream>");
      m_stream_open = false;  // the server ended it: nothing more to say
      co_return fail(ErrorKind::temporary, "connection_lost", "",
                     "the server closed the stream while we waited for " + waiting);
    }
    if (event->kind == xml::StreamEvent::Kind::header) {
      m_local_violation = true;
      co_return fail(ErrorKind::protocol, "stream_error", "not-well-formed",
                     "server sent a second stream header");
    }
    trace("in", trace_text(*event->element));
    if (stanza::is_stream_error(*event->element)) {
      // RFC 6120 §4.9.1.1: the server's stream is over; we still close ours.
      co_return fail(stanza::to_error(stanza::parse_stream_error(*event->element)));
    }
    co_return std::move(*event->element);
  }

  // Parser errors keep their stream_error code and condition (we answer them); I/O errors are
  // the transport's; the whole step is bounded by step_timeout.
  awaitable<Result<xml::StreamEvent>> read_event(std::string waiting) {
    auto executor = co_await asio::this_coro::executor;
    net::Watchdog dog(executor, m_options.step_timeout, [t = &m_transport] { t->cancel(); });
    for (;;) {
      auto event = m_parser.next();
      if (!event) {
        m_local_violation = true;
        co_return fail(event.error());
      }
      if (*event) co_return std::move(**event);
      auto n = co_await m_transport.read_some(m_buffer.data(), m_buffer.size());
      if (dog.expired()) {
        // As the session: after a timed-out read the stream is not written to again.
        m_writable = false;
        co_return fail(timeout_error(waiting, m_options.step_timeout));
      }
      if (!n) {
        m_writable = false;
        co_return fail(n.error());
      }
      if (*n == 0) {
        m_writable = false;
        co_return fail(ErrorKind::temporary, "connection_lost", "",
                       m_transport.peer() + " closed the connection while we waited for " +
                           waiting);
      }
      if (auto fed = m_parser.feed(std::string_view(m_buffer.data(), *n)); !fed) {
        m_local_violation = true;
        co_return fail(fed.error());
      }
    }
  }

  // After our </stream:stream>: the server's, or EOF, or k_close_wait. Nothing read is used.
  awaitable<void> drain() {
    auto executor = co_await asio::this_coro::executor;
    net::Watchdog dog(executor, k_close_wait, [t = &m_transport] { t->cancel(); });
    bool parsing = true;
    for (;;) {
      while (parsing) {
        auto event = m_parser.next();
        if (!event) {
          parsing = false;  // a dead parser: wait for EOF instead
        } else if (!*event) {
          break;
        } else if ((*event)->kind == xml::StreamEvent::Kind::end) {
          trace("in", "</stream:stream>");
          co_return;
        }
      }
      auto n = co_await m_transport.read_some(m_buffer.data(), m_buffer.size());
      if (!n || *n == 0 || dog.expired()) co_return;
      if (parsing && !m_parser.feed(std::string_view(m_buffer.data(), *n))) parsing = false;
    }
  }

  awaitable<Result<void>> send(xml::Element element) {
    std::string text;
    try {
      text = xml::to_string(element, stanza::k_ns_client);
    } catch (const std::invalid_argument& e) {
      co_return fail(ErrorKind::software, "bad_xml_text", "",
                     std::string("cannot send: ") + e.what());
    }
    trace("out", trace_text(element));
    co_return co_await write(std::move(text));
  }

  awaitable<Result<void>> send_raw(std::string text) {
    trace("out", text);
    co_return co_await write(std::move(text));
  }

  awaitable<Result<void>> write(std::string text) {
    auto executor = co_await asio::this_coro::executor;
    net::Watchdog dog(executor, m_options.step_timeout, [t = &m_transport] { t->cancel(); });
    auto written = co_await m_transport.write(std::move(text));
    if (dog.expired()) {
      m_writable = false;
      co_return fail(timeout_error("a write to " + m_transport.peer(), m_options.step_timeout));
    }
    if (!written) {
      m_writable = false;
      co_return fail(written.error());
    }
    co_return Result<void>{};
  }

  void trace(std::string_view direction, std::string_view text) const {
    if (m_options.trace) m_options.trace(direction, text);
  }

  net::Transport& m_transport;
  ProbeOptions m_options;
  EndpointReport& m_report;
  Jid m_jid;
  std::optional<Negotiator> m_negotiator;
  xml::StreamParser m_parser;
  std::vector<char> m_buffer;
  bool m_stream_open = false;      // we sent a stream header the server has not closed
  bool m_writable = true;          // the transport may still carry our </stream:stream>
  bool m_local_violation = false;  // the failure is the server breaking the protocol
};

net::ConnectOptions connect_options(const ProbeOptions& o) {
  net::ConnectOptions c;
  c.domain = o.domain;
  c.host = o.host;
  c.port = o.port;
  c.tls = o.tls;
  c.policy.reference_domain = o.domain;
  c.policy.ca_file = o.ca_file;
  c.policy.pins = o.pins;
  c.policy.insecure = o.insecure;
  // A probe logs nothing in: a bad certificate is a finding to report, not a reason to stop.
  c.policy.report_only = true;
  c.attempt_timeout = o.attempt_timeout;
  c.dns_server = o.dns_server;
  c.dns_timeout = o.dns_timeout;
  return c;
}

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// The SRV questions on their own, for the report (resolve_addresses asks them again for the
// plan, at the same time).
awaitable<Result<void>> ask_srv(const net::ConnectOptions& c, DnsReport& dns) {
  auto client =
      net::DnsClient::create(co_await asio::this_coro::executor, c.dns_server, c.dns_timeout);
  if (!client) co_return fail(client.error());
  std::string domain = c.domain;
  if (!domain.empty() && domain.back() == '.') domain.pop_back();
  const auto start = Clock::now();
  (*client)->query_srv("_xmpps-client._tcp." + domain, dns.xmpps);
  (*client)->query_srv("_xmpp-client._tcp." + domain, dns.xmpp);
  co_await (*client)->wait();
  dns.ms = ms_since(start);
  const net::SrvPlan plan = net::plan_srv(dns.xmpps, dns.xmpp, c.tls);
  dns.fallback = plan.outcome == net::SrvPlan::Outcome::fallback;
  dns.no_service = plan.outcome == net::SrvPlan::Outcome::no_service;
  co_return Result<void>{};
}

// One endpoint: its addresses in order until one accepts TCP, then TLS and the stream on it.
awaitable<EndpointReport> probe_endpoint(net::ResolvedEndpoint target, ProbeOptions options,
                                         net::TlsPolicy policy,
                                         std::shared_ptr<tls::ClientContext> context) {
  EndpointReport report;
  report.endpoint = target.endpoint;
  for (const auto& address : target.addresses)
    report.addresses.push_back(address.to_string());
  const std::string name = target.endpoint.host + ":" + std::to_string(target.endpoint.port) +
                           (target.endpoint.direct_tls ? " (direct TLS)" : "");
  if (target.addresses.empty()) {
    report.error =
        make_error(ErrorKind::unavailable, "connect_failed", "",
                   name + ": " + (target.problem.empty() ? "no addresses" : target.problem));
    co_return report;
  }

  std::optional<asio::ip::tcp::socket> socket;
  Clock::time_point connected_at;
  std::string tried;
  std::optional<Error> last;
  for (const auto& address : target.addresses) {
    const std::string where = net::address_text(address, target.endpoint.port);
    const auto start = Clock::now();
    auto attempt =
        co_await net::connect_tcp(address, target.endpoint.port, options.attempt_timeout);
    if (attempt) {
      report.connect_ms = ms_since(start);
      report.address = where;
      connected_at = start;
      socket.emplace(std::move(*attempt));
      break;
    }
    tried += (tried.empty() ? "" : "; ") + where + ": " + attempt.error().message;
    last = attempt.error();
  }
  if (!socket) {
    report.error = target.addresses.size() == 1
                       ? last->with_context(name)
                       : make_error(ErrorKind::unavailable, "connect_failed", "",
                                    name + ": could not connect: " + tried);
    co_return report;
  }

  tls::StreamTransport transport(std::move(*socket), std::move(context), std::move(policy));
  if (target.endpoint.direct_tls) {
    // XEP-0368: TLS from the first byte, within what is left of the attempt's time (as connect()).
    auto executor = co_await asio::this_coro::executor;
    const auto start = Clock::now();
    net::Watchdog dog(executor, options.attempt_timeout - (start - connected_at),
                      [&transport] { transport.cancel(); });
    auto handshake = co_await transport.handshake_direct();
    if (dog.expired()) {
      report.error = make_error(ErrorKind::no_perm, "tls_failed", "",
                                "TLS handshake with " + report.address + " timed out after " +
                                    std::to_string(options.attempt_timeout.count()) + " ms");
    } else if (!handshake) {
      report.error = handshake.error();
    }
    dog.disarm();
    if (report.error) {
      co_await transport.shutdown();
      co_return report;
    }
    report.tls_ms = ms_since(start);
    report.tls = transport.tls();
  }

  auto probed = co_await probe_stream(transport, std::move(options), report);
  if (!probed) report.error = probed.error();
  if (transport.tls().active) report.tls = transport.tls();
  co_return report;
}

}  // namespace

FeaturesReport read_features(const xml::Element& features) {
  FeaturesReport r;
  for (const xml::Element* child : features.elements())
    r.all.push_back("{" + child->ns() + "}" + child->name());
  if (const xml::Element* tls = features.child("starttls", k_ns_tls)) {
    r.starttls_offered = true;
    r.starttls_required = tls->child("required", k_ns_tls) != nullptr;
  }
  if (const xml::Element* mechanisms = features.child("mechanisms", k_ns_sasl))
    r.mechanisms = mechanism_names(*mechanisms, k_ns_sasl);
  if (const xml::Element* cb = features.child("sasl-channel-binding", k_ns_sasl_cb))
    for (const xml::Element* type : cb->children("channel-binding", k_ns_sasl_cb))
      if (auto name = type->attr("type")) r.channel_binding_types.push_back(*name);
  if (const xml::Element* sasl2 = features.child("authentication", k_ns_sasl2)) {
    r.sasl2 = true;
    r.sasl2_mechanisms = mechanism_names(*sasl2, k_ns_sasl2);
    if (const xml::Element* inlined = sasl2->child("inline", k_ns_sasl2)) {
      r.bind2 = inlined->child("bind", k_ns_bind2) != nullptr;
      if (const xml::Element* fast = inlined->child("fast", k_ns_fast)) {
        r.fast = true;
        r.fast_mechanisms = mechanism_names(*fast, k_ns_fast);
      }
    }
  }
  r.stream_management = features.child("sm", k_ns_sm) != nullptr;
  r.register_offered = features.child("register", k_ns_register) != nullptr;
  return r;
}

awaitable<Result<void>> probe_stream(net::Transport& transport, ProbeOptions options,
                                     EndpointReport& report) {
  StreamProbe probe(transport, std::move(options), report);
  auto outcome = co_await probe.run();
  co_await probe.finish(outcome);
  co_return outcome;
}

awaitable<Result<ProbeReport>> probe_server(ProbeOptions options) {
  auto executor = co_await asio::this_coro::executor;
  const net::ConnectOptions connect = connect_options(options);
  auto context = tls::make_client_context(connect.policy);
  if (!context) co_return fail(context.error());
  if (auto jid = Jid::parse(options.domain); !jid) co_return fail(jid.error());

  ProbeReport report;
  // The plan is resolve_addresses' own (the same rules as a login); the SRV answers are asked
  // alongside it for the report, so a slow DNS costs one timeout, not two.
  std::optional<Result<std::vector<net::ResolvedEndpoint>>> plan;
  std::exception_ptr plan_exception;
  Signal plan_done;
  asio::co_spawn(executor, net::resolve_addresses(connect),
                 [&](std::exception_ptr e, Result<std::vector<net::ResolvedEndpoint>> r) {
                   plan_exception = e;
                   plan = std::move(r);
                   plan_done.notify_all();
                 });
  std::optional<Error> srv_error;
  report.dns.asked = !options.host && !options.port && !is_ip_literal(options.domain);
  if (report.dns.asked)
    if (auto asked = co_await ask_srv(connect, report.dns); !asked) srv_error = asked.error();
  while (!plan)
    co_await plan_done.wait();
  if (plan_exception) std::rethrow_exception(plan_exception);
  if (!*plan) co_return fail(plan->error());
  if (srv_error) co_return fail(*srv_error);

  for (auto& target : **plan)
    report.endpoints.push_back(
        co_await probe_endpoint(std::move(target), options, connect.policy, *context));
  co_return report;
}

}  // namespace xmpp::stream
