"""A scenario whose checks depend on what the run gets to (the state machine) says which of its promises it
reached (the `reached` fixture): a pass keeps only those, and the others are "not reached", not "kept"."""

from __future__ import annotations

import json

import pytest
from suite_runs import ROOT

pytestmark = pytest.mark.selftest

SCENARIOS = '''
import pytest

@pytest.mark.promise("O1", "O3")
def test_reaches_one(reached):
    reached("O1")

@pytest.mark.promise("R3")
def test_reaches_none(reached):
    pass

@pytest.mark.promise("R3", "C4")
def test_without_the_fixture():
    pass

@pytest.mark.promise("O4")
def test_undeclared(reached):
    reached("O1")

@pytest.mark.promise("O5", "O6", "O7")
def test_fails_on_one(reached):
    reached("O5")
    assert False, "[O6] lost"

@pytest.mark.promise("R1", "R2", "R6")
def test_fails_on_two(reached):
    raise ExceptionGroup("two", [AssertionError("[R1] a"), AssertionError("[R2] b")])

@pytest.mark.promise("R4", "R5")
def test_harness_error(reached):
    reached("R4")
    raise RuntimeError("no promise named")
'''


@pytest.fixture
def verdicts(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> tuple[pytest.RunResult, dict]:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makepyfile(test_scenarios=SCENARIOS)
    report = pytester.path / "verdicts.json"
    result = pytester.runpytest_subprocess("-p", "fixtures.report", "-p", "fixtures.plugin", "-p", "no:cacheprovider",
                                           "--conformance-report", str(report))
    return result, json.loads(report.read_text())


def test_a_pass_keeps_only_the_promises_it_reached(verdicts):
    result, report = verdicts

    assert report["O1"]["verdict"] == "kept", report
    assert report["O3"]["verdict"] == "not reached", report
    assert [t.split("::")[-1] for t in report["O3"]["tests"]["not reached"]] == ["test_reaches_one"], report
    result.stdout.fnmatch_lines(["*not reached  O3 *", "*O3 not reached: *test_reaches_one did not get to check it*"])


def test_a_scenario_without_the_fixture_keeps_all_its_promises(verdicts):
    _, report = verdicts

    assert report["C4"]["verdict"] == "kept", report
    # R3: kept by the scenario without the fixture, not reached by the other one.
    assert report["R3"]["verdict"] == "kept" and len(report["R3"]["tests"]["not reached"]) == 1, report


def test_reaching_an_undeclared_promise_is_an_error(verdicts):
    result, report = verdicts

    assert report["O4"]["verdict"] == "BROKEN", report
    result.stdout.fnmatch_lines(["*promise 'O1' is not declared by @pytest.mark.promise*"])


def test_a_failure_breaks_only_the_promises_its_messages_name(verdicts):
    _, report = verdicts

    assert {p: report[p]["verdict"] for p in ("O5", "O6", "O7")} == {"O5": "kept", "O6": "BROKEN", "O7": "not reached"}, report
    assert {p: report[p]["verdict"] for p in ("R1", "R2", "R6")} == {"R1": "BROKEN", "R2": "BROKEN", "R6": "not reached"}, report


def test_a_failure_that_names_no_promise_breaks_them_all(verdicts):
    _, report = verdicts

    assert report["R4"]["verdict"] == report["R5"]["verdict"] == "BROKEN", report
