"""Findings have stable ids and a verdict per run: a scenario that declares a finding reports it
"reproduced" when it meets it and "not reproduced" when it does not, so a devpi version that
changes a known behaviour shows up as a change in the report, not as nothing."""

from __future__ import annotations

import json

import pytest
from suite_runs import ROOT

pytestmark = pytest.mark.selftest

SCENARIOS = '''
import pytest

@pytest.mark.promise("R3")
@pytest.mark.finding("R3-reasonless-yank")
@pytest.mark.parametrize("meets", [True, False])
def test_scenario(meets, finding, figure):
    figure("R3_seconds", 1.5, "R3: a figure read from the configuration", source="configured")
    if meets:
        finding("R3-reasonless-yank", "devpi did the known thing")
'''


@pytest.fixture
def run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the suite's own fixtures/, from outside the checkout

    def go(source: str, *args: str) -> tuple[pytest.RunResult, dict]:
        pytester.makepyfile(test_scenarios=source)
        report = pytester.path / "verdicts.json"
        result = pytester.runpytest_subprocess("-p", "fixtures.report", "-p", "fixtures.plugin", "-p", "no:cacheprovider", "-rx",
                                               "--conformance-report", str(report), *args)
        return result, json.loads(report.read_text()) if report.exists() else {}

    return go


def test_a_met_finding_is_an_xfail_named_by_its_id_and_a_missed_one_is_not_reproduced(run):
    result, verdicts = run(SCENARIOS)

    result.assert_outcomes(passed=1, xfailed=1)
    result.stdout.fnmatch_lines(["*[[]R3[]] finding R3-reasonless-yank: devpi did the known thing*"])
    tests = verdicts["R3"]["findings"]["R3-reasonless-yank"]["tests"]
    assert [t.split("[")[-1] for t in tests["reproduced"]] == ["True]"], verdicts
    assert [t.split("[")[-1] for t in tests["not reproduced"]] == ["False]"], verdicts
    assert verdicts["R3"]["findings"]["R3-reasonless-yank"]["status"] == "reproduced"
    assert any("[read from the configuration, not measured]" in f for f in verdicts["R3"]["figures"]), verdicts


def test_a_finding_no_scenario_meets_is_reported_not_reproduced(run):
    result, verdicts = run(SCENARIOS, "-k", "False")

    assert verdicts["R3"]["findings"]["R3-reasonless-yank"]["status"] == "not reproduced", verdicts
    result.stdout.fnmatch_lines(["*findings*", "*not reproduced  R3-reasonless-yank*"])


def test_an_undeclared_or_unknown_finding_is_an_error(run):
    undeclared = SCENARIOS.replace('@pytest.mark.finding("R3-reasonless-yank")\n', "")
    result, _ = run(undeclared, "-k", "True")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*finding 'R3-reasonless-yank' is not declared by @pytest.mark.finding*"])

    unknown = SCENARIOS.replace('@pytest.mark.finding("R3-reasonless-yank")', '@pytest.mark.finding("R3-no-such")')
    result, _ = run(unknown)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown finding id 'R3-no-such'*"])


def test_the_markdown_summary_puts_what_broke_first_with_figures_and_findings(run, pytester):
    broken = SCENARIOS + '''

@pytest.mark.promise("R1")
def test_broken():
    assert False, "[R1] pip got nothing"
'''
    summary = pytester.path / "summary.md"
    run(broken, "--conformance-markdown", str(summary))

    text = summary.read_text()
    rows = [line for line in text.splitlines() if line.startswith("| R")]
    assert rows[0].startswith("| R1 ") and "**BROKEN**" in rows[0], text
    assert rows[1].startswith("| R3 ") and "**finding**" in rows[1] and "read from the configuration" in rows[1], text
    assert "| `R3-reasonless-yank`" in text and "| reproduced |" in text, text


def test_the_run_ends_with_its_wall_time_split_by_phase(run):
    result, _ = run(SCENARIOS)

    result.stdout.fnmatch_lines(["*time by phase*", "wall time * s; seconds spent, summed over all workers:",
                                 "*scenarios (test bodies)*"])
