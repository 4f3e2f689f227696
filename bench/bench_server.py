"""The throwaway Prosody every benchmark runs against: scripts/test-server in a fresh directory
under /tmp, its environment file read, its CPU time (to show whether the server was the
bottleneck), stopped and removed at the end (or left running with keep)."""

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def read_env(path):
    """The `export KEY=VALUE` lines of a scripts/test-server env file."""
    env = {}
    for line in Path(path).read_text().splitlines():
        words = shlex.split(line)
        if len(words) == 2 and words[0] == "export" and "=" in words[1]:
            key, value = words[1].split("=", 1)
            env[key] = value
    return env


class Server:
    """A scripts/test-server Prosody in its own directory under /tmp."""

    def __init__(self, script, keep, prefix="xmpp-bench-", quiet=True):
        self.script = script
        self.keep = keep
        self.quiet = quiet
        self.dir = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
        subprocess.run([script, "start", str(self.dir)], check=True,
                       stdout=subprocess.DEVNULL if quiet else None)
        self.env = read_env(self.dir / "env")
        self.pid = int((self.dir / "prosody.pid").read_text())
        self.host = self.env["XMPP_TEST_HOST"]
        self.port = int(self.env["XMPP_TEST_PORT"])
        self.ca = self.env["XMPP_TEST_CA"]
        self.passwords = Path(self.env["XMPP_TEST_PASSWORD_DIR"])

    def cpu_seconds(self):
        """The server's user+system CPU time so far."""
        try:
            fields = (Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1]).split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            return float("nan")

    def stop(self):
        if self.keep:
            print(f"bench: server left running: {self.script} stop {self.dir}", file=sys.stderr,
                  flush=True)
            return
        subprocess.run([self.script, "stop", str(self.dir)], check=False,
                       stdout=subprocess.DEVNULL if self.quiet else None)
        shutil.rmtree(self.dir, ignore_errors=True)


class Xmpp:
    """argv and environment for the binary as USER@domain against `server`: the user's password
    file, the run's CA, the server's address, and a HOME of its own under `work`."""

    def __init__(self, binary, server, work, domain="example.test"):
        self.binary = binary
        self.server = server
        self.domain = domain
        self.home = work / "home"
        (self.home / ".config").mkdir(parents=True, exist_ok=True)

    def argv(self, user, *args):
        return [str(self.binary), "--password-file", str(self.server.passwords / user),
                "--ca-file", self.server.ca, "--host", self.server.host,
                "--port", str(self.server.port), *map(str, args)]

    def env(self, user):
        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
                "HOME": str(self.home), "XDG_CONFIG_HOME": str(self.home / ".config"),
                "XDG_CACHE_HOME": str(self.home / ".cache"),
                "XMPP_JID": f"{user}@{self.domain}"}
