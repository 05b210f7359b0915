"""C3 and P4 for setuptools: what a current setuptools does with the guide's `~/.pydistutils.cfg`
(`[easy_install] index_url`).

easy_install itself is gone (setuptools 80 left a stub command with no options). What still reads the
section is `fetch_build_eggs`, which `python setup.py ...` runs for a project's `setup_requires`: it calls
`pip wheel --index-url <the file's index_url>` (setuptools.installer), deprecated and overdue. Under a
PEP 517 front-end (pip install, python -m build) setuptools never fetches them: it hands `setup_requires`
to the front-end as build requirements, and pip installs those from its own index (pip.conf).

Every run has a HOME with the deployment's files alone, no pip configuration, and a dead proxy for
anything but loopback (fixtures/legacy_clients.py): the file is the only way to devpi, and a tool that
ignores it fails instead of reaching the real PyPI.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fake_upstreams.behaviours import wrong_hash
from fixtures.catalogue import PRIVATE_PROJECT, PRIVATE_VERSION

DEPRECATION = "fetch_build_eggs are deprecated"


def setup_requires_project(where: Path, requirement: str) -> Path:
    """A project whose setup.py needs `requirement` to run at all (setup_requires)."""
    where.mkdir(parents=True)
    (where / "setup.py").write_text("from setuptools import setup\n"
                                    f"setup(name='needs-it', version='0.1', py_modules=[], setup_requires=[{requirement!r}])\n")
    return where


def fetched_eggs(project: Path) -> list[str]:
    """What fetch_build_eggs left in the project's .eggs folder."""
    return sorted(p.name for p in (project / ".eggs").glob("*.egg"))


@pytest.mark.promise("C3")
def test_setup_requires_come_through_root_local_by_the_guides_pydistutils_cfg(devpi, legacy_tools, deployment_home,
                                                                            tmp_path, figure):
    home = deployment_home()
    project = setup_requires_project(tmp_path / "project", PRIVATE_PROJECT)
    mark = devpi.log_size()

    run = legacy_tools.run([legacy_tools.python, "setup.py", "--version"], home=home, cwd=project)
    asked = devpi.log_tail(200, since=mark)

    setuptools = legacy_tools.versions["setuptools"]
    assert run.ok, (f"[C3] `python setup.py` with setuptools {setuptools} could not fetch its setup_requires "
                    f"{PRIVATE_PROJECT} with the guide's {home / '.pydistutils.cfg'} as its only index\n{run}")
    egg = re.compile(rf"{PRIVATE_PROJECT.replace('-', '_')}-{re.escape(PRIVATE_VERSION)}-py")
    assert any(egg.match(name) for name in fetched_eggs(project)), (
        f"[C3] setuptools fetched {fetched_eggs(project)}, not {PRIVATE_PROJECT} {PRIVATE_VERSION}\n{run}")
    assert f"GET /root/local/+simple/{PRIVATE_PROJECT}/" in asked, (
        f"[C3] devpi was not asked for root/local's page of {PRIVATE_PROJECT} during the run\n{asked}\n{run}")
    figure("C3_setuptools_pydistutils_cfg", "works",
           f"C3 setuptools {setuptools}: `python setup.py` fetched setup_requires through root/local by .pydistutils.cfg's "
           f"[easy_install] index_url (pip wheel --index-url){', with a deprecation warning' if DEPRECATION in run.stderr else ''}")

    # The same project under pip, the PEP 517 front-end, with this setuptools (no build isolation, which would
    # fetch setuptools itself from pip's index): setuptools hands setup_requires to pip and fetches nothing.
    mark = devpi.log_size()
    pip = legacy_tools.run([legacy_tools.python, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--retries", "0",
                            "-w", str(tmp_path / "wheels"), "."], home=home, cwd=project)
    read = f"/+simple/{PRIVATE_PROJECT}/" in devpi.log_since(mark)
    figure("C3_setuptools_under_pip", "read" if read else "ignored",
           f"C3 setuptools {setuptools} under pip (PEP 517): .pydistutils.cfg "
           f"{'was read' if read else 'is not read; setup_requires are pip build requirements, from pip.conf'} "
           f"(pip wheel --no-build-isolation {'built the project' if pip.ok else 'failed'})")


@pytest.mark.promise("P4")
def test_setuptools_refuses_bytes_not_matching_the_hash_devpi_advertises(devpi, fresh_local, fake_artifactory, packages,
                                                                         project_name, legacy_tools, deployment_home,
                                                                         tmp_path, figure):
    """root/python-local streams what the intranet sends and checks the hash only after the last byte
    (suites/caching/test_integrity.py), so the corrupt bytes reach the client: only its own check of
    devpi's #sha256 stands between them and the build. The deployment's file, with a clone of root/local
    in its URL so that a project published now is seen."""
    dist = packages.sdist(project_name("setup-requires"), "1.0")
    fake_artifactory.publish(dist)
    home = deployment_home(fresh_local.name)
    project = setup_requires_project(tmp_path / "project", dist.name)

    with fake_artifactory.misbehave(wrong_hash()):
        mark = fake_artifactory.log.mark()
        run = legacy_tools.run([legacy_tools.python, "setup.py", "--version"], home=home, cwd=project)
        sent = fake_artifactory.log.matching(re.escape(dist.filename), since=mark)

    assert sent, (f"[P4] precondition: fake Artifactory saw no request for {dist.filename}, so no corrupt bytes were "
                  f"offered\n{fake_artifactory.log.render(since=mark)}\n{run}")
    assert not run.ok and not fetched_eggs(project), (
        f"[P4] setuptools {legacy_tools.versions['setuptools']} built with {dist.filename} while the intranet sent bytes "
        f"that do not match devpi's sha256: eggs {fetched_eggs(project)}\n{run}")
    assert "DO NOT MATCH THE HASHES" in run.output, f"[P4] setuptools failed, but not on the hash\n{run}"
    figure("P4_setuptools_hash_check", "refused",
           f"P4 setuptools {legacy_tools.versions['setuptools']} (setup_requires): pip checks devpi's #sha256 and refuses "
           "the corrupt bytes")
