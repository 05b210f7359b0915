"""The reported matrix's cells: with --run-affected a gated scenario runs on the versions its gate leaves out,
and a failure there reads "fails as reported" (a failed precondition does not); a finding and a gate read
as such. From a real child run's JUnit XML, as `python -m fixtures.matrix --reported` reads it."""

from __future__ import annotations

import pytest
from suite_runs import ROOT

from fixtures.matrix import reported_markdown, scenario_outcomes

pytestmark = pytest.mark.selftest

SCENARIOS = '''
import pytest

LEFT_OUT = "<1"  # every installed devpi-server is outside it: the version the report says is affected


@pytest.mark.devpi_versions(LEFT_OUT)
def test_reproduces():
    assert False, "[R2] pip did not get the file (#1)"


@pytest.mark.devpi_versions(LEFT_OUT)
def test_precondition_fails():
    assert False, "[R2] precondition: the upstream was never asked"


@pytest.mark.devpi_versions(LEFT_OUT)
def test_passes_anyway():
    pass


@pytest.mark.devpi_versions(">=1")
def test_fixed():
    pass


@pytest.mark.finding("R3-reasonless-yank")
def test_finding(finding):
    finding("R3-reasonless-yank", "still there")
'''


@pytest.mark.parametrize("affected", [True, False])
def test_each_scenario_reads_as_what_happened_on_the_version(pytester, monkeypatch, devpi_prefix, devpi_server_version,
                                                             affected):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makepyfile(test_gated=SCENARIOS)
    junit = pytester.path / "junit.xml"
    pytester.runpytest_subprocess("-p", "fixtures.report", "-p", "fixtures.plugin", "-p", "no:cacheprovider",
                                  "--devpi-prefixes", str(devpi_prefix.parent), "--devpi-server-version",
                                  str(devpi_server_version), "--junitxml", str(junit),
                                  *(["--run-affected"] if affected else []))

    got = {test.split("::")[-1]: outcome for test, outcome in scenario_outcomes(junit).items()}
    if affected:
        assert got["test_reproduces"] == "fails as reported", got
        assert got["test_precondition_fails"].startswith("FAILED (failure, gate says affected): [R2] precondition"), got
        assert got["test_passes_anyway"] == "passes (gate says affected)", got
    else:
        for name in ("test_reproduces", "test_precondition_fails", "test_passes_anyway"):
            assert got[name] == "gated out (<1)", got
    assert got["test_fixed"] == "passed", got
    assert got["test_finding"] == "finding `R3-reasonless-yank`", got
    page = reported_markdown({"9.9": scenario_outcomes(junit)}, {}, "9.9")
    assert "| `test_gated::test_fixed` | passed |" in page, page
    quiet = page.split("Reproduced on none of these versions", 1)[-1]
    assert "test_fixed" in quiet and "test_finding" not in quiet and ("test_reproduces" in quiet) != affected, page


def test_a_version_the_deployment_cannot_set_up_names_its_step_and_error():
    problem = "init.sh exited with status 1\n--- its output (tail) ---\nTraceback ...\nModuleNotFoundError: No module named 'ruamel'\n"
    runs = {"5.5.1": {p: {"verdict": "not set up", "not_set_up": [{"step": "init", "problem": problem}]} for p in ("R2", "R3")},
            "6.20.3": {"R3": {"verdict": "kept"}}}
    outcomes = {"5.5.1": {"test_a::test_b": "not set up"}, "6.20.3": {"test_a::test_b": "passed"}}
    page = reported_markdown(outcomes, runs, "5.5.1 6.20.3")
    assert "| `test_a::test_b` | not set up | passed |" in page, page
    assert page.count("- **5.5.1**, step `init`: `ModuleNotFoundError: No module named 'ruamel'`") == 1, page
    assert "6.20.3**, step" not in page, page
