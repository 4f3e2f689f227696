"""`xmpp send --lines` keeps its memory bounded by the window, not by the number of lines: a
`tail -f log | xmpp send --lines` runs for weeks. Peak RSS (GNU time's %M) of a short and a long
run to a listening recipient are compared.

Without --json nothing is kept per acknowledged message (the report names only failures), so
the long run may not need more than a little slack. With --json the report must list every
message; what is kept for each is a small fixed-size entry (not a copy of the message), and the
document is written one message at a time: the growth per line is bounded well below what one
copy of a message costs.

Not under AddressSanitizer (the sanitizer layer of scripts/test): its quarantine holds every
freed block for a while, so the peak grows with the number of lines whatever we keep. The module
then defines no test (a skip counts as a failure in this suite: conftest.py); the normal layer
runs it on the release build."""

import json
import subprocess

from conftest import xmpp_bin_is_asan_build
from test_send_listen import listen, received_bodies, stop, token

TIME = "/usr/bin/time"
SHORT, LONG = 5_000, 25_000
RUN_S = 600


def peak_rss_kib(run_xmpp, tmp_path, args, lines):
    """Runs xmpp with `args` under GNU time, `lines` on stdin; returns (exit, stdout, KiB)."""
    argv, env = run_xmpp.command(args)
    rss = tmp_path / "rss"
    proc = subprocess.run([TIME, "--quiet", "-f", "%M", "-o", str(rss), *argv], env=env,
                          input=lines, capture_output=True, text=True, timeout=RUN_S,
                          cwd=tmp_path)
    return proc.returncode, proc.stdout, proc.stderr, int(rss.read_text().split()[-1])


def run_lines(run_xmpp, tmp_path, recipient, count, json_output):
    mark = token()
    lines = "".join(f"{mark} {i}\n" for i in range(1, count + 1))
    args = (["--json"] if json_output else []) + ["send", recipient, "--lines"]
    code, out, err, kib = peak_rss_kib(run_xmpp, tmp_path, args, lines)
    assert code == 0, f"exit {code}\n{err[-2000:]}\n{out[-2000:]}"
    if json_output:
        report = json.loads(out)
        assert len(report["sent"]) == count and report["failed"] == [], out[-2000:]
        assert report["sent"][-1]["line"] == count
    else:
        assert out == ""
    return mark, kib


def send_lines_memory_does_not_grow_with_the_lines(spawn_xmpp, run_xmpp, server,
                                                          new_account, tmp_path):
    recipient = new_account("memory")
    listener, _ = listen(spawn_xmpp, recipient, "--from", server.jid("alice"))
    to = server.jid(recipient)
    figures = {}
    for json_output in (False, True):
        for count in (SHORT, LONG):
            mark, kib = run_lines(run_xmpp, tmp_path, to, count, json_output)
            figures[(json_output, count)] = kib
            # Every line of the run reached the listener (the report is not the only witness).
            assert len(received_bodies(listener, mark, count, 240)) == count
    stop(listener)
    human_growth = figures[(False, LONG)] - figures[(False, SHORT)]
    json_growth = figures[(True, LONG)] - figures[(True, SHORT)]
    detail = f"peak RSS KiB {figures}"
    # Human output: bounded (a little slack for the allocator).
    assert human_growth < 1024, detail
    # --json: under 100 bytes per extra line (a copy of each message was over 1 KiB).
    assert json_growth * 1024 < 100 * (LONG - SHORT), detail


if not xmpp_bin_is_asan_build():
    test_send_lines_memory_does_not_grow_with_the_lines = \
        send_lines_memory_does_not_grow_with_the_lines
