"""O6's measurement: what a user's pip run of public packages costs while the intranet is unreachable,
whatever devpi's configuration makes it do (read the intranet's project list, ask for a project's page,
wait out its request timeout, or ask nothing), read from pip's own log and devpi's.

Why `pip` is published on the fake PyPI during O6 (`pip_published`): a user's pip asks the index for `pip`
at every run (its self-version check; with --no-cache-dir it keeps no state between runs). On the
real PyPI that name exists; if it did not, devpi would answer 404 and on that path look the name up
in root/python-local a second time (views.py `simple_list_project` → `verified_project`), one more
request timeout that no real user pays. The file is never downloaded; its version is the running
pip's, so pip prints no upgrade notice.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import importlib.metadata
import itertools
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path


from fake_upstreams import FakeUpstream
from fixtures import progress
from fixtures.catalogue import PUBLIC_PROJECT
from fixtures.clients import PipClient, Resolution
from fixtures.indexes import IndexClone
from fixtures.packages import PackageFactory
from fixtures.upstreams import Intranet
from suites.offline.offline_intranets import PYTHON_LOCAL, Asked, cache_expiry, devpi_asked, no_project_list

PIP_DEFAULT_TIMEOUT = 15.0  # pip's --timeout: a page slower than this is abandoned and retried (5 times)
GUIDE_ARGS = ("--prefer-binary",)  # the guide's `pip --no-cache-dir download --no-deps --prefer-binary -- numpy`
# A batch of three shows what each further project costs; the figure for a user's ten-package run is
# derived from it (pip reads the pages one after another, so the cost grows by one lookup per project),
# which spares the suite two 55 s waits on a hanging intranet.
BATCH_SIZE = 3
TEN = 10
BATCH_VERSION = "1.0.0"


# -- reading a pip run ----------------------------------------------------------------------------------------

_STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d,\d{3}) (.*)$")


def pip_log(result: Resolution) -> str:
    path = Path(result.command[result.command.index("--log") + 1])
    return path.read_text() if path.exists() else ""


def page_seconds(result: Resolution) -> dict[str, float]:
    """Seconds pip waited for each index page (URL -> longest wait), from its --log timestamps:
    "Fetching project page and analyzing links: URL" until "Fetched page URL" or "Could not fetch URL"."""
    started: dict[str, datetime.datetime] = {}
    waited: dict[str, float] = {}
    for line in pip_log(result).splitlines():
        match = _STAMP.match(line)
        if not match:
            continue
        at = datetime.datetime.strptime(match[1], "%Y-%m-%dT%H:%M:%S,%f")
        text = match[2].strip()
        if found := re.match(r"Fetching project page and analyzing links: (\S+)", text):
            started[found[1]] = at
        elif found := re.match(r"(?:Fetched page|Could not fetch URL) (\S+?):? ", text):
            if found[1] in started:
                seconds = (at - started.pop(found[1])).total_seconds()
                waited[found[1]] = max(seconds, waited.get(found[1], 0.0))
    return waited


def slowest_page(result: Resolution) -> tuple[str, float]:
    """The slowest page of the packages asked for: the self-version check's page (`/pip/`) is left out,
    pip gives that one up after 5 s by design (pip/_internal/cli/index_command.py, min(5, --timeout))."""
    pages = {url: s for url, s in page_seconds(result).items() if not url.rstrip("/").endswith("/pip")}
    return max(pages.items(), key=lambda item: item[1], default=("(no page)", 0.0))


def pip_retries(result: Resolution) -> list[str]:
    """pip's own retry warnings: a request ran into its timeout (or a connection broke)."""
    return [line for line in (result.stderr + pip_log(result)).splitlines() if "Retrying (Retry(" in line]


# -- one pip run and its baseline -------------------------------------------------------------------------------


@dataclass
class PipRun:
    label: str
    clone: IndexClone
    names: tuple[str, ...]
    result: Resolution
    baseline: float  # the same run with the intranet up
    devpi_said: str  # devpi-server's log during the run (other runs' lines too, when runs overlap)

    @property
    def seconds(self) -> float:
        return self.result.seconds

    @property
    def added(self) -> float:
        return self.result.seconds - self.baseline

    @property
    def asked(self) -> Asked:
        return devpi_asked(self.devpi_said, self.clone.name)

    def __str__(self) -> str:
        asked = self.asked
        did = (f"devpi read the list {asked.list_reads}x, a page {asked.page_reads}x, waited {asked.waits}x"
               if asked.any else "devpi asked the intranet nothing")
        return f"{self.label}: {self.seconds:.1f} s ({self.added:+.1f} s against {self.baseline:.1f} s online; {did})"


@dataclass
class Latency:
    """A user's pip runs of public packages through root/local while the intranet is gone, in each
    state devpi can be in: first contact, within the cache expiry, after it (first and repeated), and
    a batch of public packages after it."""

    intranet: Intranet
    runs: list[PipRun] = field(default_factory=list)
    expiry: int = 0
    expiry_source: str = ""
    no_project_list: bool = False  # root/python-local asks for pages, never for the project list
    fresh: bool = True  # the "within the cache expiry" run really was within it

    def run(self, label: str) -> PipRun:
        return next(r for r in self.runs if r.label == label)

    @property
    def worst(self) -> PipRun:
        return max(self.runs, key=lambda r: r.added)

    @property
    def per_project(self) -> float:
        """What each further public project adds to a run after the cache expiry (batch against single)."""
        return max(0.0, (self.run(BATCH).added - self.run(EXPIRED).added) / (BATCH_SIZE - 1))

    @property
    def ten_packages(self) -> float:
        """Derived: the seconds a ten-package run adds after the cache expiry."""
        return self.run(EXPIRED).added + (TEN - 1) * self.per_project

    @property
    def mechanism(self) -> str:
        """What this configuration makes devpi do about a public name, in words for the figures."""
        if self.no_project_list:
            return (f"{PYTHON_LOCAL} sets mirror_no_project_list: devpi asks the intranet for each name's page, "
                    f"and remembers a 404 for the cache expiry")
        return "devpi looks each name up in its copy of the intranet's project list, read again after the cache expiry"

    def summary(self) -> str:
        return "; ".join(str(r) for r in self.runs) + (
            f"; a {TEN}-package run after the cache expiry adds about {self.ten_packages:.1f} s "
            f"(derived: {self.per_project:.1f} s per further project)")


FIRST_CONTACT = "first-ever contact"
CACHED = "within the cache expiry"
SOON = "soon after the online runs (the deployment's cache expiry had passed already)"
EXPIRED = "after the cache expiry"
REPEATED = "after the cache expiry, repeated"
BATCH = f"after the cache expiry, {BATCH_SIZE} packages in one run"


def measure(intranet: Intranet, pip_client: PipClient, batch: list[str], *, at_once: bool | None = None) -> Latency:
    """Online baselines first, then the same runs with the intranet gone.

    "After the cache expiry" is simulated: the test sets mirror_cache_expiry=0 on its clones of
    root/python-local, i.e. whatever devpi keeps of the intranet (its project list, or the 404s of names
    it asked for) counts as expired at every request. That is what the deployment sees at every request
    once its own expiry (1800 s by default) has passed since devpi last heard from the intranet on the
    VPN — later that day — because a failed read renews nothing (mirror.py `_update_projects` returns
    the stale list without `mark_current`; a failed page fetch leaves the retrieval time alone); the
    first-contact run shows the same under the deployment's own setting. "First-ever contact" is a clone
    that never reached the intranet: a fresh install, and also every restart of the service, since devpi
    keeps those times in memory only (mirror.py `cache_projectnames`, `cache_retrieve_times`).

    Each state lives on a clone of its own, so when devpi makes pip wait (`at_once`, by default when the
    way of losing the intranet makes devpi wait), the three sequences run at the same time: the waits
    are devpi's timeouts, not work, and each run's share of devpi's log is told apart by its index."""
    progress.say(f"O6 {intranet.way}: measuring pip runs with the intranet gone (devpi may wait its request timeout, "
                 f"{intranet.options.request_timeout} s, per lookup: up to a minute)")
    devpi = intranet.devpi
    latency = Latency(intranet)
    first, later, batched = intranet.fresh_indexes(), intranet.fresh_indexes(), intranet.fresh_indexes()
    latency.expiry, latency.expiry_source = cache_expiry(devpi, PYTHON_LOCAL, intranet.options)
    latency.no_project_list = no_project_list(devpi, PYTHON_LOCAL)

    # One pip client per sequence: a client numbers its work folders, and runs at the same time must not share one.
    clients = {clone.name: sibling(pip_client, n) for n, clone in enumerate((first, later, batched), 1)}

    def run(label: str, clone: IndexClone, names: tuple[str, ...], baseline: float = 0.0) -> PipRun:
        since = devpi.log_size()
        result = clients[clone.name].download(*names, index_url=clone.simple_url, args=GUIDE_ARGS)
        return PipRun(label, clone, names, result, baseline, devpi.log_since(since))

    public, many = (PUBLIC_PROJECT,), tuple(batch)
    read_at = intranet.upstream.log.mark()
    online_first = run("online, first contact", later, public)  # reads both project lists
    online = run("online", later, public)
    run("online, batch, first contact", batched, many)  # the batch clone hears from the intranet on the VPN too
    online_batch = run("online, batch", batched, many)
    for ran in (online_first, online, online_batch):
        assert ran.result.ok, f"[O6] precondition: pip failed with the intranet up\n{ran.result}"

    def expired(clone: IndexClone) -> None:
        clone.configure(PYTHON_LOCAL, mirror_cache_expiry=0)  # later that day

    def first_contact() -> list[PipRun]:
        return [run(FIRST_CONTACT, first, public, online_first.seconds)]

    def within_expiry() -> list[PipRun]:
        latency.fresh = intranet.upstream.log.mark() - read_at < latency.expiry
        return [run(CACHED if latency.fresh else SOON, later, public, online.seconds)]

    def later_that_day() -> list[PipRun]:
        expired(later)
        return [run(label, later, public, online.seconds) for label in (EXPIRED, REPEATED)]

    def batch_after_expiry() -> list[PipRun]:
        expired(batched)
        return [run(BATCH, batched, many, online_batch.seconds)]

    concurrently = intranet.waits if at_once is None else at_once
    with intranet.gone():
        if concurrently:
            # The run within the expiry costs devpi nothing, so it goes first, alone: three pip runs starting
            # together on a small machine would add their own seconds to a figure that should read zero.
            cached = within_expiry()
            with ThreadPoolExecutor(3) as pool:
                futures = [pool.submit(sequence) for sequence in (first_contact, later_that_day, batch_after_expiry)]
                contact, later_runs, batch_runs = (future.result() for future in futures)
        else:
            contact, cached, later_runs, batch_runs = first_contact(), within_expiry(), later_that_day(), batch_after_expiry()
    done = [contact, cached, later_runs, batch_runs]
    latency.runs = [r for runs in done for r in runs]
    pip_client.history.extend(r.result for r in latency.runs)  # the failure report shows the client's last runs
    return latency


def sibling(pip_client: PipClient, n: int) -> PipClient:
    """The same pip, configured the same way, working in a folder of its own."""
    twin = copy.copy(pip_client)
    twin.workdir = pip_client.workdir.with_name(f"{pip_client.workdir.name}-{n}")
    twin._runs, twin.history = itertools.count(1), []
    return twin


# -- the world outside: pip on the fake PyPI -------------------------------------------------------------------


@contextlib.contextmanager
def pip_published(fake_pypi: FakeUpstream, packages: PackageFactory) -> Iterator[None]:
    """`pip` on the fake PyPI at the running pip's version, as on the real PyPI (see the module docstring);
    taken away again after, so other suites see the session's catalogue unchanged."""
    wheel = packages.wheel("pip", importlib.metadata.version("pip"))
    fake_pypi.publish(wheel)
    try:
        yield
    finally:
        fake_pypi.unpublish(wheel)


def publish_batch(fake_pypi: FakeUpstream, packages: PackageFactory, names: list[str]) -> list[str]:
    """Public projects of the test's own, on the fake PyPI before any clone reads its project list."""
    fake_pypi.publish(*(packages.wheel(name, BATCH_VERSION) for name in names))
    return names
