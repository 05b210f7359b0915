"""The deployment as a state machine: random sequences of publishing, yanking, outages, waits, restarts
and installs, over the real devpi-server (started through the deployment's service), the fake upstreams
and real pip and uv, checked against `model.DeploymentModel` after every step.

Each scenario of the suite checks one story; this one looks for the sequences nobody wrote down (a
release published during an outage, a restart while the intranet hangs, a yank after the file was
cached, two pip runs at the first read of a project). Invariants, after every step:
- no client ever gets a version no upstream published, nor bytes that differ from that upstream's (R3, P4);
- a file pip once got from the intranet installs again, pinned, whatever the intranet does (O1, O3);
- online, with a cache expiry passed since the last change, pip gets the greatest version under pip's
  rules (R3) and uv the same (C4); before that, devpi's documented staleness window (O4, O7) leaves
  "either": any published version, or none;
- devpi answers no 500 of its own and logs no traceback; nothing it stored is lost across a restart (O3).

The machine's devpi-server runs the deployment with `--mirror-cache-expiry` set to EXPIRY so a
sequence can wait an expiry out (an index's own `mirror_cache_expiry`, read from devpi, wins). pip runs as
the guide's user runs it, configured by the deployment's pip.conf. Each sequence works on a project of its
own.

Before the random sequences, a few explicit ones (STORIES: plain, fixed sequences of the same rules, never
shrunk) make sure every run reaches each promise the test claims: several releases on both upstreams and a
new one on the intranet (R3, O4), uv beside pip through yanks (C4), the intranet refusing and a restart while
it is gone (O1, O3), the intranet hanging (O1). Each asserts that it reached its checks, and the test
reports "kept" only for the promises whose checks ran (the `reached` fixture). Every story runs even when
one fails (each prints its steps); the random sequences then do not run. The default budget adds a
handful of short derandomized random sequences (a failure reproduces by running again);
`--hypothesis-profile nightly` runs MACHINE_NIGHTLY of them, `--model-sequences N` sets their number (0: the
stories only) and `--model-random-only` leaves the stories out. A random failure shrinks to the shortest
sequence hypothesis finds, printed as the steps a person can replay (`state.publish(side='intranet', ...)`).
"""

from __future__ import annotations

import contextlib
import enum
import functools
import hashlib
import itertools
import re
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from packaging.version import Version

from fake_upstreams import FakeUpstream, Misbehaviour
from fake_upstreams.behaviours import error_5xx, hang, refuse, stall, trickle
from fixtures import disk
from fixtures.api import http_session
from fixtures.clients import PipClient, Resolution, UvClient
from fixtures.devpi import DevpiServer
from fixtures.exchanges import CACHED_FILE_500, CONCURRENT_FILE_500, Exchange, finding_of, tracebacks
from fixtures.packages import PackageFactory
from fixtures.report import Findings
from suites.durability.durability_support import (
    crowd_outcome,
    kill_devpi_server,
    misplaced,
    page_links,
    raw_client,
    sha256_of_url,
    stored_path,
    together,
    wait_back,
)
from suites.model.model import ColdProject, DeploymentModel, Release, uv_pick
from suites.offline.offline_intranets import PYPI, PYTHON_LOCAL
from suites.resolution.oracle import pep440

EXPIRY = 2  # seconds of --mirror-cache-expiry: long enough for one pip run, short enough to wait out in a step
# An index's own mirror_cache_expiry beyond this (e.g. devpi's default, 1800 s) leaves no sequence the time to
# wait it out: the machine cannot judge that deployment, and says so.
LONGEST_EXPIRY = 60
MACHINE_DEFAULT = {"max_examples": 2, "stateful_step_count": 5}
MACHINE_NIGHTLY = {"max_examples": 200, "stateful_step_count": 10}
# The self-tests' child runs (tests/test_model_selftest.py): a failure needs three steps, and every step
# hypothesis does not have to delete while it shrinks saves a re-run of the sequence on the real deployment.
MACHINE_SELFTEST = {"max_examples": 3, "stateful_step_count": 4}
# A hang costs devpi's request timeout (5 s) per fetch, and a failing sequence is re-run many times while it
# shrinks: the default budget's random sequences leave it to the nightly profile (a story hangs it once).
GONE = {"default": ("refuse", "5xx"), "selftest": ("refuse", "5xx"), "nightly": ("refuse", "5xx", "hang")}
GONE_BY = {"refuse": refuse, "5xx": error_5xx, "hang": hang}
# The strain events (D1-D3, StrainMachine) cost a devpi-server start (a kill: ThrottleInterval and devpi's start,
# 11-25 s) or a crowd of client processes: the explicit sequences reach each of them once; among the random
# sequences only `--hypothesis-profile nightly` draws them, at most KILLS kills per sequence.
KILLS = 2
# A crowd on new projects: per project, these clients at once; where each project is published (intranet
# versions, PyPI versions), one client alone getting 2.0, the greatest.
CROWD = {"pip": 2, "uv": 1, "http": 1}
WHERES = {"intranet": (("1.0", "2.0"), ()), "pypi": ((), ("1.0", "2.0")), "both": (("2.0",), ("1.0",))}
# The upstreams' pages of a crowd's projects answer this late: every client arrives while devpi's first fetch is
# in flight (suites/durability/test_cold_crowd.py).
COLD_PAGE_SECONDS = 1.5
# A file over devpi's in-memory limit (1 MiB), trickled over about 6 s and killed 3 s in: devpi has written part
# of it to disk (suites/durability/test_kill.py).
BIG_PADDING = 1_500_000
TRICKLE = {"chunk": 16_384, "delay": 0.06}
KILL_AFTER = 3.0
# devpi's known 500s (fixtures/exchanges.py): a client run that meets one is that finding, recorded, and not judged
# further; its traceback in devpi's log is the same finding. (O1-outage-logs-traceback, the other known traceback,
# is test_found_by_the_model.py's: counted here, reported there.)
ANSWERS: tuple[Exchange, ...] = (CACHED_FILE_500, CONCURRENT_FILE_500)
_projects = itertools.count(1)  # unique across runs of the machine in one session
# The derandomized profiles' seed. Without one, hypothesis derives it from the machine's source, and any edit
# of the class would draw other sequences: the selftest profile's few must take the intranet away (this seed's
# second one does, tests/test_model_selftest.py).
SEED = 2


def profile() -> str:
    name = settings.get_current_profile_name()
    return name if name in ("nightly", "selftest") else "default"


def machine_settings(sequences: int | None) -> settings:
    """Few sequences by default (README's first command); 200 longer ones under `--hypothesis-profile nightly`;
    `--model-sequences N` sets their number (a nightly budget split over several processes)."""
    nightly = profile() == "nightly"
    chosen = {"nightly": MACHINE_NIGHTLY, "selftest": MACHINE_SELFTEST}.get(profile(), MACHINE_DEFAULT)
    budget = {**chosen, **({"max_examples": sequences} if sequences is not None else {})}
    return settings(
        **budget,
        derandomize=not nightly, deadline=None, database=None, print_blob=nightly, report_multiple_bugs=False,
        phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink),
        suppress_health_check=(HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much),
    )


# The checks, as counted in World.checks (the run's figure), each named after its promise.
R3_BOTH = "R3: the greatest version, releases on both upstreams, settled"
R3_ONE = "R3: the greatest version, releases on one upstream, settled"
R3_GONE = "R3: the version pip gets with the intranet gone, devpi's last view complete"
O1_PINNED = "O1: a version pip got from the intranet, pinned, the intranet gone"
O3_PINNED = "O3: a version pip got from the intranet, pinned, after a restart with the intranet gone"
O3_STORED = "O3: nothing devpi stored lost across a restart"
O4_NEW = "O4: a release published on the intranet after the first install, installable once an expiry passed"
C4_UV = "C4: uv's version, settled"
C4_UV_YANKED = "C4: uv's version, settled, a release yanked"
C4_SAME = "C4: uv and pip at the same moment"
D1_CROWD = "D1: a crowd on a new project, each client judged against one alone"
D2_BACK = "D2: back under KeepAlive after a kill, every stored file intact, nothing lost"
D2_PAGE = "D2: killed while it waits for an intranet page"
D2_FILE = "D2: killed while it stores an intranet file"
D3_DELETED = "D3: a stored file deleted, fetched again or refused naming the cause"
D3_TRUNCATED = "D3: a stored file truncated, fetched again, refused naming the cause, or the finding"


def gone(way: str) -> str:
    return f"O1: the intranet gone ({way})"


def crowd(where: str) -> str:
    return f"D1: a crowd on a new project ({where})"


# The check whose run makes the test report its promise kept (fixtures/report.py `reached`).
CLAIMS = {"R3": R3_BOTH, "O1": O1_PINNED, "O3": O3_PINNED, "O4": O4_NEW, "C4": C4_UV, "D1": D1_CROWD, "D2": D2_BACK,
          "D3": D3_DELETED}


@dataclass
class World:
    """The real parts a sequence acts on, shared by all sequences of one run."""

    devpi: DevpiServer
    upstreams: dict[str, FakeUpstream]  # "intranet" / "pypi"
    packages: PackageFactory
    pip: PipClient
    uv: UvClient
    expiry: int = EXPIRY  # the longest cache expiry in force on root/local's mirrors: a wait lasts one second more
    log_seen: int = 0  # how much of devpi's log the invariants have read
    sequences: int = 0
    known_tracebacks: Counter[str] = field(default_factory=Counter)  # logged tracebacks of a known exchange, by finding
    checks: Counter[str] = field(default_factory=Counter)  # which checks the sequences got to, how often
    findings: Findings | None = None  # the test's: a known devpi behaviour met is recorded, and the sequence goes on
    met: Counter[str] = field(default_factory=Counter)  # findings met, how often
    kill_seconds: list[float] = field(default_factory=list)  # from each kill to devpi answering again

    def found(self, finding_id: str, evidence: str) -> None:
        """A known devpi behaviour (a finding), met exactly: recorded once with its evidence, counted each time."""
        if not self.met[finding_id] and self.findings is not None:
            self.findings.add(finding_id, evidence)
        self.met[finding_id] += 1

    @property
    def index_url(self) -> str:
        return self.devpi.index_url("root/local")


# How pip's --log names an error answer: "404 Client Error: Not Found for url: URL" (a page) and
# "HTTP error 503 while getting URL" (a file).
_ERROR_ANSWER = re.compile(r"\b(\d{3}) (?:Client|Server) Error: .*? for url: (\S+)|HTTP error (\d{3}) while getting (\S+)")


def devpi_errors(result: Resolution, devpi: DevpiServer) -> list[tuple[int, str]]:
    """(status, URL) of every error answer pip had from devpi, read from pip's --log."""
    if "--log" not in result.command:
        return []
    log = Path(result.command[result.command.index("--log") + 1])
    text = log.read_text(errors="replace") if log.exists() else ""
    found = {(int(m[1] or m[3]), m[2] or m[4]) for m in _ERROR_ANSWER.finditer(text)}
    return sorted((status, url) for status, url in found if url.startswith(devpi.url))


class DeploymentMachine(RuleBasedStateMachine):
    world: World  # set by the test on a subclass

    published = Bundle("published")

    def __init__(self) -> None:
        super().__init__()
        self.world.sequences += 1
        self.model = DeploymentModel(f"model-{self.world.sequences}-{next(_projects)}")
        self.restarted_while_gone = False  # O3 rather than O1 names a cached copy lost
        self.restarts = 0
        self.kills = 0
        self.side_projects = 0  # the crowds' and the kills' projects, named after this sequence's
        # (client, pre) -> (the model's moment, the versions it got), to compare pip and uv at one moment (C4)
        self.runs: dict[tuple[str, bool], tuple[int, list[Version]]] = {}
        self.gone: Misbehaviour | None = None

    def teardown(self) -> None:
        if self.gone is not None:
            self.gone.end()

    # -- the upstreams --------------------------------------------------------------------------
    @initialize(target=published, version=pep440(), kind=st.sampled_from(["wheel", "sdist"]))
    def a_private_release_installed_once(self, version: str, kind: str) -> Release | None:
        """Every sequence starts as the guide's story does: the project is on the intranet, devpi has had an
        expiry to see it, and pip installed it once. Without that start most sequences would spend their few
        steps in devpi's window for a new project (O7), where the model can only say "either", and never
        reach O1: anything taking the intranet away from here on checks it."""
        release = self.publish(side="intranet", version=version, kind=kind)
        self.wait_out_the_cache_expiry()
        self.pip_install(pre=False)
        return release

    @rule(target=published, side=st.sampled_from(["intranet", "pypi"]), version=pep440(),
          kind=st.sampled_from(["wheel", "sdist"]))
    def publish(self, side: str, version: str, kind: str) -> Release | None:
        """One file per version per side: which of two files of one version pip takes is pip's business."""
        if any(r.side == side and Version(r.version) == Version(version) for r in self.model.releases):
            return None
        build = self.world.packages.wheel if kind == "wheel" else self.world.packages.sdist
        dist = build(self.model.project, version, payload=f"{side}-{version}")  # each side's bytes differ
        self.world.upstreams[side].publish(dist)
        release = Release(side, version, dist.filename, self.world.upstreams[side].sha256(dist.filename))
        self.model.published(release)
        return release

    @rule(release=published)
    def yank(self, release: Release | None) -> None:
        """With a reason: a reasonless yank is a known finding of its own (R3-reasonless-yank)."""
        if release is None or release.yanked:
            return
        self.world.upstreams[release.side].yank(release.filename, "yanked by the model")
        self.model.yanked(release)

    @precondition(lambda self: self.model.intranet_gone is None)
    @rule(way=st.deferred(lambda: st.sampled_from(GONE[profile()])))
    def take_the_intranet_away(self, way: str) -> None:
        """O1 is checked at once: every version pip ever got from the intranet still installs, pinned."""
        self.gone = self.world.upstreams["intranet"].misbehave(GONE_BY[way]())
        self.model.intranet_away(way)
        self.world.checks[gone(way)] += 1
        self.fetched_versions_still_install()

    @precondition(lambda self: self.model.intranet_gone is not None)
    @rule()
    def bring_the_intranet_back(self) -> None:
        assert self.gone is not None
        self.gone.end()
        self.gone = None
        self.model.intranet_back()
        self.restarted_while_gone = False

    @rule()
    def wait_out_the_cache_expiry(self) -> None:
        time.sleep(self.world.expiry + 1)
        self.model.expiry_waited()

    # -- the service --------------------------------------------------------------------------------
    # A restart costs a devpi-server start (10-25 s on a loaded machine); hypothesis readily draws one rule many
    # times over, and a run of restarts checks little the first two did not: at most two per sequence. The default
    # budget's few random sequences leave them to its story (a restart while the intranet is gone) and to nightly.
    @precondition(lambda self: self.restarts < (2 if profile() == "nightly" else 0))
    @rule()
    def restart_the_service(self) -> None:
        before = disk.all_files(disk.usage(self.world.devpi.serverdir))
        self.world.devpi.restart()
        self.restarts += 1
        self.restarted_while_gone = self.model.intranet_gone is not None
        after = set(disk.all_files(disk.usage(self.world.devpi.serverdir)))
        lost = [f.relpath for f in before if f not in after]
        assert not lost, f"[O3] files devpi had stored are gone after a restart: {lost}\n{self.model.describe()}"
        self.world.checks[O3_STORED] += 1
        if self.model.intranet_gone:
            self.fetched_versions_still_install()

    # -- the clients ----------------------------------------------------------------------------------
    @rule(pre=st.booleans())
    def pip_install(self, pre: bool) -> None:
        self.check_pip(self.pip(pre=pre), pre=pre)

    @rule(pre=st.booleans())
    def two_pip_installs_at_once(self, pre: bool) -> None:
        with ThreadPoolExecutor(2, thread_name_prefix="model-pip") as pool:
            runs = [pool.submit(self.pip, pre=pre) for _ in range(2)]
        for run in runs:
            self.check_pip(run.result(), pre=pre)  # an error in a run's thread is raised here

    @rule(release=published)
    def pip_install_pinned(self, release: Release | None) -> None:
        if release is not None:
            self.install_pinned(release.version)

    @rule(pre=st.booleans())
    def uv_resolve(self, pre: bool) -> None:
        result = self.world.uv.resolve(self.model.project, index_url=self.world.index_url,
                                       prerelease="allow" if pre else None)
        if self.a_known_answer(result):
            return
        self.check_files(result, bytes_checked=False)
        if self.model.settled:
            self.check_pick(result, uv_pick(self.model.releases, pre=pre), pre=pre, promise="C4")
            self.world.checks[C4_UV] += 1
            if any(r.yanked for r in self.model.releases):
                self.world.checks[C4_UV_YANKED] += 1
            self.same_as_the_other_client(result, pre=pre)
            self.runs[("uv", pre)] = (self.model.moment, [Version(f.version) for f in result.files])
        self.model.client_asked()

    # -- the invariants ---------------------------------------------------------------------------------
    @invariant()
    def devpi_logs_no_traceback(self) -> None:
        path = self.world.devpi.log_path
        size = path.stat().st_size if path.exists() else 0
        if size < self.world.log_seen:  # a new log after a restart
            self.world.log_seen = 0
        with path.open("rb") as f:
            f.seek(self.world.log_seen)
            new = f.read().decode(errors="replace")
        self.world.log_seen = size
        known, unknown = tracebacks(new)
        for exchange in ANSWERS:
            if met := exchange.entries(new):
                self.world.found(exchange.finding, f"devpi-server {self.world.devpi.api.server_version} logged "
                                                   f"{exchange.what}:\n{met[0][:1500]}")
        self.world.known_tracebacks.update(finding_of(entry) for entry in known)
        assert not unknown, f"[R3] devpi-server logged a traceback\n{unknown[0][-4000:]}\n{self.model.describe()}"

    # -- helpers ---------------------------------------------------------------------------------------
    def pip(self, *, pre: bool = False, pin: str | None = None) -> Resolution:
        requirement = f"{self.model.project}=={pin}" if pin else self.model.project
        # The self-check would ask root/local for "pip" in every run; the guide's user has it, the log does not need it.
        args = ("--disable-pip-version-check", *(["--pre"] if pre else []))
        return self.world.pip.download(requirement, args=args)  # the index: the deployment's pip.conf

    def install_pinned(self, version: str) -> None:
        result = self.pip(pin=version)
        if self.a_known_answer(result):
            return
        self.check_files(result)
        fetched = any(Version(r.version) == Version(version) for r in self.model.fetched.values())
        if fetched or self.model.settled:
            promise = ("O3" if self.restarted_while_gone else "O1") if fetched and self.model.intranet_gone else "R3"
            got = [f.version for f in result.files]
            assert result.ok and [Version(v) for v in got] == [Version(version)], (
                f"[{promise}] pip could not get {self.model.project}=={version} "
                f"({'fetched from the intranet before' if fetched else 'published, and devpi has had an expiry to see it'})"
                f": got {got or 'nothing'}\n{self.model.describe()}\n{result}")
            if self.model.settled and self.new_on_the_intranet(Version(version)):
                self.world.checks[O4_NEW] += 1
        self.remember(result)

    def fetched_versions_still_install(self) -> None:
        for version in {Version(r.version): r.version for r in self.model.fetched.values()}.values():
            self.install_pinned(version)
        if self.model.fetched:
            self.world.checks[O3_PINNED if self.restarted_while_gone else O1_PINNED] += 1

    def check_pip(self, result: Resolution, *, pre: bool) -> None:
        if self.a_known_answer(result):
            return
        self.check_files(result)
        if self.model.settled:
            self.same_as_the_other_client(result, pre=pre)
            expected = self.model.must_pick(pre=pre)
            self.check_pick(result, expected, pre=pre, promise="R3")
            self.world.checks[R3_BOTH if len({r.side for r in self.model.releases}) == 2 else R3_ONE] += 1
            if expected is not None and self.new_on_the_intranet(expected):
                self.world.checks[O4_NEW] += 1
            self.runs[("pip", pre)] = (self.model.moment, [Version(f.version) for f in result.files])
        elif self.model.last_view_complete:
            self.check_pick_with_the_intranet_gone(result, pre=pre)
        self.remember(result)

    def a_known_answer(self, result: Resolution, project: str | None = None) -> bool:
        """A failed run whose 500 devpi logged, in this step, as one of its known answers (ANSWERS) for a file of
        `project` (the model's): that finding, recorded with the run; the run has nothing more to judge, and the
        client's next run at this moment is compared with nobody's."""
        project = project or self.model.project
        if result.ok or "500" not in result.stdout + result.stderr:
            return False
        log = self.world.devpi.log_since(self.world.log_seen)
        stem = "/" + project.replace("-", "_")  # a file of the project, as devpi's log names its path
        for exchange in ANSWERS:
            if met := [e for e in exchange.entries(log) if stem + "-" in e.splitlines()[0]]:
                self.world.found(exchange.finding, (
                    f"devpi-server {self.world.devpi.api.server_version}: {result.client} could not get {project} "
                    f"({self.model.describe() if project == self.model.project else 'a crowd project'}); devpi "
                    f"answered {exchange.what}. Its log: {met[0].splitlines()[0]} ... "
                    f"{met[0].strip().splitlines()[-1]} (state machine)"))
                for pre in (False, True):
                    self.runs.pop((result.client, pre), None)
                if project == self.model.project:
                    self.model.client_asked()
                return True
        return False

    def new_on_the_intranet(self, version: Version) -> bool:
        return any(r.new and r.side == "intranet" and not r.yanked and Version(r.version) == version
                   for r in self.model.releases)

    def check_pick_with_the_intranet_gone(self, result: Resolution, *, pre: bool) -> None:
        """devpi serves what it saw last, and it saw everything: pip gets the greatest version, or nothing when
        that version's file is one devpi never got (a bare requirement does not fall back to an older one)."""
        expected, must_get = self.model.must_pick_offline(pre=pre)
        got = [Version(f.version) for f in result.files]
        rule = "with --pre" if pre else "under pip's default rule"
        situation = (f"with the intranet gone ({self.model.intranet_gone}{', and devpi restarted' if self.restarted_while_gone else ''}), "
                     f"devpi having read every upstream page after its last change")
        if result.ok and got:
            assert got == [expected], (
                f"[R3] {situation}, pip through root/local got {[str(v) for v in got]}; the greatest version {rule} "
                f"is {expected or 'none'}\n{self.model.describe()}\n{result}")
        else:
            private = any(r.side == "intranet" and Version(r.version) == expected for r in self.model.releases)
            promise = ("O3" if self.restarted_while_gone else "O1") if private else "R3"
            assert not must_get, (
                f"[{promise}] {situation}, pip got nothing; the greatest version {rule} is {expected}, whose every file "
                f"devpi can still serve (PyPI's, or one pip got from the intranet before)\n{self.model.describe()}\n{result}")
        self.world.checks[R3_GONE] += 1

    def same_as_the_other_client(self, result: Resolution, *, pre: bool) -> None:
        """C4: pip and uv at one moment (online and settled, nothing changed between them) get the same version,
        except where uv's rules differ from pip's by design (model.uv_pick)."""
        other = "uv" if result.client == "pip" else "pip"
        moment, theirs = self.runs.get((other, pre), (-1, []))
        differ = uv_pick(self.model.releases, pre=pre) != self.model.must_pick(pre=pre)
        if moment != self.model.moment or differ:
            return
        got = [Version(f.version) for f in result.files]
        assert got == theirs, (
            f"[C4] online and a cache expiry after the last change, through root/local at the same moment "
            f"{result.client} got {[str(v) for v in got] or 'nothing'} and {other} got {[str(v) for v in theirs] or 'nothing'}"
            f"{' (with --pre)' if pre else ''}\n{self.model.describe()}\n{result}")
        self.world.checks[C4_SAME] += 1

    def check_files(self, result: Resolution, *, bytes_checked: bool = True) -> None:
        """Any sequence: published versions only, each with the bytes of an upstream that published it; no 500."""
        for got in result.files:
            holders = self.model.holding(got.filename.split("#")[0])
            assert holders, (f"[R3] {result.client} got {got.filename} ({got.version}), which no upstream published\n"
                             f"{self.model.describe()}\n{result}")
            if bytes_checked or got.sha256:
                assert got.sha256 in {r.sha256 for r in holders}, (
                    f"[P4] {result.client} got {got.filename} with sha256 {got.sha256}, not the bytes "
                    f"{' or '.join(r.side for r in holders)} published\n{self.model.describe()}\n{result}")
        errors = [(status, url) for status, url in devpi_errors(result, self.world.devpi) if status == 500]
        assert not errors, f"[R3] devpi answered 500 (an error of its own): {errors}\n{self.model.describe()}\n{result}"

    def check_pick(self, result: Resolution, expected: Version | None, *, pre: bool, promise: str) -> None:
        got = [Version(f.version) for f in result.files]
        rule = "with --pre" if pre else f"under {result.client}'s default rule"
        if expected is None:
            assert not result.ok or not got, (
                f"[{promise}] {result.client} got {got} where no version qualifies {rule}\n{self.model.describe()}\n{result}")
            return
        assert result.ok and got == [expected], (
            f"[{promise}] online and a cache expiry after the last change, {result.client} through root/local got "
            f"{[str(v) for v in got] or 'nothing'}; the greatest version {rule} is {expected}\n{self.model.describe()}\n{result}")

    def remember(self, result: Resolution) -> None:
        """A file pip got with the intranet's bytes was fetched from the intranet, by whatever URL: from now on
        O1 says it installs again with the intranet gone (through devpi's copy, if the deployment keeps one)."""
        for got in result.files:
            for release in self.model.holding(got.filename):
                if release.side == "intranet" and release.sha256 == got.sha256:
                    self.model.got_from_intranet(release)
        self.model.client_asked()


class StrainMachine(DeploymentMachine):
    """The machine with the strain events (D1-D3). A class of its own: the rules a machine has decide what a seed
    draws, and the default and selftest profiles' derandomized sequences (SEED) are those of DeploymentMachine's
    rules. The explicit sequences and the nightly profile's random ones use this one."""

    def side_project(self, stem: str) -> str:
        """A project of this sequence's own beside the model's: one devpi has never seen."""
        self.side_projects += 1
        return f"{self.model.project}-{stem}{self.side_projects}"

    @precondition(lambda self: self.model.intranet_gone is None)
    @rule(wheres=st.lists(st.sampled_from(sorted(WHERES)), min_size=1, max_size=3, unique=True).map(tuple))
    def a_crowd_on_new_projects(self, wheres: tuple[str, ...]) -> None:
        """D1: a project per place (the intranet, PyPI, both), published where nobody asked for it yet, then
        pip, uv and plain HTTP clients on all of them at once, each judged against what one client alone gets:
        the greatest version with its upstream's bytes. devpi's known answer to some of a crowd, a page
        without the links of the upstream it is still fetching, is the finding D1-concurrent-cold-page-incomplete;
        a client asking after an expiry then gets the right answer. Anything else fails D1."""
        world = self.world
        projects = []
        for where in wheres:
            name = self.side_project("cold")
            releases = []
            for side, versions in zip(("intranet", "pypi"), WHERES[where], strict=True):
                for version in versions:
                    dist = world.packages.wheel(name, version, payload=f"{side}-{version}")
                    world.upstreams[side].publish(dist)
                    releases.append(Release(side, version, dist.filename, world.upstreams[side].sha256(dist.filename)))
            projects.append(ColdProject(name, where, releases))
        self.wait_out_the_cache_expiry()  # the upstreams' project lists name them now (O7's window), no page read yet
        calls: list[Callable[[], Any]] = []
        asking: list[ColdProject] = []
        for project in projects:
            calls += [functools.partial(self.world.pip.download, project.name, args=("--disable-pip-version-check",))] * CROWD["pip"]
            calls += [functools.partial(self.world.uv.resolve, project.name, index_url=world.index_url)] * CROWD["uv"]
            calls += [raw_client(f"{world.index_url}{project.name}/", project.greatest.filename)] * CROWD["http"]
            asking += [project] * (len(calls) - len(asking))
        names = "|".join(re.escape(p.name) for p in projects)
        log_from = world.devpi.log_size()
        with contextlib.ExitStack() as slow:
            for upstream in world.upstreams.values():
                slow.enter_context(upstream.misbehave(stall(COLD_PAGE_SECONDS), path=rf"/simple/({names})/$"))
            answers = together(*calls)
        judged = [(project, *crowd_outcome(answer, project.greatest.version, project.greatest.sha256, project.alone_page))
                  for project, answer in zip(asking, answers, strict=True)]
        table = "\n".join(f"  {p.name} on {p.where}: {kind:8} {said}" for p, kind, said in judged)
        evidence = (f"{len(calls)} clients at once ({CROWD['pip']} pip, {CROWD['uv']} uv, {CROWD['http']} plain HTTP per "
                    f"project) through root/local, upstream pages {COLD_PAGE_SECONDS} s slow; what each got:\n{table}")
        file_500 = [f"{p.name}: {said}" for p, kind, said in judged if kind == "file-500"]
        known_500 = bool(file_500) and bool(CONCURRENT_FILE_500.entries(world.devpi.log_since(log_from)))
        wrong = [f"{p.name} ({p.where}): {said}" for p, kind, said in judged
                 if kind in ("other", "error") or (kind == "file-500" and not known_500)]
        failed = "\n\n".join(str(a) for a in answers if isinstance(a, Resolution) and not a.ok)
        assert not wrong, (f"[D1] {len(wrong)} of {len(calls)} clients at once on projects devpi had never seen got "
                           f"another answer than one client alone: {wrong}\n{evidence}\n{self.model.describe()}\n{failed}")
        stored = disk.usage(world.devpi.serverdir)
        assert not misplaced(stored), f"[D1] stored files do not match their hashes after the crowd: {misplaced(stored)}"
        for project in projects:
            world.checks[crowd(project.where)] += 1
        world.checks[D1_CROWD] += 1
        if known_500:
            world.found("D1-devpi7-concurrent-file-500",
                        f"{len(file_500)} plain HTTP client(s) of a crowd got 500 for a file devpi was storing for another "
                        f"client at the same moment ({file_500}); devpi's log: {CONCURRENT_FILE_500.what} (state machine)")
        partial = [p for p, kind, _ in judged if kind == "partial"]
        if partial:
            self.wait_out_the_cache_expiry()
            for project in {p.name: p for p in partial}.values():  # one late pip per project, not per client
                late = self.world.pip.download(project.name, args=("--disable-pip-version-check",))
                if self.a_known_answer(late, project.name):
                    continue
                assert late.ok and late.file(project.name).sha256 == project.greatest.sha256, (
                    f"[D1] after a crowd got incomplete pages of {project.name} and a cache expiry, one pip alone should "
                    f"get {project.greatest}\n{evidence}\n{late}")
            world.found("D1-concurrent-cold-page-incomplete",
                        f"{len(partial)} of {len(calls)} clients asking at once for projects devpi had not seen got a page "
                        f"without the links of an upstream devpi was still fetching; after a cache expiry one pip alone got "
                        f"the greatest version (state machine). {evidence}")

    @precondition(lambda self: self.model.intranet_gone is None and self.kills < KILLS)
    @rule(moment=st.sampled_from(["page", "file"]))
    def kill_devpi_server_mid_request(self, moment: str) -> None:
        """D2: devpi-server (not the wrapper) killed with SIGKILL while pip's request is held open at the intranet:
        its page stalled (the model's project, after an expiry, so devpi asks for it), or a new project's 1.5 MB
        file trickled and killed 3 s in. launchd's KeepAlive must start the service again, every stored file
        matching the hash in its path, nothing stored before lost, and the interrupted request completing after."""
        world, server, intranet = self.world, self.world.devpi, self.world.upstreams["intranet"]
        big = None
        if moment == "file":
            big = world.packages.wheel(self.side_project("big"), "1.0", padding=BIG_PADDING)
            intranet.publish(big)
            behaviour, project, held = trickle(**TRICKLE), big.name, rf"/{re.escape(big.filename)}$"
            what = "while it stores an intranet file"
        else:
            behaviour, project, held = stall(), self.model.project, rf"/simple/{re.escape(self.model.project)}/$"
            what = "while it waits for an intranet page"
        self.wait_out_the_cache_expiry()  # devpi asks the intranet again (the page), or knows the new project (the file)
        before = disk.all_files(disk.usage(server.serverdir))
        mark = intranet.log.mark()
        with ThreadPoolExecutor(1, thread_name_prefix="model-killed") as pool:
            with intranet.misbehave(behaviour, project=project):
                run = pool.submit(self.world.pip.download, project, args=("--disable-pip-version-check",))
                deadline = time.monotonic() + 60
                while not intranet.log.matching(held, since=mark):
                    assert time.monotonic() < deadline and not run.done(), (
                        f"[D2] precondition: devpi should ask the intranet for {held} within 60 s\n"
                        f"{intranet.log.render(since=mark)}\n{run.result() if run.done() else ''}")
                    time.sleep(0.05)
                if big is not None:
                    time.sleep(KILL_AFTER)
                spawned = kill_devpi_server(server)
                killed_at = time.monotonic()
            cut = run.result()
        back = wait_back(server, spawned, timeout=server.start_timeout + 15)
        assert back is not None, (
            f"[D2] devpi-server killed {what}: the service did not come back under launchd's KeepAlive within "
            f"{server.start_timeout + 15:.0f} s\nlaunchd's view: {server.history()}\n{server.log_tail(20)}")
        self.kills += 1
        world.kill_seconds.append(time.monotonic() - killed_at)
        now = disk.usage(server.serverdir)
        assert not misplaced(now), f"[D2] after a kill {what}, stored files do not match their hashes: {misplaced(now)}"
        lost = [f.relpath for f in before if f not in set(disk.all_files(now))]
        assert not lost, f"[D2] after a kill {what}, files stored before are gone or changed: {lost}\n{disk.render(now)}"
        if big is None:
            self.check_files(cut)
            self.check_pip(self.pip(), pre=False)  # the page's fetch, cut, happens now
            world.checks[D2_PAGE] += 1
        else:
            assert not cut.ok or cut.file(big.name).sha256 == big.sha256, f"[D2] pip got other bytes of {big.filename}\n{cut}"
            again = self.world.pip.download(big.name, args=("--disable-pip-version-check",))
            assert again.ok and again.file(big.name).sha256 == big.sha256, (
                f"[D2] after the kill {what}, pip could not get {big.filename} with the intranet's bytes\n{again}")
            world.checks[D2_FILE] += 1
        world.checks[D2_BACK] += 1

    @precondition(lambda self: self.model.intranet_gone is None and self.model.fetched)
    @rule(damage=st.sampled_from(["deleted", "truncated"]))
    def damage_a_stored_file(self, damage: str) -> None:
        """D3: devpi's copy of a file pip got from the intranet, deleted or truncated to half from outside devpi
        (a cleaning tool, a user tidying ~/.devpi), the intranet up. devpi must fetch it again, or refuse it with
        an answer naming the cause. A truncated copy served as it is, status 200, is the finding
        D3-truncated-copy-served; its stated recovery (delete the copy, devpi fetches it again) is then checked.
        Either way the model is back where it was: the file installs again, pinned."""
        release = self.model.fetched[min(self.model.fetched)]
        server = self.world.devpi
        copies = disk.usage(server.serverdir).get(PYTHON_LOCAL, disk.IndexUsage(PYTHON_LOCAL)).named(release.filename)
        if not copies:
            return  # the deployment keeps no copy: nothing to damage (O1 judges that)
        path = stored_path(server, copies[0])
        with http_session() as http:
            _, links = page_links(http, f"{self.world.index_url}{self.model.project}/")
            assert release.filename in links, (f"[D3] precondition: root/local's page should list {release.filename}, "
                                               f"which pip got before: {sorted(links)}\n{self.model.describe()}")
            left = b""
            if damage == "deleted":
                path.unlink()
            else:
                with path.open("r+b") as f:
                    f.truncate(copies[0].size // 2)
                left = path.read_bytes()
            status, sha, size, said = sha256_of_url(http, links[release.filename][0])
            cause = status >= 500 and (release.filename in said or self.world.upstreams["intranet"].url.split("//", 1)[1] in said)
            # The finding exactly: status 200 and the damaged copy's bytes, all of them, or (devpi 7 announcing the
            # original length) as many as came before the connection broke.
            as_it_is = status == 200 and sha == hashlib.sha256(left[:size]).hexdigest() and (
                size == len(left) or said.startswith("the connection broke"))
            if damage == "truncated" and sha != release.sha256 and as_it_is:
                path.unlink()  # the stated recovery
                recovered = sha256_of_url(http, links[release.filename][0])
                assert recovered[:2] == (200, release.sha256), (
                    f"[D3] the recovery the suite states (delete the damaged copy, devpi fetches it again) did not work: "
                    f"{recovered[0]} ({recovered[2]} bytes) {recovered[3]!r}\n{self.model.describe()}")
                self.world.found("D3-truncated-copy-served",
                                 f"{release.filename} truncated in the server directory to {len(left)} of {copies[0].size} "
                                 f"bytes: devpi served it with status 200, {size} bytes (sha256 {sha[:16]}, the link says "
                                 f"{release.sha256[:16]}){'; ' + said.split(':', 1)[0] if size < len(left) else ''}; "
                                 f"recovery checked: the damaged copy deleted, devpi fetched it again (state machine)")
            elif cause:
                self.model.fetched.pop(release.filename)  # refused, naming the cause: no longer promised offline
                self.world.checks[D3_DELETED if damage == "deleted" else D3_TRUNCATED] += 1
                return
            else:
                assert (status, sha) == (200, release.sha256), (
                    f"[D3] a stored copy {damage} from outside devpi, the intranet up: devpi neither fetched "
                    f"{release.filename} again nor named the cause: {status} ({size} bytes) {said!r}\n{self.model.describe()}")
        stored = disk.usage(server.serverdir)
        assert not misplaced(stored), f"[D3] stored files do not match their hashes after the damage: {misplaced(stored)}"
        self.world.checks[D3_DELETED if damage == "deleted" else D3_TRUNCATED] += 1
        self.install_pinned(release.version)


# -- the explicit sequences ------------------------------------------------------------------------------

class Steps:
    """A machine driven by a fixed sequence: each rule called by name runs, then the invariants, as under
    hypothesis; the steps so far are kept, to print a failing sequence the way hypothesis prints its own."""

    def __init__(self, machine: DeploymentMachine) -> None:
        self.machine = machine
        self.done: list[str] = []

    def __getattr__(self, name: str) -> Callable[..., Any]:
        rule = getattr(self.machine, name)

        def step(**kwargs: Any) -> Any:
            self.done.append(f"state.{name}({', '.join(f'{key}={shown(value)}' for key, value in kwargs.items())})")
            result = rule(**kwargs)
            self.machine.devpi_logs_no_traceback()
            return result

        return step


def shown(value: Any) -> str:
    if isinstance(value, Release):
        return f"<{value}>"
    return f"{type(value).__name__}.{value.name}" if isinstance(value, enum.Enum) else repr(value)


def releases_on_both_upstreams(state: Steps) -> None:
    """R3 across both upstreams, with and without --pre, and O4: a release published on the intranet after the
    first install becomes what pip gets once an expiry has passed."""
    state.a_private_release_installed_once(version="1.0", kind="wheel")
    on_pypi = state.publish(side="pypi", version="1.5", kind="sdist")
    state.publish(side="intranet", version="2.0", kind="wheel")
    state.publish(side="intranet", version="3.0rc1", kind="sdist")
    state.pip_install(pre=False)  # within devpi's window: any published version, or none
    state.wait_out_the_cache_expiry()
    state.pip_install(pre=False)  # 2.0
    state.pip_install(pre=True)  # 3.0rc1
    state.pip_install_pinned(release=on_pypi)


def uv_beside_pip_before_and_after_a_yank(state: Steps) -> None:
    """C4 before and after a yank: uv at the greatest version under its rules, and the same as pip at the same moment."""
    state.a_private_release_installed_once(version="1.0", kind="wheel")
    newer = state.publish(side="pypi", version="1.1", kind="wheel")
    state.publish(side="intranet", version="1.2b1", kind="wheel")
    state.wait_out_the_cache_expiry()
    state.uv_resolve(pre=False)  # 1.1
    state.pip_install(pre=False)  # the same as uv
    state.yank(release=newer)
    state.wait_out_the_cache_expiry()
    state.uv_resolve(pre=False)  # 1.0
    state.pip_install(pre=False)


def the_intranet_refuses_then_a_restart(state: Steps) -> None:
    """O1 the moment the intranet refuses, O3 after a restart while it still does; unpinned installs in between get
    the greatest version from devpi's copy."""
    state.a_private_release_installed_once(version="1.0", kind="sdist")
    state.publish(side="intranet", version="1.1", kind="wheel")
    state.publish(side="pypi", version="0.9", kind="wheel")
    state.wait_out_the_cache_expiry()
    state.pip_install(pre=False)  # 1.1, from the intranet
    state.wait_out_the_cache_expiry()  # devpi will ask the intranet again
    state.take_the_intranet_away(way="refuse")  # 1.0 and 1.1, pinned
    state.pip_install(pre=False)  # 1.1 from devpi's copy
    state.restart_the_service()  # nothing stored lost; 1.0 and 1.1, pinned
    state.pip_install(pre=False)
    state.bring_the_intranet_back()


def the_intranet_hangs(state: Steps) -> None:
    """O1 with the intranet accepting connections and never answering: each read costs devpi's request timeout."""
    state.a_private_release_installed_once(version="2.0", kind="wheel")
    state.wait_out_the_cache_expiry()  # devpi will ask the intranet again
    state.take_the_intranet_away(way="hang")  # 2.0, pinned
    state.bring_the_intranet_back()


def a_crowd_on_new_projects_everywhere(state: Steps) -> None:
    """D1: clients at once on three projects devpi has never seen, one on the intranet, one on PyPI, one on both."""
    state.a_private_release_installed_once(version="1.0", kind="wheel")
    state.a_crowd_on_new_projects(wheres=("intranet", "pypi", "both"))


def the_server_directory_under_strain(state: Steps) -> None:
    """D3 then D2: the stored copy of a file pip got deleted, then truncated, from outside devpi; then devpi-server
    killed while it stores an intranet file. Last: a deployment whose service does not come back ends the run."""
    state.a_private_release_installed_once(version="1.0", kind="wheel")
    state.damage_a_stored_file(damage="deleted")
    state.damage_a_stored_file(damage="truncated")
    state.kill_devpi_server_mid_request(moment="file")
    state.take_the_intranet_away(way="refuse")  # 1.0, pinned, from the copy devpi fetched again
    state.bring_the_intranet_back()


@dataclass(frozen=True)
class Story:
    play: Callable[[Steps], None]
    reaches: tuple[str, ...]  # the checks it must get to

    @property
    def name(self) -> str:
        return self.play.__name__


# The restart last: a deployment that loses what devpi stored at a restart (O3) loses root/local with it, and
# the stories after it would fail for that one reason.
STORIES = (
    Story(releases_on_both_upstreams, (R3_BOTH, O4_NEW)),
    Story(uv_beside_pip_before_and_after_a_yank, (C4_UV, C4_SAME, C4_UV_YANKED)),
    Story(the_intranet_hangs, (O1_PINNED, gone("hang"))),
    Story(a_crowd_on_new_projects_everywhere, (D1_CROWD, crowd("intranet"), crowd("pypi"), crowd("both"))),
    Story(the_intranet_refuses_then_a_restart, (O1_PINNED, gone("refuse"), R3_GONE, O3_STORED, O3_PINNED)),
    # A kill last: a service that does not come back (D2 broken) would fail every story after it.
    Story(the_server_directory_under_strain, (D3_DELETED, D3_TRUNCATED, D2_FILE, D2_BACK)),
)


def tell(story: Story, machine: type[DeploymentMachine]) -> None:
    """One story on a machine of its own (a project of its own); a failure carries the steps that led to it."""
    world = machine.world
    before, met_before = Counter(world.checks), Counter(world.met)
    state = Steps(machine())
    try:
        story.play(state)
        missed = [check for check in story.reaches if world.checks[check] == before[check]]
        # A known devpi answer (a finding, recorded) ends a client's run unjudged: the checks after it are the finding's.
        assert not missed or world.met - met_before, (f"[{missed[0].split(':')[0]}] the explicit sequence {story.name} did not get to its checks: "
                            f"{missed}\n{state.machine.model.describe()}")
    except BaseException as exc:
        exc.add_note(f"explicit sequence {story.name}, the steps that ran:\n" + "\n".join(state.done))
        print(f"Failing explicit sequence {story.name}:\n" + "\n".join(state.done))
        raise
    finally:
        state.machine.teardown()


def chosen_stories(names: list[str]) -> tuple[Story, ...]:
    """The stories `--model-story` names (all of them without one), in STORIES' order."""
    unknown = sorted(set(names) - {story.name for story in STORIES})
    if unknown:
        raise pytest.UsageError(f"--model-story: no explicit sequence named {unknown}; there are "
                                f"{', '.join(story.name for story in STORIES)}")
    return tuple(story for story in STORIES if not names or story.name in names)


def tell_every_story(machine: type[DeploymentMachine], stories: tuple[Story, ...] = STORIES) -> None:
    """All stories, even after one failed: each is a promise's story of its own, and a person on call sees them all."""
    failures: list[Exception] = []
    for story in stories:
        try:
            tell(story, machine)
        except Exception as exc:  # collected, raised together below
            failures.append(exc)
    if len(failures) == 1:
        raise failures[0]
    if failures:
        raise ExceptionGroup(f"{len(failures)} of the {len(stories)} explicit sequences failed", failures)


def mirrors_cache_expiry(server: DevpiServer, setting: Callable[..., Any]) -> tuple[int, str]:
    """The longest cache expiry in force on root/local's mirrors, and where it comes from: an index's own
    mirror_cache_expiry (the suite's advice for O7 sets one), else devpi-server's option (`setting`: the
    test's `effective_setting`, which declares the read for the sound changes' coverage check)."""
    read = [setting(index, "mirror_cache_expiry", server=server) for index in (PYTHON_LOCAL, PYPI)]
    return max((int(s.value), s.source) for s in read)


@pytest.mark.promise("R3", "O1", "O3", "O4", "C4", "D1", "D2", "D3")
@pytest.mark.finding("D1-concurrent-cold-page-incomplete", "D1-devpi7-concurrent-file-500", "D3-truncated-copy-served",
                     "O1-devpi7-cached-file-500")
@pytest.mark.reads_setting("mirror_cache_expiry")
@pytest.mark.runs_long
def test_any_sequence_of_events_keeps_the_promises(deployment, make_devpi, fake_pypi, fake_artifactory, packages,
                                                   uv_client, tmp_path, figure, reached, finding, pytestconfig,
                                                   devpi_server_version, effective_setting):
    copy = deployment.copy_with_server_options(tmp_path / "deployment", "--mirror-cache-expiry", str(EXPIRY),
                                               version=devpi_server_version)
    server = make_devpi(deployment=copy.source)
    expiry, source = mirrors_cache_expiry(server, effective_setting)
    figure("model_expiry", expiry, f"the state machine waits {expiry + 1} s to see a change: {source}", source="configured")
    if expiry > LONGEST_EXPIRY:
        pytest.skip(f"{source} is {expiry} s: a sequence cannot wait that out (more than {LONGEST_EXPIRY} s per wait)")
    pip = PipClient(tmp_path / "pip", config=server.settings.pip_conf)
    world = World(server, {"intranet": fake_artifactory, "pypi": fake_pypi}, packages, pip, uv_client, expiry=expiry,
                  log_seen=server.log_size(), findings=finding)
    machine = type("DeploymentMachine", (DeploymentMachine,), {"world": world})
    strained = type("StrainMachine", (StrainMachine,), {"world": world})
    sequences = pytestconfig.getoption("model_sequences")
    stories = chosen_stories(pytestconfig.getoption("model_story"))
    started = time.monotonic()
    told = 0.0  # seconds the explicit sequences took
    try:
        if not pytestconfig.getoption("model_random_only"):
            try:
                tell_every_story(strained, stories)
            finally:
                told = time.monotonic() - started
        if sequences != 0:
            run_state_machine_as_test(strained if profile() == "nightly" else seed(SEED)(machine),
                                      settings=machine_settings(sequences))
    finally:
        figure("model_sequences", world.sequences,
               f"{world.sequences} sequences of events run in {time.monotonic() - started:.0f} s "
               f"(the {len(stories)} explicit ones in {told:.0f} s)" if told else
               f"{world.sequences} sequences of events run in {time.monotonic() - started:.0f} s (no explicit one)")
        figure("model_checks", dict(world.checks), "checks the sequences reached: " + (
            ", ".join(f"{what} x{n}" for what, n in sorted(world.checks.items())) or "none"))
        figure("model_known_tracebacks", dict(world.known_tracebacks),
               f"{sum(world.known_tracebacks.values())} tracebacks devpi logged that a finding already reports "
               f"({', '.join(f'{k}: {n}' for k, n in sorted(world.known_tracebacks.items())) or 'none'})")
        figure("model_strain", {"kills": len(world.kill_seconds), "findings": dict(world.met)},
               f"strain events: {len(world.kill_seconds)} kill(s) of devpi-server, back after "
               f"{', '.join(f'{t:.1f}' for t in world.kill_seconds) or '-'} s; crowds: {world.checks[D1_CROWD]}, damaged "
               f"files: {world.checks[D3_DELETED] + world.checks[D3_TRUNCATED]}; findings met: "
               + (", ".join(f"{f} x{n}" for f, n in sorted(world.met.items())) or "none"))
        for promise, check in CLAIMS.items():  # a failure then breaks only the promises its messages name
            if world.checks[check]:
                reached(promise)
