"""The service and clients suites catch a broken wrapper, plist, init.sh, Maintenance script, pip.conf,
.pydistutils.cfg and buildout's default.cfg: run them on broken copies of the deployment and check that they
fail on the right promises, for the intended reason, and not as a finding."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

pytestmark = pytest.mark.selftest

WRAPPER_FORWARD = "process.send_signal(signal.SIGINT)"
WRAPPER_START = "    process = subprocess.Popen(sys.argv[1:], start_new_session=True)\n"
WRAPPER_EXIT = "    sys.exit(process.returncode)\n"
PLIST_SERVERDIR = "<string>${DEPLOY_SERVERDIR}</string>"
PIP_INDEX = "index-url = http://localhost:${DEPLOY_PORT}/root/local/+simple/"
PYDISTUTILS_INDEX = "[easy_install]\nindex_url = http://localhost:${DEPLOY_PORT}/root/local/"
BUILDOUT_INDEX = "[buildout]\nindex = http://localhost:${DEPLOY_PORT}/root/local/"
LABEL = "com.manselmi.devpi.server"
SIGNALS = "suites/service/test_wrapper_signals.py::"
MAINTENANCE = "suites/service/test_maintenance.py"


@dataclass(frozen=True)
class Breakage:
    """`old` replaced by `new` in `script`: on `scenarios` each promise of `breaks` is BROKEN, with a failure
    message that says `reason`."""

    script: str
    old: str
    new: str
    scenarios: tuple[str, ...]
    breaks: tuple[str, ...]
    reason: str


BREAKAGES = {
    "the wrapper forwards SIGTERM as it is": Breakage(
        "service.sh", WRAPPER_FORWARD, "process.send_signal(signum)", ("suites/service/test_wrapper_signals.py", "-k", "forwards"),
        ("S2",), "should send its program SIGINT"),
    # Not the findings on a stop lost while the wrapper starts devpi-server: this wrapper never forwards again.
    "the wrapper stops forwarding once it has spawned devpi-server": Breakage(
        "service.sh", WRAPPER_START,
        WRAPPER_START + "    signal.signal(signal.SIGTERM, lambda *_: None)\n    signal.signal(signal.SIGINT, lambda *_: None)\n",
        (SIGNALS + "test_a_stop_at_any_moment_of_the_wrappers_start_stops_everything",), ("S2",),
        "a stop was lost, and not as devpi's start-up loses it"),
    # Not the finding on a stop by signal that restarts (exit status 1, devpi-server's on SIGINT): the wrapper's own status.
    "the wrapper exits 75 (EX_TEMPFAIL) whenever devpi-server failed": Breakage(
        "service.sh", WRAPPER_EXIT, "    sys.exit(process.returncode and 75)\n",
        ("suites/service/test_keepalive.py::test_a_stop_by_signal_that_is_not_a_bootout",), ("S3",),
        "it exited with exit status 75 under KeepAlive"),
    "the plist serves another directory than devpi-init's": Breakage(
        "service.sh", PLIST_SERVERDIR, "<string>${DEPLOY_HOME}/elsewhere</string>", ("suites/service/test_consistency.py",),
        ("S3",), "the server directory disagree"),
    "init.sh initialises another directory than the service's": Breakage(
        "init.sh", '--serverdir "${DEPLOY_SERVERDIR}"', '--serverdir "${DEPLOY_HOME}/elsewhere"', ("suites/service/test_init.py",),
        ("S1",), "where the deployment's devpi-init (--storage sqlite) left no .serverversion and no .sqlite"),
    # stop.sh boots out a label no plist has: launchctl fails, the script exits non-zero, the service runs on.
    "stop.sh names another service": Breakage(
        "stop.sh", LABEL, "com.manselmi.devpi-server",
        (MAINTENANCE, SIGNALS + "test_sigterm_and_sigint_stop_devpi_server_cleanly_and_the_next_start_serves_the_cache"),
        ("S6", "S2"), "the deployment's stop.sh failed"),
    "uninstall.sh leaves .pydistutils.cfg": Breakage(
        "uninstall.sh", '  "${HOME}/.pydistutils.cfg" \\\n', "", (MAINTENANCE,),
        ("S6",), "uninstall.sh left files the deployment created in $HOME: ['.pydistutils.cfg']"),
    "pip.conf reads root/pypi": Breakage(
        "client-config.sh", PIP_INDEX, PIP_INDEX.replace("/root/local/", "/root/pypi/"), ("suites/service/test_consistency.py",),
        ("C3",), "the simple index path disagree"),
    # The consistency check catches these too; the clients suite must, by running the tools on the files.
    ".pydistutils.cfg reads root/pypi": Breakage(
        "client-config.sh", PYDISTUTILS_INDEX, PYDISTUTILS_INDEX.replace("/root/local/", "/root/pypi/"),
        ("suites/clients/test_setuptools.py", "-k", "setup_requires_come"), ("C3",), "could not fetch its setup_requires"),
    "buildout's default.cfg reads root/pypi": Breakage(
        "client-config.sh", BUILDOUT_INDEX, BUILDOUT_INDEX.replace("/root/local/", "/root/pypi/"),
        ("suites/clients/test_buildout.py", "-k", "installs_through"), ("C3",), "could not install private-package"),
}


@pytest.mark.parametrize("breakage", [pytest.param(name, marks=[pytest.mark.breaks(p) for p in b.breaks], id=name)
                                      for name, b in BREAKAGES.items()])
def test_the_service_suite_fails_on_the_promise_that_broke(breakage, broken_copy, run_suite):
    b = BREAKAGES[breakage]
    copy = broken_copy(b.script, b.old, b.new)
    result = run_suite(copy, *b.scenarios, *(arg for promise in b.breaks for arg in ("--promise", promise)))

    assert result.returncode == 1, f"the service suite should fail on a deployment where {breakage}\n{result}"
    for promise in b.breaks:
        assert result.verdicts.get(promise) == "BROKEN", f"{promise} should be reported BROKEN when {breakage}\n{result}"
        assert f"[{promise}]" in result.output, f"the failure should name [{promise}]\n{result}"
    assert b.reason in result.output, f"the failure should say {b.reason!r}\n{result}"
