"""The benchmark machinery (fixtures/benchmarks.py) without a devpi-server: ratios point the same way for a latency
and a throughput, the verdict flags exactly what exceeds the threshold, and a real pytest run of benchmarks whose
contenders sleep shows the rounds interleaved, the figures recorded, the finding met when the new version is slower,
and the benchmarks off without --benchmarks."""

from __future__ import annotations

import json

import pytest
from suite_runs import ROOT

from fixtures.benchmarks import BASELINE, SUBJECT, UPSTREAM, Measure, markdown, verdict

VERSIONS = {SUBJECT: "2.0", BASELINE: "1.0"}


def latency(new: float, old: float, upstream: float = 10.0) -> Measure:
    return Measure("page", "median latency", "ms", {UPSTREAM: upstream, SUBJECT: new, BASELINE: old}, versions=VERSIONS)


def throughput(new: float, old: float, upstream: float = 100.0) -> Measure:
    return Measure("file", "median throughput", "MB/s", {UPSTREAM: upstream, SUBJECT: new, BASELINE: old},
                   higher_is_better=True, versions=VERSIONS)


def test_a_ratio_is_a_cost_for_latencies_and_throughputs_alike():
    assert latency(new=30, old=20).cost(SUBJECT, BASELINE) == pytest.approx(1.5)
    assert latency(new=30, old=20).cost(SUBJECT, UPSTREAM) == pytest.approx(3.0)
    # Half the bytes per second costs twice the time.
    assert throughput(new=50, old=100).cost(SUBJECT, BASELINE) == pytest.approx(2.0)
    assert throughput(new=200, old=100).cost(SUBJECT, UPSTREAM) == pytest.approx(0.5)


def test_with_rounds_a_ratio_is_the_median_of_the_rounds_ratios():
    # A burst of load in round 2 slowed both sides: round by round, the new version costs 1.1x the old.
    paired = Measure("page", "median latency", "ms", {UPSTREAM: 10, SUBJECT: 11, BASELINE: 10}, versions=VERSIONS,
                     per_round={UPSTREAM: [10, 40, 10], SUBJECT: [11, 44, 11], BASELINE: [10, 40, 10]})
    assert paired.cost(SUBJECT, BASELINE) == pytest.approx(1.1)
    throughput_rounds = Measure("file", "median throughput", "MB/s", {UPSTREAM: 1, SUBJECT: 1, BASELINE: 1},
                                higher_is_better=True, versions=VERSIONS,
                                per_round={UPSTREAM: [100, 100], SUBJECT: [50, 25], BASELINE: [100, 100]})
    assert throughput_rounds.cost(SUBJECT, BASELINE) == pytest.approx(3.0)


def test_the_verdict_flags_only_figures_beyond_the_threshold():
    measures = [latency(new=12.5, old=10), latency(new=13, old=10), throughput(new=79, old=100), throughput(new=81, old=100)]
    assert verdict(measures, 1.25) == [measures[1], measures[2]]
    assert verdict(measures, 1.5) == []
    without_baseline = Measure("page", "median latency", "ms", {UPSTREAM: 1, SUBJECT: 100}, versions={SUBJECT: "2.0"})
    assert verdict([without_baseline], 1.25) == [], "without a baseline nothing is compared"


def test_the_markdown_names_the_command_the_versions_and_the_worse_figures():
    text = markdown([latency(new=13, old=10), latency(new=10, old=10)], 1.25, command="pytest suites/benchmarks ...", seconds=12)
    assert text.startswith("# devpi-server 2.0 against 1.0: benchmarks")
    assert "pytest suites/benchmarks ..." in text and "cores" in text
    assert "**Verdict**: 1 of 2 figures worse than x1.25" in text
    rows = [line for line in text.splitlines() if line.startswith("| page")]
    assert rows[0].endswith("| x1.30 | **worse** (> 1.25) |") and rows[1].endswith("| x1.00 | ok |"), rows


SLEEPERS = '''
import statistics, time
import pytest
from fixtures.benchmarks import BASELINE, SUBJECT, UPSTREAM, Contender, Measure

ORDER = []

def sleeper(name, seconds):
    def run():
        ORDER.append(name)
        time.sleep(seconds)
        return name
    return Contender(name, run)

@pytest.mark.promise("B1")
@pytest.mark.parametrize("new", [0.09, 0.01])  # 3x the baseline, a third of it: far from 1.25 under any load
def test_sleepers(new, interleaved, benchmark_figures):
    ORDER.clear()
    done = interleaved(sleeper(SUBJECT, new), [sleeper(UPSTREAM, 0.03), sleeper(BASELINE, 0.03)], rounds=3, warmup=1)
    assert {name: len(s.data) for name, s in done.stats.items()} == {SUBJECT: 3, UPSTREAM: 3, BASELINE: 3}
    assert done.results[SUBJECT] == [SUBJECT] * 3
    # Turns: the others first, in an order that turns every round, then the subject.
    assert ORDER[:6] == [BASELINE, UPSTREAM, SUBJECT, UPSTREAM, BASELINE, SUBJECT], ORDER
    benchmark_figures([Measure("sleep", "median", "ms", {n: statistics.median(s.data) * 1000 for n, s in done.stats.items()},
                               versions={SUBJECT: "2.0", BASELINE: "1.0"}, per_round={n: s.data for n, s in done.stats.items()})])
'''


@pytest.fixture
def run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the suite's own fixtures/, from outside the checkout
    # Under xdist (CI's -n 3) the child would inherit the worker's variable, and pytest-benchmark turns itself off.
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID"):
        monkeypatch.delenv(name, raising=False)
    (pytester.path / "suites" / "benchmarks").mkdir(parents=True)
    (pytester.path / "suites" / "benchmarks" / "test_sleepers.py").write_text(SLEEPERS)

    def go(*args: str) -> tuple[pytest.RunResult, dict]:
        report = pytester.path / "verdicts.json"
        result = pytester.runpytest_subprocess("-p", "fixtures.report", "-p", "fixtures.plugin", "-p", "fixtures.benchmarks",
                                               "-p", "no:cacheprovider", "-rsx", "--conformance-report", str(report), *args)
        return result, json.loads(report.read_text()) if report.exists() else {}

    return go


@pytest.mark.selftest
def test_a_new_version_three_times_as_slow_is_a_b2_finding_and_in_the_markdown(run, pytester):
    result, verdicts = run("--benchmarks", "--benchmark-against", "1.0", "--benchmark-markdown", "bench.md")

    result.assert_outcomes(passed=1, xfailed=1)
    result.stdout.fnmatch_lines(["*[[]B2[]] finding B2-slower-than-baseline: devpi-server 2.0 is slower than 1.0*sleep, median x*"])
    assert verdicts["B2"]["verdict"] == "finding" and verdicts["B1"]["verdict"] == "kept", verdicts
    assert len(verdicts["B1"]["figures"]) == 2, verdicts
    text = (pytester.path / "bench.md").read_text()
    assert "**Verdict**: 1 of 2 figures worse than x1.25" in text, text
    assert "test_sleepers" in result.stdout.str(), "pytest-benchmark's own table lists the subject's rounds"


@pytest.mark.selftest
def test_benchmarks_are_off_without_the_option_and_refused_under_xdist(run):
    result, _ = run()
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(["*benchmarks are off by default; run them with pytest suites/benchmarks --benchmarks*"])

    refused, _ = run("--benchmarks", "-n", "2")
    assert refused.ret == pytest.ExitCode.USAGE_ERROR
    refused.stderr.fnmatch_lines(["*--benchmarks: the benchmarks run in one process; drop -n*"])

    # The baseline under a deployment of its own (the guide as written on 6 against the migrated copy on 7): a folder
    # that is not a deployment, or no baseline version, stops the run before any devpi starts.
    refused, _ = run("--benchmarks", "--benchmark-against", "6.20.3", "--benchmark-against-deployment", "no-such-folder")
    assert refused.ret == pytest.ExitCode.USAGE_ERROR
    refused.stderr.fnmatch_lines(["*--benchmark-against-deployment: deployment *no-such-folder: step 'layout'*missing file env.sh*"])
    refused, _ = run("--benchmarks", "--benchmark-against-deployment", "no-such-folder")
    refused.stderr.fnmatch_lines(["*--benchmark-against-deployment: give the baseline's version too (--benchmark-against)*"])
