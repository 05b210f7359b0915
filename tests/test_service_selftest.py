"""The service and clients suites catch a broken wrapper, plist, pip.conf, .pydistutils.cfg and buildout's
default.cfg: run them on broken copies of the deployment and check that they fail on the right promise, for
the intended reason."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.selftest

WRAPPER_FORWARD = "process.send_signal(signal.SIGINT)"
PLIST_SERVERDIR = "<string>${DEPLOY_SERVERDIR}</string>"
PIP_INDEX = "index-url = http://localhost:${DEPLOY_PORT}/root/local/+simple/"
PYDISTUTILS_INDEX = "[easy_install]\nindex_url = http://localhost:${DEPLOY_PORT}/root/local/"
BUILDOUT_INDEX = "[buildout]\nindex = http://localhost:${DEPLOY_PORT}/root/local/"

BREAKAGES = {
    # name: (script, bundled text, its replacement, scenarios to run, the promise, the reason in its message)
    "the wrapper forwards SIGTERM as it is": (
        "service.sh", WRAPPER_FORWARD, "process.send_signal(signum)", ("suites/service/test_wrapper_signals.py", "-k", "forwards"),
        "S2", "should send its program SIGINT"),
    "the plist serves another directory than devpi-init's": (
        "service.sh", PLIST_SERVERDIR, "<string>${DEPLOY_HOME}/elsewhere</string>", ("suites/service/test_consistency.py",),
        "S3", "the server directory disagree"),
    "pip.conf reads root/pypi": (
        "client-config.sh", PIP_INDEX, PIP_INDEX.replace("/root/local/", "/root/pypi/"), ("suites/service/test_consistency.py",),
        "C3", "the simple index path disagree"),
    # The consistency check catches these too; the clients suite must, by running the tools on the files.
    ".pydistutils.cfg reads root/pypi": (
        "client-config.sh", PYDISTUTILS_INDEX, PYDISTUTILS_INDEX.replace("/root/local/", "/root/pypi/"),
        ("suites/clients/test_setuptools.py", "-k", "setup_requires_come"), "C3", "could not fetch its setup_requires"),
    "buildout's default.cfg reads root/pypi": (
        "client-config.sh", BUILDOUT_INDEX, BUILDOUT_INDEX.replace("/root/local/", "/root/pypi/"),
        ("suites/clients/test_buildout.py", "-k", "installs_through"), "C3", "could not install private-package"),
}


@pytest.mark.parametrize("breakage", [pytest.param(name, marks=pytest.mark.breaks(entry[4]), id=name)
                                      for name, entry in BREAKAGES.items()])
def test_the_service_suite_fails_on_the_promise_that_broke(breakage, broken_copy, run_suite):
    script, old, new, scenarios, promise, reason = BREAKAGES[breakage]
    result = run_suite(broken_copy(script, old, new), *scenarios, "--promise", promise)

    assert result.returncode == 1, f"the service suite should fail on a deployment where {breakage}\n{result}"
    assert result.verdicts.get(promise) == "BROKEN", f"{promise} should be reported BROKEN when {breakage}\n{result}"
    assert f"[{promise}]" in result.output and reason in result.output, (
        f"the failure should name [{promise}] and say {reason!r}\n{result}")
