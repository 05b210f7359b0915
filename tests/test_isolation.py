"""The suite never leaves loopback, never reads this host's pip configuration, and imports its
own `fixtures` package even where PyPI's `fixtures` is installed."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from suite_runs import ROOT, suite_command

from fixtures.deployment import BUNDLED

pytestmark = pytest.mark.selftest


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip"),
                    reason="needs root, unshare and ip to give the run a network namespace with only loopback")
def test_the_suite_passes_with_nothing_but_loopback(tmp_path, devpi_prefix):
    """network.md's trap: the real PyPI is reachable here, and a mirror left at its default URL
    silently tests against it. In a namespace with only `lo`, any such request fails."""
    command = ["unshare", "-n", "--", "sh", "-c", 'ip link set lo up && exec "$@"', "sh",
               *suite_command(tmp_path, devpi_prefix, BUNDLED, "suites/smoke")]
    done = subprocess.run(command, cwd=ROOT, env={**os.environ, "HOME": str(tmp_path)},
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, f"the suite needs more than loopback:\n{done.stdout[-5000:]}{done.stderr[-2000:]}"


def test_host_pip_settings_do_not_reach_the_suite(tmp_path, devpi_prefix):
    """PIP_* variables and a pip config file pointing at an index that does not exist must change
    nothing: every client the suite runs ignores the host's configuration."""
    conf = tmp_path / "host-pip.conf"
    conf.write_text("[global]\nindex-url = http://127.0.0.1:9/nowhere/\nextra-index-url = http://127.0.0.1:9/extra/\n")
    env = {**os.environ, "HOME": str(tmp_path), "PIP_CONFIG_FILE": str(conf),
           "PIP_INDEX_URL": "http://127.0.0.1:9/nowhere/", "PIP_EXTRA_INDEX_URL": "http://127.0.0.1:9/extra/",
           "PIP_FIND_LINKS": str(tmp_path), "PIP_NO_INDEX": "1", "UV_INDEX_URL": "http://127.0.0.1:9/nowhere/"}
    # (The install step would honour these, as the user's own pip does: it already ran, in this session.)
    done = subprocess.run(suite_command(tmp_path, devpi_prefix, BUNDLED, "suites/smoke"), cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, f"host pip settings leaked into the suite's clients:\n{done.stdout[-5000:]}"


def test_the_repositorys_fixtures_package_wins_over_pypis(tmp_path, devpi_prefix):
    shadow = tmp_path / "site" / "fixtures"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('PyPI fixtures package imported instead of the suite')\n")
    env = {**os.environ, "HOME": str(tmp_path), "PYTHONPATH": str(shadow.parent)}
    done = subprocess.run([*suite_command(tmp_path, devpi_prefix, BUNDLED, "--collect-only", "-q", "suites/smoke")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"the wrong fixtures package was imported:\n{done.stdout[-3000:]}{done.stderr[-2000:]}"
