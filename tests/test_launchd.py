"""The launchd stand-in (fixtures/launchd/) behaves as launchd is documented to behave, with
real processes: bootstrap, KeepAlive, ThrottleInterval, bootout's SIGTERM then SIGKILL after
ExitTimeOut, the process-group clean-up, and dying with the test run."""

from __future__ import annotations

import json
import os
import plistlib
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from suite_runs import wait_for_no_processes_mentioning

from fixtures import launchd
from fixtures.launchd import DOMAIN, Job, launchctl_env, parse_print

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the stand-in replaces launchd on Linux only")

UID = os.getuid()
LABEL = "org.example.standin"


class Launchctl:
    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.state = tmp_path / "launchd-state"
        self.env = launchctl_env({"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}, self.state)

    def __call__(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["launchctl", *args], env=self.env, capture_output=True, text=True, timeout=timeout, check=False)

    def plist(self, script: str, name: str = "job.plist", **keys: object) -> Path:
        path = self.tmp / name
        path.write_bytes(plistlib.dumps({"Label": LABEL, "ProgramArguments": ["/bin/sh", "-c", script], **keys}))
        return path

    def bootstrap(self, plist: Path) -> None:
        done = self("bootstrap", DOMAIN, str(plist))
        assert done.returncode == 0, f"bootstrap failed: {done.stderr}"

    def info(self) -> dict[str, str]:
        done = self("print", DOMAIN + LABEL)
        assert done.returncode == 0, f"print failed: {done.stderr}"
        return parse_print(done.stdout)

    def history(self) -> list[dict]:
        return launchd.history(DOMAIN, LABEL, self.state)

    def wait_for(self, predicate, what: str, timeout: float = 30) -> None:  # noqa: ANN001
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, f"{what} did not happen within {timeout} s; history: {self.history()}"
            time.sleep(0.05)

    def exits(self) -> list[dict]:
        return [e for e in self.history() if e["event"] == "exited"]

    def spawns(self) -> list[dict]:
        return [e for e in self.history() if e["event"] == "spawned"]


@pytest.fixture
def launchctl(tmp_path: Path):  # noqa: ANN201
    ctl = Launchctl(tmp_path)
    yield ctl
    ctl("bootout", DOMAIN + LABEL)
    left = wait_for_no_processes_mentioning(str(tmp_path))
    for line in left:
        os.kill(int(line.split(":")[0]), signal.SIGKILL)
    assert not left, "the stand-in left processes behind:\n" + "\n".join(left)


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_bootstrap_starts_the_job_in_the_background_as_launchd_runs_it(launchctl, tmp_path):
    plist = launchctl.plist(f"echo $PATH $HOME > {tmp_path}/env; exec sleep 300", KeepAlive=True)
    started = time.monotonic()
    launchctl.bootstrap(plist)
    assert time.monotonic() - started < 10, "bootstrap should return while the job keeps running"

    launchctl.wait_for(lambda: (tmp_path / "env").exists(), "the job's start")
    info = launchctl.info()
    assert info["state"] == "running" and info["runs"] == "1", info
    pid = int(info["pid"])
    assert alive(pid) and psutil.Process(pid).cmdline()[:2] == ["sleep", "300"]
    assert os.getsid(pid) == pid, "launchd runs each job as the leader of its own session (setsid)"
    assert (tmp_path / "env").read_text().split() == ["/usr/bin:/bin:/usr/sbin:/sbin", str(tmp_path)]

    again = launchctl("bootstrap", DOMAIN, str(plist))
    assert again.returncode == 5 and "Bootstrap failed: 5" in again.stderr, again


def test_setenv_reaches_the_jobs_spawned_after_it_and_the_plists_variables_win(launchctl, tmp_path):
    for name, value in (("SET_ONLY", "from-setenv"), ("BOTH", "from-setenv"), ("GONE", "x")):
        assert launchctl("setenv", name, value).returncode == 0
    assert launchctl("unsetenv", "GONE").returncode == 0
    assert launchctl("getenv", "SET_ONLY").stdout == "from-setenv\n"
    plist = launchctl.plist(f'echo "$SET_ONLY $BOTH ${{GONE:-unset}}" > {tmp_path}/env; exec sleep 300',
                            EnvironmentVariables={"BOTH": "from-plist"}, RunAtLoad=True)
    launchctl.bootstrap(plist)
    launchctl.wait_for(lambda: (tmp_path / "env").exists(), "the job's start")
    assert (tmp_path / "env").read_text().split() == ["from-setenv", "from-plist", "unset"]


def test_keepalive_successful_exit_false_restarts_after_a_failure_and_not_after_success(launchctl, tmp_path):
    # Exits 1, 1, then 0: launchd restarts it twice, each no sooner than ThrottleInterval after the last spawn.
    count = tmp_path / "count"
    plist = launchctl.plist(f"echo x >> {count}; test $(wc -l < {count}) -ge 3", ThrottleInterval=1,
                            KeepAlive={"SuccessfulExit": False})
    launchctl.bootstrap(plist)
    launchctl.wait_for(lambda: len(launchctl.exits()) >= 3, "three runs")
    time.sleep(2.5)  # more than a ThrottleInterval: a fourth run would have started by now

    assert [e.get("code") for e in launchctl.exits()] == [1, 1, 0], launchctl.history()
    starts = [e["time"] for e in launchctl.spawns()]
    assert len(starts) == 3, launchctl.history()
    assert all(b - a >= 0.95 for a, b in zip(starts, starts[1:], strict=False)), f"restarted sooner than ThrottleInterval: {starts}"
    assert launchctl.info()["state"] == "not running"


def test_a_death_by_signal_is_not_a_successful_exit(launchctl):
    launchctl.bootstrap(launchctl.plist("exec sleep 300", ThrottleInterval=1, KeepAlive={"SuccessfulExit": False}))
    launchctl.wait_for(lambda: launchctl.spawns(), "the first run")
    os.kill(launchctl.spawns()[0]["pid"], signal.SIGKILL)
    launchctl.wait_for(lambda: len(launchctl.spawns()) >= 2, "a restart after SIGKILL")
    assert launchctl.exits()[0].get("signal") == signal.SIGKILL
    assert launchctl.info()["last terminating signal"] == "SIGKILL: 9"


def test_the_default_throttle_interval_is_ten_seconds(launchctl):
    launchctl.bootstrap(launchctl.plist("exit 1", KeepAlive={"SuccessfulExit": False}))
    launchctl.wait_for(lambda: len(launchctl.spawns()) >= 2, "a restart", timeout=40)
    first, second = (e["time"] for e in launchctl.spawns()[:2])
    assert 9.9 <= second - first <= 20, f"second spawn {second - first:.2f} s after the first; launchd's default is 10 s"


def test_bootout_sends_sigterm_and_unloads_for_good(launchctl, tmp_path):
    launchctl.bootstrap(launchctl.plist(f"trap 'echo TERM > {tmp_path}/got; exit 0' TERM; while :; do sleep 0.1; done",
                                        ThrottleInterval=1, KeepAlive={"SuccessfulExit": False}))
    launchctl.wait_for(lambda: launchctl.spawns(), "the first run")
    done = launchctl("bootout", DOMAIN + LABEL)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "got").read_text() == "TERM\n"
    assert launchctl.exits()[-1].get("code") == 0, launchctl.history()
    time.sleep(1.5)
    assert len(launchctl.spawns()) == 1, f"a booted-out job was started again: {launchctl.history()}"
    gone = launchctl("print", DOMAIN + LABEL)
    assert gone.returncode == 113, gone
    again = launchctl("bootout", DOMAIN + LABEL)
    assert again.returncode == 3 and "Boot-out failed: 3" in again.stderr, again


def test_bootout_kills_a_job_that_ignores_sigterm_after_exit_timeout(launchctl, tmp_path):
    launchctl.bootstrap(launchctl.plist("trap '' TERM; while :; do sleep 0.1; done", ExitTimeOut=2, KeepAlive=True))
    launchctl.wait_for(lambda: launchctl.spawns(), "the first run")
    started = time.monotonic()
    done = launchctl("bootout", DOMAIN + LABEL)
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert 1.9 <= took <= 12, f"SIGKILL should follow SIGTERM after ExitTimeOut (2 s), took {took:.2f} s"
    assert launchctl.exits()[-1].get("signal") == signal.SIGKILL, launchctl.history()


def test_defaults_are_launchds(tmp_path):
    path = tmp_path / "p.plist"
    path.write_bytes(plistlib.dumps({"Label": LABEL, "ProgramArguments": ["/bin/true"],
                                     "KeepAlive": {"SuccessfulExit": False}}))
    job = Job.from_plist(path)
    assert (job.throttle_interval, job.exit_timeout, job.abandon_process_group) == (10, 20, False)
    assert job.starts_at_load, "SuccessfulExit implies RunAtLoad (man launchd.plist)"
    exited = {code: code << 8 for code in (0, 1)}
    assert job.restarts_after(exited[1]) and not job.restarts_after(exited[0])
    assert job.restarts_after(signal.SIGKILL) and job.restarts_after(signal.SIGTERM)
    job.keep_alive = {"SuccessfulExit": True}
    assert job.restarts_after(exited[0]) and not job.restarts_after(exited[1])
    job.keep_alive = {"Crashed": True}
    assert job.restarts_after(signal.SIGSEGV) and not job.restarts_after(signal.SIGKILL) and not job.restarts_after(exited[1])
    job.keep_alive = False
    assert not job.restarts_after(exited[1])
    assert not Job(LABEL, ["/bin/true"]).starts_at_load, "no RunAtLoad, no KeepAlive: loaded, not started"


@pytest.mark.parametrize("abandon", [False, True], ids=["group-killed", "AbandonProcessGroup"])
def test_when_the_job_dies_the_rest_of_its_process_group_is_killed_unless_abandoned(launchctl, tmp_path, abandon):
    # The same group: a plain background child. Its own session (as the guide's wrapper gives devpi-server): out of reach.
    script = f"sleep 301 & echo $! > {tmp_path}/grouped; setsid sleep 302 & echo $! > {tmp_path}/own; exec sleep 300"
    launchctl.bootstrap(launchctl.plist(script, AbandonProcessGroup=abandon, RunAtLoad=True))
    launchctl.wait_for(lambda: (tmp_path / "own").exists() and launchctl.spawns(), "the job's children")
    time.sleep(0.3)
    grouped, own = (int((tmp_path / n).read_text()) for n in ("grouped", "own"))
    os.kill(launchctl.spawns()[0]["pid"], signal.SIGKILL)
    launchctl.wait_for(lambda: launchctl.exits(), "the job's death")
    time.sleep(1)
    try:
        assert alive(grouped) == abandon, f"the job's group member alive={alive(grouped)} with AbandonProcessGroup={abandon}"
        assert alive(own), "a process in its own session is not in the job's process group and survives"
        assert psutil.Process(own).ppid() == json.loads((launchctl.state / f"gui-{UID}" / f"{LABEL}.json").read_text())[
            "supervisor_pid"], "orphans are adopted by the supervisor, as by launchd (pid 1)"
    finally:
        for pid in (grouped, own):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_refusals_look_like_launchctls(launchctl, tmp_path):
    plist = launchctl.plist("exit 0")
    plist.chmod(0o664)
    writable = launchctl("bootstrap", DOMAIN, str(plist))
    assert writable.returncode == 5 and "bad ownership/permissions" in writable.stderr, writable
    plist.chmod(0o644)
    other_uid = launchctl("bootstrap", f"gui/{UID + 1}/", str(plist))
    assert other_uid.returncode == 125, other_uid
    disabled = launchctl("bootstrap", DOMAIN, str(launchctl.plist("exit 0", name="d.plist", Disabled=True)))
    assert disabled.returncode == 119, disabled
    assert launchctl("print", DOMAIN + LABEL).returncode == 113
    garbage = tmp_path / "g.plist"
    garbage.write_text("<plist><dict><key>Label</key>")
    assert launchctl("bootstrap", DOMAIN, str(garbage)).returncode == 5
    no_state = subprocess.run(["launchctl", "print", DOMAIN + LABEL], capture_output=True, text=True, check=False,
                              env={k: v for k, v in launchctl.env.items() if k != launchd.STATE_ENV})
    assert no_state.returncode == 1 and launchd.STATE_ENV in no_state.stderr, no_state


def test_supervisors_die_with_the_anchor_process(launchctl, tmp_path):
    anchor = subprocess.Popen(["sleep", "300"])
    try:
        launchctl.env[launchd.ANCHOR_ENV] = str(anchor.pid)
        launchctl.bootstrap(launchctl.plist(f"setsid sleep 303 & echo $! > {tmp_path}/orphan; exec sleep 300", KeepAlive=True))
        launchctl.wait_for(lambda: (tmp_path / "orphan").exists(), "the job's start")
        time.sleep(0.3)
    finally:
        anchor.kill()
        anchor.wait()
    left = wait_for_no_processes_mentioning(str(tmp_path), timeout=15)
    assert not left, f"the anchor is gone but the stand-in's processes live on: {left}"
    assert not alive(int((tmp_path / "orphan").read_text())), "even a process that left the job's session goes with the anchor"
