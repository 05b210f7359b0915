"""B1/B2: the latency of root/local's simple page, as pip reads it, for a project of 1, 100 and 1,000 releases
split across both upstreams; warm (devpi answers from its cache) and cold (devpi must ask both upstreams:
its mirrors' cache expiry set to 0 on a clone of the deployment's indexes). The reference is the same
project's page read from both upstreams directly, one after the other, as a client given both would."""

from __future__ import annotations

import statistics

import pytest

from fixtures.benchmarks import SUBJECT, UPSTREAM, Contender, Measure
from suites.benchmarks.benchmark_support import PIP_ACCEPT, RELEASES, files_in

# The small warm pages take milliseconds, so they get many rounds: their ratios are the most easily moved by noise.
ROUNDS = {("warm", 1): 40, ("warm", 100): 30, ("warm", 1000): 15, ("cold", 1): 20, ("cold", 100): 15, ("cold", 1000): 10}
WARMUP = 1


@pytest.mark.promise("B1")
@pytest.mark.parametrize("releases", RELEASES)
@pytest.mark.parametrize("state", ["warm", "cold"])
def test_simple_page_latency(state, releases, servers, catalogue, fake_pypi, fake_artifactory, http, interleaved,
                             benchmark_figures):
    name = catalogue.pages[releases]
    expected = catalogue.files_of[name]
    urls = {role: server.index_url("root/local" if state == "warm" else servers.cold_index(role)) + f"{name}/"
            for role, server in servers.by_role.items()}
    urls[UPSTREAM] = (f"{fake_pypi.simple_url}{name}/", f"{fake_artifactory.simple_url}{name}/")
    for role, url in urls.items():  # the first read fills devpi's cache (a cold page is not kept anyway)
        if role != UPSTREAM:
            http.get(url, headers={"Accept": PIP_ACCEPT}, timeout=120).raise_for_status()

    def reader(*page_urls: str):  # noqa: ANN202
        def read() -> list[tuple[int, str]]:
            answers = [http.get(url, headers={"Accept": PIP_ACCEPT}, timeout=120) for url in page_urls]
            return [(answer.status_code, answer.text) for answer in answers]

        return read

    contenders = {role: Contender(role, reader(*url) if role == UPSTREAM else reader(url)) for role, url in urls.items()}
    mark = fake_pypi.log.mark(), fake_artifactory.log.mark()
    done = interleaved(contenders.pop(SUBJECT), list(contenders.values()), rounds=ROUNDS[state, releases], warmup=WARMUP)

    for role, rounds in done.results.items():
        for answers in rounds:
            found = set().union(*(files_in(text, expected) for _, text in answers))
            assert {status for status, _ in answers} == {200} and found == expected, (
                f"[B1] {role}: the page of {name} ({state}) answered {[s for s, _ in answers]} with {len(found)} of the "
                f"{len(expected)} files on the upstreams\n{answers[0][1][:2000]}")
    # Cold: devpi asked both upstreams in every round; warm: it asked neither (the direct read asks both).
    asked_per_round = 1 + (len(servers.by_role) if state == "cold" else 0)
    for upstream, since in zip((fake_pypi, fake_artifactory), mark, strict=True):
        seen = upstream.log.matching(rf"/simple/{name}/$", since=since)
        assert len(seen) == asked_per_round * (WARMUP + len(done.stats[UPSTREAM].data)), (
            f"[B1] precondition: {upstream.name} saw {len(seen)} requests for the page of {name} in the {state} rounds, "
            f"expected {asked_per_round} per round (the direct read, and each devpi-server when cold)\n"
            f"{upstream.log.render(since=since)}")

    benchmark_figures([Measure(f"simple page, {releases} release{'s' * (releases > 1)}, {state}", "median latency", "ms",
                               {role: statistics.median(s.data) * 1000 for role, s in done.stats.items()},
                               versions=servers.versions, per_round={role: s.data for role, s in done.stats.items()})])
