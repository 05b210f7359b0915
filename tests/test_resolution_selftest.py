"""The R3 property test judges deployments: on a copy whose root/local lists only one of the two
bases, it must fail, shrink to a minimal counterexample and name R3.

A real pytest run of suites/resolution/test_greatest_version.py with `--deployment COPY` and its
own devpi-server (see tests/conftest.py); the default profile is derandomized, so the run and
its counterexample are the same every time.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.selftest

ONE_BASE = ("configure.sh", "bases='root/python-local,root/pypi'", "bases='root/pypi'")
# hypothesis >= 6.1xx says "Failing test case:", older releases "Falsifying example:"
COUNTEREXAMPLE = re.compile(r"(Falsifying example|Failing test case):")
# The minimal placement: one version, on the intranet only (the explain phase may annotate '0').
MINIMAL = re.compile(r"placed=\[\(\s*'0',(?:\s*#[^\n]*)?\s*'intranet',?\s*\)\]")


def test_the_property_test_fails_with_a_shrunk_counterexample_when_root_local_lacks_python_local(broken_copy, run_suite):
    result = run_suite(broken_copy(*ONE_BASE), "suites/resolution/test_greatest_version.py")

    assert result.returncode == 1, f"the property test should fail when root/local has only root/pypi\n{result}"
    assert result.verdicts.get("R3") == "BROKEN", f"R3 should be reported BROKEN\n{result}"
    assert re.search(r"BROKEN\s+R3\b", result.output), f"the summary should name R3\n{result}"
    assert COUNTEREXAMPLE.search(result.output), f"hypothesis should print its counterexample\n{result}"
    assert MINIMAL.search(result.output), (
        f"the counterexample should shrink to one version on the intranet (placed=[('0', 'intranet')])\n{result}"
    )
    assert re.search(r"\[R3\] pip through root/local got nothing, but the greatest version .* is 0", result.output), (
        f"the failure should say what pip got and what it should have got\n{result}"
    )
