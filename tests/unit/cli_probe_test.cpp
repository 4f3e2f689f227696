// `xmpp probe`: the report (JSON shape, human text), the exit verdict, the Nagios plugin result
// (state, text, perfdata, exit code) from hand-made probe data, the logged-in queries over a
// scripted session, and the plugin exit paths of the run loop (usage, deadline, exception).
#include <doctest/doctest.h>

#include <sstream>
#include <variant>

#include "app.hpp"
#include "cmd_probe.hpp"
#include "nagios.hpp"
#include "probe_report.hpp"
#include "stanza/error.hpp"
#include "stanza/iq.hpp"
#include "test_jid.hpp"
#include "xep/contacts/contacts.hpp"
#include "xep/disco/disco.hpp"
#include "xep/last/last.hpp"
#include "xep/ping/ping.hpp"
#include "xep/upload/upload.hpp"
#include "xep/version/version.hpp"
#include "xep_fake_session.hpp"

using namespace xmpp;
using namespace xmpp::cli;
using namespace std::chrono;

namespace {

constexpr std::int64_t k_now = 1'700'000'000;  // 2023-11-14T22:13:20Z
constexpr std::int64_t k_day = 86400;

using test::jid;

net::CertificateSummary certificate(std::int64_t not_after) {
  net::CertificateSummary c;
  c.subject = "CN=example.test";
  c.issuer = "CN=xmpp test CA";
  c.not_before = k_now - 10 * k_day;
  c.not_after = not_after;
  c.dns_names = {"example.test", "*.example.test"};
  c.srv_names = {"_xmpp-client.example.test"};
  c.xmpp_addrs = {"example.test"};
  c.spki_sha256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
  c.key = "EC P-256";
  c.signature_algorithm = "ecdsa-with-SHA256";
  return c;
}

stream::EndpointReport endpoint(std::string host, unsigned short port, bool direct,
                                std::string version, std::int64_t days) {
  stream::EndpointReport e;
  e.endpoint = net::Endpoint{std::move(host), port, direct};
  e.addresses = {"127.0.0.1"};
  e.address = "127.0.0.1:" + std::to_string(port);
  e.connect_ms = 1.2;
  e.tls_ms = 3.5;
  e.features_ms = 2.25;
  e.tls.active = true;
  e.tls.verified = true;
  e.tls.version = std::move(version);
  e.tls.cipher = "TLS_AES_256_GCM_SHA384";
  if (direct) e.tls.alpn = "xmpp-client";
  // An hour past the whole days, so days_left is exactly `days`.
  e.tls.chain = {certificate(k_now + days * k_day + 3600)};
  e.features.mechanisms = {"SCRAM-SHA-1-PLUS", "SCRAM-SHA-1"};
  e.features.channel_binding_types = {"tls-unique", "tls-exporter"};
  e.features.stream_management = true;
  e.features.all = {"{urn:ietf:params:xml:ns:xmpp-sasl}mechanisms"};
  return e;
}

/// Two endpoints, TLS 1.3 and 1.2, a certificate with 87 days left, a login in 42 ms.
ProbeResult good(std::int64_t days = 87) {
  ProbeResult r;
  r.domain = "example.test";
  r.now = k_now;
  r.probe.dns.asked = true;
  r.probe.dns.ms = 0.8;
  r.probe.dns.xmpps.status = net::DnsStatus::ok;
  r.probe.dns.xmpps.records = {{0, 5, 5223, "direct.target.test", true}};
  r.probe.dns.xmpp.status = net::DnsStatus::ok;
  r.probe.dns.xmpp.records = {{0, 5, 5222, "starttls.target.test", false}};
  r.probe.endpoints = {endpoint("direct.target.test", 5223, true, "TLSv1.2", days),
                       endpoint("starttls.target.test", 5222, false, "TLSv1.3", days)};
  r.probe.endpoints[1].features.starttls_offered = true;
  r.probe.endpoints[1].features.starttls_required = true;
  LoginReport login;
  login.jid = "alice@example.test/probe";
  login.ok = true;
  login.login_ms = 42.4;
  login.address = "127.0.0.1:5223";
  login.direct_tls = true;
  login.mechanism = "SCRAM-SHA-1-PLUS";
  r.login = login;
  ServerReport s;
  s.jid = "example.test";
  disco::DiscoInfo info;
  info.identities = {{"server", "im", "Prosody", std::nullopt}};
  info.features = {"urn:xmpp:ping", "jabber:iq:last"};
  info.forms = {contacts::make_form({{{"admin", {"xmpp:admin@example.test"}}}})};
  s.contacts = contacts::read(info);
  s.info = info;
  ComponentReport upload;
  upload.jid = "upload.example.test";
  upload.kind = "upload";
  upload.max_file_size = 16 * 1024 * 1024;
  s.components = {upload};
  s.version = version::SoftwareVersion{"Prosody", "0.12.4", "Linux"};
  s.uptime_s = 93784;
  s.rtt_ms = 0.5;
  s.errors = {{"items", make_error(ErrorKind::remote, "stanza_error", "forbidden",
                                   "disco#items to example.test: forbidden")}};
  r.server = s;
  return r;
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

// ---- helpers --------------------------------------------------------------------------------

TEST_CASE("probe days_left: whole days rounded down, negative once expired") {
  CHECK(days_left(k_now + 87 * k_day + 3600, k_now) == 87);
  CHECK(days_left(k_now + k_day, k_now) == 1);
  CHECK(days_left(k_now + k_day - 1, k_now) == 0);
  CHECK(days_left(k_now, k_now) == 0);
  CHECK(days_left(k_now - 1, k_now) == -1);
  CHECK(days_left(k_now - k_day, k_now) == -1);
  CHECK(days_left(k_now - k_day - 1, k_now) == -2);
}

TEST_CASE("probe format_utc: RFC 3339 in UTC") {
  CHECK(format_utc(0) == "1970-01-01T00:00:00Z");
  CHECK(format_utc(k_now) == "2023-11-14T22:13:20Z");
  CHECK(format_utc(1580515200) == "2020-02-01T00:00:00Z");
}

TEST_CASE("probe classify: by the registered identities, upload also by its feature") {
  const auto with = [](std::string category, std::string type) {
    disco::DiscoInfo info;
    info.identities = {{std::move(category), std::move(type), std::nullopt, std::nullopt}};
    return info;
  };
  CHECK(classify(with("conference", "text")) == "muc");
  CHECK(classify(with("pubsub", "service")) == "pubsub");
  CHECK(classify(with("store", "file")) == "upload");
  CHECK(classify(with("proxy", "bytestreams")) == "proxy65");
  CHECK(classify(with("directory", "user")) == "directory/user");
  CHECK(classify(disco::DiscoInfo{}) == "unknown");
  disco::DiscoInfo feature_only;
  feature_only.features = {std::string(upload::k_ns)};
  CHECK(classify(feature_only) == "upload");
}

TEST_CASE("plugin_text: one line, no perfdata separator, no terminal escapes") {
  CHECK(plugin_text("a|b\nc\x1b[31m") == "a/b\\nc\\x1b[31m");
}

// ---- JSON and human ------------------------------------------------------------------------

TEST_CASE("probe JSON: the documented shape, snake_case, durations in ms") {
  const auto doc = nlohmann::json::parse(dump_json(probe_json(good())));
  CHECK(doc["domain"] == "example.test");
  const auto& dns = doc["dns"];
  CHECK(dns["asked"] == true);
  CHECK(dns["xmpps_client"][0] ==
        nlohmann::json{
            {"priority", 0}, {"weight", 5}, {"port", 5223}, {"target", "direct.target.test"}});
  CHECK(dns["xmpp_client"][0]["target"] == "starttls.target.test");
  CHECK(dns["xmpps_client_status"] == "ok");
  CHECK(dns["fallback"] == false);
  CHECK(dns["no_service"] == false);
  CHECK(dns["lookup_ms"] == 0.8);

  REQUIRE(doc["endpoints"].size() == 2);
  const auto& e = doc["endpoints"][0];
  for (const char* key : {"host", "port", "direct_tls", "addresses", "address", "connect_ms",
                          "tls_ms", "features_ms", "tls", "features", "error"})
    CHECK_MESSAGE(e.contains(key), key);
  CHECK(e["host"] == "direct.target.test");
  CHECK(e["direct_tls"] == true);
  CHECK(e["connect_ms"] == 1.2);
  CHECK(e["error"].is_null());
  const auto& tls = e["tls"];
  CHECK(tls["version"] == "TLSv1.2");
  CHECK(tls["alpn"] == "xmpp-client");
  CHECK(tls["verified"] == true);
  CHECK(tls["verify_error"].is_null());
  const auto& cert = tls["chain"][0];
  for (const char* key : {"subject", "issuer", "dns_names", "srv_names", "xmpp_addrs", "not_before",
                          "not_after", "days_left", "spki_sha256", "key", "signature_algorithm"})
    CHECK_MESSAGE(cert.contains(key), key);
  CHECK(cert["days_left"] == 87);
  CHECK(cert["not_after"] == format_utc(k_now + 87 * k_day + 3600));
  CHECK(cert["dns_names"][1] == "*.example.test");
  const auto& features = e["features"];
  CHECK(features["mechanisms"][0] == "SCRAM-SHA-1-PLUS");
  CHECK(features["channel_binding_types"][1] == "tls-exporter");
  CHECK(features["sasl2"] == false);
  CHECK(features["fast"] == false);
  CHECK(features["stream_management"] == true);
  CHECK(doc["endpoints"][1]["features"]["starttls_required"] == true);
  CHECK(doc["endpoints"][1]["tls"]["alpn"].is_null());

  const auto& login = doc["login"];
  CHECK(login["ok"] == true);
  CHECK(login["login_ms"] == 42.4);
  CHECK(login["skipped"].is_null());
  CHECK(login["mechanism"] == "SCRAM-SHA-1-PLUS");

  const auto& server = doc["server"];
  CHECK(server["info"]["identities"][0]["name"] == "Prosody");
  CHECK(server["contacts"]["admin"][0] == "xmpp:admin@example.test");
  CHECK(server["components"][0]["kind"] == "upload");
  CHECK(server["components"][0]["max_file_size"] == 16 * 1024 * 1024);
  CHECK(server["version"]["name"] == "Prosody");
  CHECK(server["uptime_s"] == 93784);
  CHECK(server["rtt_ms"] == 0.5);
  CHECK(server["errors"]["items"]["condition"] == "forbidden");
  CHECK_FALSE(server["errors"].contains("version"));
}

TEST_CASE("probe JSON: stages not reached are null; no credentials, no login, no server") {
  auto r = good();
  r.login.reset();
  r.server.reset();
  auto& e = r.probe.endpoints[0];
  e = stream::EndpointReport{};
  e.endpoint = net::Endpoint{"direct.target.test", 5223, true};
  e.addresses = {"127.0.0.1"};
  e.error = make_error(ErrorKind::unavailable, "connect_failed", "", "connection refused");
  const auto doc = nlohmann::json::parse(dump_json(probe_json(r)));
  CHECK(doc["login"].is_null());
  CHECK(doc["server"].is_null());
  const auto& j = doc["endpoints"][0];
  CHECK(j["address"].is_null());
  CHECK(j["connect_ms"].is_null());
  CHECK(j["tls_ms"].is_null());
  CHECK(j["features_ms"].is_null());
  CHECK(j["tls"].is_null());
  CHECK(j["features"].is_null());
  CHECK(j["error"]["code"] == "connect_failed");
  CHECK(j["error"]["condition"].is_null());
}

TEST_CASE("probe JSON: a skipped login says why") {
  auto r = good();
  r.server.reset();
  r.login = LoginReport{};
  r.login->jid = "alice@other.test";
  r.login->skipped = "the account alice@other.test is not on example.test";
  const auto doc = nlohmann::json::parse(dump_json(probe_json(r)));
  CHECK(doc["login"]["ok"] == false);
  CHECK(doc["login"]["skipped"] == "the account alice@other.test is not on example.test");
  CHECK(doc["login"]["login_ms"].is_null());
}

TEST_CASE("probe human: DNS, each endpoint, login, server, components; network text escaped") {
  auto r = good();
  r.probe.endpoints[1].tls.chain[0].subject = "CN=evil\x1b[2J";
  std::ostringstream out;
  ProbeReport(r).print_human(out);
  const auto text = out.str();
  CHECK(text.find("DNS (0.80 ms)\n") == 0);
  CHECK(contains(text, "_xmpps-client._tcp.example.test  0 5 5223 direct.target.test\n"));
  CHECK(contains(text, "_xmpp-client._tcp.example.test   0 5 5222 starttls.target.test\n"));
  CHECK(contains(text, "urn:xmpp:ping   XEP-0199 XMPP Ping"));
  CHECK(contains(text, "Endpoint direct.target.test:5223, direct TLS\n"));
  CHECK(contains(text, "Endpoint starttls.target.test:5222, STARTTLS\n"));
  CHECK(contains(text, "TLSv1.2, TLS_AES_256_GCM_SHA384, ALPN xmpp-client, 3.50 ms"));
  CHECK(contains(text, "certificate     verified\n"));
  CHECK(contains(text, "(87 days left)"));
  CHECK(contains(text, "DNS:example.test DNS:*.example.test SRV:_xmpp-client.example.test"));
  CHECK(contains(text, "SCRAM-SHA-1-PLUS SCRAM-SHA-1"));
  CHECK(contains(text, "offered, required"));
  CHECK(contains(text, "CN=evil\\x1b[2J"));
  CHECK_FALSE(contains(text, "\x1b"));
  CHECK(contains(text, "\nLogin\n"));
  CHECK(contains(text, "42.4 ms"));
  CHECK(contains(text, "\nServer example.test\n"));
  CHECK(contains(text, "Prosody 0.12.4 (Linux)"));
  CHECK(contains(text, "1 d 2 h 3 min (93784 s)"));
  CHECK(contains(text, "admin: xmpp:admin@example.test"));
  CHECK(contains(text, "error: disco#items to example.test: forbidden"));
  CHECK(contains(text, "upload.example.test  upload, max 16 MiB (16777216 bytes)"));
}

TEST_CASE("probe human: an untrusted certificate and a failed endpoint are shown in place") {
  auto r = good();
  r.login.reset();
  r.server.reset();
  r.probe.endpoints[0].tls.verified = false;
  r.probe.endpoints[0].tls.verify_error = "certificate of example.test not trusted: expired";
  r.probe.endpoints[1].error =
      make_error(ErrorKind::temporary, "timeout", "", "timed out waiting for <stream:features/>");
  std::ostringstream out;
  print_probe(r, out);
  CHECK(contains(out.str(), "NOT verified: certificate of example.test not trusted: expired"));
  CHECK(contains(out.str(), "ERROR           timed out waiting for <stream:features/>"));
  CHECK_FALSE(contains(out.str(), "Login"));
}

// ---- exit verdict (without --nagios) ------------------------------------------------------

TEST_CASE("probe verdict: 0 with one usable endpoint; else the first endpoint's problem") {
  CHECK_FALSE(probe_verdict(good(), false).has_value());

  auto one_bad = good();
  one_bad.probe.endpoints[0].error =
      make_error(ErrorKind::unavailable, "connect_failed", "", "refused");
  CHECK_FALSE(probe_verdict(one_bad, false).has_value());

  auto untrusted = good();
  untrusted.login.reset();
  for (auto& e : untrusted.probe.endpoints) {
    e.tls.verified = false;
    e.tls.verify_error = "certificate of example.test (127.0.0.1) not trusted: self-signed";
  }
  auto v = probe_verdict(untrusted, false);
  REQUIRE(v.has_value());
  CHECK(v->kind == ErrorKind::no_perm);
  CHECK(v->code == "cert_untrusted");
  CHECK(contains(v->message, "self-signed"));
  // --insecure: verification skipped on purpose, TLS completed is enough.
  CHECK_FALSE(probe_verdict(untrusted, true).has_value());

  auto nothing = good();
  nothing.login.reset();
  for (auto& e : nothing.probe.endpoints)
    e.error = make_error(ErrorKind::unavailable, "connect_failed", "",
                         e.endpoint.host + ": connection refused");
  v = probe_verdict(nothing, false);
  REQUIRE(v.has_value());
  CHECK(v->kind == ErrorKind::unavailable);
  CHECK(v->message == "direct.target.test: connection refused");

  auto empty = good();
  empty.probe.endpoints.clear();
  v = probe_verdict(empty, false);
  REQUIRE(v.has_value());
  CHECK(v->kind == ErrorKind::no_host);
}

TEST_CASE("probe verdict: a failed login decides; a skipped one does not") {
  auto failed = good();
  failed.server.reset();
  failed.login->ok = false;
  failed.login->error = make_error(ErrorKind::no_perm, "auth_failed", "not-authorized", "no");
  auto v = probe_verdict(failed, false);
  REQUIRE(v.has_value());
  CHECK(v->code == "auth_failed");

  auto skipped = good();
  skipped.server.reset();
  skipped.login->ok = false;
  skipped.login->skipped = "another domain";
  CHECK_FALSE(probe_verdict(skipped, false).has_value());
}

// ---- Nagios ----------------------------------------------------------------------------------

TEST_CASE("nagios: all good is OK, exit 0, the documented line and perfdata") {
  const auto check = nagios_check(good(), NagiosThresholds{14, 7}, false);
  CHECK(check.state == NagiosState::ok);
  CHECK(check.exit_code() == 0);
  CHECK(check.text ==
        "example.test: 2 endpoints, TLSv1.2/TLSv1.3, certificate valid 87 days, login 42 ms");
  CHECK(check.perfdata == "connect=0.001200s;;;0 tls=0.003500s;;;0 login=0.042400s;;;0 "
                          "rtt=0.000500s;;;0 cert_days=87;14:;7:");
  CHECK(check.line() == "XMPP OK - " + check.text + " | " + check.perfdata);
}

TEST_CASE("nagios: a certificate expiring within --warn-days is WARNING, exit 1") {
  const auto check = nagios_check(good(10), NagiosThresholds{14, 7}, false);
  CHECK(check.state == NagiosState::warning);
  CHECK(check.exit_code() == 1);
  CHECK(check.line().find("XMPP WARNING - example.test: certificate of 127.0.0.1:5223 expires "
                          "in 10 days (") == 0);
  CHECK(contains(check.perfdata, "cert_days=10;14:;7:"));
  // "within N days": 14 whole days left is not within 14 days.
  CHECK(nagios_check(good(14), NagiosThresholds{14, 7}, false).state == NagiosState::ok);
  CHECK(nagios_check(good(13), NagiosThresholds{14, 7}, false).state == NagiosState::warning);
}

TEST_CASE("nagios: a certificate expiring within --crit-days is CRITICAL, exit 2") {
  const auto check = nagios_check(good(4), NagiosThresholds{10, 6}, false);
  CHECK(check.state == NagiosState::critical);
  CHECK(check.exit_code() == 2);
  CHECK(contains(check.text, "expires in 4 days"));
  CHECK(contains(check.perfdata, "cert_days=4;10:;6:"));
  // Thresholds below the days left: OK; 0 disables a threshold.
  CHECK(nagios_check(good(4), NagiosThresholds{2, 1}, false).state == NagiosState::ok);
  CHECK(nagios_check(good(0), NagiosThresholds{0, 0}, false).state == NagiosState::ok);
  CHECK(contains(nagios_check(good(4), NagiosThresholds{0, 0}, false).perfdata, "cert_days=4;;"));
  // --crit-days above --warn-days is allowed: CRITICAL wins, WARNING is never reached.
  CHECK(nagios_check(good(5), NagiosThresholds{3, 6}, false).state == NagiosState::critical);
}

TEST_CASE("nagios: an expired certificate is CRITICAL, exit 2, whatever the thresholds") {
  auto r = good();
  r.login.reset();
  r.server.reset();
  r.probe.endpoints.resize(1);
  auto& e = r.probe.endpoints[0];
  e.tls.chain[0].not_after = 1580515200;  // 2020-02-01
  e.tls.verified = false;
  e.tls.verify_error = "certificate of example.test (127.0.0.1:5223) not trusted: certificate has "
                       "expired";
  const auto check = nagios_check(r, NagiosThresholds{0, 0}, false);
  CHECK(check.state == NagiosState::critical);
  CHECK(check.exit_code() == 2);
  CHECK(contains(check.text, "certificate of 127.0.0.1:5223 expired "));
  CHECK(contains(check.text, "(2020-02-01T00:00:00Z)"));
  CHECK(contains(check.perfdata, "cert_days=-"));
  CHECK_FALSE(contains(check.perfdata, "login="));
}

TEST_CASE("nagios: an untrusted certificate or a name mismatch is CRITICAL with the reason") {
  auto r = good();
  r.login.reset();
  r.server.reset();
  r.probe.endpoints[1].tls.verified = false;
  r.probe.endpoints[1].tls.verify_error =
      "certificate of 127.0.0.1:5222 is not valid for example.test: it names other.test";
  const auto check = nagios_check(r, NagiosThresholds{14, 7}, false);
  CHECK(check.state == NagiosState::critical);
  CHECK(check.text == "example.test: certificate of 127.0.0.1:5222 is not valid for "
                      "example.test: it names other.test");
  // --insecure skips the trust decision (the expiry still counts).
  CHECK(nagios_check(r, NagiosThresholds{14, 7}, true).state == NagiosState::ok);
}

TEST_CASE("nagios: no endpoint connects is CRITICAL, exit 2, unmeasured perfdata 'U'") {
  auto r = good();
  r.login.reset();
  r.server.reset();
  for (auto& e : r.probe.endpoints) {
    stream::EndpointReport fresh;
    fresh.endpoint = e.endpoint;
    fresh.addresses = {"127.0.0.1"};
    e = std::move(fresh);
    e.error = make_error(ErrorKind::unavailable, "connect_failed", "",
                         e.endpoint.host + ":" + std::to_string(e.endpoint.port) +
                             ": connection refused");
  }
  const auto check = nagios_check(r, NagiosThresholds{14, 7}, false);
  CHECK(check.state == NagiosState::critical);
  CHECK(check.exit_code() == 2);
  CHECK(check.text == "example.test: direct.target.test:5223: connection refused; "
                      "starttls.target.test:5222: connection refused");
  CHECK(check.perfdata == "connect=U tls=U cert_days=U");

  r.probe.endpoints.clear();
  CHECK(nagios_check(r, NagiosThresholds{14, 7}, false).state == NagiosState::critical);
}

TEST_CASE("nagios: one endpoint failing while another works is WARNING") {
  auto r = good();
  r.probe.endpoints[0].error =
      make_error(ErrorKind::temporary, "timeout", "", "direct.target.test:5223: timed out");
  const auto check = nagios_check(r, NagiosThresholds{14, 7}, false);
  CHECK(check.state == NagiosState::warning);
  CHECK(check.text == "example.test: direct.target.test:5223: timed out");
}

TEST_CASE("nagios: a failed login is CRITICAL, exit 2; login and rtt perfdata 'U'") {
  auto r = good();
  r.server.reset();
  r.login->ok = false;
  r.login->error = make_error(ErrorKind::no_perm, "auth_failed", "not-authorized",
                              "authentication failed: not-authorized");
  const auto check = nagios_check(r, NagiosThresholds{14, 7}, false);
  CHECK(check.state == NagiosState::critical);
  CHECK(check.exit_code() == 2);
  CHECK(check.text == "example.test: login failed: authentication failed: not-authorized");
  CHECK(contains(check.perfdata, " login=U rtt=U "));
  // Failures of the optional queries never change the state.
  auto no_rtt = good();
  no_rtt.server->rtt_ms.reset();
  no_rtt.server->errors.emplace_back("ping", make_error(ErrorKind::temporary, "timeout", "", "t"));
  const auto quiet = nagios_check(no_rtt, NagiosThresholds{14, 7}, false);
  CHECK(quiet.state == NagiosState::ok);
  CHECK(contains(quiet.perfdata, " rtt=U "));
}

TEST_CASE("nagios: the worst findings lead the text") {
  auto r = good(10);
  r.server.reset();
  r.login->ok = false;
  r.login->error = make_error(ErrorKind::no_perm, "auth_failed", "", "bad password");
  const auto check = nagios_check(r, NagiosThresholds{14, 7}, false);
  CHECK(check.state == NagiosState::critical);
  CHECK(check.text.find("example.test: login failed: bad password; certificate of ") == 0);
}

TEST_CASE("nagios: errors before any result: ours UNKNOWN, the network's CRITICAL") {
  CHECK(nagios_state(make_error(ErrorKind::usage, "usage", "", "")) == NagiosState::unknown);
  CHECK(nagios_state(make_error(ErrorKind::config, "bad_dns_server", "", "")) ==
        NagiosState::unknown);
  CHECK(nagios_state(make_error(ErrorKind::no_input, "ca_file_unreadable", "", "")) ==
        NagiosState::unknown);
  CHECK(nagios_state(make_error(ErrorKind::software, "internal", "", "")) == NagiosState::unknown);
  CHECK(nagios_state(make_error(ErrorKind::no_host, "no_host", "", "")) == NagiosState::critical);
  CHECK(nagios_state(make_error(ErrorKind::temporary, "dns_timeout", "", "")) ==
        NagiosState::critical);
  const auto check = nagios_error("nowhere.test", make_error(ErrorKind::no_host, "no_host", "",
                                                             "nowhere.test: no XMPP service"));
  CHECK(check.line() == "XMPP CRITICAL - nowhere.test: no XMPP service");
  CHECK(check.exit_code() == 2);
  CHECK(nagios_error("example.test",
                     make_error(ErrorKind::temporary, "dns_timeout", "", "DNS did not answer"))
            .line() == "XMPP CRITICAL - example.test: DNS did not answer");
}

// ---- the logged-in queries -----------------------------------------------------------------

namespace {

xml::Element info_result(const xml::Element& iq, disco::DiscoInfo info) {
  return disco::make_info_result(iq, info);
}

disco::DiscoInfo identity(std::string category, std::string type) {
  disco::DiscoInfo info;
  info.identities = {{std::move(category), std::move(type), std::nullopt, std::nullopt}};
  return info;
}

std::optional<xml::Element> server_responder(const xml::Element& iq) {
  const auto to = iq.attr("to").value_or("");
  if (disco::is_info_request(iq)) {
    if (to == "example.test") {
      auto info = identity("server", "im");
      info.features = {"urn:xmpp:ping"};
      info.forms = {contacts::make_form({{{"admin", {"xmpp:admin@example.test"}}}})};
      return info_result(iq, info);
    }
    if (to == "conference.example.test") return info_result(iq, identity("conference", "text"));
    if (to == "pubsub.example.test") return info_result(iq, identity("pubsub", "service"));
    if (to == "proxy.example.test") return info_result(iq, identity("proxy", "bytestreams"));
    if (to == "upload.example.test") {
      auto info = identity("store", "file");
      info.features = {std::string(upload::k_ns)};
      info.forms = {
          disco::ExtensionForm{std::string(upload::k_ns), {{"max-file-size", {"16777216"}}}}};
      return info_result(iq, info);
    }
    return stanza::make_error_reply(iq, stanza::make_stanza_error("item-not-found"));
  }
  if (disco::is_items_request(iq)) {
    disco::DiscoItems items;
    for (const char* j : {"conference.example.test", "pubsub.example.test", "proxy.example.test",
                          "upload.example.test", "gone.example.test", "alice@example.test"})
      items.items.push_back(disco::DiscoItem{jid(j), std::nullopt, std::nullopt});
    items.items.push_back(disco::DiscoItem{jid("example.test"), "announcements", std::nullopt});
    return disco::make_items_result(iq, items);
  }
  if (version::is_request(iq))
    return version::make_result(iq, version::SoftwareVersion{"Prosody", "0.12.4", std::nullopt});
  if (last::is_request(iq))
    return stanza::make_error_reply(iq, stanza::make_stanza_error("service-unavailable"));
  if (ping::is_request(iq)) return ping::make_result(iq);
  return std::nullopt;
}

struct QueryHarness {
  asio::io_context io;
  std::ostringstream out, err;
  Io cli_io{out, err, nullptr, nullptr, false};
  Context ctx{io.get_executor(), Settings{}, cli_io};
  test::FakeSession session{io.get_executor(), jid("alice@example.test/probe")};
};

}  // namespace

TEST_CASE("query_server: components classified, upload limit, contacts, failures in place") {
  QueryHarness h;
  h.session.responder = server_responder;
  const auto s = test::run_coroutine<ServerReport>(
      h.io, [&] { return query_server(h.ctx, h.session, jid("example.test")); });
  CHECK(s.jid == "example.test");
  REQUIRE(s.info.has_value());
  CHECK(s.contacts.of("admin") == std::vector<std::string>{"xmpp:admin@example.test"});
  CHECK(s.items.size() == 7);
  // Accounts and nodes are items, not components.
  REQUIRE(s.components.size() == 5);
  CHECK(s.components[0].kind == "muc");
  CHECK(s.components[1].kind == "pubsub");
  CHECK(s.components[2].kind == "proxy65");
  CHECK(s.components[3].kind == "upload");
  CHECK(s.components[3].max_file_size == 16777216u);
  CHECK(s.components[4].jid == "gone.example.test");
  CHECK(s.components[4].kind == "unknown");
  REQUIRE(s.components[4].error.has_value());
  CHECK(s.components[4].error->condition == "item-not-found");
  REQUIRE(s.version.has_value());
  CHECK(s.version->name == "Prosody");
  CHECK_FALSE(s.uptime_s.has_value());
  REQUIRE(s.error("uptime") != nullptr);
  CHECK(s.error("uptime")->condition == "service-unavailable");
  CHECK(s.rtt_ms.has_value());
  CHECK(s.error("ping") == nullptr);
}

TEST_CASE("query_server: a silent server times every query out, each in place") {
  QueryHarness h;
  h.session.responder = nullptr;
  // The overall deadline leaves 300 ms: each query gets what is left minus the margin.
  h.ctx.set_deadline(steady_clock::now() + milliseconds(300));
  const auto s = test::run_coroutine<ServerReport>(
      h.io, [&] { return query_server(h.ctx, h.session, jid("example.test")); });
  CHECK_FALSE(s.info.has_value());
  for (const char* q : {"info", "items", "version", "uptime", "ping"}) {
    CAPTURE(q);
    REQUIRE(s.error(q) != nullptr);
    CHECK(s.error(q)->kind == ErrorKind::temporary);
  }
  CHECK(h.session.requests.size() <= 5);
}

// ---- the plugin's exit paths through the run loop -------------------------------------------

namespace {

struct RunHarness {
  std::ostringstream out, err;
  Io io{out, err, [](std::string_view) -> Result<std::optional<Secret>> { return std::nullopt; },
        [](stream::SessionOptions) -> awaitable<Result<std::unique_ptr<stream::Session>>> {
          co_return fail(ErrorKind::software, "no_session", "", "no session in this test");
        },
        false};

  int run(std::vector<std::string> args, Environment env = {}) {
    return cli::run_main(args, env, io);
  }
};

}  // namespace

TEST_CASE("probe DOMAIN must be a domain: usage exit 64, with --nagios UNKNOWN exit 3") {
  RunHarness plain;
  CHECK(plain.run({"probe", "alice@example.test"}) == 64);
  CHECK(plain.out.str().empty());
  CHECK(contains(plain.err.str(), "DOMAIN must be a domain"));

  RunHarness nagios;
  CHECK(nagios.run({"probe", "--nagios", "alice@example.test"}) == 3);
  CHECK(nagios.out.str() ==
        "XMPP UNKNOWN - alice@example.test: DOMAIN must be a domain such as example.org, not the "
        "JID alice@example.test\n");

  RunHarness json;
  CHECK(json.run({"--json", "probe", "--nagios", "example.test/res"}) == 3);
  CHECK(json.out.str().find("XMPP UNKNOWN - ") == 0);
}

TEST_CASE("probe --nagios: a DNS server that never answers is CRITICAL, exit 2, one line") {
  asio::io_context io;
  asio::ip::udp::socket silent(io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = silent.local_endpoint().port();
  Environment env;
  env.dns_server = "127.0.0.1:" + std::to_string(port);
  RunHarness h;
  CHECK(h.run({"--timeout", "0.5", "probe", "--nagios", "example.test"}, env) == 2);
  const auto out = h.out.str();
  CHECK(out.find("XMPP CRITICAL - example.test: ") == 0);
  CHECK(std::count(out.begin(), out.end(), '\n') == 1);
}

TEST_CASE("Context::on_abort: the deadline and an exception exit with the plugin's code") {
  RunHarness h;
  Settings settings;
  settings.timeout = milliseconds(100);
  const Runner hang = [](Context& ctx) -> awaitable<Outcome> {
    ctx.on_abort([&ctx](const Error& e) {
      ctx.out() << "ABORT " << e.code << '\n';
      return 3;
    });
    asio::steady_timer timer(ctx.executor(), seconds(30));
    co_await timer.async_wait(asio::use_awaitable);
    co_return Outcome{};
  };
  CHECK(cli::run(settings, hang, h.io) == 3);
  CHECK(h.out.str() == "ABORT timeout\n");
  CHECK(contains(h.err.str(), "timed out"));

  RunHarness b;
  const Runner boom = [](Context& ctx) -> awaitable<Outcome> {
    ctx.on_abort([](const Error&) { return 3; });
    throw std::logic_error("boom");
    co_return Outcome{};
  };
  CHECK(cli::run(Settings{}, boom, b.io) == 3);

  RunHarness c;
  const Runner custom = [](Context&) -> awaitable<Outcome> {
    co_return Outcome::with_exit_code(nullptr, 1);
  };
  CHECK(cli::run(Settings{}, custom, c.io) == 1);
  CHECK(c.err.str().empty());
}

TEST_CASE("Context::credentials: decided from the settings, nothing asked") {
  asio::io_context io;
  std::ostringstream out, err;
  Io cli_io{out, err, nullptr, nullptr, false};
  Settings none;
  CHECK(Context(io.get_executor(), none, cli_io).credentials() == Context::Credentials::none);
  Settings prompt;
  prompt.jid = jid("alice@example.test");
  CHECK(Context(io.get_executor(), prompt, cli_io).credentials() == Context::Credentials::prompt);
  Settings file = prompt;
  file.password.kind = PasswordSource::Kind::file;
  CHECK(Context(io.get_executor(), file, cli_io).credentials() == Context::Credentials::ready);
  Settings anonymous;
  anonymous.jid = jid("anon.example.test");
  anonymous.anonymous = true;
  CHECK(Context(io.get_executor(), anonymous, cli_io).credentials() == Context::Credentials::ready);
}
