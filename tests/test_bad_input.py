"""Bad input gets a clear answer: one named error or failure, never a traceback from the harness,
and nothing left running (run_suite checks that after every child run)."""

from __future__ import annotations

import pytest

from fixtures.deployment import BUNDLED, Deployment

pytestmark = pytest.mark.selftest

BAD = {
    # name: (change, what the run must say)
    "a script with a syntax error": (("init.sh", "mkdir -p --", "if then mkdir -p --"), "step 'init'"),
    "a plist that does not parse": (("service.sh", "<dict>\n    <key>Disabled</key>", "<dict>\n    <key>Disabled"),
                                    "does not parse as a plist"),
    "a malformed line in pip.conf": (("client-config.sh", "[global]\n", "[global]\nthis is not an option\n"),
                                     "pip.conf"),
}


@pytest.mark.parametrize("bad", BAD)
def test_bad_deployment_input_is_one_clear_error(bad, tmp_path, run_suite):
    change, said = BAD[bad]
    copy = Deployment(BUNDLED).copy_with(tmp_path / "deployment", change)
    result = run_suite(copy.source, "suites/smoke", "--promise", "R1")

    assert result.returncode == 1, result
    assert said in result.output, f"the run should say {said!r} for {bad}\n{result}"
    harness = [line for line in result.output.splitlines() if line.startswith(("fixtures/", "suites/")) and ".py:" in line
               and "AssertionError" not in line]
    assert "Traceback (most recent call last)" not in result.output and not harness, (
        f"{bad}: the harness itself raised instead of naming the problem\n{result}")


def test_an_unknown_devpi_server_version_is_one_clear_error(tmp_path, run_suite):
    result = run_suite(BUNDLED, "suites/smoke", "--devpi-server-version", "0.0.0.dev999")

    assert result.returncode == 1 and set(result.verdicts.values()) == {"not set up"}, result
    assert "step 'install'" in result.output and "0.0.0.dev999" in result.output, result
    assert result.output.count("exited with status") == 1, f"the install error should be shown once\n{result}"


# An upstream answering every project page with something no index would serve (tests/misbehaving_upstreams.py).
BAD_UPSTREAMS = {"a malformed simple page": "malformed-project-pages", "an HTML error page with status 200": "error-page-200"}


@pytest.mark.parametrize("bad", BAD_UPSTREAMS)
def test_an_upstream_serving_nonsense_is_one_named_failure(bad, run_suite):
    result = run_suite(BUNDLED, "suites/smoke", "--promise", "R2", misbehave=BAD_UPSTREAMS[bad])

    assert result.returncode == 1 and result.verdicts.get("R2") == "BROKEN", f"{bad}: R2 should be BROKEN\n{result}"
    assert "[R2] pip could not download private-package through root/local" in result.output, result
    assert "simple page" in result.output and "fake Artifactory" in result.output, (
        f"{bad}: the report should show devpi's page and the intranet's request log\n{result}")
    harness = [line for line in result.output.splitlines() if line.startswith(("fixtures/", "suites/")) and ".py:" in line
               and "AssertionError" not in line]
    assert not harness, f"{bad}: the harness itself raised instead of naming the problem\n{result}"


def test_an_unknown_devpi_server_version_for_the_migrated_copy_is_one_clear_error(tmp_path, run_suite):
    """deployment-devpi7's install step asks for a 7.x that the registry does not have: the step and the cause,
    once (no 7.x is installed)."""
    result = run_suite(BUNDLED.parent / "deployment-devpi7", "suites/smoke", "--promise", "R1",
                       "--devpi-server-version", "7.0.0b99")

    assert result.returncode == 1 and set(result.verdicts.values()) == {"not set up"}, result
    assert "step 'install'" in result.output, result
    assert result.output.count("cause: devpi-server 7.0.0b99 does not exist on the package registry") == 1, result


def test_a_migrated_copy_missing_a_file_is_one_clear_error(tmp_path, run_suite):
    copy = Deployment(BUNDLED.parent / "deployment-devpi7").copy_with(tmp_path / "deployment-devpi7")
    (copy.source / "configure.sh").unlink()
    result = run_suite(copy.source, "suites/smoke", "--promise", "R1")

    assert result.returncode == 4, f"a usage error (exit 4) was expected\n{result}"
    assert "step 'configure'" in result.output and "missing file configure.sh" in result.output, result
    assert result.output.count("missing file configure.sh") == 1 and "Traceback" not in result.output, result
