"""C4: uv, a second real client, resolves the same versions as pip through root/local.

A fixed sample of the property test's kinds of version sets (test_greatest_version.py), each
resolved with pip and with uv, with and without pre-releases (pip `--pre`, uv
`--prerelease allow`): both must give the oracle's version, the same file, from the same index.
Where uv differs from pip by design, a separate test states the difference and asserts each
client's documented behaviour.
"""

from __future__ import annotations

import pytest

from fixtures.indexes import IndexClone
from suites.resolution.oracle import assert_greatest, publish

QUIET = ("--disable-pip-version-check",)

# id: [(version, where)] — no two sides hold the winning version under different file names,
# so that pip and uv must agree on the file, not only on the version.
SAMPLE = {
    "1.9-vs-1.10": [("1.9", "pypi"), ("1.10", "intranet")],
    "final-beats-newer-rc": [("1.10", "pypi"), ("1.9", "intranet"), ("2.0rc1", "intranet")],
    "epoch": [("2.0", "both"), ("1!0.1", "intranet"), ("3.0b1", "pypi")],
    "local-and-post": [("1.0", "pypi"), ("1.0+local.7", "intranet"), ("1.0.post1.dev0", "intranet")],
    "only-pre-releases": [("1.0a1", "intranet"), ("0.9.dev1", "pypi")],
    "same-on-both": [("0.5", "both"), ("0.4", "pypi"), ("0.3", "intranet")],
    "post-release": [("2.0.post1", "pypi"), ("2.0", "intranet"), ("2.1.dev0", "intranet")],
}


@pytest.mark.promise("C4")
@pytest.mark.parametrize("pre", [False, True], ids=["final", "pre"])
@pytest.mark.parametrize("case", SAMPLE)
def test_uv_resolves_the_same_version_as_pip(case, pre, fresh_local: IndexClone, fake_pypi, fake_artifactory, packages,
                                            pip_client, uv_client, project_name):
    """The guide promises pip's behaviour; a team that also uses uv must get the same versions."""
    published = publish(project_name("uv"), SAMPLE[case], packages, fake_pypi, fake_artifactory)
    upstreams = {"pypi": fake_pypi, "intranet": fake_artifactory}

    pip = pip_client.resolve(published.name, index_url=fresh_local.simple_url, args=(*QUIET, *(["--pre"] if pre else [])))
    uv = uv_client.resolve(published.name, index_url=fresh_local.simple_url, prerelease="allow" if pre else None)

    assert_greatest(pip, published, fresh_local, upstreams, pre=pre, promise="C4")
    assert_greatest(uv, published, fresh_local, upstreams, pre=pre, promise="C4")
    pip_file, uv_file = pip.file(published.name), uv.file(published.name)
    assert (uv_file.filename, uv_file.served_by) == (pip_file.filename, pip_file.served_by), (
        f"[C4] uv and pip chose different files for {published.name}\n{pip}\n\n{uv}"
    )


@pytest.mark.promise("C4")
def test_uv_differs_by_design_when_the_only_final_release_is_yanked(fresh_local, fake_pypi, fake_artifactory, packages,
                                                                   pip_client, uv_client, project_name):
    """A stated difference, not a defect. PyPI's only final release, 1.0, is yanked (with a
    reason); the intranet has 2.0b1.
    - pip (user guide: pre-releases only "if there are no stable versions available"; in its
      source the yanked 1.0 still counts as a stable version, then PEP 592 drops it) finds
      nothing: "No matching distribution found".
    - uv (default `--prerelease if-necessary`: "prefer stable versions, falling back to
      pre-release versions when necessary") takes 2.0b1.
    A team mixing both clients sees `pip install` fail where `uv pip install` succeeds."""
    name = project_name("yanked-final")
    final = packages.wheel(name, "1.0")
    fake_pypi.publish(final)
    fake_pypi.yank(final.filename, "withdrawn")
    fake_artifactory.publish(packages.wheel(name, "2.0b1"))

    pip = pip_client.resolve(name, index_url=fresh_local.simple_url, args=QUIET)
    uv = uv_client.resolve(name, index_url=fresh_local.simple_url)

    assert not pip.ok and "No matching distribution found" in pip.stderr, (
        f"[C4] pip was expected to find nothing (the yanked final blocks pre-releases)\n{pip}"
    )
    assert uv.ok and uv.file(name).version == "2.0b1", f"[C4] uv was expected to fall back to 2.0b1\n{uv}"
    assert uv.file(name).served_by == fresh_local.clone_of("root/python-local"), f"[C4] 2.0b1 is the intranet's\n{uv}"
