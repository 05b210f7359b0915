"""The suite judges deployments: run it on deliberately broken copies and check that it fails
on the promise that broke, and only there. Each run is a real pytest run of suites/ with
`--deployment COPY`, with its own devpi-server."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.selftest


BREAKAGES = {
    # name: (script, text in the bundled script, its broken replacement, promises that must break, that must hold)
    "python-local missing from bases": (
        "configure.sh", "bases='root/python-local,root/pypi'", "bases='root/pypi'", {"R2", "O1"}, {"R1"}),
    "pypi missing from bases": (
        "configure.sh", "bases='root/python-local,root/pypi'", "bases='root/python-local'", {"R1"}, {"R2", "O1"}),
    "python-local does not cache": (
        "configure.sh", "  volatile=False\n", "  volatile=False \\\n  mirror_use_external_urls=True\n", {"O1"}, {"R1", "R2"}),
    "pip.conf points at root/pypi": (
        "client-config.sh", "index-url = http://localhost:${DEPLOY_PORT}/root/local/+simple/",
        "index-url = http://localhost:${DEPLOY_PORT}/root/pypi/+simple/", {"R2", "O1"}, {"R1"}),
}


@pytest.mark.parametrize("breakage", BREAKAGES, ids=list(BREAKAGES))
def test_the_suite_fails_on_the_promise_that_broke(breakage, broken_copy, run_suite):
    script, old, new, broken, kept = BREAKAGES[breakage]
    result = run_suite(broken_copy(script, old, new), "suites/smoke")

    assert result.returncode == 1, f"the suite should fail on a deployment where {breakage}\n{result}"
    for promise in broken:
        assert result.verdicts.get(promise) == "BROKEN", f"{promise} should be reported BROKEN when {breakage}\n{result}"
        assert re.search(rf"BROKEN\s+{promise}\b", result.output), f"the summary should name {promise}\n{result}"
    for promise in kept:
        assert result.verdicts.get(promise) == "kept", f"{promise} does not depend on what broke ({breakage})\n{result}"
    # What a person on call gets with each failure: the promise, what pip said, the page devpi
    # served, devpi's log and the upstreams' requests.
    for section in ("- promise ", "- pip runs -", "- simple page http://localhost:", "- devpi-server log (this test) -",
                    "- fake PyPI requests -", "- fake Artifactory requests -"):
        assert section in result.output, f"a failure report lacks its {section.strip('- ')!r} section\n{result}"


def test_a_missing_file_is_one_clear_error_naming_file_and_step(broken_copy, run_suite):
    copy = broken_copy("service.sh", "#!", "#!")
    (copy / "service.sh").unlink()
    result = run_suite(copy, "suites/smoke")

    assert result.returncode == 4, f"a usage error (exit 4) was expected\n{result}"
    assert "service.sh" in result.output and "'service'" in result.output, result
    assert "Traceback" not in result.output, f"the error should not be a traceback\n{result}"


def test_a_failing_step_names_its_script_and_shows_its_output(broken_copy, run_suite):
    copy = broken_copy("configure.sh", "devpi login --password", "devpi login --pasword")
    result = run_suite(copy, "suites/smoke")

    assert result.returncode == 1, result
    assert "step 'configure'" in result.output and "configure.sh exited with status" in result.output, result
    assert "--pasword" in result.output or "unrecognized arguments" in result.output, f"the step's own output should be shown\n{result}"
    assert set(result.verdicts.values()) == {"BROKEN"}, result


def test_a_service_that_does_not_start_is_reported_with_its_log(broken_copy, run_suite):
    copy = broken_copy("service.sh", "<string>--port</string>", "<string>--no-such-option</string>")
    result = run_suite(copy, "suites/smoke", "-x")

    assert result.returncode == 1, result
    assert "did not start" in result.output and "no-such-option" in result.output, result
