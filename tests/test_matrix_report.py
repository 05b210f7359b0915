"""The upgrade report's columns, differences and recipe, from small hand-made cells (no devpi, no pytest run):
a version under two deployments is two columns, a finding under a condition is said beside the verdict, what
differs between the release users run and the migrated 7 is listed promise by promise with both sides'
figures, and the recipe is the migrated copy's upgrade.sh as the checkout holds it."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from packaging.version import Version

from fixtures import matrix
from fixtures.matrix import Target

ROOT = Path(__file__).resolve().parent.parent


def entry(verdict: str, figures: tuple[str, ...] = (), findings: dict[str, str] | None = None,
          under: dict[str, str] | None = None) -> dict:
    """One promise of a --conformance-report, as fixtures/report.py writes it (the keys the matrix reads)."""
    return {"verdict": verdict, "figures": list(figures), "not_set_up": [], "broken_by_step": [],
            "tests": {"passed": [f"suites/x.py::test_{verdict}"]} if verdict in ("kept", "finding") else {},
            "findings": {f: {"status": status, "tests": {}} for f, status in (findings or {}).items()},
            "under_conditions": [{"finding": f, "condition": text} for f, text in (under or {}).items()]}


def suites_cell(target: str, report: dict) -> dict:
    t = Target.parse(target)
    return {"kind": "suites", "mode": "upgrade", "version": str(t.version), "deployment": t.deployment or None,
            "report": report, "made": {"date": "2026-12-06", "machine": "Linux, Python 3.11.7, 2 cores"}}


NOT_SET_UP = {"verdict": "not set up", "figures": [], "findings": {}, "under_conditions": [], "broken_by_step": [],
              "not_set_up": [{"step": "init", "problem": "fatal: The backend 'sqlite' can't be found\n"
                                                         "the one-line fix is `--storage sqlite` -> `--storage sqla_lite`"}]}
SIX = {
    "R2": entry("kept", under={"R2-intranet-without-project-list": "an intranet without a project list"},
                findings={"R2-intranet-without-project-list": "reproduced"}),
    "R5": entry("kept", ("R5: the intranet's copy of same-1.0.tar.gz served (sha256 ab12cd34ef56)",),
                findings={"R5-devpi7-last-base-wins": "not reproduced"}),
    "O1": entry("finding", ("O1 refused: pip got the cached private-1 in 0.6 s",
                            "O7 pypi, refresh: POST on root/pypi's refresh answered 200"),
                findings={"O1-devpi7-cached-file-500": "not reproduced"}),
    "X1": entry("kept", ("X1 anonymous: devpi refused create an index with 403",)),
}
SEVEN = {
    "R2": entry("kept", under={"R2-intranet-without-project-list": "an intranet without a project list"},
                findings={"R2-intranet-without-project-list": "reproduced"}),
    "R5": entry("finding", ("R5: PyPI's copy of same-1.0.tar.gz served (sha256 98fe76dc54ba)",),
                findings={"R5-devpi7-last-base-wins": "reproduced"}),
    "O1": entry("finding", ("O1 refused: pip got the cached private-1 in 1.9 s",
                            "O7 pypi, refresh: POST on root/pypi's refresh answered 500"),
                findings={"O1-devpi7-cached-file-500": "reproduced"}),
    "X1": entry("kept", ("X1 anonymous: devpi refused create an index with 403",)),
}
CELLS = [suites_cell("7.0.0b4:deployment-devpi7", SEVEN), suites_cell("6.20.3", SIX),
         suites_cell("7.0.0b4", {p: NOT_SET_UP for p in SIX})]


def section(text: str, title: str) -> str:
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end > 0 else None]


def test_a_version_under_two_deployments_is_two_columns_named_for_the_user():
    text = matrix.report_of(CELLS)
    assert text.startswith("# devpi-server 6.20.3, 7.0.0b4, guide as written, 7.0.0b4, migrated compared\n"), text
    assert "with the bundled deployment, `deployment-devpi7/` for 7.0.0b4, migrated." in text, text
    every = section(text, "Every promise")
    assert "| promise | 6.20.3 | 7.0.0b4, guide as written | 7.0.0b4, migrated |" in every, every
    assert "| R5 | kept | not set up | finding |" in every, every
    assert "| 6.20.3 | 3 | 1 | 0 | 0 | 0 | 2 |" in section(text, "Verdicts in short"), text
    assert "| 7.0.0b4, guide as written | 0 | 0 | 0 | 4 | 0 | 0 |" in text, text
    assert "- **7.0.0b4, guide as written**, step `init` (blocks O1, R2, R5, X1):" in text, text
    assert "the one-line fix is `--storage sqlite` -> `--storage sqla_lite`" in text, text


def test_a_finding_under_a_condition_is_said_beside_the_verdict_and_its_condition_once():
    text = matrix.report_of(CELLS)
    assert ("| R2 | kept; finding under `R2-intranet-without-project-list` | not set up | "
            "kept; finding under `R2-intranet-without-project-list` |") in text, text
    assert text.count("- `R2-intranet-without-project-list`: an intranet without a project list") == 1, text


def test_every_behaviour_that_differs_between_the_release_and_the_migrated_7_with_both_sides():
    text = section(matrix.report_of(CELLS), "6.20.3 -> 7.0.0b4, migrated: every behaviour that differs")
    assert "### R5:" in text and "- verdict: 6.20.3: kept; 7.0.0b4, migrated: finding" in text, text
    assert "- finding `R5-devpi7-last-base-wins` (devpi-server 7 lists" in text, text
    assert ": 6.20.3: not reproduced; 7.0.0b4, migrated: reproduced" in text, text
    assert "- 6.20.3 only: R5: the intranet's copy of same-1.0.tar.gz served (sha256 ab12cd34ef56)" in text, text
    assert "- 7.0.0b4, migrated only: R5: PyPI's copy of same-1.0.tar.gz served (sha256 98fe76dc54ba)" in text, text
    assert "- 6.20.3 only: O7 pypi, refresh: POST on root/pypi's refresh answered 200" in text, text
    assert "- 7.0.0b4, migrated only: O7 pypi, refresh: POST on root/pypi's refresh answered 500" in text, text
    assert "pip got the cached private-1" not in text, "a timing alone is no difference in behaviour"
    assert "### X1" not in text and "### R2" not in text, "the same on both: not listed"
    assert "guide as written" not in text, "the guide as written on 7 is not what users upgrade to"


def test_a_figure_of_a_test_of_several_promises_differs_once_at_its_first_promise():
    machine = "tracebacks devpi logged that a finding already reports (O1-devpi7-cached-file-500: 24)"
    six = {p: entry("kept") for p in ("C4", "D1", "R3")}
    seven = {p: entry("kept", (machine,)) for p in ("C4", "D1", "R3")}
    cells = [suites_cell("6.20.3", six), suites_cell("7.0.0b4:deployment-devpi7", seven)]
    text = section(matrix.report_of(cells), "6.20.3 -> 7.0.0b4, migrated: every behaviour that differs")
    assert text.count(machine) == 1, text
    assert "### C4:" in text and f"{machine} (a figure of D1, R3 too)" in text, text
    assert "### D1" not in text and "### R3" not in text, text


def test_a_figure_in_devpi_7s_words_is_the_same_behaviour():
    six = "O4: with mirror_cache_expiry=2 set by the test, type=mirror, --mirror-cache-expiry 1800 (+0.4 s, port 38665)"
    seven = "O4: with remote_refresh_delay=2 set by the test, type=remote, --remote-refresh-delay 1800 (-1.2 s, port 41234)"
    assert matrix.figure_shape(six) == matrix.figure_shape(seven)
    assert matrix.figure_shape("served 200") != matrix.figure_shape("served 500 ")


def test_the_recipe_is_the_migrated_copys_upgrade_script_as_the_checkout_holds_it(tmp_path):
    text = section(matrix.report_of(CELLS), "6.20.3 -> 7.0.0b4, migrated: the upgrade, as commands")
    script = (ROOT / "deployment-devpi7" / "upgrade.sh").read_text().splitlines()
    commands = [line for line in script if line.strip() and not line.startswith(("#", "set -")) and "env.sh" not in line]
    assert commands and all(line in text.splitlines() for line in commands), text
    assert "#!/usr/bin/env bash" not in text and "set -euo" not in text, text

    (tmp_path / "upgrade.sh").write_text("#!/usr/bin/env bash\nset -euo pipefail\n. \"$(dirname -- \"$0\")/env.sh\"\n\n"
                                         "# why\ndevpi-export --include-mirrored-files \"${DEPLOY_SERVERDIR}\" x\n")
    lines = matrix.recipe(tmp_path)
    assert lines[1:] == ["", "```sh", "# why", "devpi-export --include-mirrored-files \"${DEPLOY_SERVERDIR}\" x", "```", ""]
    assert matrix.recipe(tmp_path / "missing")[0] == "No `missing/upgrade.sh` in this checkout."


def test_plain_versions_make_the_report_they_made():
    text = matrix.report_of([suites_cell("6.20.3", SIX), suites_cell("6.19.3", SIX)])
    assert "| promise | 6.19.3 | 6.20.3 |" in text and ", with the bundled deployment.\n" in text, text
    assert "Verdicts in short" not in text and "every behaviour that differs" not in text, text


def test_a_cell_names_a_version_and_a_deployment():
    assert Target.parse("7.0.0b4:deployment-devpi7/") == Target(Version("7.0.0b4"), "deployment-devpi7")
    assert str(Target.parse("7.0.0b4:deployment-devpi7")) == "7.0.0b4:deployment-devpi7"
    assert Target.parse("6.20.3").pytest_args() == ["--devpi-server-version", "6.20.3"]
    assert Target.parse("7.0.0b4:d7").pytest_args() == ["--devpi-server-version", "7.0.0b4", "--deployment", "d7"]
    with pytest.raises(argparse.ArgumentTypeError, match="VERSION or VERSION:DEPLOYMENT"):
        Target.parse("deployment-devpi7")
    args = matrix.parser().parse_args(["--cells", "6.20.3", "7.0.0b4:deployment-devpi7"])
    assert args.versions == [Target(Version("6.20.3")), Target(Version("7.0.0b4"), "deployment-devpi7")]


def test_the_pairs_users_face_are_rehearsed_and_the_migrated_one_benchmarked():
    targets = [Target.parse(t) for t in ("6.19.3", "6.20.3", "7.0.0b4", "7.0.0b4:deployment-devpi7")]
    pairs = matrix.pairs_to_rehearse(targets)
    assert [(str(a), str(b)) for a, b in pairs] == [("6.19.3", "6.20.3"), ("6.20.3", "7.0.0b4"),
                                                    ("6.20.3", "7.0.0b4:deployment-devpi7")]
    assert [(str(a), str(b)) for a, b in matrix.pairs_to_benchmark(pairs)] == [
        ("6.19.3", "6.20.3"), ("6.20.3", "7.0.0b4:deployment-devpi7")]
