"""D4: sustained mixed load on the service, bounded in requests and time, loopback only: warm pages, cached
intranet files, PyPI's files (a redirect, or the bytes under the guide's cache-PyPI note), pages devpi has
never fetched, names on neither upstream and the JSON API, from several threads at once. The service must keep answering each request as it answers one alone, and
devpi-server's memory (RSS) and open files must stay bounded; the suite states the figures.

The default budget (README's first command) is a fixed count of requests that takes seconds; the soak runs
under `--hypothesis-profile nightly` (the same scenario, SOAK_REQUESTS)."""

from __future__ import annotations

import hashlib
import itertools
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psutil
import pytest
from hypothesis import settings

from fixtures.api import http_session
from suites.durability.durability_support import devpi_server_process, page_links, spawns

REQUESTS, SOAK_REQUESTS = 5000, 100_000
THREADS = 8
DEADLINE, SOAK_DEADLINE = 120.0, 1800.0  # the loop stops there whatever is left: a bound, not a target
REQUEST_TIMEOUT = 20.0
# Bounds: open files may grow by the connections still being closed; memory by devpi's caches of the
# pages and files it serves, not with the count of requests.
EXTRA_FDS = 20
RSS_GROWTH_MB, RSS_GROWTH_KB_PER_REQUEST = 64, 4
MB = 1 << 20


class Sampler(threading.Thread):
    """RSS and open files of devpi-server, every quarter of a second while the load runs."""

    def __init__(self, process: psutil.Process) -> None:
        super().__init__(daemon=True)
        self.process, self.samples, self.stop = process, [], threading.Event()

    def take(self) -> tuple[float, int, int]:
        sample = (time.monotonic(), self.process.memory_info().rss, self.process.num_fds())
        self.samples.append(sample)
        return sample

    def run(self) -> None:
        while not self.stop.wait(0.25):
            try:
                self.take()
            except psutil.Error:
                return


@pytest.mark.promise("D4")
def test_the_service_keeps_answering_under_sustained_mixed_load_with_memory_and_files_bounded(
        devpi, fresh_local, fake_artifactory, fake_pypi, packages, project_name, http, figure):
    soak = settings.get_current_profile_name() == "nightly"
    count, deadline = (SOAK_REQUESTS, SOAK_DEADLINE) if soak else (REQUESTS, DEADLINE)
    private = [packages.wheel(project_name("private"), "1.0", padding=20_000) for _ in range(4)]
    public = [packages.wheel(project_name("public"), "1.0") for _ in range(3)]
    cold = [packages.wheel(project_name("cold"), "1.0") for _ in range(40)]
    fake_artifactory.publish(*private, *cold)
    fake_pypi.publish(*public)
    index = fresh_local.simple_url

    # Warm: each page read and each private file stored once, as after a first install. How devpi answers a
    # PyPI file alone (a redirect with mirror_use_external_urls, the bytes with the cache-PyPI note) is what
    # it must answer under load.
    files, public_alone = {}, {}
    for dist in (*private, *public):
        status, links = page_links(http, f"{index}{dist.name}/")
        assert status == 200 and dist.filename in links, f"[D4] precondition: devpi's page for {dist.name}: {status} {sorted(links)}"
        files[dist.filename] = links[dist.filename][0]
        assert http.get(files[dist.filename], timeout=60).status_code == 200, f"[D4] precondition: {dist.filename}"
    for dist in public:
        public_alone[dist.filename] = http.get(files[dist.filename], timeout=60, allow_redirects=False).status_code

    cold_left = iter(cold)
    cold_lock = threading.Lock()

    def next_cold():  # noqa: ANN202
        with cold_lock:
            return next(cold_left, None)

    def request(kind: str, session, n: int) -> str | None:  # noqa: ANN001
        """One request of `kind`; None when devpi answered as it answers one alone, else what went wrong."""
        if kind == "cold" and (dist := next_cold()) is not None:
            status, links = page_links(session, f"{index}{dist.name}/")
            return None if status == 200 and dist.filename in links else f"cold page {dist.name}: {status} {sorted(links)}"
        if kind in ("page", "cold"):
            dist = (private + public)[n % (len(private) + len(public))]
            status, links = page_links(session, f"{index}{dist.name}/")
            return None if status == 200 and dist.filename in links else f"page {dist.name}: {status} {sorted(links)}"
        if kind == "file":
            dist = private[n % len(private)]
            response = session.get(files[dist.filename], timeout=REQUEST_TIMEOUT)
            ok = response.status_code == 200 and hashlib.sha256(response.content).hexdigest() == dist.sha256
            return None if ok else f"file {dist.filename}: {response.status_code}, {len(response.content)} bytes"
        if kind == "pypi-file":
            dist = public[n % len(public)]
            response = session.get(files[dist.filename], timeout=REQUEST_TIMEOUT, allow_redirects=False)
            same = response.status_code == public_alone[dist.filename] and (
                response.status_code != 200 or hashlib.sha256(response.content).hexdigest() == dist.sha256)
            return None if same else (f"PyPI file {dist.filename}: {response.status_code} ({len(response.content)} bytes), "
                                      f"alone {public_alone[dist.filename]}")
        if kind == "missing":
            response = session.get(f"{index}no-such-project-{n % 7}/", timeout=REQUEST_TIMEOUT)
            return None if response.status_code == 404 else f"name on neither upstream: {response.status_code}"
        response = session.get(f"{devpi.url}+api", headers={"Accept": "application/json"}, timeout=REQUEST_TIMEOUT)
        return None if response.status_code == 200 else f"+api: {response.status_code}"

    mix = ["page", "page", "file", "file", "pypi-file", "missing", "api", "cold"]
    counter = itertools.count()
    failures: list[str] = []
    latencies: list[float] = []
    stop_at = time.monotonic() + deadline

    def worker() -> None:
        with http_session() as session:
            session.headers["Accept"] = "text/html"
            while (n := next(counter)) < count and time.monotonic() < stop_at:
                started = time.monotonic()
                try:
                    problem = request(mix[n % len(mix)], session, n)
                except Exception as exc:  # noqa: BLE001  (a refused, reset or timed-out request is the evidence)
                    problem = f"{mix[n % len(mix)]}: {exc!r}"
                latencies.append(time.monotonic() - started)
                if problem:
                    failures.append(problem)

    server = devpi_server_process(devpi)
    spawned = spawns(devpi)
    sampler = Sampler(server)
    _, rss_start, fds_start = sampler.take()
    began = time.monotonic()
    sampler.start()
    with ThreadPoolExecutor(THREADS, thread_name_prefix="load") as pool:
        for future in [pool.submit(worker) for _ in range(THREADS)]:
            future.result()
    seconds = time.monotonic() - began
    time.sleep(1)  # the clients' connections closed, devpi's threads back in the pool
    sampler.stop.set()
    sampler.join()
    _, rss_end, fds_end = sampler.take()
    done = len(latencies)
    warm = [s for s in sampler.samples if s[0] >= began + seconds / 4] or sampler.samples
    rss_warm, rss_peak, fds_peak = warm[0][1], max(s[1] for s in sampler.samples), max(s[2] for s in sampler.samples)
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0
    figure("d4_requests", done,
           f"D4 ({'soak' if soak else 'default'}): {done} requests{f' of {count} (the {deadline:.0f} s bound came first)' if done < count else ''} "
           f"({', '.join(sorted(set(mix)))}) from {THREADS} threads in "
           f"{seconds:.1f} s ({done / seconds:.0f}/s), median {statistics.median(ordered) * 1000 if ordered else 0:.0f} ms, "
           f"99th percentile {p99 * 1000:.0f} ms, {len(failures)} not answered as one alone is; devpi-server RSS "
           f"{rss_start / MB:.0f} MB before, {rss_peak / MB:.0f} MB at most, {rss_end / MB:.0f} MB after; open files "
           f"{fds_start} before, {fds_peak} at most, {fds_end} after")

    assert not failures, (f"[D4] under load the service did not answer {len(failures)} of {done} requests as it answers one "
                          f"alone: {failures[:10]}\n{devpi.log_tail(30)}")
    # The deadline bounds the loop; a slower service that answers every request within REQUEST_TIMEOUT keeps
    # answering (devpi-server 7 does about 9 requests/s here). Below a tenth of the count the figures say too little.
    assert done >= count // 10, f"[D4] the service answered {done} of {count} requests within {deadline:.0f} s"
    assert spawns(devpi) == spawned and server.is_running(), f"[D4] the service restarted under load\n{devpi.history()}"
    assert fds_end <= fds_start + EXTRA_FDS, (
        f"[D4] devpi-server's open files grew from {fds_start} to {fds_end} over {done} requests (bound: +{EXTRA_FDS}): "
        f"{[f.path for f in server.open_files()][-20:]}")
    bound = rss_warm + RSS_GROWTH_MB * MB + RSS_GROWTH_KB_PER_REQUEST * 1024 * done
    assert rss_end <= bound, (
        f"[D4] devpi-server's memory grew from {rss_warm / MB:.0f} MB (a quarter into the load) to {rss_end / MB:.0f} MB "
        f"after {done} requests (bound {bound / MB:.0f} MB: +{RSS_GROWTH_MB} MB and {RSS_GROWTH_KB_PER_REQUEST} KB per request)")
