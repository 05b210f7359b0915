"""docs/kit.md's examples are true: its complete reported case is the scenario the suite runs, not a copy that can
drift, and its example of the one door to an upstream's misbehaviours runs and does what its comments say."""

from __future__ import annotations

import json
import re

from suite_runs import ROOT

from fake_upstreams import fake_artifactory, fake_pypi
from fixtures.api import http_session
from fixtures.packages import build_wheel


def test_the_docs_one_file_reported_case_is_the_scenario_file():
    doc = (ROOT / "docs" / "kit.md").read_text()
    included = re.findall(r"<!-- (suites/\S+\.py) -->\n```python\n(.*?)```\n", doc, re.S)
    assert included, "docs/kit.md includes no scenario file (<!-- suites/...py --> before a python block)"
    for path, text in included:
        assert text == (ROOT / path).read_text(), f"docs/kit.md's copy of {path} differs from the file"
        assert len(text.splitlines()) <= 25, f"{path}: a one-file reported case takes at most 25 lines"


def test_the_docs_misbehaviour_example_does_what_it_says(tmp_path):
    """docs/kit.md's example of the one door, run against two fresh fakes: each line leaves the upstream as the
    comment beside it says."""
    doc = (ROOT / "docs" / "kit.md").read_text()
    example = re.search(r"<!-- checked by tests/test_kit_docs.py -->\n```python\n(.*?)```\n", doc, re.S)
    assert example, "docs/kit.md has no example of the one door marked <!-- checked by tests/test_kit_docs.py -->"
    name = "private-package"
    with fake_pypi(tmp_path / "pypi") as pypi, fake_artifactory(tmp_path / "artifactory") as artifactory, \
            http_session() as http:
        pypi.publish(build_wheel(tmp_path / "dists", name, "1.0"))
        exec(example[1], {"fake_pypi": pypi, "fake_artifactory": artifactory, "name": name})  # noqa: S102
        page = http.get(f"{pypi.simple_url}{name}/", timeout=5)
        assert page.headers["Content-Type"] == "application/octet-stream" and json.loads(page.content)["name"] == name
        assert [str(m.behaviour) for m in artifactory.misbehaviours] == ["answer 502 Bad Gateway"]
        assert http.get(f"{artifactory.simple_url}{name}/", timeout=5).status_code == 502
        assert http.get(artifactory.simple_url, timeout=5).status_code == 200, "refused only inside the block"
