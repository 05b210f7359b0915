"""R3, scenario by scenario: pip's selection rules still hold when devpi merges two upstreams.

Each scenario publishes a fresh project on the fake upstreams and resolves through a fresh clone
of root/local (`fresh_local`), so devpi reads the upstreams for the first time during the test.
The fakes serve PEP 503/592 link attributes (data-requires-python, data-yanked) as PyPI does.
"""

from __future__ import annotations

import re

import pytest

QUIET = ("--disable-pip-version-check",)  # no extra request for "pip" in the upstream logs


@pytest.mark.promise("R3")
def test_pre_releases_only_with_pre(fresh_local, fake_pypi, fake_artifactory, packages, pip_client, project_name):
    """A release candidate on the intranet does not replace PyPI's final release unless the user
    asks for pre-releases: `pip install` stays on 1.0, `pip install --pre` gets 1.1rc1."""
    name = project_name("pre")
    fake_pypi.publish(packages.wheel(name, "1.0"))
    fake_artifactory.publish(packages.wheel(name, "1.1rc1"))

    final = pip_client.resolve(name, index_url=fresh_local.simple_url, args=QUIET)
    pre = pip_client.resolve(name, index_url=fresh_local.simple_url, args=(*QUIET, "--pre"))

    assert final.ok and final.file(name).version == "1.0", f"[R3] without --pre pip must keep the final 1.0\n{final}"
    assert final.file(name).served_by == fresh_local.clone_of("root/pypi"), f"[R3] 1.0 is PyPI's\n{final}"
    assert pre.ok and pre.file(name).version == "1.1rc1", f"[R3] with --pre pip must take the intranet's 1.1rc1\n{pre}"
    assert pre.file(name).served_by == fresh_local.clone_of("root/python-local"), f"[R3] 1.1rc1 is the intranet's\n{pre}"


@pytest.mark.promise("R3")
def test_a_yanked_release_is_ignored_unless_pinned(fresh_local, fake_pypi, packages, pip_client, project_name):
    """PEP 592: PyPI yanks 2.0 ("broken build"). pip through root/local installs 1.0; only
    `==2.0` still gets 2.0, with pip's warning that names the reason."""
    name = project_name("yanked")
    fake_pypi.publish(packages.wheel(name, "1.0"), packages.wheel(name, "2.0"))
    fake_pypi.yank(packages.wheel(name, "2.0").filename, "broken build")

    latest = pip_client.resolve(name, index_url=fresh_local.simple_url, args=QUIET)
    pinned = pip_client.resolve(f"{name}==2.0", index_url=fresh_local.simple_url, args=QUIET)

    assert latest.ok and latest.file(name).version == "1.0", f"[R3] pip must skip the yanked 2.0\n{latest}"
    assert pinned.ok and pinned.file(name).version == "2.0", f"[R3] ==2.0 must still select the yanked 2.0\n{pinned}"
    assert "broken build" in pinned.stderr, f"[R3] pip should warn that 2.0 is yanked, with the reason\n{pinned}"


@pytest.mark.promise("R3")
@pytest.mark.finding("R3-reasonless-yank")
def test_a_release_yanked_without_a_reason_is_ignored(devpi, fresh_local, fake_artifactory, packages, pip_client, project_name,
                                                      finding):
    """PEP 592 allows a yank with no reason (`data-yanked=""`), which is how an HTML index such as
    Artifactory marks it. pip through root/local must still skip it.

    Known finding (devpi-server 6.20.3): devpi copies the empty reason into its PEP 691 JSON
    page as `"yanked": ""`; PEP 691 wants `true` or a non-empty string, and pip (which asks for
    JSON) reads "" as not yanked, so it installs the yanked release. The test reports that as an
    expected failure when devpi's JSON shows exactly this, and fails on any other cause."""
    name = project_name("yanked-no-reason")
    yanked = packages.wheel(name, "2.0")
    fake_artifactory.publish(packages.wheel(name, "1.0"), yanked)
    fake_artifactory.yank(yanked.filename)

    result = pip_client.resolve(name, index_url=fresh_local.simple_url, args=QUIET)

    assert result.ok, f"[R3] pip could not resolve {name}\n{result}"
    if result.file(name).version == "2.0":
        page = devpi.api.session.get(f"{fresh_local.simple_url}{name}/", timeout=30,
                                     headers={"Accept": "application/vnd.pypi.simple.v1+json"}).json()
        entry = next((f for f in page.get("files", []) if f["filename"] == yanked.filename), {})
        if entry.get("yanked") == "":
            finding("R3-reasonless-yank", f'devpi serves {yanked.filename} as "yanked": "" in its JSON page, which pip '
                         f"reads as not yanked, so pip installs a release the intranet yanked")
    assert result.file(name).version == "1.0", f"[R3] pip must skip the yanked 2.0\n{result}"


@pytest.mark.promise("R3")
def test_a_newest_release_needing_a_newer_python_is_skipped(fresh_local, fake_pypi, fake_artifactory, packages, pip_client,
                                                           project_name):
    """The intranet's 2.0 says Requires-Python >=99. pip through root/local takes PyPI's 1.5, and
    decides from the index page alone: the 2.0 file is never downloaded."""
    name = project_name("requires-python")
    too_new = packages.wheel(name, "2.0", requires_python=">=99")
    fake_pypi.publish(packages.wheel(name, "1.5"))
    fake_artifactory.publish(too_new)
    since = fake_artifactory.log.mark()

    result = pip_client.resolve(name, index_url=fresh_local.simple_url, args=QUIET)

    assert result.ok and result.file(name).version == "1.5", f"[R3] pip must skip 2.0 (Requires-Python >=99)\n{result}"
    assert result.file(name).served_by == fresh_local.clone_of("root/pypi"), f"[R3] 1.5 is PyPI's\n{result}"
    fake_artifactory.log.assert_requested(re.escape(too_new.filename), count=0, since=since)


@pytest.mark.promise("R3")
def test_wheel_and_sdist_of_one_version_pip_takes_the_wheel(fresh_local, fake_artifactory, packages, pip_client, project_name):
    """The intranet has 1.0 as a wheel and as an sdist: pip gets the wheel (no build on the user's side)."""
    name = project_name("wheel-sdist")
    wheel = packages.wheel(name, "1.0")
    fake_artifactory.publish(wheel, packages.sdist(name, "1.0"))

    result = pip_client.download(name, index_url=fresh_local.simple_url, args=QUIET)

    assert result.ok, f"[R3] pip could not download {name}\n{result}"
    got = result.file(name)
    assert (got.version, got.filename) == ("1.0", wheel.filename), f"[R3] pip should take the 1.0 wheel\n{result}"
    assert got.sha256 == wheel.sha256, f"[R3] the wheel's bytes differ from the intranet's\n{result}"


@pytest.mark.promise("R3")
def test_prefer_binary_trades_the_newest_sdist_for_an_older_wheel(fresh_local, fake_pypi, fake_artifactory, packages,
                                                                 pip_client, project_name):
    """The intranet's newest 1.1 is an sdist only; PyPI has 1.0 as a wheel. pip takes 1.1 (building
    it), and with the guide's own `--prefer-binary` it takes PyPI's 1.0 wheel instead."""
    name = project_name("prefer-binary")
    fake_pypi.publish(packages.wheel(name, "1.0"))
    fake_artifactory.publish(packages.sdist(name, "1.1"))

    newest = pip_client.resolve(name, index_url=fresh_local.simple_url, args=QUIET)
    binary = pip_client.resolve(name, index_url=fresh_local.simple_url, args=(*QUIET, "--prefer-binary"))

    assert newest.ok and newest.file(name).version == "1.1", f"[R3] pip takes the newest 1.1 sdist\n{newest}"
    assert newest.file(name).filename.endswith(".tar.gz"), f"[R3] 1.1 exists only as an sdist\n{newest}"
    assert binary.ok and binary.file(name).version == "1.0", f"[R3] --prefer-binary takes the 1.0 wheel\n{binary}"
    assert binary.file(name).filename.endswith(".whl"), f"[R3] --prefer-binary must give a wheel\n{binary}"
    assert binary.file(name).served_by == fresh_local.clone_of("root/pypi"), f"[R3] the wheel is PyPI's\n{binary}"

