"""X1 and X2 judge deployments: a root/local open to anonymous uploads, or to any registered user, breaks X1;
devpi-server listening on every interface breaks X2, while listening on one address beyond loopback (C2's
advice for a routed container) is X2's known finding. (X2's advice, a persistent secret file, is a sound
change of tests/deployment_changes.py.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from suite_runs import SuiteRun, child_run, loopback_only

from fixtures import netns
from fixtures.deployment import BUNDLED, Deployment

pytestmark = pytest.mark.selftest

PLIST_PORT = "        <string>--port</string>\n        <string>${DEPLOY_PORT}</string>\n"
# An address of the host's beyond loopback, in the child run's own network namespace (the suite's range).
BRIDGE_ADDRESS = "198.18.0.1"


@pytest.mark.breaks("X1")
def test_a_root_local_open_to_anonymous_uploads_breaks_x1(tmp_path, run_suite):
    copy = Deployment(BUNDLED).copy_with(tmp_path / "deployment", (
        "configure.sh", "  title='Local: personal index'\n", "  title='Local: personal index' \\\n  acl_upload=:ANONYMOUS:\n"))
    result = run_suite(copy.source, "suites/security", "--promise", "X1")

    assert result.returncode == 1 and result.verdicts == {"X1": "BROKEN"}, result
    assert re.search(r"\[X1\] anonymous could upload to root/local .*answered 200", result.output), result
    assert "could create an index" not in result.output, f"only the upload was opened\n{result}"


@pytest.mark.breaks("X1")
def test_a_root_local_open_to_every_registered_user_breaks_x1(tmp_path, run_suite):
    """`acl_upload=:AUTHENTICATED:`: anonymous and forged logins are still refused, but anybody can register a
    user on a default devpi and then upload to root/local."""
    copy = Deployment(BUNDLED).copy_with(tmp_path / "deployment", (
        "configure.sh", "  title='Local: personal index'\n",
        "  title='Local: personal index' \\\n  acl_upload=:AUTHENTICATED:\n"))
    result = run_suite(copy.source, "suites/security/test_access.py::test_without_the_root_password_nothing_can_be_changed",
                       "--promise", "X1", "-v")

    assert result.returncode == 1 and result.verdicts == {"X1": "BROKEN"}, result
    assert re.search(r"\[X1\] a registered user could upload to root/local .*answered 200", result.output), result
    assert re.search(r"nothing_can_be_changed\[anonymous\] PASSED", result.output), (
        f"anonymous uploads are still refused: only the registered user should get through\n{result}")
    assert "could create an index" not in result.output, f"only the upload was opened\n{result}"


def run_suite_loopback_only(where: Path, devpi_prefix: Path, deployment: Path, *args: str) -> SuiteRun:
    """A child run of the suite in a network namespace of its own, with loopback and BRIDGE_ADDRESS (on lo)
    only: a devpi-server bound to every interface there is reachable from nowhere else."""
    if reason := netns.unavailable_reason():
        pytest.skip(reason)
    return child_run(where, devpi_prefix, deployment, args, wrap=loopback_only(f"ip addr add {BRIDGE_ADDRESS}/32 dev lo"))


def bound(tmp_path: Path, *options: str) -> Path:
    """A copy whose plist binds devpi-server with `options` in place of the guide's `--port`."""
    given = "".join(f"        <string>{option}</string>\n" for option in options)
    return Deployment(BUNDLED).copy_with(tmp_path / "deployment", ("service.sh", PLIST_PORT, given)).source


LISTEN = ("suites/security/test_weak_points.py", "-k", "listens_on_loopback", "--promise", "X2", "-rx")


@pytest.mark.breaks("X2")
def test_devpi_listening_on_every_interface_breaks_x2(tmp_path, devpi_prefix):
    copy = bound(tmp_path, "--host", "0.0.0.0", "--port", "${DEPLOY_PORT}")
    result = run_suite_loopback_only(tmp_path, devpi_prefix, copy, *LISTEN)

    assert result.returncode == 1 and result.verdicts == {"X2": "BROKEN"}, (
        f"devpi-server on 0.0.0.0 is worse than any weak point of the guide: X2 should be BROKEN, not a finding\n{result}")
    assert re.search(r"\[X2\] devpi-server listens on 0\.0\.0\.0, every interface of the host", result.output), result
    assert result.finding_status("X2-listens-beyond-loopback") != "reproduced", result


def test_devpi_listening_on_one_address_beyond_loopback_is_x2s_finding(tmp_path, devpi_prefix):
    """C2's advice for a routed container: loopback and the bridge's address. The known weak point, not BROKEN."""
    copy = bound(tmp_path, "--listen", "localhost:${DEPLOY_PORT}", "--listen", f"{BRIDGE_ADDRESS}:${{DEPLOY_PORT}}")
    result = run_suite_loopback_only(tmp_path, devpi_prefix, copy, *LISTEN)

    assert result.returncode == 0 and result.verdicts == {"X2": "finding"}, result
    assert result.finding_status("X2-listens-beyond-loopback") == "reproduced", result
    assert re.search(rf"devpi-server listens on {re.escape(BRIDGE_ADDRESS)}: reachable from other machines", result.output), result
