"""docs/kit.md's complete reported case is the scenario the suite runs, not a copy that can drift."""

from __future__ import annotations

import re

from suite_runs import ROOT


def test_the_docs_one_file_reported_case_is_the_scenario_file():
    doc = (ROOT / "docs" / "kit.md").read_text()
    included = re.findall(r"<!-- (suites/\S+\.py) -->\n```python\n(.*?)```\n", doc, re.S)
    assert included, "docs/kit.md includes no scenario file (<!-- suites/...py --> before a python block)"
    for path, text in included:
        assert text == (ROOT / path).read_text(), f"docs/kit.md's copy of {path} differs from the file"
        assert len(text.splitlines()) <= 25, f"{path}: a one-file reported case takes at most 25 lines"
