"""Unit tests for fake_upstreams/behaviours.py: each misbehaviour against a real fake upstream, plain HTTP."""

from __future__ import annotations

import hashlib
import http.client as httplib
import json
import re
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from fake_upstreams import FakeUpstream, Route, fake_pypi
from fake_upstreams.behaviours import (
    PEP691,
    Behaviour,
    answer,
    content_type,
    etag,
    hang,
    headers,
    last_serial,
    link_down,
    link_style,
    pep691,
    projects_of_path,
    refuse,
    reset,
    root_list,
    stall,
    trickle,
    truncate,
    unresolvable,
)
from fixtures.packages import Dist, build_sdist, build_wheel

PROJECT, OTHER = "foo-bar", "other"
LINK = re.compile(r'<a href="([^"]+)"[^>]*>([^<]+)</a>')


@pytest.fixture
def dists(tmp_path: Path) -> list[Dist]:
    where = tmp_path / "dists"
    # A body well above the few bytes the byte-level faults let through.
    return [build_wheel(where, PROJECT, "1.0", payload="x = 1\n" * 2000), build_sdist(where, PROJECT, "1.0"),
            build_wheel(where, OTHER, "2.0")]


def page(upstream: FakeUpstream, project: str = PROJECT) -> str:
    return f"{upstream.simple_url}{project}/"


def file_url(http: requests.Session, upstream: FakeUpstream, filename: str) -> str:
    response = http.get(page(upstream), timeout=5)
    href = {text: href for href, text in LINK.findall(response.text)}[filename]
    return urljoin(page(upstream), href).partition("#")[0]


# -- matching, scope, recording --------------------------------------------------------------------------


def test_a_behaviour_scoped_to_a_project_leaves_other_projects_alone(upstream: FakeUpstream, http: requests.Session,
                                                                      dists: list[Dist]) -> None:
    wheel = dists[0]
    url = file_url(http, upstream, wheel.filename)
    with upstream.misbehave(answer(503, body="down"), project="Foo.Bar"):
        assert http.get(page(upstream), timeout=5).status_code == 503
        assert http.get(url, timeout=5).status_code == 503  # its files too
        assert http.get(page(upstream, OTHER), timeout=5).status_code == 200
        assert http.get(upstream.simple_url, timeout=5).status_code == 200
    assert http.get(page(upstream), timeout=5).status_code == 200
    assert upstream.misbehaviours == ()


def test_a_behaviour_scoped_to_a_path_and_the_newest_wins(pypi: FakeUpstream, http: requests.Session) -> None:
    pypi.misbehave(answer(500), path=r"/simple/")
    pypi.misbehave(answer(404), path=rf"/simple/{PROJECT}/$")
    assert http.get(page(pypi), timeout=5).status_code == 404
    assert http.get(page(pypi, OTHER), timeout=5).status_code == 500
    pypi.back_to_normal()
    assert http.get(page(pypi), timeout=5).status_code == 200


def test_overridden_answers_are_in_the_request_log(upstream: FakeUpstream, http: requests.Session) -> None:
    mark = upstream.log.mark()
    with upstream.misbehave(answer(418, body="teapot"), project=PROJECT):
        http.get(page(upstream), timeout=5)
    upstream.log.assert_requested(rf"/simple/{PROJECT}/$", count=1, since=mark)
    assert [r.status for r in upstream.log.matching(rf"/simple/{PROJECT}/", since=mark)] == [418]


def test_back_to_normal_ends_every_misbehaviour(pypi: FakeUpstream, http: requests.Session) -> None:
    pypi.misbehave(answer(500))
    pypi.back_to_normal()
    assert http.get(page(pypi), timeout=5).status_code == 200


@pytest.mark.parametrize(("path", "expected"), [
    ("/simple/Foo.Bar/", {"foo-bar"}),
    ("/packages/foo_bar-1.0-py3-none-any.whl", {"foo-bar"}),
    ("/packages/packages/ab/cd/" + "e" * 60 + "/foo_bar-1.0.tar.gz", {"foo-bar"}),
    ("/packages/foo-bar-1.0.tar.gz", {"foo", "foo-bar"}),  # a legacy sdist name is ambiguous: both candidates
    ("/simple/", set()),
])
def test_the_project_a_path_concerns(path: str, expected: set[str]) -> None:
    assert projects_of_path(path) == expected


def test_back_to_normal_since_a_moment_ends_only_what_began_after_it(pypi: FakeUpstream, http: requests.Session) -> None:
    """How the harness hands each test the session's upstreams: what a test began ends with it, what was there
    before the test (a self-test's proxy in front of every upstream) stays."""
    before = pypi.misbehave(answer(500), path=r"/simple/$")
    began = time.monotonic()
    pypi.misbehave(answer(404), project=PROJECT)
    pypi.back_to_normal(since=began)
    assert pypi.misbehaviours == (before,)
    assert http.get(page(pypi), timeout=5).status_code == 200
    assert http.get(pypi.simple_url, timeout=5).status_code == 500


# -- composition ----------------------------------------------------------------------------------------------


def test_pep691_json_under_another_content_type_is_one_line(pypi: FakeUpstream, http: requests.Session) -> None:
    with pypi.misbehave(pep691(always=True) + content_type("text/plain"), project=PROJECT) as it:
        response = http.get(page(pypi), headers={"Accept": "text/html"}, timeout=5)
    assert str(it.behaviour) == "PEP 691 JSON pages whatever the Accept + content type text/plain"
    assert response.headers["Content-Type"] == "text/plain"
    assert json.loads(response.content)["name"] == PROJECT
    assert int(response.headers["Content-Length"]) == len(response.content)


def test_composition_applies_left_to_right_and_the_later_sees_the_earlier_answer(pypi: FakeUpstream,
                                                                                 http: requests.Session) -> None:
    with pypi.misbehave(last_serial(41) + last_serial(7) + headers(X_Extra="1"), project=PROJECT):
        twice = http.get(page(pypi), timeout=5)
    with pypi.misbehave(answer(503, body="down") + etag('"v1"'), project=PROJECT):
        fixed = http.get(page(pypi), timeout=5)
        revalidated = http.get(page(pypi), headers={"If-None-Match": '"v1"'}, timeout=5)
    assert twice.status_code == 200 and twice.headers["X-PYPI-LAST-SERIAL"] == "7" and twice.headers["X-Extra"] == "1"
    assert LINK.search(twice.text), "the upstream's own page under the changed headers"
    assert (fixed.status_code, fixed.text, fixed.headers["ETag"]) == (503, "down", '"v1"')
    assert revalidated.status_code == 503, "etag answers 304 only for a 200"


def test_composition_is_associative_and_keeps_its_parts(pypi: FakeUpstream, http: requests.Session) -> None:
    a, b, c = last_serial(1), headers(X_B="b"), content_type("text/x-c")
    left, right = (a + b) + c, a + (b + c)
    assert left.parts == right.parts == (a, b, c) and left.name == right.name
    for behaviour in (left, right):
        with pypi.misbehave(behaviour, project=PROJECT):
            got = http.get(page(pypi), timeout=5).headers
        assert (got["X-PYPI-LAST-SERIAL"], got["X-B"], got["Content-Type"]) == ("1", "b", "text/x-c")


def test_a_byte_level_behaviour_composes_last(upstream: FakeUpstream, http: requests.Session, dists: list[Dist]) -> None:
    wheel = dists[0]
    url = file_url(http, upstream, wheel.filename)
    with upstream.misbehave(headers(X_Slow="yes") + stall(0.5), project=PROJECT):
        started = time.monotonic()
        response = http.get(url, timeout=5)
        took = time.monotonic() - started
    assert response.content == wheel.path.read_bytes() and response.headers["X-Slow"] == "yes"
    assert took >= 0.45, f"the stall after the headers change did not hold the body ({took:.2f} s)"


@pytest.mark.parametrize("connection", [refuse, hang, unresolvable, link_down])
def test_nothing_composes_with_a_behaviour_of_the_connection(connection) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match="acts on the connection"):
        connection() + answer(500)
    with pytest.raises(ValueError, match="acts on the connection"):
        answer(500) + connection()


def test_a_proxy_in_front_and_the_upstreams_own_answer_do_not_compose() -> None:
    in_front = Behaviour("in front", lambda app, environ, start_response: app(environ, start_response), in_front=True)
    with pytest.raises(ValueError, match="in_front"):
        in_front + answer(500)


def test_a_proxy_in_front_answers_outside_the_request_log(pypi: FakeUpstream, http: requests.Session) -> None:
    """A proxy's own answers never reach the upstream (its log); the upstream's own misbehaviour still applies
    behind it, whichever began first."""

    def teapot(app, environ, start_response):  # noqa: ANN001, ANN202
        if environ["PATH_INFO"].endswith(f"/{OTHER}/"):
            start_response("418 I'm a teapot", [("Content-Length", "0")])
            return [b""]
        return app(environ, start_response)

    pypi.misbehave(Behaviour("teapot proxy", teapot, in_front=True))
    pypi.misbehave(answer(503), project=PROJECT)
    mark = pypi.log.mark()
    assert http.get(page(pypi, OTHER), timeout=5).status_code == 418
    assert http.get(page(pypi), timeout=5).status_code == 503
    assert [str(r) for r in pypi.log if r.at >= mark] == [f"GET /simple/{PROJECT}/ -> 503"]


# -- the connection's misbehaviours --------------------------------------------------------------------------


def test_refuse_and_a_route_taken_down_act_on_the_whole_upstream(pypi: FakeUpstream) -> None:
    for whole in (refuse(), unresolvable(), link_down()):
        with pytest.raises(ValueError, match="no path or project"):
            pypi.misbehave(whole, project=PROJECT)
    with pytest.raises(ValueError, match="has no 'link' route"):
        pypi.misbehave(link_down())
    assert pypi.misbehaviours == ()


def test_a_route_goes_down_while_its_misbehaviour_lasts_and_once_for_two(pypi: FakeUpstream) -> None:
    calls: list[str] = []
    pypi.routes.append(Route("name", "the name is gone", lambda: calls.append("down"), lambda: calls.append("up")))
    with pypi.misbehave(unresolvable()):
        second = pypi.misbehave(unresolvable())
        assert calls == ["down"]
    assert calls == ["down"], "still down while the second lasts"
    second.end()
    second.end()  # ending twice is harmless
    assert calls == ["down", "up"]


# -- answers -------------------------------------------------------------------------------------------------


def test_any_status_headers_and_body(upstream: FakeUpstream, http: requests.Session) -> None:
    with upstream.misbehave(answer(302, headers=[("Location", "http://127.0.0.1:9/elsewhere/")], body=b"moved"),
                            path=r"/simple/foo-bar/"):
        response = http.get(page(upstream), timeout=5, allow_redirects=False)
    assert (response.status_code, response.headers["Location"], response.content) == (302, "http://127.0.0.1:9/elsewhere/",
                                                                                       b"moved")


def test_last_serial_added_changed_and_dropped(pypi: FakeUpstream, http: requests.Session) -> None:
    with pypi.misbehave(last_serial(41), project=PROJECT):
        assert http.get(page(pypi), timeout=5).headers["X-PYPI-LAST-SERIAL"] == "41"
        with pypi.misbehave(last_serial(7), project=PROJECT):
            assert http.get(page(pypi), timeout=5).headers["X-PYPI-LAST-SERIAL"] == "7"
        with pypi.misbehave(last_serial(None), project=PROJECT):
            assert "X-PYPI-LAST-SERIAL" not in http.get(page(pypi), timeout=5).headers


def test_headers_set_and_drop_any_header(pypi: FakeUpstream, http: requests.Session) -> None:
    with pypi.misbehave(headers(Cache_Control="max-age=0", Content_Type=None), project=PROJECT):
        response = http.get(page(pypi), timeout=5)
    assert response.headers["Cache-Control"] == "max-age=0"
    assert "Content-Type" not in response.headers
    assert LINK.search(response.text)  # the body itself is untouched


def test_etag_and_304_for_if_none_match(upstream: FakeUpstream, http: requests.Session) -> None:
    with upstream.misbehave(etag(), project=PROJECT):
        first = http.get(page(upstream), timeout=5)
        tag = first.headers["ETag"]
        again = http.get(page(upstream), headers={"If-None-Match": tag}, timeout=5)
        other = http.get(page(upstream), headers={"If-None-Match": '"something-else"'}, timeout=5)
    assert (first.status_code, again.status_code, other.status_code) == (200, 304, 200)
    assert again.content == b"" and again.headers["ETag"] == tag
    assert other.content == first.content
    statuses = [r.status for r in upstream.log.matching(rf"/simple/{PROJECT}/")]
    assert statuses[-3:] == [200, 304, 200]


def test_a_fixed_etag(pypi: FakeUpstream, http: requests.Session) -> None:
    with pypi.misbehave(etag('"v1"'), project=PROJECT):
        assert http.get(page(pypi), headers={"If-None-Match": '"v1"'}, timeout=5).status_code == 304


@pytest.mark.parametrize("style", ["404", "empty", "absolute"])
def test_root_list(upstream: FakeUpstream, http: requests.Session, style: str) -> None:
    with upstream.misbehave(root_list(style), path=r"/simple/$"):
        response = http.get(upstream.simple_url, timeout=5)
        project_page = http.get(page(upstream), timeout=5)
    assert project_page.status_code == 200
    found = dict((text, href) for href, text in LINK.findall(response.text))
    if style == "404":
        assert response.status_code == 404
    elif style == "empty":
        assert response.status_code == 200 and found == {}
    else:
        assert found == {OTHER: f"{upstream.simple_url}{OTHER}/", PROJECT: f"{upstream.simple_url}{PROJECT}/"}


@pytest.mark.parametrize("style", ["absolute", "md5", "nohash"])
def test_link_styles(upstream: FakeUpstream, http: requests.Session, dists: list[Dist], style: str) -> None:
    wheel = dists[0]
    with upstream.misbehave(link_style(style), project=PROJECT):
        response = http.get(page(upstream), timeout=5)
    href = {text: href for href, text in LINK.findall(response.text)}[wheel.filename]
    url, _, fragment = href.partition("#")
    if style == "absolute":
        assert url.startswith(upstream.url) and "/simple/" not in urlsplit(url).path, href
        assert fragment == f"sha256={wheel.sha256}"
    elif style == "md5":
        assert fragment == f"md5={hashlib.md5(wheel.path.read_bytes()).hexdigest()}"  # noqa: S324
    else:
        assert fragment == ""
    # The link still leads to the file, whatever it looks like.
    assert http.get(urljoin(page(upstream), url), timeout=5).content == wheel.path.read_bytes()


def test_pep691_json_for_clients_that_ask(upstream: FakeUpstream, http: requests.Session, dists: list[Dist]) -> None:
    with upstream.misbehave(pep691(), project=PROJECT):
        upstream.yank(dists[1].filename, "broken")
        as_json = http.get(page(upstream), headers={"Accept": PEP691}, timeout=5)
        as_html = http.get(page(upstream), headers={"Accept": "text/html"}, timeout=5)
    assert as_json.headers["Content-Type"] == PEP691
    data = as_json.json()
    assert data["meta"]["api-version"] == "1.0" and data["name"] == PROJECT
    files = {f["filename"]: f for f in data["files"]}
    assert files[dists[0].filename]["hashes"] == {"sha256": dists[0].sha256}
    assert files[dists[1].filename]["yanked"] == "broken"
    assert http.get(files[dists[0].filename]["url"], timeout=5).content == dists[0].path.read_bytes()
    assert as_html.headers["Content-Type"].startswith("text/html")


def test_pep691_always_and_a_body_under_the_wrong_content_type(pypi: FakeUpstream, http: requests.Session) -> None:
    with pypi.misbehave(pep691(always=True), project=PROJECT):
        assert json.loads(http.get(page(pypi), headers={"Accept": "text/html"}, timeout=5).content)["name"] == PROJECT
    with pypi.misbehave(content_type("application/octet-stream"), project=PROJECT):
        response = http.get(page(pypi), timeout=5)
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert LINK.search(response.text)


# -- bytes over time -----------------------------------------------------------------------------------------


def raw_get(upstream: FakeUpstream, url: str, *, timeout: float = 5) -> tuple[httplib.HTTPResponse, httplib.HTTPConnection]:
    parts = urlsplit(url)
    conn = httplib.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    conn.request("GET", parts.path)
    return conn.getresponse(), conn


def test_stall_before_the_body_sends_headers_then_waits(upstream: FakeUpstream, http: requests.Session,
                                                        dists: list[Dist]) -> None:
    wheel = dists[0]
    url = file_url(http, upstream, wheel.filename)
    with upstream.misbehave(stall(1.0), project=PROJECT):
        started = time.monotonic()
        response, conn = raw_get(upstream, url)
        headers_after = time.monotonic() - started
        body = response.read()
        body_after = time.monotonic() - started
        conn.close()
    assert headers_after < 0.8, f"headers took {headers_after:.2f} s"
    assert body_after >= 0.9 and body == wheel.path.read_bytes()
    assert int(response.headers["Content-Length"]) == wheel.path.stat().st_size


def test_stall_in_the_middle_times_a_client_out_and_ends_with_the_test(upstream: FakeUpstream, http: requests.Session,
                                                                       dists: list[Dist]) -> None:
    url = file_url(http, upstream, dists[0].filename)
    with upstream.misbehave(stall(after=100), project=PROJECT):
        response, conn = raw_get(upstream, url, timeout=0.5)
        assert response.read(100) == dists[0].path.read_bytes()[:100]
        with pytest.raises(TimeoutError):
            response.read(1)
        conn.close()
    # The stalled thread let go when the behaviour ended: the upstream answers normally.
    assert http.get(url, timeout=5).content == dists[0].path.read_bytes()


def test_truncate_under_a_full_content_length(upstream: FakeUpstream, http: requests.Session, dists: list[Dist]) -> None:
    wheel = dists[0]
    url = file_url(http, upstream, wheel.filename)
    with upstream.misbehave(truncate(50), project=PROJECT):
        response, conn = raw_get(upstream, url)
        assert int(response.headers["Content-Length"]) == wheel.path.stat().st_size
        with pytest.raises(httplib.IncompleteRead) as incomplete:
            response.read()
        conn.close()
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            http.get(url, timeout=5)
    assert incomplete.value.partial == wheel.path.read_bytes()[:50]


def test_reset_mid_transfer(upstream: FakeUpstream, http: requests.Session, dists: list[Dist]) -> None:
    url = file_url(http, upstream, dists[0].filename)
    with upstream.misbehave(reset(after=64), project=PROJECT):
        response, conn = raw_get(upstream, url)

        def read_all() -> None:
            while response.read(4096):
                pass

        # Reading past what arrived: a reset ends the stream with ECONNRESET, not with an orderly EOF.
        with pytest.raises(ConnectionResetError):
            read_all()
        conn.close()
    upstream.log.assert_requested(re.escape(urlsplit(url).path))


def test_trickle(upstream: FakeUpstream, http: requests.Session, dists: list[Dist]) -> None:
    wheel = dists[1]  # the small sdist: a few chunks
    url = file_url(http, upstream, wheel.filename)
    size = wheel.path.stat().st_size
    chunk = max(size // 5, 1)
    with upstream.misbehave(trickle(chunk=chunk, delay=0.1), project=PROJECT):
        started = time.monotonic()
        body = http.get(url, timeout=5).content
        took = time.monotonic() - started
    chunks = -(-size // chunk)
    assert body == wheel.path.read_bytes()
    assert took >= 0.1 * (chunks - 1) * 0.9, f"{chunks} chunks in {took:.2f} s"


def test_stop_lets_stalled_answers_go(tmp_path: Path, dists: list[Dist]) -> None:
    with fake_pypi(tmp_path / "p") as fake:
        fake.publish(*dists)
        fake.misbehave(stall(3600), project=PROJECT)
        done = threading.Event()

        def fetch() -> None:
            with socket.create_connection(("127.0.0.1", fake.port), timeout=10) as sock:
                sock.sendall(f"GET /simple/{PROJECT}/ HTTP/1.0\r\n\r\n".encode())
                while sock.recv(4096):
                    pass
            done.set()

        threading.Thread(target=fetch, daemon=True).start()
        time.sleep(0.3)
    assert done.wait(5), "a stalled answer outlived its upstream"
