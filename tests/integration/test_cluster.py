"""A two-node ejabberd cluster on loopback (issue 12): the product across the nodes, and failover
through SRV when a node is lost.

The module starts its own cluster (scripts/test-server start --server ejabberd DIR1, then
start --server ejabberd --join DIR1 DIR2: ejabberd's own clustering, Mnesia replicating the
accounts, rooms and pubsub nodes), so it may kill node 1 without disturbing the run's server.
alice and bob are the cluster's shared accounts; each run names its node by --host/--port, or
finds the cluster through a DNS stub publishing both nodes as SRV targets (node 1 first).

Only ejabberd clusters: on a Prosody run (XMPP_TEST_SERVER=prosody) this module defines no test
at all, because the integration suite counts a skip as a failure (conftest.py). Run it on the
ejabberd leg.

Order matters: the tests across the nodes come first, the failover tests last (they lose node 1
for the rest of the module).
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from conftest import (SERVER_START_S, TEST_SERVER, Server, _server_env, server_kind_to_start,
                      sigkill_and_wait)

WAIT_S = 60
# From the loss of node 1 to the first line written after it reaching bob: 0.1-0.6 s when node 2
# answers at once, but each failed attempt to get the connection back is followed by the
# product's backoff (0.5-1 s, then 1-2 s, 2-4 s, 4-8 s, 8-16 s: net::retry_delay), so a loaded
# machine where node 2 refuses a few attempts needs more than WAIT_S. The sender runs with -v:
# a failure shows each attempt and why it failed.
FAILOVER_S = 150
# One node start or join (test-server's own deadline: 120 s per wait, up to 3 tries with new
# ports; 34 s was seen for one start on a loaded CI machine): conftest's bound for a start.
START_S = SERVER_START_S
NODE1_TARGET = "node1.cluster.test"
NODE2_TARGET = "node2.cluster.test"


def token() -> str:
    return uuid.uuid4().hex[:12]


def figures(name: str, values: dict) -> None:
    print(f"\n{name}: " + json.dumps(values))


class Cluster:
    """Two ejabberd test servers in temporary directories, node 2 joined to node 1."""

    def __init__(self):
        self.dirs = [Path(tempfile.mkdtemp(prefix="xmpp-cluster1-")),
                     Path(tempfile.mkdtemp(prefix="xmpp-cluster2-"))]
        # test-server wants an empty DIR of its own: it creates it.
        for d in self.dirs:
            d.rmdir()
        self.nodes: list[Server] = []

    def script(self, *args, timeout=START_S) -> None:
        done = subprocess.run([str(TEST_SERVER), *args], capture_output=True, text=True,
                              timeout=timeout)
        assert done.returncode == 0, f"test-server {' '.join(args)}: {done.stderr}"

    def start(self) -> None:
        self.script("start", "--server", "ejabberd", str(self.dirs[0]))
        self.script("start", "--server", "ejabberd", "--join", str(self.dirs[0]),
                    str(self.dirs[1]))
        self.nodes = [Server(_server_env(str(d))) for d in self.dirs]

    def crash(self, index: int) -> None:
        """SIGKILL to the node's beam.smp: no goodbye to its clients or to the other node. Sent
        from here rather than by `test-server crash` (a bash start-up later): the test wants
        lines in flight at that moment. Only to the pid whose command line names this node's
        Mnesia directory (test-server's ejd_ours)."""
        directory = self.dirs[index]
        pid = int((directory / "ejabberd.pid").read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        assert f'-mnesia dir "{directory}/server/db"' in cmdline, cmdline
        sigkill_and_wait(pid, WAIT_S, f"node {index + 1}")

    def running(self, index: int) -> bool:
        return subprocess.run([str(TEST_SERVER), "status", str(self.dirs[index])],
                              capture_output=True, timeout=WAIT_S).returncode == 0

    def stop(self, keep: bool) -> None:
        for d in reversed(self.dirs):
            if d.exists():
                subprocess.run([str(TEST_SERVER), "stop", str(d)], capture_output=True,
                               timeout=START_S)
        for d in self.dirs:
            if keep:
                print(f"\ncluster node directory kept (logs in server/): {d}")
            else:
                shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster(request):
    nodes = Cluster()
    try:
        nodes.start()
        yield nodes
    finally:
        nodes.stop(keep=request.session.testsfailed > 0)


@pytest.fixture
def cluster_srv(cluster, dns_stub):
    """A DNS stub: _xmpp-client._tcp.example.test -> node 1 (priority 0), node 2 (priority 10)."""
    n1, n2 = cluster.nodes
    return dns_stub([
        (f"_xmpp-client._tcp.{n1.domain}", "SRV", (0, 5, n1.port, NODE1_TARGET)),
        (f"_xmpp-client._tcp.{n1.domain}", "SRV", (10, 5, n2.port, NODE2_TARGET)),
        (n1.domain, "A", "127.0.0.1"),
        (NODE1_TARGET, "A", "127.0.0.1"),
        (NODE2_TARGET, "A", "127.0.0.1"),
    ])


def on(node: Server, user: str) -> dict:
    """run_xmpp/spawn_xmpp keyword arguments: USER of the cluster, connected to NODE."""
    return {"user": user, "password_file": node.password_file(user), "ca_file": node.ca,
            "host": node.host, "port": node.port}


def through(stub, node: Server, user: str) -> dict:
    """The same, but the node found through the SRV records of STUB (no --host, no --port)."""
    return {"user": user, "password_file": node.password_file(user), "ca_file": node.ca,
            "host": None, "port": None, "dns_server": stub.address}


def listen(spawn_xmpp, connection: dict, *args):
    """A listener that is logged in (its {"kind":"ready"} line came)."""
    listener = spawn_xmpp("listen", "--json", "-v", *args, **connection)
    listener.wait_for_line(lambda l: '"kind":"ready"' in l, timeout=WAIT_S)
    return listener


def next_kind(process, kind: str, predicate, timeout=WAIT_S) -> dict:
    while True:
        event = json.loads(process.wait_for_line(lambda l: f'"kind":"{kind}"' in l,
                                                 timeout=timeout))
        if predicate(event):
            return event


def stop(process) -> None:
    process.signal(signal.SIGINT)
    assert process.wait() == 0, str(process)


def ok(run) -> dict:
    assert run.code == 0, str(run)
    return run.json


def define_tests() -> None:
    """The tests, defined only when the run's server is ejabberd (see the module docstring)."""

    def test_send_and_listen_across_the_nodes(cluster, run_xmpp, spawn_xmpp):
        n1, n2 = cluster.nodes
        assert n1.port != n2.port and n1.domain == n2.domain
        for sender, sender_node, receiver, receiver_node in (("alice", n1, "bob", n2),
                                                             ("bob", n2, "alice", n1)):
            listener = listen(spawn_xmpp, on(receiver_node, receiver), "--from",
                              n1.jid(sender))
            mark = token()
            run = run_xmpp("--json", "send", n1.jid(receiver), "-m", f"{mark} across",
                           "--id", mark, **on(sender_node, sender))
            assert all(s["acked"] for s in ok(run)["sent"]), str(run)
            got = next_kind(listener, "message", lambda m: m["id"] == mark)
            assert got["body"] == f"{mark} across" and got["type"] == "chat", got
            assert got["from"].startswith(n1.jid(sender) + "/"), got
            stop(listener)

    def test_a_room_across_the_nodes(cluster, run_xmpp, spawn_xmpp):
        n1, n2 = cluster.nodes
        room = f"cluster-{token()}@conference.{n1.domain}"
        created = ok(run_xmpp("--json", "muc", "create", room, "--persistent", **on(n1, "alice")))
        assert created["room"] == room and created["created"] is True, created
        # bob enters on node 2; the room lives on node 1's ejabberd (Mnesia names where).
        bob = spawn_xmpp("--json", "muc", "join", room, "--listen", **on(n2, "bob"))
        joined = json.loads(bob.wait_for_line(lambda l: '"kind":"joined"' in l, timeout=WAIT_S))
        assert joined["room"] == room and joined["nick"] == "bob", joined
        assert joined["created"] is False, joined
        body = f"groupchat {token()}"
        sent = ok(run_xmpp("--json", "muc", "send", room, "-m", body, **on(n1, "alice")))
        assert all(s["acked"] for s in sent["sent"]), sent
        message = next_kind(bob, "message", lambda e: e["body"] == body)
        assert message["room"] == room and message["nick"] == "alice", message
        assert message["type"] == "groupchat" and message["history"] is False, message
        # The occupants seen from node 1 include bob, who is on node 2.
        occupants = ok(run_xmpp("--json", "muc", "occupants", room, **on(n1, "alice")))
        assert "bob" in {o["nick"] for o in occupants["occupants"]}, occupants
        stop(bob)

    def test_a_pubsub_node_across_the_nodes(cluster, run_xmpp):
        n1, n2 = cluster.nodes
        service, node = f"pubsub.{n1.domain}", f"cluster-{token()}"
        # Only admin creates nodes on the component (scripts/test-server's access rules).
        ok(run_xmpp("--json", "pubsub", "create", service, node, **on(n1, "admin")))
        text = f"item {token()}"
        published = ok(run_xmpp("--json", "pubsub", "publish", service, node, "--id", "one",
                                "--text", text, **on(n1, "admin")))
        assert published["id"] == "one", published
        items = ok(run_xmpp("--json", "pubsub", "items", service, node, **on(n2, "bob")))
        assert [i["id"] for i in items["items"]] == ["one"], items
        assert items["items"][0]["text"] == text, items

    def test_a_lines_run_survives_the_loss_of_its_node(cluster, cluster_srv, run_xmpp,
                                                       spawn_xmpp):
        n1, n2 = cluster.nodes
        assert cluster.running(0), "node 1 must be up at the start of this test"
        listener = listen(spawn_xmpp, on(n2, "bob"), "--from", n1.jid("alice"))
        prefix = token()
        # Lines 1..queued are written at once; node 1 dies as soon as bob has line `first`, with
        # the rest of them likely still in flight (written, not acknowledged); the lines after
        # `queued` are written after the loss.
        total, queued, first = 300, 200, 50
        lines = spawn_xmpp("--retries", "20", "-v", "--json", "send", n1.jid("bob"), "--lines",
                           "--id", prefix, stdin=subprocess.PIPE,
                           **through(cluster_srv, n1, "alice"))

        def feed(numbers):
            lines.proc.stdin.write("".join(f"{prefix} line {i}\n" for i in numbers).encode())
            lines.proc.stdin.flush()

        received: dict[str, int] = {}

        def receive_until(wanted: set[str], timeout: float = WAIT_S) -> None:
            deadline = time.monotonic() + timeout
            while not wanted <= set(received):
                left = deadline - time.monotonic()
                # On a failure, both sides: the sender's -v trace says where its recovery was.
                missing = f"missing {sorted(wanted - set(received))[:10]}\n{listener}\n{lines}"
                assert left > 0, missing
                try:
                    m = next_kind(listener, "message",
                                  lambda m: m["id"].startswith(prefix + "-"), timeout=left)
                except pytest.fail.Exception:
                    pytest.fail(missing)
                assert m["body"] == f"{prefix} line {m['id'].rsplit('-', 1)[1]}", m
                received[m["id"]] = received.get(m["id"], 0) + 1

        feed(range(1, queued + 1))
        receive_until({f"{prefix}-{first}"})
        assert f"127.0.0.1:{n1.port}" in lines.stderr, "the run did not start on node 1\n" + \
            str(lines)
        received_at_kill = len(received)
        killed = time.monotonic()
        cluster.crash(0)
        feed(range(queued + 1, total + 1))
        receive_until({f"{prefix}-{queued + 1}"}, FAILOVER_S)
        failover_s = time.monotonic() - killed
        lines.proc.stdin.close()
        receive_until({f"{prefix}-{i}" for i in range(1, total + 1)})
        assert lines.wait(WAIT_S) == 0, str(lines)
        report = json.loads(lines.lines[-1])
        assert report["failed"] == [], report
        assert [s["line"] for s in report["sent"]] == list(range(1, total + 1)), report
        assert all(s["acked"] for s in report["sent"]), report
        # ejabberd's XEP-0198 sessions live on their node: a fresh login on node 2 (-v names
        # the first connection only; node 2 is the only node left), and only lines written
        # before the loss and unacknowledged then are written again, with their ids. Those that
        # node 1 had routed to bob before it died reach him twice, and `listen` prints each
        # once (same origin-id from the same sender, man xmpp-listen "Duplicates").
        assert "logged in again" in lines.stderr, lines.stderr
        assert report["resent"] <= queued, report["resent"]
        duplicates = sum(n - 1 for n in received.values())
        assert duplicates == 0, {i: n for i, n in received.items() if n > 1}
        figures("cluster_lines_failover", {"lines": total, "killed_after_received": first,
                                           "received_at_kill": received_at_kill,
                                           "first_new_line_after_kill_s": round(failover_s, 3),
                                           "resent": report["resent"],
                                           "duplicates_received": duplicates})
        stop(listener)

    def test_send_through_srv_reaches_node2_when_node1_is_gone(cluster, cluster_srv, run_xmpp,
                                                               spawn_xmpp):
        n1, n2 = cluster.nodes
        if cluster.running(0):
            cluster.crash(0)
        listener = listen(spawn_xmpp, on(n2, "bob"), "--from", n1.jid("alice"))
        mark = token()
        started = time.monotonic()
        run = run_xmpp("-v", "--json", "send", n1.jid("bob"), "-m", f"{mark} failover",
                       "--id", mark, **through(cluster_srv, n1, "alice"))
        elapsed = time.monotonic() - started
        assert all(s["acked"] for s in ok(run)["sent"]), str(run)
        # Node 1 (priority 0) refused, node 2 (priority 10) took it; within send's deadline (30 s).
        assert f"connected to 127.0.0.1:{n2.port}" in run.stderr, str(run)
        assert elapsed < 30, elapsed
        got = next_kind(listener, "message", lambda m: m["id"] == mark)
        assert got["body"] == f"{mark} failover", got
        assert cluster_srv.queries, "the SRV records were not asked for"
        figures("cluster_send_failover", {"send_wall_s": round(elapsed, 3)})
        stop(listener)

    globals().update({name: value for name, value in locals().items()
                      if name.startswith("test_")})


if server_kind_to_start() == "ejabberd":
    define_tests()
