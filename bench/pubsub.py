#!/usr/bin/python3
"""Publish latency and `listen` throughput of `xmpp pubsub` (issue 7, "Done when"), on one local
Prosody.

    bench/pubsub.py [--runs N] [--warmup N] [--items N] [--proc-items N] [--parallel P]
                    [--only latency,listen] [--out FILE] [--keep]

Starts a throwaway Prosody (scripts/test-server, as bench/run does) on 127.0.0.1, then measures:
  1. publish latency: ONE `xmpp pubsub publish SERVICE NODE --text BODY` process end to end
     (process start, connect, STARTTLS with the certificate verified, SASL, bind, the publish iq
     and its result, close, exit), --warmup untimed runs then --runs timed runs (default 2 and
     10) to a node of the pubsub component (as admin, the only account Prosody lets create nodes
     there) and to a PEP node (alice's own service, `pep`), interleaved so that load changes hit
     both alike; median and p90 of the wall time around fork/exec/wait;
  2. items/s through `listen`: bob runs `xmpp --json pubsub listen SERVICE NODE --count N` (it
     subscribes, prints one NDJSON line per event and unsubscribes on exit); once it printed its
     "listening to node" line on stderr, N items are published as fast as possible by
       - "slixmpp": one python3-slixmpp client (this script, re-run as a child) that logs in as
         admin and sends all N publish iqs pipelined (at most --window unanswered), and
       - "xmpp xP": `xmpp pubsub publish` processes, --parallel at a time, --proc-items in all;
     items/s = (events - 1) / (time of the last event - time of the first), times taken when the
     listener's lines arrive at this script. The run checks that every item arrived once, in
     publication order for the single slixmpp publisher (parallel processes have no order), and
     that the listener exited 0.
Prints a table and writes the numbers to bench/results/pubsub-<date>.json (or --out).

The binary: $XMPP_BIN, else build/cli/xmpp when it has `pubsub`, else build-pubsub/cli/xmpp (a
Debug build: the table says which was measured). python3-slixmpp is needed for the slixmpp row
(Debian package). Nothing but 127.0.0.1 is contacted.
"""

import argparse
import asyncio
import datetime
import json
import os
import platform
import queue
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import bench_server
from bench_server import Server

ROOT = Path(__file__).resolve().parent.parent
PYTHON = "/usr/bin/python3"
DOMAIN = "example.test"
COMPONENT = f"pubsub.{DOMAIN}"
PEP_NODE = "urn:example:bench:status"
NS_PUBSUB = "http://jabber.org/protocol/pubsub"
NS_TEXT = "https://prosody.im/protocol/data"  # the element `publish --text` writes
# One realistic CI notification, the same for every run.
BODY = "bench: pipeline 4711 stage deploy finished OK on runner ci-7 in 312 s (commit 9f3c2a1)"
WAIT_S = 120


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="\n".join(__doc__.splitlines()[2:]))
    p.add_argument("--runs", type=int, default=10, help="timed publishes per target (default 10)")
    p.add_argument("--warmup", type=int, default=2, help="untimed publishes first (default 2)")
    p.add_argument("--items", type=int, default=1000,
                   help="items for the slixmpp-fed listen run (default 1000)")
    p.add_argument("--proc-items", type=int, default=200,
                   help="items for the process-fed listen run (default 200)")
    p.add_argument("--parallel", type=int, default=4,
                   help="publish processes at a time in the process-fed run (default 4)")
    p.add_argument("--window", type=int, default=64,
                   help="unanswered publish iqs the slixmpp publisher allows (default 64)")
    p.add_argument("--only", default="latency,listen", help="phases: latency, listen")
    p.add_argument("--out", help="results file (default bench/results/pubsub-<date>.json)")
    p.add_argument("--keep", action="store_true", help="leave the server and its directory")
    p.add_argument("--server-script", default=str(ROOT / "scripts" / "test-server"))
    # The slixmpp publisher child (internal).
    p.add_argument("--publisher-child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--child-args", help=argparse.SUPPRESS)
    return p.parse_args()


# ---------------------------------------------------------------------------------------------
# Set-up


def has_pubsub(binary):
    try:
        run = subprocess.run([str(binary), "pubsub", "--help"], capture_output=True, timeout=30)
    except OSError:
        return False
    return run.returncode == 0 and b"publish" in run.stdout


def find_binary():
    env = os.environ.get("XMPP_BIN")
    if env:
        if not os.access(env, os.X_OK):
            sys.exit(f"bench: XMPP_BIN={env} is not executable")
        return Path(env), f"XMPP_BIN ({env})"
    for path, what in ((ROOT / "build" / "cli" / "xmpp", "build/ (RelWithDebInfo)"),
                       (ROOT / "build-pubsub" / "cli" / "xmpp", "build-pubsub/ (Debug)")):
        if path.exists() and has_pubsub(path):
            return path, what
    sys.exit("bench: no xmpp binary with `pubsub` (set XMPP_BIN)")


def build_type(binary):
    cache = binary.parent.parent / "CMakeCache.txt"
    try:
        for line in cache.read_text().splitlines():
            if line.startswith("CMAKE_BUILD_TYPE:"):
                return line.split("=", 1)[1] or "(none)"
    except OSError:
        pass
    return "unknown"


class Xmpp(bench_server.Xmpp):
    """The shared argv and environment (bench_server.Xmpp), plus this benchmark's runs."""

    def run(self, user, *args, check=True):
        proc = subprocess.run(self.argv(user, *args), env=self.env(user), capture_output=True,
                              text=True, stdin=subprocess.DEVNULL, timeout=WAIT_S)
        if check and proc.returncode != 0:
            sys.exit(f"bench: {shlex.join(self.argv(user, *args))} exited {proc.returncode}\n"
                     f"{proc.stderr[-2000:]}")
        return proc

    def timed_publish(self, user, service, node):
        """Wall seconds of one publish process (fork/exec to exit, output to a pipe)."""
        argv = self.argv(user, "pubsub", "publish", service, node, "--text", BODY)
        start = time.perf_counter()
        proc = subprocess.run(argv, env=self.env(user), stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=WAIT_S)
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            sys.exit(f"bench: publish exited {proc.returncode}: {proc.stderr.decode()[-2000:]}")
        return wall


def percentile(values, q):
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


# ---------------------------------------------------------------------------------------------
# Phase 1: publish latency


def phase_latency(args, xmpp, res):
    node = f"bench-latency-{uuid.uuid4().hex[:8]}"
    xmpp.run("admin", "pubsub", "create", COMPONENT, node)
    targets = [("component", "admin", COMPONENT, node), ("pep", "alice", "pep", PEP_NODE)]
    samples = {name: [] for name, *_ in targets}
    log(f"latency: {args.warmup} warm-up + {args.runs} timed publishes per target")
    for i in range(args.warmup + args.runs):
        for name, user, service, target_node in targets:
            wall = xmpp.timed_publish(user, service, target_node)
            if i >= args.warmup:
                samples[name].append(wall * 1000)
    for name, values in samples.items():
        res["latency"][name] = {"runs": len(values), "median_ms": statistics.median(values),
                                "p90_ms": percentile(values, 90), "min_ms": min(values),
                                "max_ms": max(values), "samples_ms": values}


# ---------------------------------------------------------------------------------------------
# Phase 2: items/s through listen


class Listener:
    """bob's `xmpp --json pubsub listen`: stdout lines time-stamped as they arrive here."""

    def __init__(self, xmpp, node, count):
        self.argv = xmpp.argv("bob", "--json", "--timeout", "0", "pubsub", "listen", COMPONENT,
                              node, "--count", count)
        self.proc = subprocess.Popen(self.argv, env=xmpp.env("bob"), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.events = []  # (monotonic seconds, parsed line)
        self.stderr_lines = queue.Queue()
        self.err_text = []
        self.done = threading.Event()
        threading.Thread(target=self._out, daemon=True).start()
        threading.Thread(target=self._err, daemon=True).start()

    def _out(self):
        for raw in self.proc.stdout:
            self.events.append((time.perf_counter(), json.loads(raw)))
        self.done.set()

    def _err(self):
        for raw in self.proc.stderr:
            line = raw.decode(errors="replace").rstrip("\n")
            self.err_text.append(line)
            self.stderr_lines.put(line)
        self.stderr_lines.put(None)

    def wait_listening(self):
        deadline = time.monotonic() + WAIT_S
        while True:
            try:
                line = self.stderr_lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            if line is None:
                self.proc.kill()
                sys.exit("bench: the listener never said it was listening:\n" +
                         "\n".join(self.err_text[-20:]))
            if "listening to node" in line:
                return

    def wait(self):
        try:
            code = self.proc.wait(timeout=WAIT_S * 5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = None
        self.done.wait(WAIT_S)
        return code


def throughput(listener, ids, ordered):
    """The row for one listen run: rate from the first to the last event, and the checks."""
    code = listener.wait()
    got = [e for _, e in listener.events if e.get("event") == "published"]
    got_ids = [e["id"] for e in got]
    times = [t for t, e in listener.events if e.get("event") == "published"]
    row = {"items": len(ids), "received": len(got), "listener_exit": code,
           "all_once": sorted(got_ids) == sorted(ids),
           "in_order": got_ids == ids if ordered else None}
    if len(times) >= 2:
        span = times[-1] - times[0]
        row["span_s"] = span
        row["items_per_s"] = (len(times) - 1) / span if span > 0 else float("inf")
    return row


def publish_child(args):
    """The slixmpp publisher: N publish iqs, at most `window` unanswered; prints its seconds."""
    import xml.etree.ElementTree as ET

    import slixmpp

    opts = json.loads(args.child_args)
    password = Path(opts["password_file"]).read_text().splitlines()[0]

    async def run():
        loop = asyncio.get_running_loop()
        client = slixmpp.ClientXMPP(f"admin@{DOMAIN}/bench-{uuid.uuid4().hex[:6]}", password)
        client.ca_certs = opts["ca"]
        started = loop.create_future()
        client.add_event_handler("session_start", lambda _: started.done() or
                                 started.set_result(True))
        client.add_event_handler("failed_auth", lambda _: started.done() or
                                 started.set_result(False))
        client.add_event_handler("connection_failed", lambda _: started.done() or
                                 started.set_result(False))
        client.connect((opts["host"], opts["port"]), force_starttls=True)
        if not await asyncio.wait_for(started, WAIT_S):
            return {"seconds": None, "failures": ["login failed"]}
        window = asyncio.Semaphore(opts["window"])
        failures = []

        async def one(item_id, n):
            pubsub = ET.Element(f"{{{NS_PUBSUB}}}pubsub")
            publish = ET.SubElement(pubsub, f"{{{NS_PUBSUB}}}publish", {"node": opts["node"]})
            item = ET.SubElement(publish, f"{{{NS_PUBSUB}}}item", {"id": item_id})
            ET.SubElement(item, f"{{{NS_TEXT}}}data").text = f"{BODY} #{n}"
            iq = client.make_iq_set(pubsub, ito=COMPONENT)
            try:
                await iq.send(timeout=WAIT_S)
            except Exception as exc:  # reported as a failed run
                failures.append(f"{item_id}: {exc!r}")
            finally:
                window.release()

        # Tasks run in creation order, so the iqs leave in that order: the service handles one
        # session's stanzas in order, and the listener must see the items in this order.
        start = time.perf_counter()
        tasks = []
        for n, item_id in enumerate(opts["ids"]):
            await window.acquire()
            tasks.append(asyncio.ensure_future(one(item_id, n)))
        await asyncio.gather(*tasks)
        seconds = time.perf_counter() - start
        closed = client.disconnected
        try:
            await asyncio.wait_for(client.disconnect(wait=2.0), 5)
            await asyncio.wait_for(closed, 5)
        except asyncio.TimeoutError:
            pass
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        return {"seconds": seconds, "failures": failures}

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    result = loop.run_until_complete(run())
    print(json.dumps(result), flush=True)
    return 0 if not result["failures"] else 1


def phase_listen(args, xmpp, server, res):
    # (a) one slixmpp publisher, pipelined
    node = f"bench-listen-{uuid.uuid4().hex[:8]}"
    xmpp.run("admin", "pubsub", "create", COMPONENT, node)
    ids = [f"i{n:06d}" for n in range(args.items)]
    listener = Listener(xmpp, node, args.items)
    listener.wait_listening()
    log(f"listen: {args.items} items from one slixmpp publisher (window {args.window})")
    child = {"node": node, "ids": ids, "window": args.window, "host": server.host,
             "port": server.port, "ca": server.ca,
             "password_file": str(server.passwords / "admin")}
    cpu0 = server.cpu_seconds()
    pub = subprocess.run([PYTHON, str(Path(__file__).resolve()), "--publisher-child",
                          "--child-args", json.dumps(child)], capture_output=True, text=True,
                         timeout=WAIT_S * 5)
    row = throughput(listener, ids, ordered=True)
    row["server_cpu_s"] = server.cpu_seconds() - cpu0
    try:
        out = json.loads(pub.stdout.strip().splitlines()[-1])
        row["publisher_s"] = out["seconds"]
        row["publisher_failures"] = len(out["failures"])
    except (ValueError, IndexError, KeyError):
        row["publisher_error"] = pub.stderr[-2000:]
    res["listen"]["slixmpp"] = row

    # (b) `xmpp pubsub publish` processes, --parallel at a time
    node = f"bench-listen-{uuid.uuid4().hex[:8]}"
    xmpp.run("admin", "pubsub", "create", COMPONENT, node)
    ids = [f"p{n:06d}" for n in range(args.proc_items)]
    listener = Listener(xmpp, node, args.proc_items)
    listener.wait_listening()
    log(f"listen: {args.proc_items} items from `xmpp pubsub publish` processes, "
        f"{args.parallel} at a time")
    cpu0 = server.cpu_seconds()
    start = time.perf_counter()
    pending = list(ids)
    running = []
    failed = 0
    while pending or running:
        while pending and len(running) < args.parallel:
            item_id = pending.pop(0)
            argv = xmpp.argv("admin", "pubsub", "publish", COMPONENT, node, "--id", item_id,
                             "--text", f"{BODY} {item_id}")
            running.append(subprocess.Popen(argv, env=xmpp.env("admin"),
                                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL))
        first = running.pop(0)
        failed += first.wait(timeout=WAIT_S) != 0
    publishers_s = time.perf_counter() - start
    row = throughput(listener, ids, ordered=False)
    row.update(publisher_s=publishers_s, publisher_failures=failed,
               server_cpu_s=server.cpu_seconds() - cpu0)
    res["listen"][f"xmpp x{args.parallel}"] = row


# ---------------------------------------------------------------------------------------------
# Report


def fmt(value, spec, missing="-"):
    return missing if value is None else format(value, spec)


def print_report(res):
    print(f"\nxmpp pubsub on {res['machine']} - binary {res['binary']} "
          f"({res['build_type']}), Prosody {res['prosody']}")
    if res["latency"]:
        print("\npublish latency (one `xmpp pubsub publish` process, end to end)")
        print(f"  {'target':<12} {'runs':>4} {'median ms':>10} {'p90 ms':>8} {'min':>7} "
              f"{'max':>7}")
        for name, row in res["latency"].items():
            print(f"  {name:<12} {row['runs']:>4} {row['median_ms']:>10.1f} "
                  f"{row['p90_ms']:>8.1f} {row['min_ms']:>7.1f} {row['max_ms']:>7.1f}")
    if res["listen"]:
        print("\nitems/s through `xmpp --json pubsub listen --count N` (first to last event)")
        print(f"  {'publisher':<12} {'items':>6} {'recv':>6} {'items/s':>9} {'span s':>7} "
              f"{'pub s':>7} {'srv cpu':>7}  checks")
        for name, row in res["listen"].items():
            checks = []
            checks.append("all once" if row["all_once"] else "LOST/DUPLICATED")
            if row["in_order"] is not None:
                checks.append("in order" if row["in_order"] else "OUT OF ORDER")
            checks.append(f"exit {row['listener_exit']}")
            if row.get("publisher_failures"):
                checks.append(f"{row['publisher_failures']} publishes FAILED")
            print(f"  {name:<12} {row['items']:>6} {row['received']:>6} "
                  f"{fmt(row.get('items_per_s'), '>9.0f'):>9} "
                  f"{fmt(row.get('span_s'), '>7.2f'):>7} "
                  f"{fmt(row.get('publisher_s'), '>7.2f'):>7} "
                  f"{fmt(row.get('server_cpu_s'), '>7.2f'):>7}  {', '.join(checks)}")


def versions():
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "prosody"],
                             capture_output=True, text=True, timeout=10).stdout
    except OSError:
        out = ""
    return out or "?"


def main():
    args = parse_args()
    if args.publisher_child:
        return publish_child(args)
    binary, what = find_binary()
    phases = {p.strip() for p in args.only.split(",") if p.strip()}
    res = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           "binary": what, "build_type": build_type(binary), "prosody": versions(),
           "machine": f"{platform.machine()} x{os.cpu_count()} "
                      f"(load {os.getloadavg()[0]:.2f})",
           "args": {k: v for k, v in vars(args).items() if k not in ("publisher_child",
                                                                     "child_args")},
           "latency": {}, "listen": {}}
    log(f"binary {binary} ({res['build_type']})")
    server = Server(args.server_script, args.keep, prefix="xmpp-bench-pubsub-")
    try:
        work = Path(tempfile.mkdtemp(prefix="xmpp-bench-pubsub-work-", dir="/tmp"))
        xmpp = Xmpp(binary, server, work)
        # alice's PEP node exists before the first timed run (Prosody creates it on publish).
        xmpp.run("alice", "pubsub", "publish", "pep", PEP_NODE, "--text", BODY)
        if "latency" in phases:
            phase_latency(args, xmpp, res)
        if "listen" in phases:
            phase_listen(args, xmpp, server, res)
        shutil.rmtree(work, ignore_errors=True)
    finally:
        server.stop()
    res["load_after"] = os.getloadavg()[0]
    print_report(res)
    out = Path(args.out) if args.out else (
        ROOT / "bench" / "results" /
        f"pubsub-{datetime.datetime.now().strftime('%Y-%m-%dT%H%M%S')}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1) + "\n")
    log(f"results in {out}")
    failed = any(not r["all_once"] or r["in_order"] is False or r["listener_exit"] != 0
                 for r in res["listen"].values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
