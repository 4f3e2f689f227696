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
