"""The R3 property test judges deployments: on a copy whose root/local lists only one of the two
bases, it must fail, shrink to a minimal counterexample and name R3.

The child run is the catalogue's (tests/deployment_changes.py, "root/local lacks root/python-local"),
shared with the breakage self-tests of that copy. It runs with the `selftest` hypothesis profile
(10 derandomized examples): the run and its counterexample are the same every time, and shrinking is
not bounded by the number of examples, so the counterexample is as small as under the default profile.
"""

from __future__ import annotations

import re

import pytest
from deployment_changes import BREAKAGES, GREATEST, ONLY_PYPI, child_run_of

pytestmark = pytest.mark.selftest

# hypothesis >= 6.1xx says "Failing test case:", older releases "Falsifying example:"
COUNTEREXAMPLE = re.compile(r"(Falsifying example|Failing test case):")
# The minimal placement: one version, on the intranet only (the explain phase may annotate '0').
MINIMAL = re.compile(r"placed=\[\(\s*'0',(?:\s*#[^\n]*)?\s*'intranet',?\s*\)\]")


@pytest.mark.breaks("R3")
def test_the_property_test_fails_with_a_shrunk_counterexample_when_root_local_lacks_python_local(catalogue_runs):
    breakage = next(b for b in BREAKAGES if b.changes == (ONLY_PYPI,) and GREATEST in b.scenarios)
    result = catalogue_runs.run(**child_run_of(breakage))

    assert result.returncode == 1, f"the property test should fail when root/local has only root/pypi\n{result}"
    assert result.verdicts.get("R3") == "BROKEN", f"R3 should be reported BROKEN\n{result}"
    assert re.search(r"BROKEN\s+R3\b", result.output), f"the summary should name R3\n{result}"
    assert re.search(r"--hypothesis-profile\s+selftest|hypothesis profile 'selftest'", " ".join(result.command) + result.output), (
        f"the child run should use the small 'selftest' profile\n{result}")
    assert COUNTEREXAMPLE.search(result.output), f"hypothesis should print its counterexample\n{result}"
    assert MINIMAL.search(result.output), (
        f"the counterexample should shrink to one version on the intranet (placed=[('0', 'intranet')])\n{result}"
    )
    assert re.search(r"\[R3\] pip through root/local got nothing, but the greatest version .* is 0", result.output), (
        f"the failure should say what pip got and what it should have got\n{result}"
    )
