"""B1/B2: throughput of a 50 MB file as pip fetches it through root/local: cached in root/python-local (devpi
serves its copy) and passed through from root/pypi (devpi's link answers with a redirect to PyPI's file, which
the client follows, as pip does); the reference is the same file fetched from its upstream directly."""

from __future__ import annotations

import hashlib
import statistics

import pytest

from fixtures.benchmarks import SUBJECT, UPSTREAM, Contender, Measure
from suites.benchmarks.benchmark_support import BIG, download, file_links

ROUNDS = 15


def sha256_of(http, url: str) -> str:  # noqa: ANN001
    digest = hashlib.sha256()
    with http.get(url, stream=True, timeout=300) as answer:
        answer.raise_for_status()
        for chunk in answer.iter_content(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@pytest.mark.promise("B1")
@pytest.mark.parametrize("way", ["cached", "passed through"])
def test_large_file_throughput(way, servers, catalogue, fake_pypi, fake_artifactory, http, interleaved, benchmark_figures):
    dist, upstream, index = ((catalogue.big_private, fake_artifactory, "root/python-local") if way == "cached"
                             else (catalogue.big_public, fake_pypi, "root/pypi"))
    links = {role: file_links(http, f"{server.index_url('root/local')}{dist.name}/").get(dist.filename, "")
             for role, server in servers.by_role.items()}
    links[UPSTREAM] = file_links(http, f"{upstream.simple_url}{dist.name}/").get(dist.filename, "")
    for role, url in links.items():
        # What pip would get, checked once, untimed (it also fills devpi's cache): the upstream's very bytes.
        if role != UPSTREAM:
            server = servers.by_role[role]
            assert url.startswith(f"{server.url}{index}/+f/"), f"[B1] precondition: {role}'s link to {dist.filename} is {url!r}"
            first = http.get(url, allow_redirects=False, stream=True, timeout=300)
            first.close()
            redirected = first.status_code in (301, 302, 303, 307, 308)
            assert redirected == (way == "passed through"), (
                f"[B1] precondition: {role} answered {url} with {first.status_code} {first.headers.get('Location', '')}: "
                f"not {way}")
        assert sha256_of(http, url) == dist.sha256, f"[B1] {role} served other bytes than the upstream's {dist.filename} ({url})"

    others = [Contender(role, lambda url=url: download(http, url)) for role, url in links.items() if role != SUBJECT]
    mark = upstream.log.mark()
    done = interleaved(Contender(SUBJECT, lambda: download(http, links[SUBJECT])), others, rounds=ROUNDS, warmup=0)

    for role, sizes in done.results.items():
        assert set(sizes) == {dist.path.stat().st_size}, f"[B1] {role} sent {sorted(set(sizes))} bytes of {dist.filename}"
    # Cached: only the direct reads reach the upstream; passed through: every download does.
    fetchers = 1 + (len(servers.by_role) if way == "passed through" else 0)
    seen = upstream.log.matching(rf"/{dist.filename}$", since=mark)
    assert len(seen) == fetchers * len(done.stats[UPSTREAM].data), (
        f"[B1] precondition: {upstream.name} saw {len(seen)} requests for {dist.filename}, expected {fetchers} per round "
        f"({way})\n{upstream.log.render(since=mark)}")

    benchmark_figures([Measure(f"{BIG // 10**6} MB file, {way} ({index})", "median throughput", "MB/s",
                               {role: dist.path.stat().st_size / statistics.median(s.data) / 10**6 for role, s in done.stats.items()},
                               higher_is_better=True, versions=servers.versions,
                               per_round={role: [dist.path.stat().st_size / t / 10**6 for t in s.data] for role, s in done.stats.items()})])
