"""The suite does not blame sound deployments: run it on copies with the changes a user may make, the
guide's own note and the suite's own advice among them (tests/deployment_changes.py SOUND_CHANGES), and
check that no promise breaks. Findings are fine: they state figures, they do not fail."""

from __future__ import annotations

import re

import pytest
from deployment_changes import SOUND_CHANGES, KnownSuiteDefect
from test_sound_change_coverage import raisers_selected

from fixtures.effective import NOT_APPLICABLE

pytestmark = [pytest.mark.selftest, pytest.mark.usefixtures("prefetch_catalogue_runs")]


@pytest.mark.parametrize("change", [pytest.param(c, id=c.name, marks=c.marks) for c in SOUND_CHANGES])
def test_a_sound_change_breaks_no_promise(change, catalogue_runs):
    result = catalogue_runs.run(change.changes, change.scenarios, args=change.args)

    if change.known_broken and result.broken() == change.known_broken:
        raise KnownSuiteDefect(f"{sorted(change.known_broken)} BROKEN as known: {change.defect}\n"
                               + "\n".join(m for p in sorted(result.broken()) for m in result.failure_messages(p)))
    assert not result.broken() and result.returncode == 0, (
        f"the suite fails on a deployment with a sound change ({change.name}): {sorted(result.broken())} reported "
        f"BROKEN\n" + "\n".join(m for p in sorted(result.broken()) for m in result.failure_messages(p)) + f"\n{result}")
    moot = set(change.not_applicable)
    for scenario in (s for s in moot if "::" in s):
        skipped = [t for entry in result.report.values() for t in entry["tests"].get("skipped", []) if t == scenario]
        path = scenario.split("::", 1)[0]
        assert skipped and re.search(rf"SKIPPED \[\d+\] {re.escape(path)}:\d+: {NOT_APPLICABLE}: ", result.output), (
            f"{scenario} should be skipped as '{NOT_APPLICABLE}: ...' on a deployment with {change.name}\n{result}")
    # A scenario skipped for another reason, even beside a kept one of its promise, left the change unchecked there.
    unjudged_scenarios = sorted({t for p, entry in result.report.items() for t in entry["tests"].get("skipped", [])
                                 if p not in moot and t not in moot})
    assert not unjudged_scenarios, (f"scenarios skipped on a deployment with {change.name} that its entry does not "
                                    f"declare not applicable: {unjudged_scenarios}\n{result}")
    # A state machine told one story reaches only that story's promises; the entry names the others.
    unjudged = {p: v for p, v in result.verdicts.items() if v not in ("kept", "finding")
                and not (v == "not reached" and p in change.not_reached)
                and not (v == "skipped" and (p in moot or set(result.report[p]["tests"]["skipped"]) <= moot))}
    assert result.verdicts and not unjudged, (
        f"every selected scenario should run and judge its promise on a deployment with {change.name}: {unjudged or 'none ran'}\n{result}")
    for finding_id in (f for f in change.gone if raisers_selected(change, f)):  # else its scenario needs a missing tool
        assert result.finding_gone(finding_id, moot), (
            f"{change.name} applies the advice of the finding {finding_id}, which the run should report 'not reproduced' "
            f"(or not judged, only by scenarios the change makes moot), not {result.finding_status(finding_id)!r}\n{result}")

