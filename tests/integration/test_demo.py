"""scripts/demo, the README's first command, runs its tour against a server of its own of the run's
kind (`scripts/demo --server prosody|ejabberd`; issue 12) and every step ends as it says it does."""

from __future__ import annotations

import os
import re
import subprocess

from conftest import REPO, SERVER_START_S

# Each step prints "(exit N)": the tour's steps in order, with the exit each one announces.
EXPECTED_EXITS = [
    ("Send a message", 0),
    ("Each line of stdin", 0),
    ("A bounce: no such user", 1),
    ("Publish to our own PEP service", 0),
    ("Read the node back", 0),
    ("Ping the server", 0),
    ("What the chat-room service", 0),
    ("Server software version", 0),
    ("Server time", 0),
    ("The same, as JSON", 0),
    ("A failure: a certificate from another CA", 77),
]


def test_the_tour_runs_against_a_server_of_its_own(xmpp_bin, server_kind):
    env = dict(os.environ, XMPP_BIN=xmpp_bin)
    done = subprocess.run([str(REPO / "scripts" / "demo"), "--server", server_kind], env=env,
                          capture_output=True, text=True, timeout=SERVER_START_S + 120)
    shown = f"--- stdout:\n{done.stdout}\n--- stderr:\n{done.stderr}"
    assert done.returncode == 0, shown
    steps, title = [], None
    for line in done.stdout.splitlines():
        if line.startswith("## "):
            title = line[3:]
        elif (end := re.fullmatch(r"\(exit (\d+)\)", line)) and title is not None:
            steps.append((title, int(end.group(1))))
    assert len(steps) == len(EXPECTED_EXITS), shown
    for (title, code), (prefix, expected) in zip(steps, EXPECTED_EXITS):
        assert title.startswith(prefix) and code == expected, (title, code, shown)
    # bob's listener saw the three messages alice sent (JSON lines, one per message)
    bodies = re.findall(r'"kind":"message".*?"body":"([^"]*)"', done.stdout)
    assert len(bodies) == 3 and bodies[1:] == ["disk 91%", "load 7.2"], shown
    assert bodies[0].startswith("backup finished on "), shown
