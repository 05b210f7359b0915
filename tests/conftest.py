"""Self-tests run the suite itself in a child pytest; these fixtures do that and check it left nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from suite_runs import ROOT, SuiteRun, suite_command, wait_for_no_processes_mentioning

from fixtures.deployment import BUNDLED


@pytest.fixture
def broken_copy(tmp_path: Path):  # noqa: ANN201
    """A copy of the bundled deployment with `old` replaced by `new` in one script."""

    def make(script: str, old: str, new: str) -> Path:
        copy = tmp_path / "deployment"
        shutil.copytree(BUNDLED, copy)
        path = copy / script
        text = path.read_text()
        assert old in text, f"the bundled {script} no longer contains {old!r}: update this self-test"
        path.write_text(text.replace(old, new))
        return copy

    return make


@pytest.fixture
def run_suite(tmp_path: Path, devpi_prefix: Path):  # noqa: ANN201
    """Run the suite in a child pytest, sharing this run's installed deployment; it must leave no process."""

    def run(deployment: Path, *args: str, home: Path | None = None) -> SuiteRun:
        report = tmp_path / "verdicts.json"
        env = {**os.environ, "HOME": str(home or tmp_path / "home")}
        done = subprocess.run(suite_command(tmp_path, devpi_prefix, deployment, *args),
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
        verdicts = {p: v["verdict"] for p, v in json.loads(report.read_text()).items()} if report.exists() else {}
        result = SuiteRun(done.returncode, done.stdout + done.stderr, verdicts)
        left = wait_for_no_processes_mentioning(str(tmp_path / "basetemp"))
        assert not left, "the suite left processes behind:\n" + "\n".join(left) + f"\n{result}"
        return result

    return run


