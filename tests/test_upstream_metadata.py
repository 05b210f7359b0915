"""Unit tests for fake_upstreams.metadata: the PEP 503/592 attributes the fakes add to their links.

Real HTTP against a fresh FakeUpstream of each flavour (no devpi); the last tests let real pip
read the pages directly, which proves the attributes are written the way a client acts on them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

from fake_upstreams import FakeUpstream, fake_artifactory, fake_pypi
from fake_upstreams.metadata import requires_python
from fixtures.clients import PipClient
from fixtures.packages import PackageFactory

PROJECT, NORMALISED = "Meta.Proj", "meta-proj"
FLAVOURS: dict[str, Callable[[Path], FakeUpstream]] = {"pypi": fake_pypi, "artifactory": fake_artifactory}


class _Anchors(HTMLParser):
    """Anchor text -> its attributes, unescaped, as a PEP 503 client parses them."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, dict[str, str | None]] = {}
        self._open: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._open = dict(attrs)

    def handle_data(self, data: str) -> None:
        if self._open is not None and data.strip():
            self.found[data.strip()] = self._open
            self._open = None


def anchors(html: str) -> dict[str, dict[str, str | None]]:
    parser = _Anchors()
    parser.feed(html)
    return parser.found


@pytest.fixture
def factory(tmp_path: Path) -> PackageFactory:
    return PackageFactory(tmp_path / "dists")


@pytest.fixture(params=sorted(FLAVOURS))
def upstream(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FakeUpstream]:
    with FLAVOURS[request.param](tmp_path / "upstream") as fake:
        yield fake


Anchors = dict[str, dict[str, str | None]]


def page(http: requests.Session, fake: FakeUpstream, project: str = NORMALISED) -> tuple[str, Anchors]:
    url = f"{fake.simple_url}{project}/"
    response = http.get(url, timeout=5, allow_redirects=False)
    assert response.status_code == 200, response.text
    assert int(response.headers["Content-Length"]) == len(response.content), "Content-Length must match the rewritten body"
    return url, anchors(response.text)


def test_requires_python_is_read_from_wheel_and_sdist_metadata(factory: PackageFactory) -> None:
    assert requires_python(factory.wheel(PROJECT, "1.0", requires_python=">=3.8, <4").path) == ">=3.8, <4"
    assert requires_python(factory.sdist(PROJECT, "1.0", requires_python="~=3.11").path) == "~=3.11"
    assert requires_python(factory.wheel(PROJECT, "2.0").path) is None


def test_requires_python_of_a_file_that_is_no_archive_is_none(tmp_path: Path) -> None:
    junk = tmp_path / "junk-1.0.tar.gz"
    junk.write_bytes(b"not a tarball")
    assert requires_python(junk) is None


def test_links_carry_requires_python_html_escaped(upstream: FakeUpstream, http: requests.Session,
                                                  factory: PackageFactory) -> None:
    wheel = factory.wheel(PROJECT, "1.0", requires_python=">=3.8,<4")
    sdist = factory.sdist(PROJECT, "1.0", requires_python=">=99")
    plain = factory.wheel(PROJECT, "0.9")
    upstream.publish(wheel, sdist, plain)

    response = http.get(f"{upstream.simple_url}{NORMALISED}/", timeout=5)
    assert 'data-requires-python="&gt;=3.8,&lt;4"' in response.text, response.text  # escaped on the wire
    _, found = page(http, upstream)
    assert found[wheel.filename]["data-requires-python"] == ">=3.8,<4"
    assert found[sdist.filename]["data-requires-python"] == ">=99"
    assert "data-requires-python" not in found[plain.filename]
    assert all("data-yanked" not in attrs for attrs in found.values()), found


def test_hrefs_are_untouched_and_still_download_the_file(upstream: FakeUpstream, http: requests.Session,
                                                         factory: PackageFactory) -> None:
    wheel = factory.wheel(PROJECT, "1.0", requires_python=">=3.8")
    upstream.publish(wheel)
    upstream.yank(wheel.filename, "broken")

    url, found = page(http, upstream)
    href = found[wheel.filename]["href"]
    assert href is not None and href.endswith(f"/{wheel.filename}#sha256={wheel.sha256}"), href
    if upstream.prefix:  # the Artifactory flavour keeps its content-addressed layout
        assert "/packages/packages/" in href, href
    response = http.get(urljoin(url, href).split("#")[0], timeout=5)
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == wheel.sha256


def test_yank_marks_one_file_at_once_with_its_reason(upstream: FakeUpstream, http: requests.Session,
                                                     factory: PackageFactory) -> None:
    old, new = factory.wheel(PROJECT, "1.0"), factory.wheel(PROJECT, "2.0")
    upstream.publish(old, new)
    _, before = page(http, upstream)
    assert "data-yanked" not in before[new.filename]

    upstream.yank(new.filename)
    upstream.yank(old.filename, 'bad "release" <see #1>')

    response = http.get(f"{upstream.simple_url}{NORMALISED}/", timeout=5)
    assert 'data-yanked="bad &quot;release&quot; &lt;see #1&gt;"' in response.text, response.text
    _, after = page(http, upstream)
    assert after[new.filename]["data-yanked"] == ""  # PEP 592: yanked, no reason given
    assert after[old.filename]["data-yanked"] == 'bad "release" <see #1>'


def test_republished_file_gets_its_new_requires_python(upstream: FakeUpstream, http: requests.Session, tmp_path: Path) -> None:
    first = PackageFactory(tmp_path / "a").wheel(PROJECT, "1.0", requires_python=">=3.8")
    second = PackageFactory(tmp_path / "b").wheel(PROJECT, "1.0", requires_python=">=3.9")  # same size, same name
    upstream.publish(first)
    assert page(http, upstream)[1][first.filename]["data-requires-python"] == ">=3.8"
    upstream.publish(second)
    assert page(http, upstream)[1][second.filename]["data-requires-python"] == ">=3.9"


def test_the_project_list_and_missing_projects_are_untouched(upstream: FakeUpstream, http: requests.Session,
                                                             factory: PackageFactory) -> None:
    upstream.publish(factory.wheel(PROJECT, "1.0", requires_python=">=3.8"))
    listing = http.get(upstream.simple_url, timeout=5)
    assert listing.status_code == 200 and "data-" not in listing.text, listing.text
    missing = http.get(f"{upstream.simple_url}no-such-project/", timeout=5, allow_redirects=False)
    assert missing.status_code == 404
    misspelt = http.get(f"{upstream.simple_url}Meta.Proj/", timeout=5, allow_redirects=False)
    assert misspelt.status_code == 301, "pypiserver's redirect to the normalised name must pass through"


@pytest.mark.parametrize("flavour", sorted(FLAVOURS))
def test_pip_reading_the_fake_directly_skips_yanked_and_too_new_python(flavour: str, tmp_path: Path,
                                                                       factory: PackageFactory) -> None:
    """The attributes as pip acts on them: the newest file needs Python >= 99, the next is yanked."""
    with FLAVOURS[flavour](tmp_path / "upstream") as fake:
        fake.publish(factory.wheel(PROJECT, "1.0"), factory.wheel(PROJECT, "2.0"),
                     factory.wheel(PROJECT, "3.0", requires_python=">=99"))
        fake.yank(factory.wheel(PROJECT, "2.0").filename, "do not use")
        pip = PipClient(tmp_path / "pip")

        chosen = pip.resolve(PROJECT, index_url=fake.simple_url)
        pinned = pip.resolve(f"{PROJECT}==2.0", index_url=fake.simple_url)

        fetched = [r.path for r in fake.log if "/packages/" in r.path]
    assert chosen.ok and chosen.versions() == {NORMALISED: "1.0"}, chosen
    assert not any("-3.0-" in path for path in fetched), f"pip should skip 3.0 from the page alone: {fetched}"
    assert pinned.ok and pinned.versions() == {NORMALISED: "2.0"}, f"PEP 592: == still selects a yanked release\n{pinned}"
    assert "do not use" in pinned.stdout + pinned.stderr, f"pip should warn with the yank reason\n{pinned}"
