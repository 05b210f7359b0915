"""B1/B2: 16 clients at once downloading files root/python-local has cached (256 KB wheels, 8 each, spread over
32 files), from a process of their own: requests per second and the slowest request (each the median of the
rounds), with no error. The
reference is the same crowd fetching the same files from the intranet directly."""

from __future__ import annotations

import statistics

import pytest

from fixtures.benchmarks import SUBJECT, UPSTREAM, Contender, Measure
from suites.benchmarks.benchmark_support import CROWD_CLIENTS, CROWD_REQUESTS_PER_CLIENT, download, file_links

ROUNDS = 8
WARMUP = 1


@pytest.mark.promise("B1")
def test_sixteen_clients_at_once(servers, catalogue, fake_artifactory, http, crowd, interleaved, benchmark_figures):
    sizes = {d.filename: d.path.stat().st_size for d in catalogue.crowd_files}
    pages = {role: f"{server.index_url('root/local')}{catalogue.crowd}/" for role, server in servers.by_role.items()}
    pages[UPSTREAM] = f"{fake_artifactory.simple_url}{catalogue.crowd}/"
    plans = {}
    for role, page in pages.items():
        links = file_links(http, page)
        assert set(sizes) <= set(links), f"[B1] precondition: {role}'s page {page} lacks {sorted(set(sizes) - set(links))}"
        files = [(links[name], size) for name, size in sorted(sizes.items())]
        if role != UPSTREAM:
            for url, size in files:  # cached before the crowd comes: it measures serving copies
                assert download(http, url) == size, f"[B1] precondition: {role} served a short {url}"
        plans[role] = [[files[(client * CROWD_REQUESTS_PER_CLIENT + i) % len(files)] for i in range(CROWD_REQUESTS_PER_CLIENT)]
                       for client in range(CROWD_CLIENTS)]

    others = [Contender(role, lambda plan=plan: crowd.burst(plan)) for role, plan in plans.items() if role != SUBJECT]
    mark = fake_artifactory.log.mark()
    done = interleaved(Contender(SUBJECT, lambda: crowd.burst(plans[SUBJECT])), others, rounds=ROUNDS, warmup=WARMUP)

    requests_per_burst = CROWD_CLIENTS * CROWD_REQUESTS_PER_CLIENT
    for role, bursts in done.results.items():
        errors = [error for burst in bursts for error in burst["errors"]]
        assert not errors, f"[B1] {len(errors)} of {requests_per_burst * len(bursts)} requests to {role} failed:\n" + "\n".join(errors[:20])
        assert all(len(burst["durations"]) == requests_per_burst for burst in bursts), f"[B1] {role}: requests went missing"
    fetched = fake_artifactory.log.matching(rf"/{catalogue.crowd.replace('-', '_')}-", since=mark)
    assert len(fetched) == requests_per_burst * (WARMUP + len(done.stats[UPSTREAM].data)), (
        f"[B1] precondition: the intranet saw {len(fetched)} file requests in the crowd's rounds, expected only the direct "
        f"ones: devpi did not serve its copies\n{fake_artifactory.log.render(since=mark)[-3000:]}")

    name = f"{CROWD_CLIENTS} clients at once, {requests_per_burst} downloads of {len(sizes)} cached files"
    rps = {role: [requests_per_burst / b["wall"] for b in bursts] for role, bursts in done.results.items()}
    # A round's slowest request, the median round: the single slowest of a run is whatever the machine did then.
    slowest = {role: [max(b["durations"]) * 1000 for b in bursts] for role, bursts in done.results.items()}
    benchmark_figures([
        Measure(name, "requests per second, median round", "req/s", {role: statistics.median(v) for role, v in rps.items()},
                higher_is_better=True, versions=servers.versions, per_round=rps),
        Measure(name, "slowest request, median round", "ms", {role: statistics.median(v) for role, v in slowest.items()},
                versions=servers.versions, per_round=slowest),
    ])
