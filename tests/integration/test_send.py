"""`xmpp send` against the real Prosody: acknowledgement, bounces, bad input, --dry-run, --raw.
The tests where a listener receives what was sent are in test_send_listen.py."""

import re

import pytest


def assert_sent(run, recipients):
    assert run.code == 0, str(run)
    assert run.json["failed"] == [], str(run)
    assert [m["to"] for m in run.json["sent"]] == recipients, str(run)
    for m in run.json["sent"]:
        assert m["acked"] is True, str(run)
        assert m["id"], str(run)


def test_send_is_acknowledged(run_xmpp, server):
    run = run_xmpp("send", server.jid("bob"), "-m", "hello", "--json")
    assert_sent(run, [server.jid("bob")])


def test_send_human_output_is_silent_on_success(run_xmpp, server):
    run = run_xmpp("send", server.jid("bob"), "-m", "hello")
    assert run.code == 0, str(run)
    assert run.stdout == "", str(run)


def test_send_body_from_stdin(run_xmpp, server):
    run = run_xmpp("send", server.jid("bob"), "--json", input="from stdin\n")
    assert_sent(run, [server.jid("bob")])


def test_send_several_recipients_with_id(run_xmpp, server):
    run = run_xmpp("send", server.jid("bob"), server.jid("carol"), "-m", "x", "--id", "alert",
                   "--json")
    assert_sent(run, [server.jid("bob"), server.jid("carol")])
    assert [m["id"] for m in run.json["sent"]] == ["alert-1", "alert-2"], str(run)


def test_send_bounce_is_exit_1_with_the_condition(run_xmpp, server):
    nobody = f"nobody@{server.domain}"
    run = run_xmpp("send", server.jid("bob"), nobody, "-m", "x", "--json")
    assert run.code == 1, str(run)
    assert [m["to"] for m in run.json["sent"]] == [server.jid("bob")], str(run)
    (failed,) = run.json["failed"]
    assert failed["to"] == nobody and failed["status"] == "bounced", str(run)
    assert failed["error"]["condition"] == "service-unavailable", str(run)
    assert run.error["error"]["exit"] == 1, str(run)


def test_send_bounce_human(run_xmpp, server):
    run = run_xmpp("send", f"nobody@{server.domain}", "-m", "x")
    assert run.code == 1, str(run)
    assert "bounced" in run.stdout and "service-unavailable" in run.stdout, str(run)
    assert "service-unavailable" in run.stderr, str(run)


@pytest.mark.parametrize("args,why", [
    ([], "recipient"),
    (["{bob}", "--lines", "-m", "x"], "--lines"),
    (["{bob}", "--type", "groupchat", "-m", "x"], "--muc"),
    (["{bob}", "--type", "bogus", "-m", "x"], "--type"),
    (["{bob}", "--muc", "--receipt", "-m", "x"], "--receipt"),
    (["{bob}", "--nick", "n", "-m", "x"], "--muc"),
    (["{bob}", "--raw"], "--raw"),
    (["{bob}", "--attach", "f", "-m", "x"], "--attach"),
    (["not a jid@@", "-m", "x"], ""),
])
def test_send_usage_errors(run_xmpp, server, args, why):
    argv = [a.format(bob=server.jid("bob")) for a in args]
    run = run_xmpp("send", *argv, "--json")
    assert run.code == 64, str(run)
    assert why in run.stderr, str(run)
    assert run.stdout == "", str(run)


@pytest.mark.parametrize("body", [b"bad \xff utf-8", b"control \x01 char"])
def test_send_bad_text_is_exit_65(run_xmpp, server, body):
    run = run_xmpp("send", server.jid("bob"), "--json", input=body)
    assert run.code == 65, str(run)
    assert run.error["error"]["code"] == "bad_text", str(run)
    assert "not valid UTF-8" in run.stderr, str(run)


def test_send_empty_stdin_is_exit_65(run_xmpp, server):
    run = run_xmpp("send", server.jid("bob"), "--json", input="")
    assert run.code == 65, str(run)
    assert run.error["error"]["code"] == "empty_message", str(run)


def test_send_dry_run_connects_to_nothing(run_xmpp, server):
    # Port 1 would refuse a connection: a dry run never tries.
    run = run_xmpp("send", server.jid("bob"), "-m", "a <&> b", "--subject", "S", "--thread", "T",
                   "--url", "https://example.test/f", "--id", "x1", "--dry-run", port=1)
    assert run.code == 0, str(run)
    (line,) = run.stdout.splitlines()
    assert line.startswith("<message "), str(run)
    assert "to='bob@example.test'" in line and "type='chat'" in line and "id='x1'" in line
    assert "<body>a &lt;&amp;&gt; b</body>" in line, str(run)
    assert "<subject>S</subject>" in line and "<thread>T</thread>" in line, str(run)
    assert "<url>https://example.test/f</url>" in line, str(run)
    assert "<origin-id xmlns='urn:xmpp:sid:0' id='x1'/>" in line, str(run)


def test_send_dry_run_json_and_lines(run_xmpp, server):
    run = run_xmpp("send", server.jid("bob"), "--lines", "--dry-run", "--json", port=1,
                   input="one\n\ntwo\r\n")
    assert run.code == 0, str(run)
    assert run.json["dry_run"] is True, str(run)
    stanzas = run.json["stanzas"]
    assert len(stanzas) == 2, str(run)
    assert "<body>one</body>" in stanzas[0] and "<body>two</body>" in stanzas[1], str(run)


def test_send_raw(run_xmpp, server):
    raw = (f"<message to='{server.jid('bob')}' type='chat' id='raw1'><body>raw</body></message>\n"
           f"<presence/>\n")
    run = run_xmpp("send", "--raw", "--json", input=raw)
    assert run.code == 0, str(run)
    assert [m["id"] for m in run.json["sent"]][0] == "raw1", str(run)
    assert len(run.json["sent"]) == 2, str(run)


@pytest.mark.parametrize("raw,what", [
    ("<message><body>unclosed</message>", "well-formed"),
    ("<foo xmlns='urn:x'/>", "not a jabber:client stanza"),
    ("text <message/>", "text outside"),
    ("", "no stanza"),
])
def test_send_raw_rejects_bad_input(run_xmpp, server, raw, what):
    run = run_xmpp("send", "--raw", "--json", input=raw)
    assert run.code == 65, str(run)
    assert what in run.stderr, str(run)


def test_send_lines_are_each_acknowledged(run_xmpp, server):
    lines = "".join(f"line {i}\n" for i in range(1, 501))
    run = run_xmpp("send", server.jid("carol"), "--lines", "--json", input=lines)
    assert run.code == 0, str(run)
    assert len(run.json["sent"]) == 500, str(run)
    assert [m["line"] for m in run.json["sent"]] == list(range(1, 501)), str(run)
    assert len({m["id"] for m in run.json["sent"]}) == 500, str(run)


def test_send_lines_reports_bad_lines_and_sends_the_rest(run_xmpp, server):
    run = run_xmpp("send", server.jid("bob"), "--lines", "--json",
                   input=b"good 1\nbad \xff\ngood 3\n")
    assert run.code == 65, str(run)
    assert [m["line"] for m in run.json["sent"]] == [1, 3], str(run)
    assert [m["line"] for m in run.json["failed"]] == [2], str(run)
    assert run.json["failed"][0]["error"]["code"] == "bad_text", str(run)


def test_send_to_a_closed_port_is_69(run_xmpp, server):
    from conftest import free_port
    run = run_xmpp("send", server.jid("bob"), "-m", "x", "--json", port=free_port())
    assert run.code == 69, str(run)
    assert run.stdout == "", str(run)


def test_send_verbose_says_how_many_were_acknowledged(run_xmpp, server):
    run = run_xmpp("send", server.jid("bob"), server.jid("carol"), "-m", "x", "-v")
    assert run.code == 0, str(run)
    assert re.search(r"2 of 2 messages acknowledged", run.stderr), str(run)


def test_send_dry_run_muc_shows_the_real_join_and_leave(run_xmpp, server):
    room = f"ops@conference.{server.domain}"
    run = run_xmpp("send", "--muc", "--nick", "ci", room, "-m", "x", "--dry-run", port=1)
    assert run.code == 0, str(run)
    join, message, leave = run.stdout.splitlines()
    assert f"to='{room}/ci'" in join and "<x xmlns='http://jabber.org/protocol/muc'>" in join
    assert "maxstanzas='0'" in join, str(run)  # no history for a sender
    assert "type='groupchat'" in message, str(run)
    assert f"to='{room}/ci'" in leave and "type='unavailable'" in leave, str(run)
