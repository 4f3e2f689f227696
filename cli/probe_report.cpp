#include "probe_report.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>

#include <fmt/format.h>

#include "output.hpp"
#include "xep/disco/features.hpp"
#include "xep/upload/upload.hpp"

namespace xmpp::cli {

namespace {

using Json = nlohmann::ordered_json;

constexpr std::int64_t k_day_s = 86400;

Json non_empty_json(const std::string& v) {
  return v.empty() ? Json(nullptr) : Json(v);
}

Json strings_json(const std::vector<std::string>& values) {
  auto out = Json::array();
  for (const auto& v : values)
    out.push_back(v);
  return out;
}

std::string_view status_name(net::DnsStatus status) {
  switch (status) {
  case net::DnsStatus::ok:
    return "ok";
  case net::DnsStatus::nxdomain:
    return "nxdomain";
  case net::DnsStatus::no_data:
    return "no_data";
  case net::DnsStatus::failed:
    return "failed";
  }
  return "failed";
}

Json srv_json(const net::SrvAnswer& answer) {
  auto out = Json::array();
  for (const auto& r : answer.records)
    out.push_back({{"priority", r.priority},
                   {"weight", r.weight},
                   {"port", r.port},
                   {"target", r.target.empty() ? std::string(".") : r.target}});
  return out;
}

Json certificate_json(const net::CertificateSummary& c, std::int64_t now) {
  return {{"subject", c.subject},
          {"issuer", c.issuer},
          {"dns_names", strings_json(c.dns_names)},
          {"srv_names", strings_json(c.srv_names)},
          {"xmpp_addrs", strings_json(c.xmpp_addrs)},
          {"not_before", format_utc(c.not_before)},
          {"not_after", format_utc(c.not_after)},
          {"days_left", days_left(c.not_after, now)},
          {"spki_sha256", c.spki_sha256},
          {"key", c.key},
          {"signature_algorithm", c.signature_algorithm}};
}

Json tls_json(const net::TlsInfo& tls, std::int64_t now) {
  if (!tls.active) return nullptr;
  auto chain = Json::array();
  for (const auto& c : tls.chain)
    chain.push_back(certificate_json(c, now));
  return {{"version", tls.version},
          {"cipher", tls.cipher},
          {"alpn", non_empty_json(tls.alpn)},
          {"verified", tls.verified},
          {"verify_error", non_empty_json(tls.verify_error)},
          {"chain", std::move(chain)}};
}

bool has_features(const stream::EndpointReport& e) {
  return !e.features.all.empty();
}

Json features_json(const stream::FeaturesReport& f) {
  return {{"starttls_offered", f.starttls_offered},
          {"starttls_required", f.starttls_required},
          {"mechanisms", strings_json(f.mechanisms)},
          {"channel_binding_types", strings_json(f.channel_binding_types)},
          {"sasl2", f.sasl2},
          {"sasl2_mechanisms", strings_json(f.sasl2_mechanisms)},
          {"bind2", f.bind2},
          {"fast", f.fast},
          {"fast_mechanisms", strings_json(f.fast_mechanisms)},
          {"stream_management", f.stream_management},
          {"register", f.register_offered},
          {"all", strings_json(f.all)}};
}

Json ms_or_null(bool reached, double ms) {
  return reached ? Json(round_ms(ms)) : Json(nullptr);
}

Json endpoint_json(const stream::EndpointReport& e, std::int64_t now) {
  const bool connected = !e.address.empty();
  return {{"host", e.endpoint.host},
          {"port", e.endpoint.port},
          {"direct_tls", e.endpoint.direct_tls},
          {"addresses", strings_json(e.addresses)},
          {"address", non_empty_json(e.address)},
          {"connect_ms", ms_or_null(connected, e.connect_ms)},
          {"tls_ms", ms_or_null(e.tls.active, e.tls_ms)},
          {"features_ms", ms_or_null(has_features(e), e.features_ms)},
          {"tls", tls_json(e.tls, now)},
          {"features", has_features(e) ? features_json(e.features) : Json(nullptr)},
          {"error", e.error ? error_object(*e.error) : Json(nullptr)}};
}

Json dns_json(const stream::DnsReport& d) {
  const auto status = [&](const net::SrvAnswer& a) {
    return d.asked ? Json(status_name(a.status)) : Json(nullptr);
  };
  return {{"asked", d.asked},
          {"xmpps_client", srv_json(d.xmpps)},
          {"xmpps_client_status", status(d.xmpps)},
          {"xmpp_client", srv_json(d.xmpp)},
          {"xmpp_client_status", status(d.xmpp)},
          {"fallback", d.fallback},
          {"no_service", d.no_service},
          {"lookup_ms", d.asked ? Json(round_ms(d.ms)) : Json(nullptr)}};
}

Json identities_json(const std::vector<disco::Identity>& identities) {
  auto out = Json::array();
  for (const auto& i : identities)
    out.push_back({{"category", i.category}, {"type", i.type}, {"name", or_null(i.name)}});
  return out;
}

Json info_json(const disco::DiscoInfo& info) {
  auto forms = Json::array();
  for (const auto& f : info.forms) {
    Json fields = Json::object();
    for (const auto& [var, values] : f.fields)
      fields[var] = strings_json(values);
    forms.push_back({{"form_type", f.form_type}, {"fields", std::move(fields)}});
  }
  return {{"identities", identities_json(info.identities)},
          {"features", strings_json(info.features)},
          {"forms", std::move(forms)}};
}

Json component_json(const ComponentReport& c) {
  return {{"jid", c.jid},
          {"node", or_null(c.node)},
          {"name", or_null(c.name)},
          {"kind", c.kind},
          {"info", c.info ? info_json(*c.info) : Json(nullptr)},
          {"max_file_size", c.max_file_size ? Json(*c.max_file_size) : Json(nullptr)},
          {"error", c.error ? error_object(*c.error) : Json(nullptr)}};
}

Json server_json(const ServerReport& s) {
  auto items = Json::array();
  for (const auto& i : s.items)
    items.push_back(
        {{"jid", i.jid.str()}, {"node", or_null(i.node)}, {"name", or_null(i.name)}});
  auto components = Json::array();
  for (const auto& c : s.components)
    components.push_back(component_json(c));
  Json contacts = Json::object();
  for (const auto& r : s.contacts.roles)
    contacts[r.role] = strings_json(r.addresses);
  Json version = nullptr;
  if (s.version)
    version = {{"name", or_null(s.version->name)},
               {"version", or_null(s.version->version)},
               {"os", or_null(s.version->os)}};
  Json errors = Json::object();
  for (const auto& [query, error] : s.errors)
    errors[query] = error_object(error);
  return {{"jid", s.jid},
          {"info", s.info ? info_json(*s.info) : Json(nullptr)},
          {"items", std::move(items)},
          {"components", std::move(components)},
          {"contacts", std::move(contacts)},
          {"version", std::move(version)},
          {"uptime_s", s.uptime_s ? Json(*s.uptime_s) : Json(nullptr)},
          {"rtt_ms", s.rtt_ms ? Json(round_ms(*s.rtt_ms)) : Json(nullptr)},
          {"errors", std::move(errors)}};
}

Json login_json(const LoginReport& l) {
  return {{"jid", l.jid},
          {"ok", l.ok},
          {"skipped", or_null(l.skipped)},
          {"login_ms", l.ok ? Json(round_ms(l.login_ms)) : Json(nullptr)},
          {"address", l.ok ? Json(l.address) : Json(nullptr)},
          {"direct_tls", l.ok ? Json(l.direct_tls) : Json(nullptr)},
          {"mechanism", l.ok ? non_empty_json(l.mechanism) : Json(nullptr)},
          {"error", l.error ? error_object(*l.error) : Json(nullptr)}};
}

// ---- human ----------------------------------------------------------------------------------

constexpr int k_label_width = 15;

std::string esc(std::string_view text) {
  return escape_terminal(text);
}

std::string esc_list(const std::vector<std::string>& values, std::string_view empty = "none") {
  if (values.empty()) return std::string(empty);
  std::string out;
  for (const auto& v : values)
    out += (out.empty() ? "" : " ") + esc(v);
  return out;
}

std::string ms_text(double ms) {
  if (ms >= 100) return fmt::format("{:.0f} ms", ms);
  if (ms >= 10) return fmt::format("{:.1f} ms", ms);
  return fmt::format("{:.2f} ms", ms);
}

void line(std::ostream& out, int indent, std::string_view label, std::string_view value) {
  out << std::string(static_cast<std::size_t>(indent), ' ')
      << fmt::format("{:<{}} {}\n", label, k_label_width, value);
}

std::string yes_no(bool b) {
  return b ? "yes" : "no";
}

std::string bytes_text(std::uint64_t n) {
  constexpr std::uint64_t k_kib = 1024, k_mib = k_kib * 1024, k_gib = k_mib * 1024;
  std::string unit;
  double value = 0;
  if (n >= k_gib)
    unit = "GiB", value = static_cast<double>(n) / k_gib;
  else if (n >= k_mib)
    unit = "MiB", value = static_cast<double>(n) / k_mib;
  else if (n >= k_kib)
    unit = "KiB", value = static_cast<double>(n) / k_kib;
  else
    return fmt::format("{} bytes", n);
  return fmt::format("{:g} {} ({} bytes)", std::round(value * 10) / 10, unit, n);
}

std::string duration_text(std::uint64_t s) {
  const auto days = s / 86400, hours = s % 86400 / 3600, minutes = s % 3600 / 60;
  std::string out;
  if (days > 0) out += fmt::format("{} d ", days);
  if (days > 0 || hours > 0) out += fmt::format("{} h ", hours);
  out += fmt::format("{} min", minutes);
  return fmt::format("{} ({} s)", out, s);
}

std::string days_text(std::int64_t days) {
  if (days < 0) return fmt::format("EXPIRED {} day{} ago", -days, days == -1 ? "" : "s");
  return fmt::format("{} day{} left", days, days == 1 ? "" : "s");
}

void print_srv(std::ostream& out, std::string_view service, const std::string& domain,
               const net::SrvAnswer& answer) {
  // Padded to the longer of the two names (_xmpps-client), so the records line up.
  const auto full = fmt::format("{}._tcp.{}", service, esc(domain));
  const auto name = fmt::format("{:<{}}", full, esc(domain).size() + 19);
  if (answer.records.empty()) {
    std::string why;
    switch (answer.status) {
    case net::DnsStatus::nxdomain:
      why = "no such name (NXDOMAIN)";
      break;
    case net::DnsStatus::no_data:
      why = "no records";
      break;
    case net::DnsStatus::failed:
      why = "lookup failed" + (answer.detail.empty() ? "" : ": " + esc(answer.detail));
      break;
    case net::DnsStatus::ok:
      why = "no records";
      break;
    }
    out << "  " << name << "  " << why << '\n';
    return;
  }
  for (const auto& r : answer.records)
    out << "  " << name << "  " << r.priority << ' ' << r.weight << ' ' << r.port << ' '
        << (r.target.empty() ? std::string(".") : esc(r.target)) << '\n';
}

void print_dns(std::ostream& out, const ProbeResult& r) {
  const auto& d = r.probe.dns;
  if (!d.asked) {
    out << "DNS: not asked (--host/--port given)\n";
    return;
  }
  out << "DNS (" << ms_text(d.ms) << ")\n";
  print_srv(out, "_xmpps-client", r.domain, d.xmpps);
  print_srv(out, "_xmpp-client", r.domain, d.xmpp);
  if (d.no_service) out << "  a \".\" target: XMPP service decidedly not offered (RFC 2782)\n";
  if (d.fallback) out << "  no usable SRV record: the domain itself is tried (RFC 6120 §3.2.2)\n";
}

void print_certificate(std::ostream& out, std::size_t index, const net::CertificateSummary& c,
                       std::int64_t now) {
  const auto prefix = fmt::format("    {:<2}", index);
  const auto cont = std::string(6, ' ');
  out << prefix << fmt::format("{:<10} {}\n", "subject", esc(c.subject));
  out << cont << fmt::format("{:<10} {}\n", "issuer", esc(c.issuer));
  std::vector<std::string> names;
  for (const auto& n : c.dns_names)
    names.push_back("DNS:" + n);
  for (const auto& n : c.srv_names)
    names.push_back("SRV:" + n);
  for (const auto& n : c.xmpp_addrs)
    names.push_back("XmppAddr:" + n);
  if (!names.empty()) out << cont << fmt::format("{:<10} {}\n", "names", esc_list(names));
  out << cont
      << fmt::format("{:<10} {} to {} ({})\n", "valid", format_utc(c.not_before),
                     format_utc(c.not_after), days_text(days_left(c.not_after, now)));
  out << cont
      << fmt::format("{:<10} {}, signed {}\n", "key", esc(c.key.empty() ? "?" : c.key),
                     esc(c.signature_algorithm.empty() ? "?" : c.signature_algorithm));
  out << cont << fmt::format("{:<10} {}\n", "spki", esc(c.spki_sha256));
}

void print_endpoint(std::ostream& out, const stream::EndpointReport& e, std::int64_t now) {
  out << "\nEndpoint " << esc(e.endpoint.host) << ':' << e.endpoint.port << ", "
      << (e.endpoint.direct_tls ? "direct TLS" : "STARTTLS") << '\n';
  if (!e.address.empty()) {
    std::string of;
    if (e.addresses.size() > 1) of = " (of " + esc_list(e.addresses) + ")";
    line(out, 2, "address", esc(e.address) + of);
    line(out, 2, "connect", ms_text(e.connect_ms));
  } else if (!e.addresses.empty()) {
    line(out, 2, "addresses", esc_list(e.addresses));
  }
  if (e.tls.active) {
    std::string tls = esc(e.tls.version) + ", " + esc(e.tls.cipher);
    if (!e.tls.alpn.empty()) tls += ", ALPN " + esc(e.tls.alpn);
    line(out, 2, "TLS", tls + ", " + ms_text(e.tls_ms));
    line(out, 2, "certificate",
         e.tls.verified               ? std::string("verified")
         : e.tls.verify_error.empty() ? std::string("NOT verified")
                                      : "NOT verified: " + esc(e.tls.verify_error));
    for (std::size_t i = 0; i < e.tls.chain.size(); ++i)
      print_certificate(out, i, e.tls.chain[i], now);
  }
  if (has_features(e)) {
    const auto& f = e.features;
    line(out, 2, "features", ms_text(e.features_ms));
    if (f.starttls_offered)
      line(out, 4, "STARTTLS", f.starttls_required ? "offered, required" : "offered");
    line(out, 4, "SASL", esc_list(f.mechanisms));
    line(out, 4, "channel binding", esc_list(f.channel_binding_types, "none listed"));
    line(out, 4, "SASL2", f.sasl2 ? "yes: " + esc_list(f.sasl2_mechanisms) : std::string("no"));
    if (f.sasl2) {
      line(out, 4, "Bind2", yes_no(f.bind2));
      line(out, 4, "FAST", f.fast ? "yes: " + esc_list(f.fast_mechanisms) : std::string("no"));
    }
    line(out, 4, "stream mgmt", yes_no(f.stream_management));
    line(out, 4, "registration", yes_no(f.register_offered));
    for (std::size_t i = 0; i < f.all.size(); ++i)
      line(out, 4, i == 0 ? "all" : "", esc(f.all[i]));
  }
  if (e.error) line(out, 2, "ERROR", esc(e.error->message));
}

void print_login(std::ostream& out, const LoginReport& l) {
  out << "\nLogin\n";
  if (l.skipped) {
    line(out, 2, "skipped", esc(*l.skipped));
    return;
  }
  if (!l.ok) {
    line(out, 2, "FAILED", esc(l.error ? l.error->message : std::string("?")));
    return;
  }
  line(out, 2, "as", esc(l.jid));
  line(out, 2, "time", ms_text(l.login_ms));
  line(out, 2, "via",
       esc(l.address) + (l.direct_tls ? ", direct TLS" : ", STARTTLS") +
           (l.mechanism.empty() ? "" : ", " + esc(l.mechanism)));
}

std::string identity_text(const disco::Identity& i) {
  auto text = esc(i.category) + "/" + esc(i.type);
  if (i.name) text += " \"" + esc(*i.name) + "\"";
  return text;
}

void print_error_in_place(std::ostream& out, const ServerReport& s, std::string_view query,
                          std::string_view label) {
  if (const auto* e = s.error(query)) line(out, 2, label, "error: " + esc(e->message));
}

void print_server(std::ostream& out, const ServerReport& s) {
  out << "\nServer " << esc(s.jid) << '\n';
  if (s.version) {
    auto text = esc(s.version->name.value_or("?")) + " " + esc(s.version->version.value_or("?"));
    if (s.version->os) text += " (" + esc(*s.version->os) + ")";
    line(out, 2, "software", text);
  }
  print_error_in_place(out, s, "version", "software");
  if (s.uptime_s) line(out, 2, "uptime", duration_text(*s.uptime_s));
  print_error_in_place(out, s, "uptime", "uptime");
  if (s.rtt_ms) line(out, 2, "round trip", ms_text(*s.rtt_ms));
  print_error_in_place(out, s, "ping", "round trip");
  if (s.contacts.empty() && s.info) line(out, 2, "contacts", "none published (XEP-0157)");
  for (std::size_t i = 0; i < s.contacts.roles.size(); ++i) {
    const auto& r = s.contacts.roles[i];
    line(out, 2, i == 0 ? "contacts" : "", esc(r.role) + ": " + esc_list(r.addresses));
  }
  print_error_in_place(out, s, "info", "info");
  if (s.info) {
    for (std::size_t i = 0; i < s.info->identities.size(); ++i)
      line(out, 2, i == 0 ? "identity" : "", identity_text(s.info->identities[i]));
    std::size_t width = 0;
    for (const auto& f : s.info->features)
      width = std::max(width, esc(f).size());
    for (std::size_t i = 0; i < s.info->features.size(); ++i) {
      const auto& var = s.info->features[i];
      auto text = esc(var);
      if (const auto spec = disco::feature_spec(var))
        text = fmt::format("{:<{}}  {} {}", text, width, spec->spec, spec->title);
      line(out, 2, i == 0 ? "features" : "", text);
    }
    for (const auto& f : s.info->forms) {
      if (f.form_type == contacts::k_form_type) continue;  // shown as contacts
      line(out, 2, "form", esc(f.form_type));
      for (const auto& [var, values] : f.fields)
        line(out, 4, esc(var), esc_list(values, "(empty)"));
    }
  }
  print_error_in_place(out, s, "items", "items");
  if (s.components.empty()) return;
  out << "\nComponents\n";
  std::size_t width = 0;
  for (const auto& c : s.components)
    width = std::max(width, esc(c.jid).size());
  for (const auto& c : s.components) {
    auto text = fmt::format("  {:<{}}  {}", esc(c.jid), width, esc(c.kind));
    if (c.max_file_size) text += ", max " + bytes_text(*c.max_file_size);
    // The item's name, else the name of the component's own identity.
    auto name = c.name;
    if (!name && c.info && !c.info->identities.empty()) name = c.info->identities.front().name;
    if (name) text += "  \"" + esc(*name) + "\"";
    if (c.error) text += "  error: " + esc(c.error->message);
    out << text << '\n';
  }
}

}  // namespace

const Error* ServerReport::error(std::string_view query) const {
  for (const auto& [name, e] : errors)
    if (name == query) return &e;
  return nullptr;
}

std::int64_t days_left(std::int64_t not_after, std::int64_t now) {
  const auto left = not_after - now;
  // Floor division: one second past expiry is day -1, not 0.
  return left >= 0 ? left / k_day_s : -((-left + k_day_s - 1) / k_day_s);
}

std::string format_utc(std::int64_t unix_seconds) {
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return std::to_string(unix_seconds);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string classify(const disco::DiscoInfo& info) {
  // The identities of the XMPP Registrar's service discovery categories.
  if (info.has_identity("conference", "text")) return "muc";    // XEP-0045 §6.1
  if (info.has_identity("pubsub", "service")) return "pubsub";  // XEP-0060 §5.1
  if (info.has_identity("store", "file") || upload::is_upload_service(info))
    return "upload";                                                // XEP-0363 §4
  if (info.has_identity("proxy", "bytestreams")) return "proxy65";  // XEP-0065 §5.2
  if (info.identities.empty()) return "unknown";
  return info.identities.front().category + "/" + info.identities.front().type;
}

bool endpoint_usable(const stream::EndpointReport& endpoint, bool insecure) {
  return !endpoint_problem(endpoint, insecure).has_value();
}

std::optional<Error> endpoint_problem(const stream::EndpointReport& e, bool insecure) {
  if (e.error) return e.error;
  const auto where =
      e.address.empty() ? e.endpoint.host + ":" + std::to_string(e.endpoint.port) : e.address;
  if (!e.tls.active)
    return make_error(ErrorKind::no_perm, "tls_failed", "", where + ": TLS was not negotiated");
  if (!e.tls.verified && !insecure)
    return make_error(ErrorKind::no_perm, "cert_untrusted", "",
                      e.tls.verify_error.empty() ? "certificate of " + where + " not verified"
                                                 : e.tls.verify_error);
  return std::nullopt;
}

std::optional<Error> probe_verdict(const ProbeResult& result, bool insecure) {
  if (result.login && !result.login->skipped && !result.login->ok)
    return result.login->error.value_or(
        make_error(ErrorKind::software, "internal", "", "login failed without an error"));
  std::optional<Error> first;
  for (const auto& e : result.probe.endpoints) {
    auto problem = endpoint_problem(e, insecure);
    if (!problem) return std::nullopt;
    if (!first) first = std::move(problem);
  }
  if (first) return first;
  return make_error(ErrorKind::no_host, "no_host", "",
                    result.domain + ": no XMPP endpoint to probe");
}

Json probe_json(const ProbeResult& r) {
  auto endpoints = Json::array();
  for (const auto& e : r.probe.endpoints)
    endpoints.push_back(endpoint_json(e, r.now));
  return {{"domain", r.domain},
          {"dns", dns_json(r.probe.dns)},
          {"endpoints", std::move(endpoints)},
          {"login", r.login ? login_json(*r.login) : Json(nullptr)},
          {"server", r.server ? server_json(*r.server) : Json(nullptr)}};
}

void print_probe(const ProbeResult& r, std::ostream& out) {
  print_dns(out, r);
  for (const auto& e : r.probe.endpoints)
    print_endpoint(out, e, r.now);
  if (r.probe.endpoints.empty()) out << "\nno endpoint to probe\n";
  if (r.login) print_login(out, *r.login);
  if (r.server) print_server(out, *r.server);
}

}  // namespace xmpp::cli
