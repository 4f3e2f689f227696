"""`xmpp config show` and `xmpp config check` against the test Prosody (man xmpp-config): show
never prints a password and names where each value came from; check runs config, password,
server and login in order, stops at the first failure and exits with that step's code."""

import os

from conftest import free_port

CHECKS = ["config", "password", "server", "login"]


def write_private(path, text, mode=0o600):
    path.write_text(text)
    os.chmod(path, mode)
    return str(path)


def password_config(tmp_path, server, user, mode=0o600, password=None):
    password = server.password(user) if password is None else password
    return write_private(tmp_path / "config",
                         "# set up by test_config_cmd\n"
                         "[account.default]\n"
                         f'jid = "{server.jid(user)}"\n'
                         f'password = "{password}"\n'
                         "timeout = 20\n", mode)


def test_show_redacts_the_password_key(run_xmpp, server, tmp_path):
    config = password_config(tmp_path, server, "alice")
    secret = server.password("alice")
    for json_flag in ([], ["--json"]):
        run = run_xmpp("--config", config, "config", "show", *json_flag, password_file=None,
                       env={"XMPP_JID": None})
        assert run.code == 0, str(run)
        assert run.stdout.strip(), str(run)
        assert secret not in run.stdout and secret not in run.stderr, str(run)
    doc = run.json
    assert doc["password"]["kind"] == "config"
    assert doc["password"]["detail"] is None
    assert doc["password"]["where"] == f"{config}:4"
    assert "(redacted)" in run_xmpp("--config", config, "config", "show", password_file=None,
                                    env={"XMPP_JID": None}).stdout


def test_show_names_the_source_of_each_value(run_xmpp, server, tmp_path):
    config = write_private(tmp_path / "config",
                           "[account.default]\n"
                           f'jid = "{server.jid("bob")}"\n'
                           "password_command = cat /nonexistent/never-run\n"
                           "[account.work]\n"
                           f'jid = "{server.jid("carol")}"\n'
                           "resource = desk\n"
                           "timeout = 15\n")
    # The account section (-a), the environment (XMPP_DNS_SERVER) and options (--host, --port).
    run = run_xmpp("--config", config, "-a", "work", "--json", "config", "show",
                   password_file=None, env={"XMPP_JID": None})
    assert run.code == 0, str(run)
    doc = run.json
    assert doc["account"] == {"name": "work", "line": 4, "chosen_by": "--account"}
    settings = doc["settings"]
    assert settings["jid"] == {"value": server.jid("carol"), "from": "config",
                               "where": f"{config}:5"}
    assert settings["resource"]["where"] == f"{config}:6"
    assert settings["timeout"] == {"value": 15, "from": "config", "where": f"{config}:7"}
    assert settings["host"] == {"value": server.host, "from": "option", "where": "--host"}
    assert settings["port"]["where"] == "--port"
    assert settings["ca_file"]["where"] == "--ca-file"
    assert settings["dns_server"]["from"] == "environment"
    assert settings["tls"] == {"value": "auto", "from": "default", "where": None}
    assert doc["password"]["kind"] == "prompt"

    # The JID from the environment, with a password_command shown (not run).
    run = run_xmpp("--config", config, "--json", "config", "show", password_file=None,
                   env={"XMPP_JID": server.jid("alice")})
    assert run.code == 0, str(run)
    assert run.json["settings"]["jid"]["where"] == "XMPP_JID"
    assert run.json["account"]["name"] is None
    run = run_xmpp("--config", config, "--json", "config", "show", password_file=None,
                   env={"XMPP_JID": None})
    assert run.json["password"] == {"kind": "command", "detail": "cat /nonexistent/never-run",
                                    "from": "config", "where": f"{config}:3"}


def test_check_passes_for_a_good_account(run_xmpp, server):
    run = run_xmpp("config", "check")
    assert run.code == 0, str(run)
    lines = run.stdout.splitlines()
    assert [line.split()[:2] for line in lines] == [["ok", c] for c in CHECKS], str(run)
    assert "certificate verified" in lines[2], str(run)
    assert "TLSv1." in lines[2], str(run)
    assert f"bound as {server.jid('alice')}/" in lines[3], str(run)

    run = run_xmpp("--json", "config", "check")
    assert run.code == 0, str(run)
    assert run.json["ok"] is True
    assert [c["check"] for c in run.json["checks"]] == CHECKS
    assert all(c["ok"] is True and isinstance(c["detail"], str) for c in run.json["checks"])


def test_check_with_a_wrong_password_fails_the_login(run_xmpp, server, tmp_path):
    wrong = write_private(tmp_path / "wrong", "not-the-password\n")
    run = run_xmpp("--json", "config", "check", password_file=wrong)
    assert run.code == 77, str(run)
    checks = run.json["checks"]
    assert [c["check"] for c in checks] == CHECKS
    assert [c["ok"] for c in checks] == [True, True, True, False]
    assert run.error["error"]["exit"] == 77


def test_check_refuses_a_group_readable_config_with_a_password(run_xmpp, server, tmp_path):
    config = password_config(tmp_path, server, "alice", mode=0o640)
    trace = tmp_path / "trace.xml"
    run = run_xmpp("--config", config, "--trace", trace, "config", "check", password_file=None,
                   env={"XMPP_JID": None})
    assert run.code == 78, str(run)
    assert "chmod" in run.stderr, str(run)  # the message other commands give
    assert run.stdout.startswith("FAIL config ") and "chmod" in run.stdout, str(run)
    assert not trace.exists(), "nothing may be sent"
    assert server.password("alice") not in run.stderr


def test_check_against_a_closed_port_fails_the_server_step(run_xmpp, server):
    run = run_xmpp("--json", "config", "check", port=free_port())
    assert run.code == 69, str(run)
    checks = run.json["checks"]
    assert [c["check"] for c in checks] == ["config", "password", "server"]
    assert [c["ok"] for c in checks] == [True, True, False]
    assert run.error["error"]["exit"] == 69


def test_check_with_an_expired_certificate_fails_the_server_step(run_xmpp, server):
    run = run_xmpp("--json", "--tls", "direct", "config", "check", port=server.expired_port)
    assert run.code == 77, str(run)
    checks = run.json["checks"]
    assert [c["check"] for c in checks] == ["config", "password", "server"]
    assert checks[2]["ok"] is False
