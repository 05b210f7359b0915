"""No leftovers: after a pass, a failure or Ctrl-C, no devpi-server or upstream process is
left, and nothing is written to $HOME or into the deployment folder."""

from __future__ import annotations

import filecmp
import os
import signal
import subprocess
import time

import pytest
from suite_runs import ROOT, processes_mentioning, suite_command, wait_for_no_processes_mentioning

from fixtures.deployment import BUNDLED

pytestmark = pytest.mark.selftest


def test_a_passing_run_writes_nothing_to_home_the_deployment_or_the_checkout(tmp_path, broken_copy, run_suite):
    home = tmp_path / "home"
    home.mkdir()
    copy = broken_copy("env.sh", "#", "#")  # an unchanged copy, to compare afterwards
    checkout_before = {p.name for p in ROOT.iterdir()}
    result = run_suite(copy, "suites/smoke", "suites/resolution/test_greatest_version.py", home=home)

    assert result.returncode == 0, result
    assert list(home.iterdir()) == [], f"the suite wrote into $HOME: {list(home.iterdir())}"
    compared = filecmp.dircmp(BUNDLED, copy)
    assert not (compared.diff_files or compared.left_only or compared.right_only), "the suite wrote into the deployment folder"
    added = {p.name for p in ROOT.iterdir()} - checkout_before
    assert not added, f"the suite wrote into the checkout: {sorted(added)}"


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_ctrl_c_leaves_no_process(tmp_path, devpi_prefix, workers):
    marker = str(tmp_path / "basetemp")
    # A session of its own, so that the SIGINT below reaches the whole group, as a terminal's Ctrl-C does.
    child = subprocess.Popen(suite_command(tmp_path, devpi_prefix, BUNDLED, "suites/smoke", *workers), cwd=ROOT,
                             env={**os.environ, "HOME": str(tmp_path)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while sum("devpi-server" in p for p in processes_mentioning(marker)) < max(1, len(workers)):
            assert child.poll() is None, "the run ended before devpi-server started"
            assert time.monotonic() < deadline, "devpi-server never started"
            time.sleep(0.2)
        os.killpg(child.pid, signal.SIGINT)
        output = child.communicate(timeout=60)[0].decode(errors="replace")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    left = wait_for_no_processes_mentioning(marker)
    assert not left, "Ctrl-C left processes behind:\n" + "\n".join(left) + "\n" + output[-3000:]
