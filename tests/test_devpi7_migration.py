"""The migrated deployment (deployment-devpi7/): only the lines devpi 7 needs, each with its reason, and
docs/devpi7-migration.md showing exactly its diff (no devpi-server here)."""

from __future__ import annotations

import re

from fixtures.deployment import BUNDLED, Deployment
from fixtures.devpi_versions import migration_hint
from fixtures.migration import MIGRATED, deployment_diff, doc_diff


def test_the_page_shows_the_diff_of_the_folders():
    assert doc_diff() == deployment_diff(), "regenerate docs/devpi7-migration.md's diff: python -m fixtures.migration"


def test_every_changed_line_comes_with_devpis_line_that_requires_it():
    hunks = re.split(r"^@@.*@@$", deployment_diff(), flags=re.M)[1:]
    assert hunks, "deployment-devpi7/ should differ from deployment/"
    for hunk in hunks:
        added = [line[1:] for line in hunk.splitlines() if line.startswith("+") and not line.startswith("+++")]
        changed = [line for line in added if not line.lstrip().startswith("#")]
        reasons = [line for line in added if line.lstrip().startswith("# devpi 7:")]
        assert changed and reasons, f"a change without its reason (a '# devpi 7:' comment):\n{hunk}"
        assert any("CHANGELOG" in line for line in added), f"the reason should quote devpi's changelog:\n{hunk}"


def test_the_migrated_copy_keeps_every_file_of_the_guide():
    Deployment(MIGRATED).check_layout()
    assert sorted(p.name for p in MIGRATED.iterdir()) == sorted(p.name for p in BUNDLED.iterdir())


def test_the_guide_on_7_is_told_its_one_line_fix_and_the_migrated_copy():
    guide, migrated = Deployment(BUNDLED), Deployment(BUNDLED.parent / "deployment-devpi7")
    hint = migration_hint("init", guide.script_text("init"), "7.0.0b4")
    assert "`--storage sqlite` -> `--storage sqla_lite`" in hint and "deployment-devpi7/" in hint
    assert "type=remote" in migration_hint("configure", guide.script_text("configure"), "7.0.0b4")
    for step in ("init", "configure", "cache_pypi"):
        assert migration_hint(step, migrated.script_text(step), "7.0.0b4") == "", step
        assert migration_hint(step, guide.script_text(step), "6.20.3") == "", step
