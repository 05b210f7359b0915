"""fixtures/sharing.py: scenarios marked with one xdist group run in one worker, so a session fixture of
theirs (a devpi-server of a distinct configuration) starts once per run; a run that names `--dist` keeps
it. fixtures/cost.py: each scenario's runs, counted, in the table."""

from __future__ import annotations

import json

import pytest
from suite_runs import ROOT

from fixtures.cost import table

SHARED = '''
import os
import pytest

@pytest.fixture(scope="session")
def server(tmp_path_factory):
    # Stands for a devpi-server start: one line per process that pays for it.
    with open(os.environ["STARTS"], "a") as f:
        f.write(f"{os.getpid()}\\n")
    return os.getpid()

@pytest.mark.xdist_group("one-server")
@pytest.mark.parametrize("n", range(6))
def test_shared(n, server):
    assert server == os.getpid()

@pytest.mark.parametrize("n", range(6))
def test_free(n):
    pass
'''


@pytest.mark.parametrize(("args", "starts"), [((), 1), (("--dist", "load"), None)], ids=["default", "named-dist"])
def test_a_group_pays_for_its_session_fixture_once(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, args, starts):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("STARTS", str(pytester.path / "starts"))
    pytester.makepyfile(test_shared=SHARED)
    result = pytester.runpytest_subprocess("-p", "fixtures.sharing", "-p", "no:cacheprovider", "-n", "3", *args)
    result.assert_outcomes(passed=12)
    paid = (pytester.path / "starts").read_text().split()
    if starts is None:  # the user's own --dist load: xdist's, groups not honoured (the fixture may start up to 3 times)
        assert 1 <= len(paid) <= 3, paid
    else:
        assert len(paid) == starts, f"the group's session fixture started in {len(paid)} workers: {paid}"


LONG_LAST = '''
import os
import time
import pytest

def started(name):
    with open(os.environ["ORDER"], "a") as f:
        f.write(name + "\\n")

@pytest.mark.parametrize("n", range(8))
def test_short(n):
    started(f"short{n}")
    time.sleep(0.1)

@pytest.mark.runs_long
def test_long():
    started("long")
'''


def test_a_scenario_marked_runs_long_is_handed_out_before_the_short_ones(pytester: pytest.Pytester,
                                                                         monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("ORDER", str(pytester.path / "order"))
    pytester.makepyfile(test_order=LONG_LAST)
    result = pytester.runpytest_subprocess("-p", "fixtures.sharing", "-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=9)
    order = (pytester.path / "order").read_text().split()
    assert "long" in order[:2], f"the scenario collected last but marked runs_long should start first: {order}"


def test_the_cost_table_counts_each_scenarios_runs_and_sums_them_per_folder():
    costs = {"suites/a/test_x.py::test_one": {"devpi starts": [1, 12.0], "client runs": [3, 6.0]},
             "suites/a/test_x.py::test_two": {"client runs": [2, 4.0]},
             "suites/b/test_y.py::test_three": {"deployment steps": [4, 2.0]},
             "suites/b/test_y.py::test_nothing": {}}
    text = table(costs, {"suites/a/test_x.py::test_one": 25.0})
    assert "| **suites/a** | 1 / 12 s | - | 5 / 10 s | - | 22 s | |" in text, text
    assert "| **all (4 tests)** | 1 / 12 s | 4 / 2 s | 5 / 10 s | - | 24 s | |" in text, text
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert rows[0].startswith("| `suites/a/test_x.py::test_one` | 1 / 12 s | - | 3 / 6 s | - | 18 s | 25 s |"), rows
    assert not any("test_nothing" in row for row in rows), "a scenario that ran nothing is not a row"
    json.dumps(costs)  # what --cost-table FILE.json writes
