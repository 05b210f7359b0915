"""The devpi-server handle: started from the plist, stopped the way launchd stops it, restartable
with its server directory, and its log kept for failure reports."""

from __future__ import annotations

import plistlib

import psutil
import pytest

pytestmark = pytest.mark.selftest


def test_the_server_runs_what_the_plist_says(devpi):
    devpi_settings = devpi.settings
    with devpi_settings.plist.open("rb") as f:
        program = plistlib.load(f)["ProgramArguments"]

    assert program[0] == str(devpi_settings.devpi_home / "devpi-server"), "the plist should run the guide's wrapper"
    assert program[program.index("--port") + 1] == str(devpi_settings.port)
    assert devpi.api.get_json("+api")["login"].startswith(devpi.url.rstrip("/")), "devpi should answer on the plist's port"
    assert "serving at url" in devpi.log_path.read_text(errors="replace"), "the log kept for reports should be the whole log"


def test_restart_keeps_the_server_directory_and_its_indexes(make_devpi):
    server = make_devpi()
    before = server.api.index_config("root/python-local")
    first_pid = server.pid

    server.restart()

    assert server.pid != first_pid, "restart should start a new process"
    assert server.api.index_config("root/python-local") == before, "the index configuration should survive a restart"


def test_stop_leaves_no_process_and_reports_the_wrappers_exit_status(make_devpi):
    server = make_devpi()
    pids = [server.pid, *[child.pid for child in psutil.Process(server.pid).children(recursive=True)]]

    status = server.stop()

    # The wrapper forwarded the stop and exited by itself, with devpi-server's status: devpi-server
    # 6.x exits 1 on SIGINT, so a clean stop is not a "successful exit" in launchd's KeepAlive terms.
    assert status is not None, f"the wrapper did not exit after SIGTERM\n{server.log_tail()}"
    assert not server.is_running
    assert not [p for p in pids if psutil.pid_exists(p)], "a process of the server is still alive"
