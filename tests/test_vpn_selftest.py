"""O6 and O7 judge deployments, not the suite's own guesses: their verdict follows the devpi settings the
deployment gives its service and indexes and the thresholds the user sets, and a devpi that keeps pip
waiting past pip's own timeout is a hard failure, never a finding."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from types import ModuleType

import pytest
from suite_runs import ROOT

from fixtures.catalogue import PUBLIC_PROJECT, PUBLIC_VERSION
from fixtures.clients import Resolution, ResolvedFile
from fixtures.indexes import IndexClone

pytestmark = pytest.mark.selftest

PLIST_ANCHOR = "<string>${DEPLOY_SERVERDIR}</string>\n"
SHA = "0" * 64


@pytest.fixture
def vpn_support(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(ROOT / "suites" / "offline"))  # where the offline suite's helpers live
    return importlib.import_module("vpn_support")


class _PyPI:
    def sha256(self, filename: str) -> str:
        return SHA


def _run(vpn_support: ModuleType, tmp_path: Path, numpy_page_seconds: int, *, stderr: str = ""):  # noqa: ANN202
    """A pip run as measure() records it, with a pip log (pip 26's format) whose numpy page took this long."""
    base = "http://localhost:1/root/t1-local/+simple"
    log = tmp_path / f"pip-{numpy_page_seconds}.log"
    log.write_text(
        f"2026-01-01T10:00:00,000 Fetching project page and analyzing links: {base}/pip/\n"
        f"2026-01-01T10:00:05,000 Could not fetch URL {base}/pip/: localhost didn't respond within 5 seconds - skipping\n"
        f"2026-01-01T10:00:05,000 Fetching project page and analyzing links: {base}/numpy/\n"
        f"2026-01-01T10:00:{5 + numpy_page_seconds:02d},000 Fetched page {base}/numpy/ as text/html\n")
    filename = f"numpy-{PUBLIC_VERSION}-py3-none-any.whl"
    url = f"http://localhost:1/root/t1-pypi/+f/abc/def/{filename}"
    result = Resolution("pip", ["python", "-m", "pip", "download", "--log", str(log), "--", PUBLIC_PROJECT], 0, "",
                        stderr, 5.5 + numpy_page_seconds, [ResolvedFile(PUBLIC_PROJECT, PUBLIC_VERSION, url, SHA, filename)])
    clone = IndexClone(None, "root/t1-local", {"root/python-local": "root/t1-python-local", "root/pypi": "root/t1-pypi"})  # type: ignore[arg-type]
    return vpn_support.PipRun("after the cache expiry", clone, (PUBLIC_PROJECT,), result, 0.4, "")


def test_a_page_slower_than_pips_timeout_is_a_hard_o6_failure(vpn_support, tmp_path):
    """pip's self-check page (given up after 5 s by pip itself) is not held against devpi; a project page
    that took 16 s, or a retry pip had to make, fails O6 with a message that says so."""
    situation = "the intranet accepts connections and never answers"
    vpn_support.assert_public_installed(_run(vpn_support, tmp_path, 10), _PyPI(), situation)  # slow, within pip's timeout

    with pytest.raises(AssertionError, match=r"^\[O6\] .*waiting 16\.0 s for .*/numpy/, beyond pip's default timeout"):
        vpn_support.assert_public_installed(_run(vpn_support, tmp_path, 16), _PyPI(), situation)
    retry = "WARNING: Retrying (Retry(total=4, connect=None, read=None)) after connection broken by 'ReadTimeoutError'"
    with pytest.raises(AssertionError, match=r"pip's default timeout.*\n.*Retrying \(Retry"):
        vpn_support.assert_public_installed(_run(vpn_support, tmp_path, 3, stderr=retry), _PyPI(), situation)


def test_the_o6_verdict_follows_the_services_request_timeout(broken_copy, run_suite):
    """A copy whose plist passes `--request-timeout 1` to devpi-server adds ~1 s per lookup off the VPN
    (ten packages: ~11 s): under a user's threshold of 14 s per run O6 is kept, and the figures name the
    timeout devpi really ran with (read from the plist the way devpi parses it)."""
    copy = broken_copy("service.sh", PLIST_ANCHOR,
                       PLIST_ANCHOR + "        <string>--request-timeout</string>\n        <string>1</string>\n")
    result = run_suite(copy, "suites/offline/test_offline_public_latency.py", "-k", "promptly and hang",
                       "--o6-threshold", "14")

    assert result.returncode == 0 and result.verdicts == {"O6": "kept"}, (
        f"with --request-timeout 1 and a threshold of 14 s, O6 should be kept\n{result}")
    assert "O6 hang (devpi --request-timeout 1 s" in result.output, f"the figures should name the timeout\n{result}"


def test_the_o7_verdict_follows_each_mirrors_cache_expiry(broken_copy, run_suite):
    """A copy whose root/python-local sets mirror_cache_expiry=30: a new private project shows up within
    30 s, under the 60 s threshold (passed), while root/pypi keeps devpi's 1800 s (a finding, xfail with
    the figure and the advice). Both verdicts come from the settings devpi reports for each index."""
    copy = broken_copy("configure.sh", "  volatile=False\n", "  volatile=False \\\n  mirror_cache_expiry=30\n")
    result = run_suite(copy, "suites/offline/test_offline_new_projects.py", "-k", "reads_the_project_list_again",
                       "-v")

    assert result.returncode == 0, f"findings are not failures\n{result}"
    assert re.search(r"reads_the_project_list_again\[intranet\] PASSED", result.output), (
        f"with mirror_cache_expiry=30 on root/python-local, a new private project is no finding\n{result}")
    assert re.search(r"reads_the_project_list_again\[pypi\] XFAIL", result.output), (
        f"root/pypi keeps devpi's 1800 s: a new PyPI project should be reported as a finding\n{result}")
    assert re.search(r"\[O7\] finding: .*pypi upstream .*up to 1800 s", result.output), (
        f"the finding should state the deployment's figure\n{result}")
    assert re.search(r"up to 30 s .*after devpi last read the project list", result.output), (
        f"the figures should state root/python-local's 30 s\n{result}")
    assert result.verdicts == {"O7": "finding"}, f"one finding makes the promise's verdict a finding\n{result}"
