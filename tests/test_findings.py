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


OWN_FINDING = '''
import pytest
from fixtures.promises import Finding, precondition, register_finding

FINDING = Finding("R2-own-finding", promise="R2", text="a finding declared in its scenario's file", advice="do the thing")
register_finding("O1-registered", "O1", "a finding registered by a call")

@pytest.mark.promise("R2")
@pytest.mark.finding("R2-own-finding", "O1-registered")
def test_two_findings(finding):
    finding.add("R2-own-finding", "met the first")
    finding.add("O1-registered", "met the second")

@pytest.mark.promise("R2")
def test_plain_assert():
    assert 1 == 2, "pip got nothing"

@pytest.mark.promise("R2")
def test_precondition():
    precondition(False, "the intranet was never asked")

@pytest.mark.promise("R2", "O1")
def test_two_promises():
    precondition(False, "the intranet was never asked", promise="O1")
'''


@pytest.mark.parametrize("xdist", [(), ("-n", "2")], ids=["one process", "xdist"])
def test_a_scenario_files_own_findings_and_several_findings_in_one_test(run, xdist):
    result, verdicts = run(OWN_FINDING, *xdist)

    result.assert_outcomes(failed=3, xfailed=1)
    result.stdout.fnmatch_lines(["*[[]R2[]] finding R2-own-finding: met the first", "advice: do the thing",
                                 "[[]O1[]] finding O1-registered: met the second*"])
    assert verdicts["R2"]["findings"]["R2-own-finding"]["status"] == "reproduced", verdicts
    assert verdicts["O1"]["findings"]["O1-registered"]["status"] == "reproduced", verdicts
    result.stdout.fnmatch_lines(["*findings*", "*reproduced  O1-registered  a finding registered by a call",
                                 "*reproduced  R2-own-finding  a finding declared in its scenario's file"])


def test_an_assertion_of_a_one_promise_scenario_names_its_promise(run):
    result, verdicts = run(OWN_FINDING, "-k", "not two_findings")

    # What the self-tests read (tests/suite_runs.py SuiteRun.failure_messages).
    result.stdout.fnmatch_lines(["*AssertionError: [[]R2[]] pip got nothing*",
                                 "*AssertionError: [[]R2[]] precondition: the intranet was never asked*",
                                 "*AssertionError: [[]O1[]] precondition: the intranet was never asked*"])
    assert verdicts["R2"]["verdict"] == "BROKEN", verdicts


def test_a_finding_declared_twice_differently_is_an_error(run):
    twice = OWN_FINDING.replace('register_finding("O1-registered", "O1"', 'register_finding("R2-own-finding", "R2"')
    result, _ = run(twice)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*test_scenarios.py: finding 'R2-own-finding' is declared twice, differently*"])
