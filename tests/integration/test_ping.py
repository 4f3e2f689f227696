"""Small probes against the server and a component: ping (XEP-0199), version (XEP-0092),
time (XEP-0202). Expected JSON shapes: shapes.py."""

import re
from datetime import datetime, timedelta, timezone

from shapes import (PING_KEYS, PING_REPLY_KEYS, TIME_KEYS, VERSION_KEYS, missing)


def check_ping(run, jid, count):
    assert run.code == 0, str(run)
    assert not missing(run.json, PING_KEYS), str(run)
    assert run.json["jid"] == jid, str(run)
    replies = run.json["replies"]
    assert isinstance(replies, list) and len(replies) == count, str(run)
    for reply in replies:
        assert not missing(reply, PING_REPLY_KEYS), str(run)
        assert isinstance(reply["rtt_ms"], (int, float)) and reply["rtt_ms"] >= 0, str(run)


def test_ping_server_human(run_xmpp, server):
    run = run_xmpp("ping", server.domain)
    assert run.code == 0, str(run)
    assert run.stdout.strip(), str(run)


def test_ping_server_json(run_xmpp, server):
    check_ping(run_xmpp("ping", server.domain, "--json"), server.domain, 1)


def test_ping_count(run_xmpp, server):
    check_ping(run_xmpp("ping", server.domain, "--count", "3", "--json"), server.domain, 3)


def test_ping_component(run_xmpp, server, server_kind):
    component = f"conference.{server.domain}"
    run = run_xmpp("ping", component, "--json")
    if server_kind == "ejabberd":
        # ejabberd 23.01's components do not answer XEP-0199 (mod_ping serves the host only):
        # the user gets the component's service-unavailable and why, exit 1.
        assert run.code == 1, str(run)
        assert run.error["error"]["condition"] == "service-unavailable", str(run)
        assert "does not support XEP-0199" in run.error["error"]["message"], str(run)
        return
    check_ping(run, component, 1)


def test_global_options_after_the_command(run_xmpp, server):
    # CLI.md "Shape": global options may stand before or after the command.
    run = run_xmpp("ping", server.domain, "--json", ca_file=None)
    assert run.code == 77, str(run)  # without the run's CA the certificate is not trusted
    run = run_xmpp("ping", server.domain, "--json", "--ca-file", server.ca, ca_file=None)
    check_ping(run, server.domain, 1)


# What each test server says it is (XEP-0092): Debian 12's Prosody and ejabberd.
SERVER_SOFTWARE = {"prosody": ("Prosody", r"0\.12\b"), "ejabberd": ("ejabberd", r"23\.01\b")}


def test_version_server(run_xmpp, server, server_kind):
    name, version = SERVER_SOFTWARE[server_kind]
    run = run_xmpp("version", server.domain, "--json")
    assert run.code == 0, str(run)
    assert not missing(run.json, VERSION_KEYS), str(run)
    assert run.json["jid"] == server.domain, str(run)
    assert run.json["name"] == name, str(run)
    assert re.match(version, run.json["version"]), str(run)


def test_version_human(run_xmpp, server, server_kind):
    run = run_xmpp("version", server.domain)
    assert run.code == 0, str(run)
    assert SERVER_SOFTWARE[server_kind][0] in run.stdout, str(run)


def test_time_server(run_xmpp, server):
    run = run_xmpp("time", server.domain, "--json")
    assert run.code == 0, str(run)
    assert not missing(run.json, TIME_KEYS), str(run)
    assert run.json["jid"] == server.domain, str(run)
    # XEP-0202 §3: utc is an XEP-0082 DateTime in UTC, tzo is "+HH:MM"/"-HH:MM" or "Z".
    utc = run.json["utc"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", utc), str(run)
    when = datetime.fromisoformat(utc.replace("Z", "+00:00"))
    assert abs(datetime.now(timezone.utc) - when) < timedelta(minutes=5), str(run)
    assert re.fullmatch(r"Z|[+-]\d\d:\d\d", run.json["tzo"]), str(run)


def test_time_human(run_xmpp, server):
    run = run_xmpp("time", server.domain)
    assert run.code == 0, str(run)
    assert run.stdout.strip(), str(run)


def test_ping_second_account(run_xmpp, server):
    # An iq to a bare JID is answered by the server on the account's behalf (RFC 6121 §8.5.1).
    bob = f"bob@{server.domain}"
    check_ping(run_xmpp("ping", bob, "--json"), bob, 1)


def test_second_account_logs_in_and_pings(run_xmpp, server):
    alice = f"alice@{server.domain}"
    check_ping(run_xmpp("ping", alice, "--json", user="bob"), alice, 1)


def test_ping_offline_resource_is_a_remote_error(run_xmpp, server):
    # No such session: the server answers service-unavailable for the full JID: exit 1, not 0.
    run = run_xmpp("ping", f"bob@{server.domain}/nowhere", "--json")
    assert run.code == 1, str(run)
    assert '"condition":"service-unavailable"' in run.stderr.replace(" ", ""), str(run)
