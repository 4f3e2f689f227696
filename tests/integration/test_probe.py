"""xmpp probe against the real Prosody: DNS through the stub (SRV for both services), both
endpoints' TLS and features, the logged-in report (components, upload limit, XEP-0157 contacts,
version, uptime), the Nagios plugin mode with the 5-day server certificate (scripts/test-server),
the expired-certificate port and a domain without XMPP service. Exit codes: man xmpp-probe."""

import re
import time
from pathlib import Path

NAGIOS_LINE = re.compile(r"^XMPP (OK|WARNING|CRITICAL|UNKNOWN) - [^|\n]+( \| [^\n]+)?\n$")
CERT_DAYS = (4, 5)  # scripts/test-server: the server certificate expires 5 days after start
PERFDATA = re.compile(r"^'?[A-Za-z_]+'?=(U|-?[0-9.]+[a-zA-Z%]*)(;[0-9.:@~-]*){0,4}$")


def probe(run_xmpp, *args, **kwargs):
    """xmpp probe through the DNS stub (no --host/--port), without credentials unless a user is
    given."""
    kwargs.setdefault("user", None)
    kwargs.setdefault("host", None)
    kwargs.setdefault("port", None)
    return run_xmpp("probe", *args, **kwargs)


def endpoints_by_port(doc):
    return {e["port"]: e for e in doc["endpoints"]}


def check_plugin_output(run):
    """One plugin line, well-formed perfdata; returns (state, text, {label: value})."""
    assert NAGIOS_LINE.match(run.stdout), str(run)
    status, _, perf = run.stdout.rstrip("\n").partition(" | ")
    values = {}
    for item in perf.split():
        assert PERFDATA.match(item), f"bad perfdata {item!r}\n{run}"
        label, value = item.split("=", 1)
        values[label] = value.split(";")[0]
    state = status.split()[1]
    return state, status, values


# --- without credentials -------------------------------------------------------------------------

def test_probe_without_credentials_json(run_xmpp, server, server_kind):
    run = probe(run_xmpp, server.domain, "--json")
    assert run.code == 0, str(run)
    doc = run.json
    assert doc["domain"] == server.domain, str(run)
    dns = doc["dns"]
    assert dns["asked"] is True
    assert [r["port"] for r in dns["xmpps_client"]] == [server.direct_port], str(run)
    assert [r["port"] for r in dns["xmpp_client"]] == [server.port], str(run)
    assert dns["fallback"] is False and dns["no_service"] is False
    for record in dns["xmpps_client"] + dns["xmpp_client"]:
        assert set(record) == {"priority", "weight", "port", "target"}, str(run)

    endpoints = endpoints_by_port(doc)
    assert set(endpoints) == {server.port, server.direct_port}, str(run)
    direct, starttls = endpoints[server.direct_port], endpoints[server.port]
    assert direct["direct_tls"] is True and starttls["direct_tls"] is False
    # scripts/test-server: STARTTLS allows TLS 1.3, the direct TLS port is held to TLS 1.2.
    assert direct["tls"]["version"] == "TLSv1.2", str(run)
    assert starttls["tls"]["version"] == "TLSv1.3", str(run)
    assert direct["tls"]["alpn"] in ("xmpp-client", None)
    for e in (direct, starttls):
        assert e["error"] is None, str(run)
        assert e["address"].startswith("127.0.0.1:"), str(run)
        for key in ("connect_ms", "tls_ms", "features_ms"):
            assert isinstance(e[key], (int, float)) and e[key] >= 0, str(run)
        tls = e["tls"]
        assert tls["verified"] is True and tls["verify_error"] is None, str(run)
        leaf = tls["chain"][0]
        assert server.domain in leaf["dns_names"], str(run)
        assert f"_xmpp-client.{server.domain}" in leaf["srv_names"], str(run)
        assert server.domain in leaf["xmpp_addrs"], str(run)
        assert leaf["subject"] == f"CN={server.domain}", str(run)
        # The server certificate is made to expire 5 days after start (scripts/test-server):
        # 4 whole days left, 5 only within the second it was made.
        assert leaf["days_left"] in CERT_DAYS, str(run)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", leaf["not_after"]), str(run)
        assert leaf["key"] == "EC P-256", str(run)
        features = e["features"]
        assert "SCRAM-SHA-1" in features["mechanisms"], str(run)
        # XEP-0440: Prosody 0.12 lists no types; whatever it lists must be registered names.
        assert set(features["channel_binding_types"]) <= {
            "tls-unique", "tls-exporter", "tls-server-end-point"}, str(run)
        assert isinstance(features["sasl2"], bool) and isinstance(features["fast"], bool)
    # Channel binding (tls-unique) exists on TLS 1.2 only: -PLUS is offered on the direct port.
    assert "SCRAM-SHA-1-PLUS" in direct["features"]["mechanisms"], str(run)
    if server_kind == "prosody":
        # Prosody's own configuration: no -PLUS on TLS 1.3 (ejabberd 23.01 offers it there).
        assert "SCRAM-SHA-1-PLUS" not in starttls["features"]["mechanisms"], str(run)
    assert starttls["features"]["starttls_offered"] is True, str(run)
    assert doc["login"] is None and doc["server"] is None, str(run)


def test_probe_without_credentials_human(run_xmpp, server):
    run = probe(run_xmpp, server.domain)
    assert run.code == 0, str(run)
    out = run.stdout
    assert out.startswith("DNS ("), str(run)
    assert f"_xmpps-client._tcp.{server.domain}" in out, str(run)
    assert f":{server.direct_port}, direct TLS" in out, str(run)
    assert f":{server.port}, STARTTLS" in out, str(run)
    assert "TLSv1.3" in out and "TLSv1.2" in out, str(run)
    assert re.search(r"\([45] days left\)", out), str(run)
    assert "Login" not in out, str(run)


# --- with credentials -----------------------------------------------------------------------------

# What each test server calls itself (XEP-0092) and the file whose time is its start.
SERVER_NAME = {"prosody": "Prosody", "ejabberd": "ejabberd"}
PID_FILE = {"prosody": "prosody.pid", "ejabberd": "ejabberd.pid"}


def test_probe_with_credentials(run_xmpp, server, server_kind):
    run = probe(run_xmpp, server.domain, "--json", user="alice")
    assert run.code == 0, str(run)
    login = run.json["login"]
    assert login["ok"] is True and login["skipped"] is None, str(run)
    assert login["jid"].startswith(f"alice@{server.domain}/"), str(run)
    assert login["login_ms"] > 0, str(run)
    s = run.json["server"]
    assert s["jid"] == server.domain
    assert s["errors"] == {}, str(run)
    kinds = {c["jid"]: c["kind"] for c in s["components"]}
    assert kinds[f"conference.{server.domain}"] == "muc", str(run)
    assert kinds[f"pubsub.{server.domain}"] == "pubsub", str(run)
    assert kinds[f"proxy.{server.domain}"] == "proxy65", str(run)
    assert kinds[f"upload.{server.domain}"] == "upload", str(run)
    upload = next(c for c in s["components"] if c["kind"] == "upload")
    assert upload["max_file_size"] == 16 * 1024 * 1024, str(run)  # http_file_share_size_limit
    assert s["contacts"]["admin"] == [f"xmpp:admin@{server.domain}"], str(run)
    assert s["version"]["name"] == SERVER_NAME[server_kind], str(run)
    assert "jabber:iq:last" in s["info"]["features"], str(run)
    assert isinstance(s["uptime_s"], int), str(run)
    # The server counts whole seconds since its start; the pid file is written at start.
    started = (Path(server.dir) / PID_FILE[server_kind]).stat().st_mtime
    if time.time() - started > 2:
        assert s["uptime_s"] > 0, str(run)
    assert s["rtt_ms"] > 0, str(run)


def test_probe_with_credentials_human(run_xmpp, server, server_kind):
    run = probe(run_xmpp, server.domain, user="alice")
    assert run.code == 0, str(run)
    out = run.stdout
    assert "\nLogin\n" in out and f"alice@{server.domain}/" in out, str(run)
    assert f"\nServer {server.domain}\n" in out, str(run)
    assert SERVER_NAME[server_kind] in out, str(run)
    assert f"admin: xmpp:admin@{server.domain}" in out, str(run)
    assert re.search(rf"upload\.{re.escape(server.domain)}\s+upload, max 16 MiB", out), str(run)


def test_probe_anonymous(run_xmpp, server):
    run = probe(run_xmpp, "--anonymous", server.anon_domain, "--json",
                env={"XMPP_JID": server.anon_domain})
    assert run.code == 0, str(run)
    assert run.json["login"]["ok"] is True, str(run)
    assert run.json["server"]["jid"] == server.anon_domain, str(run)


def test_probe_other_domain_skips_the_login(run_xmpp, server):
    run = probe(run_xmpp, server.domain, "--json", user="alice",
                env={"XMPP_JID": f"alice@{server.anon_domain}"})
    assert run.code == 0, str(run)
    login = run.json["login"]
    assert login["ok"] is False and login["error"] is None, str(run)
    assert server.domain in login["skipped"], str(run)
    assert run.json["server"] is None, str(run)


def test_probe_wrong_password(run_xmpp, server, tmp_path):
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-password\n")
    wrong.chmod(0o600)
    run = probe(run_xmpp, server.domain, "--json", user="alice", password_file=wrong)
    assert run.code == 77, str(run)
    assert run.json["login"]["ok"] is False, str(run)
    assert run.json["login"]["error"]["code"] == "auth_failed", str(run)
    assert len(run.json["endpoints"]) == 2, str(run)  # the report is still printed


# --- Nagios plugin mode ---------------------------------------------------------------------------

def test_nagios_warning(run_xmpp, server):
    run = probe(run_xmpp, server.domain, "--nagios", "--warn-days", "10", "--crit-days", "3",
                user="alice")
    assert run.code == 1, str(run)
    state, text, perf = check_plugin_output(run)
    assert state == "WARNING", str(run)
    assert re.search(r"expires in [45] days", text), str(run)
    assert set(perf) == {"connect", "tls", "login", "rtt", "cert_days"}, str(run)
    assert int(perf["cert_days"]) in CERT_DAYS, str(run)
    assert re.search(r" cert_days=[45];10:;3:$", run.stdout.rstrip("\n")), str(run)
    for label in ("connect", "tls", "login", "rtt"):
        assert perf[label].endswith("s") and float(perf[label][:-1]) >= 0, str(run)


def test_nagios_critical(run_xmpp, server):
    run = probe(run_xmpp, server.domain, "--nagios", "--crit-days", "6", user="alice")
    assert run.code == 2, str(run)
    state, text, _ = check_plugin_output(run)
    assert state == "CRITICAL" and re.search(r"expires in [45] days", text), str(run)


def test_nagios_ok(run_xmpp, server):
    run = probe(run_xmpp, server.domain, "--nagios", "--warn-days", "2", "--crit-days", "1",
                user="alice")
    assert run.code == 0, str(run)
    state, text, perf = check_plugin_output(run)
    assert state == "OK", str(run)
    assert text.startswith(f"XMPP OK - {server.domain}: 2 endpoints, "), str(run)
    assert re.search(r"certificate valid [45] days, login \d+ ms$", text), str(run)
    assert perf["login"] != "U" and perf["rtt"] != "U", str(run)


def test_nagios_ok_without_credentials_and_json_ignored(run_xmpp, server):
    run = probe(run_xmpp, server.domain, "--nagios", "--warn-days", "2", "--crit-days", "1",
                "--json")
    assert run.code == 0, str(run)
    state, _, perf = check_plugin_output(run)
    assert state == "OK", str(run)
    assert "login" not in perf, str(run)


def test_nagios_wrong_password_is_critical(run_xmpp, server, tmp_path):
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-password\n")
    wrong.chmod(0o600)
    run = probe(run_xmpp, server.domain, "--nagios", "--warn-days", "2", "--crit-days", "1",
                user="alice", password_file=wrong)
    assert run.code == 2, str(run)
    state, text, perf = check_plugin_output(run)
    assert state == "CRITICAL" and "login failed" in text, str(run)
    assert perf["login"] == "U", str(run)


def test_expired_certificate(run_xmpp, server):
    run = probe(run_xmpp, server.domain, "--tls", "direct", "--json", host=server.host,
                port=server.expired_port)
    assert run.code == 77, str(run)
    e = run.json["endpoints"][0]
    assert e["tls"]["verified"] is False, str(run)
    assert "expired" in e["tls"]["verify_error"], str(run)
    assert e["tls"]["chain"][0]["not_after"] == "2020-02-01T00:00:00Z", str(run)
    assert e["tls"]["chain"][0]["days_left"] < 0, str(run)
    assert run.json["dns"]["asked"] is False, str(run)


def test_nagios_expired_certificate(run_xmpp, server):
    run = probe(run_xmpp, server.domain, "--tls", "direct", "--nagios", host=server.host,
                port=server.expired_port)
    assert run.code == 2, str(run)
    state, text, perf = check_plugin_output(run)
    assert state == "CRITICAL" and "expired" in text, str(run)
    assert int(perf["cert_days"]) < 0, str(run)


def test_untrusted_certificate(run_xmpp, server):
    run = probe(run_xmpp, server.domain, "--json", ca_file=server.other_ca)
    assert run.code == 77, str(run)
    assert all(e["tls"]["verified"] is False for e in run.json["endpoints"]), str(run)
    nagios = probe(run_xmpp, server.domain, "--nagios", ca_file=server.other_ca)
    assert nagios.code == 2, str(nagios)


def test_no_service(run_xmpp, server):
    domain = f"noservice.{server.domain}"
    run = probe(run_xmpp, domain, "--json")
    assert run.code == 68, str(run)
    assert run.error["error"]["exit"] == 68, str(run)
    nagios = probe(run_xmpp, domain, "--nagios")
    assert nagios.code == 2, str(nagios)
    state, text, _ = check_plugin_output(nagios)
    assert state == "CRITICAL" and domain in text, str(nagios)


def test_nothing_connects(run_xmpp, server):
    from conftest import free_port
    run = probe(run_xmpp, server.domain, host=server.host, port=free_port())
    assert run.code == 69, str(run)
    nagios = probe(run_xmpp, server.domain, "--nagios", host=server.host, port=free_port())
    assert nagios.code == 2, str(nagios)
    _, _, perf = check_plugin_output(nagios)
    assert perf["connect"] == "U", str(nagios)


def test_nagios_bad_domain_is_unknown(run_xmpp, server):
    run = probe(run_xmpp, f"alice@{server.domain}", "--nagios")
    assert run.code == 3, str(run)
    state, _, _ = check_plugin_output(run)
    assert state == "UNKNOWN", str(run)
    plain = probe(run_xmpp, f"alice@{server.domain}")
    assert plain.code == 64, str(plain)
