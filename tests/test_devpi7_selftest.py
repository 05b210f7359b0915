"""Self-tests on devpi-server 7: broken copies of the migrated deployment (deployment-devpi7/) fail with the
right promise. They need a 7.x install of the migrated copy, so they run only when the session is one:

    pytest tests/test_devpi7_selftest.py --devpi-server-version 7.0.0b4 --deployment deployment-devpi7

and skip otherwise, saying so (7.x runs beyond one smoke run belong to the version matrix, not CI). The child
runs of the smoke suite are in a network namespace with nothing but loopback, so a mirror left on its default URL
reaches no real PyPI: it fails as a user's machine without PyPI would. The upgrade's child runs (S4, with
`--upgrade-from 6.20.3`: the guide's 6.20.3 service upgraded by the migrated upgrade.sh) need the package
registry, as a user's upgrade does: its environment is installed with 6.20.3 and updated to 7."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from deployment_changes import S4_UPGRADE, SMOKE_R1, SMOKE_R2
from suite_runs import ROOT, SuiteRun, child_run, loopback_only

from fixtures.deployment import BUNDLED, Deployment
from fixtures.devpi_versions import dialect
from fixtures.migration import MIGRATED

pytestmark = pytest.mark.selftest

PYPI_ON_ITS_DEFAULT_URL = ("configure.sh", ' ${DEPLOY_PYPI_URL:+"remote_url=${DEPLOY_PYPI_URL}"}', "")
NO_BASES = ("configure.sh", "  bases='root/python-local,root/pypi' \\\n", "")
# A step after configure.sh (client-config.sh, before the suite reads the configuration back) points root/pypi at
# the real PyPI: the server is no longer configured as the configure step asked.
BUILDOUT_CFG_END = "index = http://localhost:${DEPLOY_PORT}/root/local/+simple/\nCONF\n"
REAL_PYPI = "https://pypi.org/simple/"
PYPI_REPOINTED_AFTER_CONFIGURE = ("client-config.sh", BUILDOUT_CFG_END,
                                  BUILDOUT_CFG_END + f'"${{DEPLOY_PREFIX}}/bin/devpi" index root/pypi remote_url={REAL_PYPI}\n')
# The migrated upgrade.sh's export and import, each left out in turn.
UPGRADE_FROM = "6.20.3"  # the devpi 6 its users have: the pair they face
EXPORT_WITHOUT_MIRRORED_FILES = ("upgrade.sh", " --include-mirrored-files \\\n", " \\\n")
IMPORT_SKIPPED = ("upgrade.sh", '"${DEPLOY_PREFIX}/bin/devpi-import"', ': "${DEPLOY_PREFIX}/bin/devpi-import"')


@pytest.fixture
def on_devpi_7_migrated(deployment: Deployment, devpi_server_version) -> None:  # noqa: ANN001
    if not dialect(devpi_server_version).renamed or deployment.source != MIGRATED:
        pytest.skip(f"needs a devpi-server 7 session on the migrated copy (this one: {devpi_server_version}, "
                    f"{deployment.source.name}): pytest {Path(__file__).relative_to(ROOT)} --devpi-server-version "
                    f"7.0.0b4 --deployment deployment-devpi7")


@pytest.fixture
def on_devpi_7(on_devpi_7_migrated: None) -> None:
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip"):
        pytest.skip("needs root, unshare and ip: the child run must have nothing but loopback")


def loopback_only_run(tmp_path: Path, devpi_prefix: Path, copy: Path, *args: str) -> SuiteRun:
    return child_run(tmp_path, devpi_prefix, copy, args, wrap=loopback_only())


@pytest.mark.breaks("R1")
@pytest.mark.usefixtures("on_devpi_7")
def test_root_pypi_left_on_its_default_url_breaks_r1_on_7(tmp_path, devpi_prefix):
    copy = Deployment(MIGRATED).copy_with(tmp_path / "deployment-devpi7", PYPI_ON_ITS_DEFAULT_URL).source
    result = loopback_only_run(tmp_path, devpi_prefix, copy, "--promise", "R1", "--promise", "R2", SMOKE_R1, SMOKE_R2)

    assert result.verdicts.get("R1") == "BROKEN", f"R1 should be BROKEN with root/pypi on pypi.org\n{result}"
    assert any("pip could not download numpy through root/local" in m for m in result.failure_messages("R1")), result
    assert result.verdicts.get("R2") == "kept", f"the intranet's package does not need root/pypi\n{result}"


@pytest.mark.breaks("R1")
@pytest.mark.breaks("R2")
@pytest.mark.usefixtures("on_devpi_7")
def test_root_local_without_its_bases_breaks_r1_and_r2_on_7(tmp_path, devpi_prefix):
    copy = Deployment(MIGRATED).copy_with(tmp_path / "deployment-devpi7", NO_BASES).source
    result = loopback_only_run(tmp_path, devpi_prefix, copy, "--promise", "R1", "--promise", "R2", SMOKE_R1, SMOKE_R2)

    assert result.broken() == {"R1", "R2"}, f"R1 and R2 should be BROKEN with root/local's bases dropped\n{result}"
    assert any("through root/local" in m for m in result.failure_messages("R2")), result


@pytest.mark.usefixtures("on_devpi_7")
def test_the_guide_as_written_on_7_names_its_failing_step_fix_and_the_migrated_copy_once(run_suite, devpi_server_version):
    result = run_suite(BUNDLED, "suites/smoke", "--devpi-server-version", str(devpi_server_version))

    # init is S1's step: S1 BROKEN (fixtures/promises.py STEP_PROMISES); the promises it blocked are not set up.
    assert result.returncode == 1 and result.verdicts == {"S1": "BROKEN", "R1": "not set up", "R2": "not set up",
                                                          "O1": "not set up"}, result
    assert "step 'init'" in result.output and "The backend 'sqlite' can't be found" in result.output, result
    assert result.output.count("the one-line fix is `--storage sqlite` -> `--storage sqla_lite`") == 1, result
    assert result.output.count("deployment-devpi7/ (docs/devpi7-migration.md)") == 1, result


@pytest.mark.usefixtures("on_devpi_7")
def test_a_server_not_configured_as_the_configure_step_asked_stops_the_run_on_7(tmp_path, devpi_prefix):
    """Bad input: whatever changed it, a server whose index configuration is not what configure.sh asked for
    stops the run with one message naming the step and the cause, in devpi 7's words, before any scenario
    (and so before anything could reach the real PyPI root/pypi now names)."""
    copy = Deployment(MIGRATED).copy_with(tmp_path / "deployment-devpi7", PYPI_REPOINTED_AFTER_CONFIGURE).source
    result = loopback_only_run(tmp_path, devpi_prefix, copy, "--promise", "R1", SMOKE_R1)

    assert result.returncode == 1 and result.verdicts.get("R1") == "not set up", result
    cause = "root/pypi: asked remote_url='http://127.0.0.1:"
    assert "step 'configure'" in result.output and cause in result.output, result
    assert result.output.count(f"devpi reports remote_url='{REAL_PYPI}'") == 1, f"the cause once\n{result}"
    assert "mirror_url" not in result.output and "Traceback" not in result.output, result


@pytest.mark.usefixtures("on_devpi_7_migrated")
def test_the_migrated_upgrade_of_the_guides_6_keeps_configuration_cached_files_and_logins_on_7(tmp_path, devpi_prefix):
    result = child_run(tmp_path, devpi_prefix, MIGRATED, ("--upgrade-from", UPGRADE_FROM, S4_UPGRADE))

    assert result.returncode == 0 and result.verdicts.get("S4") == "kept", result
    assert result.finding_status("S4-upgrade-needs-export") == "not reproduced", result


@pytest.mark.breaks("S4")
@pytest.mark.usefixtures("on_devpi_7_migrated")
@pytest.mark.parametrize(("change", "lost"), [
    (EXPORT_WITHOUT_MIRRORED_FILES, r"has lost: .*is not served with the intranet gone"),
    (IMPORT_SKIPPED, r"devpi-server did not start, and not because devpi-server 7\.0\.0b4 refuses the old server directory"),
], ids=["export without mirrored files", "import skipped"])
def test_the_migrated_upgrade_without_its_export_or_import_breaks_s4_on_7(tmp_path, devpi_prefix, change, lost):
    copy = Deployment(MIGRATED).copy_with(tmp_path / "deployment-devpi7", change).source
    result = child_run(tmp_path, devpi_prefix, copy, ("--upgrade-from", UPGRADE_FROM, S4_UPGRADE))

    assert result.broken() == {"S4"}, f"S4 should be BROKEN\n{result}"
    assert any(re.search(lost, m) for m in result.failure_messages("S4")), result
