"""The recipes of README.md, run as written against the test server (issue 13).

Every block that follows a `<!-- recipe: NAME -->` marker in README.md is extracted and run; a
marker without a test here fails test_every_recipe_has_a_test. Each test checks the effect (the
message arrived, the item was published, the account exists, the file landed verified), not
just an exit status.

What turns a README block into something this machine can run, all in one place:

- JIDs (RECIPE_USERS): alice@example.org, the config file's account -> alice; ops@example.org,
  who gets the alerts -> a fresh account made once for this module (so nothing an earlier run
  left in its offline store can pass for a message of this run); the robots alerts@, ci@ and
  files@example.org -> carol; admin@example.org -> admin; dave@example.org, the account a
  recipe creates -> a fresh name. Then example.org -> the test domain (so pubsub.example.org ->
  pubsub.example.test). The pubsub node `builds` -> a fresh node name (a shared server keeps
  nodes from one run to the next).
- `xmpp`, `/usr/local/bin/xmpp` -> the binary under test: a symlink named xmpp in a directory of
  its own put first in PATH; /usr/local/bin in a PATH= line -> that directory.
- `pass show xmpp/USER` -> `cat` of USER's password file.
- The connection: the config block is used as written, with no host, port or ca_file keys. The
  test server is found through its SRV records (XMPP_DNS_SERVER: the session's DNS stub) and
  trusted through SSL_CERT_FILE (OpenSSL's variable, which xmpp honours) = the test CA.
- A user's commands (send, cron, tail, ci-node, cmd-run, receive-send) run with HOME holding the
  README's config file plus an [account.NAME] section for each other test user (the admin's
  machine knows the admin account: `-a admin`). Services, monitoring and CI run with an empty
  HOME (no config file, as under ProtectHome=, DynamicUser= or on a CI runner).
- systemd: %i and %I -> backup.service (the instance OnFailure=xmpp-alert@%n.service gives for
  backup.service), %n -> the unit's name, %H -> the host name, %d -> a credentials directory
  holding the file LoadCredential= names (the robot's password), %% -> %; Environment= lines are
  set; ExecStart= is split like a shell line. The whole unit is checked by `systemd-analyze
  verify` (paths under /usr/local/bin and /srv/inbox rewritten to ones that exist here).
- cron: VAR=value lines are set; the command part of each schedule line runs with /bin/sh. The
  job it guards (nightly-backup) is a stand-in that fails.
- CI: ${{ secrets.XMPP_PASSWORD }} -> the CI account's password; ${{ job.status }} -> success;
  GITHUB_* and CI_* variables are made up per run; GitLab's XMPP_PASSWORD (a CI/CD variable) is
  in the environment; `extends:` is merged as GitLab does (hashes deep-merged). `run:` and
  `script:` lines run with bash -e, as the runners do.
- Nagios and Icinga: $ARGn$ from check_command, $name$ from vars. The test server's certificate
  lives 5 days: the README's thresholds (14, 7) must give CRITICAL, and 2, 1 must give OK.
- /var/log/app.log and /srv/inbox -> temporary paths.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
import yaml

from conftest import REPO, TEST_SERVER

README = REPO / "README.md"
WAIT_S = 30
HOSTNAME = socket.gethostname()
NIGHTLY = f"nightly backup failed on {HOSTNAME}"

# ---------------------------------------------------------------------------------------------
# The README's blocks.

MARKER = re.compile(r"^<!-- recipe: ([a-z0-9-]+) -->\n```[a-z]*\n(.*?)\n```", re.S | re.M)
ANY_MARKER = re.compile(r"^<!-- recipe:", re.M)
COVERED: set[str] = set()


def recipes_in_readme() -> dict[str, str]:
    text = README.read_text()
    found = MARKER.findall(text)
    assert len(found) == len(ANY_MARKER.findall(text)), "a marker not followed by a fenced block"
    blocks = dict(found)
    assert len(blocks) == len(found), "two recipes with the same name"
    return blocks


def covers(*names):
    """Marks a test as the one that runs these recipes."""
    COVERED.update(names)
    return lambda f: f


def recipe(name: str) -> str:
    assert name in COVERED, f"recipe {name} used by a test that does not declare it"
    return recipes_in_readme()[name]


# ---------------------------------------------------------------------------------------------
# Substitutions.

ROBOT = "carol"


class Recipes:
    """The substitutions and environments of one module run (see the module docstring)."""

    def __init__(self, server, dns, xmpp_bin, tmp: Path, ops: str):
        self.server = server
        self.dns = dns
        self.tmp = tmp
        self.ops = ops
        self.dave = f"dave-{uuid.uuid4().hex[:8]}"
        self.node = f"builds-{uuid.uuid4().hex[:8]}"
        self.users = {"alice": "alice", "ops": ops, "alerts": ROBOT, "ci": ROBOT, "files": ROBOT,
                      "admin": "admin", "dave": self.dave}
        self.bin = tmp / "bin"
        self.bin.mkdir()
        (self.bin / "xmpp").symlink_to(xmpp_bin)
        # the job the cron recipe guards: here it fails
        backup = self.bin / "nightly-backup"
        backup.write_text("#!/bin/sh\necho 'disk not mounted' >&2\nexit 3\n")
        backup.chmod(0o755)
        self.inbox = tmp / "inbox"
        self.inbox.mkdir()
        self.log = tmp / "app.log"
        self.log.write_text("")
        self.user_home = tmp / "home-user"
        self.empty_home = tmp / "home-empty"
        self.empty_home.mkdir()

    def jid(self, local: str) -> str:
        return self.server.jid(self.users[local])

    def sub(self, text: str) -> str:
        def jid(m):
            local = m.group(1)
            assert local in self.users, f"recipe JID {m.group(0)} has no test user"
            return self.jid(local)
        text = re.sub(r"\b([a-z]+)@example\.org\b", jid, text)
        text = re.sub(r"(pubsub\.example\.org\s+)builds\b", rf"\g<1>{self.node}", text)
        text = text.replace("example.org", self.server.domain)
        text = re.sub(r"pass show xmpp/([a-z]+)",
                      lambda m: "cat " + shlex.quote(self.password_file(m.group(1))), text)
        text = text.replace("/usr/local/bin/xmpp", str(self.bin / "xmpp"))
        text = text.replace("/usr/local/bin", str(self.bin))
        text = text.replace("/var/log/app.log", str(self.log))
        text = text.replace("/srv/inbox", str(self.inbox))
        return text

    def password_file(self, local: str) -> str:
        return self.server.password_file(self.users[local])

    def write_config(self) -> Path:
        """The README's config file, plus a section for each other test user."""
        config = self.user_home / ".config" / "xmpp" / "config"
        config.parent.mkdir(parents=True)
        text = self.sub(recipe("config")) + "\n"
        for local in ("admin", "ops", "ci"):
            text += (f"\n[account.{local}]\njid = {self.jid(local)}\n"
                     f"password_file = {self.password_file(local)}\n")
        config.write_text(text)
        config.chmod(0o600)
        return config

    def env(self, home: Path, extra: dict | None = None) -> dict[str, str]:
        env = {
            "PATH": f"{self.bin}:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "HOME": str(home),
            "TMPDIR": str(self.tmp),
            "XMPP_DNS_SERVER": self.dns.address,
            "SSL_CERT_FILE": self.server.ca,
        }
        for passthrough in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if passthrough in os.environ:
                env[passthrough] = os.environ[passthrough]
        env.update(extra or {})
        return env

    def user_env(self, extra=None):
        return self.env(self.user_home, extra)

    def run(self, argv, env, cwd=None, timeout=WAIT_S * 2, input=None):
        try:
            return subprocess.run(argv, env=env, cwd=cwd or self.tmp, capture_output=True,
                                  text=True, timeout=timeout, input=input)
        except subprocess.TimeoutExpired as exc:
            pytest.fail(f"$ {shlex.join(argv)}\ndid not finish in {timeout}s\n{exc.stderr}")

    def shell(self, script: str, env, cwd=None, shell="bash"):
        argv = [shell, "-e", "-c", script] if shell == "bash" else [shell, "-c", script]
        return self.run(argv, env, cwd)


def show(run) -> str:
    return f"$ {shlex.join(run.args)}\nexit {run.returncode}\n--- stdout:\n{run.stdout}\n" \
           f"--- stderr:\n{run.stderr}"


@pytest.fixture(scope="module")
def ops(server):
    """ops@example.org: a fresh account for this module (no earlier run's offline messages)."""
    user = f"ops-{uuid.uuid4().hex[:8]}"
    made = subprocess.run([str(TEST_SERVER), "adduser", str(server.dir), user],
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    return user


@pytest.fixture(scope="module")
def recipes(server, dns, xmpp_bin, ops, tmp_path_factory):
    r = Recipes(server, dns, xmpp_bin, tmp_path_factory.mktemp("recipes"), ops)
    r.write_config()
    return r


# ---------------------------------------------------------------------------------------------
# Checking the effects.

def listen(spawn_xmpp, user, *args):
    listener = spawn_xmpp("listen", "--json", *args, user=user)
    listener.wait_for_line(lambda l: '"kind":"ready"' in l, timeout=WAIT_S)
    return listener


def message(listener, body: str) -> dict:
    line = listener.wait_for_line(
        lambda l: '"kind":"message"' in l and json.loads(l)["body"] == body, timeout=WAIT_S)
    return json.loads(line)


def stop(listener):
    listener.signal(signal.SIGINT)
    assert listener.wait() == 0, str(listener)


def item_texts(run_xmpp, server, node) -> list[str]:
    run = run_xmpp("pubsub", "items", f"pubsub.{server.domain}", node, "--json")
    assert run.code == 0, str(run)
    return [item["text"] for item in run.json["items"]]


class Service:
    """A long-running recipe process whose stdout and stderr are read line by line."""

    def __init__(self, argv, env, cwd):
        import queue
        self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines = {"stdout": [], "stderr": []}
        self.queues = {"stdout": queue.Queue(), "stderr": queue.Queue()}
        for name in self.queues:
            threading.Thread(target=self._pump, args=(name,), daemon=True).start()

    def _pump(self, name):
        for line in getattr(self.proc, name):
            self.queues[name].put(line.rstrip("\n"))
        self.queues[name].put(None)

    def wait_for(self, stream: str, predicate, timeout=WAIT_S) -> str:
        import queue
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.queues[stream].get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"no matching {stream} line within {timeout}s\n{self}")
            if line is None:
                pytest.fail(f"the process ended before a matching {stream} line\n{self}")
            self.lines[stream].append(line)
            if predicate(line):
                return line

    def wait(self, timeout=WAIT_S) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the process did not end within {timeout}s\n{self}")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __str__(self):
        return (f"$ {shlex.join(self.proc.args)}\nexit {self.proc.poll()}\n"
                f"--- stdout:\n" + "\n".join(self.lines["stdout"]) +
                "\n--- stderr:\n" + "\n".join(self.lines["stderr"]))


# ---------------------------------------------------------------------------------------------
# systemd units.

def unit_keys(unit: str) -> dict[str, list[str]]:
    """KEY -> its values, over every section (comments and section headers left out)."""
    keys: dict[str, list[str]] = {}
    for line in unit.splitlines():
        line = line.strip()
        if not line or line[0] in "#;[":
            continue
        key, value = line.split("=", 1)
        keys.setdefault(key.strip(), []).append(value.strip())
    return keys


def unit_path(unit: str) -> str:
    """The file name the unit's first comment line gives (# /etc/systemd/system/NAME)."""
    first = unit.splitlines()[0]
    assert first.startswith("# /etc/systemd/system/"), first
    return first.split("/")[-1]


def systemd_verify(recipes, name: str, unit: str, instance: str | None = None):
    """`systemd-analyze verify` of the unit as written (paths made to exist here): no error and
    no warning about the file."""
    units = recipes.tmp / "units"
    units.mkdir(exist_ok=True)
    path = units / name
    text = unit.replace("/usr/local/bin/xmpp", str(recipes.bin / "xmpp"))
    path.write_text(text.replace("/srv/inbox", str(recipes.inbox)))
    target = units / name.replace("@.", f"@{instance}.") if instance else path
    run = subprocess.run(["systemd-analyze", "verify", str(target)], capture_output=True,
                         text=True, timeout=60, cwd=units)
    assert run.returncode == 0, show(run)
    complaints = [l for l in run.stderr.splitlines() if str(units) in l or name in l]
    assert not complaints, show(run)


def expand_specifiers(value: str, unit_name: str, instance: str | None, credentials: Path) -> str:
    table = {"i": instance or "", "I": instance or "", "n": unit_name, "H": HOSTNAME,
             "d": str(credentials), "%": "%"}

    def one(m):
        assert m.group(1) in table, f"specifier %{m.group(1)} not expanded by the test"
        return table[m.group(1)]
    return re.sub(r"%(.)", one, value)


def service_command(recipes, unit: str, unit_name: str, instance: str | None,
                    robot: str) -> tuple[list[str], dict]:
    """The ExecStart= argv and the environment of a unit, as systemd would run it."""
    keys = unit_keys(unit)
    credentials = recipes.tmp / f"credentials-{unit_name}"
    credentials.mkdir()
    for spec in keys.get("LoadCredential", []):
        cred_name, _ = spec.split(":", 1)
        (credentials / cred_name).write_text(Path(recipes.password_file(robot)).read_text())
    env = recipes.env(recipes.empty_home)
    for assignment in keys.get("Environment", []):
        for word in shlex.split(assignment):
            var, value = word.split("=", 1)
            env[var] = recipes.sub(value)
    (exec_start,) = keys["ExecStart"]
    exec_start = expand_specifiers(recipes.sub(exec_start.lstrip("-")), unit_name, instance,
                                   credentials)
    return shlex.split(exec_start), env


# ---------------------------------------------------------------------------------------------
# The tests.

def test_every_recipe_has_a_test():
    blocks = recipes_in_readme()
    assert blocks, "no recipe markers in README.md"
    assert set(blocks) - COVERED == set(), "recipes without a test"
    assert COVERED - set(blocks) == set(), "tests for recipes that are not in README.md"


def test_readme_keeps_the_two_setup_commands():
    text = README.read_text()
    setup = text[text.index("## Set-up"):].split("\n## ", 1)[0]
    commands = [l.split()[0] for l in setup.splitlines() if l.startswith("    scripts/")]
    assert commands == ["scripts/demo", "scripts/test"], setup


@covers("config", "send")
def test_first_screen_config_and_send(recipes, spawn_xmpp, server):
    config = recipes.user_home / ".config" / "xmpp" / "config"
    assert "[account.default]" in recipe("config") and config.stat().st_mode & 0o077 == 0
    listener = listen(spawn_xmpp, recipes.ops)
    run = recipes.shell(recipes.sub(recipe("send")), recipes.user_env())
    assert run.returncode == 0, show(run)
    got = message(listener, f"disk full on {HOSTNAME}")
    assert got["from"].startswith(server.jid("alice") + "/"), got
    stop(listener)


@covers("cron")
def test_cron_job_alert(recipes, spawn_xmpp, server):
    env = recipes.user_env()
    commands = []
    for line in recipes.sub(recipe("cron")).splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", line):
            var, value = line.split("=", 1)
            env[var] = value
            continue
        fields = line.split(None, 5)
        assert len(fields) == 6, f"not a crontab schedule line: {line}"
        assert "%" not in fields[5].replace("\\%", ""), "an unescaped % in a crontab command"
        commands.append(fields[5])
    assert env["PATH"].split(":")[0] == str(recipes.bin), env["PATH"]
    assert len(commands) == 1, commands
    listener = listen(spawn_xmpp, recipes.ops)
    run = recipes.shell(commands[0], env, shell="/bin/sh")
    assert run.returncode == 0, show(run)
    message(listener, NIGHTLY)
    stop(listener)

    # a backup that succeeds: no alert (an xmpp stand-in records whether it ran)
    quiet = recipes.tmp / "bin-backup-ok"
    quiet.mkdir()
    ran = recipes.tmp / "xmpp-ran"
    for name, script in (("nightly-backup", "exit 0"), ("xmpp", f"touch {shlex.quote(str(ran))}")):
        (quiet / name).write_text(f"#!/bin/sh\n{script}\n")
        (quiet / name).chmod(0o755)
    run = recipes.shell(commands[0], env | {"PATH": f"{quiet}:/usr/bin:/bin"}, shell="/bin/sh")
    assert run.returncode == 0 and not ran.exists(), show(run)


@covers("systemd-alert", "systemd-onfailure")
def test_systemd_onfailure_alert(recipes, spawn_xmpp):
    template = recipe("systemd-alert")
    name = unit_path(template)
    assert name == "xmpp-alert@.service", name
    (on_failure,) = unit_keys(recipe("systemd-onfailure"))["OnFailure"]
    # the unit to watch: backup.service; systemd expands %n to its name
    watched = "backup.service"
    instance_unit = expand_specifiers(on_failure, watched, None, Path("/nonexistent"))
    assert instance_unit == f"xmpp-alert@{watched}.service", instance_unit

    systemd_verify(recipes, name, template, instance=watched)
    watched_unit = "[Service]\nType=oneshot\nExecStart=/bin/false\n\n" + recipe("systemd-onfailure")
    systemd_verify(recipes, watched, watched_unit)

    argv, env = service_command(recipes, template, instance_unit, watched, "alerts")
    listener = listen(spawn_xmpp, recipes.ops)
    run = recipes.run(argv, env)
    assert run.returncode == 0, show(run)
    message(listener, f"{watched} failed on {HOSTNAME}")
    stop(listener)


def _children(pid: int) -> dict[int, str]:
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        if ppid == pid:
            out[int(entry.name)] = comm
    return out


def _wait_until(predicate, what: str, timeout=WAIT_S):
    """A state no event announces (a process having opened a file): checked every 10 ms."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout}s")
        time.sleep(0.01)


@covers("tail")
def test_tail_lines_to_send(recipes, spawn_xmpp):
    line = recipes.sub(recipe("tail"))
    assert str(recipes.log) in line
    listener = listen(spawn_xmpp, recipes.ops)
    # `tail -n 0` opens the log, then seeks to its end: a line written between the two is skipped
    # (seen once in CI). With the log not empty, the open descriptor's offset reaching the end
    # shows the seek is done; what is written afterwards tail reports.
    with recipes.log.open("a") as log:
        log.write("info before the pipeline started\n")
    size = recipes.log.stat().st_size
    pipeline = Service(["bash", "-c", line], recipes.user_env(), recipes.tmp)
    try:
        tail = {}

        def tail_is_at_the_end_of_the_log():
            tail.update({p: c for p, c in _children(pipeline.proc.pid).items() if c == "tail"})
            for pid in tail:
                try:
                    for fd in Path(f"/proc/{pid}/fd").iterdir():
                        if os.readlink(fd) != str(recipes.log):
                            continue
                        info = Path(f"/proc/{pid}/fdinfo/{fd.name}").read_text()
                        if re.search(rf"^pos:\s+{size}$", info, re.M):
                            return True
                except OSError:
                    pass
            return False

        _wait_until(tail_is_at_the_end_of_the_log, "tail at the end of the log")
        token = uuid.uuid4().hex[:8]
        wanted = [f"ERROR {token} database unreachable", f"FATAL {token} out of memory"]
        with recipes.log.open("a") as log:
            log.write(f"{wanted[0]}\ninfo {token} all is well\n{wanted[1]}\n")
        try:
            for body in wanted:
                message(listener, body)
        except BaseException:
            print(f"the pipeline: {pipeline}")  # shown beside the failure
            raise
        # in order: the info line, had it been sent, would have come before the FATAL one
        assert not any(f"info {token}" in l for l in listener.lines), listener.lines
        for pid in tail:
            os.kill(pid, signal.SIGTERM)
        assert pipeline.wait() == 0, str(pipeline)
    finally:
        pipeline.kill()
    stop(listener)


@pytest.fixture(scope="module")
def builds_node(recipes, server):
    """The node the CI recipes publish to, made by the README's one-time set-up as admin."""
    run = recipes.shell(recipes.sub(recipe("ci-node")), recipes.user_env())
    assert run.returncode == 0, show(run)
    return recipes.node


def expressions(value: str, secrets: dict[str, str]) -> str:
    def one(m):
        expr = m.group(1).strip()
        if expr.startswith("secrets."):
            return secrets[expr.split(".", 1)[1]]
        assert expr == "job.status", f"GitHub expression not known to the test: {expr}"
        return "success"
    return re.sub(r"\$\{\{(.*?)\}\}", one, value)


@covers("ci-node", "github-actions")
def test_github_actions_publishes(recipes, builds_node, run_xmpp, server):
    workflow = yaml.safe_load(recipes.sub(recipe("github-actions")))
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]
             if "xmpp" in s.get("run", "")]
    assert len(steps) == 1, steps
    (step,) = steps
    assert step.get("if") == "always()", step
    assert re.fullmatch(r"\$\{\{\s*secrets\.\w+\s*\}\}", step["env"]["XMPP_PASSWORD"]), step
    run_number, sha = str(uuid.uuid4().int % 10000), uuid.uuid4().hex
    env = recipes.env(recipes.empty_home, {"GITHUB_REPOSITORY": "example/app",
                                           "GITHUB_RUN_NUMBER": run_number, "GITHUB_SHA": sha})
    secrets = {"XMPP_PASSWORD": Path(recipes.password_file("ci")).read_text().splitlines()[0]}
    for var, value in step["env"].items():
        env[var] = expressions(str(value), secrets)
    run = recipes.shell(step["run"], env)
    assert run.returncode == 0, show(run)
    assert f"example/app run {run_number} ({sha}): success" in item_texts(run_xmpp, server,
                                                                          builds_node)


def gitlab_job(doc: dict, name: str) -> dict:
    """A job with its `extends:` merged in (hashes deep-merged, the job's own keys winning)."""
    def merge(base, over):
        out = dict(base)
        for key, value in over.items():
            out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(
                out.get(key), dict) else value
        return out
    job = doc[name]
    parent = job.get("extends")
    return merge(gitlab_job(doc, parent), job) if parent else job


@covers("ci-node", "gitlab-ci")
def test_gitlab_ci_publishes(recipes, builds_node, run_xmpp, server):
    doc = yaml.safe_load(recipes.sub(recipe("gitlab-ci")))
    jobs = {name: gitlab_job(doc, name) for name in doc
            if not name.startswith(".") and "xmpp" in " ".join(gitlab_job(doc, name)["script"])}
    assert {job["when"] for job in jobs.values()} == {"on_success", "on_failure"}, jobs
    password = Path(recipes.password_file("ci")).read_text().splitlines()[0]
    expected = []
    for name, job in jobs.items():
        assert "XMPP_PASSWORD" not in job.get("variables", {}), "a password in .gitlab-ci.yml"
        pipeline, short_sha = str(uuid.uuid4().int % 100000), uuid.uuid4().hex[:8]
        env = recipes.env(recipes.empty_home, {
            "CI_PROJECT_PATH": "example/app", "CI_PIPELINE_ID": pipeline,
            "CI_COMMIT_SHORT_SHA": short_sha, "XMPP_PASSWORD": password})
        env.update({k: str(v) for k, v in job.get("variables", {}).items()})
        run = recipes.shell("\n".join(job["script"]), env)
        assert run.returncode == 0, show(run)
        expected.append(f"example/app pipeline {pipeline} ({short_sha}): {env['RESULT']}")
    texts = item_texts(run_xmpp, server, builds_node)
    for text in expected:
        assert text in texts, texts
    assert {t.rsplit(": ", 1)[1] for t in expected} == {"passed", "failed"}


def nagios_objects(text: str) -> list[tuple[str, dict[str, str]]]:
    objects = []
    for kind, body in re.findall(r"define\s+(\w+)\s*\{(.*?)\}", text, re.S):
        fields = {}
        for line in body.strip().splitlines():
            key, value = line.strip().split(None, 1)
            fields[key] = value.strip()
        objects.append((kind, fields))
    return objects


def check_plugin(recipes, argv, server):
    """Runs a plugin command line with the README's thresholds, then the test's: CRITICAL (the
    test certificate expires within 7 days), then OK."""
    run = recipes.run(argv, recipes.env(recipes.empty_home))
    assert run.returncode == 2, show(run)
    assert run.stdout.startswith(f"XMPP CRITICAL - {server.domain}: "), show(run)
    assert "expires in" in run.stdout and "|" in run.stdout, show(run)
    return run


@covers("nagios")
def test_nagios_service(recipes, server):
    objects = nagios_objects(recipes.sub(recipe("nagios")))
    commands = {o["command_name"]: o for kind, o in objects if kind == "command"}
    (service,) = [o for kind, o in objects if kind == "service"]
    name, *args = service["check_command"].split("!")

    def command_line(arguments):
        line = commands[name]["command_line"]
        for n, value in enumerate(arguments, 1):
            line = line.replace("$ARG" + str(n) + "$", value)
        assert "$" not in line, line
        return shlex.split(line)

    check_plugin(recipes, command_line(args), server)
    run = recipes.run(command_line([args[0], "2", "1"]), recipes.env(recipes.empty_home))
    assert run.returncode == 0, show(run)
    assert run.stdout.startswith(f"XMPP OK - {server.domain}: "), show(run)


@covers("icinga2")
def test_icinga2_service(recipes, server):
    text = recipes.sub(recipe("icinga2"))
    command_obj = re.search(r'object CheckCommand "(\w+)" \{(.*?)\n\}', text, re.S)
    service_obj = re.search(r'object Service "[^"]+" \{(.*?)\n\}', text, re.S)
    assert command_obj and service_obj, text
    assert re.search(rf'check_command = "{command_obj.group(1)}"', service_obj.group(1))
    words = re.findall(r'"([^"]*)"', re.search(r"command = \[(.*?)\]", command_obj.group(2),
                                               re.S).group(1))

    def vars_of(body):
        return {k: v.strip('"') for k, v in re.findall(r"vars\.(\w+) = (\S+)", body)}

    macros = vars_of(command_obj.group(2)) | vars_of(service_obj.group(1))

    def argv(overrides):
        values = macros | overrides
        return [re.sub(r"\$(\w+)\$", lambda m: values[m.group(1)], w) for w in words]

    check_plugin(recipes, argv({}), server)
    run = recipes.run(argv({"xmpp_warn_days": "2", "xmpp_crit_days": "1"}),
                      recipes.env(recipes.empty_home))
    assert run.returncode == 0, show(run)
    assert run.stdout.startswith(f"XMPP OK - {server.domain}: "), show(run)


@covers("cmd-run")
def test_admin_adds_an_account(recipes, run_xmpp, server):
    work = recipes.tmp / "admin"
    work.mkdir()
    run = recipes.shell(recipes.sub(recipe("cmd-run")), recipes.user_env(), cwd=work)
    assert run.returncode == 0, show(run)
    password = work / "dave.password"
    assert password.stat().st_mode & 0o077 == 0, oct(password.stat().st_mode)
    # the effect: the new account logs in with that password
    login = run_xmpp("ping", server.domain, user=None, jid=server.jid(recipes.dave),
                     password_file=password)
    assert login.code == 0, str(login)


@covers("systemd-receive", "receive-send")
def test_systemd_receive_service(recipes, server):
    unit = recipe("systemd-receive")
    name = unit_path(unit)
    assert name == "xmpp-receive.service", name
    keys = unit_keys(unit)
    assert keys["User"] == ["xmpp-files"] and "ProtectSystem" in keys, keys
    systemd_verify(recipes, name, unit)
    success = {0} | {int(s) for v in keys.get("SuccessExitStatus", []) for s in v.split()}

    argv, env = service_command(recipes, unit, name, None, "files")
    service = Service(argv, env, recipes.empty_home)
    try:
        service.wait_for("stderr", lambda l: "receiving as" in l)
        outbox = recipes.tmp / "outbox"
        outbox.mkdir()
        original = os.urandom(200_000)
        (outbox / "report.pdf").write_bytes(original)
        run = recipes.shell(recipes.sub(recipe("receive-send")), recipes.user_env(), cwd=outbox)
        assert run.returncode == 0, show(run)
        assert "verified" in run.stdout, show(run)
        got = service.wait_for("stdout", lambda l: l.startswith("received report.pdf"))
        assert "verified" in got, got
        assert (recipes.inbox / "report.pdf").read_bytes() == original
        service.proc.send_signal(signal.SIGTERM)  # systemctl stop
        assert service.wait() in success, str(service)
    finally:
        service.kill()
