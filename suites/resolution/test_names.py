"""R4 and R6: a project's name as users and upstreams spell it, and a name nobody has.

PEP 503: `Private_Package`, `private.package` and `PRIVATE--package` are all `private-package`.
pip normalises the name before it asks; older clients (easy_install, buildout) ask with the
name as typed, so devpi's own pages are checked with raw spellings too.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from fixtures.packages import Dist

QUIET = ("--disable-pip-version-check",)
R6_BOUND_SECONDS = 10.0  # well below pip's own 15 s network timeout: "not found" must not wait on anything


def spellings(canonical: str) -> dict[str, str]:
    """The user-side spellings of one canonical name (private-package-...)."""
    words = canonical.split("-")
    return {
        "Title_Underscore": "_".join(w.capitalize() for w in words),  # Private_Package_...
        "dotted": ".".join(words),  # private.package....
        "runs-of-separators": "-_.".join(w.upper() for w in words),  # PRIVATE-_.PACKAGE...
    }


@dataclass(frozen=True)
class Renamed:
    """A built file published under another file name (what `FakeUpstream.publish` copies)."""

    path: Path


@pytest.mark.promise("R4")
@pytest.mark.parametrize("spelling", ["Title_Underscore", "dotted", "runs-of-separators"])
def test_pip_finds_a_private_package_whatever_the_user_types(spelling, devpi, fresh_local, fake_artifactory, packages,
                                                             pip_client, project_name):
    """`pip install Private_Package` (or private.package, ...) gets the intranet's private-package,
    and devpi answers the raw spelling itself, as an older client would send it."""
    # canonicalised: project_name() can return "a--b" when its test-name part starts at a separator
    name = canonicalize_name(project_name("private-package"))
    wheel = packages.wheel(name, "1.0")
    fake_artifactory.publish(wheel)
    typed = spellings(name)[spelling]
    assert canonicalize_name(typed) == name, f"the test's spelling {typed!r} is not a PEP 503 spelling of {name}"

    result = pip_client.resolve(typed, index_url=fresh_local.simple_url, args=QUIET)

    assert result.ok, f"[R4] pip could not resolve {typed!r} (the project {name})\n{result}"
    got = result.file(name)
    assert (got.version, got.sha256) == ("1.0", wheel.sha256), f"[R4] {typed!r} should give the intranet's 1.0\n{result}"
    assert got.served_by == fresh_local.clone_of("root/python-local"), f"[R4] expected the intranet's file\n{result}"
    page = devpi.api.session.get(f"{fresh_local.simple_url}{typed}/", headers={"Accept": "text/html"}, timeout=30)
    assert page.status_code == 200 and wheel.filename in page.text, (
        f"[R4] devpi's page for the raw spelling {typed!r} should list {wheel.filename}: "
        f"{page.status_code} after {[r.url for r in page.history]}\n{page.text[:2000]}\n{result}"
    )


def _published_under_odd_name(dist: Dist, stem: str, tmp: Path) -> Renamed:
    """The same sdist, its file named as an old or hand-made upload might be (Private.Package-3.0.tar.gz)."""
    path = tmp / f"{stem}-{dist.version}.tar.gz"
    shutil.copyfile(dist.path, path)
    return Renamed(path)


@pytest.mark.promise("R4")
@pytest.mark.parametrize("upstream_name", ["fake_pypi", "fake_artifactory"])
def test_a_file_named_with_an_unnormalised_project_name_upstream_is_found(upstream_name, request, fresh_local, packages,
                                                                          pip_client, project_name, tmp_path):
    """An upstream lists `Private.Package-3.0.tar.gz` beside `private_package-1.0-py3-none-any.whl`
    (pypiserver, like Artifactory, lists the project itself under its normalised name, so the file
    name is where an upstream's spelling survives). pip through root/local sees both as one project
    and gets the newest, 3.0, with the upstream's file name and bytes."""
    upstream = request.getfixturevalue(upstream_name)
    name = canonicalize_name(project_name("private-package"))
    odd_stem = ".".join(w.capitalize() for w in name.split("-"))  # Private.Package.Test...
    odd = _published_under_odd_name(packages.sdist(name, "3.0"), odd_stem, tmp_path)
    upstream.publish(packages.wheel(name, "1.0"), odd)

    result = pip_client.resolve(name, index_url=fresh_local.simple_url, args=QUIET)

    assert result.ok, f"[R4] pip could not resolve {name} from {upstream.name}'s {odd.path.name}\n{result}"
    got = result.file(name)
    assert got.version == "3.0" and got.filename == odd.path.name, (
        f"[R4] pip should get 3.0 from {odd.path.name} on {upstream.name}\n{result}"
    )
    assert got.sha256 == upstream.sha256(odd.path.name), f"[R4] the file's bytes differ from {upstream.name}'s\n{result}"


@pytest.mark.promise("R6")
def test_a_name_on_neither_upstream_fails_promptly_through_the_guides_pip_conf(pip_client, devpi, project_name):
    """`pip install` of a name neither PyPI nor the intranet has, with nothing but the guide's
    pip.conf: pip says it could not find it, and says so within R6_BOUND_SECONDS."""
    name = project_name("nowhere")

    result = pip_client.resolve(name, args=QUIET)

    assert not result.ok, f"[R6] pip should not resolve {name}\n{result}"
    assert re.search(rf"No matching distribution found for {re.escape(name)}", result.stderr), (
        f"[R6] expected pip's 'No matching distribution found' error\n{result}"
    )
    assert "from versions: none" in result.stderr, f"[R6] devpi should offer no version at all\n{result}"
    assert result.seconds < R6_BOUND_SECONDS, f"[R6] pip took {result.seconds:.1f} s (bound {R6_BOUND_SECONDS} s)\n{result}"


@pytest.mark.promise("R6")
def test_a_name_on_neither_upstream_is_looked_up_on_both(fresh_local, fake_pypi, fake_artifactory, pip_client, project_name):
    """The same with a root/local that has read nothing yet: devpi asks both upstreams (their
    project lists), then pip gets its 'could not find' answer within R6_BOUND_SECONDS."""
    name = project_name("nowhere")
    since = fake_pypi.log.mark()  # a point in time (monotonic), valid for both logs

    result = pip_client.resolve(name, index_url=fresh_local.simple_url, args=QUIET)

    assert not result.ok and "No matching distribution found" in result.stderr, (
        f"[R6] expected pip's 'No matching distribution found' error\n{result}"
    )
    assert result.seconds < R6_BOUND_SECONDS, f"[R6] pip took {result.seconds:.1f} s (bound {R6_BOUND_SECONDS} s)\n{result}"
    fake_pypi.log.assert_requested(r"/simple/", since=since)
    fake_artifactory.log.assert_requested(r"/simple/", since=since)

