"""No leftovers: after a pass, a failure, Ctrl-C, a CI runner's cancel (SIGINT or SIGTERM to the main
pytest process alone) or an xdist worker that dies, no devpi-server, wrapper, worker or upstream is
left and no port is held; a passing run writes nothing to $HOME or into the deployment folder."""

from __future__ import annotations

import contextlib
import filecmp
import os
import signal
import subprocess
import time

import psutil
import pytest
from suite_runs import ROOT, suite_command, wait_for_no_processes_mentioning

from fixtures.deployment import BUNDLED

pytestmark = pytest.mark.selftest


def test_a_passing_run_writes_nothing_to_home_the_deployment_or_the_checkout(tmp_path, broken_copy, run_suite):
    home = tmp_path / "home"
    home.mkdir()
    copy = broken_copy("env.sh", "#", "#")  # an unchanged copy, to compare afterwards
    checkout_before = {p.name for p in ROOT.iterdir()}
    result = run_suite(copy, "suites/smoke", "suites/resolution/test_greatest_version.py", home=home)

    assert result.returncode == 0, result
    assert list(home.iterdir()) == [], f"the suite wrote into $HOME: {list(home.iterdir())}"
    compared = filecmp.dircmp(BUNDLED, copy)
    assert not (compared.diff_files or compared.left_only or compared.right_only), "the suite wrote into the deployment folder"
    added = {p.name for p in ROOT.iterdir()} - checkout_before
    assert not added, f"the suite wrote into the checkout: {sorted(added)}"


def running(proc: psutil.Process) -> bool:
    """A zombie has exited: only its parent has yet to read its status."""
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


class Watched:
    """Every process the run started and every port they listened on, as seen while it ran.

    xdist's workers do not name the run on their command line, so "nothing left" is checked on
    these pids (psutil tells a reused pid apart) as well as on what mentions the run's folder."""

    def __init__(self, root: int) -> None:
        self.root = psutil.Process(root)
        self.processes: dict[int, psutil.Process] = {root: self.root}
        self.ports: set[int] = set()

    def look(self) -> None:
        with contextlib.suppress(psutil.Error):
            for proc in self.root.children(recursive=True):
                self.processes.setdefault(proc.pid, proc)
        for proc in list(self.processes.values()):
            with contextlib.suppress(psutil.Error):
                self.ports |= {c.laddr.port for c in proc.net_connections("tcp") if c.status == psutil.CONN_LISTEN}

    def devpi_servers(self) -> list[psutil.Process]:
        """The devpi-server processes themselves (not their wrappers), listening."""
        found = []
        for proc in list(self.processes.values()):
            with contextlib.suppress(psutil.Error):
                cmdline = proc.cmdline()
                if len(cmdline) > 1 and cmdline[1].endswith("/bin/devpi-server") and any(
                        c.status == psutil.CONN_LISTEN for c in proc.net_connections("tcp")):
                    found.append(proc)
        return found

    def workers(self) -> list[psutil.Process]:
        with contextlib.suppress(psutil.Error):
            return [p for p in self.root.children() if "devpi-server" not in " ".join(p.cmdline())]
        return []

    def alive(self) -> list[str]:
        left = []
        for proc in self.processes.values():
            with contextlib.suppress(psutil.Error):
                if running(proc):
                    left.append(f"{proc.pid} (parent {proc.ppid()}): {' '.join(proc.cmdline())}")
        return left

    def listening(self) -> list[str]:
        return [f"port {c.laddr.port} held by pid {c.pid}" for c in psutil.net_connections("tcp")
                if c.status == psutil.CONN_LISTEN and c.laddr.port in self.ports]


def stop_run(child: subprocess.Popen[bytes], watched: Watched, how: str) -> None:
    if how == "SIGINT to the group":  # a terminal's Ctrl-C
        os.killpg(child.pid, signal.SIGINT)
    elif how == "SIGINT to pytest":  # a CI runner's cancel: the main process alone
        child.send_signal(signal.SIGINT)
    elif how == "SIGTERM to pytest":  # killed with no chance to tear down
        child.send_signal(signal.SIGTERM)
    elif how == "SIGKILL to a worker":  # the run goes on without it; its devpi must not
        holder = watched.devpi_servers()[0]
        worker = next(w for w in watched.workers() if holder in w.children(recursive=True))
        dead = [worker, *worker.children(recursive=True)]
        worker.kill()
        deadline = time.monotonic() + 20
        while (alive := [p for p in dead if running(p)]) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive, f"the killed worker left {alive}"
        os.killpg(child.pid, signal.SIGINT)  # the run would go on with the other worker's busy tests
    else:
        raise AssertionError(how)


# Every test of the run stays busy after its devpi is up, as offline's long waits do, so that the
# signal finds the run mid-test. A stuck worker also ignores the interrupt (a wait in C, a teardown
# that hangs): xdist then gives it 10 s and kills it, which no teardown of its own survives.
_BUSY = """
import os
import time
import pytest

@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    until = time.monotonic() + 600
    while time.monotonic() < until:
        try:
            time.sleep(until - time.monotonic())
        except KeyboardInterrupt:
            if not (os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get("STUCK_WORKERS")):
                raise
    return (yield)
"""
XDIST = ["-n", "2"]


@pytest.mark.parametrize(("workers", "how", "stuck"), [
    # README's second command, as CI runs it, cancelled; here the same as a terminal's Ctrl-C
    pytest.param([], "SIGINT to pytest", False, id="serial-SIGINT-to-pytest"),
    pytest.param([], "SIGTERM to pytest", False, id="serial-SIGTERM-to-pytest"),  # a CI runner's timeout
    pytest.param(XDIST, "SIGTERM to pytest", False, id="xdist-SIGTERM-to-pytest"),
    pytest.param(XDIST, "SIGINT to the group", False, id="xdist-SIGINT-to-the-group"),  # a terminal's Ctrl-C
    pytest.param(XDIST, "SIGINT to pytest", True, id="xdist-stuck-SIGINT-to-pytest"),  # a CI runner's cancel
    pytest.param(XDIST, "SIGKILL to a worker", False, id="xdist-SIGKILL-to-a-worker"),
])
def test_a_stopped_run_leaves_no_process_and_no_port(tmp_path, devpi_prefix, workers, how, stuck):
    marker = str(tmp_path / "basetemp")
    servers = 2 if workers else 1  # the smoke suite starts one devpi per worker
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "busy_tests.py").write_text(_BUSY)
    command = suite_command(tmp_path, devpi_prefix, BUNDLED, "-p", "busy_tests", "suites/smoke", *workers)
    env = {**os.environ, "HOME": str(tmp_path), "PYTHONPATH": str(plugins), **({"STUCK_WORKERS": "1"} if stuck else {})}
    # A session of its own: a signal to the group reaches the run's processes and nothing of this one.
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    watched = Watched(child.pid)
    try:
        deadline = time.monotonic() + 120
        while len(watched.devpi_servers()) < servers:
            assert child.poll() is None, "the run ended before its devpi-servers started"
            assert time.monotonic() < deadline, "devpi-server never started"
            time.sleep(0.1)
            watched.look()
        watched.look()  # a devpi that began listening since the last look
        # Each worker's two fake upstreams and its devpi: what must be gone afterwards was seen.
        assert len(watched.ports) >= 3 * servers, watched.ports
        stop_run(child, watched, how)
        output = child.communicate(timeout=120)[0].decode(errors="replace")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    left = wait_for_no_processes_mentioning(marker)
    deadline = time.monotonic() + 15
    while (alive := watched.alive()) and time.monotonic() < deadline:
        time.sleep(0.2)
    listening = watched.listening()
    assert not (left or alive or listening), (
        f"{how} left processes or ports behind:\n" + "\n".join(sorted({*left, *alive, *listening})) + "\n" + output[-3000:])
    if how == "SIGTERM to pytest":  # a CI runner's cancel: the run says it was stopped, and where, as for Ctrl-C
        assert "KeyboardInterrupt" in output and "signal SIGTERM" in output, output[-3000:]
