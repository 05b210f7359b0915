"""The run's floor (fixtures/report.py floor_line): the work the scenarios need over the workers, plus the
longest single wait; the ratio the closing summary prints."""

from __future__ import annotations

from fixtures.report import floor_line


def test_the_floor_is_work_over_workers_plus_the_longest_wait():
    phases = {"devpi starts": 300.0, "client runs": 600.0, "deployment steps": 100.0, "scenarios (test bodies)": 5000.0}
    [line] = floor_line(600.0, phases, [(40.0, "a"), (100.0, "suites/x.py::slow")], workers=2)
    assert line.startswith("floor 600 s = work 1000 s (devpi starts + client runs + deployment steps) / 2 worker(s)")
    assert "the longest wait 100 s (suites/x.py::slow)" in line and line.endswith("this run took 1.00 x its floor")


def test_a_run_with_no_work_and_no_wait_has_no_floor():
    assert floor_line(3.0, {}, [], workers=1) == []
