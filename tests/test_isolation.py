"""The suite never leaves loopback, never reads this host's pip configuration, and imports its
own `fixtures` package even where PyPI's `fixtures` is installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from suite_runs import ROOT, suite_command

from fixtures.deployment import BUNDLED

pytestmark = pytest.mark.selftest


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip"),
                    reason="needs root, unshare and ip to give the run a network namespace with only loopback")
def test_the_suite_passes_with_nothing_but_loopback(tmp_path, devpi_prefix, devpi_server_version):
    """network.md's trap: the real PyPI is reachable here, and a mirror left at its default URL
    silently tests against it. In a namespace with only `lo`, any such request fails."""
    # Named, since the registry cannot be asked for the newest in there: the newest kept install may be
    # another version (a pre-release another run put in the shared cache), not the one under test.
    command = ["unshare", "-n", "--", "sh", "-c", 'ip link set lo up && exec "$@"', "sh",
               *suite_command(tmp_path, devpi_prefix, BUNDLED, "--devpi-server-version", str(devpi_server_version),
                              "suites/smoke")]
    done = subprocess.run(command, cwd=ROOT, env={**os.environ, "HOME": str(tmp_path)},
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, f"the suite needs more than loopback:\n{done.stdout[-5000:]}{done.stderr[-2000:]}"


def test_host_pip_settings_do_not_reach_the_suite(tmp_path, devpi_prefix, devpi_server_version):
    """PIP_* variables and a pip config file pointing at an index that does not exist must change
    nothing: every client the suite runs ignores the host's configuration."""
    conf = tmp_path / "host-pip.conf"
    conf.write_text("[global]\nindex-url = http://127.0.0.1:9/nowhere/\nextra-index-url = http://127.0.0.1:9/extra/\n")
    env = {**os.environ, "HOME": str(tmp_path), "PIP_CONFIG_FILE": str(conf),
           "PIP_INDEX_URL": "http://127.0.0.1:9/nowhere/", "PIP_EXTRA_INDEX_URL": "http://127.0.0.1:9/extra/",
           "PIP_FIND_LINKS": str(tmp_path), "PIP_NO_INDEX": "1", "UV_INDEX_URL": "http://127.0.0.1:9/nowhere/"}
    # (The install step would honour these, as the user's own pip does: it already ran, in this session.)
    # Named, since with these settings the registry cannot be asked for the newest devpi-server either.
    command = suite_command(tmp_path, devpi_prefix, BUNDLED, "--devpi-server-version", str(devpi_server_version), "suites/smoke")
    done = subprocess.run(command, cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, f"host pip settings leaked into the suite's clients:\n{done.stdout[-5000:]}"


# Reports which `fixtures` the run imported, from outside the suite's own code (the conftest guard
# must not be the only witness: the tests below remove it).
_PROBE = """
import sys

def pytest_collection_finish(session):
    print("fixtures imported from", getattr(sys.modules.get("fixtures"), "__file__", None))
"""


@pytest.fixture(scope="module")
def pypis_fixtures_first(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An environment where PyPI's real `fixtures` (and a probe plugin) come before site-packages."""
    site = tmp_path_factory.mktemp("pypi-fixtures")
    done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), "fixtures"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0 and (site / "fixtures" / "__init__.py").is_file(), done.stdout + done.stderr
    (site / "isolation_probe.py").write_text(_PROBE)
    return {**os.environ, "HOME": str(site), "PYTHONPATH": str(site)}


def collect_smoke(checkout: Path, env: dict[str, str], basetemp: Path, import_mode: str) -> subprocess.CompletedProcess[str]:
    # `-P`: no working directory on sys.path, as when pytest runs from its `pytest` script; what remains
    # is the checkout's own protection (`pythonpath`, and in prepend mode the root conftest's folder).
    command = [sys.executable, "-P", "-m", "pytest", "-p", "no:cacheprovider", "-p", "isolation_probe",
               f"--import-mode={import_mode}", "--basetemp", str(basetemp), "--collect-only", "-q", "suites/smoke"]
    return subprocess.run(command, cwd=checkout, env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("import_mode", ["prepend", "importlib"])
def test_the_repositorys_fixtures_package_wins_over_pypis(tmp_path, pypis_fixtures_first, import_mode):
    """In importlib mode nothing prepends the root conftest's folder: only pyproject's `pythonpath` keeps
    PyPI's `fixtures` (first on the path here) from being imported."""
    done = collect_smoke(ROOT, pypis_fixtures_first, tmp_path / "basetemp", import_mode)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert f"fixtures imported from {ROOT / 'fixtures' / '__init__.py'}" in done.stdout, output


def test_without_the_pythonpath_setting_the_conftest_guard_stops_the_run_clearly(tmp_path, pypis_fixtures_first):
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    for name in ("conftest.py", "pyproject.toml", "fixtures", "fake_upstreams", "suites", "deployment"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, checkout / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, checkout / name)
    pyproject = checkout / "pyproject.toml"
    text = pyproject.read_text()
    assert 'pythonpath = ["."]\n' in text, "pyproject no longer sets pythonpath as this self-test expects: update it"
    pyproject.write_text(text.replace('pythonpath = ["."]\n', ""))

    done = collect_smoke(checkout, pypis_fixtures_first, tmp_path / "basetemp", "importlib")
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    pypis = Path(pypis_fixtures_first["PYTHONPATH"]) / "fixtures" / "__init__.py"
    assert f"imported the wrong 'fixtures' package ({pypis})" in output, output
