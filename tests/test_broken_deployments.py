"""The suite judges deployments: run it on deliberately broken copies (tests/deployment_changes.py
BREAKAGES) and check that it fails on the promise that broke, for the reason it broke, and only there.
Each run is a real pytest run of suites/ with `--deployment COPY` and its own devpi-server."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from deployment_changes import BREAKAGES, SMOKE_R2, SOUND_CHANGES, ONLY_PYPI, Breakage, breakages_of_copy, child_run_of
from suite_runs import ROOT

from fixtures.promises import PROMISES

pytestmark = [pytest.mark.selftest, pytest.mark.usefixtures("prefetch_catalogue_runs")]

SUITES = ROOT / "suites"
# Promises no deployment change can break, each with why; everything else needs a breakage.
NO_BREAKAGE = {
    # fixtures/benchmarks.py gives B2 to the benchmarks only with --benchmark-against: a slower devpi-server is
    # its finding (B2-slower-than-baseline), a figure and never a failure, by design (docs/benchmarks.md).
    "B2": "a comparison of two devpi-servers' speed reports a finding, never BROKEN",
}
# A standalone self-test proves a promise broken with this marker (tests/conftest.py registers it). Collected,
# not scanned: parametrized self-tests mark each case, and a module's pytestmark counts as well.
LIST_BREAKS = """
import sys, pytest
class Breaks:
    def pytest_collection_finish(self, session):
        for item in session.items:
            for mark in item.iter_markers("breaks"):
                print("BREAKS", *mark.args, "::", item.nodeid)
sys.exit(pytest.main(["-p", "no:cacheprovider", "--collect-only", "-q", "tests"], plugins=[Breaks()]))
"""


def promises_with_scenarios() -> set[str]:
    """Every promise a scenario under suites/ names, in any folder: @pytest.mark.promise and the marks of
    pytest.param alike. (Each scenario's promise is checked against fixtures/promises.py by the plugin.)"""
    found: set[str] = set()
    for path in SUITES.rglob("*.py"):
        for args in re.findall(r"\bmark\.promise\(([^)]*)\)", path.read_text()):
            found.update(re.findall(r"[\"']([A-Z]\d+)[\"']", args))
    return found


def promises_broken_by_self_tests() -> dict[str, list[str]]:
    """promise -> the self-tests marked @pytest.mark.breaks(promise), as pytest collects tests/."""
    done = subprocess.run([sys.executable, "-c", LIST_BREAKS], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, f"collecting tests/ failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
    found: dict[str, list[str]] = {}
    for line in done.stdout.splitlines():
        if line.startswith("BREAKS "):
            promises, _, node = line.removeprefix("BREAKS ").partition(" :: ")
            for promise in promises.split():
                found.setdefault(promise, []).append(node)
    return found


def test_every_promise_with_scenarios_has_a_breakage():
    named = promises_with_scenarios()
    assert {"R1", "O1", "C3", "S5", "X2", "B1"} <= named, (
        f"the scan of suites/ for @pytest.mark.promise found only {sorted(named)}: has the marker changed?")
    marked = promises_broken_by_self_tests()
    unknown = sorted(set(marked) - set(PROMISES))
    assert not unknown, "self-tests marked breaks() with promises fixtures/promises.py does not know: " + str(
        {p: marked[p] for p in unknown})
    covered = {b.breaks for b in BREAKAGES} | set(marked)
    missing = sorted((named | set(PROMISES)) - covered - set(NO_BREAKAGE))
    assert not missing, (f"promises {missing} have scenarios but no breakage: no entry in tests/deployment_changes.py "
                         "BREAKAGES and no self-test marked @pytest.mark.breaks(PROMISE): nothing proves the suite would "
                         "notice if they broke")
    pointless = sorted(p for p in NO_BREAKAGE if p in covered)
    assert not pointless, f"NO_BREAKAGE lists {pointless}, which a breakage now covers: drop them from the exceptions"


def test_every_scenario_the_catalogue_names_exists():
    named = sorted({s for entry in [*BREAKAGES, *SOUND_CHANGES] for s in entry.scenarios})
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q", *named],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    collected = set(done.stdout.splitlines())
    # A parametrized scenario named without its ids is all of them, as pytest itself takes it.
    gone = [s for s in named if s not in collected and not any(c.startswith(s + "[") for c in collected)]
    assert done.returncode == 0 and not gone, (
        f"tests/deployment_changes.py names scenarios that no longer exist (renamed?): {gone}\n{done.stdout[-3000:]}{done.stderr[-3000:]}")


def judge(breakage: Breakage, catalogue_runs) -> None:  # noqa: ANN001
    __tracebackhide__ = True
    result = catalogue_runs.run(**child_run_of(breakage))
    what = f"a deployment where {breakage.name}"
    assert result.returncode == 1, f"the suite should fail on {what}\n{result}"
    assert result.verdicts.get(breakage.breaks) == "BROKEN", (
        f"{breakage.breaks} should be reported BROKEN on {what}: the suite cannot tell that it broke\n{result}")
    assert re.search(rf"BROKEN\s+{breakage.breaks}\b", result.output), f"the summary should name {breakage.breaks}\n{result}"
    messages = result.failure_messages(breakage.breaks)
    assert any(re.search(breakage.because, message) for message in messages), (
        f"{breakage.breaks} broke on {what}, but not for that reason: no failure message matches {breakage.because!r}; "
        f"the messages were:\n" + "\n".join(messages or ["(none starting with [" + breakage.breaks + "])"]) + f"\n{result}")
    for promise in breakage.holds:
        assert result.verdicts.get(promise) in ("kept", "finding"), (
            f"{promise} does not depend on what broke ({breakage.name}) and should hold\n{result}")
    expected = {other.breaks for other in breakages_of_copy(breakage)}
    assert result.broken() <= expected, (
        f"on {what} only {sorted(expected)} should break, also broken: {sorted(result.broken() - expected)}\n{result}")


@pytest.mark.parametrize("breakage", [pytest.param(b, id=f"{b.breaks}: {b.name}") for b in BREAKAGES])
def test_the_suite_fails_on_the_promise_that_broke(breakage, catalogue_runs):
    judge(breakage, catalogue_runs)


def test_a_failure_report_shows_what_a_person_on_call_needs(catalogue_runs):
    """The promise, what pip said, the page devpi served, devpi's log and the upstreams' requests."""
    breakage = next(b for b in BREAKAGES if b.changes == (ONLY_PYPI,) and b.breaks == "R2")
    assert SMOKE_R2 in breakage.scenarios
    result = catalogue_runs.run(**child_run_of(breakage))
    assert result.verdicts.get("R2") == "BROKEN", f"R2 should be BROKEN when {breakage.name}\n{result}"
    for section in ("- promise R2 -", "- pip runs -", "- simple page http://localhost:", "- devpi-server log (this test) -",
                    "- fake PyPI requests -", "- fake Artifactory requests -"):
        assert section in result.output, f"the failure report lacks its {section.strip('- ')!r} section\n{result}"


def test_a_missing_file_is_one_clear_error_naming_file_and_step(broken_copy, run_suite):
    copy = broken_copy("service.sh", "#!", "#!")
    (copy / "service.sh").unlink()
    result = run_suite(copy, "suites/smoke")

    assert result.returncode == 4, f"a usage error (exit 4) was expected\n{result}"
    assert "service.sh" in result.output and "'service'" in result.output, result
    assert "Traceback" not in result.output, f"the error should not be a traceback\n{result}"


@pytest.mark.breaks("P1", "P2")
def test_a_failing_step_names_its_script_and_shows_its_output(broken_copy, run_suite):
    copy = broken_copy("configure.sh", "devpi login --password", "devpi login --pasword")
    result = run_suite(copy, "suites/smoke")

    assert result.returncode == 1, result
    assert "step 'configure'" in result.output and "configure.sh exited with status" in result.output, result
    assert "--pasword" in result.output or "unrecognized arguments" in result.output, f"the step's own output should be shown\n{result}"
    # configure.sh writes the index settings P1 and P2 state: its failure breaks them though no P scenario ran.
    assert result.verdicts == {"R1": "not set up", "R2": "not set up", "O1": "not set up", "P1": "BROKEN", "P2": "BROKEN"}, (
        f"every smoke promise needs the step and is 'not set up'; the promises it sets up are BROKEN\n{result}")
    assert re.search(r"step 'configure' breaks P1, P2 \(reported BROKEN.*\); blocks O1, R1, R2 \(reported 'not set up'\)",
                     result.output), result


@pytest.mark.breaks("S3")
def test_a_service_that_does_not_start_breaks_s3_and_leaves_the_rest_not_set_up_with_devpis_own_reason(broken_copy, run_suite):
    """The plist passes devpi-server an option it does not know: no scenario can run, S3 (the plist) is
    BROKEN, every promise of the run is 'not set up' by the service step, and the report says the service
    did not start and quotes devpi-server's own complaint from its log (not only the plist's command line,
    which names the option whatever happened)."""
    copy = broken_copy("service.sh", "<string>--port</string>", "<string>--no-such-option</string>")
    result = run_suite(copy, "suites/smoke")

    assert result.returncode == 1, result
    assert result.verdicts == {"R1": "not set up", "R2": "not set up", "O1": "not set up", "S3": "BROKEN"}, (
        f"a service that does not start breaks S3 and leaves every promise of the run not set up\n{result}")
    assert re.search(r"step 'service' breaks S3 \(reported BROKEN.*\); blocks O1, R1, R2 \(reported 'not set up'\)",
                     result.output), result
    assert re.search(r"the service from com\.manselmi\.devpi\.server\.plist did not start", result.output), result
    assert re.search(r"devpi-server: error: unrecognized arguments: --no-such-option", result.output), (
        f"the report should quote devpi-server's own error from its log\n{result}")


@pytest.mark.breaks("S3")
def test_a_plist_with_a_wrong_server_directory_is_s3_broken_at_the_first_failure(broken_copy, run_suite):
    """A user stopping at the first failure (`-x`) on a plist that runs devpi-server on a directory devpi-init
    never made: the first scenario, of another promise, is 'not set up', and S3 is named BROKEN although
    suites/service never ran."""
    copy = broken_copy("service.sh", "<string>${DEPLOY_SERVERDIR}</string>", "<string>${DEPLOY_SERVERDIR}-elsewhere</string>")
    result = run_suite(copy, "suites/smoke", "-x")

    assert result.returncode == 1, result
    assert result.verdicts.get("S3") == "BROKEN", f"S3 should be BROKEN by its own step\n{result}"
    assert set(result.verdicts.values()) == {"BROKEN", "not set up"} and result.broken() == {"S3"}, result
    assert re.search(r"BROKEN\s+S3\b", result.output), f"the promises section should name S3\n{result}"
    assert "-elsewhere" in result.output, f"the step's error should show the plist's server directory\n{result}"
