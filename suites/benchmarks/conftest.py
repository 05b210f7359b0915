"""What the benchmarks share: the upstreams' contents, the devpi-servers under test, and the clients.

The benchmark projects are published before any of their devpi-servers starts (devpi caches an upstream's
project list for mirror_cache_expiry). The devpi-servers are the deployment's own (`devpi_factory`),
started for the benchmarks alone, so that both versions of a comparison have the same history.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from fake_upstreams import FakeUpstream
from fixtures.benchmarks import BASELINE, SUBJECT
from fixtures.deployment import Deployment
from fixtures.devpi import DevpiServer, die_with_parent
from fixtures.indexes import clone_root_local
from fixtures.packages import Dist, PackageFactory
from fixtures.installs import kept_install
from fixtures.steps import installed_devpi_server
from suites.benchmarks.benchmark_support import BIG, CROWD_FILE_SIZE, CROWD_FILES, RELEASES


@dataclass
class Catalogue:
    pages: dict[int, str] = field(default_factory=dict)  # releases -> project name
    files_of: dict[str, set[str]] = field(default_factory=dict)  # project -> its filenames on both upstreams
    big_private: Dist | None = None  # on the intranet: cached by root/python-local
    big_public: Dist | None = None  # on PyPI: passed through by root/pypi
    crowd: str = "bench-crowd"
    crowd_files: list[Dist] = field(default_factory=list)


def split_releases(packages: PackageFactory, name: str, releases: int) -> tuple[list[Dist], list[Dist]]:
    """`releases` versions of `name`, alternately on PyPI and on the intranet; a single release has its
    wheel on PyPI and its sdist on the intranet, so that every project is on both upstreams."""
    if releases == 1:
        return [packages.wheel(name, "1.0")], [packages.sdist(name, "1.0")]
    wheels = [packages.wheel(name, f"{i}.0") for i in range(1, releases + 1)]
    return wheels[0::2], wheels[1::2]


@pytest.fixture(scope="session")
def catalogue(packages: PackageFactory, fake_pypi: FakeUpstream, fake_artifactory: FakeUpstream) -> Catalogue:
    """Written straight into the fakes' folders (pypiserver serves a folder): 1,000 wheels take well under a second."""
    found = Catalogue()
    for releases in RELEASES:
        name = found.pages[releases] = f"bench-page-{releases}"
        public, private = split_releases(packages, name, releases)
        fake_pypi.publish(*public)
        fake_artifactory.publish(*private)
        found.files_of[name] = {d.filename for d in (*public, *private)}
    found.big_private = packages.wheel("bench-big-private", "1.0", padding=BIG)
    found.big_public = packages.wheel("bench-big-public", "1.0", padding=BIG)
    fake_artifactory.publish(found.big_private)
    fake_pypi.publish(found.big_public)
    found.crowd_files = [packages.wheel(found.crowd, f"{i}.0", padding=CROWD_FILE_SIZE) for i in range(1, CROWD_FILES + 1)]
    fake_artifactory.publish(*found.crowd_files)
    return found


@dataclass
class Servers:
    """The devpi-server under test and, with --benchmark-against, the baseline, by role (SUBJECT, BASELINE)."""

    by_role: dict[str, DevpiServer]
    versions: dict[str, str]
    cold: dict[str, str] = field(default_factory=dict)  # role -> a clone of root/local whose mirrors never keep a page

    def cold_index(self, role: str) -> str:
        """root/local's clone whose mirrors have mirror_cache_expiry=0: every page request makes devpi ask the
        upstreams again, as the first request after the cache expired does."""
        if role not in self.cold:
            server = self.by_role[role]
            clone = clone_root_local(server)
            for mirror in clone.bases:
                clone.configure(mirror, mirror_cache_expiry=0)
            self.cold[role] = clone.name
        return self.cold[role]


@pytest.fixture(scope="session")
def servers(catalogue: Catalogue, devpi_factory, deployment, devpi_server_version, pytestconfig: pytest.Config,  # noqa: ANN001
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    # The factory itself, not make_devpi: the servers serve every benchmark of the session.
    with contextlib.ExitStack() as stack:
        by_role = {SUBJECT: stack.enter_context(devpi_factory.server())}
        versions = {SUBJECT: str(devpi_server_version)}
        if against := pytestconfig.getoption("benchmark_against"):
            # The baseline under a deployment of its own: the guide as written on 6 against its migration on 7.
            own = pytestconfig.getoption("benchmark_against_deployment")
            baseline = Deployment(own.resolve()) if own else deployment
            prefix = kept_install(baseline, against, pytestconfig, tmp_path_factory.mktemp("install-home"))
            by_role[BASELINE] = stack.enter_context(devpi_factory.server(deployment=baseline, prefix=prefix))
            versions[BASELINE] = str(installed_devpi_server(prefix))
            if baseline.source != deployment.source:
                versions = {SUBJECT: f"{versions[SUBJECT]} ({deployment.source.name})",
                            BASELINE: f"{versions[BASELINE]} ({baseline.source.name})"}
        yield Servers(by_role, versions)


class Crowd:
    """Many clients at once, in a process of their own (crowd.py): the fake upstreams run in pytest's process,
    and clients sharing its interpreter lock would slow the direct upstream down, not devpi."""

    def __init__(self) -> None:
        script = Path(__file__).with_name("crowd.py")
        self.proc = subprocess.Popen([*die_with_parent(), sys.executable, str(script)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def burst(self, plan: list[list[tuple[str, int]]]) -> dict:
        """Each client's (url, expected size) list, all clients released together: the wall time, every
        request's duration, and the errors (a status, a short body, an exception)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(plan) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the crowd's process died (exit status {self.proc.poll()})")
        return json.loads(line)

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def crowd() -> Iterator[Crowd]:
    started = Crowd()
    try:
        yield started
    finally:
        started.close()
