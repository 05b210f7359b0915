"""The caching suite tells pass-through from caching: run suites/caching on copies of the
deployment whose indexes cache the other way round, and check it fails on that promise only."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.selftest

PYPI_LINE = "devpi index pypi mirror_use_external_urls=True"

BREAKAGES = {
    # name: (script, bundled text, its replacement, extra pytest args, promises that must break, that must hold)
    "root/pypi caches PyPI files": (
        "configure.sh", PYPI_LINE, PYPI_LINE.replace("=True", "=False"), (), {"P1"}, {"P2", "P3", "P4"}),
    "root/python-local does not cache": (
        "configure.sh", "  volatile=False\n", "  volatile=False \\\n  mirror_use_external_urls=True\n", (),
        {"P2"}, {"P1", "P3", "P4"}),
    # Only P3 runs on this copy: the note's own step is what changed.
    "the guide's note leaves PyPI pass-through": (
        "cache-pypi.sh", "mirror_use_external_urls=False", "mirror_use_external_urls=True", ("-k", "guides_note"),
        {"P3"}, set()),
}


@pytest.mark.parametrize("breakage", BREAKAGES, ids=list(BREAKAGES))
def test_the_caching_suite_fails_on_the_promise_that_broke(breakage, broken_copy, run_suite):
    script, old, new, args, broken, kept = BREAKAGES[breakage]
    result = run_suite(broken_copy(script, old, new), "suites/caching", *args)

    assert result.returncode == 1, f"suites/caching should fail on a deployment where {breakage}\n{result}"
    for promise in broken:
        assert result.verdicts.get(promise) == "BROKEN", f"{promise} should be reported BROKEN when {breakage}\n{result}"
        assert re.search(rf"BROKEN\s+{promise}\b", result.output), f"the summary should name {promise}\n{result}"
        assert f"AssertionError: [{promise}]" in result.output, f"the failure message should start with [{promise}]\n{result}"
    for promise in kept:
        assert result.verdicts.get(promise) == "kept", f"{promise} does not depend on what broke ({breakage})\n{result}"
