"""Every sound change passes README's whole first command, not only the scenarios its catalogue entry selects
(tests/test_sound_changes.py, the cheap check CI runs): `pytest suites -n 2` on a copy with the change, under
hypothesis's default profile as README runs it. Asked for with --whole-sound-changes (or the nightly profile):
each run costs several minutes. The runs go one at a time (a lock shared by xdist's workers), and each one's
result replaces that change's row of docs/sound-change-runs.md, the record of what last ran."""

from __future__ import annotations

import datetime
import fcntl
import re
from pathlib import Path

import pytest
from deployment_changes import LEFT_OUT_HERE, SOUND_CHANGES, KnownSuiteDefect
from suite_runs import ROOT, child_run, installed_version

from fixtures.deployment import BUNDLED, Deployment

pytestmark = pytest.mark.selftest

RECORD = ROOT / "docs" / "sound-change-runs.md"
WHOLE_RUN_TIMEOUT = 3 * 3600  # s: a whole run takes 6-20 min, far longer on a machine others load too
HEADER = ("| sound change | result | minutes | when (UTC) | devpi-server | what failed |\n"
          "|---|---|---|---|---|---|\n")


def whole_runs_asked(config: pytest.Config) -> bool:
    return bool(config.getoption("whole_sound_changes")) or config.getoption("hypothesis_profile", None) == "nightly"


def record(name: str, row: str, path: Path = RECORD) -> None:
    """Replace `name`'s row of the record's table (or add it); the table is the record's last part."""
    text = path.read_text() if path.exists() else "# Sound changes on the whole first command\n"
    head, _, table = text.partition(HEADER)
    rows = [line for line in table.splitlines(keepends=True) if line.startswith("| ") and not line.startswith(f"| {name} |")]
    path.write_text(head.rstrip("\n") + "\n\n" + HEADER + "".join(sorted([*rows, row + "\n"])))


@pytest.mark.parametrize("change", [pytest.param(c, id=c.name) for c in SOUND_CHANGES])
def test_a_sound_change_passes_the_whole_first_command(change, request, tmp_path_factory, devpi_prefix):
    if not whole_runs_asked(request.config):
        pytest.skip("a whole run of the suite per sound change: with --whole-sound-changes or --hypothesis-profile nightly")
    where = tmp_path_factory.mktemp("whole-run")
    deployment = Deployment(BUNDLED).copy_with(where / "deployment", *change.changes).source
    lock = tmp_path_factory.getbasetemp().parent / "whole-sound-change-runs.lock"
    with lock.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # one whole run at a time, whatever xdist's workers hold
        started = datetime.datetime.now(datetime.UTC)
        result = child_run(where, devpi_prefix, deployment, ["suites", "-n", "2"], profile="", timeout=WHOLE_RUN_TIMEOUT)
        moot = set(change.not_applicable)
        # Gone where the advice applies: in the scenarios the change's entry names (its catalogue run's).
        kept_gone = [f for f in change.gone if not result.finding_gone(f, moot | LEFT_OUT_HERE, among=change.scenarios)]
        failed = sorted(set(re.findall(r"^(?:FAILED|ERROR) (\S+)", result.output, re.M)))
        bad = {p: v for p, v in result.verdicts.items() if v in ("BROKEN", "not set up")}
        passed = result.returncode == 0 and not bad and not kept_gone
        what = "; ".join([*(f"{p} {v}" for p, v in sorted(bad.items())), *failed,
                          *(f"finding {f} {result.finding_status(f)}" for f in kept_gone)])
        record(change.name, f"| {change.name} | {'pass' if passed else 'FAIL'} | {result.seconds / 60:.0f} | "
                            f"{started:%Y-%m-%d %H:%M} | {installed_version(devpi_prefix)} | {what or '-'} |")
    if change.known_broken and {p for p, v in bad.items() if v == "BROKEN"} == change.known_broken:
        raise KnownSuiteDefect(change.defect)
    assert passed, (f"README's first command fails on a deployment with the sound change {change.name}: "
                    f"{what or f'exit status {result.returncode}'}\n{result}")


def test_the_record_keeps_one_row_per_change_and_its_text(tmp_path):
    path = tmp_path / "record.md"
    path.write_text("# Runs\n\nWhat ran, honestly.\n")
    record("b", "| b | FAIL | 9 | x | 6 | O1 BROKEN |", path)
    record("a", "| a | pass | 7 | x | 6 | - |", path)
    record("b", "| b | pass | 8 | y | 6 | - |", path)
    assert path.read_text() == ("# Runs\n\nWhat ran, honestly.\n\n" + HEADER + "| a | pass | 7 | x | 6 | - |\n"
                                "| b | pass | 8 | y | 6 | - |\n")
