#!/usr/bin/python3
"""Throughput of `xmpp jingle-file` (issue 9 "Throughput", issue 10) next to a raw loopback copy,
on one local Prosody.

    bench/jingle_file.py [--size MIB] [--small MIB] [--runs N] [--only raw,direct,proxy,ibb]
                         [--out FILE] [--keep]

Starts a throwaway Prosody (scripts/test-server, as bench/run does) on 127.0.0.1 and a file of
--size MiB of random bytes (default 1024) in a scratch directory, then, --runs times (default 1),
interleaved:
  raw     socat: `socat -u TCP-LISTEN:PORT,reuseaddr OPEN:OUT,creat` receiving and
          `socat -u OPEN:FILE TCP:127.0.0.1:PORT` sending; MiB/s = size / the sender's wall time
          (fork to exit; the receiver has then written everything but the last socket buffer);
  direct  `xmpp jingle-file receive --count 1 --no-proxy` (alice/recv) and
          `xmpp jingle-file send FULLJID FILE --transport s5b --no-proxy` (alice/send), both with
          --allow-local-candidates; MiB/s = size / the transfer's own seconds from the sender's
          NDJSON result (first byte to last, the same span the raw copy measures), and the wall
          time of the whole sender process (login, hash of the file before the offer, offer,
          negotiation, transfer, verdict) is reported next to it;
  proxy   the same through the server's SOCKS5 proxy (--no-direct on both sides), --small MiB
          (default 64: Prosody's proxy65 relays in Lua);
  ibb     --transport ibb, --small MiB (in-band: base64 in iq stanzas through the server).
Every xmpp transfer is checked: both exit 0 and the received file's SHA-256 equals the sent one's.
Prints a table with the ratio to the raw copy and writes bench/results/jingle-file-<date>.json.

The binary: $XMPP_BIN, else build/cli/xmpp. socat is installed with apt-get when missing (root).
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bench_server
from bench_server import Server

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
WAIT_S = 1800


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="\n".join(__doc__.splitlines()[2:]))
    p.add_argument("--size", type=int, default=1024, help="MiB for raw and direct (default 1024)")
    p.add_argument("--small", type=int, default=64, help="MiB for proxy and ibb (default 64)")
    p.add_argument("--runs", type=int, default=1, help="runs of each (default 1)")
    p.add_argument("--only", default="raw,direct,proxy,ibb", help="which rows")
    p.add_argument("--out", help="results file (default bench/results/jingle-file-DATE.json)")
    p.add_argument("--keep", action="store_true", help="leave the server running")
    p.add_argument("--server-script", default=str(ROOT / "scripts" / "test-server"))
    return p.parse_args()


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(4 * MIB):
            h.update(chunk)
    return h.hexdigest()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raw_copy(src, work):
    """One socat loopback copy: MiB/s over the sender's wall time."""
    out = work / "raw.out"
    port = free_port()
    receiver = subprocess.Popen(["socat", "-u", f"TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr",
                                 f"OPEN:{out},creat,trunc"])
    # Wait for the listening socket (state 0A in /proc/net/tcp), not a fixed sleep; a probe
    # connection would use up socat's one connection.
    listening = f"0100007F:{port:04X} 00000000:0000 0A"
    deadline = time.monotonic() + 10
    while listening not in Path("/proc/net/tcp").read_text():
        if time.monotonic() > deadline:
            sys.exit("bench: socat did not listen")
        time.sleep(0.005)
    start = time.perf_counter()
    subprocess.run(["socat", "-u", f"OPEN:{src}", f"TCP:127.0.0.1:{port}"], check=True)
    wall = time.perf_counter() - start
    receiver.wait(timeout=WAIT_S)
    size = src.stat().st_size
    ok = out.stat().st_size == size
    out.unlink()
    return {"mib_s": size / MIB / wall, "seconds": wall, "ok": ok}


class Xmpp(bench_server.Xmpp):
    """The shared argv and environment (bench_server.Xmpp), plus this benchmark's runs."""

    def transfer(self, src, inbox, transport, side):
        """One receive + send pair; the sender's result line and wall time."""
        for leftover in inbox.iterdir():
            leftover.unlink()
        receiver = subprocess.Popen(
            self.argv("alice", "--resource", "recv", "--json", "jingle-file", "receive",
                      "--count", "1", "--dir", inbox, "--allow-local-candidates", *side),
            env=self.env("alice"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        jid = None
        for line in receiver.stdout:
            doc = json.loads(line)
            if doc.get("kind") == "ready":
                jid = doc["jid"]
                break
        if jid is None:
            sys.exit(f"bench: the receiver did not start: {receiver.stderr.read()[-2000:]}")
        start = time.perf_counter()
        sender = subprocess.run(
            self.argv("alice", "--resource", "send", "--json", "jingle-file", "send", jid, src,
                      "--transport", transport, "--allow-local-candidates", *side),
            env=self.env("alice"), capture_output=True, text=True, timeout=WAIT_S)
        wall = time.perf_counter() - start
        rest, err = receiver.communicate(timeout=WAIT_S)
        if sender.returncode != 0 or receiver.returncode != 0:
            sys.exit(f"bench: transfer failed: send exit {sender.returncode}, receive exit "
                     f"{receiver.returncode}\n{sender.stderr[-2000:]}\n{err[-2000:]}")
        result = [json.loads(l) for l in sender.stdout.splitlines()
                  if l.startswith("{") and '"kind":"result"' in l][0]
        received = inbox / src.name
        ok = sha256(received) == sha256(src)
        received.unlink()
        size = src.stat().st_size
        return {"mib_s": size / MIB / result["seconds"], "seconds": result["seconds"],
                "wall": wall, "ok": ok}


def median(rows, key):
    return statistics.median(r[key] for r in rows) if rows else None


def main():
    args = parse_args()
    if shutil.which("socat") is None:
        if os.geteuid() == 0:
            subprocess.run(["apt-get", "install", "-y", "socat"], check=True,
                           stdout=subprocess.DEVNULL)
        else:
            sys.exit("bench: socat is needed (apt-get install socat)")
    binary = Path(os.environ.get("XMPP_BIN", ROOT / "build" / "cli" / "xmpp"))
    rows = [r.strip() for r in args.only.split(",") if r.strip()]
    work = Path(tempfile.mkdtemp(prefix="xmpp-bench-jingle-work-", dir="/var/tmp"))
    big = work / "big.bin"
    small = work / "small.bin"
    log(f"writing {args.size} MiB and {args.small} MiB of random bytes into {work}")
    for path, mib in ((big, args.size), (small, args.small)):
        with open(path, "wb") as f:
            for _ in range(mib):
                f.write(os.urandom(MIB))
    inbox = work / "inbox"
    inbox.mkdir()
    res = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           "machine": f"{platform.machine()} x{os.cpu_count()} (load {os.getloadavg()[0]:.2f})",
           "binary": str(binary), "size_mib": args.size, "small_mib": args.small, "rows": {}}
    server = Server(args.server_script, args.keep, prefix="xmpp-bench-jingle-")
    try:
        xmpp = Xmpp(binary, server, work)
        samples = {r: [] for r in rows}
        for run in range(args.runs):
            for row in rows:
                log(f"run {run + 1}: {row}")
                if row == "raw":
                    samples[row].append(raw_copy(big, work))
                elif row == "direct":
                    samples[row].append(xmpp.transfer(big, inbox, "s5b", ["--no-proxy"]))
                elif row == "proxy":
                    samples[row].append(xmpp.transfer(small, inbox, "s5b", ["--no-direct"]))
                elif row == "ibb":
                    samples[row].append(xmpp.transfer(small, inbox, "ibb", []))
        raw = median(samples.get("raw", []), "mib_s")
        for row, got in samples.items():
            res["rows"][row] = {"runs": len(got), "mib_s": median(got, "mib_s"),
                                "seconds": median(got, "seconds"),
                                "wall": median(got, "wall") if row != "raw" else None,
                                "verified": all(g["ok"] for g in got),
                                "ratio_to_raw": (median(got, "mib_s") / raw) if raw else None,
                                "samples": got}
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nxmpp jingle-file on {res['machine']}: {args.size} MiB (raw, direct), "
          f"{args.small} MiB (proxy, ibb)")
    print(f"  {'row':<8} {'MiB/s':>9} {'transfer s':>11} {'process s':>10} {'/raw':>6}  check")
    for row, r in res["rows"].items():
        wall = f"{r['wall']:.2f}" if r["wall"] is not None else "-"
        ratio = f"{r['ratio_to_raw']:.2f}" if r["ratio_to_raw"] is not None else "-"
        print(f"  {row:<8} {r['mib_s']:>9.1f} {r['seconds']:>11.2f} {wall:>10} {ratio:>6}  "
              f"{'sha-256 ok' if r['verified'] else 'MISMATCH'}")
    out = Path(args.out) if args.out else (
        ROOT / "bench" / "results" /
        f"jingle-file-{datetime.datetime.now().strftime('%Y-%m-%dT%H%M%S')}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1) + "\n")
    log(f"results in {out}")
    return 0 if all(r["verified"] for r in res["rows"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
