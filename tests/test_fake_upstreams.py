"""Unit tests for fake_upstreams: real HTTP on loopback, a fresh upstream per test (no devpi)."""

from __future__ import annotations

import hashlib
import re
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures.api import http_session
from fake_upstreams import FakeUpstream, fake_artifactory, fake_pypi
from fake_upstreams.behaviours import error_5xx, hang, refuse, wrong_hash
from fixtures.packages import Dist, build_sdist, build_wheel

PROJECT, NORMALISED, VERSION = "Foo.Bar", "foo-bar", "1.0"
ARTIFACTORY_PREFIX = "/artifactory/api/pypi/python-local"
LINK = re.compile(r'<a href="([^"]+)"[^>]*>([^<]+)</a>')  # attributes (data-requires-python...) may follow
ARTIFACTORY_LINK = re.compile(
    r"^\.\./\.\./packages/packages/([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{60})/([^/#]+)#sha256=([0-9a-f]{64})$"
)
FLAVOURS: dict[str, Callable[[Path], FakeUpstream]] = {"pypi": fake_pypi, "artifactory": fake_artifactory}


# -- helpers and fixtures -----------------------------------------------------------------------


def links(html: str) -> dict[str, str]:
    """Anchor text -> href, as a PEP 503 client reads a simple page."""
    return {text: href for href, text in LINK.findall(html)}


def path_of(url: str) -> str:
    return urlsplit(url).path


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


@pytest.fixture
def dists(tmp_path: Path) -> list[Dist]:
    return [build_wheel(tmp_path / "dists", PROJECT, VERSION), build_sdist(tmp_path / "dists", PROJECT, VERSION)]


def project_links(http: requests.Session, fake: FakeUpstream, project: str = NORMALISED) -> tuple[str, dict[str, str]]:
    page_url = f"{fake.simple_url}{project}/"
    response = http.get(page_url, timeout=5, allow_redirects=False)
    assert response.status_code == 200, response.text
    return page_url, links(response.text)


# -- serving ------------------------------------------------------------------------------------


def test_root_simple_page_lists_published_projects(upstream: FakeUpstream, http: requests.Session) -> None:
    response = http.get(upstream.simple_url, timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert links(response.text) == {NORMALISED: f"{NORMALISED}/"}


def test_project_page_links_resolve_to_files_with_matching_sha256(
    upstream: FakeUpstream, http: requests.Session, dists: list[Dist]
) -> None:
    page_url, found = project_links(http, upstream)
    assert sorted(found) == sorted(d.filename for d in dists)
    for dist in dists:
        url, _, fragment = urljoin(page_url, found[dist.filename]).partition("#")
        assert fragment == f"sha256={dist.sha256}"
        assert url.startswith(upstream.url), url  # served by the fake itself, nowhere else
        response = http.get(url, timeout=5, allow_redirects=False)
        assert response.status_code == 200
        assert response.content == dist.path.read_bytes()
        assert hashlib.sha256(response.content).hexdigest() == dist.sha256 == upstream.sha256(dist.filename)


def test_fake_pypi_links_its_packages_folder(pypi: FakeUpstream, http: requests.Session, dists: list[Dist]) -> None:
    _, found = project_links(http, pypi)
    for dist in dists:
        assert found[dist.filename] == f"/packages/{dist.filename}#sha256={dist.sha256}"


def test_fake_artifactory_links_are_relative_and_content_addressed(
    artifactory: FakeUpstream, http: requests.Session, dists: list[Dist]
) -> None:
    assert artifactory.simple_url == f"http://127.0.0.1:{artifactory.port}{ARTIFACTORY_PREFIX}/simple/"
    page_url, found = project_links(http, artifactory)
    for dist in dists:
        match = ARTIFACTORY_LINK.match(found[dist.filename])
        assert match, found[dist.filename]
        ab, cd, rest, filename, digest = match.groups()
        assert ab + cd + rest == digest == dist.sha256
        assert filename == dist.filename
        url = urljoin(page_url, found[dist.filename]).split("#")[0]
        assert path_of(url) == f"{ARTIFACTORY_PREFIX}/packages/packages/{ab}/{cd}/{rest}/{filename}"
        response = http.get(url, timeout=5, allow_redirects=False)
        assert response.status_code == 200
        assert hashlib.sha256(response.content).hexdigest() == dist.sha256


@pytest.mark.parametrize("path", [
    "/",
    "/simple/",
    f"/simple/{NORMALISED}/",
    f"/packages/foo_bar-{VERSION}.tar.gz",
    "/artifactory/",
    "/artifactory/api/pypi/other-repo/simple/",
    "/artifactory/api/pypi/python-local-2/simple/",  # a sibling whose name merely starts like the prefix
    "/artifactory/api/pypi/python-localsimple/",
])
def test_fake_artifactory_answers_404_outside_its_prefix(
    artifactory: FakeUpstream, http: requests.Session, path: str
) -> None:
    response = http.get(f"http://127.0.0.1:{artifactory.port}{path}", timeout=5, allow_redirects=False)
    assert response.status_code == 404
    assert "Location" not in response.headers
    assert http.get(artifactory.simple_url, timeout=5).status_code == 200


def test_missing_project_is_404_and_never_redirects(upstream: FakeUpstream, http: requests.Session) -> None:
    response = http.get(f"{upstream.simple_url}not-there/", timeout=5, allow_redirects=False)
    assert response.status_code == 404
    assert "Location" not in response.headers  # no fallback to the real PyPI
    assert "pypi.org" not in response.text


def test_misspelt_missing_project_stays_on_the_fake(upstream: FakeUpstream, http: requests.Session) -> None:
    # PEP 503: a non-normalised name is redirected to its normal form, on the same server.
    response = http.get(f"{upstream.simple_url}Not.There/", timeout=5, allow_redirects=True)
    assert response.status_code == 404
    for hop in [*response.history, response]:
        assert hop.url.startswith(upstream.url), hop.url
    assert path_of(response.url) == path_of(f"{upstream.simple_url}not-there/")


def test_publish_and_unpublish_while_running(upstream: FakeUpstream, http: requests.Session, tmp_path: Path) -> None:
    late = build_wheel(tmp_path / "late", "late-comer", "0.1")
    upstream.publish(late)
    page_url, found = project_links(http, upstream, "late-comer")
    assert list(found) == [late.filename]
    upstream.unpublish(late)
    assert http.get(page_url, timeout=5).status_code == 404
    upstream.clear()
    assert links(http.get(upstream.simple_url, timeout=5).text) == {}


# -- request log ----------------------------------------------------------------------------------


def test_log_records_method_path_and_status(upstream: FakeUpstream, http: requests.Session, dists: list[Dist]) -> None:
    page_url, found = project_links(http, upstream)
    file_url = urljoin(page_url, found[dists[0].filename]).split("#")[0]
    http.head(file_url, timeout=5)
    http.get(f"{upstream.simple_url}nope/", timeout=5)
    http.get(f"{upstream.simple_url}?q=1", timeout=5)
    assert [(r.method, r.path, r.status) for r in upstream.log] == [
        ("GET", path_of(page_url), 200),
        ("HEAD", path_of(file_url), 200),
        ("GET", path_of(f"{upstream.simple_url}nope/"), 404),
        ("GET", path_of(upstream.simple_url) + "?q=1", 200),
    ]
    assert len(upstream.log) == 4
    assert str(list(upstream.log)[0]) == f"GET {path_of(page_url)} -> 200"


def test_assert_requested_passes_when_met(pypi: FakeUpstream, http: requests.Session) -> None:
    http.get(pypi.simple_url, timeout=5)
    http.get(f"{pypi.simple_url}{NORMALISED}/", timeout=5)
    pypi.log.assert_requested(r"^/simple/")
    pypi.log.assert_requested(r"^/simple/", count=2)
    pypi.log.assert_requested(NORMALISED, count=1)
    pypi.log.assert_requested("packages", count=0)


def test_assert_requested_fails_listing_what_was_seen(pypi: FakeUpstream, http: requests.Session) -> None:
    http.get(pypi.simple_url, timeout=5)
    http.get(f"{pypi.simple_url}nope/", timeout=5)
    with pytest.raises(AssertionError) as failed:
        pypi.log.assert_requested(r"/packages/")
    assert str(failed.value) == (
        "expected at least one request(s) matching '/packages/' on fake PyPI, saw 0.\n"
        "fake PyPI saw:\n"
        "GET /simple/ -> 200\n"
        "GET /simple/nope/ -> 404"
    )
    with pytest.raises(AssertionError, match=r"expected exactly 2 request\(s\) matching '\^/simple/\$' on fake PyPI, saw 1\.") as failed:
        pypi.log.assert_requested(r"^/simple/$", count=2)
    assert "GET /simple/nope/ -> 404" in str(failed.value)


def test_assert_requested_on_an_empty_log(pypi: FakeUpstream) -> None:
    with pytest.raises(AssertionError) as failed:
        pypi.log.assert_requested("anything")
    assert str(failed.value).endswith("fake PyPI saw:\n(no requests)")
    assert pypi.log.render() == "(no requests)"


def test_mark_and_since_keep_only_later_requests(artifactory: FakeUpstream, http: requests.Session) -> None:
    http.get(artifactory.simple_url, timeout=5)
    mark = artifactory.log.mark()
    http.get(f"{artifactory.simple_url}{NORMALISED}/", timeout=5)
    everything = [r.path for r in artifactory.log.matching("simple")]
    later = [r.path for r in artifactory.log.matching("simple", since=mark)]
    assert everything == [f"{ARTIFACTORY_PREFIX}/simple/", f"{ARTIFACTORY_PREFIX}/simple/{NORMALISED}/"]
    assert later == [f"{ARTIFACTORY_PREFIX}/simple/{NORMALISED}/"]
    assert artifactory.log.render(since=mark) == f"GET {ARTIFACTORY_PREFIX}/simple/{NORMALISED}/ -> 200"
    artifactory.log.assert_requested(r"/simple/$", count=1)
    artifactory.log.assert_requested(r"/simple/$", count=0, since=mark)
    with pytest.raises(AssertionError) as failed:
        artifactory.log.assert_requested(r"/simple/$", since=mark)
    assert f"GET {ARTIFACTORY_PREFIX}/simple/ -> 200" not in str(failed.value)  # the part before the mark
    assert artifactory.log.matching("simple", since=artifactory.log.mark()) == []


# -- faults -----------------------------------------------------------------------------------------


def test_refuse_closes_the_port_and_its_end_reopens_the_same_one(upstream: FakeUpstream, http: requests.Session) -> None:
    port, url = upstream.port, upstream.simple_url
    gone = upstream.misbehave(refuse())
    assert upstream.misbehaviours == (gone,)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    with pytest.raises(requests.ConnectionError):
        http.get(url, timeout=2)
    assert len(upstream.log) == 0  # nothing reached the app
    gone.end()
    assert (upstream.port, upstream.simple_url) == (port, url)
    assert http.get(url, timeout=5).status_code == 200


def test_hang_times_out_logs_no_answer_and_releases_its_threads(tmp_path: Path, dists: list[Dist], http: requests.Session) -> None:
    baseline = threading.active_count()
    fake = fake_pypi(tmp_path / "hang").start()
    try:
        fake.publish(*dists)
        serving = threading.active_count()
        hanging = fake.misbehave(hang())
        started = time.monotonic()
        with pytest.raises(requests.ReadTimeout):
            http.get(fake.simple_url, timeout=1)
        assert 0.9 <= time.monotonic() - started < 5
        assert [(r.method, r.path, r.status) for r in fake.log] == [("GET", "/simple/", None)]
        assert str(list(fake.log)[0]) == "GET /simple/ -> no answer"
        assert threading.active_count() > serving  # one handler is blocked, holding its thread

        hanging.end()  # lets the blocked handler go
        assert wait_until(lambda: threading.active_count() <= serving), threading.enumerate()
        assert http.get(fake.simple_url, timeout=5).status_code == 200

        fake.misbehave(hang(), project=PROJECT)  # only that project's page and files
        assert http.get(fake.simple_url, timeout=5).status_code == 200
        with pytest.raises(requests.ReadTimeout):
            http.get(f"{fake.simple_url}{NORMALISED}/", timeout=1)
    finally:
        fake.stop()  # stopping while a request hangs releases it too
    assert wait_until(lambda: threading.active_count() <= baseline), threading.enumerate()


def test_error_5xx_answers_503_everywhere(upstream: FakeUpstream, http: requests.Session, dists: list[Dist]) -> None:
    page_url, found = project_links(http, upstream)
    file_url = urljoin(page_url, found[dists[0].filename]).split("#")[0]
    mark = upstream.log.mark()
    with upstream.misbehave(error_5xx()):
        for url in (upstream.simple_url, page_url, file_url, f"{upstream.simple_url}nope/"):
            response = http.get(url, timeout=5, allow_redirects=False)
            assert response.status_code == 503, url
    assert [r.status for r in upstream.log if r.at >= mark] == [503] * 4
    assert http.get(file_url, timeout=5).status_code == 200


def test_wrong_hash_serves_same_length_other_bytes_under_an_unchanged_page(
    upstream: FakeUpstream, http: requests.Session, dists: list[Dist]
) -> None:
    root_page = http.get(upstream.simple_url, timeout=5).text
    page_url, found = project_links(http, upstream)
    project_page = http.get(page_url, timeout=5).text
    with upstream.misbehave(wrong_hash()):
        assert http.get(upstream.simple_url, timeout=5).text == root_page
        assert http.get(page_url, timeout=5).text == project_page  # still advertises the true sha256
        for dist in dists:
            url, _, fragment = urljoin(page_url, found[dist.filename]).partition("#")
            response = http.get(url, timeout=5)
            assert response.status_code == 200
            assert len(response.content) == dist.path.stat().st_size == int(response.headers["Content-Length"])
            assert fragment == f"sha256={dist.sha256}"
            assert hashlib.sha256(response.content).hexdigest() != dist.sha256
    for dist in dists:
        url = urljoin(page_url, found[dist.filename]).split("#")[0]
        assert hashlib.sha256(http.get(url, timeout=5).content).hexdigest() == dist.sha256


def test_wrong_hash_leaves_the_page_of_a_project_named_packages_unchanged(
    upstream: FakeUpstream, http: requests.Session, tmp_path: Path
) -> None:
    upstream.publish(build_wheel(tmp_path / "more", "packages", "1.0"))
    page_url = f"{upstream.simple_url}packages/"
    page = http.get(page_url, timeout=5).text
    assert "packages-1.0-py3-none-any.whl" in page
    with upstream.misbehave(wrong_hash()):
        assert http.get(page_url, timeout=5).text == page


GONE = {"refuse": refuse, "hang": hang, "5xx": error_5xx, "wrong-hash": wrong_hash}


@pytest.mark.parametrize("way", sorted(GONE))
def test_a_misbehaviour_ends_with_its_block_even_when_the_block_raises(
    upstream: FakeUpstream, http: requests.Session, way: str
) -> None:
    port = upstream.port
    with pytest.raises(RuntimeError, match="boom"), upstream.misbehave(GONE[way]()) as inside:  # noqa: PT012 (the block is the subject)
        assert upstream.misbehaviours == (inside,)
        raise RuntimeError("boom")
    assert upstream.misbehaviours == ()
    assert upstream.port == port
    assert http.get(upstream.simple_url, timeout=5).status_code == 200


def test_two_fakes_in_one_process_are_independent(tmp_path: Path, http: requests.Session) -> None:
    one_dist = build_wheel(tmp_path / "dists", "only-in-one", "1.0")
    two_dist = build_sdist(tmp_path / "dists", "only-in-two", "2.0")
    # Two pypiserver apps of the same kind, then one of the other kind, all alive at once.
    with fake_pypi(tmp_path / "one") as one, fake_pypi(tmp_path / "two") as two, fake_artifactory(tmp_path / "three") as three:
        one.publish(one_dist)
        two.publish(two_dist)
        assert len({one.port, two.port, three.port}) == 3
        assert set(links(http.get(one.simple_url, timeout=5).text)) == {"only-in-one"}
        assert set(links(http.get(two.simple_url, timeout=5).text)) == {"only-in-two"}
        assert set(links(http.get(three.simple_url, timeout=5).text)) == set()
        assert http.get(f"{one.simple_url}only-in-two/", timeout=5).status_code == 404
        assert http.get(f"{two.simple_url}only-in-two/", timeout=5).status_code == 200

        with one.misbehave(error_5xx()), three.misbehave(refuse()):
            assert two.misbehaviours == ()
            assert http.get(one.simple_url, timeout=5).status_code == 503
            assert http.get(two.simple_url, timeout=5).status_code == 200
        assert [r.status for r in one.log] == [200, 404, 503]
        assert [r.status for r in two.log] == [200, 200, 200]
        assert [r.status for r in three.log] == [200]


@settings(max_examples=10, deadline=None)
@given(steps=st.lists(st.tuples(st.sampled_from(sorted(GONE)), st.booleans(), st.booleans()), max_size=6))
def test_any_sequence_of_ways_gone_serves_again_once_they_end(tmp_path_factory: pytest.TempPathFactory,
                                                             steps: list[tuple[str, bool, bool]]) -> None:
    root = tmp_path_factory.mktemp("sequence")
    with fake_pypi(root / "upstream") as fake, http_session() as http:
        fake.publish(build_wheel(root / "dists", PROJECT, VERSION))
        port = fake.port
        for way, poke, end_at_once in steps:
            gone = fake.misbehave(GONE[way]())
            if poke:  # a request in flight while in that way, whatever its fate
                try:
                    http.get(fake.simple_url, timeout=0.1)
                except requests.RequestException:
                    pass
            if end_at_once:
                gone.end()
        fake.back_to_normal()
        assert fake.port == port
        assert http.get(fake.simple_url, timeout=5).status_code == 200
        assert http.get(f"{fake.simple_url}{NORMALISED}/", timeout=5).status_code == 200


def test_a_second_upstream_is_a_fixture_factory_of_the_test(make_upstream: Callable[..., FakeUpstream],
                                                              http: requests.Session) -> None:
    """`make_upstream` (fixtures/upstreams.py): another fake of either kind, empty, serving, reached through the
    same door as the session's, and stopped when the test ends."""
    pypi, artifactory = make_upstream("pypi"), make_upstream()
    assert (pypi.name, artifactory.name) == ("fake PyPI", "fake Artifactory")
    assert artifactory.simple_url.endswith(f"{ARTIFACTORY_PREFIX}/simple/") and pypi.port != artifactory.port
    assert set(links(http.get(pypi.simple_url, timeout=5).text)) == set()
    with artifactory.misbehave(refuse()), pytest.raises(requests.ConnectionError):
        http.get(artifactory.simple_url, timeout=2)
    assert http.get(artifactory.simple_url, timeout=5).status_code == 200
