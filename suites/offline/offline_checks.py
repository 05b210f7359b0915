"""Assertions of the offline suite, written for the person on call: the first line says which promise
broke and what happened, pip's own error lines follow, then the full run."""

from __future__ import annotations

import re


from fake_upstreams import FakeUpstream
from fixtures.catalogue import PUBLIC_PROJECT, PUBLIC_VERSION
from fixtures.clients import Resolution, ResolvedFile
from fixtures.devpi import DevpiServer
from suites.offline.offline_intranets import PYPI
from suites.offline.offline_latency import BATCH_VERSION, PIP_DEFAULT_TIMEOUT, PipRun, page_seconds, pip_log, pip_retries, slowest_page


def pip_errors(result: Resolution) -> str:
    """The part of pip's output that says what went wrong: from its first error line on ("ERROR: ..."
    up to pip 25, "error: <kind>" followed by "× ..." and "╰─> ..." lines since), else its last lines."""
    lines = [line for line in (result.stdout + "\n" + result.stderr).splitlines() if line.strip()]
    first = next((i for i, line in enumerate(lines) if re.match(r"(ERROR:|error:)", line)), max(len(lines) - 3, 0))
    if any(line.startswith("Traceback (most recent call last)") for line in lines[first:]):
        # pip crashed: its first error line and the exception it ended with say it all
        return f"{lines[first]}\n  (pip printed a traceback, ending with:)\n{lines[-1]}"
    return "\n".join(lines[first:first + 12])


def assert_served_same_file(promise: str, situation: str, result: Resolution, before: ResolvedFile, *,
                            bound: float, bound_why: str, store: str = "") -> None:
    """pip got `before` again (same version, same sha256, from the same devpi index), within `bound` s.
    `store` says what devpi held of the file before the outage (see `devpi_store`)."""
    __tracebackhide__ = True
    what = f"{before.name} {before.version}"
    assert result.ok, (
        f"[{promise}] {situation}: pip could not get {what}, which it downloaded from {before.served_by} while the "
        f"intranet was up; devpi did not serve a cached copy.\n{store}\npip says: {pip_errors(result)}\n{result}")
    after = result.file(before.name)
    assert (after.version, after.sha256) == (before.version, before.sha256), (
        f"[{promise}] {situation}: pip got {after.name} {after.version} (sha256 {after.sha256}), not the {what} "
        f"(sha256 {before.sha256}) it downloaded while the intranet was up\n{result}")
    assert after.served_by == before.served_by, (
        f"[{promise}] {situation}: {what} came from {after.served_by}, not from the cache {before.served_by}\n{result}")
    assert result.seconds <= bound, (
        f"[{promise}] {situation}: pip got {what} only after {result.seconds:.1f} s, more than the {bound:.0f} s "
        f"this scenario allows ({bound_why})\n{result}")


def devpi_store(devpi: DevpiServer, index: str, filename: str) -> str:
    """What devpi holds of `filename` in its server directory, and the index setting that decides it."""
    stored = sorted(str(p.relative_to(devpi.serverdir)) for p in devpi.serverdir.rglob(filename))
    external = devpi.api.index_config(index).get("mirror_use_external_urls", False)
    held = f"a copy at {', '.join(stored)}" if stored else "NO copy of it"
    return (f"devpi's store after the online download: {held} under {devpi.serverdir} "
            f"({index}: mirror_use_external_urls={external}; True means devpi keeps no files and redirects to the upstream)")


def assert_not_found(promise: str, situation: str, result: Resolution, name: str, *, bound: float, bound_why: str) -> None:
    """pip failed with its "no matching distribution" error, within `bound` s."""
    __tracebackhide__ = True
    assert not result.ok, (
        f"[{promise}] {situation}: pip got {result.versions()} for {name}, which devpi never fetched while the "
        f"intranet was up; it should not be found\n{result}")
    said = result.stdout + result.stderr
    assert re.search(rf"No matching distribution found for {re.escape(name)}", said, re.I), (
        f"[{promise}] {situation}: pip failed for {name} without its 'No matching distribution found' error; "
        f"a user cannot tell that the package is not available.\npip says: {pip_errors(result)}\n{result}")
    assert result.seconds <= bound, (
        f"[{promise}] {situation}: pip took {result.seconds:.1f} s to say {name} is not found, more than the "
        f"{bound:.0f} s this scenario allows ({bound_why})\n{result}")


def assert_public_installed(run: PipRun, fake_pypi: FakeUpstream, situation: str) -> None:
    """Hard requirements of O6, whatever devpi does about the intranet: pip succeeded, got PyPI's files
    through root/local, and no page took as long as pip's default timeout (pip would have abandoned and
    retried it)."""
    __tracebackhide__ = True
    result = run.result
    what = f"{situation}, {run.label}"
    assert result.ok, (f"[O6] {what}: pip could not download {', '.join(run.names)} through root/local; an "
                       f"unreachable intranet must not break public packages\npip says: {pip_errors(result)}\n{result}")
    for name in run.names:
        got = result.file(name)
        want_version = PUBLIC_VERSION if name == PUBLIC_PROJECT else BATCH_VERSION
        assert (got.version, got.served_by, got.sha256) == (want_version, run.clone.clone_of(PYPI),
                                                            fake_pypi.sha256(got.filename)), (
            f"[O6] {what}: expected PyPI's {name} {want_version} from {run.clone.clone_of(PYPI)}, got "
            f"{got.version} from {got.served_by} (sha256 {got.sha256})\n{result}")
    assert page_seconds(result), (
        f"[O6] {what}: pip's log names no index page it fetched; has pip's log format changed? "
        f"(offline_latency.page_seconds reads it to check pip's timeout)\n{pip_log(result)[-3000:]}\n{result}")
    url, seconds = slowest_page(result)
    retries = pip_retries(result)
    assert seconds < PIP_DEFAULT_TIMEOUT and not retries, (
        f"[O6] {what}: devpi kept pip waiting {seconds:.1f} s for {url}, beyond pip's default timeout of "
        f"{PIP_DEFAULT_TIMEOUT:.0f} s (pip abandons such a request and retries it){chr(10).join(['', *retries])}\n{result}")
