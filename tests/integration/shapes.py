"""The JSON shapes the integration tests expect from `xmpp --json`, in ONE place.

CLI.md fixes the error line and the send/listen shapes; for ping, version and time it only names
the commands, so the keys below are this suite's reading of it. Change them here (and in the man
pages) if the CLI settles on other names. Each *_KEYS set lists keys that must be present; the
tests check the values.
"""

# Printed to stderr as one line with --json (CLI.md "Exit codes"):
#   {"error":{"code":"auth_failed","condition":"not-authorized","message":"...","exit":77}}
ERROR_KEYS = {"code", "condition", "message", "exit"}
AUTH_FAILED_CODE = "auth_failed"
AUTH_FAILED_CONDITION = "not-authorized"

# xmpp ping JID [--count N] (XEP-0199):
#   {"jid":"example.test","replies":[{"rtt_ms":1.7}, ...]}
# one entry per ping sent; rtt_ms is a number >= 0.
PING_KEYS = {"jid", "replies"}
PING_REPLY_KEYS = {"rtt_ms"}

# xmpp version JID (XEP-0092):
#   {"jid":"example.test","name":"Prosody","version":"0.12.3","os":"Linux"}
VERSION_KEYS = {"jid", "name", "version"}

# xmpp time JID (XEP-0202):
#   {"jid":"example.test","utc":"2024-01-01T12:00:00Z","tzo":"+00:00"}
TIME_KEYS = {"jid", "utc", "tzo"}


def missing(doc, keys) -> set:
    """The keys of KEYS that DOC (a dict) lacks; all of them if DOC is not a dict."""
    if not isinstance(doc, dict):
        return set(keys)
    return set(keys) - set(doc)


def ok(run) -> dict:
    """The JSON document of a run that must have succeeded (exit 0)."""
    assert run.code == 0, str(run)
    assert isinstance(run.json, dict), f"no JSON document on stdout\n{run}"
    return run.json


def assert_error(run, code, error_code=None, condition=None) -> dict:
    """The --json error object of a run that must have failed with exit `code` (and, when given,
    that error code and XMPP condition)."""
    assert run.code == code, str(run)
    assert run.error is not None, f"no JSON error line on stderr\n{run}"
    error = run.error["error"]
    assert set(error) == ERROR_KEYS, str(run)
    assert error["exit"] == code, str(run)
    if error_code is not None:
        assert error["code"] == error_code, str(run)
    if condition is not None:
        assert error["condition"] == condition, str(run)
    return error
