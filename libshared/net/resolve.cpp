#include "net/resolve.hpp"

#include <map>

#include "net/dns.hpp"

namespace xmpp::net {
namespace {

constexpr unsigned short k_starttls_port = 5222;    // RFC 6120 §3.2.2 / §14.7
constexpr unsigned short k_direct_tls_port = 5223;  // the customary XEP-0368 direct TLS port

std::optional<asio::ip::address> ip_literal(const std::string& host) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return std::nullopt;
  return address;
}

Error no_service(const std::string& domain) {
  return make_error(ErrorKind::no_host, "no_host", "",
                    domain + ": no XMPP service (no SRV or address records)");
}

}  // namespace

awaitable<Result<std::vector<ResolvedEndpoint>>> resolve_addresses(ConnectOptions options,
                                                                   RandomSource random) {
  auto executor = co_await asio::this_coro::executor;
  if (!random) random = default_random();
  const bool direct = options.tls == TlsMode::direct;
  std::string domain = options.domain;
  if (!domain.empty() && domain.back() == '.') domain.pop_back();
  if (domain.empty() && !options.host)
    co_return fail(ErrorKind::usage, "no_domain", "", "no domain to connect to");

  // --host/--port, or a domain that is an IP literal (RFC 7622 §3.2): no SRV.
  if (options.host || options.port || ip_literal(domain)) {
    ResolvedEndpoint target;
    target.endpoint =
        Endpoint{options.host.value_or(domain),
                 options.port.value_or(direct ? k_direct_tls_port : k_starttls_port), direct};
    if (auto address = ip_literal(target.endpoint.host)) {
      target.addresses.push_back(*address);
      co_return std::vector<ResolvedEndpoint>{std::move(target)};
    }
    auto dns = DnsClient::create(executor, options.dns_server, options.dns_timeout);
    if (!dns) co_return fail(dns.error());
    AddressAnswer answer;
    (*dns)->query_addresses(target.endpoint.host, answer);
    co_await (*dns)->wait();
    if (answer.status == DnsStatus::failed)
      co_return fail(ErrorKind::temporary, "dns_timeout", "",
                     target.endpoint.host + ": address lookup failed (" + answer.detail + ")");
    if (answer.addresses.empty())
      co_return fail(ErrorKind::no_host, "no_host", "",
                     target.endpoint.host + ": no address records");
    target.addresses = std::move(answer.addresses);
    co_return std::vector<ResolvedEndpoint>{std::move(target)};
  }

  auto dns = DnsClient::create(executor, options.dns_server, options.dns_timeout);
  if (!dns) co_return fail(dns.error());
  SrvAnswer xmpps, xmpp;
  (*dns)->query_srv("_xmpps-client._tcp." + domain, xmpps);
  (*dns)->query_srv("_xmpp-client._tcp." + domain, xmpp);
  co_await (*dns)->wait();
  SrvPlan plan = plan_srv(xmpps, xmpp, options.tls);

  if (plan.outcome == SrvPlan::Outcome::no_service)
    co_return fail(ErrorKind::no_host, "no_host", "",
                   domain + ": XMPP service not offered (" + plan.detail + ")");

  if (plan.outcome == SrvPlan::Outcome::records) {
    std::vector<SrvRecord> ordered = order_srv(std::move(plan.records), random);
    std::map<std::string, AddressAnswer> answers;  // each target asked once
    for (const auto& record : ordered)
      answers.try_emplace(record.target);
    for (auto& [target, answer] : answers) {
      if (auto address = ip_literal(target)) {
        answer.status = DnsStatus::ok;
        answer.addresses = {*address};
      } else {
        (*dns)->query_addresses(target, answer);
      }
    }
    co_await (*dns)->wait();
    std::vector<ResolvedEndpoint> out;
    for (const auto& record : ordered) {
      std::string host = record.target;
      if (!host.empty() && host.back() == '.') host.pop_back();
      const AddressAnswer& answer = answers[record.target];
      ResolvedEndpoint target{Endpoint{host, record.port, record.direct_tls}, answer.addresses, {}};
      if (target.addresses.empty())
        target.problem = answer.status == DnsStatus::failed
                             ? "address lookup failed (" + answer.detail + ")"
                             : "no address records";
      out.push_back(std::move(target));
    }
    co_return out;
  }

  // RFC 6120 §3.2.2 fallback: the domain itself.
  ResolvedEndpoint target{
      Endpoint{domain, direct ? k_direct_tls_port : k_starttls_port, direct}, {}, {}};
  AddressAnswer answer;
  (*dns)->query_addresses(domain, answer);
  co_await (*dns)->wait();
  if (!answer.addresses.empty()) {
    target.addresses = std::move(answer.addresses);
    co_return std::vector<ResolvedEndpoint>{std::move(target)};
  }
  if (answer.status == DnsStatus::failed)
    co_return fail(ErrorKind::temporary, "dns_timeout", "",
                   domain + ": DNS lookup failed (" +
                       (plan.dns_failed ? plan.detail + "; " : std::string()) +
                       "address lookup: " + answer.detail + ")");
  // NXDOMAIN for the domain settles it even if the SRV lookups failed: nothing exists below a
  // name that does not exist (RFC 8020).
  if (plan.dns_failed && answer.status != DnsStatus::nxdomain)
    co_return fail(ErrorKind::temporary, "dns_timeout", "",
                   domain + ": DNS lookup failed (" + plan.detail + ") and no address records");
  co_return fail(no_service(domain));
}

awaitable<Result<std::vector<Endpoint>>> resolve_endpoints(ConnectOptions options) {
  auto resolved = co_await resolve_addresses(std::move(options));
  if (!resolved) co_return fail(resolved.error());
  std::vector<Endpoint> out;
  for (auto& target : *resolved)
    out.push_back(std::move(target.endpoint));
  co_return out;
}

}  // namespace xmpp::net
