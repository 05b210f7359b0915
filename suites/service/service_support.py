"""The service as the guide runs it: the deployment's own steps, plist and wrapper, started and stopped
with `launchctl` (on Linux the stand-in, fixtures/launchd/), each scenario with a home of its own.

These scenarios do not use the session's devpi (DevpiFactory runs start.sh under xprocess): what they
check is the start and the stop themselves. Their handle is still the suite's DevpiServer, made before the
steps ran and never started by it."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import itertools
import plistlib
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from xprocess import XProcess

from fake_upstreams import FakeUpstream
from fixtures import launchd
from fixtures.clients import PipClient
from fixtures.deployment import PLIST_NAME, STEPS, Deployment, DeploymentError, Settings
from fixtures.devpi import DevpiServer
from fixtures.launchd import DOMAIN
from fixtures.servers import free_port
from fixtures.steps import StepFailed

LABEL = PLIST_NAME.removesuffix(".plist")
_SERVICES = itertools.count(1)
# devpi-server's start-up took 2 s on an idle 2-core machine and 25 s with four suites running beside it.
READY_TIMEOUT = 150.0
STOP_TIMEOUT = 30.0


class Service(DevpiServer):
    """One home with the deployment set up in it: the suite's DevpiServer handle (URL, API, launchd history,
    log), made before any step ran and never started through xprocess; the scenario runs the steps and
    launchctl itself, and this adds what it needs to look at the service's processes."""

    def __init__(self, xprocess: XProcess, name: str, deployment: Deployment, settings: Settings) -> None:
        super().__init__(xprocess, name, deployment, settings, start_timeout=READY_TIMEOUT)

    def step(self, name: str) -> str:
        """Run a step of the deployment; one that fails leaves the scenario's promises 'not set up' on this
        devpi-server (the same verdict the other suites give), unless the step is what the scenario checks."""
        __tracebackhide__ = True
        try:
            return self.deployment.run(name, self.env)
        except DeploymentError as exc:
            raise StepFailed(name, str(exc)) from None

    def check_step(self, name: str, promise: str) -> str:
        """Run a step that is what the scenario checks (stop.sh, start.sh, uninstall.sh...): its failure breaks
        `promise`, it does not leave it 'not set up'."""
        __tracebackhide__ = True
        try:
            return self.deployment.run(name, self.env)
        except DeploymentError as exc:
            problem = str(exc)
        raise AssertionError(f"[{promise}] the deployment's {STEPS[name].script} failed:\n{problem}\n{self.describe()}")

    def launchctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["launchctl", *args], env=self.env, capture_output=True, text=True, timeout=120, check=False)

    def info(self) -> dict[str, str]:
        """`launchctl print` of the service ({} when it is not loaded)."""
        done = self.launchctl("print", DOMAIN + self.label)
        return launchd.parse_print(done.stdout) if done.returncode == 0 else {}

    def events(self, kind: str) -> list[dict]:
        return [e for e in self.history() if e["event"] == kind]

    def output(self) -> str:
        path = self.log_path
        return path.read_text(errors="replace")[-4000:] if path.exists() else "(no output)"

    def wait_until(self, predicate, what: str, timeout: float = READY_TIMEOUT) -> float:  # noqa: ANN001
        __tracebackhide__ = True
        started = time.monotonic()
        while not predicate():
            if time.monotonic() - started > timeout:
                pytest.fail(f"{what}: not within {timeout:.0f} s\nlaunchd history: {self.history()}\n"
                            f"--- the job's output ---\n{self.output()}", pytrace=False)
            time.sleep(0.1)
        return time.monotonic() - started

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> float:
        return self.wait_until(self.api.is_ready, f"devpi-server at {self.url}", timeout)

    def wrapper(self) -> psutil.Process | None:
        pid = self.info().get("pid")
        return psutil.Process(int(pid)) if pid else None

    def devpi_processes(self) -> list[psutil.Process]:
        """Every live process serving this home's server directory: the wrapper and devpi-server."""
        found = []
        for proc in psutil.process_iter(["cmdline", "status"]):
            if str(self.settings.serverdir) in " ".join(proc.info["cmdline"] or []) and proc.info["status"] != psutil.STATUS_ZOMBIE:
                found.append(proc)
        return found

    def devpi_server(self) -> psutil.Process | None:
        """devpi-server itself (not the wrapper, whose first argument is the wrapper script)."""
        for proc in self.devpi_processes():
            with_args = proc.info["cmdline"] or []
            if len(with_args) > 1 and with_args[1] == str(self.settings.prefix / "bin" / "devpi-server"):
                return proc
        return None

    def port_free(self) -> bool:
        # SO_REUSEADDR, as devpi-server's own listener: a connection in TIME_WAIT does not keep the port.
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", self.settings.port))
            except OSError:
                return False
            return True

    def describe(self) -> str:
        procs = "\n".join(f"  {p.pid} ppid={p.ppid()} {' '.join(p.info['cmdline'] or [])}" for p in self.devpi_processes())
        return (f"processes on {self.settings.serverdir}:\n{procs or '  (none)'}\nport {self.settings.port} free: "
                f"{self.port_free()}\nlaunchd history: {self.history()}\n--- the job's output ---\n{self.output()}")

    def kill_leftovers(self) -> list[str]:
        """What the scenario left of the service, killed (SIGKILL); their command lines."""
        left = []
        for proc in self.devpi_processes():
            left.append(f"{proc.pid}: {' '.join(proc.info['cmdline'] or [])}")
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.send_signal(signal.SIGKILL)
        psutil.wait_procs(self.devpi_processes(), timeout=10)
        return left

    @functools.cached_property
    def pip(self) -> PipClient:
        """pip configured by this home's pip.conf, as the guide's user runs it."""
        return PipClient(self.settings.home.parent / "pip", config=self.settings.pip_conf)

    def plist(self) -> dict:
        with self.settings.plist.open("rb") as f:
            return plistlib.load(f)


def service_fixture(deployment: Deployment, devpi_prefix: Path, fake_pypi: FakeUpstream, fake_artifactory: FakeUpstream,
            xprocess_here: XProcess, tmp_path: Path) -> Iterator[Service]:
    """A home of its own for the deployment, nothing run yet; after the test: bootout, and whatever is left
    of the service killed."""
    settings = Settings(home=tmp_path / "home", prefix=devpi_prefix, port=free_port(),
                        artifactory_url=fake_artifactory.simple_url, pypi_url=fake_pypi.simple_url)
    settings.home.mkdir()
    svc = Service(xprocess_here, f"service-{next(_SERVICES)}-{settings.port}", deployment, settings)
    yield svc
    svc.launchctl("bootout", DOMAIN + svc.label)
    svc.kill_leftovers()


def started(svc: Service) -> Service:
    """The guide's order: devpi-init, the plist and wrapper, bootstrap, then configuration of indexes and clients."""
    svc.step("init")
    svc.step("service")
    svc.step("start")
    svc.wait_ready()
    svc.step("configure")
    svc.step("client_config")
    return svc


def replace(svc: Service, **changes: object) -> Service:
    # The same name: the same launchd state, so the new handle sees what the old one's steps did.
    return Service(svc.xprocess, svc.name, svc.deployment, dataclasses.replace(svc.settings, **changes))
