"""Fake upstreams that misbehave, for promises no change of the deployment can break: loaded into a
child run of the suite with `-p tests.misbehaving_upstreams --misbehave NAME` (tests/deployment_changes.py).

Each misbehaviour is what something in front of a real upstream may do (a proxy): a behaviour made with
`in_front=True`, installed on the session's fake upstreams through their one door (`misbehave`) before the
session's devpi starts and for the whole run. Under it the scenarios of one promise must fail, which proves
that their assertions can fail for the reason they state.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from fake_upstreams import Behaviour, FakeUpstream
from fake_upstreams.behaviours import corrupt, wrong_hash
from fake_upstreams.wsgi import WSGIApp, buffered, with_changed_body

PROJECT_LIST = re.compile(r"/simple/$")
PROJECT_PAGE = re.compile(r"/simple/[^/]+/$")
RELEASE_FILE = re.compile(r"/packages/.+[^/]$")
_SHA = re.compile(rb"(?P<file>[^/\"#]+)#sha256=(?P<digest>[0-9a-f]{64})")
StartResponse = Callable[..., Any]


def frozen_pages(which: re.Pattern[str]) -> Behaviour:
    """A caching proxy in front of the upstream that never revalidates: the first 200 answer for a path
    matching `which` is served forever, so what is published after it never shows up there, and the
    upstream itself (its request log) sees that path asked for once."""
    kept: dict[str, tuple[str, list[tuple[str, str]], bytes]] = {}
    lock = threading.Lock()

    def proxy(app: WSGIApp, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not which.search(path):
            return app(environ, start_response)
        with lock:
            hit = kept.get(path)
        if hit is None:
            hit = buffered(app, environ)
            if hit[0].startswith("200"):
                with lock:
                    kept.setdefault(path, hit)
        status, headers, body = hit
        start_response(status, headers)
        return [body]

    return Behaviour(f"a caching proxy that never revalidates {which.pattern}", proxy, in_front=True)


def rehashed_when_corrupt(upstream: FakeUpstream) -> Behaviour:
    """While the upstream serves corrupt bytes (`wrong_hash()`), its pages advertise the sha256 of those bytes
    instead of the published file's: a tampering proxy that rewrites pages and files alike."""

    def digest_of_corrupt(match: re.Match[bytes]) -> bytes:
        path = upstream.root / match["file"].decode()
        if not path.is_file():
            return match[0]
        return match["file"] + b"#sha256=" + hashlib.sha256(corrupt(path.read_bytes())).hexdigest().encode()

    def corrupting(path: str) -> bool:
        return any(wrong_hash() in m.behaviour.parts and m.matches(path) for m in upstream.misbehaviours)

    def proxy(app: WSGIApp, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if "/simple/" in path and corrupting(path):
            return with_changed_body(app, environ, start_response, lambda body: _SHA.sub(digest_of_corrupt, body))
        return app(environ, start_response)

    return Behaviour("a tampering proxy", proxy, in_front=True)


_ANCHOR = re.compile(rb"<a [^>]*>(?P<file>[^<]+)</a>\s*(<br\s*/?>)?\s*")


def spelling_strict() -> Behaviour:
    """Project pages list only the files whose name starts with the project's normalised name (or its
    underscore form): a file named with another spelling (`Private.Package-3.0.tar.gz`) is left out."""

    def keep(name: bytes) -> Callable[[re.Match[bytes]], bytes]:
        prefixes = (name + b"-", name.replace(b"-", b"_") + b"-")
        return lambda anchor: anchor[0] if anchor["file"].startswith(prefixes) else b""

    def proxy(app: WSGIApp, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        page = PROJECT_PAGE.search(environ.get("PATH_INFO", ""))
        if not page:
            return app(environ, start_response)
        name = environ["PATH_INFO"].rstrip("/").rsplit("/", 1)[-1].encode()
        return with_changed_body(app, environ, start_response, lambda body: _ANCHOR.sub(keep(name), body))

    return Behaviour("project pages that leave out files named with another spelling", proxy, in_front=True)


def served_instead(which: re.Pattern[str], body: bytes) -> Behaviour:
    """Pages matching `which` answer 200 with `body` as HTML: what a broken repository or a proxy's error
    page looks like to a client that trusts the status."""

    def proxy(app: WSGIApp, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if not which.search(environ.get("PATH_INFO", "")):
            return app(environ, start_response)
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))])
        return [body]

    return Behaviour(f"200 with another body for {which.pattern}", proxy, in_front=True)


# Truncated mid-tag, an attribute never closed, bytes that are not UTF-8: a page no parser can read as links.
MALFORMED_PAGE = b'<!DOCTYPE html><html><body><a href="../../packages/\xff\xfe<a href=\n<<<</bo'
# What a reverse proxy in front of Artifactory answers when the repository is down, with status 200.
ERROR_PAGE_200 = (b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1>"
                  b"<p>The proxy server received an invalid response from an upstream server.</p></body></html>\n")



def rebuilt_after_first_read() -> Behaviour:
    """Each project page is true the first time it is asked for; from then on it advertises other hashes for
    the same file names: a load-balanced repository whose other node holds another build of each release."""
    asked: set[str] = set()
    lock = threading.Lock()

    def other(match: re.Match[bytes]) -> bytes:
        return match["file"] + b"#sha256=" + hashlib.sha256(match["digest"]).hexdigest().encode()

    def proxy(app: WSGIApp, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not PROJECT_PAGE.search(path):
            return app(environ, start_response)
        with lock:
            first = path not in asked
            asked.add(path)
        if first:
            return app(environ, start_response)
        return with_changed_body(app, environ, start_response, lambda body: _SHA.sub(other, body))

    return Behaviour("another build of each release after the first read", proxy, in_front=True)

MISBEHAVIOURS: dict[str, Callable[[FakeUpstream], Behaviour]] = {
    "malformed-project-pages": lambda _upstream: served_instead(PROJECT_PAGE, MALFORMED_PAGE),
    "error-page-200": lambda _upstream: served_instead(PROJECT_PAGE, ERROR_PAGE_200),
    "frozen-project-pages": lambda _upstream: frozen_pages(PROJECT_PAGE),
    "frozen-files": lambda _upstream: frozen_pages(RELEASE_FILE),
    "frozen-project-list": lambda _upstream: frozen_pages(PROJECT_LIST),
    "unnormalised-files-hidden": lambda _upstream: spelling_strict(),
    "tampering-proxy": rehashed_when_corrupt,
    "rebuilt-after-first-read": lambda _upstream: rebuilt_after_first_read(),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--misbehave", choices=sorted(MISBEHAVIOURS), required=True,
                     help="how every fake upstream of this run misbehaves (tests/misbehaving_upstreams.py)")


@pytest.fixture(scope="session", autouse=True)
def _every_upstream_misbehaves(request: pytest.FixtureRequest, fake_pypi: FakeUpstream,
                               fake_artifactory: FakeUpstream) -> Iterator[None]:
    """Before anything else of the session (autouse, session scope: before the session's devpi starts); the
    harness ends after each test only what the test began."""
    make = MISBEHAVIOURS[request.config.getoption("misbehave")]
    in_front = [upstream.misbehave(make(upstream)) for upstream in (fake_pypi, fake_artifactory)]
    yield
    for misbehaviour in in_front:
        misbehaviour.end()
