"""README's table of folders and promises, and docs/findings.md's list of findings, checked against the code: the
scenarios a child `pytest --collect-only suites` collects, their promise markers, and every finding id known once
the scenario files are collected (FINDINGS and the scenario files' own)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from suite_runs import ROOT

from fixtures.benchmarks import PROMISE_AGAINST_BASELINE


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> dict:
    where = tmp_path_factory.mktemp("collected")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST_")},
           "COLLECTED_PROMISES": str(where / "collected.json")}
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "suites", "-p", "tests.collected_promises",
                           "-p", "no:cacheprovider", "--basetemp", str(where / "basetemp")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads((where / "collected.json").read_text())


def expand(cell: str) -> set[str]:
    """'R3–R6, C4' -> {R3, R4, R5, R6, C4}."""
    ids = set()
    for letter, first, last in re.findall(r"([A-Z])(\d+)(?:[–-][A-Z]?(\d+))?", cell):
        ids.update(f"{letter}{n}" for n in range(int(first), int(last or first) + 1))
    return ids


def test_readmes_folder_table_names_every_folder_with_the_promises_its_scenarios_mark(collected):
    marked: dict[str, set[str]] = {}
    for path, promises in collected["items"]:
        marked.setdefault(path.split("/")[1], set()).update(promises)
    # fixtures/benchmarks.py marks the benchmarks B2 as well when a run compares two versions.
    marked["benchmarks"].add(PROMISE_AGAINST_BASELINE)
    rows = dict(re.findall(r"^\| `suites/([\w-]+)` \| ([^|]*) \|", (ROOT / "README.md").read_text(), re.M))
    listed = {folder: expand(cell) for folder, cell in rows.items()}
    problems = [f"suites/{folder}: README says {sorted(listed.get(folder, []))}, its scenarios mark {sorted(promises)}"
                for folder, promises in sorted(marked.items()) if listed.get(folder) != promises]
    problems += [f"suites/{folder}: in README's table, no scenario there" for folder in sorted(set(listed) - set(marked))]
    assert not problems, "README's table of folders and promises:\n  " + "\n  ".join(problems)


def test_docs_findings_list_has_every_finding_with_its_promise_and_no_other(collected):
    listed = dict(re.findall(r"^\| `([A-Z]\d+-[\w-]+)` \| ([A-Z]\d+) \|", (ROOT / "docs" / "findings.md").read_text(), re.M))
    known = collected["findings"]
    problems = [f"{f}: not listed" for f in sorted(set(known) - set(listed))]
    problems += [f"{f}: listed, but no such finding" for f in sorted(set(listed) - set(known))]
    problems += [f"{f}: listed under {listed[f]}, its promise is {known[f]}" for f in sorted(set(listed) & set(known))
                 if listed[f] != known[f]]
    assert not problems, "docs/findings.md:\n  " + "\n  ".join(problems)
    assert "R3-requires-python-dropped" in known  # a scenario file's own finding counts (suites/reported)
