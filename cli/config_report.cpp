#include "config_report.hpp"
#include "output.hpp"

#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

namespace xmpp::cli {

namespace {

using json = nlohmann::ordered_json;

constexpr unsigned short k_starttls_port = 5222;    // RFC 6120 §14.7
constexpr unsigned short k_direct_tls_port = 5223;  // XEP-0368's customary port

std::string_view tls_name(net::TlsMode mode) {
  switch (mode) {
  case net::TlsMode::starttls:
    return "starttls";
  case net::TlsMode::direct:
    return "direct";
  default:
    return "auto";
  }
}

json origin_json(const Origin& origin) {
  return {{"from", origin.from_name()},
          {"where", origin.where.empty() ? json(nullptr) : json(origin.where)}};
}

/// Builds the rows in a fixed order (the JSON keys are documented in man xmpp-config).
class Describer {
 public:
  explicit Describer(const SettingsSources& src) : m_src(src) {}

  bool given(const std::string& option) const { return m_src.options.count(option) > 0; }
  bool in_account(bool has) const { return m_src.account != nullptr && has; }

  /// The origin of a config key of the account used: PATH:LINE of the key (the section's line
  /// when the key's line is not known).
  Origin key(const std::string& name) const {
    const auto& lines = m_src.account->key_lines;
    const auto it = lines.find(name);
    const int line = it != lines.end() ? it->second : m_src.account->line;
    return Origin::config(fmt::format("{}:{}", m_src.config_path.value_or("?"), line));
  }

  /// Option, else config key, else default.
  Origin layered(const std::string& option, const std::string& config_key, bool in_config) const {
    if (given(option)) return Origin::option(option);
    if (in_account(in_config)) return key(config_key);
    return Origin::fallback();
  }

  void add(std::vector<ShownSetting>& rows, std::string name, json value, std::string text,
           Origin origin) const {
    rows.push_back(
        ShownSetting{std::move(name), std::move(value), std::move(text), std::move(origin)});
  }

 private:
  const SettingsSources& m_src;
};

}  // namespace

std::string_view Origin::from_name() const {
  switch (from) {
  case From::option:
    return "option";
  case From::environment:
    return "environment";
  case From::config:
    return "config";
  default:
    return "default";
  }
}

std::string Origin::human() const {
  switch (from) {
  case From::option:
    return where;
  case From::environment:
    return "environment " + where;
  case From::config:
    return where;
  default:
    return "default";
  }
}

ConfigShowReport describe_settings(const Settings& s, const SettingsSources& src) {
  ConfigShowReport r;
  const Describer d(src);
  const Account* a = src.account;
  r.config_path = src.config_path;
  r.searched_path = src.searched_path;
  r.config_origin = d.given("--config") ? Origin::option("--config") : Origin::fallback();
  if (a) {
    r.account = a->name;
    r.account_line = a->line;
  }

  // The JID: --jid, else XMPP_JID, else the account's `jid` (options.cpp resolve_settings).
  Origin jid_origin = Origin::fallback();
  if (s.jid) {
    if (s.jid_origin == "--jid")
      jid_origin = Origin::option("--jid");
    else if (s.jid_origin == "XMPP_JID")
      jid_origin = Origin::environment("XMPP_JID");
    else
      jid_origin = d.key("jid");
  }
  if (a) {
    if (d.given("--account"))
      r.account_rule = "--account";
    else if (jid_origin.from != Origin::From::config && s.jid)
      r.account_rule = "jid";
    else if (a->name == "default")
      r.account_rule = "default";
    else
      r.account_rule = "only";
  }
  if (s.jid) r.domain = s.jid->domain();

  auto& rows = r.settings;
  d.add(rows, "jid", s.jid ? json(s.jid->str()) : json(nullptr),
        s.jid ? s.jid->str() : "(none: give -j JID, set XMPP_JID or write a config file)",
        jid_origin);
  d.add(rows, "resource", s.resource.empty() ? json(nullptr) : json(s.resource),
        s.resource.empty() ? "(assigned by the server)" : s.resource,
        d.layered("--resource", "resource", a && a->resource));
  d.add(rows, "host", or_null(s.host), s.host.value_or("(none: DNS SRV)"),
        d.layered("--host", "host", a && a->host));
  d.add(rows, "port", s.port ? json(*s.port) : json(nullptr),
        s.port ? std::to_string(*s.port) : std::string("(from SRV, else 5222; 5223 direct)"),
        d.layered("--port", "port", a && a->port));
  d.add(rows, "tls", std::string(tls_name(s.tls)), std::string(tls_name(s.tls)),
        d.layered("--tls", "tls", a && a->tls));
  d.add(rows, "ca_file", or_null(s.ca_file), s.ca_file.value_or("(system trust store)"),
        d.layered("--ca-file", "ca_file", a && a->ca_file));
  d.add(rows, "pins", json(s.pins),
        s.pins.empty() ? "(none)" : fmt::to_string(fmt::join(s.pins, " ")),
        d.layered("--pin", "pin", a && !a->pins.empty()));
  d.add(rows, "insecure", s.insecure, s.insecure ? "yes: the certificate is NOT checked" : "no",
        d.layered("--insecure", "", false));
  d.add(rows, "sasl", json(s.sasl),
        s.sasl.empty() ? "(any the server offers, strongest first)"
                       : fmt::to_string(fmt::join(s.sasl, ",")),
        d.layered("--sasl", "", false));
  d.add(rows, "anonymous", s.anonymous, s.anonymous ? "yes" : "no",
        d.layered("--anonymous", "", false));
  d.add(rows, "retries", s.retries, std::to_string(s.retries), d.layered("--retries", "", false));
  const double seconds = static_cast<double>(s.timeout.count()) / 1000.0;
  d.add(rows, "timeout", seconds,
        s.timeout.count() == 0 ? std::string("0 (none)") : fmt::format("{:g} s", seconds),
        d.layered("--timeout", "timeout", a && a->timeout));
  d.add(rows, "dns_server", or_null(s.dns_server),
        s.dns_server.value_or("(the system's resolver)"),
        s.dns_server ? Origin::environment("XMPP_DNS_SERVER") : Origin::fallback());
  d.add(rows, "trace", or_null(s.trace), s.trace.value_or("(off)"),
        d.layered("--trace", "", false));

  // The password: where it would come from, never its value (SECURITY.md (c)).
  auto& p = r.password;
  const auto& source = s.password;
  const auto config_key = [&](const char* key) {
    return a ? d.key(key) : Origin::config(source.origin);
  };
  if (s.anonymous) {
    p = {"none", "", "none: --anonymous", Origin::option("--anonymous")};
  } else {
    switch (source.kind) {
    case PasswordSource::Kind::file:
      p = {"file", source.detail, "the first line of " + source.detail,
           source.origin == "--password-file" ? Origin::option("--password-file")
                                              : config_key("password_file")};
      break;
    case PasswordSource::Kind::command:
      p = {"command", source.detail, "password_command: " + source.detail,
           source.origin == "--password-command" ? Origin::option("--password-command")
                                                 : config_key("password_command")};
      break;
    case PasswordSource::Kind::value:
      if (source.origin == "XMPP_PASSWORD")
        p = {"environment", "", "XMPP_PASSWORD (environment; not shown)",
             Origin::environment("XMPP_PASSWORD")};
      else
        p = {"config", "", "the password key in the config file (redacted)",
             config_key("password")};
      break;
    case PasswordSource::Kind::prompt:
      p = {"prompt", "", "prompt on the terminal (no echo)", Origin::fallback()};
      break;
    }
  }
  return r;
}

json ConfigShowReport::to_json() const {
  json settings_json = json::object();
  for (const auto& row : settings) {
    json v = {{"value", row.value}};
    v.update(origin_json(row.origin));
    settings_json[row.name] = std::move(v);
  }
  const bool by_host = setting("host").value != nullptr || setting("port").value != nullptr;
  json srv = json::array();
  if (!by_host && domain) {
    srv.push_back("_xmpps-client._tcp." + *domain);
    srv.push_back("_xmpp-client._tcp." + *domain);
  }
  json config = {{"path", or_null(config_path)},
                 {"exists", config_path.has_value()},
                 {"checked", config_path.has_value()},
                 {"searched", or_null(searched_path)}};
  config.update(origin_json(config_origin));
  json pw = {{"kind", password.kind},
             {"detail", password.detail.empty() ? json(nullptr) : json(password.detail)}};
  pw.update(origin_json(password.origin));
  return {{"config", std::move(config)},
          {"account",
           {{"name", or_null(account)},
            {"line", account ? json(account_line) : json(nullptr)},
            {"chosen_by", account ? json(account_rule) : json(nullptr)}}},
          {"server", {{"method", by_host ? "host" : "srv"}, {"srv", std::move(srv)}}},
          {"settings", std::move(settings_json)},
          {"password", std::move(pw)}};
}

void ConfigShowReport::print_human(std::ostream& out) const {
  const auto row = [&](std::string_view name, const std::string& value, const std::string& origin) {
    auto line =
        fmt::format("{:<11} {:<44} {}", name, escape_terminal(value), escape_terminal(origin));
    line.erase(line.find_last_not_of(' ') + 1);
    out << line << '\n';
  };
  if (config_path)
    row("config", *config_path + " (permissions checked)", config_origin.human());
  else
    row("config", searched_path ? "none (no file " + *searched_path + ")" : std::string("none"),
        config_origin.human());
  if (account)
    row("account", fmt::format("{} (line {}, chosen by {})", *account, account_line, account_rule),
        config_path.value_or(""));
  else
    row("account", "none", "");
  for (const auto& s : settings)
    row(s.name, s.text, s.origin.human());
  const auto& host = setting("host");
  const auto& port = setting("port");
  std::string server;
  if (host.value != nullptr || port.value != nullptr) {
    const bool direct = setting("tls").text == "direct";
    const std::string h = host.value != nullptr ? host.text : domain.value_or("?");
    const unsigned short p = port.value != nullptr ? port.value.get<unsigned short>()
                                                   : (direct ? k_direct_tls_port : k_starttls_port);
    server = fmt::format("{}:{} (no SRV lookup)", h, p);
  } else if (domain) {
    server =
        fmt::format("DNS SRV _xmpp-client._tcp.{0} / _xmpps-client._tcp.{0} (XEP-0368)", *domain);
  } else {
    server = "(no JID: no domain to look up)";
  }
  row("server", server, "");
  row("password", password.text, password.origin.human());
}

const ShownSetting& ConfigShowReport::setting(std::string_view name) const {
  for (const auto& s : settings)
    if (s.name == name) return s;
  throw std::logic_error("no setting " + std::string(name));  // a bug: describe_settings adds all
}

bool ConfigCheckReport::ok() const {
  if (checks.empty()) return false;
  for (const auto& c : checks)
    if (!c.ok) return false;
  return true;
}

json ConfigCheckReport::to_json() const {
  json list = json::array();
  for (const auto& c : checks)
    list.push_back({{"check", c.name}, {"ok", c.ok}, {"detail", c.detail}});
  return {{"ok", ok()}, {"checks", std::move(list)}};
}

void ConfigCheckReport::print_human(std::ostream& out) const {
  for (const auto& c : checks)
    out << fmt::format("{:<4} {:<8} {}", c.ok ? "ok" : "FAIL", c.name, escape_terminal(c.detail))
        << '\n';
}

std::string refused_config_check(const Error& error, bool json) {
  ConfigCheckReport report;
  report.checks.push_back(Check{"config", false, error.message});
  std::ostringstream out;
  print_report(report, json, out);
  return out.str();
}

std::string_view failed_stage(const Error& error) {
  // Codes of sasl/ and stream/negotiator (authentication, RFC 6120 §6; binding, §7).
  static const std::set<std::string> login = {"auth_failed",     "no_mechanism", "downgrade",
                                              "sasl_unexpected", "bind_failed",  "bind_conflict",
                                              "session_failed"};
  return login.count(error.code) > 0 ? "login" : "server";
}

}  // namespace xmpp::cli
