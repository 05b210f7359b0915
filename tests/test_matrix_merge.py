"""The matrix split over CI jobs: one cell per version or upgrade pair (`--json-out`), merged (`--merge`) into the
report one machine's run writes, byte for byte. No devpi here: every pytest run the matrix starts answers with
what a real run wrote (tests/matrix_runs/: `suites/smoke` and X2's root password per version, `suites/upgrade`
per pair, docs/benchmark-report.md for 6.20.3 against 6.19.3). Cells that do not belong in one report stop the merge with one message naming the files."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from suite_runs import ROOT

from fixtures import matrix

RECORDED = Path(__file__).parent / "matrix_runs"
VERSIONS = ["6.19.3", "6.20.3", "7.0.0b4", "7.0.0b4:deployment-devpi7"]  # the last: a cell under a deployment of its own
# What one machine rehearses for VERSIONS, and whether it benchmarks the pair too (the migrated 7, not the guide on it).
PAIRS = [("6.19.3", "6.20.3", True), ("6.20.3", "7.0.0b4", False), ("6.20.3", "7.0.0b4:deployment-devpi7", True)]


@pytest.fixture
def ran(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[tuple[str, ...]]:
    """fixtures.matrix's pytest runs answered from the recordings; the commands it ran."""
    commands: list[tuple[str, ...]] = []

    def recorded_run(args: list[str], report: Path, log: Path) -> dict:
        option = dict(zip(args, args[1:], strict=False))
        version = option["--devpi-server-version"]
        if "--deployment" in option:
            version += f"-{option['--deployment']}"
        if "--benchmark-markdown" in option:
            out = Path(option["--benchmark-markdown"])
            commands.append(tuple(out.name if a == str(out) else a for a in args))
            recording = RECORDED / f"benchmarks-{option['--benchmark-against']}-{version}.md"
            if recording.exists():  # else the report says so, as when a benchmark run crashes
                out.write_text(recording.read_text())
            return {}
        commands.append(tuple(args))
        name = f"upgrade-{option['--upgrade-from']}-{version}" if "--upgrade-from" in option else version
        if (RECORDED / f"{name}.xml").exists():
            report.with_suffix(".xml").write_text((RECORDED / f"{name}.xml").read_text())
        # A pair not recorded answers as a run that wrote no report (the rehearsal then "did not run").
        return json.loads((RECORDED / f"{name}.json").read_text()) if (RECORDED / f"{name}.json").exists() else {}

    monkeypatch.setattr(matrix, "pytest_run", recorded_run)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # each run's folder of logs
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")  # where a job would write a Markdown report without --out
    return commands


def merge(cells: list[Path], out: Path) -> subprocess.CompletedProcess:
    """The merge as the CI's last job runs it (it needs no devpi, so no recording)."""
    return subprocess.run([sys.executable, "-m", "fixtures.matrix", "--merge", *map(str, cells), "--markdown", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)


def test_one_cell_per_job_merged_is_the_report_of_one_machine(ran, tmp_path):
    one_machine = tmp_path / "one-machine.md"
    assert matrix.main(["--versions", *VERSIONS, "--benchmarks", "--out", str(one_machine)]) == 0
    commands_of_one_machine = sorted(ran)
    ran.clear()

    jobs = [["--versions", v] for v in VERSIONS] + [["--upgrade-from", a, "--versions", b, *(["--benchmarks"] if bench else [])]
                                                    for a, b, bench in PAIRS]
    cells = []
    for number, job in enumerate(jobs):
        cells.append(tmp_path / "cells" / f"cell-{number}.json")
        assert matrix.main([*job, "--json-out", str(cells[-1])]) == 0
    assert sorted(ran) == commands_of_one_machine, "the jobs together run what one machine runs, each once"
    assert not list((tmp_path / "cwd").iterdir()), "a cell job writes its cell, no report"

    merged = tmp_path / "merged.md"
    done = merge(cells[::-1], merged)  # in any order, as an artifact download lists them
    assert done.returncode == 0, done.stderr
    assert merged.read_bytes() == one_machine.read_bytes()

    # The same report, and one with something in it: every version, both rehearsals, the failed step, benchmarks.
    text = merged.read_text()
    assert text.startswith("# devpi-server 6.19.3, 6.20.3, 7.0.0b4, guide as written, 7.0.0b4, migrated compared\n"), text
    assert "- **6.19.3 -> 6.20.3**: kept" in text and "- **6.20.3 -> 7.0.0b4, guide as written**: finding" in text, text
    assert "- **7.0.0b4, guide as written**, step `init`" in text, text
    assert "| R1 | kept | kept | not set up | - |" in text, "the migrated 7's recording holds O1 alone (a partial run)"
    assert ("- finding `X2-guide-root-password`: 6.19.3: reproduced, 6.20.3: reproduced, 7.0.0b4, guide as written: "
            "not judged, 7.0.0b4, migrated: -") in text, text
    assert "- finding `O1-devpi7-cached-file-500` (devpi-server 7 answers 500" in text, text
    assert "\n## 6.20.3 -> 7.0.0b4, migrated: every behaviour that differs\n" in text, text
    assert "\n## 6.20.3 -> 7.0.0b4, migrated: the upgrade, as commands\n" in text, text
    assert "\n## devpi-server 6.20.3 against 6.19.3: benchmarks\n" in text, text
    assert "\n## devpi-server 7.0.0b4 (deployment-devpi7) against 6.20.3 (deployment): benchmarks\n" in text, text
    assert "benchmarks-6.20.3-7.0.0b4.log" not in text, "the guide as written on 7 is not benchmarked beside its migration"


def test_the_reported_matrix_merges_too(ran, tmp_path):
    versions = VERSIONS[:3]  # the reported scenarios concern devpi versions, under the guide as written
    one_machine = tmp_path / "one-machine.md"
    assert matrix.main(["--reported", "--versions", *versions, "--out", str(one_machine)]) == 0
    cells = [tmp_path / f"{v}.json" for v in versions]
    for version, cell in zip(versions, cells, strict=True):
        assert matrix.main(["--reported", "--versions", version, "--json-out", str(cell)]) == 0
    merged = tmp_path / "merged.md"
    assert matrix.main(["--merge", *map(str, cells[::-1]), "--markdown", str(merged)]) == 0
    assert merged.read_bytes() == one_machine.read_bytes()
    text = merged.read_text()
    assert "| `test_validation::test_numpy_comes_from_pypi_through_root_local` | passed | passed | not set up |" in text, text
    assert "- **7.0.0b4**, step `init`:" in text, text
    assert ("| `test_weak_points::test_root_does_not_keep_the_guides_password` | finding `X2-guide-root-password` | "
            "finding `X2-guide-root-password` | not set up |") in text, text


def cell_file(path: Path, **change: object) -> Path:
    held = json.loads(path.read_text())
    held.update(change)
    changed = path.with_name(f"changed-{path.name}")
    changed.write_text(json.dumps(held))
    return changed


BAD = {
    "the same version twice": (lambda c: [c["6.20.3"], c["6.19.3"], c["6.20.3 again"]],
                               "two cells for the suites on devpi-server 6.20.3: {6.20.3} and {6.20.3 again}"),
    "the same pair twice": (lambda c: [c["6.19.3"], c["6.19.3 -> 6.20.3"], c["6.19.3 -> 6.20.3"]],
                            "two cells for the upgrade rehearsal 6.19.3 -> 6.20.3: {6.19.3 -> 6.20.3} and {6.19.3 -> 6.20.3}"),
    "another format": (lambda c: [c["6.19.3"], cell_file(c["6.20.3"], format=1)],
                       "{changed 6.20.3}: cells of format 1, written by another version of fixtures.matrix (this one "
                       "reads format 2): make the cells and the merge with the same checkout"),
    "another checkout": (lambda c: [c["6.19.3"], cell_file(c["6.20.3"], checkout="0" * 40)],
                         "{6.19.3} was made by the suite at commit {commit}, {changed 6.20.3} at " + "0" * 40),
    "a conformance report": (lambda c: [c["6.19.3"], RECORDED / "6.20.3.json"],
                             "{recorded 6.20.3}: not a cell file of fixtures.matrix (it is a --conformance-report): a cell "
                             "file is what `python -m fixtures.matrix --json-out` writes"),
    "a reported cell": (lambda c: [c["6.19.3"], c["reported 6.20.3"]],
                        "{reported 6.20.3} holds cells of a --reported run, {6.19.3} of a run without it"),
}


@pytest.mark.parametrize("bad", list(BAD))
def test_cells_that_do_not_make_one_report_stop_the_merge_with_one_message(ran, tmp_path, bad):
    jobs = {"6.19.3": ["--versions", "6.19.3"], "6.20.3": ["--versions", "6.20.3"],
            "6.20.3 again": ["--versions", "6.20.3"], "6.19.3 -> 6.20.3": ["--upgrade-from", "6.19.3", "--versions", "6.20.3"],
            "reported 6.20.3": ["--reported", "--versions", "6.20.3"]}
    cells = {}
    for number, (name, job) in enumerate(jobs.items()):
        cells[name] = tmp_path / f"cell-{number}.json"
        matrix.main([*job, "--json-out", str(cells[name])])
    files, expected = BAD[bad]
    paths = files(cells)
    named = {**cells, "recorded 6.20.3": RECORDED / "6.20.3.json", "commit": matrix.checkout(),
             **{f"changed {name}": path.with_name(f"changed-{path.name}") for name, path in cells.items()}}
    expected = re.sub(r"\{([^}]+)\}", lambda m: str(named[m[1]]), expected)
    out = tmp_path / "report.md"

    with pytest.raises(SystemExit) as stopped:
        matrix.main(["--merge", *map(str, paths), "--markdown", str(out)])
    assert str(stopped.value.code).startswith(f"fixtures.matrix --merge: {expected}"), stopped.value.code
    assert not out.exists()


def test_the_merge_says_it_in_one_line_and_fails(ran, tmp_path):
    cell = tmp_path / "cell.json"
    matrix.main(["--versions", "6.20.3", "--json-out", str(cell)])
    done = merge([cell, cell], tmp_path / "report.md")
    assert done.returncode == 1 and done.stdout == "", done
    assert done.stderr == f"fixtures.matrix --merge: two cells for the suites on devpi-server 6.20.3: {cell} and {cell}\n", done


def test_the_ci_job_in_docs_runs_one_cell_per_job_and_merges_them():
    """docs/matrix.md's workflow, parsed as fixtures.matrix parses it: each job of the matrix is one version or one pair."""
    page = (ROOT / "docs" / "matrix.md").read_text()
    jobs = re.findall(r"^\s+- \"(--[^\"]+)\"$", page, re.MULTILINE)
    assert len(jobs) >= 2, page
    for job in jobs:
        args = matrix.parser().parse_args([*shlex.split(job), "--json-out", "cell.json"])
        assert len(args.versions) == 1 and not args.merge, job
    assert re.search(r"fixtures\.matrix \$\{\{ matrix\.cell \}\} --json-out cells/", page), page
    merge_line = re.search(r"python -m fixtures\.matrix (--merge .*)$", page, re.MULTILINE)
    assert merge_line and matrix.parser().parse_args(shlex.split(merge_line[1])).merge, page
