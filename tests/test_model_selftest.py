"""The state machine (suites/model) judges deployments.

- Its random sequences: on a copy whose intranet mirror keeps no files (root/python-local passing them
  through), it must fail on O1 and shrink to a short sequence a person can replay: a private release
  installed once, the intranet taken away. The child run uses the `selftest` hypothesis profile, for which
  the machine runs 3 derandomized sequences of up to 4 steps (suites/model/test_deployment_model.py
  MACHINE_SELFTEST, from its fixed SEED) and no explicit one (`--model-random-only`): the same run every
  time, and little left for hypothesis to delete while it shrinks.
- Its explicit sequences (`--model-sequences 0`: no random one, nothing to shrink, one child run per copy):
  pip.conf turning pre-releases on breaks R3 (pip takes the intranet's 3.0rc1 over 2.0) and C4 (pip and uv
  through root/local at the same moment disagree); a server directory re-created at every start of the
  service breaks O3 (the restart while the intranet is gone loses devpi's stored files); a plist without KeepAlive
  breaks D2 (devpi-server killed while it stores an intranet file does not come back). Each run tells only the
  stories (`--model-story`) that can notice its change: a whole set of stories costs minutes."""

from __future__ import annotations

import re

import pytest
from deployment_changes import NO_KEEPALIVE, PYTHON_LOCAL_KEEPS_NOTHING, SERVERDIR_RECREATED_AT_START, pip_conf_global

pytestmark = pytest.mark.selftest

MODEL = "suites/model/test_deployment_model.py::test_any_sequence_of_events_keeps_the_promises"
COUNTEREXAMPLE = re.compile(r"(Falsifying example|Failing test case):")
STEP = re.compile(r"^E?\s*(?:\w+ = )?state\.(\w+)\(", re.M)
CHECKS = {"devpi_logs_no_traceback", "teardown"}  # invariants and the end, printed between the steps
EXPLICIT_ONLY = ("--model-sequences", "0")
PRE_RELEASES_ON = pip_conf_global("pre = true")


@pytest.mark.breaks("O1")
def test_the_state_machine_fails_with_a_short_sequence_when_the_intranet_mirror_keeps_nothing(catalogue_runs):
    result = catalogue_runs.run((PYTHON_LOCAL_KEEPS_NOTHING,), (MODEL,), ("O1",), args=("--model-random-only",))

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


def explicit_run(catalogue_runs, change: tuple[str, str, str], promise: str, stories: tuple[str, ...]):  # noqa: ANN001, ANN201
    """The machine's explicit sequences `stories` alone on the broken copy: it must fail with `promise` BROKEN, from
    an explicit sequence (printed as its steps), and no random sequence must have run (nothing shrunk)."""
    __tracebackhide__ = True
    told = [arg for story in stories for arg in ("--model-story", story)]
    result = catalogue_runs.run((change,), (MODEL,), (), args=(*EXPLICIT_ONLY, *told))
    assert result.returncode == 1 and result.verdicts.get(promise) == "BROKEN", (
        f"the state machine's explicit sequences should break {promise}\n{result}")
    assert not COUNTEREXAMPLE.search(result.output), f"no random sequence should have run, nor shrunk\n{result}"
    return result


@pytest.mark.breaks("R3")
@pytest.mark.breaks("C4")
def test_the_explicit_sequences_break_r3_and_c4_when_pip_conf_turns_pre_releases_on(catalogue_runs):
    """One run for both (one test: under xdist two tests could ask for it from two workers): every explicit
    sequence runs even after one failed."""
    result = explicit_run(catalogue_runs, PRE_RELEASES_ON, "R3",
                          ("releases_on_both_upstreams", "uv_beside_pip_before_and_after_a_yank"))

    assert any(re.search(r"pip through root/local got \['3\.0rc1'\]; the greatest version under pip's default rule is 2\.0",
                         message) for message in result.failure_messages("R3")), (
        f"R3 should fail where pip takes the intranet's 3.0rc1 over 2.0\n{result}")
    assert "explicit sequence releases_on_both_upstreams" in result.output, f"the failing sequence should be named\n{result}"
    assert result.verdicts.get("C4") == "BROKEN" and any(
        re.search(r"at the same moment pip got \['1\.2b1'\] and uv got \['1\.1'\]", message)
        for message in result.failure_messages("C4")), (
        f"C4 should fail where pip and uv through root/local disagree at one moment\n{result}")
    assert "explicit sequence uv_beside_pip_before_and_after_a_yank" in result.output, (
        f"the failing sequence should be named\n{result}")
    assert result.broken() == {"R3", "C4"}, f"only the promises the failures name should be BROKEN\n{result}"


@pytest.mark.breaks("O3")
def test_the_explicit_sequences_break_o3_when_the_server_directory_is_re_created_at_every_start(catalogue_runs):
    result = explicit_run(catalogue_runs, SERVERDIR_RECREATED_AT_START, "O3", ("the_intranet_refuses_then_a_restart",))

    assert any(re.search(r"files devpi had stored are gone after a restart", message)
               for message in result.failure_messages("O3")), f"O3 should fail on what the restart lost\n{result}"
    assert "explicit sequence the_intranet_refuses_then_a_restart" in result.output, (
        f"the failing sequence should be named\n{result}")
    assert result.broken() == {"O3"}, f"only the promise the failure names should be BROKEN\n{result}"


@pytest.mark.breaks("D2")
def test_the_explicit_sequences_break_d2_when_the_plist_has_no_keepalive(catalogue_runs):
    """The kill is the strain story's last step: nothing after it needs the service."""
    result = explicit_run(catalogue_runs, NO_KEEPALIVE, "D2", ("the_server_directory_under_strain",))

    assert any(re.search(r"devpi-server killed while it stores an intranet file: the service did not come back under "
                         r"launchd's KeepAlive", message) for message in result.failure_messages("D2")), (
        f"D2 should fail on the service not coming back after the kill\n{result}")
    assert "explicit sequence the_server_directory_under_strain" in result.output, f"the failing sequence should be named\n{result}"
    assert result.broken() == {"D2"}, f"only the promise the failure names should be BROKEN\n{result}"
