"""Self-tests run the suite itself in a child pytest; these fixtures do that and check it left nothing. The fake
upstreams' own tests get their upstreams here, filled with the `dists` their module gives."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from suite_runs import SuiteRun, child_run

from fake_upstreams import FakeUpstream, fake_artifactory, fake_pypi
from fixtures.deployment import BUNDLED, Deployment
from fixtures.packages import Dist

Change = tuple[str, str, str]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("devpi-conformance").addoption(
        "--whole-sound-changes", action="store_true",
        help="run README's whole first command (`pytest suites`) on every sound change of tests/deployment_changes.py, "
             "one at a time, and record each result in docs/sound-change-runs.md (also under --hypothesis-profile nightly)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "breaks(promise): this self-test runs the suite on a copy that breaks PROMISE and checks it is reported BROKEN")


@pytest.fixture
def broken_copy(tmp_path: Path) -> Callable[..., Path]:
    """A copy of the bundled deployment with `old` replaced by `new` in one script."""

    def make(script: str, old: str, new: str) -> Path:
        return BUNDLED_DEPLOYMENT.copy_with(tmp_path / "deployment", (script, old, new)).source

    return make


BUNDLED_DEPLOYMENT = Deployment(BUNDLED)


@pytest.fixture
def run_suite(tmp_path: Path, devpi_prefix: Path) -> Callable[..., SuiteRun]:
    """Run the suite in a child pytest on `deployment`, sharing this run's installed deployment."""

    def run(deployment: Path, *args: str, home: Path | None = None, misbehave: str = "") -> SuiteRun:
        return child_run(tmp_path, devpi_prefix, deployment, args, misbehave=misbehave, home=home)

    return run


# Child runs of the catalogue started side by side: most of a run is waiting (devpi's start, request
# timeouts, expiries), so two at a time nearly halve the self-tests' wall time on two cores; more would
# put the scenarios' time bounds at risk on a loaded machine.
PARALLEL_RUNS = 2


class CatalogueRuns:
    """Child runs of the catalogue (tests/deployment_changes.py), one per copy and selection, shared by every
    self-test that asks for the same one: several breakages of one copy are judged from one run. The runs
    the selected self-tests will ask for are started up front (`prefetch`), PARALLEL_RUNS at a time."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory, devpi_prefix: Path) -> None:
        self.tmp_path_factory = tmp_path_factory
        self.devpi_prefix = devpi_prefix
        self.runs: dict[tuple[object, ...], Future[SuiteRun]] = {}
        self.pool = ThreadPoolExecutor(PARALLEL_RUNS, thread_name_prefix="catalogue-run")

    @staticmethod
    def key(changes: Sequence[Change], scenarios: Sequence[str], promises: Sequence[str] = (), *,
            misbehave: str = "", args: Sequence[str] = ()) -> tuple[object, ...]:
        return (tuple(changes), tuple(scenarios), tuple(sorted(promises)), misbehave, tuple(args))

    def _start(self, key: tuple[object, ...]) -> Future[SuiteRun]:
        if key not in self.runs:
            self.runs[key] = self.pool.submit(self._run, *key)
        return self.runs[key]

    def _run(self, changes: tuple[Change, ...], scenarios: tuple[str, ...], promises: tuple[str, ...],
             misbehave: str, args: tuple[str, ...]) -> SuiteRun:
        where = self.tmp_path_factory.mktemp("catalogue-run")
        deployment = BUNDLED_DEPLOYMENT.copy_with(where / "deployment", *changes).source if changes else BUNDLED
        selected = [arg for promise in promises for arg in ("--promise", promise)]
        return child_run(where, self.devpi_prefix, deployment, [*selected, *args, *scenarios], misbehave=misbehave)

    def prefetch(self, runs: Sequence[dict[str, object]]) -> None:
        for run in runs:
            self._start(self.key(**run))  # type: ignore[arg-type]

    def run(self, changes: Sequence[Change], scenarios: Sequence[str], promises: Sequence[str] = (), *,
            misbehave: str = "", args: Sequence[str] = ()) -> SuiteRun:
        return self._start(self.key(changes, scenarios, promises, misbehave=misbehave, args=args)).result()

    def close(self) -> None:
        for future in self.runs.values():
            future.cancel()
        self.pool.shutdown(wait=True)


@pytest.fixture(scope="session")
def catalogue_runs(tmp_path_factory: pytest.TempPathFactory, devpi_prefix: Path) -> Iterator[CatalogueRuns]:
    runs = CatalogueRuns(tmp_path_factory, devpi_prefix)
    yield runs
    runs.close()


@pytest.fixture(scope="module")
def prefetch_catalogue_runs(request: pytest.FixtureRequest, catalogue_runs: CatalogueRuns) -> None:
    """Start the catalogue runs the module's selected tests will ask for. Per module, not per session: the
    module's tests wait for every one of them, so none is still running when the tests of other modules
    (with child runs and time bounds of their own) start. Under xdist each worker runs a share of the
    tests it cannot know in advance: no prefetching there."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    catalogue_runs.prefetch([run for item in request.session.items
                             if getattr(item, "module", None) is request.module and (run := catalogue_run_of(item)) is not None])


def catalogue_run_of(item: pytest.Item) -> dict[str, object] | None:
    """The catalogue run a selected self-test will ask for, if it is one of the catalogue's."""
    from deployment_changes import Breakage, SoundChange, child_run_of

    params = getattr(getattr(item, "callspec", None), "params", {})
    if isinstance(breakage := params.get("breakage"), Breakage):
        return child_run_of(breakage)
    if isinstance(change := params.get("change"), SoundChange):
        return {"changes": change.changes, "scenarios": change.scenarios, "args": change.args}
    return None


@pytest.fixture(params=["artifactory", "pypi"])
def upstream(request: pytest.FixtureRequest, tmp_path: Path, dists: list[Dist]) -> Iterator[FakeUpstream]:
    """Each fake upstream in turn, serving the module's `dists`."""
    with (fake_pypi if request.param == "pypi" else fake_artifactory)(tmp_path / "upstream") as fake:
        fake.publish(*dists)
        yield fake


@pytest.fixture
def pypi(tmp_path: Path, dists: list[Dist]) -> Iterator[FakeUpstream]:
    with fake_pypi(tmp_path / "pypi") as fake:
        fake.publish(*dists)
        yield fake


@pytest.fixture
def artifactory(tmp_path: Path, dists: list[Dist]) -> Iterator[FakeUpstream]:
    with fake_artifactory(tmp_path / "artifactory") as fake:
        fake.publish(*dists)
        yield fake
