"""The ways the intranet can be gone, the devpi-servers that lose it, and what devpi reads of it.

An `Intranet` is a devpi-server set up by the deployment plus the fake Artifactory its
root/python-local mirrors, and one way of taking that Artifactory away:

- refused, hang, 5xx: the session's devpi and fake Artifactory, with the fake's fault modes;
- name: a devpi of its own that reaches the Artifactory by the host name `ARTIFACTORY_HOST`,
  resolved by a private /etc/hosts (fixtures/hosts.py); gone = the name stops resolving;
- link: a devpi of its own whose Artifactory listens inside a network namespace behind a veth
  link (fixtures/netns.py); gone = the link goes dark (packets dropped, a black hole).

Each scenario clones root/local and its mirrors (`Intranet.fresh_indexes()`) with the
deployment's configuration, so what devpi has or has not fetched is the scenario's own.
A scenario that needs an intranet on a devpi of its own (e.g. a deployment copy with a setting
changed) builds it with `session_way(request, way, devpi=make_devpi(...))`,
`named_intranet_of(request, deployment=...)` or `linked_intranet_of(request, deployment=...)`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from fake_upstreams import ARTIFACTORY_PREFIX, FakeUpstream, Mode
from fake_upstreams import fake_artifactory as fake_artifactory_upstream
from fixtures import hosts, netns
from fixtures.devpi import DevpiServer
from fixtures.effective import ServerOptions, read_setting, server_options  # noqa: F401  (the offline suite's names)
from fixtures.indexes import IndexClone, clone_root_local

ARTIFACTORY_HOST = "artifactory.example.test"  # .test: reserved, never resolvable on the internet
PYTHON_LOCAL = "root/python-local"
PYPI = "root/pypi"


# -- devpi's own settings, read the way devpi reads them (fixtures/effective.py) ------------------------------


def cache_expiry(server: DevpiServer, index: str, options: ServerOptions) -> tuple[int, str]:
    """The mirror_cache_expiry in force for `index`, and where it comes from (`options` are `server`'s, which
    fixtures/effective.py reads itself)."""
    setting = read_setting(server, index, "mirror_cache_expiry")
    return int(setting.value), setting.source


def no_project_list(server: DevpiServer, index: str) -> bool:
    """mirror_no_project_list on `index`: devpi never reads the upstream's project list and asks for a
    project's page instead (mirror.py `has_project_perstage` answers "unknown" for a name it never saw)."""
    return bool(read_setting(server, index, "mirror_no_project_list").value)


# -- the intranet and the ways it can be gone --------------------------------------------------------------


@dataclass
class Intranet:
    way: str  # refused, hang, 5xx, name, link
    gone_means: str  # what a person on call reads: "the intranet refuses connections"
    devpi: DevpiServer
    upstream: FakeUpstream
    gone: Callable[[], contextlib.AbstractContextManager[object]]
    password: str
    waits: bool  # devpi gets no answer and waits out its request timeout (hang, black hole)
    options: ServerOptions = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.options = server_options(self.devpi)

    def fresh_indexes(self) -> IndexClone:
        return clone_root_local(self.devpi, self.password)

    def pip_bound(self, *, upstream_asked: bool) -> float:
        """Seconds a pip run may take with the intranet gone: pip's own work, plus, when devpi asks
        the intranet and gets no answer (hang, black hole), two request timeouts — one for the
        project's page, one for pip's self-version check (devpi spends up to two on `pip`'s lookup
        in root/python-local, pip stops waiting after 5 s). Refusals, 5xx and unresolvable names
        cost devpi nothing measurable (test_offline_cached.py)."""
        waits = 2 if (self.waits and upstream_asked) else 0
        return PIP_ALLOWANCE + waits * self.options.request_timeout


# pip's own work (start-up, resolution, ~5 local requests; ~1 s here) on a slow 2-core CI machine.
PIP_ALLOWANCE = 10.0

SESSION_WAYS = {  # the session fake Artifactory's own fault modes
    "refused": (Mode.REFUSE, "the intranet refuses connections", False),
    "hang": (Mode.HANG, "the intranet accepts connections and never answers", True),
    "5xx": (Mode.ERROR_5XX, "the intranet answers 503 Service Unavailable", False),
}
# The named and the linked intranet are each a devpi-server of their own (session fixtures): their scenarios
# run in one worker, which starts it once (fixtures/sharing.py).
WAYS = [*SESSION_WAYS, pytest.param("name", marks=pytest.mark.xdist_group("offline-named-intranet")),
        pytest.param("link", marks=pytest.mark.xdist_group("offline-linked-intranet"))]


# -- building intranets (also for scenarios that need one on a deployment copy of their own) ----------------


def own_devpi(request: pytest.FixtureRequest, stack: contextlib.ExitStack, *, artifactory_url: str,
              launcher: list[str] | None = None, deployment: Path | None = None) -> DevpiServer:
    """A devpi-server of the suite's own from the session's factory, able to outlive one test (the session's
    intranets): make_devpi's servers end with their test."""
    return stack.enter_context(request.getfixturevalue("devpi_factory").server(
        deployment=deployment, launcher=launcher or (), artifactory_url=artifactory_url))


def session_way(request: pytest.FixtureRequest, way: str, devpi: DevpiServer | None = None) -> Intranet:
    """refused, hang or 5xx: the session's fake Artifactory in that fault mode, seen through `devpi`
    (default: the session's; any devpi whose root/python-local mirrors the session fake will do)."""
    mode, means, waits = SESSION_WAYS[way]
    upstream: FakeUpstream = request.getfixturevalue("fake_artifactory")
    server: DevpiServer = devpi or request.getfixturevalue("devpi")
    return Intranet(way, means, server, upstream, lambda: upstream.fault(mode), server.settings.root_password, waits)


@contextlib.contextmanager
def named_intranet_of(request: pytest.FixtureRequest, *, deployment: Path | None = None) -> Iterator[Intranet]:
    """name: devpi reaches the session's fake Artifactory as http://ARTIFACTORY_HOST:PORT/... through
    a private /etc/hosts; gone = the name stops resolving (locally, at once)."""
    reason = hosts.unavailable_reason()
    if reason:
        pytest.skip(f"the 'host name no longer resolves' case skipped: {reason}")
    upstream: FakeUpstream = request.getfixturevalue("fake_artifactory")
    names = hosts.PrivateNames(request.getfixturevalue("tmp_path_factory").mktemp("names"), {ARTIFACTORY_HOST: "127.0.0.1"})

    @contextlib.contextmanager
    def unresolvable() -> Iterator[None]:
        names.remove(ARTIFACTORY_HOST)
        try:
            yield
        finally:
            names.add(ARTIFACTORY_HOST, "127.0.0.1")

    with contextlib.ExitStack() as stack:
        # The pages link files relatively, so the file downloads go through the host name too.
        server = own_devpi(request, stack, artifactory_url=f"http://{ARTIFACTORY_HOST}:{upstream.port}{ARTIFACTORY_PREFIX}/simple/",
                           launcher=names.launcher, deployment=deployment)
        yield Intranet("name", f"the intranet's host name {ARTIFACTORY_HOST} no longer resolves", server, upstream,
                       unresolvable, server.settings.root_password, waits=False)


@contextlib.contextmanager
def linked_intranet_of(request: pytest.FixtureRequest, *, deployment: Path | None = None) -> Iterator[Intranet]:
    """link: a fake Artifactory of its own listening inside a network namespace, reached over a veth
    link; gone = the link goes dark (packets dropped: a black hole, as off the VPN)."""
    request.getfixturevalue("network_namespaces")  # skips with the reason when namespaces cannot be made
    with contextlib.ExitStack() as stack:
        ns = stack.enter_context(netns.network_namespace())
        upstream = fake_artifactory_upstream(request.getfixturevalue("tmp_path_factory").mktemp("netns-artifactory"),
                                             host=ns.address)
        netns.serve_inside(ns, upstream.socket)
        stack.enter_context(upstream)  # closed before the namespace goes: its socket would keep the namespace alive
        # devpi stops first (the stack unwinds in reverse), so nothing talks to the link once it is gone.
        server = own_devpi(request, stack, artifactory_url=upstream.simple_url, deployment=deployment)
        yield Intranet("link", f"the link to the intranet ({ns.address} via {ns.host_link}) is dark: packets are dropped",
                       server, upstream, ns.link_cut, server.settings.root_password, waits=True)


def listed(devpi: DevpiServer, index: str, project: str, filename: str) -> bool:
    """Does the page pip reads for `project` through `index` link `filename` now?"""
    status, page = devpi.api.simple_page(index, project)
    return status == 200 and re.search(rf"/{re.escape(filename)}#", page) is not None


def wait_until_listed(devpi: DevpiServer, index: str, project: str, filename: str, *, deadline: float) -> float | None:
    """Poll devpi's page until it links `filename`; the monotonic time it first did, or None at the deadline."""
    while time.monotonic() < deadline:
        if listed(devpi, index, project, filename):
            return time.monotonic()
        time.sleep(0.1)  # a poll interval, not a wait for something to happen
    return None


# -- what devpi asked of the intranet, read from its own log and the upstream's request log ---------------------

PROJECT_LIST = r"/simple/$"  # an upstream's whole project list, as devpi asks for it


def list_reads(upstream: FakeUpstream, *, since: float = 0.0) -> list[float]:
    """When devpi asked `upstream` for its project list (monotonic times, oldest first)."""
    return [seen.at for seen in upstream.log.matching(PROJECT_LIST, since=since)]


@dataclass(frozen=True)
class Asked:
    """Each time devpi asked an upstream, got nothing, and went on without it, by what it asked for.
    devpi's mechanism depends on the configuration: a mirror with a project list reads the list
    (mirror.py `_update_projects`: "serving stale projects" / "using stale projects list"); with
    mirror_no_project_list, or for a project it has cached, it asks for the project's page
    (`get_simplelinks_perstage`: "serving stale links"; model.py `op_sro_check_mirror_whitelist`:
    "Failed to check mirror whitelist", unless the answer was a 404 or a 404 devpi remembers)."""

    list_reads: int
    page_reads: int
    waits: int  # of these, the ones that ran into devpi's request timeout
    lines: tuple[str, ...]

    @property
    def any(self) -> int:
        return self.list_reads + self.page_reads

    def __str__(self) -> str:
        if not self.any:
            return "devpi asked the intranet nothing it failed to get"
        return (f"devpi failed to read the project list {self.list_reads}x and a project page {self.page_reads}x, "
                f"{self.waits}x waiting out its request timeout")


_LIST_FAILED = re.compile(r"serving stale projects|using stale projects list")
# devpi 7 words the whitelist check as inheritance rules (model/inheritance.py), the same wait.
_PAGE_FAILED = re.compile(r"serving stale links|Failed to check (?:mirror whitelist|remote project existence to apply "
                          r"inheritance rules)\. Assume it does not exist \((?!not found on GET|cached not found)")
_WAITED = re.compile(r"timed out after|timeout after")
_WRITER_STALE = re.compile(r"\[Wtx\d+\] serving stale projects for '([^']+)'")
_REQUEST = re.compile(r"\[(req\d+)\] (?:GET|POST|HEAD) /(\S+?)/\+simple/")


def devpi_asked(devpi_log: str, index: str = "") -> Asked:
    """What devpi failed to get from an upstream while serving requests (of `index` only, when given:
    runs on several indexes at once share one log, and devpi tags each line with its request)."""
    requests_of: dict[str, str] = {}
    lines = []
    for line in devpi_log.splitlines():
        if found := _REQUEST.search(line):
            requests_of[found[1]] = found[2]
            continue
        if "[ASYN]" in line or not (_LIST_FAILED.search(line) or _PAGE_FAILED.search(line)):
            continue
        request = re.search(r"\[(req\d+)\]", line)
        if index and request is None and (stale := _WRITER_STALE.search(line)):
            # devpi 7 reads a project list in a write transaction ("[Wtx18] serving stale projects for
            # 't8-python-local'"), untagged by the request that waits for it: the mirror's clone tag names the run.
            if stale[1].split("-", 1)[0] != index.split("/", 1)[-1].split("-", 1)[0]:
                continue
        elif index and (request is None or requests_of.get(request[1]) != index):
            continue
        lines.append(line)
    return Asked(sum(1 for line in lines if _LIST_FAILED.search(line)),
                 sum(1 for line in lines if _PAGE_FAILED.search(line)),
                 sum(1 for line in lines if _WAITED.search(line)), tuple(lines))
