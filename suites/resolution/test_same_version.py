"""R5: the same project name and version on both upstreams. Which file does pip get?

What a user should learn (the guide: "internal Python package names should have an
org-specific prefix such as `foo.` to reduce the likelihood of name collisions with public
Python package names"): root/local does not keep the two projects apart. For one file name,
devpi lists only the copy of the first index in root/local's bases (`root/python-local`), so
the intranet's bytes win even when PyPI's differ — but PyPI still wins as soon as it has a
greater version (R3), or a file pip prefers at the same version (a wheel beside an intranet
sdist). A public project that shares an internal name can therefore replace the internal
package at any release; only a name nobody else can publish (an org prefix) rules that out.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.clients import at_once
from fixtures.packages import PackageFactory
from fixtures.pages import links

QUIET = ("--disable-pip-version-check",)


def last_base_won(devpi, fresh_local, results, name: str, filename: str, finding) -> None:  # noqa: ANN001
    """devpi-server 7 (7.0.0b4) walks root/local's remote bases in reverse and keeps the first copy of a file name
    it meets: every client got root/pypi's, and root/local's page offers that one only. Then a finding, with the
    page's traversal (on 6, and for anything else, the scenario's assertions judge)."""
    __tracebackhide__ = True
    pypi = fresh_local.clone_of("root/pypi")
    if not devpi.api.dialect.renamed or not all(r.ok and r.file(name).served_by == pypi for r in results):
        return
    status, page = devpi.api.simple_page(fresh_local.name, name)
    if status != 200 or page.count(filename) != 2 or f"{pypi.split('/')[1]}/+f/" not in page:
        return
    traversal = page[page.find("<ol>"):page.find("</ol>")].replace("<li>", "").replace("</li>", ";").replace("<ol>", "")
    finding("R5-devpi7-last-base-wins", f"devpi-server {devpi.api.server_version}: for {filename} on both upstreams, pip "
            f"and uv got root/pypi's copy ({pypi}), the last of root/local's bases; root/local's page offers only that "
            f"link (its traversal: {traversal.strip()}). On devpi 6 the first base, root/python-local, wins. Advice: give "
            f"internal packages names nobody can publish on PyPI (the guide's org prefix)")


@pytest.mark.promise("R5")
@pytest.mark.finding("R5-devpi7-last-base-wins")
def test_same_file_on_both_upstreams_is_served_by_the_intranet_index(devpi, fresh_local, fake_pypi, fake_artifactory, packages,
                                                                     pip_client, uv_client, project_name, finding):
    """The identical 1.0 wheel on PyPI and on the intranet: pip and uv both get it from
    root/python-local, the first of root/local's bases, every time."""
    name = project_name("same-file")
    wheel = packages.wheel(name, "1.0")
    fake_pypi.publish(wheel)
    fake_artifactory.publish(wheel)

    # The first run alone: clients asking at once for a project devpi has not fetched yet may get an incomplete
    # page (the D1 finding, suites/durability); once devpi has it, the second pip and uv run at the same time.
    results = [pip_client.resolve(name, index_url=fresh_local.simple_url, args=QUIET)]
    results += at_once(lambda: pip_client.resolve(name, index_url=fresh_local.simple_url, args=QUIET),
                       lambda: uv_client.resolve(name, index_url=fresh_local.simple_url))
    last_base_won(devpi, fresh_local, results, name, wheel.filename, finding)

    for result in results:
        assert result.ok, f"[R5] {result.client} could not resolve {name}\n{result}"
        got = result.file(name)
        assert got.served_by == fresh_local.clone_of("root/python-local"), (
            f"[R5] expected the intranet's index (first in root/local's bases) to serve {wheel.filename}\n{result}"
        )
        assert got.sha256 == wheel.sha256, f"[R5] unexpected bytes\n{result}"


@pytest.mark.promise("R5")
@pytest.mark.finding("R5-devpi7-last-base-wins")
def test_same_file_name_with_different_bytes_gives_the_intranets_bytes(devpi, fresh_local, fake_pypi, fake_artifactory,
                                                                      pip_client, uv_client, project_name, tmp_path: Path,
                                                                      finding):
    """PyPI and the intranet both publish `<name>-1.0-py3-none-any.whl`, with different contents.
    devpi lists one link for that file name, the intranet's: pip and uv install the intranet's
    bytes, and PyPI's file is never offered."""
    name = project_name("same-name-other-bytes")
    public = PackageFactory(tmp_path / "pypi").wheel(name, "1.0", payload="public")
    private = PackageFactory(tmp_path / "intranet").wheel(name, "1.0", payload="private")
    assert public.filename == private.filename and public.sha256 != private.sha256  # the premise
    fake_pypi.publish(public)
    fake_artifactory.publish(private)

    pip = pip_client.resolve(name, index_url=fresh_local.simple_url, args=QUIET)
    uv = uv_client.resolve(name, index_url=fresh_local.simple_url)
    last_base_won(devpi, fresh_local, [pip, uv], name, public.filename, finding)

    for result in (pip, uv):
        assert result.ok, f"[R5] {result.client} could not resolve {name}\n{result}"
        got = result.file(name)
        assert (got.served_by, got.sha256) == (fresh_local.clone_of("root/python-local"), private.sha256), (
            f"[R5] expected the intranet's bytes (sha256 {private.sha256}), PyPI's are {public.sha256}\n{result}"
        )
    status, page = devpi.api.simple_page(fresh_local.name, name)
    offered = [link for link in links(page) if link.filename == public.filename]
    assert status == 200 and len(offered) == 1 and public.sha256 not in page, (
        f"[R5] root/local's page should offer one {public.filename}, the intranet's\n{page}"
    )


@pytest.mark.promise("R5")
def test_same_version_pypi_wheel_beats_intranet_sdist(fresh_local, fake_pypi, fake_artifactory, packages, pip_client,
                                                      project_name):
    """Same version, different files: the intranet has 1.0 as an sdist, PyPI has 1.0 as a wheel.
    Both are offered, and pip prefers a wheel at equal versions: the user gets PyPI's file."""
    name = project_name("same-version-wheel")
    sdist, wheel = packages.sdist(name, "1.0"), packages.wheel(name, "1.0")
    fake_artifactory.publish(sdist)
    fake_pypi.publish(wheel)

    result = pip_client.resolve(name, index_url=fresh_local.simple_url, args=QUIET)

    assert result.ok, f"[R5] pip could not resolve {name}\n{result}"
    got = result.file(name)
    assert (got.served_by, got.filename) == (fresh_local.clone_of("root/pypi"), wheel.filename), (
        f"[R5] pip should take PyPI's 1.0 wheel over the intranet's 1.0 sdist\n{result}"
    )
    assert got.sha256 == fake_pypi.sha256(wheel.filename), f"[R5] the wheel's bytes differ from PyPI's\n{result}"
