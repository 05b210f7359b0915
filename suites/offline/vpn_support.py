"""Harness of O6 and O7 (the laptop off the VPN): what a user's pip run of public packages costs while
the intranet is unreachable, read from pip's own log and devpi's; deployment copies with one more
devpi-server option; and, for new projects, when devpi serves a page and how to make it ask again.

Why `pip` is published on the fake PyPI during O6 (`pip_published`): a user's pip asks the index for `pip`
at every run (its self-version check; with --no-cache-dir it keeps no state between runs). On the
real PyPI that name exists; if it did not, devpi would answer 404 and on that path look the name up
in root/python-local a second time (views.py `simple_list_project` → `verified_project`), one more
request timeout that no real user pays. The file is never downloaded; its version is the running
pip's, so pip prints no upgrade notice.
"""

from __future__ import annotations

import contextlib
import datetime
import importlib.metadata
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import requests
from offline_support import PYPI, PYTHON_LOCAL, Intranet, cache_expiry, set_index_options

from fake_upstreams import FakeUpstream
from fixtures.catalogue import PUBLIC_PROJECT, PUBLIC_VERSION
from fixtures.clients import PipClient, Resolution
from fixtures.devpi import DevpiServer
from fixtures.indexes import IndexClone
from fixtures.packages import PackageFactory

PIP_DEFAULT_TIMEOUT = 15.0  # pip's --timeout: a page slower than this is abandoned and retried (5 times)
GUIDE_ARGS = ("--prefer-binary",)  # the guide's `pip --no-cache-dir download --no-deps --prefer-binary -- numpy`
BATCH_SIZE = 10
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


def fallbacks(devpi_log: str) -> list[str]:
    """Each time devpi asked an upstream, got nothing, and went on with what it had (mirror.py
    `_update_projects`: "serving stale projects" / "using stale projects list"; `get_simplelinks_perstage`:
    "serving stale links")."""
    return [line for line in devpi_log.splitlines()
            if "[ASYN]" not in line and re.search(r"(serving|using) stale (projects|links)", line)]


# -- one pip run and its baseline -------------------------------------------------------------------------------


@dataclass
class PipRun:
    label: str
    clone: IndexClone
    names: tuple[str, ...]
    result: Resolution
    baseline: float  # the same run with the intranet up
    devpi_said: str  # devpi-server's log during the run

    @property
    def seconds(self) -> float:
        return self.result.seconds

    @property
    def added(self) -> float:
        return self.result.seconds - self.baseline

    @property
    def fell_back(self) -> int:
        return len(fallbacks(self.devpi_said))

    def __str__(self) -> str:
        return (f"{self.label}: {self.seconds:.1f} s ({self.added:+.1f} s against {self.baseline:.1f} s online; "
                f"devpi fell back {self.fell_back}x)")


@dataclass
class Latency:
    """A user's pip runs of public packages through root/local while the intranet is gone, in each
    state devpi can be in: first contact, within the cache expiry, after it (first and repeated), and
    a batch of ten public packages after it."""

    intranet: Intranet
    runs: list[PipRun] = field(default_factory=list)
    expiry: int = 0
    expiry_source: str = ""
    fresh: bool = True  # the "within the cache expiry" run really was within it

    def run(self, label: str) -> PipRun:
        return next(r for r in self.runs if r.label == label)

    @property
    def worst(self) -> PipRun:
        return max(self.runs, key=lambda r: r.added)

    def summary(self) -> str:
        return "; ".join(str(r) for r in self.runs)


FIRST_CONTACT = "first-ever contact"
CACHED = "within the cache expiry"
SOON = "soon after the online runs (the deployment's cache expiry had passed already)"
EXPIRED = "after the cache expiry"
REPEATED = "after the cache expiry, repeated"
BATCH = f"after the cache expiry, {BATCH_SIZE} packages in one run"


def measure(intranet: Intranet, pip_client: PipClient, batch: list[str]) -> Latency:
    """Online baselines first, then the same runs with the intranet gone.

    "After the cache expiry" is simulated: the test sets mirror_cache_expiry=0 on its clone of
    root/python-local, i.e. devpi's list of the intranet's projects counts as expired at every request.
    That is what the deployment sees at every request once its own expiry (1800 s by default) has passed
    since devpi last read the list on the VPN — later that day — because a failed read does not renew it
    (mirror.py `_update_projects` returns the stale list without `mark_current`); the first-contact
    run shows the same under the deployment's own setting. "First-ever contact" is a clone that never
    reached the intranet: a fresh install, and also every restart of the service, since devpi keeps the
    project list in memory only (mirror.py `cache_projectnames`)."""
    devpi = intranet.devpi
    latency = Latency(intranet)
    first, later = intranet.fresh_indexes(), intranet.fresh_indexes()
    latency.expiry, latency.expiry_source = cache_expiry(devpi, PYTHON_LOCAL, intranet.options)

    def run(label: str, clone: IndexClone, names: tuple[str, ...], baseline: float = 0.0) -> PipRun:
        since = devpi.log_size()
        result = pip_client.download(*names, index_url=clone.simple_url, args=GUIDE_ARGS)
        return PipRun(label, clone, names, result, baseline, devpi.log_tail(5000, since=since))

    public, many = (PUBLIC_PROJECT,), tuple(batch)
    read_at = intranet.upstream.log.mark()
    online_first = run("online, first contact", later, public)  # reads both project lists
    online = run("online", later, public)
    online_batch = run("online, batch", later, many)
    for done in (online_first, online, online_batch):
        assert done.result.ok, f"[O6] precondition: pip failed with the intranet up\n{done.result}"
    with intranet.gone():
        latency.runs.append(run(FIRST_CONTACT, first, public, online_first.seconds))
        latency.fresh = intranet.upstream.log.mark() - read_at < latency.expiry
        latency.runs.append(run(CACHED if latency.fresh else SOON, later, public, online.seconds))
        set_index_options(devpi, later.clone_of(PYTHON_LOCAL), mirror_cache_expiry=0)  # later that day
        latency.runs.extend(run(label, later, public, online.seconds) for label in (EXPIRED, REPEATED))
        latency.runs.append(run(BATCH, later, many, online_batch.seconds))
    return latency


def assert_public_installed(run: PipRun, fake_pypi: FakeUpstream, situation: str) -> None:
    """Hard requirements of O6: pip succeeded, got PyPI's files through root/local, and no page took
    as long as pip's default timeout (pip would have abandoned and retried it)."""
    __tracebackhide__ = True
    result = run.result
    what = f"{situation}, {run.label}"
    assert result.ok, (f"[O6] {what}: pip could not download {', '.join(run.names)} through root/local; an "
                       f"unreachable intranet must not break public packages\n{result}")
    for name in run.names:
        got = result.file(name)
        want_version = PUBLIC_VERSION if name == PUBLIC_PROJECT else BATCH_VERSION
        assert (got.version, got.served_by, got.sha256) == (want_version, run.clone.clone_of(PYPI),
                                                            fake_pypi.sha256(got.filename)), (
            f"[O6] {what}: expected PyPI's {name} {want_version} from {run.clone.clone_of(PYPI)}, got "
            f"{got.version} from {got.served_by} (sha256 {got.sha256})\n{result}")
    assert page_seconds(result), (
        f"[O6] {what}: pip's log names no index page it fetched; has pip's log format changed? "
        f"(vpn_support.page_seconds reads it to check pip's timeout)\n{pip_log(result)[-3000:]}\n{result}")
    url, seconds = slowest_page(result)
    retries = pip_retries(result)
    assert seconds < PIP_DEFAULT_TIMEOUT and not retries, (
        f"[O6] {what}: devpi kept pip waiting {seconds:.1f} s for {url}, beyond pip's default timeout of "
        f"{PIP_DEFAULT_TIMEOUT:.0f} s (pip abandons such a request and retries it){chr(10).join(['', *retries])}\n{result}")


# -- the world outside: pip on the fake PyPI, deployment copies ----------------------------------------------------


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
    """Ten public projects of the test's own, on the fake PyPI before any clone reads its project list."""
    fake_pypi.publish(*(packages.wheel(name, BATCH_VERSION) for name in names))
    return names


def copy_with_server_options(source: Path, dest: Path, *options: str) -> Path:
    """A copy of the deployment whose launchd plist gives devpi-server `options` after the guide's own
    (service.sh writes the plist; the suite starts devpi from its ProgramArguments)."""
    shutil.copytree(source, dest)
    script = dest / "service.sh"
    anchor = "<string>${DEPLOY_SERVERDIR}</string>\n"
    text = script.read_text()
    if anchor not in text:
        raise AssertionError(f"{source}/service.sh no longer writes {anchor.strip()!r} into the plist: "
                             "update copy_with_server_options")
    extra = "".join(f"        <string>{option}</string>\n" for option in options)
    script.write_text(text.replace(anchor, anchor + extra, 1))
    return dest


def threshold(config: object, name: str) -> float:
    return float(config.getoption(name))  # type: ignore[attr-defined]


# -- O7: when devpi serves a project, and its own ways to ask again ----------------------------------------------

PROJECT_LIST = r"/simple/$"  # an upstream's whole project list, as devpi asks for it


def list_read_at(upstream: FakeUpstream) -> float:
    """When devpi last asked `upstream` for its project list (monotonic)."""
    reads = upstream.log.matching(PROJECT_LIST)
    assert reads, f"[O7] precondition: devpi never read {upstream.name}'s project list\n{upstream.log.render()}"
    return reads[-1].at


def _session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # loopback only, never through the host's proxy
    return session


def refresh(devpi: DevpiServer, index: str, project: str) -> int:
    """devpi's "Refresh" button: POST <index>/+simple/<project>/refresh, anonymously; the HTTP status."""
    with _session() as session:
        return session.post(f"{devpi.index_url(index)}{project}/refresh", timeout=60, allow_redirects=False).status_code
