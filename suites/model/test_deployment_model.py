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
sequence can wait an expiry out. Each sequence works on a project of its own. The default budget is a
handful of short derandomized sequences (a failure reproduces by running again); `--hypothesis-profile
nightly` runs MACHINE_NIGHTLY sequences. A failure shrinks to the shortest sequence hypothesis finds,
printed as the steps a person can replay (`state.publish(side='intranet', ...)`).
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings
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

from fake_upstreams import FakeUpstream, Mode
from fixtures import disk
from fixtures.clients import PipClient, Resolution, UvClient
from fixtures.devpi import DevpiServer
from fixtures.packages import PackageFactory
from suites.model.model import DeploymentModel, Release, known_traceback, log_entries
from suites.resolution.oracle import pep440

EXPIRY = 2  # seconds of --mirror-cache-expiry: long enough for one pip run, short enough to wait out in a step
MACHINE_DEFAULT = {"max_examples": 4, "stateful_step_count": 5}
MACHINE_NIGHTLY = {"max_examples": 200, "stateful_step_count": 10}
# The self-tests' child runs (tests/test_model_selftest.py): a failure needs three steps, and every step
# hypothesis does not have to delete while it shrinks saves a re-run of the sequence on the real deployment.
MACHINE_SELFTEST = {"max_examples": 3, "stateful_step_count": 4}
# A hang costs devpi's request timeout (5 s) per fetch, and a failing sequence is re-run many times while it
# shrinks: the default budget leaves it to the nightly profile.
GONE = {"default": (Mode.REFUSE, Mode.ERROR_5XX), "selftest": (Mode.REFUSE, Mode.ERROR_5XX),
        "nightly": (Mode.REFUSE, Mode.ERROR_5XX, Mode.HANG)}
_projects = itertools.count(1)  # unique across runs of the machine in one session


def profile() -> str:
    name = settings.get_current_profile_name()
    return name if name in ("nightly", "selftest") else "default"


def machine_settings(sequences: int | None) -> settings:
    """Few sequences by default (README's first command); 200 longer ones under `--hypothesis-profile nightly`;
    `--model-sequences N` sets their number (a nightly budget split over several processes)."""
    nightly = profile() == "nightly"
    chosen = {"nightly": MACHINE_NIGHTLY, "selftest": MACHINE_SELFTEST}.get(profile(), MACHINE_DEFAULT)
    budget = {**chosen, **({"max_examples": sequences} if sequences else {})}
    return settings(
        **budget,
        derandomize=not nightly, deadline=None, database=None, print_blob=nightly, report_multiple_bugs=False,
        phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink),
        suppress_health_check=(HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much),
    )


@dataclass
class World:
    """The real parts a sequence acts on, shared by all sequences of one run."""

    devpi: DevpiServer
    upstreams: dict[str, FakeUpstream]  # "intranet" / "pypi"
    packages: PackageFactory
    pip: PipClient
    uv: UvClient
    log_seen: int = 0  # how much of devpi's log the invariants have read
    sequences: int = 0
    known_tracebacks: int = 0  # logged tracebacks of a finding reported elsewhere (model.known_traceback)
    checks: Counter[str] = field(default_factory=Counter)  # which promises the sequences got to check, how often

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
        self.world.upstreams["intranet"].back_to_normal()

    def teardown(self) -> None:
        self.world.upstreams["intranet"].back_to_normal()

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
    @rule(mode=st.deferred(lambda: st.sampled_from(GONE[profile()])))
    def take_the_intranet_away(self, mode: Mode) -> None:
        """O1 is checked at once: every version pip ever got from the intranet still installs, pinned."""
        self.world.upstreams["intranet"].set_mode(mode)
        self.model.intranet_away(mode.value)
        self.fetched_versions_still_install()

    @precondition(lambda self: self.model.intranet_gone is not None)
    @rule()
    def bring_the_intranet_back(self) -> None:
        self.world.upstreams["intranet"].set_mode(Mode.ONLINE)
        self.model.intranet_back()
        self.restarted_while_gone = False

    @rule()
    def wait_out_the_cache_expiry(self) -> None:
        time.sleep(EXPIRY + 1)
        self.model.expiry_waited()

    # -- the service --------------------------------------------------------------------------------
    # A restart costs a devpi-server start (10-25 s on a loaded machine); hypothesis readily draws one rule many
    # times over, and a run of restarts checks little the first two did not: at most two per sequence.
    @precondition(lambda self: self.restarts < 2)
    @rule()
    def restart_the_service(self) -> None:
        before = disk.all_files(disk.usage(self.world.devpi.serverdir))
        self.world.devpi.restart()
        self.restarts += 1
        self.restarted_while_gone = self.model.intranet_gone is not None
        after = set(disk.all_files(disk.usage(self.world.devpi.serverdir)))
        lost = [f.relpath for f in before if f not in after]
        assert not lost, f"[O3] files devpi had stored are gone after a restart: {lost}\n{self.model.describe()}"
        if self.model.intranet_gone:
            self.fetched_versions_still_install()

    # -- the clients ----------------------------------------------------------------------------------
    @rule(pre=st.booleans())
    def pip_install(self, pre: bool) -> None:
        self.check_pip(self.pip(pre=pre), pre=pre)

    @rule(pre=st.booleans())
    def two_pip_installs_at_once(self, pre: bool) -> None:
        results: list[Resolution] = []
        threads = [threading.Thread(target=lambda: results.append(self.pip(pre=pre))) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for result in results:
            self.check_pip(result, pre=pre)

    @rule(release=published)
    def pip_install_pinned(self, release: Release | None) -> None:
        if release is not None:
            self.install_pinned(release.version)

    @rule(pre=st.booleans())
    def uv_resolve(self, pre: bool) -> None:
        result = self.world.uv.resolve(self.model.project, index_url=self.world.index_url,
                                       prerelease="allow" if pre else None)
        self.check_files(result, bytes_checked=False)
        # uv's yanked and pre-release rules are not pip's in every corner: compared only without yanks.
        if self.model.settled and not any(r.yanked for r in self.model.releases):
            self.world.checks["C4: uv's version, settled"] += 1
            self.check_pick(result, pre=pre, promise="C4")

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
        crashes = [entry for entry in log_entries(new) if "Traceback" in entry]
        self.world.known_tracebacks += sum(1 for entry in crashes if known_traceback(entry))
        unknown = [entry for entry in crashes if not known_traceback(entry)]
        assert not unknown, f"[R3] devpi-server logged a traceback\n{unknown[0][-4000:]}\n{self.model.describe()}"

    # -- helpers ---------------------------------------------------------------------------------------
    def pip(self, *, pre: bool = False, pin: str | None = None) -> Resolution:
        requirement = f"{self.model.project}=={pin}" if pin else self.model.project
        # The self-check would ask root/local for "pip" in every run; the guide's user has it, the log does not need it.
        args = ("--disable-pip-version-check", *(["--pre"] if pre else []))
        return self.world.pip.download(requirement, index_url=self.world.index_url, args=args)

    def install_pinned(self, version: str) -> None:
        result = self.pip(pin=version)
        self.check_files(result)
        fetched = any(Version(r.version) == Version(version) for r in self.model.fetched.values())
        if fetched or self.model.settled:
            promise = ("O3" if self.restarted_while_gone else "O1") if fetched and self.model.intranet_gone else "R3"
            got = [f.version for f in result.files]
            assert result.ok and [Version(v) for v in got] == [Version(version)], (
                f"[{promise}] pip could not get {self.model.project}=={version} "
                f"({'fetched from the intranet before' if fetched else 'published, and devpi has had an expiry to see it'})"
                f": got {got or 'nothing'}\n{self.model.describe()}\n{result}")
        self.remember(result)

    def fetched_versions_still_install(self) -> None:
        if self.model.fetched:
            self.world.checks["O1/O3: a fetched version pinned, the intranet gone"] += 1
        for version in {Version(r.version): r.version for r in self.model.fetched.values()}.values():
            self.install_pinned(version)

    def check_pip(self, result: Resolution, *, pre: bool) -> None:
        self.check_files(result)
        if self.model.settled:
            self.world.checks["R3: the greatest version, settled"] += 1
            self.check_pick(result, pre=pre, promise="R3")
        self.remember(result)

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

    def check_pick(self, result: Resolution, *, pre: bool, promise: str) -> None:
        expected = self.model.must_pick(pre=pre)
        got = [Version(f.version) for f in result.files]
        rule = "with --pre" if pre else "under pip's default rule"
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


@pytest.mark.promise("R3", "O1", "O3", "O4", "C4")
def test_any_sequence_of_events_keeps_the_promises(deployment, make_devpi, fake_pypi, fake_artifactory, packages,
                                                   pip_client, uv_client, tmp_path, figure, pytestconfig,
                                                   devpi_server_version):
    copy = deployment.copy_with_server_options(tmp_path / "deployment", "--mirror-cache-expiry", str(EXPIRY),
                                           version=devpi_server_version)
    server = make_devpi(deployment_path=copy.source)
    world = World(server, {"intranet": fake_artifactory, "pypi": fake_pypi}, packages, pip_client, uv_client,
                  log_seen=server.log_size())
    machine = type("DeploymentMachine", (DeploymentMachine,), {"world": world})
    started = time.monotonic()
    try:
        run_state_machine_as_test(machine, settings=machine_settings(pytestconfig.getoption("model_sequences")))
    finally:
        figure("model_sequences", world.sequences,
               f"{world.sequences} sequences of events run in {time.monotonic() - started:.0f} s")
        figure("model_checks", dict(world.checks), "checks the sequences reached: " + (
            ", ".join(f"{what} x{n}" for what, n in sorted(world.checks.items())) or "none"))
        figure("model_known_tracebacks", world.known_tracebacks,
               "tracebacks devpi logged that a finding already reports (O1-outage-logs-traceback)")
