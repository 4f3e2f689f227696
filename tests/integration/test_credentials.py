"""Where the JID and password come from (CLI.md "Global options", SECURITY.md rule 8): files,
commands, environment, config file permissions; never argv."""

import os
import shlex

from conftest import assert_ok


def write_private(path, text, mode=0o600):
    path.write_text(text)
    os.chmod(path, mode)
    return path


def test_jid_flag(run_xmpp, server):
    run = run_xmpp("--jid", server.jid("bob"), "ping", server.domain,
                   password_file=server.password_file("bob"), env={"XMPP_JID": None})
    assert_ok(run)


def test_password_from_environment(run_xmpp, server):
    run = run_xmpp("ping", server.domain, password_file=None,
                   env={"XMPP_PASSWORD": server.password("alice")})
    assert_ok(run)


def test_password_command(run_xmpp, server):
    command = f"cat {shlex.quote(server.password_file('carol'))}"
    run = run_xmpp("--password-command", command, "ping", server.domain, user="carol",
                   password_file=None)
    assert_ok(run)


def test_no_password_source(run_xmpp, server):
    run = run_xmpp("ping", server.domain, password_file=None)
    assert run.code == 78, str(run)


def test_password_flag_does_not_exist(run_xmpp, server):
    run = run_xmpp("--password", server.password("alice"), "ping", server.domain,
                   password_file=None)
    assert run.code == 64, str(run)


def test_bad_jid_is_a_usage_error(run_xmpp, server):
    run = run_xmpp("--jid", "alice@@example..test", "ping", server.domain,
                   env={"XMPP_JID": None})
    assert run.code == 64, str(run)


def config_text(server, user):
    # The config file is "INI/TOML-style": quoted values are valid in both readings.
    return (f'[account.default]\njid = "{server.jid(user)}"\n'
            f'password = "{server.password(user)}"\n')


def test_config_file_with_password_readable_by_others_is_refused(run_xmpp, server, tmp_path):
    config = write_private(tmp_path / "config", config_text(server, "alice"), 0o644)
    run = run_xmpp("--config", config, "ping", server.domain, password_file=None,
                   env={"XMPP_JID": None})
    assert run.code == 78, str(run)


def test_config_file_with_password_private(run_xmpp, server, tmp_path):
    config = write_private(tmp_path / "config", config_text(server, "bob"), 0o600)
    run = run_xmpp("--config", config, "ping", server.domain, password_file=None,
                   env={"XMPP_JID": None})
    assert_ok(run)


def test_default_config_location(run_xmpp, server, tmp_path):
    # $XDG_CONFIG_HOME/xmpp/config, with a named account picked by -a.
    xdg = tmp_path / "xdg"
    (xdg / "xmpp").mkdir(parents=True)
    write_private(xdg / "xmpp" / "config",
                  f'[account.work]\njid = "{server.jid("carol")}"\n'
                  f'password_file = "{server.password_file("carol")}"\n')
    run = run_xmpp("-a", "work", "ping", server.domain, password_file=None,
                   env={"XMPP_JID": None, "XDG_CONFIG_HOME": xdg})
    assert_ok(run)
