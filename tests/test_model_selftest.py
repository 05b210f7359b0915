"""The state machine (suites/model) judges deployments: on a copy whose intranet mirror keeps no files
(root/python-local passing them through), it must fail on O1 and shrink to a short sequence a person can
replay: a private release installed once, the intranet taken away.

The child run uses the `selftest` hypothesis profile, for which the machine runs 3 derandomized
sequences of up to 4 steps (suites/model/test_deployment_model.py MACHINE_SELFTEST): the same run every
time, and little left for hypothesis to delete while it shrinks."""

from __future__ import annotations

import re

import pytest
from deployment_changes import PYTHON_LOCAL_KEEPS_NOTHING

pytestmark = pytest.mark.selftest

MODEL = "suites/model/test_deployment_model.py::test_any_sequence_of_events_keeps_the_promises"
COUNTEREXAMPLE = re.compile(r"(Falsifying example|Failing test case):")
STEP = re.compile(r"^E?\s*(?:\w+ = )?state\.(\w+)\(", re.M)
CHECKS = {"devpi_logs_no_traceback", "teardown"}  # invariants and the end, printed between the steps


@pytest.mark.breaks("O1")
def test_the_state_machine_fails_with_a_short_sequence_when_the_intranet_mirror_keeps_nothing(catalogue_runs):
    result = catalogue_runs.run((PYTHON_LOCAL_KEEPS_NOTHING,), (MODEL,), ("O1",))

    assert result.returncode == 1 and result.verdicts.get("O1") == "BROKEN", (
        f"the state machine should break O1 when root/python-local keeps no files\n{result}")
    assert COUNTEREXAMPLE.search(result.output), f"hypothesis should print the failing sequence\n{result}"
    steps = [step for step in STEP.findall(result.output) if step not in CHECKS]
    assert steps and steps[0] == "a_private_release_installed_once", (
        f"the sequence should start with the private release installed once: {steps}\n{result}")
    assert steps[-1] in ("take_the_intranet_away", "restart_the_service", "pip_install_pinned") and len(steps) <= 4, (
        f"the sequence should end where the intranet is gone and pip cannot get the fetched file again, in at most "
        f"4 steps: {steps}\n{result}")
    assert re.search(r"\[O1\] pip could not get \S+==\S+ \(fetched from the intranet before\)", result.output), (
        f"the failure should name O1 and what pip could not get\n{result}")
