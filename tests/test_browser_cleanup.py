"""The browser's clean-up: whatever a chromium run leaves (a process in its session) is found, killed and named."""

from __future__ import annotations

import subprocess

import psutil

from fixtures.browser import kill_leftovers


def test_a_process_left_in_the_runs_session_is_killed_and_named(tmp_path):
    leader = subprocess.Popen(["sh", "-c", "sleep 300 & echo $!"], stdout=subprocess.PIPE, text=True, start_new_session=True)
    orphan = int(leader.stdout.readline())
    leader.wait(timeout=10)

    left = kill_leftovers(str(tmp_path / "profile"), leader.pid, grace=0.5)

    assert [entry.split(":")[0] for entry in left] == [str(orphan)], left
    assert "sleep 300" in left[0]
    assert not psutil.pid_exists(orphan) or psutil.Process(orphan).status() == psutil.STATUS_ZOMBIE
