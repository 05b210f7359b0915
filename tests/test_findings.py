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


# A reported case reproducing devpi#931 (a condition) beside a scenario under the deployment's own upstreams.
CONDITIONAL = '''
import pytest

@pytest.mark.promise("R2")
def test_own_upstreams():
    pass

@pytest.mark.promise("R2")
@pytest.mark.finding("R2-intranet-without-project-list")
def test_intranet_without_project_list(finding):
    finding("R2-intranet-without-project-list", "devpi asked for /simple/ and gave up")

@pytest.mark.promise("X2")
@pytest.mark.finding("X2-guide-root-password")
def test_root_password(finding):
    finding("X2-guide-root-password", "root/root still logs in")
'''


def test_a_finding_under_a_condition_leaves_the_promise_kept_and_says_the_condition(run, pytester):
    summary = pytester.path / "summary.md"
    result, verdicts = run(CONDITIONAL, "--conformance-markdown", str(summary))

    # The CI gate: a run with only findings, conditional or not, exits 0.
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    assert verdicts["R2"]["verdict"] == "kept", verdicts
    assert verdicts["R2"]["said"] == ("R2 kept; finding under: an intranet without a project list (/simple/ answers 404) "
                                      "(R2-intranet-without-project-list)"), verdicts
    assert verdicts["R2"]["under_conditions"] == [{"finding": "R2-intranet-without-project-list",
                                                   "condition": "an intranet without a project list (/simple/ answers 404)"}]
    assert verdicts["R2"]["findings"]["R2-intranet-without-project-list"]["status"] == "reproduced", verdicts
    # A finding under the deployment's own upstreams still makes its promise read "finding".
    assert verdicts["X2"]["verdict"] == "finding" and verdicts["X2"]["under_conditions"] == [], verdicts
    assert verdicts["X2"]["findings"]["X2-guide-root-password"]["condition"] == "", verdicts
    result.stdout.fnmatch_lines(["*promises*", "*kept  R2  A package found only on the intranet*",
                                 "*R2  finding under: an intranet without a project list * (R2-intranet-without-project-list)",
                                 "*finding  X2  *"])
    row = next(line for line in summary.read_text().splitlines() if line.startswith("| R2 "))
    assert "**kept**<br>finding under: an intranet without a project list" in row, summary.read_text()


def test_a_condition_alone_says_nothing_of_the_own_upstreams(run):
    _, verdicts = run(CONDITIONAL, "-k", "project_list")

    assert verdicts["R2"]["verdict"] == "finding", verdicts
    assert verdicts["R2"]["said"].startswith("R2 finding; finding under: an intranet without"), verdicts


def test_every_condition_names_a_known_finding():
    from fixtures.promises import CONDITIONS, FINDINGS, STEP_PROMISES, PROMISES
    from fixtures.deployment import STEPS

    assert set(CONDITIONS) <= set(FINDINGS), sorted(set(CONDITIONS) - set(FINDINGS))
    assert set(STEP_PROMISES) <= set(STEPS), sorted(set(STEP_PROMISES) - set(STEPS))
    assert {p for owners in STEP_PROMISES.values() for p in owners} <= set(PROMISES)


# A deployment step that fails in a test of another promise (what StepFailed does in DevpiFactory.server).
STEP_FAILS = '''
import pytest
from fixtures.steps import StepFailed

@pytest.mark.promise("R1", "S3")
def test_needs_the_service():
    raise StepFailed("service", "the plist's --serverdir names a directory devpi-init never made")

@pytest.mark.promise("R2")
def test_also_needs_it():
    raise StepFailed("service", "the plist's --serverdir names a directory devpi-init never made")

@pytest.mark.promise("O1")
def test_port_taken():
    raise StepFailed("service", "every port tried was taken", blames_step=False)
'''


def test_a_failing_step_breaks_the_promise_that_owns_it_even_with_x(run):
    result, verdicts = run(STEP_FAILS.replace('"R1", "S3"', '"R1"'), "-x")

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert {p: v["verdict"] for p, v in verdicts.items()} == {"R1": "not set up", "S3": "BROKEN"}, verdicts
    assert verdicts["S3"]["broken_by_step"][0]["step"] == "service" and verdicts["R1"]["not_set_up"], verdicts
    result.stdout.fnmatch_lines(["step 'service' breaks S3 (reported BROKEN*); blocks R1 (reported 'not set up'):",
                                 "*BROKEN  S3 *"])


def test_a_step_that_failed_through_the_host_breaks_nothing(run):
    _, verdicts = run(STEP_FAILS)

    assert {p: v["verdict"] for p, v in verdicts.items()} == {
        "R1": "not set up", "S3": "BROKEN", "R2": "not set up", "O1": "not set up"}, verdicts
    assert len(verdicts["S3"]["tests"]["step failed"]) == 2, verdicts


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
