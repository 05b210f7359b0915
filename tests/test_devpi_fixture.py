"""The devpi-server handle: started and stopped by the deployment's start.sh and stop.sh through launchd
(the stand-in), restartable with its server directory, and its log kept for failure reports."""

from __future__ import annotations

import logging
import os
import plistlib
import socket
import subprocess

import psutil
import pytest

from fixtures.devpi import QUICK_START, job_events
from fixtures.indexes import clone_root_local
from fixtures.launchd import parse_print
from fixtures.servers import free_port as real_free_port

pytestmark = pytest.mark.selftest


def test_the_server_runs_what_the_plist_says(devpi):
    devpi_settings = devpi.settings
    with devpi_settings.plist.open("rb") as f:
        program = plistlib.load(f)["ProgramArguments"]

    assert program[0] == str(devpi_settings.devpi_home / "devpi-server"), "the plist should run the guide's wrapper"
    assert program[program.index("--port") + 1] == str(devpi_settings.port)
    assert devpi.api.get_json("+api")["login"].startswith(devpi.url.rstrip("/")), "devpi should answer on the plist's port"
    assert "serving at url" in devpi.log_path.read_text(errors="replace"), "the log kept for reports should be the whole log"
    listed = subprocess.run(["launchctl", "print", f"gui/{os.getuid()}/{devpi.label}"], env=devpi.env, capture_output=True,
                            text=True, timeout=60, check=False)
    job = parse_print(listed.stdout)
    assert job.get("state") == "running" and job.get("pid") == str(devpi.pid), f"launchd should run the service\n{listed}"
    assert psutil.Process(devpi.pid).cmdline()[1:] == program, "launchd's job should be the plist's ProgramArguments"


def test_devpi_server_derives_its_key_quickly_as_launchd_was_told(devpi, pytestconfig):
    if pytestconfig.getoption("devpi_start_as_deployed"):
        pytest.skip("--devpi-start-as-deployed: every devpi-server derives its key at devpi's own cost")
    environ = devpi.devpi_server().environ()
    assert {name: environ.get(name) for name in QUICK_START} == QUICK_START, \
        "the session's devpi-server should have the quick key derivation from launchd's environment (launchctl setenv)"


@pytest.mark.devpi_start_as_deployed
def test_a_scenario_marked_devpi_start_as_deployed_gets_devpis_own_key_derivation(make_devpi):
    environ = make_devpi().devpi_server().environ()
    assert not set(QUICK_START) & set(environ), "a scenario whose start is the point should start devpi as deployed"


def test_restart_keeps_the_server_directory_and_its_indexes(make_devpi, pip_client):
    server = make_devpi()
    assert pip_client.config(server.index_url("root/local")) == server.settings.pip_conf, \
        "a run naming a server of the test's own should read that server's pip.conf"
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
    # A negative status is launchd's SIGKILL after ExitTimeOut: the wrapper did not exit by itself.
    assert status is not None and status >= 0, f"the wrapper did not exit after SIGTERM ({status})\n{server.log_tail()}"
    events = [e["event"] for e in server.history()]
    assert events[-3:] == ["bootout", "exited", "unloaded"], f"stop.sh's launchctl bootout should have stopped it: {events}"
    assert not server.is_running
    assert not [p for p in pids if psutil.pid_exists(p)], "a process of the server is still alive"


def test_a_start_whose_port_was_taken_is_retried_on_another_port_and_says_so(devpi_factory, monkeypatch, caplog):
    """The OS hands out a free port, the suite closes it and passes the number to devpi-server: another
    process may take it in between. The start is retried on a new port, and the log says why."""
    from fixtures import servers

    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        ports = iter([taken])
        monkeypatch.setattr(servers, "free_port", lambda: next(ports, None) or real_free_port())
        with caplog.at_level(logging.WARNING, logger="devpi-conformance"), devpi_factory.server() as server:
            assert server.settings.port != taken, "the server should have moved to another port"
            assert server.api.get_json("+api")["login"].startswith(server.url.rstrip("/"))
    assert any(f"port {taken} was taken" in r.getMessage() for r in caplog.records), caplog.text


@pytest.mark.parametrize(("specifier", "runs"), [(">=6,<99", True), ("<1", False)])
def test_a_scenario_limited_to_some_devpi_versions_is_skipped_on_the_others(pytester, devpi_server_version, specifier, runs,
                                                                             monkeypatch, devpi_prefix):
    """The version gate reads what the install step put in the prefix, not what was asked for."""
    from suite_runs import ROOT

    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makepyfile(test_gate=f'''
import pytest

@pytest.mark.devpi_versions("{specifier}")
def test_gated():
    pass
''')
    result = pytester.runpytest_subprocess("-p", "fixtures.report", "-p", "fixtures.plugin", "-p", "no:cacheprovider", "-rs",
                                           "--devpi-prefixes", str(devpi_prefix.parent),
                                           "--devpi-server-version", str(devpi_server_version))
    if runs:
        result.assert_outcomes(passed=1)
    else:
        result.assert_outcomes(skipped=1)
        result.stdout.fnmatch_lines([f"*concerns devpi-server <1; this run has {devpi_server_version}*"])


def test_a_script_that_boots_the_running_job_out_is_judged_by_the_job_it_loads_next():
    """upgrade.sh first boots the running job out: that job's exit is not the new one's failure at start-up,
    and the new one counts from its spawn on (start.sh's events have no bootout: all of them count)."""
    old_job_leaving = [{"event": "bootout", "pid": 1}, {"event": "exited", "pid": 1, "code": 1}]
    assert job_events(old_job_leaving) is None
    assert job_events([*old_job_leaving, {"event": "unloaded"}]) is None
    new = [{"event": "spawned", "pid": 2}, {"event": "exited", "pid": 2, "code": 1}]
    assert job_events([*old_job_leaving, {"event": "unloaded"}, *new]) == new
    respawned_before_the_bootout = [{"event": "spawned", "pid": 1, "run": 2}]  # KeepAlive, while upgrade.sh ran pip
    assert job_events([*respawned_before_the_bootout, *old_job_leaving, {"event": "unloaded"}, *new]) == new
    assert job_events(new) == new
    assert job_events([{"event": "spawn-failed", "error": "no such file"}]) == [{"event": "spawn-failed", "error": "no such file"}]


def test_no_scenario_calls_the_factory_itself():
    """make_devpi(deployment=...) (or `devpi`) is a scenario's one door to a devpi-server: a scenario that takes
    devpi_factory would start servers the failure report and the test's clean-up do not know of."""
    import ast
    from pathlib import Path

    suites = Path(__file__).resolve().parent.parent / "suites"
    direct = [f"{path.relative_to(suites)}::{node.name}" for path in sorted(suites.rglob("test_*.py"))
              for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.FunctionDef)
              and node.name.startswith("test_") and "devpi_factory" in {a.arg for a in node.args.args}]
    assert not direct, f"scenarios taking devpi_factory (use make_devpi): {direct}"


def test_pip_client_reads_the_pip_conf_of_the_devpi_a_run_talks_to(devpi, pip_client, fake_pypi):
    # The same rule whichever fixtures a test asks for: the server a run names, by loopback host and port.
    assert pip_client.config(devpi.index_url("root/local")) == devpi.settings.pip_conf
    elsewhere = f"http://198.18.0.9:{devpi.settings.port}/simple/"  # a namespace's address: ports of its own
    assert pip_client.config(elsewhere) is None, "the same port at another address is no devpi of this run"
    assert pip_client.config(None) == devpi.settings.pip_conf, "a run without an index URL reads the session's pip.conf"
    assert pip_client.config(fake_pypi.simple_url) is None, "a run straight at an upstream should read no devpi's pip.conf"


def test_a_clone_is_made_when_first_read_through_with_the_settings_given_before(devpi):
    # devpi-web reads a new mirror's project list as the index is made: a clone made before the scenario
    # publishes would miss what it publishes.
    clone = clone_root_local(devpi)
    mirror = clone.clone_of("root/python-local")
    clone.configure("root/python-local", mirror_cache_expiry=7)
    assert mirror not in devpi.api.indexes(), "a clone should not be made in devpi before it is read through"
    url = clone.simple_url
    assert url.endswith(f"/{clone.name}/+simple/")
    assert int(devpi.api.index_config(mirror)["mirror_cache_expiry"]) == 7, "settings given before should be made with it"
    assert devpi.api.index_config(clone.name)["bases"] == [mirror, clone.clone_of("root/pypi")]
    clone.configure("root/python-local", mirror_cache_expiry=9)
    assert int(devpi.api.index_config(mirror)["mirror_cache_expiry"]) == 9, "once made, a setting goes to devpi at once"
