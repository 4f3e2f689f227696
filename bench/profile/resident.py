#!/usr/bin/python3
"""Where a command's peak RSS lives (PROFILE.md, "where the peak RSS comes from").

    bench/profile/resident.py [--map LINK_MAP] -- COMMAND [ARGS...]

Runs COMMAND under gdb, stops it at exit_group (a one-shot command's RSS is at its peak by
then) and reads /proc/PID/smaps: resident KiB per mapping (each shared library, the heap, ...)
split into code, read-only data (.rodata, relocated RELRO, symbol tables) and writable data.
With --map (a GNU ld map, -Wl,-Map=FILE, of a statically linked COMMAND) it also reads
/proc/PID/pagemap and attributes the executable's resident pages to the archives they were
linked from (libcrypto.a, libxerces-c.a, our libxmpp_*.a, ...).

Linux maps up to 16 neighbouring page-cache pages on each file-backed page fault
(fault-around), so "resident" counts pages that were mapped, not only those touched.
"""

import argparse
import bisect
import collections
import os
import re
import subprocess
import sys
import tempfile

GDB_SCRIPT = r"""
import gdb, os, shutil, struct
pid = gdb.selected_inferior().pid
out = os.environ["RESIDENT_OUT"]
shutil.copy(f"/proc/{pid}/smaps", out + "/smaps")
exe = os.readlink(f"/proc/{pid}/exe")
with open(out + "/pages", "w") as pages, open(f"/proc/{pid}/pagemap", "rb") as pagemap:
    for line in open(f"/proc/{pid}/maps"):
        parts = line.split()
        if len(parts) < 6 or parts[5] != exe:
            continue
        lo, hi = (int(x, 16) for x in parts[0].split("-"))
        for address in range(lo, hi, 4096):
            pagemap.seek(address // 4096 * 8)
            if struct.unpack("<Q", pagemap.read(8))[0] >> 63:
                pages.write(f"{address:x}\n")
"""


def run_under_gdb(command, out):
    script = os.path.join(out, "dump.py")
    with open(script, "w") as f:
        f.write(GDB_SCRIPT)
    env = dict(os.environ, RESIDENT_OUT=out)
    subprocess.run(["gdb", "-q", "-batch", "-ex", "set pagination off",
                    "-ex", "catch syscall exit_group", "-ex", "run", "-ex", f"source {script}",
                    "-ex", "kill", "--args", *command],
                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    if not os.path.exists(os.path.join(out, "smaps")):
        sys.exit("resident: gdb did not stop the command at exit_group")


def smaps_summary(path):
    """Resident KiB per mapped file (or [heap], [stack], ...) by kind of mapping."""
    rss = collections.Counter()
    current = None
    for line in open(path):
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            parts = line.split()
            name = os.path.basename(parts[5]) if len(parts) > 5 else "[anonymous]"
            perms = parts[1]
            kind = "code" if "x" in perms else ("data" if "w" in perms else "read-only")
            current = (name, kind)
        elif line.startswith("Rss:"):
            rss[current] += int(line.split()[1])
    return rss


def print_smaps(rss):
    total = sum(rss.values())
    per_name = collections.Counter()
    for (name, _kind), kib in rss.items():
        per_name[name] += kib
    print(f"peak RSS {total} KiB, by mapping:")
    for name, kib in per_name.most_common():
        if kib == 0:
            continue
        kinds = ", ".join(f"{k} {rss[(name, k)]}" for k in ("code", "read-only", "data")
                          if rss[(name, k)])
        print(f"{kib:8d} KiB  {name:<34} {kinds}")


def load_map(path):
    """(start, end, origin) for every input section of a GNU ld map."""
    sections = []
    pending = None
    for line in open(path, errors="replace"):
        m = re.match(r"^ (\.\S+)\s*$", line)
        if m:
            pending = m.group(1)
            continue
        m = re.match(r"^ (\.\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", line)
        if not m:
            continue
        start, size, origin = int(m.group(2), 16), int(m.group(3), 16), m.group(4).strip()
        pending = None
        if size == 0 or start == 0:
            continue
        archive = re.match(r".*/(lib[^/()]+\.a)\(", origin)
        if "libxmpp_" in origin:
            origin = "our code (libxmpp_*.a)"
        elif archive:
            origin = archive.group(1)
        else:
            origin = os.path.basename(origin)
        sections.append((start, start + size, origin))
    sections.sort()
    return sections


def print_pages(map_path, pages_path, executable):
    sections = load_map(map_path)
    starts = [s[0] for s in sections]
    pages = [int(line, 16) for line in open(pages_path)]
    # The page addresses are run-time addresses; a PIE is loaded at a random base. The lowest
    # LOAD segment is at link-time address 0 for a PIE, so subtract the lowest mapped page.
    pie = subprocess.run(["readelf", "-hW", executable], capture_output=True,
                         text=True).stdout.find("DYN") >= 0
    base = min(pages) if pie and pages else 0
    owner = collections.Counter()
    for page in pages:
        lo = page - base
        hi = lo + 4096
        covered = 0
        i = max(bisect.bisect_right(starts, lo) - 1, 0)
        while i < len(sections) and sections[i][0] < hi:
            start, end, origin = sections[i]
            overlap = min(end, hi) - max(start, lo)
            if overlap > 0:
                owner[origin] += overlap
                covered += overlap
            i += 1
        owner["(ELF headers, padding)"] += max(0, 4096 - covered)
    print(f"\nresident pages of the executable: {len(pages) * 4} KiB, by origin:")
    for origin, size in owner.most_common(20):
        if size >= 1024:
            print(f"{size / 1024:8.0f} KiB  {origin}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--map", help="GNU ld map of a statically linked COMMAND")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command after --")
    with tempfile.TemporaryDirectory(prefix="resident-") as out:
        run_under_gdb(command, out)
        print_smaps(smaps_summary(os.path.join(out, "smaps")))
        if args.map:
            print_pages(args.map, os.path.join(out, "pages"), command[0])


if __name__ == "__main__":
    main()
