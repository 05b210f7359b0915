"""C3 and P4 for zc.buildout: what a current buildout does with the guide's `~/.buildout/default.cfg`
(`[buildout] index`).

buildout reads the user's default.cfg under every buildout.cfg; its package index (its own copy of
setuptools' PackageIndex) reads devpi's simple pages and downloads the file, then builds it with
`pip install --no-deps --extra-index-url <index>`. The buildout here asks for private-package as an
extension, the one thing buildout installs with no recipe (a recipe would have to come from the index too).

Every run has a HOME with the deployment's files alone, no pip configuration, and a dead proxy for
anything but loopback (fixtures/legacy_clients.py): the file is the only way to devpi.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fake_upstreams.behaviours import wrong_hash
from fixtures.catalogue import PRIVATE_PROJECT, PRIVATE_VERSION


def buildout_asking_for(where: Path, project: str) -> Path:
    where.mkdir(parents=True)
    (where / "buildout.cfg").write_text(f"[buildout]\nparts =\nextensions = {project}\n")
    return where


def eggs(work: Path, project: str) -> list[str]:
    """The eggs of `project` buildout installed under its eggs directory."""
    stem = project.replace("-", "_")
    return sorted(p.name for p in (work / "eggs").rglob(f"{stem}-*.egg"))


@pytest.mark.promise("C3")
def test_buildout_installs_through_root_local_by_the_guides_default_cfg(devpi, legacy_tools, deployment_home, tmp_path,
                                                                       figure):
    home = deployment_home()
    work = buildout_asking_for(tmp_path / "buildout", PRIVATE_PROJECT)
    mark = devpi.log_size()

    # -v: buildout's log names the pages it reads and the files it fetches; it changes nothing else.
    run = legacy_tools.run([legacy_tools.buildout, "-v"], home=home, cwd=work)
    asked = devpi.log_tail(200, since=mark)

    buildout = legacy_tools.versions["zc.buildout"]
    read = devpi.index_url("root/local") + f"{PRIVATE_PROJECT}/"
    assert run.ok, (f"[C3] zc.buildout {buildout} could not install {PRIVATE_PROJECT} with the guide's "
                    f"{home / '.buildout/default.cfg'} as its only index\n{run}")
    assert f"Reading {read}" in run.stdout, f"[C3] buildout did not read {read}\n{run}"
    assert f"Got {PRIVATE_PROJECT} {PRIVATE_VERSION}." in run.stdout and eggs(work, PRIVATE_PROJECT), (
        f"[C3] buildout did not install {PRIVATE_PROJECT} {PRIVATE_VERSION}: eggs {eggs(work, PRIVATE_PROJECT)}\n{run}")
    assert f"GET /root/local/+simple/{PRIVATE_PROJECT}/" in asked, (
        f"[C3] devpi was not asked for root/local's page of {PRIVATE_PROJECT} during the run\n{asked}\n{run}")
    checked = "Validating sha256 checksum" in run.stdout
    pip_indexes = re.search(r"^Looking in indexes: (.*)$", run.stdout, re.M)
    figure("C3_buildout_default_cfg", "works",
           f"C3 zc.buildout {buildout}: default.cfg's index works ({'sha256 checked' if checked else 'no hash check logged'}); "
           f"the pip it builds with looks in {pip_indexes[1] if pip_indexes else '(not logged)'} "
           "(devpi only as --extra-index-url: pip's own index comes from pip.conf)")


@pytest.mark.promise("P4")
def test_buildout_refuses_bytes_not_matching_the_hash_devpi_advertises(devpi, fresh_local, fake_artifactory, packages,
                                                                      project_name, legacy_tools, deployment_home, tmp_path,
                                                                      figure):
    """root/python-local streams what the intranet sends and checks the hash only after the last byte, so
    the corrupt bytes reach buildout: only its own check of devpi's #sha256 keeps them out. The deployment's
    file, with a clone of root/local in its URL so that a project published now is seen."""
    dist = packages.sdist(project_name("buildout"), "1.0")
    fake_artifactory.publish(dist)
    home = deployment_home(fresh_local.name)
    work = buildout_asking_for(tmp_path / "buildout", dist.name)

    with fake_artifactory.misbehave(wrong_hash()):
        mark = fake_artifactory.log.mark()
        run = legacy_tools.run([legacy_tools.buildout, "-v"], home=home, cwd=work)
        sent = fake_artifactory.log.matching(re.escape(dist.filename), since=mark)

    buildout = legacy_tools.versions["zc.buildout"]
    assert sent, (f"[P4] precondition: fake Artifactory saw no request for {dist.filename}, so no corrupt bytes were "
                  f"offered\n{fake_artifactory.log.render(since=mark)}\n{run}")
    assert not run.ok and not eggs(work, dist.name), (
        f"[P4] zc.buildout {buildout} installed {dist.filename} while the intranet sent bytes that do not match devpi's "
        f"sha256: eggs {eggs(work, dist.name)}\n{run}")
    assert "sha256 validation failed" in run.output, f"[P4] buildout failed, but not on the hash\n{run}"
    figure("P4_buildout_hash_check", "refused",
           f"P4 zc.buildout {buildout}: checks devpi's #sha256 itself and refuses the corrupt bytes")
