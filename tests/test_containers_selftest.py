"""The containers suite judges deployments and cleans up after itself: a devpi bound where a container
cannot reach it fails C2 naming the address; a devpi whose links send the container's pip elsewhere fails C1,
and so do the scenarios of the guide's command without a flag where devpi has nothing to give; and no
container, network namespace, link, slirp4netns process or mount of podman's is left after a pass, a failure
or Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
from deployment_changes import ONLY_PYPI
from suite_runs import ROOT, suite_command, wait_for_no_processes_mentioning

from fixtures import containers, netns
from fixtures.deployment import BUNDLED, Deployment

pytestmark = pytest.mark.selftest

PLIST_PORT = "        <string>--port</string>\n        <string>${DEPLOY_PORT}</string>\n"
PIP = "suites/containers/test_container_pip.py::"
C1_GUIDE = PIP + "test_pip_in_a_container_gets_the_hosts_files_on_and_off_the_vpn"
C1_UNTRUSTED = PIP + "test_without_pip_trusted_host_the_guides_command_fails"
C1_NO_ALIAS = PIP + "test_without_the_host_alias_the_guides_command_fails"


@pytest.fixture(autouse=True)
def _engine_and_namespaces() -> None:
    reason = netns.unavailable_reason() or (containers.install_reason() if containers.missing_engine() else None)
    if reason:
        pytest.skip(reason)


def leftovers() -> dict[str, list[str]]:
    """podman's traces, and the suite's own namespaces and links of processes that are gone."""
    found = containers.traces()
    ours = [name for name in (p.name for p in netns.NETNS_DIR.iterdir()) if netns.NETNS_DIR.is_dir()
            and (m := re.match(r"^devpi-conf-(\d+)-\d+$", name)) and not Path(f"/proc/{m[1]}").exists()] \
        if netns.NETNS_DIR.is_dir() else []
    links = [link for link in netns._our_links()
             if (m := re.match(r"^dcf(\d+)h\d+$", link)) and not Path(f"/proc/{m[1]}").exists()]
    if ours or links:
        found["the suite's namespaces and links of finished runs"] = ours + links
    return found


def assert_nothing_left(after: str, output: str = "") -> None:
    __tracebackhide__ = True
    deadline = time.monotonic() + 30  # conmon and slirp4netns exit a moment after their container
    while (left := leftovers()) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not left, f"after {after} the containers suite left:\n{json.dumps(left, indent=2)}\n{output[-4000:]}"


@pytest.mark.breaks("C2")
def test_devpi_bound_where_a_routed_container_cannot_reach_fails_c2(broken_copy, run_suite):
    """A copy whose devpi listens on loopback and on the host side of another link than the container's
    (an address beyond loopback that serves no container): C2 fails, naming that address; the Lima model
    is still kept."""
    with netns.network_namespace() as elsewhere:
        listen = ["--listen", "localhost:${DEPLOY_PORT}", "--listen", f"{elsewhere.host_address}:${{DEPLOY_PORT}}"]
        copy = broken_copy("service.sh", PLIST_PORT, "".join(f"        <string>{o}</string>\n" for o in listen))
        result = run_suite(copy, "suites/containers", "--promise", "C2", "-v")

    assert result.returncode == 1 and result.verdicts == {"C2": "BROKEN"}, result
    assert re.search(rf"\[C2\] devpi-server listens beyond loopback, on {re.escape(elsewhere.host_address)}, yet a "
                     r"container on a routed link cannot reach it", result.output), result
    assert re.search(r"lima_model_reaches_devpi_bound_as_deployed PASSED", result.output), (
        f"devpi still listens on loopback: the Lima model should be kept\n{result}")
    assert_nothing_left("a failing run", result.output)


@pytest.mark.breaks("C1")
def test_devpi_linking_its_files_as_localhost_breaks_c1(tmp_path, run_suite):
    """`--outside-url http://localhost:PORT --absolute-urls` (a user giving devpi its "public" URL): on the host
    nothing changes, but the container's pip follows root/local's links to localhost, which is the container
    itself. C1 fails."""
    outside = ["--outside-url", "http://localhost:${DEPLOY_PORT}", "--absolute-urls"]
    copy = Deployment(BUNDLED).copy_with(tmp_path / "deployment", (
        "service.sh", PLIST_PORT, PLIST_PORT + "".join(f"        <string>{o}</string>\n" for o in outside)))
    result = run_suite(copy.source, C1_GUIDE, "-v")

    assert result.returncode == 1 and result.verdicts == {"C1": "BROKEN"}, result
    assert re.search(r"\[C1\] the guide's container command failed on the VPN", result.output), result
    assert re.search(r"localhost.*(Connection refused|NewConnectionError)", result.output), (
        f"the container's pip should have failed on devpi's localhost links\n{result}")
    assert_nothing_left("a failing run", result.output)


@pytest.mark.breaks("C1")
def test_the_guides_command_without_a_flag_fails_c1_where_devpi_has_nothing_to_give(tmp_path, run_suite):
    """The scenarios of the guide's command without PIP_TRUSTED_HOST or the host alias expect pip to fail; pip
    fails there whatever devpi does. Where root/local has no private-package for a container (here: root/local
    lost root/python-local) they fail too, on their precondition, instead of passing on pip's messages alone."""
    copy = Deployment(BUNDLED).copy_with(tmp_path / "deployment", ONLY_PYPI)
    result = run_suite(copy.source, C1_UNTRUSTED, C1_NO_ALIAS, "-v")

    assert result.returncode == 1 and result.verdicts == {"C1": "BROKEN"}, result
    for flag in ("PIP_TRUSTED_HOST", f"the {containers.LIMA_HOST} alias"):
        assert re.search(rf"\[C1\] precondition: with {re.escape(flag)} given, a container in .* should read \S+ from devpi "
                         rf"\(answer: (?!200)", result.output), f"no precondition failure for {flag}\n{result}"
    assert_nothing_left("a failing run", result.output)


def test_the_bundled_deployment_keeps_c1_and_reports_its_findings_leaving_nothing(run_suite):
    """The whole containers suite on the bundled deployment: no failure, C1 and C2 kept under the deployment's own
    network, each with its finding under a condition (a container without PyPI, a container on a routed link)."""
    result = run_suite(BUNDLED, "suites/containers", "-v")

    assert result.returncode == 0, result
    assert result.verdicts == {"C1": "kept", "C2": "kept"}, result
    for promise, finding_id in (("C1", "C1-container-needs-pypi"), ("C2", "C2-routed-container-needs-wider-bind")):
        assert [c["finding"] for c in result.report[promise]["under_conditions"]] == [finding_id], result.report[promise]
        assert re.search(rf"{promise}  finding under: .* \({finding_id}\)", result.output), result
    assert_nothing_left("a passing run", result.output)


def test_ctrl_c_during_a_container_run_leaves_nothing(tmp_path, devpi_prefix):
    """Ctrl-C (SIGINT to the whole foreground process group) while pip runs in a container."""
    command = suite_command(tmp_path, devpi_prefix, BUNDLED, "suites/containers/test_container_pip.py",
                            "-k", "without_the_host_alias")
    child = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "HOME": str(tmp_path / "home")},
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    engine = containers.Engine(tmp_path / "podman")
    try:
        # The engine's own check (`true`) comes and goes in a blink; pip's retries keep its container ~10 s.
        deadline, seen = time.monotonic() + 300, {}
        while True:
            now = time.monotonic()
            names = [n for n in engine.names() if n.startswith(f"devpi-conf-{child.pid}-")]
            seen = {n: seen.get(n, now) for n in names}
            if any(now - since >= 2 for since in seen.values()):
                break
            assert child.poll() is None and now < deadline, (
                f"the child run kept no container running for 2 s within 300 s\n{child.communicate(timeout=60)[0][-4000:]}")
            time.sleep(0.3)
        os.killpg(child.pid, signal.SIGINT)
        output = child.communicate(timeout=180)[0]
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait(30)

    assert "KeyboardInterrupt" in output, f"the child run was not interrupted\n{output[-4000:]}"
    left = wait_for_no_processes_mentioning(str(tmp_path / "basetemp"))
    assert not left, "the interrupted run left processes:\n" + "\n".join(left)
    assert_nothing_left("Ctrl-C", output)
