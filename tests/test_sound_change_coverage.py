"""A sound change is run on every scenario that reads a setting it changes (tests/deployment_changes.py's
docstring): scenarios declare what they read with @pytest.mark.reads_setting, found here by a scan of
suites/ (no child run, no devpi). And every finding's advice is applied by a sound change that selects the
scenarios declaring it and requires it gone, or is exempt with the reason it is no change of the deployment."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

from deployment_changes import ADVICE_EXEMPT, LEFT_OUT_HERE, SOUND_CHANGES, SoundChange
from suite_runs import ROOT, SuiteRun

from fixtures.promises import FINDINGS

SUITES = ROOT / "suites"


def _mark_args(decorator: ast.expr, mark: str) -> list[str] | None:
    """The string arguments of a `@pytest.mark.<mark>("a", ...)` decorator, else None."""
    if isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute) and decorator.func.attr == mark:
        return [arg.value for arg in decorator.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
    return None


def _reads_setting(decorator: ast.expr) -> list[str] | None:
    """The setting names of a `@pytest.mark.reads_setting("a", ...)` decorator, else None."""
    return _mark_args(decorator, "reads_setting")


def scenarios_reading(root: Path = SUITES, mark: str = "reads_setting") -> dict[str, set[str]]:
    """Each scenario (path::function, or path::Class::function) under `root` -> the settings it declares (or the
    arguments of another `mark`)."""
    found: dict[str, set[str]] = {}
    for path in sorted(root.rglob("test_*.py")):
        tree = ast.parse(path.read_text(), str(path))
        prefix = path.relative_to(ROOT).as_posix()
        stack = [(prefix, node) for node in tree.body]
        while stack:
            where, node = stack.pop()
            if isinstance(node, ast.ClassDef):
                stack.extend((f"{where}::{node.name}", child) for child in node.body)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for decorator in node.decorator_list:
                    if (names := _mark_args(decorator, mark)) is not None:
                        found.setdefault(f"{where}::{node.name}", set()).update(names)
    return found


def selects(change: SoundChange, scenario: str) -> bool:
    """A node id, a parametrization of it, or a folder or file holding it."""
    return any(s.split("[", 1)[0] == scenario or ("::" not in s and scenario.startswith(s)) for s in change.scenarios)


def test_every_reads_setting_marker_is_seen_by_the_scan():
    declared = scenarios_reading()
    written = sum(len(re.findall(r"mark\.reads_setting\(", p.read_text())) for p in SUITES.rglob("*.py"))
    seen = sum(1 for path in SUITES.rglob("test_*.py") for node in ast.walk(ast.parse(path.read_text()))
               if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) for d in node.decorator_list if _reads_setting(d) is not None)
    assert declared and seen == written, (
        f"suites/ has {written} reads_setting markers, the scan sees {seen} on test functions: declare them as a decorator "
        f"of the scenario (not in pytestmark, a variable or a helper module), or teach scenarios_reading the new form")


def left_out(change: SoundChange, readers: dict[str, set[str]]) -> list[str]:
    """The scenarios reading a setting `change` changes that its run does not select."""
    return sorted(scenario for scenario, names in readers.items() if names & set(change.settings) and not selects(change, scenario))


def test_each_sound_change_runs_every_scenario_reading_a_setting_it_changes():
    readers = scenarios_reading()
    missing = {change.name: scenarios for change in SOUND_CHANGES if (scenarios := left_out(change, readers))}
    assert not missing, ("sound changes whose run leaves out scenarios that read a setting they change (add them to the "
                         "entry's scenarios in tests/deployment_changes.py):\n"
                         + "\n".join(f"  {name}: {scenarios}" for name, scenarios in missing.items()))


def test_each_sound_change_changes_the_settings_it_names():
    for change in SOUND_CHANGES:
        text = "\n".join(new for _, _, new in change.changes)
        for setting in change.settings:
            assert setting in text or f"--{setting.replace('_', '-')}" in text, (
                f"{change.name} names the setting {setting} but none of its changes writes it: {change.changes}")


def test_not_applicable_scenarios_are_in_the_run():
    for change in SOUND_CHANGES:
        for scenario in (s for s in change.not_applicable if "::" in s):
            assert scenario in change.scenarios, f"{change.name}: {scenario} is not applicable but not in its scenarios"


def test_the_check_names_a_reader_left_out_of_the_run():
    """The check can fail: the no-project-list advice run without #931's scenario, which reads that setting."""
    change = next(c for c in SOUND_CHANGES if "mirror_no_project_list" in c.settings)
    reader = next(s for s, names in scenarios_reading().items() if "931" in s and "mirror_no_project_list" in names)
    narrowed = dataclasses.replace(change, scenarios=tuple(s for s in change.scenarios if s != reader))
    assert reader in change.scenarios and left_out(narrowed, scenarios_reading()) == [reader]


def declared_findings(root: Path = SUITES) -> set[str]:
    """FINDINGS and every finding a scenario file declares itself (`Finding("ID", ...)`, `register_finding("ID", ...)`)."""
    found = set(FINDINGS)
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("Finding", "register_finding")
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                found.add(node.args[0].value)
    return found


def test_every_findings_advice_is_applied_by_a_sound_change_or_exempt_with_a_reason():
    answered = {finding_id: change.name for change in SOUND_CHANGES for finding_id in change.gone}
    known = declared_findings()
    assert "R3-requires-python-dropped" in known, "a scenario file's own finding should be seen by the scan"
    problems = [f"{f}: neither gone under a sound change nor in ADVICE_EXEMPT" for f in sorted(known - set(answered) - set(ADVICE_EXEMPT))]
    problems += [f"{f}: gone under {answered[f]!r} and exempt too" for f in sorted(set(answered) & set(ADVICE_EXEMPT))]
    problems += [f"{f}: no such finding" for f in sorted((set(answered) | set(ADVICE_EXEMPT)) - known)]
    problems += [f"{f}: exempt without a reason" for f, reason in ADVICE_EXEMPT.items() if len(reason.split()) < 5]
    assert not problems, "tests/deployment_changes.py, the advice of every finding:\n  " + "\n  ".join(problems)


def test_a_sound_change_runs_the_scenarios_that_raise_the_findings_it_answers():
    declaring = scenarios_reading(mark="finding")
    for change in SOUND_CHANGES:
        for finding_id in change.gone:
            raisers = [s for s, ids in declaring.items() if finding_id in ids]
            assert any(selects(change, s) or s in LEFT_OUT_HERE for s in raisers), (
                f"{change.name}: the finding {finding_id} is raised by {raisers}, none of which its run selects")


def raisers_selected(change: SoundChange, finding_id: str) -> list[str]:
    """The scenarios of `change`'s run that declare `finding_id`."""
    return [s for s, ids in scenarios_reading(mark="finding").items() if finding_id in ids and selects(change, s)]


def test_a_finding_is_gone_only_where_every_scenario_looking_for_it_ran_without_meeting_it():
    def run(tests: dict[str, list[str]]) -> SuiteRun:
        return SuiteRun(0, "", {"S5": "kept"}, report={"S5": {"findings": {"S5-x": {"status": "-", "tests": tests}}}})

    moot = {"suites/a.py::test_moot"}
    assert run({"not reproduced": ["suites/a.py::test_b[1]"]}).finding_gone("S5-x", moot)
    assert run({"not reproduced": ["suites/a.py::test_b"], "not judged": ["suites/a.py::test_moot[x]"]}).finding_gone("S5-x", moot)
    assert not run({"not reproduced": ["suites/a.py::test_b"], "reproduced": ["suites/a.py::test_c"]}).finding_gone("S5-x", moot)
    assert not run({"not judged": ["suites/a.py::test_b"]}).finding_gone("S5-x", moot)
    assert not run({}).finding_gone("S5-x", moot) and not run({"not reproduced": ["t"]}).finding_gone("S5-other", moot)


def test_a_whole_run_judges_a_finding_gone_only_in_the_scenarios_its_advice_concerns():
    """The advice for root/python-local (O7) cures a new intranet project; a new PyPI project keeps the finding,
    and a whole run of the suite meets it there: not the advice's failure."""
    tests = {"not reproduced": ["suites/o7.py::test_new[intranet]"], "reproduced": ["suites/o7.py::test_new[pypi]"]}
    run = SuiteRun(0, "", {"O7": "finding"}, report={"O7": {"findings": {"O7-x": {"status": "reproduced", "tests": tests}}}})
    assert not run.finding_gone("O7-x")
    assert run.finding_gone("O7-x", among=("suites/o7.py::test_new[intranet]",))
    assert not run.finding_gone("O7-x", among=("suites/o7.py::test_new",)), "all of the test's parameters count"
    assert not run.finding_gone("O7-x", among=("suites/other.py::test_x",)), "not looked for where the advice applies"
