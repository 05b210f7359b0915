"""Lint the suite with the same rules everywhere, tests included: an unlinted test folder ships
assertions without `assert` (pytest-httpserver's C5 in the style notes)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing():
    # The venv's own ruff only: a ruff elsewhere on PATH may be another version with other rules.
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent))
    assert ruff, "ruff (pinned) comes with the project's dev extra: pip install '.[dev]'"
    done = subprocess.run([ruff, "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_test_module_has_a_name_of_its_own():
    # pytest imports test modules by basename (rootdir mode, no packages): a second suites/*/test_crowd.py
    # makes collecting both folders in one run fail with "import file mismatch".
    names: dict[str, list[str]] = {}
    for path in sorted([*ROOT.glob("suites/**/test_*.py"), *ROOT.glob("tests/test_*.py")]):
        names.setdefault(path.name, []).append(str(path.relative_to(ROOT)))
    twice = {name: paths for name, paths in names.items() if len(paths) > 1}
    assert not twice, f"test modules sharing a name: {twice}"
